"""Sentiment Review: entry point. Settings, first-start seeding, sidebar, navigation.

Start it with ``python scripts/serve.py`` (what ``scripts/start.sh`` runs), which loads the
libraries before the server listens; ``streamlit run app.py`` works too.
"""

from pathlib import Path


def main() -> None:
    """Settings, sign-in, first-start seeding, sidebar and the chosen page."""
    # Imported here, not at the top: a worker process that multiprocessing starts with
    # forkserver or spawn re-imports the server's __main__ (Streamlit points it at this file)
    # as "__mp_main__", and must not load Streamlit and every page's module to score a batch.
    import streamlit as st

    from lib.access.redaction import install_log_redaction
    from lib.scoring.parallel import use_safe_start_method
    from ui import auth, navigation, presentation, seeding, sidebar
    from ui.failures import page_boundary

    use_safe_start_method()
    install_log_redaction()

    st.set_page_config(page_title="Sentiment Review", page_icon=str(Path(__file__).parent / "assets" / "favicon.png"), layout="wide")

    # Pages a role may not use are never declared; before sign-in there is no menu.
    user = auth.current_user()
    pages = navigation.declared_pages(user)
    current = st.navigation(pages, position="hidden")

    st.sidebar.title("Sentiment Review")
    auth.require_sign_in(user)
    navigation.menu(pages)
    # Anything unexpected below is logged with an id; the user sees a plain message quoting it.
    with page_boundary():
        seeding.heal_interrupted_runs_once()
        seeding.ensure_demo()
        sidebar.render()
        presentation.toggle()
        current.run()


# Streamlit runs this file as "__main__"; a worker process imports it as "__mp_main__".
if __name__ == "__main__":
    main()

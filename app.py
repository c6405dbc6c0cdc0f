"""Sentiment Review: entry point. Settings, first-start seeding, sidebar, navigation."""

from pathlib import Path

import streamlit as st

from lib.access.redaction import install_log_redaction
from lib.scoring.parallel import use_safe_start_method
from ui import auth, navigation, presentation, seeding, sidebar
from ui.failures import page_boundary


def main() -> None:
    """Settings, sign-in, first-start seeding, sidebar and the chosen page."""
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


# Streamlit runs this file as "__main__". A worker process that multiprocessing starts with
# spawn or forkserver re-imports the server's __main__ (Streamlit points it here) as
# "__mp_main__": it must not run the app (see lib/scoring/parallel.py).
if __name__ == "__main__":
    main()

"""Who is annotating: a stable identity to attribute annotations to, and a name to show beside it.

Signed-in people are identified by what cannot change under them: the e-mail an OIDC
provider verified (or its ``sub`` when there is no e-mail) and the user name of a password
user. Their display name is only shown. The name typed once per session counts only for the
local admin of an app without sign-in.
"""

from __future__ import annotations

import streamlit as st

from ui import auth

NAME_KEY = "annotator_name"


def _typed_name() -> str | None:
    return (st.session_state.get(NAME_KEY) or "").strip() or None


def annotator() -> str | None:
    """The identity annotations are attributed to, or None until there is one."""
    user = auth.current_user()
    if user is None:
        return None
    return _typed_name() if user.is_local else user.identity or None


def annotator_display_name() -> str | None:
    """The name shown beside the annotator's identity: display name, user name, or the typed name."""
    user = auth.current_user()
    if user is None:
        return None
    return _typed_name() if user.is_local else user.name or None


def ask_for_name() -> str | None:
    """The annotator's identity; in local-admin mode, ask for a name once per browser session (never blank)."""
    name = annotator()
    user = auth.current_user()
    if name or user is None or not user.is_local:
        return name
    with st.form("annotator_name_form"):
        typed = st.text_input("Your name, shown next to your annotations", max_chars=80)
        if st.form_submit_button("Start annotating", type="primary"):
            if typed.strip():
                st.session_state[NAME_KEY] = typed.strip()
                st.rerun()
            st.error("Please type a name: annotations are never saved anonymously.")
    return None

"""Who is annotating: the signed-in user when there is one, else a name given once per session."""

from __future__ import annotations

import streamlit as st

from ui import auth

NAME_KEY = "annotator_name"


def signed_in_name() -> str | None:
    """Name or e-mail of the signed-in user (OIDC or password), when authentication is configured."""
    password_user = auth.signed_in_username()
    if password_user:
        return password_user
    if not st.user.get("is_logged_in", False):
        return None
    return str(st.user.get("name") or st.user.get("email") or "").strip() or None


def annotator() -> str | None:
    """The annotator's name, or None until they have given one."""
    return signed_in_name() or (st.session_state.get(NAME_KEY) or "").strip() or None


def ask_for_name() -> str | None:
    """Ask for a name once per browser session (never blank); returns it when given."""
    name = annotator()
    if name:
        return name
    with st.form("annotator_name_form"):
        typed = st.text_input("Your name, shown next to your annotations", max_chars=80)
        if st.form_submit_button("Start annotating", type="primary"):
            if typed.strip():
                st.session_state[NAME_KEY] = typed.strip()
                st.rerun()
            st.error("Please type a name: annotations are never saved anonymously.")
    return None

"""Sentiment Review: entry point. Settings, first-start seeding, sidebar, navigation."""

import streamlit as st

from lib.parallel import use_safe_start_method
from ui import auth, presentation, seeding, sidebar

use_safe_start_method()

st.set_page_config(page_title="Sentiment Review", page_icon=":material/reviews:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("pages/categories.py", title="Categories", icon=":material/category:"),
    st.Page("pages/compare.py", title="Compare runs", icon=":material/compare_arrows:"),
    st.Page("pages/errors.py", title="Mistakes", icon=":material/rule:"),
    st.Page("pages/evaluate.py", title="Evaluate a file", icon=":material/upload_file:"),
    st.Page("pages/report.py", title="Client report", icon=":material/description:"),
]
# Pages a role may not use are never declared; before sign-in the menu is hidden.
user = auth.current_user()
navigation = st.navigation(auth.permitted_pages(pages, user), position="sidebar" if user else "hidden")

st.sidebar.title("Sentiment Review")
auth.require_sign_in(user)
seeding.heal_interrupted_runs_once()
seeding.ensure_demo()
sidebar.render()
presentation.toggle()
navigation.run()

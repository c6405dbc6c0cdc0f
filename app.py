"""Sentiment Review: entry point. Settings, first-start seeding, sidebar, navigation."""

import streamlit as st

from ui import seeding, sidebar

st.set_page_config(page_title="Sentiment Review", page_icon=":material/reviews:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("pages/categories.py", title="Categories", icon=":material/category:"),
    st.Page("pages/compare.py", title="Compare runs", icon=":material/compare_arrows:"),
    st.Page("pages/errors.py", title="Mistakes", icon=":material/rule:"),
]
navigation = st.navigation(pages)

st.sidebar.title("Sentiment Review")
seeding.ensure_demo()
sidebar.render()
navigation.run()

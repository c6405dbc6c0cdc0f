"""Streamlit glue shared by the pages: cached data access, sidebar, reusable widgets."""

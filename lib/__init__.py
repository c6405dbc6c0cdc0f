"""Pure logic of Sentiment Review: no Streamlit import anywhere in this package."""

"""Analyses: pure functions over frames from ``store.load_results`` (no I/O, no Streamlit)."""

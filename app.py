"""ITA Analytics dashboard: page config and navigation; every page lives in pages/."""

import streamlit as st

from ita_analytics.dashboard import navigation

st.set_page_config(page_title="ITA Analytics", page_icon="📊", layout="wide")
navigation.run()

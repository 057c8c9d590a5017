"""ITA Analytics dashboard: page config and navigation; every page lives in pages/.

``streamlit run app.py`` imports this file once, as the module ``app``, and serves the
``st.App`` it makes: its start opens and checks the store (building the demo store on a first
start) before the first visitor comes. Each page view runs the file as the script
(``__main__``): page config and the menu.
"""

import streamlit as st

if __name__ == "__main__":
    from ita_analytics.dashboard import navigation

    st.set_page_config(page_title="ITA Analytics", page_icon="📊", layout="wide")
    navigation.run()
else:
    from ita_analytics.dashboard.startup import open_store_at_start
    from ita_analytics.web_assets import routes

    # routes: the first screen's charts are drawn with plotly.js's cartesian build, served here
    # (dashboard/light_plotly.py).
    app = st.App(__file__, lifespan=open_store_at_start, routes=routes())

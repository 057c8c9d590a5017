"""What the dashboard's server does when it starts, before its first page view."""

from __future__ import annotations

import asyncio
import contextlib


@contextlib.asynccontextmanager
async def open_store_at_start(_app):
    """The ``st.App`` lifespan of ``app.py``: open, check and (first start) build the store
    before serving (:func:`ita_analytics.dashboard.data.check_store_at_start`).

    The data module is imported here, once Streamlit's runtime is running, rather than when
    ``app.py`` is: its cached loads would otherwise be declared before there is a runtime,
    and Streamlit says so in the log at every start.
    """
    from ita_analytics.dashboard import data

    await asyncio.to_thread(data.check_store_at_start)
    yield

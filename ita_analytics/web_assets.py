"""Files the dashboard serves to the browser: plotly.js's cartesian build and Streamlit's light
Plotly theme (``ita_analytics/assets/``; see ``dashboard/light_plotly.py``).

Kept apart from ``dashboard/``, whose code opens no files (tests/test_security.py): these are the
package's own files, read once, never a path from a user.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
ASSETS_ROUTE = "/ita-assets"
"""Where app.py serves :data:`ASSETS_DIR` (``st.App`` routes)."""
PLOTLY_FILE = "plotly-cartesian-4.1.1.min.js"
"""plotly.js's cartesian build (MIT; its licence beside it), the version plotly.py 7.1 writes
figures for."""
THEME_FILE = "streamlit-plotly-template.json"


def routes() -> list:
    """The app's route serving :data:`ASSETS_DIR` (for ``st.App(routes=…)``)."""
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return [Mount(ASSETS_ROUTE, app=StaticFiles(directory=ASSETS_DIR), name="ita-assets")]


@functools.cache
def streamlit_theme() -> dict:
    """``{"template": …, "colors": {placeholder: colour}, …}`` (the file's ``about`` says what)."""
    return json.loads((ASSETS_DIR / THEME_FILE).read_text(encoding="utf-8"))

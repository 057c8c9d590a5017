"""Page choices kept in the URL (``?indicator=9``), so a shared link reopens the same view."""

from __future__ import annotations

import streamlit as st

from ita_analytics.dashboard.ui import multiselect


def _seen_key(key: str) -> str:
    """Where the URL value last written for widget ``key`` is kept: a URL that differs from
    it was opened or followed (a shared link), and its value is applied."""
    return f"_url_seen_{key}"


def _text(value) -> str | None:
    return None if value is None else str(value)


def _write(param: str, key: str, value) -> None:
    if isinstance(value, (list, tuple)):
        shown = [str(v) for v in value]
        if shown:
            st.query_params[param] = shown
        else:
            st.query_params.pop(param, None)
        st.session_state[_seen_key(key)] = shown
        return
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    st.session_state[_seen_key(key)] = _text(value)


def apply_url(key: str, param: str, options, default=None, *, many: bool = False) -> None:
    """Give widget ``key`` the URL's value of ``param`` when the URL brings a new one (a
    shared link, a link followed), else keep the widget's value, else ``default``.

    Options are matched by their text (``"9"`` is the option 9); unknown values are ignored.
    """
    by_text = {str(o): o for o in options}
    if many:
        url = st.query_params.get_all(param)
        if url and url != st.session_state.get(_seen_key(key)):
            st.session_state[key] = [by_text[v] for v in url if v in by_text]
        elif not isinstance(st.session_state.get(key), list):
            st.session_state[key] = list(default or [])
        else:
            st.session_state[key] = [v for v in st.session_state[key] if v in options]
        return
    url = st.query_params.get(param)
    if url is not None and url != st.session_state.get(_seen_key(key)) and url in by_text:
        st.session_state[key] = by_text[url]
    elif st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else next(iter(options), None)


def url_widget(widget, label: str, options, *, key: str, param: str | None = None,
               default=None, container=None, **kwargs):
    """``container.<widget>`` (selectbox, radio, multiselect, or segmented_control / pills
    with ``selection_mode="multi"``, with ``kwargs``) whose value is written to the URL as
    ``?<param>=`` (repeated for several) on every run and read back from a shared link.

    A page's choices (the indicator of a box plot, how many movers, the map's metric…) were
    lost from a copied link: it reopened with indicator 1 instead of 9.
    """
    param = param or key
    options = list(options)
    many = widget == "multiselect" or kwargs.get("selection_mode") == "multi"
    if kwargs.get("format_func") is not None:
        # The widget gets the labels, not the page's function: Streamlit keeps every widget's
        # format_func for the whole session, and a lambda written in a page script holds that
        # run's page globals (all its frames) with it: 7 MB per session at national scale.
        labels = {option: kwargs["format_func"](option) for option in options}
        kwargs["format_func"] = labels.__getitem__
    apply_url(key, param, options, default, many=many)
    container = container or st
    if widget == "multiselect":
        value = multiselect(container, label, options, key=key, **kwargs)
    else:
        value = getattr(container, widget)(label, options, key=key, **kwargs)
    _write(param, key, value)
    return value

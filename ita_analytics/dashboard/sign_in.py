"""Analyst sign-in for the write parts of pages: ``st.login`` (OIDC) or the local password form."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ita_analytics import auth
from ita_analytics.dashboard.ui import escape_markdown, t

SESSION_KEY = "auth_analyst"
"""Session state: the name of the analyst signed in with the local password."""
LOCAL_SUFFIX = " [local]"
"""Marks names typed at the local password form in the import history (not an OIDC account)."""


def auth_section() -> dict:
    """The ``[auth]`` section of the secrets; empty when there is no secrets file or section."""
    try:
        section = st.secrets["auth"]
    except Exception:  # no secrets.toml at all raises; that just means nothing is configured
        return {}
    return dict(section) if isinstance(section, Mapping) else {}


def _oidc_email() -> str | None:
    """The OIDC account's e-mail when one is signed in (``st.user.is_logged_in``), else None."""
    try:
        if st.user.get("is_logged_in") is not True:
            return None
        return st.user.get("email")
    except Exception:  # st.user outside a script run (bare mode) has nothing to say
        return None


def analyst_user() -> str | None:
    """The signed-in analyst (e-mail, or the typed name + " [local]"), None for viewers.

    Draws nothing; pages call :func:`require_analyst` once to draw the sign-in panel.
    """
    section = auth_section()
    mode = auth.auth_mode(section)
    if mode == auth.MODE_OIDC:
        email = _oidc_email()
        return email if auth.is_analyst_email(email, section) else None
    if mode == auth.MODE_LOCAL:
        return st.session_state.get(SESSION_KEY)
    return None


def require_analyst() -> str | None:
    """Draw the analyst panel in the sidebar (once per page run) and return the signed-in
    analyst, or None: then the page shows :func:`render_analyst_needed` instead of its
    uploader and write buttons."""
    section = auth_section()
    mode = auth.auth_mode(section)
    sidebar = st.sidebar.container(key="auth_panel")
    sidebar.caption(t("ผู้วิเคราะห์ (นำเข้า/ยกเลิก/แก้ไขข้อมูล)", "Analyst (import, undo, edit)"))
    if mode == auth.MODE_OIDC:
        _render_oidc(sidebar, section)
    elif mode == auth.MODE_LOCAL:
        _render_local(sidebar, section)
    else:
        sidebar.caption(t("ยังไม่ได้ตั้งค่าการเข้าสู่ระบบ", "Sign-in is not set up"))
    return analyst_user()


def _render_oidc(panel, section: dict) -> None:
    email = _oidc_email()
    if email is not None:
        shown = escape_markdown(email)
        if auth.is_analyst_email(email, section):
            panel.success(t(f"เข้าสู่ระบบเป็น {shown}", f"Signed in as {shown}"))
        else:
            panel.warning(t(f"{shown} ไม่อยู่ในรายชื่อผู้วิเคราะห์ (analyst_emails)",
                            f"{shown} is not on the analyst list (analyst_emails)"))
        if panel.button(t("ออกจากระบบ", "Sign out"), key="auth_logout"):
            st.logout()
        return
    for provider in auth.oidc_providers(section):
        label = t("เข้าสู่ระบบ", "Sign in") + (f" ({escape_markdown(provider)})" if provider else "")
        if panel.button(label, key=f"auth_login_{provider or 'default'}"):
            try:
                if provider:
                    st.login(provider)
                else:
                    st.login()
            except Exception as error:  # a provider set up incompletely (no redirect_uri…)
                detail = escape_markdown(error)
                panel.error(t(f"ตั้งค่าผู้ให้บริการเข้าสู่ระบบไม่ครบ: {detail}",
                              f"The sign-in provider is not fully set up: {detail}"))


def _render_local(panel, section: dict) -> None:
    user = st.session_state.get(SESSION_KEY)
    if user:
        shown = escape_markdown(user)
        panel.success(t(f"เข้าสู่ระบบเป็น {shown}", f"Signed in as {shown}"))
        if panel.button(t("ออกจากระบบ", "Sign out"), key="auth_sign_out"):
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
        return
    with panel.form("auth_form", clear_on_submit=True):
        name = st.text_input(t("ชื่อของคุณ (บันทึกในประวัติการนำเข้า)",
                               "Your name (kept in the import history)"), key="auth_name")
        password = st.text_input(t("รหัสผ่านผู้วิเคราะห์", "Analyst password"), type="password",
                                 key="auth_password")
        submitted = st.form_submit_button(t("เข้าสู่ระบบ", "Sign in"), key="auth_submit")
    if not submitted:
        return
    name = auth.clean_display_name(name)
    if not name:
        panel.error(t("กรุณาพิมพ์ชื่อของคุณ", "Type your name"))
        return
    try:
        attempt = auth.check_local_password(password, section[auth.HASH_KEY])
    except auth.PasswordHashError as error:
        detail = escape_markdown(error)
        panel.error(t(f"ค่า {auth.HASH_KEY} ใน secrets.toml ไม่ถูกต้อง ({detail}) — สร้างใหม่ด้วย "
                      "python -m ita_analytics hash-password",
                      f"{auth.HASH_KEY} in secrets.toml is malformed ({detail}); make a new one "
                      "with python -m ita_analytics hash-password"))
        return
    if attempt.ok:
        st.session_state[SESSION_KEY] = name + LOCAL_SUFFIX
        st.rerun()
    elif attempt.locked_seconds > 0:
        minutes = max(1, round(attempt.locked_seconds / 60))
        panel.error(t(f"ใส่รหัสผ่านผิดหลายครั้ง ระงับการเข้าสู่ระบบประมาณ {minutes} นาที",
                      f"Too many wrong passwords: sign-in is locked for about {minutes} min"))
    elif attempt.busy:
        panel.error(t("มีการลงชื่อเข้าใช้หลายครั้งพร้อมกัน กรุณารอสักครู่แล้วลองใหม่",
                      "Other sign-in attempts are being checked: wait a moment and try again"))
    else:
        panel.error(t("รหัสผ่านไม่ถูกต้อง", "Wrong password"))


def render_analyst_needed() -> None:
    """Where an uploader or write button would be: how to sign in, or how to enable sign-in."""
    mode = auth.auth_mode(auth_section())
    if mode != auth.MODE_NONE:
        st.info(t("การนำเข้า ยกเลิก และแก้ไขข้อมูลต้องเข้าสู่ระบบผู้วิเคราะห์ก่อน (ที่ท้ายแถบด้านข้าง) "
                  "ส่วนการดูผลไม่ต้องเข้าสู่ระบบ",
                  "Importing, undoing and editing need an analyst sign-in (at the bottom of the "
                  "sidebar); viewing needs none."), icon=":material/lock:")
        return
    st.warning(t("การนำเข้าและแก้ไขข้อมูลปิดอยู่ เพราะยังไม่ได้ตั้งค่าการเข้าสู่ระบบผู้วิเคราะห์ "
                 "วิธีเปิด: รัน python -m ita_analytics hash-password แล้ววางบรรทัดที่ได้ใน "
                 ".streamlit/secrets.toml (หรือตั้งค่าผู้ให้บริการ OIDC ใน [auth] พร้อม analyst_emails) "
                 "แล้วเริ่มแดชบอร์ดใหม่",
                 "Importing and editing are off: analyst sign-in is not set up. To enable it, run "
                 "python -m ita_analytics hash-password and paste the printed lines into "
                 ".streamlit/secrets.toml (or configure an OIDC provider in [auth] with "
                 "analyst_emails), then restart the dashboard."), icon=":material/lock:")
    st.code("python -m ita_analytics hash-password\n# → .streamlit/secrets.toml:\n[auth]\n"
            'analyst_password_hash = "pbkdf2_sha256$600000$…$…"', language="toml")

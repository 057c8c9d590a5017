"""Errors that carry a Thai and an English message, for users of the CLI and the dashboard."""

from __future__ import annotations


class ItaError(Exception):
    """An error a user can act on; ``message_th`` first, as the UI shows it."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(f"{message_th} / {message_en}")
        self.message_th = message_th
        self.message_en = message_en

    def message(self, lang: str = "th") -> str:
        return self.message_en if lang == "en" else self.message_th


class StoreError(ItaError):
    """The store cannot be opened or written."""


class StoreBusy(StoreError):
    """Another process holds the store file."""


class AgencyNotFound(ItaError):
    """No agency matches a name; ``suggestions`` lists near names."""

    def __init__(self, name: str, suggestions: list[str]):
        hint_th = f" หรือหมายถึง: {', '.join(suggestions)}" if suggestions else ""
        hint_en = f" Did you mean: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(
            f"ไม่พบหน่วยงาน \"{name}\"{hint_th}",
            f"No agency named \"{name}\".{hint_en}",
        )
        self.name = name
        self.suggestions = suggestions

"""Cells that are safe to hand to a spreadsheet program."""
from __future__ import annotations

import unicodedata
from typing import Any

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may shift it into one); see OWASP "CSV Injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CHARS = frozenset("=+-@\u2212")  # U+2212 MINUS SIGN: some spreadsheets read it as "-"


def _starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula.

    Excel and WPS also take the fullwidth and small forms of the leaders (``＝ ＋ － ＠``,
    ``﹦ ﹢ ﹣ ﹫``; an IME in Chinese mode types them) as formulas, and skip leading spaces,
    ideographic spaces and invisible characters; NFKC folds those forms onto ASCII.
    """
    if text.startswith(FORMULA_TRIGGERS) or text.startswith("\n"):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in _TRIGGER_CHARS
    return False


def safe_cell(value: Any) -> Any:
    """``value`` made safe to write into a CSV or XLSX cell that users will open.

    Text starting with ``= + - @`` (in ASCII, fullwidth or small form, after any
    leading spaces or invisible characters) or with a tab, carriage return or line
    feed gets a leading apostrophe, so Excel, WPS and LibreOffice show it as text
    instead of running it as a formula (``=HYPERLINK(...)``, ``＝cmd|...``). openpyxl
    likewise stores text starting with ``=`` as a formula unless escaped. Anything
    that is not text (numbers, dates, ``None``) is returned unchanged.
    """
    if isinstance(value, str) and _starts_like_formula(value):
        return "'" + value
    return value

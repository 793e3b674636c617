"""Fixtures for the file-intake tests: workbooks and archives built on the fly."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MSGIDS_ZH = Path(__file__).resolve().parents[3] / "core" / "importing" / "MSGIDS_zh.txt"


def load_zh() -> dict[str, str]:
    """The Chinese translations shipped next to the code, as msgid → text."""
    pairs = (line.split("\t") for line in MSGIDS_ZH.read_text("utf-8").splitlines() if line)
    return {msgid: zh for msgid, zh in pairs}


@pytest.fixture
def zh_catalogue() -> dict[str, str]:
    """The msgid → Chinese pairs from MSGIDS_zh.txt."""
    return load_zh()


@pytest.fixture
def zh_gettext(zh_catalogue: dict[str, str]) -> Callable[[str], str]:
    """A gettext translating into Chinese from MSGIDS_zh.txt."""
    return lambda msgid: zh_catalogue.get(msgid, msgid)


@pytest.fixture
def make_xlsx() -> Callable[..., bytes]:
    """Build an XLSX in memory from rows of values (``None`` leaves a cell empty)."""
    def build(rows: list[list[Any]], *, title: str = "Sheet1") -> bytes:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    return build


@pytest.fixture
def make_zip() -> Callable[..., bytes]:
    """Build a deflated ZIP from ``{name: bytes}``."""
    def build(entries: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in entries.items():
                archive.writestr(name, content)
        return out.getvalue()
    return build


@pytest.fixture
def forbid_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything asks openpyxl to open a workbook."""
    import openpyxl

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl.load_workbook was called")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)

"""sniff_kind decides by content, whatever the file is called."""
from __future__ import annotations

from collections.abc import Callable

from core.importing import sniff_kind

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def test_kinds_by_content(make_xlsx: Callable[..., bytes], make_zip: Callable[..., bytes]) -> None:
    assert sniff_kind(make_xlsx([["code"], ["a"]])) == "xlsx"
    assert sniff_kind(make_zip({"readme.txt": b"hello"})) == "zip"
    assert sniff_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "xls"
    assert sniff_kind(PNG) == "binary"
    assert sniff_kind(b"%PDF-1.7\n%abc\n1 0 obj") == "binary"
    assert sniff_kind(b"code,name\n1,\x00x\n") == "binary"
    assert sniff_kind(b'\n  {"ref": "a"}\n') == "jsonl"
    assert sniff_kind(b'\xef\xbb\xbf{"ref": "a"}') == "jsonl"
    assert sniff_kind(b"code,name\n") == "csv"
    assert sniff_kind("单位代码,单位名称\n".encode("gb18030")) == "csv"
    assert sniff_kind("\ufeffcode\tname\n".encode("utf-16")) == "csv"


def test_damaged_zip_is_not_a_workbook() -> None:
    assert sniff_kind(b"PK\x03\x04 this is not really a zip") == "zip"

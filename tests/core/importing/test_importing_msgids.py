"""Every message the intake layer can show has a Chinese translation ready to merge."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract

PACKAGE = Path(__file__).resolve().parents[3] / "core" / "importing"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        with path.open("rb") as source:
            found.update(str(msg) for _, msg, _, _ in extract("python", source, keywords={"N_": None}))
    return found


def test_every_msgid_is_translated(zh_catalogue: dict[str, str]) -> None:
    assert extracted() == set(zh_catalogue)


def test_translations_use_known_placeholders(zh_catalogue: dict[str, str]) -> None:
    for msgid, zh in zh_catalogue.items():
        assert set(PLACEHOLDER.findall(zh)) <= set(PLACEHOLDER.findall(msgid)) | {"label"}, msgid

"""Both catalogues (zh_CN and en) translate every message, and the compiled files are current."""
from __future__ import annotations

from scripts.catalogs import KEYWORDS, problems


def test_catalogues_are_complete_and_compiled():
    assert list(problems()) == []


def test_every_error_class_with_a_message_is_extracted():
    from core.errors import DubanError

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import core.access.passwords
    import core.importing  # noqa: F401
    from core.plugins import make_plugin_manager

    make_plugin_manager()
    missing = sorted({cls.__name__ for cls in subclasses(DubanError)} - set(KEYWORDS))
    assert missing == []

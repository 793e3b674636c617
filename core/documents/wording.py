"""Putting sentences together from parts without doubling their punctuation.

A document's sentences are built from text people typed (a finding, a matter's
title, a reason) and from templates that add their own punctuation
("实地核查发现：%(findings)s。"). Typed text often ends with its own full stop, so
a part is trimmed of the marks that end a clause before it is placed inside a
sentence or joined to the next part: "尚未完工。" inside "…：%s。" reads
"…：尚未完工。", never "尚未完工。。", and "明显偏低。" joined by "；" reads
"明显偏低；…", never "明显偏低。；".
"""
from __future__ import annotations

from collections.abc import Iterable

# Marks that end a clause or a sentence, Chinese and Latin; brackets and quotes are not among them.
CLAUSE_ENDS = "。．.！!？?；;，,、：:…"


def clause(text: str) -> str:
    """``text`` without the spaces and clause-ending marks at its end (and the spaces at its start)."""
    return text.strip().rstrip(CLAUSE_ENDS + " \u3000\t\r\n")


def join_clauses(parts: Iterable[str], separator: str) -> str:
    """The parts as clauses joined by ``separator`` (e.g. "；"), each trimmed by :func:`clause`; empty parts go."""
    return separator.join(trimmed for trimmed in (clause(part) for part in parts) if trimmed)

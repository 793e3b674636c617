"""Linking a text to the matters and units it most likely concerns (关联事项与单位), for every source.

A source with texts from people — a tip, a news report, a 12345 hotline order, a petition —
asks the shared link index which matters and units of the ledger the text concerns:

    index = index_for(session, examples)       # fitted once, reused until its inputs change
    result = index.link(text, region_code="990102", unit_id=None, limit=3)
    result.matters, result.units               # Candidate(id, score), best first, 0 < score <= 1

``examples`` are ``(matter id, text)`` pairs the source's staff confirmed, which teach the index
that source's words; the segmentation (:func:`tokens`, jieba words, character pairs and single
characters) is shared too, for comparing texts with one another. docs/plugins.md describes the
service and bench/tip_linking.py measures it.
"""
from __future__ import annotations

from core.linking.index import Candidate, LinkIndex, LinkResult, index_for, read_inputs, unit_aliases
from core.linking.segment import normalise, tokenizer, tokens

__all__ = ["Candidate", "LinkIndex", "LinkResult", "index_for", "normalise", "read_inputs", "tokenizer", "tokens",
           "unit_aliases"]

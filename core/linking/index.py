"""The link index: which matters and units a text (a tip, a hotline order) most likely concerns.

TF-IDF over jieba words and Chinese characters compares the text with each matter
(its title, its tasks' texts and the texts staff confirmed for it, a little more
when the text names a place where the matter has a task) and with each unit (its
name and its tasks). Units also score when the text names them or their region,
and when they hold a task of a matter the text resembles. Scores lie between 0 and 1.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import Matter, Task, TaskCoUnit
from core.linking.segment import normalise, tokens
from core.org.models import Unit

# Suffixes that name a level of government rather than the place itself.
_FORMAL_SUFFIXES = ("人民政府办公室", "人民政府", "办事处", "政府")
_PLACE_SUFFIX = re.compile(r"(?<=..)(省|市|区|县|镇|乡|街道)$")

# How the unit score is made up (measured with bench/tip_linking.py).
W_MENTION, W_REGION, W_MATTER, W_TEXT = 0.45, 0.15, 0.3, 0.1
# A matter gains a little when the tip names a place where one of its tasks is held.
W_PLACE = 0.1


@dataclass(frozen=True)
class Candidate:
    """A matter or unit the text may concern, with a score between 0 and 1."""

    id: int
    score: float


@dataclass
class LinkResult:
    """The best matters and units for one text, best first."""

    matters: list[Candidate] = field(default_factory=list)
    units: list[Candidate] = field(default_factory=list)


def unit_aliases(name: str) -> list[tuple[str, float]]:
    """Ways a text may name a unit, with how sure a mention is: 河东区人民政府 → 河东区, 河东."""
    name = normalise(name).strip()
    found: list[tuple[str, float]] = [(name, 1.0)]
    short = name
    for suffix in _FORMAL_SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix) + 1:
            short = short[: -len(suffix)]
            found.append((short, 1.0))
            break
    stem = _PLACE_SUFFIX.sub("", short)
    if stem != short and len(stem) >= 2:
        found.append((stem, 0.7))
    return found


class LinkIndex:
    """Everything the linker needs, read once from the ledger and the unit tree."""

    def __init__(self, matters: dict[int, str], units: dict[int, tuple[str, str]],
                 unit_texts: dict[int, list[str]], matter_units: dict[int, list[int]]) -> None:
        self.matter_ids = list(matters)
        self.unit_ids = list(units)
        self.unit_region = {unit_id: region for unit_id, (_name, region) in units.items()}
        self.matter_units = matter_units
        self.aliases: list[tuple[str, float, int]] = sorted(
            ((alias, weight, unit_id) for unit_id, (name, _region) in units.items()
             for alias, weight in unit_aliases(name)),
            key=lambda item: -len(item[0]))
        unit_docs = [" ".join([units[u][0], *unit_texts.get(u, ())]) for u in self.unit_ids]
        matter_docs = [matters[m] for m in self.matter_ids]
        self.vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=1)
        corpus = matter_docs + unit_docs
        if corpus:
            matrix = self.vectorizer.fit_transform(corpus)
            self.matter_matrix = matrix[: len(matter_docs)]
            self.unit_matrix = matrix[len(matter_docs):]
        self.size = len(corpus)

    @classmethod
    def build(cls, session: Session, examples: Iterable[tuple[int, str]] = ()) -> LinkIndex:
        """Read matters, tasks and units, add ``examples`` (see :func:`read_inputs`), and fit the index."""
        return cls(*read_inputs(session, examples))

    def mentioned_units(self, text: str) -> dict[int, float]:
        """Units whose name (or place name) appears in ``text``, with how sure the mention is."""
        clean = normalise(text)
        found: dict[int, float] = {}
        for alias, weight, unit_id in self.aliases:
            if len(alias) >= 2 and alias in clean:
                found[unit_id] = max(found.get(unit_id, 0.0), weight)
        return found

    def link(self, text: str, *, region_code: str = "", unit_id: int | None = None,
             limit: int = 3) -> LinkResult:
        """The ``limit`` best matters and units for ``text``.

        ``region_code`` and ``unit_id`` are what the text's author or its import said
        (the tipster's region, the unit a hotline order names); a named unit is always
        the first unit candidate.
        """
        if not self.size:
            return LinkResult()
        mentions = self.mentioned_units(text)
        vector = self.vectorizer.transform([text])
        matter_scores = _cosine(vector, self.matter_matrix) if self.matter_ids else np.zeros(0)
        if mentions:
            for i, matter_id in enumerate(self.matter_ids):
                held = max((mentions.get(u, 0.0) for u in self.matter_units.get(matter_id, ())), default=0.0)
                matter_scores[i] += W_PLACE * held
        matters = _top(self.matter_ids, matter_scores, limit)

        text_scores = _cosine(vector, self.unit_matrix)
        prior: dict[int, float] = defaultdict(float)
        best = matters[0].score if matters else 0.0
        for candidate in _top(self.matter_ids, matter_scores, 5):
            if best <= 0:
                break
            for holder in self.matter_units.get(candidate.id, ()):
                prior[holder] = max(prior[holder], candidate.score / best)
        combined = np.zeros(len(self.unit_ids))
        for i, uid in enumerate(self.unit_ids):
            region = 1.0 if region_code and self.unit_region.get(uid) == region_code else 0.0
            # A matter's unit only counts when the text also points at it by name or region.
            pointed = max(mentions.get(uid, 0.0), region)
            combined[i] = (W_MENTION * mentions.get(uid, 0.0) + W_REGION * region
                           + W_MATTER * prior.get(uid, 0.0) * (0.5 + 0.5 * pointed)
                           + W_TEXT * float(text_scores[i]))
            if uid == unit_id:
                combined[i] = 1.0
        units = _top(self.unit_ids, combined, limit)
        return LinkResult(matters, units)


def _cosine(vector: Any, matrix: Any) -> np.ndarray:
    # TF-IDF rows (SciPy sparse matrices) are L2-normalised, so the dot product is the cosine.
    return np.asarray((matrix @ vector.T).toarray()).ravel()


def _top(ids: list[int], scores: np.ndarray, limit: int) -> list[Candidate]:
    if not len(ids):
        return []
    order = np.argsort(-scores, kind="stable")[:limit]
    return [Candidate(ids[i], round(float(min(scores[i], 1.0)), 4)) for i in order if scores[i] > 0]


Inputs = tuple[dict[int, str], dict[int, tuple[str, str]], dict[int, list[str]], dict[int, list[int]]]


def read_inputs(session: Session, examples: Iterable[tuple[int, str]] = ()) -> Inputs:
    """Matters, units and task texts (core tables read-only, plain selects), with ``examples``.

    ``examples`` are ``(matter id, text)`` pairs a source's staff confirmed: a tip or an order
    decided to concern that matter. Their words join the matter's, so staff decisions teach
    the linker.
    """
    units = {uid: (name, region) for uid, name, region in session.execute(
        select(Unit.id, Unit.name, Unit.region_code).where(Unit.active.is_(True)).order_by(Unit.id))}
    matters: dict[int, list[str]] = {}
    for matter_id, title, description in session.execute(
            select(Matter.id, Matter.title, Matter.description).order_by(Matter.id)):
        # The title counts twice: it is what people call the matter.
        matters[matter_id] = [title, title, description or ""]
    matter_units: dict[int, list[int]] = defaultdict(list)
    unit_texts: dict[int, list[str]] = defaultdict(list)
    task_matter: dict[int, int] = {}
    for task_id, matter_id, unit_id, description in session.execute(
            select(Task.id, Task.matter_id, Task.unit_id, Task.description).order_by(Task.id)):
        task_matter[task_id] = matter_id
        if matter_id in matters:
            matters[matter_id].append(description)
        matter_units[matter_id].append(unit_id)
        unit_texts[unit_id].append(description)
    for task_id, unit_id in session.execute(
            select(TaskCoUnit.task_id, TaskCoUnit.unit_id).order_by(TaskCoUnit.id)):
        if task_id in task_matter:
            matter_units[task_matter[task_id]].append(unit_id)
    for linked_matter, text in examples:
        if linked_matter in matters:
            matters[linked_matter].append(text)
    return ({m: " ".join(parts) for m, parts in matters.items()}, units, dict(unit_texts),
            {m: list(dict.fromkeys(u)) for m, u in matter_units.items()})


_cache_lock = threading.Lock()
_cache: OrderedDict[str, LinkIndex] = OrderedDict()
# One index per source that teaches it its own examples (tips, hotline orders), per database.
_CACHE_SIZE = 4


def index_for(session: Session, examples: Iterable[tuple[int, str]] = ()) -> LinkIndex:
    """The link index for what ``session`` sees now, taught ``examples``; refitted only when its inputs changed.

    Reading the rows is cheap; segmenting and fitting is not, so the few fitted indexes
    used last are kept per process under a digest of everything each was built from.
    """
    inputs = read_inputs(session, examples)
    digest = hashlib.sha256(repr(inputs).encode("utf-8")).hexdigest()
    with _cache_lock:
        cached = _cache.get(digest)
        if cached is not None:
            _cache.move_to_end(digest)
            return cached
    index = LinkIndex(*inputs)
    with _cache_lock:
        _cache[digest] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index

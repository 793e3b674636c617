"""Near-duplicate tips: the same problem reported again by others (社会关注度).

A new tip joins the cluster of the most similar recent tip when their texts are
nearly the same. A cluster's size and the number of independent sources in it say
how much public attention the problem draws. Two tips are one source when they share
an outlet or a contact, came from the same rendered form or the same browser, or say
exactly the same thing within a day (:func:`independent_sources`): one person sending
a report again is not two people reporting it.
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlsplit

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.linking import normalise, tokens
from plugins.media_tips.models import Tip, TipCluster, TipSource

SIMILARITY = 0.5  # cosine over words and character pairs; measured on paraphrased duplicates
WINDOW_DAYS = 90
MAX_COMPARED = 1000


def similarity(texts: list[str]) -> np.ndarray:
    """Pairwise cosine similarity of ``texts`` (words and character pairs, no single characters)."""
    vectorizer = TfidfVectorizer(analyzer=partial(tokens, singles=False), sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # not one word or character pair in any text (digits or symbols only): alike in nothing
        return np.zeros((len(texts), len(texts)))
    return np.asarray((matrix @ matrix.T).toarray())


def source_key(tip: Tip) -> str:
    """What makes two tips independent: another outlet, or another tipster."""
    if tip.source == TipSource.media and tip.url:
        return "media:" + (urlsplit(tip.url).hostname or tip.url)
    if tip.contact.strip():
        contact = normalise("".join(tip.contact.split()))
        return f"{tip.source.value}:" + hashlib.sha256(contact.encode("utf-8")).hexdigest()[:16]
    return f"{tip.source.value}:{tip.ref}"


def independent_sources(tips: list[Tip]) -> int:
    """How many independent sources ``tips`` come from: tips joined by any shared origin count once.

    Origins: :func:`source_key` (outlet, contact), the rendered form and the browser a public
    tip was sent from, and the same words (ignoring case, width and spacing) received on the
    same or the next day.
    """
    parent = list(range(len(tips)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(index: int, other: int) -> None:
        parent[root(index)] = root(other)

    first: dict[tuple[str, str], int] = {}
    said: dict[tuple[int, str], int] = {}
    for index, tip in enumerate(tips):
        for origin in (("key", source_key(tip)), ("form", tip.form_digest), ("browser", tip.browser_digest)):
            if origin[1]:
                join(index, first.setdefault((origin[0], origin[1]), index))
        join(index, said.setdefault((tip.received_on.toordinal(), "".join(normalise(tip.text).split())), index))
    for (day, words), index in said.items():
        following = said.get((day + 1, words))
        if following is not None:
            join(index, following)
    return len({root(index) for index in range(len(tips))})


def cluster_tip(session: Session, tip: Tip) -> TipCluster | None:
    """Put ``tip`` in the cluster of its nearest recent duplicate, if it has one."""
    # A date in the first days of year 1 (typed by mistake) has no earlier window to look in.
    since = max(tip.received_on, date.min + timedelta(days=WINDOW_DAYS)) - timedelta(days=WINDOW_DAYS)
    others = list(session.scalars(
        select(Tip).where(Tip.id != tip.id, Tip.received_on >= since)
        .order_by(Tip.received_on.desc(), Tip.id.desc()).limit(MAX_COMPARED)))
    if not others:
        return None
    scores = similarity([_text(tip), *(_text(other) for other in others)])[0, 1:]
    best = int(np.argmax(scores))
    if scores[best] < SIMILARITY:
        return None
    neighbour = others[best]
    cluster = neighbour.cluster
    if cluster is None:
        cluster = TipCluster()
        session.add(cluster)
        neighbour.cluster = cluster
    tip.cluster = cluster
    session.flush()
    refresh_cluster(session, cluster)
    return cluster


def refresh_cluster(session: Session, cluster: TipCluster) -> None:
    """Recount a cluster's size and independent sources."""
    members = list(session.scalars(select(Tip).where(Tip.cluster_id == cluster.id)))
    cluster.size = len(members)
    cluster.sources = independent_sources(members)
    cluster.updated_at = utcnow()


def _text(tip: Tip) -> str:
    return " ".join(part for part in (tip.title, tip.text) if part)

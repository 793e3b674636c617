"""Polling the news feeds staff configured: items about a matter or a unit become tips.

Duban fetches each feed itself (:mod:`core.outbound`: public addresses only, checked
again on each redirect, with a timeout and a size cap) and hands the bytes to
feedparser, which never touches the network. Each feed is polled in its own
savepoint: one that is malformed, huge, unreachable or silent fails alone, with its
reason logged and kept on the feed for staff to see (one message for every address
that is refused or does not answer, so the feed list cannot map internal ports).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbound
from core.errors import ValidationError
from core.i18n import N_
from plugins.media_tips.linking import index_for
from plugins.media_tips.models import Tip, TipFeed, TipSource
from plugins.media_tips.triage import NewTip, create_tip
from web.plugin_api import logger, settings

if TYPE_CHECKING:
    from core.jobs import JobRuntime

log = logger("media_tips")

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
MAX_ITEMS = 200
# A feed item becomes a tip when it names a unit or resembles a matter this much.
MATTER_MIN = 0.3
USER_AGENT = "Duban feed reader"


class FeedError(Exception):
    """Why one feed could not be read (kept on the feed, in English, for the log)."""


@dataclass(frozen=True)
class FeedItem:
    """One news item, as much of it as a tip needs."""

    guid: str
    title: str
    summary: str
    link: str
    published: date | None


def check_url(url: str, allowed_hosts: Collection[str] = ()) -> str:
    """Accept only http and https URLs with a host, not an internal one; raises :class:`ValidationError`.

    See :func:`core.outbound.check_address`: ``allowed_hosts`` are the operator's
    ``OUTBOUND_ALLOWED_HOSTS``.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(N_("A feed address must start with http:// or https://."))
    return outbound.check_address(url, allowed_hosts)


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES,
          allowed_hosts: Collection[str] = ()) -> bytes:
    """The feed's bytes; raises :class:`FeedError` on any failure.

    Through :func:`core.outbound.send`: internal addresses are refused unless allow-listed,
    on the first request and on each redirect. A refusal and a failure to connect give the
    same error, :data:`core.outbound.UNREACHABLE`, with the reason logged.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*"}
    try:
        reply = outbound.send("GET", url, headers=headers, allowed_hosts=allowed_hosts, timeout=timeout,
                              max_bytes=max_bytes, redirects=MAX_REDIRECTS)
    except outbound.Unreachable as error:
        log.warning("feed %s could not be reached: %s", url, error.reason)
        raise FeedError(outbound.UNREACHABLE) from None
    except outbound.TooLarge:
        raise FeedError(f"feed is larger than {max_bytes} bytes") from None
    if reply.status >= 300:
        raise FeedError(f"HTTP {reply.status}")
    return reply.body


def parse(data: bytes) -> list[FeedItem]:
    """The items of an RSS or Atom document; raises :class:`FeedError` when it is not one."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no feed found"
        raise FeedError(f"malformed feed: {reason}")
    items = []
    for entry in parsed.entries[:MAX_ITEMS]:
        link = str(entry.get("link", "") or "")
        guid = str(entry.get("id", "") or link or entry.get("title", ""))
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(FeedItem(
            guid=guid, title=_plain(entry.get("title", "")), summary=_plain(entry.get("summary", "")),
            link=link if urlsplit(link).scheme in ("http", "https") else "",
            published=date(*published[:3]) if published else None,
        ))
    return items


def _plain(value: Any) -> str:
    # feedparser sanitises HTML but keeps tags; a tip is plain text, shown escaped.
    return " ".join(re.sub(r"<[^>]*>", " ", str(value or "")).split())[:4000]


def item_ref(feed: TipFeed, item: FeedItem) -> str:
    """The tip number of a feed item: the same item polled twice is one tip."""
    return f"feed-{feed.id}-" + hashlib.sha256(item.guid.encode("utf-8")).hexdigest()[:24]


def poll_feed(session: Session, feed: TipFeed, now: datetime, *, timeout: float = TIMEOUT_SECONDS,
              max_bytes: int = MAX_BYTES, allowed_hosts: Collection[str] = ()) -> int:
    """Read one feed and turn new items that concern a matter or unit into tips; returns how many."""
    items = parse(fetch(feed.url, timeout=timeout, max_bytes=max_bytes, allowed_hosts=allowed_hosts))
    index = index_for(session)
    refs = [item_ref(feed, item) for item in items]
    known = set(session.scalars(select(Tip.ref).where(Tip.ref.in_(refs)))) if refs else set()
    added = 0
    for item, ref in zip(items, refs, strict=True):
        if ref in known or not (item.title or item.summary):
            continue
        text = f"{item.title} {item.summary}".strip()
        result = index.link(text)
        concerns = bool(index.mentioned_units(text)) or (
            bool(result.matters) and result.matters[0].score >= MATTER_MIN)
        if not concerns:
            continue
        create_tip(session, NewTip(source=TipSource.media, title=item.title, text=item.summary or item.title,
                                   url=item.link, received_on=item.published or now.date(), ref=ref,
                                   feed_id=feed.id),
                   actor=f"feed:{feed.id}", today=now.date(), home_unit=feed.home_unit)
        known.add(ref)
        added += 1
    return added


def poll_feeds(session: Session, now: datetime, *, timeout: float = TIMEOUT_SECONDS,
               max_bytes: int = MAX_BYTES, allowed_hosts: Collection[str] = ()) -> list[str]:
    """Poll every active feed, each in its own savepoint; returns one summary line per feed.

    ``allowed_hosts``: the operator's ``OUTBOUND_ALLOWED_HOSTS`` (see :mod:`core.outbound`).
    """
    lines = []
    for feed in session.scalars(select(TipFeed).where(TipFeed.active.is_(True)).order_by(TipFeed.id)):
        feed.last_polled_at = now
        try:
            with session.begin_nested():
                added = poll_feed(session, feed, now, timeout=timeout, max_bytes=max_bytes,
                                  allowed_hosts=allowed_hosts)
        except FeedError as error:
            feed.last_error = str(error)[:500]
            log.warning("feed %s (%s) failed: %s", feed.id, feed.url, error)
            lines.append(f"feed {feed.id}: failed: {error}")
            continue
        except Exception as error:  # one bad feed must never stop the others
            feed.last_error = f"unexpected error: {error}"[:500]
            log.exception("feed %s (%s) failed unexpectedly", feed.id, feed.url)
            lines.append(f"feed {feed.id}: failed: {error}")
            continue
        feed.last_ok_at, feed.last_error = now, ""
        feed.items_added += added
        lines.append(f"feed {feed.id}: {added} new tip(s)")
    session.flush()
    return lines


def poll_feeds_job(runtime: JobRuntime) -> list[str]:
    """The ``poll_feeds`` job: every active feed, in one transaction of its own.

    The plugin's settings ``feed_timeout_seconds`` and ``feed_max_bytes`` bound each fetch.
    """
    chosen = settings("media_tips")
    with runtime.db.transaction(actor="jobs:poll_feeds") as session:
        return poll_feeds(session, datetime.now(UTC), timeout=chosen.typed("feed_timeout_seconds", float),
                          max_bytes=chosen.typed("feed_max_bytes", int),
                          allowed_hosts=runtime.config.get("OUTBOUND_ALLOWED_HOSTS") or ())

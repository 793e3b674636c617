"""The instance's calendar: what day it is where the office works.

Dates of evidence (a finding found, a tip received, a visit made) are calendar
days in the instance's time zone, :data:`DEFAULT_ZONE` unless configured. The web
application sets the zone from ``BABEL_DEFAULT_TIMEZONE`` at start-up; core code
asks :func:`today`. :func:`frozen` pins the day for a block of code, so that a
history can be replayed day by day exactly as the daily tick would have seen it.

Times are stored in UTC and shown, exported and written into messages in the
instance's zone through :func:`local` and :func:`local_text`: this module is the
one place that names the default zone (a house rule checks it).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
EARLIEST_EVENT = date(1990, 1, 1)  # evidence older than this is a typing mistake, not history

_zone: list[ZoneInfo] = [ZoneInfo(DEFAULT_ZONE)]
_pinned: ContextVar[date | None] = ContextVar("duban_pinned_day", default=None)


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone ``name`` (an IANA name), or the default zone when none is configured."""
    return ZoneInfo(name or DEFAULT_ZONE)


def set_zone(name: str | None) -> None:
    """Use the time zone ``name`` (an IANA name) for :func:`today`; None restores the default."""
    _zone[0] = zone_named(name)


def zone() -> ZoneInfo:
    """The instance's time zone."""
    return _zone[0]


def zone_name() -> str:
    """The instance's time zone by its IANA name (for SQL's ``timezone()``)."""
    return _zone[0].key


def now() -> datetime:
    """The wall-clock time in the instance's time zone."""
    return datetime.now(_zone[0])


def local(instant: datetime) -> datetime:
    """A recorded instant in the instance's time zone (naive instants are UTC, as SQLite hands them back)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(_zone[0])


def local_text(instant: datetime | str | None, *, seconds: bool = False) -> str:
    """A recorded instant as the office reads it: ``YYYY-MM-DD HH:MM`` (``:SS`` too if asked) in its zone.

    ISO 8601 text (as the audit trail stores its times) is read first; None is empty.
    """
    if instant is None or instant == "":
        return ""
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return local(instant).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def today() -> date:
    """Today in the instance's time zone (or the day pinned by :func:`frozen`)."""
    pinned = _pinned.get()
    return pinned if pinned is not None else datetime.now(_zone[0]).date()


@contextmanager
def frozen(day: date) -> Iterator[date]:
    """Within the block, :func:`today` is ``day``."""
    token = _pinned.set(day)
    try:
        yield day
    finally:
        _pinned.reset(token)


def local_day(instant: datetime) -> date:
    """The calendar day a recorded instant fell on in the instance's time zone (naive instants are UTC)."""
    return local(instant).date()


def day_of(now: datetime) -> date:
    """The instance's day at ``now`` (a tick's moment), or the day pinned by :func:`frozen`."""
    pinned = _pinned.get()
    return pinned if pinned is not None else local_day(now)

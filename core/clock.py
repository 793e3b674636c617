"""The instance's calendar: what day it is where the office works.

Dates of evidence (a finding found, a tip received, a visit made) are calendar
days in the instance's time zone, ``Asia/Shanghai`` unless configured. The web
application sets the zone from ``BABEL_DEFAULT_TIMEZONE`` at start-up; core code
asks :func:`today`. :func:`frozen` pins the day for a block of code, so that a
history can be replayed day by day exactly as the daily tick would have seen it.
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


def set_zone(name: str | None) -> None:
    """Use the time zone ``name`` (an IANA name) for :func:`today`; None restores the default."""
    _zone[0] = ZoneInfo(name or DEFAULT_ZONE)


def zone() -> ZoneInfo:
    """The instance's time zone."""
    return _zone[0]


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
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(_zone[0]).date()


def day_of(now: datetime) -> date:
    """The instance's day at ``now`` (a tick's moment), or the day pinned by :func:`frozen`."""
    pinned = _pinned.get()
    return pinned if pinned is not None else local_day(now)

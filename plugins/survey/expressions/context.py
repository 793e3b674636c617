"""What an expression can see while it is evaluated: the answers, ``.``, and the clock."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .functions import Value, to_value

MISSING: Any = object()  # stands for a name the answers do not hold


def node_set(raw: Any) -> list[Value]:
    """A field's answer as XPath reads a path: a node-set (a list), which a repeat's answers
    already are; :data:`MISSING` is no node at all."""
    if raw is MISSING:
        return []
    if isinstance(raw, (list, tuple)):
        return [to_value(item) for item in raw]
    return [to_value(raw)]


@dataclass(frozen=True)
class EvalContext:
    """What an expression can see.

    ``values`` maps field names to answers: strings as submitted (select-multiple answers
    space-separated), numbers, booleans, dates, datetimes, ``None`` for unanswered, or a list
    for one field's answers across a repeat.  ``current`` is the value ``.`` stands for in a
    constraint.  ``today`` and ``now`` default to the server's clock; datetimes are read as
    wall-clock time (any timezone is dropped).  ``position`` is the 1-based number of the
    repeat instance the expression belongs to (``position(..)``; 1 outside a repeat), and
    ``lists`` maps each repeat field to its answers in every instance, which
    ``indexed-repeat()`` reads even where ``values`` holds the instance's own answer.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    current: Any = None
    today: date | None = None
    now: datetime | None = None
    position: int = 1
    lists: Mapping[str, Any] = field(default_factory=dict)

    def value_of(self, name: str) -> Value:
        """The node-set ``${name}`` stands for: a list of one answer, of a repeat field's
        answers, or empty for an unknown name."""
        return node_set(self.values.get(name, MISSING))

    def current_value(self) -> Value:
        """The node-set ``.`` stands for: the answer being checked."""
        return [to_value(self.current)]

    def today_date(self) -> date:
        """``today()``: the injected date, else the date of ``now``, else the clock's."""
        if isinstance(self.today, datetime):
            return self.today.date()
        if self.today is not None:
            return self.today
        if self.now is not None:
            return self.now.date()
        return date.today()

    def now_datetime(self) -> datetime:
        """``now()``: the injected moment (wall-clock), else the clock's."""
        return (self.now or datetime.now()).replace(tzinfo=None)

"""What an expression can see while it is evaluated: the answers, ``.``, and the clock."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .functions import Value, to_value


@dataclass(frozen=True)
class EvalContext:
    """What an expression can see.

    ``values`` maps field names to answers: strings as submitted (select-multiple answers
    space-separated), numbers, booleans, dates, datetimes, ``None`` for unanswered, or a list
    for one field's answers across a repeat.  ``current`` is the value ``.`` stands for in a
    constraint.  ``today`` and ``now`` default to the server's clock; datetimes are read as
    wall-clock time (any timezone is dropped).
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    current: Any = None
    today: date | None = None
    now: datetime | None = None

    def value_of(self, name: str) -> Value:
        """The answer for ``name``; an unknown name reads as the empty string."""
        return to_value(self.values.get(name))

    def current_value(self) -> Value:
        """The value of ``.``."""
        return to_value(self.current)

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

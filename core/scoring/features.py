"""Features per task as they stood at the end of a given day.

Everything is read in a handful of grouped queries and assembled with numpy,
so rescoring a province costs the same few queries whatever its size. Evidence
dated after ``as_of`` is never read: a model trained on the day of a past
review sees only what was known that day.

A signal reaches a task three ways, the most specific winning: recorded for
the task itself, for the task's unit and matter, or for the unit as a whole.
For each kind the latest observation counts (sources report snapshots: open
findings, satisfaction in the last survey, tips in the last 90 days).
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Connection, Date, Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from core.ledger.models import EventKind, Matter, Task
from core.ledger.report_models import ProgressReport
from core.scoring.catalogue import REVIEW_SOURCE, Catalogue, signal_feature_name
from core.scoring.driver import raw_arrays, raw_rows, through_psycopg
from core.signals import Signal

NAN = float("nan")


@dataclass
class FeatureTable:
    """Feature values of some tasks: one row per task, one column per catalogue feature; NaN is missing."""

    task_ids: np.ndarray
    unit_ids: np.ndarray
    matter_ids: np.ndarray
    names: list[str]
    values: np.ndarray

    def column(self, name: str) -> np.ndarray:
        """The values of feature ``name`` for every task."""
        return self.values[:, self.names.index(name)]

    def row(self, task_id: int) -> dict[str, float]:
        """The features of one task by name."""
        position = int(np.searchsorted(self.task_ids, task_id))
        if position >= len(self.task_ids) or self.task_ids[position] != task_id:
            raise KeyError(task_id)
        return dict(zip(self.names, self.values[position].tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.task_ids)

    @classmethod
    def concat(cls, tables: Sequence[FeatureTable], names: list[str]) -> FeatureTable:
        """Rows of several tables in order (rows are not re-sorted: used for training sets)."""
        if not tables:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, names, np.zeros((0, len(names))))
        return cls(np.concatenate([t.task_ids for t in tables]), np.concatenate([t.unit_ids for t in tables]),
                   np.concatenate([t.matter_ids for t in tables]), names,
                   np.vstack([t.values for t in tables]))


def end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC), the cut-off for timestamped facts."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def compute_features(session: Session, catalogue: Catalogue, as_of: date,
                     task_filter: ColumnElement[bool] | Sequence[int] | None = None, *,
                     all_signals: bool = False) -> FeatureTable:
    """Features of the tasks selected by ``task_filter`` (all tasks when None) at the end of ``as_of``.

    ``all_signals`` reads every signal in one scan instead of narrowing to the
    selected tasks' units: faster when most tasks are selected (a full rescoring).
    """
    where = _task_where(task_filter)
    tasks, money = _task_rows(session, where, as_of)
    names = catalogue.names
    n = len(tasks)
    values = np.full((n, len(names)), NAN, order="F")  # filled a column at a time
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return FeatureTable(empty, empty, empty, names, values)
    task_ids = tasks[:, 0].astype(np.int64)
    unit_ids = tasks[:, 1].astype(np.int64)
    matter_ids = tasks[:, 2].astype(np.int64)
    table = FeatureTable(task_ids, unit_ids, matter_ids, names, values)
    col = {name: i for i, name in enumerate(names)}
    cutoff = end_of(as_of)

    values[:, col["importance"]] = tasks[:, 4]
    values[:, col["public_attention"]] = tasks[:, 5]
    values[:, col["people_affected"]] = tasks[:, 6]
    values[:, col["money_affected"]] = money

    events = _event_summary(session, where, cutoff)
    for kind, counts_by_task, _last_by_task in events:
        positions, found = _positions(task_ids, counts_by_task[0])
        if kind == EventKind.returned:
            values[:, col["returned_count"]] = 0.0
            values[positions[found], col["returned_count"]] = counts_by_task[1][found]
        elif kind == EventKind.urged:
            values[:, col["urged_count"]] = 0.0
            values[positions[found], col["urged_count"]] = counts_by_task[1][found]
    finished, closed = _finished(task_ids, events)

    values[:, col["overdue_days"]] = np.where(finished, 0.0, np.clip(tasks[:, 3], 0, None))

    percent, report_age = _last_reports(session, where, task_ids, cutoff, as_of)
    values[:, col["percent_done"]] = percent
    values[:, col["days_since_report"]] = report_age
    values[:, col["reported_done"]] = ((np.nan_to_num(percent) >= 100) | closed).astype(float)

    _review_history(session, table, col, as_of, where)
    _signal_values(session, table, catalogue, col, as_of, None if all_signals or task_filter is None else where)
    return table


def _task_rows(session: Session, where: ColumnElement[bool], as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """The selected tasks, by id, straight from the driver (a province's tasks are many).

    One row per task: id, unit, matter, days past the deadline on ``as_of`` (counted in SQL),
    the matter's importance, public attention and people affected; beside them, the money involved.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        late = func.julianday(as_of.isoformat()) - func.julianday(Task.deadline)
    else:
        late = cast(literal(as_of), Date) - Task.deadline
    rows = raw_rows(connection, select(
        Task.id, Task.unit_id, Task.matter_id, late, Matter.importance, Matter.public_attention,
        Matter.people_affected, func.coalesce(Matter.money_affected, 0)).join(Matter, Matter.id == Task.matter_id)
        .where(where).order_by(Task.id))
    found = np.fromiter(itertools.chain.from_iterable(rows), dtype=float, count=8 * len(rows)).reshape(len(rows), 8)
    money = found[:, 7]
    dialect = connection.dialect
    if dialect.name == "sqlite":
        # SQLite hands the money back as a float, which SQLAlchemy rounds to the column's scale: so here,
        # once for each distinct sum.
        convert = Matter.money_affected.type.dialect_impl(dialect).result_processor(dialect, None)
        if convert is not None:
            distinct, index = np.unique(money, return_inverse=True)
            money = np.array([float(convert(value)) for value in distinct.tolist()])[index.ravel()]
    return found[:, :7], money


def _task_where(task_filter: ColumnElement[bool] | Sequence[int] | None) -> ColumnElement[bool]:
    from sqlalchemy import true

    if task_filter is None:
        return true()
    if isinstance(task_filter, ColumnElement):
        return task_filter
    return Task.id.in_(list(task_filter))


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``ids`` sits in ``sorted_ids``, and which were found there."""
    ids = np.asarray(ids, dtype=np.int64)
    positions = np.searchsorted(sorted_ids, ids)
    positions = np.clip(positions, 0, max(len(sorted_ids) - 1, 0))
    found = sorted_ids[positions] == ids if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
    return positions, found


EventSummary = list[tuple[EventKind, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]


def _event_summary(session: Session, where: ColumnElement[bool], cutoff: datetime) -> EventSummary:
    """Per event kind: (task ids, counts) and (task ids, last time as a timestamp)."""
    from core.ledger.models import TaskEvent

    kinds = (EventKind.returned, EventKind.urged, EventKind.reported, EventKind.accepted, EventKind.closed)
    rows = session.execute(
        select(TaskEvent.kind, TaskEvent.task_id, func.count(TaskEvent.id), func.max(TaskEvent.at))
        .join(Task, Task.id == TaskEvent.task_id)
        .where(where, TaskEvent.at < cutoff, TaskEvent.kind.in_(kinds))
        .group_by(TaskEvent.kind, TaskEvent.task_id)).all()
    summary: EventSummary = []
    for kind in kinds:
        mine = [row for row in rows if row[0] == kind]
        ids = np.array([row[1] for row in mine], dtype=np.int64)
        counts = np.array([row[2] for row in mine], dtype=float)
        last = np.array([_timestamp(row[3]) for row in mine], dtype=float)
        summary.append((kind, (ids, counts), (ids, last)))
    return summary


def _timestamp(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _finished(task_ids: np.ndarray, events: EventSummary) -> tuple[np.ndarray, np.ndarray]:
    """Where nothing is owed (the last accept or close came after the last report or return), and where closed."""
    last = {kind: np.full(len(task_ids), -math.inf) for kind, _c, _l in events}
    for kind, _counts, (ids, stamps) in events:
        positions, found = _positions(task_ids, ids)
        last[kind][positions[found]] = stamps[found]
    done = np.maximum(last[EventKind.accepted], last[EventKind.closed])
    owed = np.maximum(last[EventKind.reported], last[EventKind.returned])
    closed = last[EventKind.closed]
    return (done > owed) & np.isfinite(done), (closed >= owed) & np.isfinite(closed)


def _last_reports(session: Session, where: ColumnElement[bool], task_ids: np.ndarray, cutoff: datetime,
                  as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Percent done of the latest report before the cut-off, and its age in days."""
    latest = (select(ProgressReport.task_id, func.max(ProgressReport.submitted_at).label("at"))
              .join(Task, Task.id == ProgressReport.task_id)
              .where(where, ProgressReport.submitted_at < cutoff)
              .group_by(ProgressReport.task_id).subquery())
    rows = session.execute(
        select(ProgressReport.task_id, func.max(ProgressReport.percent_done), latest.c.at)
        .join(latest, (latest.c.task_id == ProgressReport.task_id) & (latest.c.at == ProgressReport.submitted_at))
        .group_by(ProgressReport.task_id, latest.c.at)).all()
    percent = np.full(len(task_ids), NAN)
    age = np.full(len(task_ids), NAN)
    if rows:
        positions, found = _positions(task_ids, np.array([r[0] for r in rows]))
        percent[positions[found]] = np.array([r[1] for r in rows], dtype=float)[found]
        days = np.array([(as_of - _as_date(r[2])).days for r in rows], dtype=float)
        age[positions[found]] = days[found]
    return percent, age


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _review_history(session: Session, table: FeatureTable, col: dict[str, int], as_of: date,
                    where: ColumnElement[bool]) -> None:
    """The unit's record of on-site visits so far, and days since the task's own last review.

    Per unit: problems confirmed, visits, the problem rate shrunk toward the
    instance's overall rate (a unit visited three times with two problems is
    not ranked above one visited nineteen times with twelve), days since the
    last visit and whether it found a problem.
    """
    from core.review.models import ReviewOutcome

    values = table.values
    values[:, col["past_problems"]] = 0.0
    values[:, col["past_visits"]] = 0.0
    units = select(Task.unit_id).where(where).distinct()
    rows = session.execute(
        select(ReviewOutcome.unit_id, func.count(ReviewOutcome.id),
               func.sum(case((ReviewOutcome.problem_found.is_(True), 1), else_=0)), func.max(ReviewOutcome.visited_on))
        .where(ReviewOutcome.visited_on <= as_of, ReviewOutcome.unit_id.in_(units))
        .group_by(ReviewOutcome.unit_id)).all()
    overall = session.execute(
        select(func.count(ReviewOutcome.id), func.sum(case((ReviewOutcome.problem_found.is_(True), 1), else_=0)))
        .where(ReviewOutcome.visited_on <= as_of)).one()
    if overall[0]:
        # A unit never visited is expected to be like the rest.
        values[:, col["past_problem_rate"]] = float(overall[1] or 0) / float(overall[0])
    if rows:
        unit_ids = np.array([r[0] for r in rows], dtype=np.int64)
        visits = np.array([r[1] for r in rows], dtype=float)
        problems = np.array([r[2] or 0 for r in rows], dtype=float)
        last = np.array([(as_of - _as_date(r[3])).days for r in rows], dtype=float)
        rate = shrunk_rates(problems, visits, float(overall[1] or 0), float(overall[0] or 0))
        last_problem = _last_visit_problem(session, as_of, units)
        order = np.argsort(unit_ids)
        positions, found = _positions(unit_ids[order], table.unit_ids)
        picked = order[positions[found]]
        values[found, col["past_problems"]] = problems[picked]
        values[found, col["past_visits"]] = visits[picked]
        values[found, col["past_problem_rate"]] = rate[picked]
        values[found, col["days_since_unit_visit"]] = last[picked]
        values[found, col["last_visit_problem"]] = [last_problem.get(int(u), NAN) for u in unit_ids[picked]]
    rows = session.execute(
        select(ReviewOutcome.task_id, func.max(ReviewOutcome.visited_on))
        .join(Task, Task.id == ReviewOutcome.task_id)
        .where(where, ReviewOutcome.visited_on <= as_of).group_by(ReviewOutcome.task_id)).all()
    if rows:
        positions, found = _positions(table.task_ids, np.array([r[0] for r in rows]))
        days = np.array([(as_of - r[1]).days for r in rows], dtype=float)
        values[positions[found], col["days_since_review"]] = days[found]


PRIOR_STRENGTH_BOUNDS = (1.0, 50.0)


def shrunk_rates(problems: np.ndarray, visits: np.ndarray, all_problems: float, all_visits: float) -> np.ndarray:
    """Each unit's problem rate shrunk toward the overall rate (empirical Bayes, beta-binomial).

    The prior's strength (how many visits' worth of weight the overall rate
    carries) is estimated by the method of moments from the spread of the
    units' rates beyond what chance alone gives, within 1 to 50 visits.
    """
    if all_visits <= 0:
        return np.full(len(visits), NAN)
    mean = all_problems / all_visits
    strength = PRIOR_STRENGTH_BOUNDS[1]
    seen = visits > 0
    if seen.sum() >= 2 and 0 < mean < 1:
        rates = problems[seen] / visits[seen]
        between = float(np.average((rates - mean) ** 2, weights=visits[seen]))
        chance = mean * (1 - mean) * float(np.mean(1 / visits[seen]))
        excess = between - chance
        if excess > 0:
            strength = mean * (1 - mean) / excess - 1
    strength = float(np.clip(strength, *PRIOR_STRENGTH_BOUNDS))
    return (problems + strength * mean) / (visits + strength)


def _last_visit_problem(session: Session, as_of: date, units: Select[int]) -> dict[int, float]:
    """Whether each unit's latest visit by ``as_of`` found a problem (any visit that day counts)."""
    from core.review.models import ReviewOutcome

    last = (select(ReviewOutcome.unit_id, func.max(ReviewOutcome.visited_on).label("day"))
            .where(ReviewOutcome.visited_on <= as_of, ReviewOutcome.unit_id.in_(units))
            .group_by(ReviewOutcome.unit_id).subquery())
    rows = session.execute(
        select(ReviewOutcome.unit_id, func.max(case((ReviewOutcome.problem_found.is_(True), 1), else_=0)))
        .join(last, (last.c.unit_id == ReviewOutcome.unit_id) & (last.c.day == ReviewOutcome.visited_on))
        .group_by(ReviewOutcome.unit_id))
    return {int(unit_id): float(found) for unit_id, found in rows}


# The latest value of a group of signals: the unit, matter and task they are about (-1 for none),
# the kind's code, and the value.
LATEST = np.dtype([("unit", np.int64), ("matter", np.int64), ("task", np.int64), ("code", np.int64),
                   ("value", np.float64)])


def latest_signals(session: Session, as_of: date, kinds: dict[tuple[str, str], int],
                   where: ColumnElement[bool] | None = None, growing: frozenset[int] = frozenset()) -> np.ndarray:
    """The latest value per (unit, matter, task, kind) observed by ``as_of``, aggregated in SQL.

    ``kinds`` maps ``(source, kind)`` to a code; other kinds are not read. Returns
    a structured array (:data:`LATEST`), -1 standing for a missing matter or
    task; ``where`` narrows the signals to the units of the tasks it selects
    (see :func:`_read_kinds`). SQLite takes the value of the row holding
    ``max(observed_on)`` (its documented bare-column rule; among rows of that
    day, the first in the index: the lowest value) while reading the index in
    order, so nothing is sorted; elsewhere a window function picks the latest
    row (of a day's, the one recorded last). Codes in ``growing`` are
    days-counts that grow by one a day after their observation while above
    zero: their value is brought forward to ``as_of``.
    """
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"

    def statement(some: dict[tuple[str, str], int], conditions: list[ColumnElement[bool]], with_code: bool,
                  ids: SignalIds) -> AnySelect:
        conditions = [*conditions, Signal.observed_on <= as_of]
        # Read together, the kinds are told apart by the code: grouped per kind too.
        keys = [Signal.unit_id, Signal.matter_id, Signal.task_id] + ([Signal.source, Signal.kind] if with_code
                                                                      else [])
        columns: Any
        day: ColumnElement[Any]
        if sqlite:
            columns, day, ranked = Signal, func.max(Signal.observed_on), None
            age = func.julianday(as_of.isoformat()) - func.julianday(day)
        else:
            ranked = (select(Signal.unit_id, Signal.matter_id, Signal.task_id, Signal.source, Signal.kind,
                             Signal.value, Signal.observed_on, func.row_number().over(
                partition_by=keys, order_by=(Signal.observed_on.desc(), Signal.id.desc())).label("rn"))
                .where(*conditions).subquery())
            columns, day = ranked.c, ranked.c.observed_on
            age = cast(literal(as_of), Date) - day
        value: ColumnElement[float] = columns.value
        grows = [_is_kind(columns, pair) for pair, code in some.items() if code in growing]
        if grows:
            value = value + case((and_(or_(*grows), columns.value > 0), age), else_=0)
        stmt = select(*([_kind_code(columns, some)] if with_code else []), *ids.columns(columns), value)
        if ranked is not None:
            return stmt.where(ranked.c.rn == 1)
        # The one max() in the query, also when no value grows: it makes SQLite take each bare
        # column from the latest row of its group.
        return stmt.where(*conditions).group_by(*keys).having(day.is_not(None))

    read = _read_kinds(connection, kinds, where, statement, np.dtype([("value", np.float64)]))
    found = np.empty(len(read["code"]), dtype=LATEST)
    for name in LATEST.names or ():
        found[name] = read[name]
    return found


ID_BITS = 63  # what a signed 64-bit integer holds
# Days before the day features are computed for, of any date a signal may carry (year 1 to 9999: under 3.7 million).
DAY_BITS = 22


@dataclass(frozen=True)
class SignalIds:
    """How the unit, matter and task a signal is about cross from the driver.

    Packed in one integer (unit, then matter + 1, then task + 1, 0 standing for
    none) when the ids stored fit in :data:`ID_BITS`, else as three columns
    (-1 for none): one integer a row instead of three costs a quarter less to
    hand over for a kind's half a million signals. With ``day_bits``, the
    integer's lowest bits carry how many days before the day asked about the
    signal was observed, when there is room for them: one column fewer again.
    """

    matter_bits: int
    task_bits: int
    packed: bool
    day_bits: int = 0

    @classmethod
    def of(cls, connection: Connection, day_bits: int = 0) -> SignalIds:
        """The packing the ids stored in ``signals`` allow; the days too when ``day_bits`` more fit beside them."""
        columns = (Signal.unit_id, Signal.matter_id, Signal.task_id)
        # One subquery each: the database answers each from its index without a scan.
        found = connection.execute(select(*(select(func.min(c)).scalar_subquery() for c in columns),
                                          *(select(func.max(c)).scalar_subquery() for c in columns))).one()
        low, (unit, matter, task) = found[:3], [value or 0 for value in found[3:]]
        bits = (unit.bit_length(), (matter + 1).bit_length(), (task + 1).bit_length())
        packed = all(value is None or value >= 0 for value in low) and sum(bits) <= ID_BITS
        return cls(bits[1], bits[2], packed, day_bits if packed and sum(bits) + day_bits <= ID_BITS else 0)

    def columns(self, columns: Any, days_before: ColumnElement[int] | None = None) -> list[ColumnElement[int]]:
        """The columns to select from ``columns`` (the Signal model, or a subquery's columns over it).

        ``days_before`` (a whole number, 0 or more) is packed in with the ids; it is needed
        exactly when the packing has ``day_bits``.
        """
        matter, task = func.coalesce(columns.matter_id + 1, 0), func.coalesce(columns.task_id + 1, 0)
        if self.packed:
            # In 64 bits: PostgreSQL computes an INTEGER column times a small literal in 32.
            unit, wide_matter = cast(columns.unit_id, BigInteger), cast(matter, BigInteger)
            if self.day_bits:
                assert days_before is not None  # noqa: S101 - the statement and the packing are made together
                low = self.task_bits + self.day_bits
                return [unit * (1 << (self.matter_bits + low)) + wide_matter * (1 << low)
                        + cast(task, BigInteger) * (1 << self.day_bits) + days_before]
            return [unit * (1 << (self.matter_bits + self.task_bits)) + wide_matter * (1 << self.task_bits) + task]
        return [columns.unit_id, matter - 1, task - 1]

    @property
    def dtype(self) -> list[tuple[str, Any]]:
        if self.packed:
            return [("key", np.int64)]
        return [("unit", np.int64), ("matter", np.int64), ("task", np.int64)]

    def unpack(self, read: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unit, matter and task of each row read (-1 for none)."""
        if not self.packed:
            return read["unit"], read["matter"], read["task"]
        key = read["key"] >> self.day_bits
        task = (key & ((1 << self.task_bits) - 1)) - 1
        matter = ((key >> self.task_bits) & ((1 << self.matter_bits) - 1)) - 1
        return key >> (self.matter_bits + self.task_bits), matter, task

    def days_before(self, read: np.ndarray) -> np.ndarray:
        """The days before the day asked about that each row read was observed (packed with ``day_bits``)."""
        return read["key"] & ((1 << self.day_bits) - 1)


# Makes the statement reading some kinds (``(source, kind)`` → code) under some conditions: with or
# without the kind's code as its first column, then the ids, then the rest.
AnySelect = Select[*tuple[Any, ...]]
KindStatement = Callable[[dict[tuple[str, str], int], list[ColumnElement[bool]], bool, SignalIds], AnySelect]


def _read_kinds(connection: Connection, kinds: dict[tuple[str, str], int], where: ColumnElement[bool] | None,
                statement: KindStatement, rest: np.dtype[Any], ids: SignalIds | None = None) -> dict[str, np.ndarray]:
    """The rows ``statement`` reads about ``kinds``, column by column.

    The columns are ``unit``, ``matter`` and ``task`` (-1 for none), ``code``
    (the kind's), the fields of ``rest`` and, where ``ids`` (the packing, found
    when not given) packs days in, ``days_before``.

    Over every signal (``where`` None), one statement per kind: the database
    seeks to the kind in the covering index ``ix_signals_history`` and reads
    it in order (on PostgreSQL two kinds at a time, see
    :func:`core.scoring.driver.raw_arrays`). Over the units of the tasks
    ``where`` selects (a training day, a changed unit), one statement for
    every kind at once, its first column the kind's code.
    ``statement(kinds, conditions, with_code)`` makes the statement for some
    kinds.
    """
    if not kinds:
        empty = np.zeros(0, dtype=np.int64)
        return {**{name: empty for name in ("unit", "matter", "task", "code")},
                **{name: np.zeros(0, dtype=rest[name]) for name in rest.names or ()}}
    ids = ids or SignalIds.of(connection)
    dtype = np.dtype(ids.dtype + rest.descr)
    if where is None:
        parts = raw_arrays(connection, [statement({pair: code}, [_is_kind(Signal, pair)], False, ids)
                                        for pair, code in kinds.items()], dtype)
        code = np.repeat(np.array(list(kinds.values()), dtype=np.int64), [len(part) for part in parts])
        read = np.concatenate(parts)
    else:
        # No condition on the kinds: SQLite would read every row of each kind to find the units' few.
        rows = raw_rows(connection, statement(kinds, [
            Signal.unit_id.in_(select(Task.unit_id).where(where)), Signal.source != REVIEW_SOURCE], True, ids))
        code = np.array([row[0] for row in rows], dtype=np.int64)
        wanted = [row[1:] for row, known in zip(rows, code >= 0, strict=True) if known]
        read, code = np.fromiter(wanted, dtype=dtype, count=len(wanted)), code[code >= 0]
    unit, matter, task = ids.unpack(read)
    return {"unit": unit, "matter": matter, "task": task, "code": code,
            **{name: read[name] for name in rest.names or ()},
            **({"days_before": ids.days_before(read)} if ids.day_bits else {})}


def _is_kind(columns: Any, pair: tuple[str, str]) -> ColumnElement[bool]:
    # ``columns``: the Signal model, or the columns of a subquery over it.
    return and_(columns.source == pair[0], columns.kind == pair[1])


def _kind_code(columns: Any, kinds: dict[tuple[str, str], int]) -> ColumnElement[int]:
    """``kinds``' code of each row's ``(source, kind)``, -1 for another kind; computed once per group."""
    return case(*((_is_kind(columns, pair), code) for pair, code in kinds.items()), else_=-1)


def _signal_values(session: Session, table: FeatureTable, catalogue: Catalogue, col: dict[str, int],
                   as_of: date, where: ColumnElement[bool] | None) -> None:
    """The latest value of every kind, and the summaries of the kinds kept as time series."""
    summaries: dict[str, dict[str, int]] = defaultdict(dict)
    for feature in catalogue.history_features:
        summaries[feature.of][feature.summary] = col[feature.name]
    latest: dict[tuple[str, str], int] = {}
    series: dict[tuple[str, str], int] = {}
    growing = set()
    for feature in catalogue.series_features:
        source, _, kind = feature.name.partition(".")
        (series if feature.name in summaries else latest)[(source, kind)] = col[feature.name]
        if feature.grows_daily:
            growing.add(col[feature.name])
    if where is None and through_psycopg(session.connection()):
        # Over every signal, PostgreSQL packs a kind's rows in the index's order (driver.raw_array) faster
        # than it ranks them with a window function: the latest values are then found as the histories' are.
        series, latest = {**series, **latest}, {}
    rows = latest_signals(session, as_of, latest, where, frozenset(growing))
    assign_signals(table, rows["unit"], rows["matter"], rows["task"], rows["code"], rows["value"])
    _history_values(session, table, series, summaries, as_of, where, frozenset(growing))


# Besides the unit, matter and task it is about, a signal of a kind kept as history brings its day
# (counted from the day features are computed for) and its value.
POINT = np.dtype([("day", np.float64), ("value", np.float64)])
VALUE = np.dtype([("value", np.float64)])


def _history_values(session: Session, table: FeatureTable, kinds: dict[tuple[str, str], int],
                    summaries: dict[str, dict[str, int]], as_of: date, where: ColumnElement[bool] | None,
                    growing: frozenset[int]) -> None:
    """Latest values and summaries of the kinds kept as time series: per task (most specific level wins) and per unit.

    On PostgreSQL, over every signal, the other kinds' latest values are found here too.

    ``kinds`` maps each such kind to the column of its latest value, ``summaries``
    its name to the columns of its summaries. Their signals are read in the
    order of the covering index ``ix_signals_history`` (one kind at a time; on
    PostgreSQL only a key's rows of one day are sorted, by id) and reduced with
    numpy: an aggregate per group in SQL costs more than handing over the rows.
    Per (unit, matter, task, kind): the latest value, counts, sums, extremes
    and the sums a least-squares trend needs; per (unit, kind), the groups
    pooled.
    """
    if not kinds:
        return
    bases = sorted(kinds, key=lambda pair: signal_feature_name(*pair))
    codes = {pair: k for k, pair in enumerate(bases)}
    points = _history_points(session.connection(), as_of, codes, where)
    if not len(points["code"]):
        return
    groups = _history_groups(points)
    value = points["value"][groups["latest"]]
    columns = np.array([kinds[pair] for pair in bases])
    grows = np.isin(columns[groups["code"]], list(growing)) & (value > 0)
    # A days-count growing since its last observation: brought forward to the day (as latest_signals does).
    value = np.where(grows, value + groups["age"], value)
    assign_signals(table, groups["unit"], groups["matter"], groups["task"], columns[groups["code"]], value)
    names = [signal_feature_name(*pair) for pair in bases]
    found = _summaries(groups)
    for mask, task_keys, signal_keys in _levels(table, groups["unit"], groups["matter"], groups["task"]):
        if mask.any():
            _assign_summaries(table, task_keys, signal_keys[mask], {k: v[mask] for k, v in found.items()}, names,
                              summaries, ("mean", "min", "max", "count", "trend", "days_since"))
    # Across the unit's matters and tasks: the groups of each unit and kind pooled.
    pooled, index = np.unique(groups["unit"] * len(bases) + groups["code"], return_inverse=True)
    count = np.bincount(index, groups["count"])
    total = np.bincount(index, groups["total"])
    unit_found = {"kind": pooled % len(bases), "unit_mean": total / count,
                  "unit_min": _group_min(index, groups["lowest"], len(pooled)),
                  "unit_max": -_group_min(index, -groups["highest"], len(pooled))}
    _assign_summaries(table, table.unit_ids, pooled // len(bases), unit_found, names, summaries,
                      ("unit_mean", "unit_min", "unit_max"))


def _history_points(connection: Connection, as_of: date, codes: dict[tuple[str, str], int],
                    where: ColumnElement[bool] | None) -> dict[str, np.ndarray]:
    """Every signal of the kinds ``codes`` names observed by ``as_of``, column by column (see :func:`_read_kinds`).

    Its day and value are the fields of :data:`POINT`; group by group, oldest
    first. Within a day, SQLite's rows come in the index's order (lowest value
    first, as its latest value is chosen); elsewhere the one recorded last
    comes first.
    """
    within_day: Any
    days_before: ColumnElement[int]
    if connection.dialect.name == "sqlite":
        days_before = cast(func.julianday(as_of.isoformat()) - func.julianday(Signal.observed_on), BigInteger)
        within_day = Signal.value
    else:
        days_before = cast(cast(literal(as_of), Date) - Signal.observed_on, BigInteger)
        within_day = Signal.id.desc()
    order = (Signal.unit_id, Signal.matter_id, Signal.task_id, Signal.observed_on, within_day)
    ids = SignalIds.of(connection, DAY_BITS)

    def statement(some: dict[tuple[str, str], int], conditions: list[ColumnElement[bool]], with_code: bool,
                  ids: SignalIds) -> AnySelect:
        code = _kind_code(Signal, some)
        # The day packed with the ids where they leave room, else a column of its own.
        read = ids.columns(Signal, days_before) if ids.day_bits else [*ids.columns(Signal), -days_before]
        return (select(*([code] if with_code else []), *read, Signal.value)
                .where(*conditions, Signal.observed_on <= as_of).order_by(*([code] if with_code else []), *order))

    points = _read_kinds(connection, codes, where, statement, VALUE if ids.day_bits else POINT, ids)
    if ids.day_bits:
        points["day"] = (-points.pop("days_before")).astype(np.float64)
    return points


def _history_groups(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per group of ``points`` (consecutive rows of one kind, unit, matter and task): what its summaries need.

    The latest point is the first of the group's last day. Sums run in the
    rows' order, as SQL's ``sum`` does.
    """
    key = {name: points[name] for name in ("code", "unit", "matter", "task")}
    starts = np.ones(len(points["code"]), dtype=bool)
    starts[1:] = np.any([column[1:] != column[:-1] for column in key.values()], axis=0)
    first = np.flatnonzero(starts)
    group = np.cumsum(starts) - 1
    last = np.append(first[1:], len(starts)) - 1
    day, value = points["day"], points["value"]
    last_day = day == day[last][group]
    latest = np.flatnonzero(last_day & (starts | ~np.append(False, last_day[:-1])))
    size = len(first)
    return {**{name: column[first] for name, column in key.items()}, "latest": latest,
            "count": np.bincount(group, minlength=size).astype(float),
            "total": np.bincount(group, value, minlength=size),
            "lowest": np.minimum.reduceat(value, first), "highest": np.maximum.reduceat(value, first),
            "age": -day[last], "st": np.bincount(group, day, minlength=size),
            "stt": np.bincount(group, day * day, minlength=size),
            "stv": np.bincount(group, day * value, minlength=size)}


def _summaries(groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per group: mean, extremes, count, days since the last, and the least-squares change per year."""
    count, total, st, stt, stv = groups["count"], groups["total"], groups["st"], groups["stt"], groups["stv"]
    spread = count * stt - st * st
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.where(spread > 1e-6 * np.maximum(count * stt, 1), (count * stv - st * total) / spread * 365.0, NAN)
    return {"kind": groups["code"], "count": count, "mean": total / count, "min": groups["lowest"],
            "max": groups["highest"], "days_since": groups["age"], "trend": trend}


def _assign_summaries(table: FeatureTable, task_keys: np.ndarray, keys: np.ndarray, found: dict[str, np.ndarray],
                      bases: list[str], summaries: dict[str, dict[str, int]], wanted: tuple[str, ...]) -> None:
    rows, index = _expand(task_keys, keys)
    kinds_of = found["kind"][index]
    for k, base in enumerate(bases):
        pick = kinds_of == k
        if not pick.any():
            continue
        for summary in wanted:
            column = summaries[base].get(summary)
            if column is not None:
                table.values[rows[pick], column] = found[summary][index[pick]]


def _group_min(group: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    result = np.full(size, np.inf)
    np.minimum.at(result, group, values)
    return result


def assign_signals(table: FeatureTable, unit: np.ndarray, matter: np.ndarray, task: np.ndarray,
                   feature_col: np.ndarray, value: np.ndarray) -> None:
    """Write signal values into the table: unit-wide first, then unit and matter, then task (most specific wins).

    ``matter`` and ``task`` hold -1 where the signal names none; ``feature_col``
    -1 marks a kind outside the catalogue.
    """
    keep = feature_col >= 0
    unit, matter, task, feature_col, value = unit[keep], matter[keep], task[keep], feature_col[keep], value[keep]
    for mask, task_keys, signal_keys in _levels(table, unit, matter, task):
        if not mask.any():
            continue
        rows, cols = _expand(task_keys, signal_keys[mask])
        table.values[rows, feature_col[mask][cols]] = value[mask][cols]


def _levels(table: FeatureTable, unit: np.ndarray, matter: np.ndarray,
            task: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """The three levels a signal reaches tasks at, least specific first: (which signals, task keys, signal keys).

    Unit-wide (no matter, no task), the unit's matter, the task itself; ``matter``
    and ``task`` hold -1 where the signal names none.
    """
    return (
        ((matter < 0) & (task < 0), table.unit_ids, unit),
        ((matter >= 0) & (task < 0), table.unit_ids * (1 << 32) + table.matter_ids, unit * (1 << 32) + matter),
        (task >= 0, table.task_ids, task),
    )


def _expand(task_keys: np.ndarray, signal_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (task row, signal index) where the keys match; a key may match many tasks.

    Each signal key is looked up once, among the tasks' distinct keys.
    """
    order = np.argsort(task_keys, kind="stable")
    distinct, first, counts = np.unique(task_keys[order], return_index=True, return_counts=True)
    if not len(distinct):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = _slots(distinct, signal_keys)
    matched = np.where(distinct[at] == signal_keys, counts[at], 0)
    signal_index = np.repeat(np.arange(len(signal_keys)), matched)
    starts = np.repeat(first[at] - (np.cumsum(matched) - matched), matched)
    task_rows = order[np.arange(len(signal_index)) + starts]
    return task_rows, signal_index


def _slots(distinct: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of ``keys``, its position in the sorted ``distinct`` where it is there; elsewhere any position.

    Ids as keys (units, tasks) are looked up in a table as long as the largest id: a province's
    millions of keys in no particular order cost a binary search each otherwise.
    """
    low, high = int(distinct[0]), int(distinct[-1])
    if low < 0 or high > 4 * (len(distinct) + len(keys)) + (1 << 16):
        return np.minimum(np.searchsorted(distinct, keys), len(distinct) - 1)
    table = np.zeros(high + 1, dtype=np.int64)
    table[distinct] = np.arange(len(distinct))
    inside = (keys >= 0) & (keys <= high)
    return np.where(inside, table[np.where(inside, keys, 0)], 0)

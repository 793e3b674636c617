"""``duban import audit``: audit findings from CSV, XLSX or JSON Lines.

Built for large files: rows are checked and written a batch at a time with Core
``executemany`` inserts (not one ORM object per row), and the audit trail gets
one entry per batch naming every finding it inserted, plus one entry per
updated finding with its values before and after. Everything happens in the
caller's transaction, so :func:`core.intake.run_import` keeps the import all
rows or none. Once any row is bad, nothing more is written (it would be rolled
back anyway); the remaining rows are still checked so the report is complete.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core import clock
from core.access.models import Role, User
from core.audit_log import append_entries
from core.db import utcnow
from core.hooktypes import ImportContext
from core.i18n import N_, Message, message
from core.importing import (
    DEFAULT_LIMITS,
    CellError,
    Column,
    ImportReport,
    MappedRow,
    RowError,
    Table,
    UploadLimits,
    choice,
    decimal,
    event_date,
    iso_date,
    map_rows,
    read_table,
    severity,
    text,
)
from core.importing.progress import Progress, current_progress, reporting
from core.importing.safe_cells import FORMULA_TRIGGERS
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.audit.access import scope_for
from plugins.audit.models import Finding, Status, auditor_units

BATCH = 2000
LARGE_FILE = 4 * 1024 * 1024  # bytes from which the cycle collector is paused during an import
STATUSES = {"未整改": "open", "整改中": "in_progress", "正在整改": "in_progress", "已整改": "done",
            "已完成": "done", **{status.value: status.value for status in Status}}
# What an import may change on a finding already stored. The rectification status is
# taken from the file when a finding is new, and afterwards only when the file says the
# rectification is done (with the day it was completed): otherwise the platform's own
# record (evidence filed, staff verification) is what counts.
UPDATABLE = ("audit_name", "unit_id", "matter_id", "found_on", "category", "severity", "amount",
             "description", "due")
CHANGEABLE = (*UPDATABLE, "status", "rectified_on")



def plain_text(value: Any) -> str:
    """Text, without the apostrophe an export puts before a formula-like cell.

    Exports write ``=HYPERLINK(...)`` as ``'=HYPERLINK(...)`` so spreadsheets show it as
    text; taking the apostrophe off again makes export → edit → import a round trip
    that changes nothing. The value is stored as text and never evaluated.
    """
    result = text(value)
    if len(result) > 1 and result[0] == "'" and result[1:].startswith(FORMULA_TRIGGERS):
        return result[1:]
    return result


def bounded(limit: int) -> Callable[[Any], str]:
    """A text parser refusing cells longer than ``limit`` characters."""
    def parse(value: Any) -> str:
        result = plain_text(value)
        if len(result) > limit:
            raise CellError(N_("This text has %(length)s characters; at most %(limit)s are allowed."),
                            length=len(result), limit=limit)
        return result
    return parse


def amount(value: Any) -> Decimal:
    """An amount in yuan: a number, not negative, at most two decimals kept."""
    number = decimal(value)
    if number < 0:
        raise CellError(N_("An amount cannot be negative."))
    if abs(number) >= Decimal("1e16"):
        raise CellError(N_("%(value)s is too large an amount."), value=str(value)[:40])
    return number.quantize(Decimal("0.01"))


def remembered(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` with its answers kept: audit files repeat units, dates, categories and
    severities on many rows, and a dictionary lookup is much cheaper than parsing again.
    Refusals are kept too, so a bad value is reported on every row that has it."""
    seen: dict[Any, tuple[bool, Any]] = {}

    def parse_once(value: Any) -> Any:
        try:
            ok, result = seen[value]
        except (KeyError, TypeError):  # TypeError: an unhashable JSON value
            try:
                ok, result = True, parse(value)
            except CellError as error:
                ok, result = False, error
            if len(seen) < 50_000:
                try:
                    seen[value] = (ok, result)
                except TypeError:
                    pass
        if not ok:
            raise result
        return result
    return parse_once


def columns() -> tuple[Column, ...]:
    """The audit columns, with fresh memories for the columns whose values repeat."""
    return (
        Column("finding_id", "问题编号", required=True, parse=bounded(120)),
        Column("audit_name", "审计项目", parse=remembered(bounded(300)), default=""),
        Column("unit_code", "被审计单位", required=True, parse=remembered(bounded(64)), aliases=("单位代码",)),
        Column("matter_code", "事项编号", parse=remembered(bounded(64))),
        Column("found_on", "发现日期", required=True, parse=remembered(event_date)),
        Column("category", "问题类别", required=True, parse=remembered(bounded(100))),
        Column("severity", "严重程度", required=True, parse=remembered(severity)),
        Column("amount", "涉及金额", parse=amount),
        Column("description", "问题描述", required=True, parse=plain_text),
        Column("rectification_status", "整改状态", parse=remembered(choice(STATUSES))),
        Column("rectification_due", "整改期限", parse=remembered(iso_date)),
        Column("rectified_on", "整改完成日期", parse=remembered(event_date)),
    )


COLUMNS = columns()


def import_findings(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Check every row, then create or update findings; never commits.

    ``context.options`` may hold ``limits`` (an :class:`UploadLimits`, for the
    command line's big files). Progress goes, batch by batch, to the callback whoever runs
    the import installed (:func:`core.importing.progress.reporting`).
    """
    limits: UploadLimits = context.options.get("limits", DEFAULT_LIMITS)
    progress: Progress | None = current_progress()
    with _collector_paused(len(data) >= LARGE_FILE), reporting(None):  # batches report the file's progress
        table = read_table(data, filename, limits=limits)
        return _import_table(session, table, filename, context, progress)


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cycle collector while a large table is in memory.

    Every row of the file is a live object; with a million of them each full
    collection walks them all, again and again, though none can form a cycle.
    Measured on 1,000,000 rows this made the import several times slower.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_table(session: Session, table: Table, filename: str | None, context: ImportContext,
                  progress: Progress | None) -> ImportReport:
    writer = _Writer(session, context, filename or "")
    report = ImportReport(errors=list(table.errors))
    total = len(table.rows)
    specs = columns()
    for start in range(0, total, BATCH):
        chunk = Table(table.kind, table.headers, table.rows[start:start + BATCH])
        mapped = map_rows(chunk, specs)
        # Problems with the headers are the same for every batch: report them once.
        problems = [error for error in mapped.errors if start == 0 or error.line is not None]
        report.errors.extend(problems)
        writer.check(mapped.rows, report)
        if report.errors and start == 0 and any(error.line is None for error in problems):
            break  # a missing column: every row would fail the same way
        if progress is not None:
            progress(min(start + BATCH, total), total)
    report.errors.sort(key=lambda error: error.line or 0)
    if report.ok and not context.dry_run and writer.touched_units:
        from plugins.audit.signals import refresh_signals

        refresh_signals(session, clock.today(), writer.touched_units)
    return report


class _Writer:
    """Resolves codes, checks permissions and writes one batch at a time."""

    def __init__(self, session: Session, context: ImportContext, filename: str) -> None:
        self.session = session
        self.context = context
        self.filename = filename
        self.units = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id))}
        self.matters = {code: matter_id for code, matter_id in session.execute(select(Matter.code, Matter.id))}
        self.allowed = _importable_units(session, context)
        self.first_line: dict[str, int] = {}
        self.touched_units: set[int] = set()
        self.table = Finding.__table__
        self.today = clock.today()  # a rectification reported done without its date was done by the import

    def check(self, rows: list[MappedRow], report: ImportReport) -> None:
        new: list[dict[str, Any]] = []
        changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        stored = self._stored([row["finding_id"] for row in rows])
        now = utcnow()
        for row in rows:
            values = self._values(row, report)
            if values is None:
                continue
            current = stored.get(values["ref"])
            self._rectification(values, current)
            if values["rectified_on"] is not None and values["rectified_on"] < values["found_on"]:
                report.errors.append(_error(row.line, "rectified_on", message(
                    N_("The rectification was completed on %(done)s, before the finding date %(found)s."),
                    done=values["rectified_on"].isoformat(), found=values["found_on"].isoformat())))
            elif current is None:
                values.update(imported_by=self.context.actor, created_at=now, updated_at=now, verified_at=None,
                              verified_by_id=None)
                new.append(values)
            elif self.allowed is not None and current["unit_id"] not in self.allowed:
                report.errors.append(_error(row.line, "finding_id", message(
                    N_("Finding %(ref)s belongs to a unit outside your remit."), ref=values["ref"])))
            elif all(current[key] == values[key] for key in CHANGEABLE):
                report.unchanged += 1
            else:
                changed.append((current, values))
        report.created += len(new)
        report.updated += len(changed)
        if report.errors or self.context.dry_run:
            return
        self._write(new, changed)

    def _rectification(self, values: dict[str, Any], current: dict[str, Any] | None) -> None:
        """Settle the status and completion day: the file's for a new finding or a rectification done.

        A rectification done without its date was done on the day of the import
        (that is when Duban learnt it); a finding already done keeps its day.
        """
        status, done_on = values.pop("file_status"), values["rectified_on"]
        if status == Status.done.value:
            if done_on is None:
                if current is not None and current["status"] == Status.done.value:
                    values["rectified_on"] = current["rectified_on"]  # a finding already done keeps its day
                else:
                    values["rectified_on"] = self.today
        elif current is None:
            values["rectified_on"] = None
        else:  # open or in progress in the file: what the platform recorded stands
            status, values["rectified_on"] = current["status"], current["rectified_on"]
        values["status"] = status

    def _values(self, row: MappedRow, report: ImportReport) -> dict[str, Any] | None:
        ref = row["finding_id"]
        ok = True
        if ref in self.first_line:
            report.errors.append(_error(row.line, "finding_id", message(
                N_("Duplicate %(columns)s %(value)s: it already appears on row %(first)s."),
                columns="finding_id", value=ref, first=self.first_line[ref])))
            return None
        self.first_line[ref] = row.line
        unit_id = self.units.get(row["unit_code"])
        if unit_id is None:
            report.errors.append(_error(row.line, "unit_code", message(
                N_("No unit has the code %(code)s."), code=row["unit_code"])))
            ok = False
        elif self.allowed is not None and unit_id not in self.allowed:
            report.errors.append(_error(row.line, "unit_code", message(
                N_("The unit %(code)s is outside your remit; you cannot file findings for it."),
                code=row["unit_code"])))
            ok = False
        matter_id = None
        if row["matter_code"]:
            matter_id = self.matters.get(row["matter_code"])
            if matter_id is None:
                report.errors.append(_error(row.line, "matter_code", message(
                    N_("No matter has the code %(code)s."), code=row["matter_code"])))
                ok = False
        due = row["rectification_due"]
        if due is not None and due < row["found_on"]:
            report.errors.append(_error(row.line, "rectification_due", message(
                N_("The rectification deadline %(due)s is before the finding date %(found)s."),
                due=due.isoformat(), found=row["found_on"].isoformat())))
            ok = False
        status, done_on = row["rectification_status"], row["rectified_on"]
        if done_on is not None and status not in (None, Status.done.value):
            report.errors.append(_error(row.line, "rectified_on", message(
                N_("A rectification completion date needs the status done; this row says %(status)s."),
                status=status)))
            ok = False
        if not ok:
            return None
        return {"ref": ref, "audit_name": row["audit_name"] or "", "unit_id": unit_id, "matter_id": matter_id,
                "found_on": row["found_on"], "category": row["category"], "severity": row["severity"],
                "amount": row["amount"], "description": row["description"], "due": due,
                "file_status": status or (Status.done.value if done_on is not None else Status.open.value),
                "rectified_on": done_on}

    def _stored(self, refs: list[str]) -> dict[str, dict[str, Any]]:
        if not refs:
            return {}
        columns = [self.table.c.id, self.table.c.ref, *(self.table.c[key] for key in CHANGEABLE)]
        result = self.session.execute(select(*columns).where(self.table.c.ref.in_(refs)))
        stored = {}
        for row in result.mappings():
            values = dict(row)
            # Core returns the enum's value as stored; compare like with like.
            values["severity"] = getattr(values["severity"], "value", values["severity"])
            values["status"] = getattr(values["status"], "value", values["status"])
            stored[values["ref"]] = values
        return stored

    def _write(self, new: list[dict[str, Any]], changed: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        connection = self.session.connection()
        entries: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
        if new:
            connection.execute(self.table.insert(), new)
            self.touched_units.update(values["unit_id"] for values in new)
            # One entry for the batch, naming every finding, keeps the trail cheap for big files.
            entries.append(("insert", self.table.name, f"batch:{new[0]['ref']}", None, {
                "file": self.filename, "rows": len(new), "finding_ids": [values["ref"] for values in new]}))
        if changed:
            now = utcnow()
            params = [{"b_id": current["id"], "updated_at": now, **{key: values[key] for key in CHANGEABLE}}
                      for current, values in changed]
            statement = update(self.table).where(self.table.c.id == bindparam("b_id")).values(
                {key: bindparam(key) for key in (*CHANGEABLE, "updated_at")})
            connection.execute(statement, params)
            for current, values in changed:
                self.touched_units.update((current["unit_id"], values["unit_id"]))
                before = {key: _plain(current[key]) for key in CHANGEABLE if current[key] != values[key]}
                after = {key: _plain(values[key]) for key in before}
                entries.append(("update", self.table.name, str(current["id"]), before, after))
        if entries:
            append_entries(self.session, entries)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _error(line: int, column: str, problem: Message) -> RowError:
    label = next((c.zh for c in COLUMNS if c.key == column), None)
    return RowError(line, column, problem, label)


def _importable_units(session: Session, context: ImportContext) -> frozenset[int] | None:
    """Units the importing user may file findings for; None when unlimited (admin, command line)."""
    if context.user_id is None:
        return None
    user = session.get(User, context.user_id)
    scope = scope_for(session, user)
    if scope.is_admin:
        return None
    if scope.role == Role.auditor:
        units = auditor_units(scope)
        return frozenset() if units is None else frozenset(session.scalars(select(Unit.id).where(units)))
    return frozenset(session.scalars(scope.unit_ids("write")))

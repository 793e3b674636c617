"""The outcome of one import: counts, and every problem row by row."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.i18n import N_, Gettext, Message, message
from core.importing.errors import RowError
from core.importing.safe_cells import safe_cell


def _untranslated(msgid: str) -> str:
    return msgid


@dataclass(frozen=True)
class RowChange:
    """One value an import would change: in the file's row ``line`` (``None`` for a stored row
    the file leaves out), about ``subject`` (as a person reads it), in ``column`` (its header)."""

    line: int | None
    subject: str
    column: str
    old: Any
    new: Any


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do) and what stopped it.

    An import with any error writes nothing, so the counts only mean something
    when :attr:`ok` is true. ``changes`` lists, for an importer that tells, each
    value an update would change (old and new), so a check shows what "updated" means.
    """

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    changes: list[RowChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row had a problem."""
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        """``created``, ``updated``, ``unchanged`` and ``skipped`` as a mapping."""
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped}

    def extend(self, errors: Iterable[RowError]) -> None:
        """Add ``errors``, keeping the report in row order."""
        self.errors.extend(errors)
        self.errors.sort(key=lambda error: error.line or 0)

    def summary(self, max_problems: int = 200) -> dict[str, Any]:
        """The report as JSON values, for a background import's result.

        ``ok``, the counts, ``errors`` (how many problems) and the first
        ``max_problems`` problems, which :func:`problems_from_summary` reads back.
        """
        return {"ok": self.ok, "errors": len(self.errors), **self.counts,
                "problems": [{"line": error.line, "column": error.column, "label": error.label,
                              "message": _message_json(error.message)} for error in self.errors[:max_problems]]}

    def render(self, gettext: Gettext) -> str:
        """The report as text in the user's language: one line per problem, then totals."""
        lines = [error.render(gettext) for error in self.errors]
        if self.errors:
            lines.append(message(
                N_("Problems found: %(count)s; nothing was imported."), count=len(self.errors),
            ).render(gettext))
        else:
            lines.append(message(
                N_("Created %(created)s, updated %(updated)s, unchanged %(unchanged)s, skipped %(skipped)s."),
                **self.counts,
            ).render(gettext))
        return "\n".join(lines)

    def to_csv(self, gettext: Gettext = _untranslated) -> bytes:
        """The problems as a CSV download: row, column, problem; UTF-8 with BOM for Excel.

        Every cell goes through :func:`safe_cell`, since problems quote the user's
        own (possibly hostile) cell contents back.
        """
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([gettext(N_("Row")), gettext(N_("Column")), gettext(N_("Problem"))])
        for error in self.errors:
            column = error.column or ""
            if error.column and error.label:
                column = message(N_("%(column)s (%(label)s)"), column=error.column,
                                 label=error.label).render(gettext)
            writer.writerow([safe_cell(cell) for cell in (
                "" if error.line is None else str(error.line), column,
                error.message.render(gettext),
            )])
        return out.getvalue().encode("utf-8-sig")


def _message_json(msg: Message) -> dict[str, Any]:
    params = {key: _message_json(value) if isinstance(value, Message) else value
              for key, value in msg.params.items()}
    return {"msgid": msg.msgid, "params": params}


def _message_from_json(data: dict[str, Any]) -> Message:
    params = {key: _message_from_json(value) if isinstance(value, dict) and "msgid" in value else value
              for key, value in (data.get("params") or {}).items()}
    return Message(str(data.get("msgid", "")), params)


def problems_from_summary(summary: dict[str, Any]) -> list[RowError]:
    """The problems kept by :meth:`ImportReport.summary`, as row errors again."""
    return [RowError(problem.get("line"), problem.get("column"), _message_from_json(problem.get("message") or {}),
                     problem.get("label")) for problem in summary.get("problems") or ()]

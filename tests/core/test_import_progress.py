"""Progress of a long import: map_rows reports the rows it has checked to whoever runs the import."""
from __future__ import annotations

from core.importing import Column, Table, integer, map_rows
from core.importing.columns import PROGRESS_EVERY
from core.importing.progress import current_progress, reporting


def _table(rows: int) -> Table:
    return Table.build("csv", ["n"], [(line + 2, (str(line),)) for line in range(rows)])


def test_rows_checked_are_reported_as_they_go_and_once_at_the_end():
    seen: list[tuple[int, int]] = []
    rows = 2 * PROGRESS_EVERY + 1
    with reporting(lambda done, total: seen.append((done, total))):
        mapped = map_rows(_table(rows), [Column("n", "数", required=True, parse=integer)])
    assert len(mapped.rows) == rows
    assert seen == [(0, rows), (PROGRESS_EVERY, rows), (2 * PROGRESS_EVERY, rows), (rows, rows)]


def test_nothing_is_reported_outside_reporting_or_when_silenced():
    assert current_progress() is None
    seen: list[tuple[int, int]] = []
    with reporting(lambda done, total: seen.append((done, total))):
        with reporting(None):  # an importer that reports batch by batch itself
            map_rows(_table(3), [Column("n", "数", parse=integer)])
        assert current_progress() is not None
    assert seen == [] and current_progress() is None

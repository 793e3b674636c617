"""Running an importer as one transaction: every row goes in, or none does."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import DubanError
from core.hooktypes import ImportContext, Importer
from core.importing import ImportReport, RowError


def run_import(session: Session, importer: Importer, data: bytes, filename: str | None,
               context: ImportContext) -> ImportReport:
    """Run ``importer`` on ``data`` in ``session``'s transaction.

    Commits only when no row failed and this is not a dry run; otherwise rolls
    everything back, so an import is all rows or none.
    """
    session.info["actor"] = context.actor
    try:
        try:
            report = importer.handler(session, data, filename, context)
        except DubanError as error:  # the file as a whole was refused
            report = ImportReport(errors=[RowError(None, None, error.message)])
        if report.ok and not context.dry_run:
            session.commit()
        else:
            session.rollback()
        return report
    except BaseException:
        session.rollback()
        raise

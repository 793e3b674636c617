"""Running an importer as one transaction: every row goes in, or none does."""
from __future__ import annotations

from core.db import Database
from core.errors import DubanError
from core.hooktypes import ImportContext, Importer
from core.importing import ImportReport, RowError


def run_import(db: Database, importer: Importer, data: bytes, filename: str | None,
               context: ImportContext) -> ImportReport:
    """Run ``importer`` on ``data``; commit only when no row failed and not a dry run."""
    session = db.session()
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
    finally:
        session.close()

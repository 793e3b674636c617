"""Responses as CSV or XLSX: one row per response, one column per question.

Every cell passes through :func:`core.importing.safe_cell`, so an answer such as
``=HYPERLINK(...)`` opens as text, never as a formula. Repeats are written as JSON text.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.importing import safe_cell
from plugins.survey.definition import walk
from plugins.survey.models import Survey, SurveyResponse


def _columns(survey: Survey) -> list[str]:
    names = []
    for node in walk(survey.definition["nodes"]):
        if node["kind"] == "repeat" or (
                node["kind"] == "question" and node.get("type") not in ("note", "unsupported", "device")):
            names.append(node["name"])
    return list(dict.fromkeys(names))


def table(session: Session, survey: Survey) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the export."""
    columns = _columns(survey)
    header = ["response_id", "submitted_on", "unit_id", "channel", *columns]
    rows = []
    for response in session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                    .order_by(SurveyResponse.id)):
        values = [response.answers.get(name, "") for name in columns]
        values = [json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
                  for value in values]
        rows.append([response.id, response.submitted_on.isoformat(), response.unit_id or "", response.channel,
                     *values])
    return header, [[safe_cell(cell) for cell in row] for row in rows]


def to_csv(session: Session, survey: Survey) -> bytes:
    """UTF-8 CSV with a BOM, so Excel and WPS open Chinese text correctly."""
    header, rows = table(session, survey)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(session: Session, survey: Survey) -> bytes:
    """An XLSX workbook with one sheet of responses."""
    from openpyxl import Workbook

    header, rows = table(session, survey)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

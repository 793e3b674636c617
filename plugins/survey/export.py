"""Responses as CSV or XLSX: one row per response, one column per question.

The columns are the form's question names holding the answers as stored (a choice's name,
such as ``very_satisfied``), which scripts read. With ``labels``, each choice question's column
is followed by a column of the chosen options' labels (很满意), headed with the question's label,
and ``unit_id`` by the unit's name, for people reading the file.

Every cell passes through :func:`core.importing.safe_cell`, so an answer such as
``=HYPERLINK(...)`` opens as text, never as a formula. Repeats are written as JSON text.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.importing import safe_cell
from core.org.models import Unit
from core.spreadsheets import OfficeWorkbook
from plugins.survey.definition import pick, walk
from plugins.survey.models import Survey, SurveyResponse

CHOICE_TYPES = ("select_one", "select_multiple")


def _questions(survey: Survey) -> list[dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    for node in walk(survey.definition["nodes"]):
        if node["kind"] == "repeat" or (
                node["kind"] == "question" and node.get("type") not in ("note", "unsupported", "device")):
            nodes.setdefault(node["name"], node)
    return list(nodes.values())


def _label_column(node: dict[str, Any], language: str, taken: set[str]) -> tuple[str, Callable[[Any], str]]:
    """The header of a choice question's label column, and what turns an answer into its labels."""
    header = pick(node.get("label") or {}, language).strip()
    if not header or header in taken:
        header = f"{node['name']}_label"
    labels = {choice["name"]: pick(choice["label"], language) or choice["name"] for choice in node.get("choices", [])}

    def name(value: Any) -> str:
        if not isinstance(value, str) or not value:
            return ""
        chosen = value.split() if node["type"] == "select_multiple" else [value]
        return "; ".join(labels.get(item, item) for item in chosen)

    return header, name


def table(session: Session, survey: Survey, labels: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the export; with ``labels`` (a form language), label columns beside the names."""
    questions = _questions(survey)
    header = ["response_id", "submitted_on", "unit_id"] + (["unit_name"] if labels is not None else []) + ["channel"]
    columns: list[tuple[str, Callable[[Any], Any] | None]] = []
    taken = {node["name"] for node in questions} | set(header)
    for node in questions:
        columns.append((node["name"], None))
        header.append(node["name"])
        if labels is not None and node.get("type") in CHOICE_TYPES:
            label_header, naming = _label_column(node, labels, taken)
            taken.add(label_header)
            columns.append((node["name"], naming))
            header.append(label_header)
    unit_names: dict[int, str] = {}
    if labels is not None:
        unit_names = {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name).where(
            Unit.id.in_(select(SurveyResponse.unit_id).where(SurveyResponse.survey_id == survey.id))))}
    rows = []
    for response in session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
                                    .order_by(SurveyResponse.id)):
        values = []
        for name, to_labels in columns:
            value = response.answers.get(name, "")
            if to_labels is not None:
                values.append(to_labels(value))
            else:
                values.append(json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value)
        unit: list[Any] = [response.unit_id or ""]
        if labels is not None:
            unit.append(unit_names.get(response.unit_id, "") if response.unit_id else "")
        rows.append([response.id, response.submitted_on.isoformat(), *unit, response.channel, *values])
    return header, [[safe_cell(cell) for cell in row] for row in rows]


def to_csv(session: Session, survey: Survey, labels: str | None = None) -> bytes:
    """UTF-8 CSV with a BOM, so Excel and WPS open Chinese text correctly."""
    header, rows = table(session, survey, labels)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(session: Session, survey: Survey, labels: str | None = None) -> bytes:
    """An XLSX workbook with one sheet of responses (a frozen, filtered header row)."""
    header, rows = table(session, survey, labels)
    workbook = OfficeWorkbook()
    sheet = workbook.sheet("responses", header, widths={name: 20 for name in header[4:]})
    for row in rows:
        sheet.append(row)
    return workbook.to_bytes()

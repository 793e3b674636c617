"""Reading an uploaded XLSForm (.xlsx, .xls, .csv, .md) with pyxform, after checking the file.

The bytes pass core's intake checks first (size, kind sniffed from content, zip-bomb check
for .xlsx) so pyxform never opens a hostile file. pyxform's own refusal is passed on in its
own words.
"""
from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import ValidationError
from core.i18n import N_
from core.importing import DEFAULT_LIMITS, FileTooLarge, UploadLimits, sniff_kind
from core.importing.limits import human_size
from core.importing.xlsx import check_archive
from plugins.survey.definition import build_definition, walk
from plugins.survey.engine import DependencyCycle, dependency_levels
from plugins.survey.expressions import ExpressionError, parse


class FormRejected(ValidationError):
    """An XLSForm Duban will not take; the message says why."""


@dataclass(frozen=True)
class ConvertedForm:
    """What Duban keeps of an accepted XLSForm."""

    title: str
    definition: dict[str, Any]
    xform: str
    warnings: list[str]


def file_type(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> str:
    """The pyxform file type of ``data`` (``xlsx``, ``xls``, ``csv`` or ``md``), judged by content."""
    if len(data) > limits.max_bytes:
        raise FileTooLarge(N_("The file is %(size)s; at most %(limit)s is accepted."),
                           size=human_size(len(data)), limit=human_size(limits.max_bytes))
    if not data.strip():
        raise FormRejected(N_("The file is empty."))
    kind = sniff_kind(data)
    if kind == "xlsx":
        check_archive(data, limits)
        return "xlsx"
    if kind == "xls":
        return "xls"
    if kind == "csv":
        text = data.decode("utf-8-sig", errors="replace").lstrip()
        # A Markdown XLSForm is a set of pipe tables: "| survey |" opens the first.
        return "md" if text.startswith("|") or text.startswith("#") else "csv"
    raise FormRejected(N_("This is not an XLSForm: upload an .xlsx, .xls, .csv or .md file."))


def convert(data: bytes, *, form_id: str, filename: str = "", limits: UploadLimits = DEFAULT_LIMITS) -> ConvertedForm:
    """Convert an XLSForm to Duban's definition and to the XForm served to ODK Collect.

    ``form_id`` replaces the form's own id so two uploads of one file never collide on
    ``/formList``. Raises :class:`FormRejected` with pyxform's message when pyxform refuses.
    """
    kind = file_type(data, limits)
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.xls2xform import convert as pyxform_convert

    found: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's chatter about unknown extensions
            result = pyxform_convert(xlsform=data, file_type="." + kind, warnings=found, validate=False)
        source = result._pyxform or {}
        served = copy.deepcopy(source)
        served["id_string"] = form_id
        # validate=False: pyxform would otherwise run ODK Validate, a Java program, when Java is found.
        xform = create_survey_element_from_dict(served).to_xml(validate=False, pretty_print=False)
    except Exception as exc:  # pyxform raises assorted types for a bad form; its text is the message
        raise FormRejected(N_("The form was refused: %(reason)s"), reason=_reason(exc)) from exc
    definition = build_definition(source)
    problem = expression_problem(definition, lambda: _row_numbers(data, kind))
    if problem:
        raise FormRejected(N_("The form was refused: %(reason)s"), reason=problem)
    title = str(source.get("title") or "")
    if title in ("", "data"):
        # pyxform names a form without a form_title after its file, which bytes do not have.
        title = os.path.splitext(os.path.basename(filename))[0] or form_id
    return ConvertedForm(title=title, definition=definition,
                         xform=xform, warnings=found)


# The XLSForm column each expression of a definition comes from.
COLUMNS = {"relevant": "relevant", "constraint": "constraint", "calculate": "calculation",
           "required": "required", "choice_filter": "choice_filter", "count": "repeat_count"}


def expression_problem(definition: dict[str, Any], rows: Callable[[], dict[str, int]]) -> str:
    """Why the form's expressions cannot be used, as pyxform words its own refusals, or "".

    Every expression is parsed (an unreadable one, an unsupported function or a regular
    expression RE2 cannot run would otherwise read as false or empty), and the fields' values
    must not depend on themselves. ``rows`` gives each field's row on the survey sheet.
    """
    for node in walk(definition["nodes"]):
        for key, column in COLUMNS.items():
            expr = node.get(key)
            if not expr or (key == "required" and expr == "true()"):
                continue
            try:
                parse(expr)
            except ExpressionError as error:
                reason = error.message.render(lambda msgid: msgid)
                return (f"{_row(rows, node)}On the 'survey' sheet, the '{column}' value of "
                        f"'{node.get('name', '')}' cannot be read: {reason} ({expr})")
    try:
        dependency_levels(definition)
    except DependencyCycle as cycle:
        first = next((node for node in walk(definition["nodes"]) if node.get("name") == cycle.names[0]), {})
        return (f"{_row(rows, first)}On the 'survey' sheet, the value of '{cycle.names[0]}' depends on "
                f"itself through its calculation or relevance: {cycle}.")
    return ""


def _row(rows: Callable[[], dict[str, int]], node: dict[str, Any]) -> str:
    row = rows().get(str(node.get("name", "")))
    return f"[row : {row}] " if row else ""


def _row_numbers(data: bytes, kind: str) -> dict[str, int]:
    """Each name's row on the survey sheet, counted as pyxform counts them (the header is row 1)."""
    from pyxform.xls2json_backends import get_xlsform

    try:
        rows = get_xlsform(data, file_type="." + kind).survey
    except Exception:
        return {}
    return {str(row.get("name")): index + 2 for index, row in enumerate(rows) if row.get("name")}


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:2000]

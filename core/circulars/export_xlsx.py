"""A circular's tables as XLSX: the ranking with every measure, the named units, the answers.

Every text cell goes through :func:`core.importing.safe_cell`.
"""
from __future__ import annotations

import io
from collections.abc import Mapping

from openpyxl import Workbook

from core.circulars.export_docx import ranking_headers
from core.circulars.labels import EXPLANATION_STATE_LABELS, VERDICT_LABELS
from core.circulars.models import Circular
from core.circulars.rankings import measure_label
from core.hooktypes import SignalKind
from core.i18n import Gettext
from core.importing import safe_cell


def circular_xlsx(circular: Circular, gettext: Gettext, kinds: Mapping[str, SignalKind] | None = None) -> bytes:
    """Three sheets: ranking (each measure's points, then its raw figure), named units, explanations."""
    kinds = kinds or {}
    workbook = Workbook(write_only=True)
    measures = [name for name, weight in circular.weights.items() if weight]
    ranking = workbook.create_sheet(gettext("Ranking"))
    ranking.append([safe_cell(h) for h in ranking_headers(circular, gettext, kinds)[:3]]
                   + [safe_cell(gettext("%(measure)s (points)") % {"measure": gettext(measure_label(n, kinds))})
                      for n in measures]
                   + [safe_cell(gettext("Unit code"))]
                   + [safe_cell(gettext("%(measure)s (figure)") % {"measure": gettext(measure_label(n, kinds))})
                      for n in measures])
    for row in circular.rankings:
        cells: list[object] = [row.rank, safe_cell(row.unit.name), row.score]
        cells += [row.measures.get(n, {}).get("points") for n in measures]
        cells += [safe_cell(row.unit.code)] + [row.measures.get(n, {}).get("value") for n in measures]
        ranking.append(cells)
    named = workbook.create_sheet(gettext("Units named"))
    named.append([gettext("Unit code"), gettext("Unit"), gettext("Verdict"), gettext("Text")])
    for entry in circular.entries:
        named.append([safe_cell(entry.unit.code), safe_cell(entry.unit.name),
                      gettext(VERDICT_LABELS[entry.verdict]), safe_cell(entry.text)])
    answers = workbook.create_sheet(gettext("Explanations"))
    answers.append([gettext("Unit code"), gettext("Unit"), gettext("Due"), gettext("State"),
                    gettext("Reasons"), gettext("Improvement plan")])
    for explanation in circular.explanations:
        answers.append([safe_cell(explanation.unit.code), safe_cell(explanation.unit.name), explanation.due,
                        gettext(EXPLANATION_STATE_LABELS[explanation.state]), safe_cell(explanation.reasons),
                        safe_cell(explanation.plan)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

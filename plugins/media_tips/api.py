"""Tips in the JSON API: a filtered list, one tip with its triage, links and deadlines, and new tips.

Reading is for those holding ``tips.view`` (the staff who see the tips pages), always
through the scope: a tip held by a sibling unit answers 404. The receipt code (and its
hash) and the tipster's contact are never sent, and attachments are counted, not named;
the schemas forbid any other field, so the OpenAPI checks catch one added by mistake.

Posting is for those holding ``tips.triage`` (the staff who take tips in), for systems
such as a hotline's: rows with the columns of ``duban import tips``, stored by the same
code as an import (:func:`plugins.media_tips.importer.store_tip_rows`), all or none.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import clock
from core.apitypes import (
    DATE,
    ID,
    NULLABLE_DATE,
    NULLABLE_TIME,
    PAGING_PARAMS,
    TIME,
    ApiParam,
    ApiRequest,
    ApiRoute,
    RowsRejected,
    body_rows,
    choice_param,
    date_param,
    iso,
    page_of,
    page_schema,
    rows_table,
    unit_id_for,
)
from core.i18n import N_, message
from core.importing import map_rows
from core.ledger.models import Matter
from plugins.media_tips.importer import CATEGORIES as CATEGORY_SPELLINGS
from plugins.media_tips.importer import COLUMNS, store_tip_rows
from plugins.media_tips.importer import SOURCES as SOURCE_SPELLINGS
from plugins.media_tips.models import (
    CATEGORY_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    LinkStatus,
    Tip,
    TipSource,
    TipState,
)
from plugins.media_tips.triage import MAX_TEXT, safe_url

STATES = [state.value for state in TipState]
SOURCES = [source.value for source in TipSource]
CATEGORIES = list(CATEGORY_LABELS)
LINK_STATUS_LABELS = {
    LinkStatus.suggested: N_("Suggested"),
    LinkStatus.confirmed: N_("Confirmed"),
    LinkStatus.rejected: N_("Rejected"),
}

TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_ID = {"type": ["integer", "null"]}
TIP_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"}, "ref": TEXT,
    "source": {"type": "string", "enum": SOURCES}, "source_label": TEXT,
    "category": {"type": "string", "enum": ["", *CATEGORIES]}, "category_label": NULLABLE_TEXT,
    "title": TEXT, "received_on": DATE, "created_at": TIME,
    "state": {"type": "string", "enum": STATES}, "state_label": TEXT,
    "outcome": {"type": "string", "enum": ["", TipState.verified.value, TipState.unfounded.value]},
    "region_code": TEXT, "home_unit_code": TEXT, "unit_code": NULLABLE_TEXT,
    "matter_id": NULLABLE_ID, "matter_code": NULLABLE_TEXT,
    "handed_unit_code": NULLABLE_TEXT, "handed_at": NULLABLE_TIME, "answer_due": NULLABLE_DATE,
    "answered_at": NULLABLE_TIME, "answer_overdue": {"type": "boolean"},
    "cluster_id": NULLABLE_ID, "cluster_size": NULLABLE_ID,
}
TIP_SCHEMA = {"type": "object", "additionalProperties": False, "required": list(TIP_PROPERTIES),
              "properties": TIP_PROPERTIES}
LINK_SCHEMA = {"type": "object", "additionalProperties": False,
               "required": ["target", "matter_code", "unit_code", "status", "status_label", "score", "origin"],
               "properties": {
                   "target": {"type": "string", "enum": ["matter", "unit"]},
                   "matter_code": {**NULLABLE_TEXT, "description": "Null for a matter outside the caller's view."},
                   "unit_code": NULLABLE_TEXT,
                   "status": {"type": "string", "enum": [status.value for status in LinkStatus]},
                   "status_label": TEXT, "score": {"type": "number"},
                   "origin": {"type": "string", "enum": ["linker", "staff"]}}}
EVENT_SCHEMA = {"type": "object", "additionalProperties": False,
                "required": ["at", "state_from", "state", "state_label"],
                "properties": {"at": TIME, "state_from": {"type": "string", "enum": ["", *STATES]},
                               "state": {"type": "string", "enum": STATES}, "state_label": TEXT}}
DETAIL_PROPERTIES: dict[str, Any] = {
    **TIP_PROPERTIES, "text": TEXT, "url": TEXT, "place": TEXT, "unit_named": TEXT,
    "cluster_sources": NULLABLE_ID, "attachments": {"type": "integer"},
    "links": {"type": "array", "items": LINK_SCHEMA}, "history": {"type": "array", "items": EVENT_SCHEMA},
}
DETAIL_SCHEMA = {"type": "object", "additionalProperties": False, "required": list(DETAIL_PROPERTIES),
                 "properties": DETAIL_PROPERTIES}


MAX_POST_ROWS = 200
# What the table holds; an import cuts longer text short, a post is refused.
POST_LENGTHS = {"ref": 120, "title": 300, "url": 1000, "contact": 300}
NULLABLE_STRING = {"type": ["string", "null"]}
POST_ROW_SCHEMA = {
    "type": "object", "required": ["text", "source", "received_on"],
    "examples": [{"text": "河东区老旧小区改造停工三个月，无人答复", "source": "热线", "received_on": "2026-11-27",
                  "region_code": "990102"}],
    "properties": {
        "ref": {**NULLABLE_STRING, "maxLength": POST_LENGTHS["ref"],
                "description": "The tip's number, its natural key; made from the row when left out."},
        "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
        "source": {"type": "string", "enum": list(SOURCE_SPELLINGS)},
        "received_on": DATE,
        "title": {**NULLABLE_STRING, "maxLength": POST_LENGTHS["title"]},
        "url": {**NULLABLE_STRING, "maxLength": POST_LENGTHS["url"], "description": "An http(s) address."},
        "region_code": {**NULLABLE_STRING, "pattern": "^[0-9]{6}$"},
        "unit_code": {**NULLABLE_STRING, "description": "The unit the tip is about."},
        "category": {"type": ["string", "null"], "enum": [*CATEGORY_SPELLINGS, None]},
        "contact": {**NULLABLE_STRING, "maxLength": POST_LENGTHS["contact"],
                    "description": "The tipster's contact, shown only to the staff handling the tip."},
    },
}
POST_SCHEMA = {"type": "object", "required": ["tips"], "properties": {
    "tips": {"type": "array", "minItems": 1, "maxItems": MAX_POST_ROWS, "items": POST_ROW_SCHEMA}}}
POSTED_SCHEMA = {"type": "object", "additionalProperties": False,
                 "required": ["stored", "created", "changed", "unchanged", "ids", "refs"], "properties": {
                     "stored": {"type": "integer"}, "created": {"type": "integer"},
                     "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
                     "ids": {"type": "array", "items": {"type": "integer"}},
                     "refs": {"type": "array", "items": TEXT}}}


def _code(unit: Any) -> str | None:
    return unit.code if unit is not None else None


def tip_json(request: ApiRequest, tip: Tip, visible_matters: set[int], today: date) -> dict[str, Any]:
    """What the tips list shows of ``tip``; its matter only when the caller may see it."""
    tr = request.gettext
    matter = tip.matter if tip.matter_id in visible_matters else None
    return {
        "id": tip.id, "ref": tip.ref, "source": tip.source.value, "source_label": tr(SOURCE_LABELS[tip.source]),
        "category": tip.category,
        "category_label": tr(CATEGORY_LABELS[tip.category]) if tip.category in CATEGORY_LABELS else None,
        "title": tip.display_title, "received_on": iso(tip.received_on), "created_at": iso(tip.created_at),
        "state": tip.state.value, "state_label": tr(STATE_LABELS[tip.state]), "outcome": tip.outcome,
        "region_code": tip.region_code, "home_unit_code": tip.home_unit.code, "unit_code": _code(tip.unit),
        "matter_id": matter.id if matter else None, "matter_code": matter.code if matter else None,
        "handed_unit_code": _code(tip.handed_unit), "handed_at": iso(tip.handed_at),
        "answer_due": iso(tip.answer_due), "answered_at": iso(tip.answered_at),
        "answer_overdue": tip.is_answer_overdue(today),
        "cluster_id": tip.cluster_id, "cluster_size": tip.cluster.size if tip.cluster else None,
    }


def _options() -> list[Any]:
    return [selectinload(Tip.home_unit), selectinload(Tip.unit), selectinload(Tip.handed_unit),
            selectinload(Tip.matter), selectinload(Tip.cluster)]


def _visible_matters(request: ApiRequest, tips: list[Tip], *more: int | None) -> set[int]:
    wanted = {tip.matter_id for tip in tips} | set(more)
    return request.scope.filter_ids(Matter, {matter_id for matter_id in wanted if matter_id is not None})


def list_tips(request: ApiRequest) -> dict[str, Any]:
    """Tips the caller may see, newest first; by state, source, category, unit, matter or date."""
    scope = request.scope
    stmt = scope.select(Tip).options(*_options()).order_by(Tip.received_on.desc(), Tip.id.desc())
    state = choice_param(request, "state", STATES)
    if state:
        stmt = stmt.where(Tip.state == TipState(state))
    source = choice_param(request, "source", SOURCES)
    if source:
        stmt = stmt.where(Tip.source == TipSource(source))
    category = choice_param(request, "category", CATEGORIES)
    if category:
        stmt = stmt.where(Tip.category == category)
    if request.query.get("unit_code"):
        unit_id = unit_id_for(request, request.query["unit_code"])
        stmt = stmt.where((Tip.unit_id == unit_id) | (Tip.handed_unit_id == unit_id))
    if request.query.get("home_unit_code"):
        stmt = stmt.where(Tip.home_unit_id == unit_id_for(request, request.query["home_unit_code"]))
    if request.query.get("matter_code"):
        stmt = stmt.where(Tip.matter_id.in_(select(Matter.id).where(
            Matter.code == request.query["matter_code"], scope.clause(Matter))))
    since, until = date_param(request, "received_since"), date_param(request, "received_until")
    if since:
        stmt = stmt.where(Tip.received_on >= since)
    if until:
        stmt = stmt.where(Tip.received_on <= until)
    today = clock.today()
    overdue = choice_param(request, "overdue", ["true", "false"])
    if overdue == "true":
        stmt = stmt.where(Tip.answer_overdue(today))
    elif overdue == "false":
        stmt = stmt.where(~Tip.answer_overdue(today))
    if request.query.get("q"):
        words = request.query["q"].strip()
        stmt = stmt.where(Tip.text.contains(words, autoescape=True) | Tip.title.contains(words, autoescape=True)
                          | Tip.ref.contains(words, autoescape=True))
    page = page_of(request, stmt, lambda tip: tip)
    visible = _visible_matters(request, page["items"])
    page["items"] = [tip_json(request, tip, visible, today) for tip in page["items"]]
    return page


def get_tip(request: ApiRequest) -> dict[str, Any]:
    """One tip, with its links, its history of states and the hand-over's deadline."""
    tr = request.gettext
    tip = request.scope.get(Tip, request.path["tip_id"])
    visible = _visible_matters(request, [tip], *(link.matter_id for link in tip.links))
    body = tip_json(request, tip, visible, clock.today())
    body.update({
        "text": tip.text, "url": tip.url, "place": tip.place, "unit_named": tip.unit_named,
        "cluster_sources": tip.cluster.sources if tip.cluster else None, "attachments": len(tip.attachments),
        "links": [{"target": link.target,
                   "matter_code": link.matter.code if link.matter_id in visible and link.matter else None,
                   "unit_code": _code(link.unit), "status": link.status.value,
                   "status_label": tr(LINK_STATUS_LABELS[link.status]), "score": link.score, "origin": link.origin}
                  for link in sorted(tip.links, key=lambda link: (link.target, link.rank, link.id))],
        "history": [{"at": iso(event.at), "state_from": event.state_from, "state": event.state_to,
                     "state_label": tr(event.state_label)} for event in tip.events],
    })
    return body


def _refuse_what_an_import_would_cut(mapped: Any) -> None:
    """A post's text too long for its column, or a link that is not http(s), is a row error."""
    for row in mapped.rows:
        for key, limit in POST_LENGTHS.items():
            if row[key] is not None and len(str(row[key])) > limit:
                mapped.add_error(row.line, key, message(N_("At most %(count)s characters."), count=limit))
        if row["url"] and not safe_url(row["url"]):
            mapped.add_error(row.line, "url", message(N_("A link must start with http:// or https://.")))


def post_tips(request: ApiRequest) -> dict[str, Any]:
    """File new tips (or change stored ones by their ``ref``): every row, or none with each bad row named."""
    rows = body_rows(request, "tips", MAX_POST_ROWS)
    mapped = map_rows(rows_table(rows, [column.key for column in COLUMNS], POST_ROW_SCHEMA), COLUMNS,
                      key=("ref",))
    _refuse_what_an_import_would_cut(mapped)
    bad = {error.line for error in mapped.errors}
    mapped.rows = [row for row in mapped.rows if row.line not in bad]
    assert request.scope.user is not None  # noqa: S101  (the API always knows the token's account)
    report, tips = store_tip_rows(request.session, mapped, actor=f"{request.scope.user.username} (api)",
                                  scope=request.scope, today=clock.today())
    if report.errors:
        raise RowsRejected(sorted(report.errors, key=lambda error: (error.line is None, error.line or 0)))
    return {"stored": len(tips), "created": report.created, "changed": report.updated,
            "unchanged": report.unchanged, "ids": [tip.id for tip in tips], "refs": [tip.ref for tip in tips]}


ROUTES = [
    ApiRoute("/tips", "GET", list_tips, "List tips from the public, the media and the hotline.", "tips.view",
             tag="tips",
             params=(*PAGING_PARAMS,
                     ApiParam("state", schema={"type": "string", "enum": STATES}),
                     ApiParam("source", schema={"type": "string", "enum": SOURCES}),
                     ApiParam("category", schema={"type": "string", "enum": CATEGORIES}),
                     ApiParam("unit_code", description="Tips about this unit or handed over to it."),
                     ApiParam("home_unit_code", description="Tips held by this supervising unit."),
                     ApiParam("matter_code", description="Tips linked to this matter."),
                     ApiParam("received_since", schema=DATE, description="Received on or after this date."),
                     ApiParam("received_until", schema=DATE, description="Received on or before this date."),
                     ApiParam("overdue", schema={"type": "string", "enum": ["true", "false"]},
                              description="Handed over and not answered by the date due."),
                     ApiParam("q", description="Words in the tip, its title or its number.")),
             response_schema=page_schema(TIP_SCHEMA)),
    ApiRoute("/tips", "POST", post_tips, "File tips from a hotline or another system (all rows or none).",
             "tips.triage", tag="tips", request_schema=POST_SCHEMA, response_schema=POSTED_SCHEMA, status=201),
    ApiRoute("/tips/{tip_id}", "GET", get_tip, "One tip: triage, links, hand-over and deadlines.", "tips.view",
             tag="tips", params=(ApiParam("tip_id", "path", ID),), response_schema=DETAIL_SCHEMA),
]

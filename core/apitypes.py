"""Records of the JSON API contract: routes a plugin (or core) offers under ``/api/v1``.

A route's handler is plain Python: it gets an :class:`ApiRequest` (the caller's
:class:`core.access.scope.Scope`, session, path and query parameters, JSON body) and
returns JSON-ready data, so plugins offer API endpoints without importing Flask.
The web layer mounts every route, checks its capability, commits posts (with
idempotency keys), and describes all of them in the OpenAPI document.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import Select, func, select

from core.api_schema import row_problems
from core.errors import DubanError, ValidationError
from core.i18n import DEFAULT_LOCALE, N_, Gettext
from core.importing import RowError, Table
from core.org.models import Unit

if TYPE_CHECKING:
    import pluggy
    from sqlalchemy.orm import Session

    from core.access.scope import Scope

T = TypeVar("T")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 2**31 - 1
MAX_ID = 2**31 - 1
# JSON Schemas handlers share.
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _untranslated(text: str) -> str:
    return text


@dataclass(frozen=True)
class ApiParam:
    """A path or query parameter, with its JSON Schema."""

    name: str
    where: Literal["path", "query"] = "query"
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class ApiRequest:
    """What a handler gets: who asks (``scope``), the session, parameters and body.

    ``gettext`` translates a msgid into the caller's language (``locale``), for the
    labels a handler returns beside its codes; errors are raised untranslated.
    """

    scope: Scope
    session: Session
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    body: Any = None
    config: Mapping[str, Any] = field(default_factory=dict)
    # The application's plugin manager, for handlers that ask the other plugins.
    plugins: pluggy.PluginManager | None = None
    gettext: Gettext = _untranslated
    locale: str = DEFAULT_LOCALE


ApiHandler = Callable[[ApiRequest], Any]


@dataclass(frozen=True)
class ApiRoute:
    """One operation under ``/api/v1``.

    ``path`` uses OpenAPI's ``{name}`` placeholders, each declared in ``params``.
    ``capability`` is checked before the handler runs. A ``POST`` handler writes
    through ``request.session`` without committing; the caller commits once, stores
    the answer under the request's ``Idempotency-Key``, and answers ``status``.
    ``request_schema`` and ``response_schema`` are JSON Schemas for the document.
    """

    path: str
    method: Literal["GET", "POST"]
    handler: ApiHandler
    summary: str
    capability: str | None = None
    tag: str = "core"
    params: tuple[ApiParam, ...] = ()
    request_schema: Mapping[str, Any] | None = None
    response_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    status: int = 200

    @property
    def operation_id(self) -> str:
        words = [part.strip("{}") for part in self.path.split("/") if part]
        return "_".join([self.method.lower(), *words]).replace(".", "_").replace("-", "_")


class RowsRejected(DubanError):
    """A bulk post or an upload with bad rows: nothing was stored; ``rows`` say where and why.

    Each :class:`core.importing.RowError` carries as its ``line`` the row's position in the
    posted array (counting from 0), or for an uploaded file the row number the user sees.
    """

    status = 422

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(N_("Some rows were refused; nothing was stored."))
        self.rows = rows


# ---------------------------------------------------------------------------
# Helpers handlers share
# ---------------------------------------------------------------------------

PAGING_PARAMS = (
    ApiParam("limit", schema={"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
             description="Items per page."),
    ApiParam("offset", schema={"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
             description="Items to skip."),
)


def page_schema(item: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a page of ``item``."""
    return {"type": "object", "required": ["items", "total", "limit", "offset", "next_offset"],
            "properties": {"items": {"type": "array", "items": dict(item)},
                           "total": {"type": "integer"}, "limit": {"type": "integer"},
                           "offset": {"type": "integer"},
                           "next_offset": {"type": ["integer", "null"]}}}


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def int_param(request: ApiRequest, name: str, default: int | None = None, *,
              minimum: int | None = None, maximum: int | None = None) -> int | None:
    """Query parameter ``name`` as an integer within bounds, else :class:`ValidationError`."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):  # also "" and digits int() takes that JSON Schema does not ("٣", " 5")
        raise ValidationError("Parameter %(name)s must be a whole number.", name=name)
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError("Parameter %(name)s is out of range.", name=name)
    return value


def iso(value: date | datetime | None) -> str | None:
    """A date, or a time with its UTC offset, as ISO 8601 text (None stays None).

    Times are stored in UTC; SQLite hands them back without the offset, so it is added.
    """
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat() if value is not None else None


def date_param(request: ApiRequest, name: str) -> date | None:
    """Query parameter ``name`` as an ISO date, else :class:`ValidationError`."""
    raw = request.query.get(name)
    if raw is None:
        return None
    # An empty value is refused, as the OpenAPI document's format says; so are the other
    # ISO 8601 spellings fromisoformat takes ("20261127", "2026-W48-5").
    if not _ISO_DATE.fullmatch(raw):
        raise ValidationError("Parameter %(name)s must be a date (YYYY-MM-DD).", name=name)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("Parameter %(name)s must be a date (YYYY-MM-DD).", name=name) from None


def choice_param(request: ApiRequest, name: str, allowed: list[str]) -> str | None:
    """Query parameter ``name`` when it is one of ``allowed``, else :class:`ValidationError`."""
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw not in allowed:  # "" too: it is none of the enum's values
        raise ValidationError("Parameter %(name)s must be one of: %(allowed)s.", name=name,
                              allowed=", ".join(allowed))
    return str(raw)


def unit_id_for(request: ApiRequest, code: str) -> int:
    """The id of the unit ``code`` (-1 when none has it: the filter then matches nothing)."""
    found = request.session.scalar(select(Unit.id).where(Unit.code == code))
    return found if found is not None else -1


def page_of(request: ApiRequest, stmt: Select[T], serialize: Callable[[T], Any]) -> dict[str, Any]:
    """One page of ``stmt`` (already scoped and ordered) by ``limit``/``offset``."""
    limit = int_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT) or DEFAULT_LIMIT
    offset = int_param(request, "offset", 0, minimum=0, maximum=MAX_OFFSET) or 0
    total = request.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = [serialize(obj) for obj in request.session.scalars(stmt.limit(limit).offset(offset))]
    following = offset + limit
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": following if following < total else None}


def body_rows(request: ApiRequest, name: str, max_rows: int) -> list[Any]:
    """The rows of a bulk post, ``{"<name>": [...]}``: 1 to ``max_rows`` of them, else 400."""
    rows = request.body.get(name) if isinstance(request.body, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ValidationError("Send {\"%(name)s\": [...]} with at least one row.", name=name)
    if len(rows) > max_rows:
        raise ValidationError("Send at most %(count)s rows at once.", count=max_rows)
    return rows


def rows_table(rows: list[Any], keys: Sequence[str], schema: Mapping[str, Any]) -> Table:
    """Posted JSON rows as an import :class:`Table`, for :func:`core.importing.map_rows`.

    A row's position in the array (from 0) is its line, so :class:`RowsRejected` names
    it. A row that breaks its ``schema`` (the route's, as the OpenAPI document shows it:
    not an object, a number where text is due, a value outside an enum) is an error for
    each problem and goes no further; the import's parsers read the others.
    """
    lines, errors = [], []
    for position, row in enumerate(rows):
        problems = row_problems(position, row, schema)
        if problems:
            errors.extend(problems)
            continue
        lines.append((position, tuple(row.get(key) for key in keys)))
    return Table.build("json", list(keys), lines, errors)

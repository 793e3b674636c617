"""The findings panels on a unit's and a matter's page."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core import clock
from core.access.models import User
from core.hooktypes import Panel
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.audit.access import scope_for
from plugins.audit.models import SEVERITY_LABELS, STATUS_LABELS
from plugins.audit.queries import FindingFilter, counts, finding_select, light

LIMIT = 10


def _panel(session: Session, user: User, f: FindingFilter) -> list[Panel]:
    scope = scope_for(session, user)
    if not scope.can("audit.view"):
        return []
    today = clock.today()
    figures = counts(scope, f, today)
    if not figures["total"]:
        return []
    findings = list(session.scalars(finding_select(scope, f, today).limit(LIMIT)))
    return [Panel(N_("Audit findings"), "audit/_panel.html", {
        "audit_findings": [(finding, light(finding, today)) for finding in findings],
        "audit_counts": figures, "audit_filter": f.as_args(),
        "audit_severity_labels": SEVERITY_LABELS, "audit_status_labels": STATUS_LABELS}, order=200)]


def unit_panel(session: Session, unit: Unit, user: User) -> list[Panel]:
    """Findings at ``unit`` and below that ``user`` may see."""
    return _panel(session, user, FindingFilter(unit=unit.code))


def matter_panel(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Findings about ``matter`` that ``user`` may see."""
    return _panel(session, user, FindingFilter(matter=matter.code))

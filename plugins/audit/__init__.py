"""Audit findings (审计发现) as evidence: intake, rectification tracking, signals."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.hooktypes import SignalKind
from core.i18n import N_


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("audit", "open_findings", N_("Open audit findings"), 1, "count"),
        SignalKind("audit", "severe_findings", N_("Severe audit findings"), 1, "count"),
        SignalKind("audit", "amount_involved", N_("Amount involved in findings (yuan)"), 1, "yuan"),
        SignalKind("audit", "rectification_overdue_days", N_("Days rectification is overdue"), 1, "days"),
        SignalKind("audit", "repeat_findings", N_("Repeated findings of the same category"), 1, "count"),
    ]

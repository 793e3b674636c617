"""Third-party evaluations (第三方评估): institutions, assignments, scored assessments."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.hooktypes import SignalKind
from core.i18n import N_


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("third_party_eval", "weighted_score", N_("Weighted evaluation score"), -1, "0-100"),
        SignalKind("third_party_eval", "below_target", N_("Indicators below target"), 1, "count"),
        SignalKind("third_party_eval", "self_report_gap", N_("Self-reported completion minus evaluated score"), 1, "points"),
    ]

"""Media reports and public tips (舆论监督, 群众线索): intake, linking, triage."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.hooktypes import SignalKind
from core.i18n import N_


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("media_tips", "tips_recent", N_("Tips in the last 90 days"), 1, "count"),
        SignalKind("media_tips", "cluster_size", N_("Largest cluster of similar tips"), 1, "count"),
        SignalKind("media_tips", "verified_share", N_("Share of tips verified"), 1, "share"),
        SignalKind("media_tips", "answers_overdue", N_("Unit answers overdue"), 1, "count"),
        SignalKind("media_tips", "media_reports", N_("Media reports"), 1, "count"),
    ]

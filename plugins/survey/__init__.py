"""Opinion surveys (民意调查) from XLSForm definitions, answered on public web forms."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.hooktypes import SignalKind
from core.i18n import N_


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("survey", "satisfaction", N_("Survey satisfaction (share satisfied)"), -1, "share"),
        SignalKind("survey", "not_delivered", N_("Share of respondents reporting non-delivery"), 1, "share"),
        SignalKind("survey", "sample_size", N_("Survey sample size"), 1, "count"),
    ]

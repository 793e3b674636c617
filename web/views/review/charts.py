"""A calibration plot drawn as SVG on the server: no script, no chart library."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SIZE = 280
PAD = 36


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    r: float
    predicted: float
    observed: float
    count: int


def calibration_points(bins: list[dict[str, Any]]) -> list[Point]:
    """Plot coordinates of each bin: predicted rate across, observed rate up, size by count."""
    largest = max((b["count"] for b in bins), default=1) or 1
    span = SIZE - 2 * PAD
    return [Point(round(PAD + b["predicted"] * span, 1), round(SIZE - PAD - b["observed"] * span, 1),
                  round(3 + 6 * (b["count"] / largest) ** 0.5, 1), b["predicted"], b["observed"], b["count"])
            for b in bins]


def axis_ticks() -> list[tuple[float, float, str]]:
    """Tick positions (across, up) and labels at 0%, 25% … 100%."""
    span = SIZE - 2 * PAD
    return [(PAD + f * span, SIZE - PAD - f * span, f"{f:.0%}") for f in (0, 0.25, 0.5, 0.75, 1)]

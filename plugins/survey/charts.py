"""Bar charts drawn on the server as SVG: no script, no CDN, escaped text."""
from __future__ import annotations

from markupsafe import Markup, escape

from plugins.survey.results import QuestionResult

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 200
BAR_WIDTH = 320


def bar_chart(result: QuestionResult, title: str) -> Markup:
    """A horizontal bar per answer, with its share and its 95% interval as a whisker."""
    height = max(1, len(result.rows)) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = [f'<svg class="survey-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, row in enumerate(result.rows):
        top = GAP + index * (BAR_HEIGHT + GAP)
        middle = top + BAR_HEIGHT / 2
        bar = BAR_WIDTH * row.share
        low, high = row.interval
        label = row.label if len(row.label) <= 24 else row.label[:23] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{middle + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{top}" width="{bar:.1f}" height="{BAR_HEIGHT}"/>')
        parts.append(f'<line class="ci" x1="{LABEL_WIDTH + BAR_WIDTH * low:.1f}" y1="{middle:.1f}" '
                     f'x2="{LABEL_WIDTH + BAR_WIDTH * high:.1f}" y2="{middle:.1f}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{middle + 4:.1f}">{row.share * 100:.1f}%</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (numbers, and every text escaped above)

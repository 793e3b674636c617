"""The dashboard's charts in real Chromium under the strict Content-Security-Policy."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_hovering_the_charts_keeps_the_tooltips_styled_without_a_csp_error(page, live_server):
    from tests.conftest import browser_login

    errors = _console_errors(page)
    browser_login(page, live_server, "shizhang", "demo-leader-2026")
    page.goto(live_server("/dashboard/"))
    for name in ("state", "overdue_unit", "on_time", "light"):
        chart = page.locator(f"[data-chart={name}]")
        chart.locator("svg").wait_for()
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        # The pie is a ring: aim at the ring, below its hole; the other charts at their middle.
        y = box["height"] * (0.75 if name == "light" else 0.5)
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + y)
        page.wait_for_timeout(400)
        refused = [e for e in errors if "Content Security Policy" in e]
        assert not refused, f"{len(refused)} CSP errors hovering {name}: {refused[:2]}"
        tooltip = chart.locator(".chart-tip")
        tooltip.wait_for(state="visible")
        # Styled by dashboard.css: the tooltip's rows are laid out by its classes.
        assert tooltip.locator(".chart-tip-row").count() >= 1
        assert tooltip.locator(".chart-tip-value").first.evaluate(
            "e => getComputedStyle(e).fontWeight") in ("700", "bold")
    page.mouse.move(0, 0)
    assert not errors, errors


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("width", [420, 1280])
def test_axis_labels_do_not_overlap(page, live_server, language, width):
    from tests.conftest import browser_login

    page.set_viewport_size({"width": width, "height": 900})
    browser_login(page, live_server, "shizhang", "demo-leader-2026")
    page.click(f"button[name=lang][value={language}]")
    page.goto(live_server("/dashboard/"))
    for name in ("state", "on_time"):
        page.locator(f"[data-chart={name}] svg").wait_for()
        labels = page.evaluate("""name => {
            const data = JSON.parse(document.getElementById('dashboard-data').textContent)[name].labels;
            const chart = document.querySelector(`[data-chart=${name}]`);
            const shown = t => t.textContent.replace(/(\\.\\.\\.|…)$/, '');
            return [...chart.querySelectorAll('svg text')]
              .filter(t => shown(t) && data.some(label => label.startsWith(shown(t))))
              .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });
        }""", name)
        assert len(labels) >= 2, name
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                overlap = min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
                assert not overlap, (name, a, b)

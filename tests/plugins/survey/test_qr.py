"""The staff survey page shows a QR code of the public link, drawn on the server."""
from __future__ import annotations

import re

import segno


def modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules a segno SVG draws: its path is runs of ``h`` strokes along rows (y + .5)."""
    found = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)
    assert found is not None, svg
    dark: set[tuple[int, int]] = set()
    x, y = 0.0, 0.0
    path = found.group(1)
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(x) + step, int(y)) for step in range(int(float(a))))
            x += float(a)
    return dark


def test_the_survey_page_shows_the_qr_code_of_its_public_link(client, make_survey, staff):
    survey = make_survey()
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert f'src="/surveys/{survey.id}/qr.svg"' in page
    image = client.get(f"/surveys/{survey.id}/qr.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    expected = segno.make(f"http://localhost/s/{survey.slug}", error="m")
    drawn = {(x - 4, y - 4) for x, y in modules(image.get_data(as_text=True))}  # less the quiet zone
    assert drawn == {(x, y) for y, row in enumerate(expected.matrix) for x, dark in enumerate(row) if dark}
    saved = client.get(f"/surveys/{survey.id}/qr.svg?download=1")
    assert "attachment" in saved.headers["Content-Disposition"]


def test_the_qr_code_is_for_staff_who_may_see_the_survey(app, make_survey, org):
    survey = make_survey()
    assert app.test_client().get(f"/surveys/{survey.id}/qr.svg").status_code in (302, 401)

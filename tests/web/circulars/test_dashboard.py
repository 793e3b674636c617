"""Every dashboard figure agrees with the list it clicks through to, on the demo province."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook

from core.signals import record_signal

FIGURE = re.compile(r'<a href="([^"]+)" data-figure="([^"]+)" data-value="([^"]*)"')


def _figures(page: str) -> list[tuple[str, str, str]]:
    return [(unescape(url), key, value) for url, key, value in FIGURE.findall(page)]


def _ledger_rows(client, url: str) -> int:
    parts = urlsplit(url)
    export = client.get("/ledger/export.xlsx", query_string=dict(parse_qsl(parts.query)))
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data))["ledger"]
    return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(cell is not None for cell in row))


def _data(page: str, element_id: str, attribute: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*{attribute}="([^"]*)"', page)
    assert match, f"no #{element_id} on the list page"
    return match.group(1)


@pytest.fixture
def signals(demo, demo_today):
    """Survey satisfaction for three demo counties, so signal figures have data whatever plugins seed."""
    from sqlalchemy import select

    from core.org.models import Unit

    units = {u.code: u.id for u in demo.scalars(select(Unit))}
    for code, share in (("990102", 0.82), ("990103", 0.41), ("990221", 0.67)):
        record_signal(demo, source="survey", kind="satisfaction", ref=f"test-{code}", unit_id=units[code],
                      value=share, observed_on=demo_today - timedelta(days=3))
    demo.commit()


@pytest.mark.parametrize("username", ["shizhang", "duchashi", "qingshan"])
def test_each_figure_matches_the_list_behind_it(client, login, signals, username):
    login(username)
    page = client.get("/dashboard/").get_data(as_text=True)
    figures = _figures(page)
    kinds = {key.split(":")[0] for _url, key, _value in figures}
    assert {"state", "light", "overdue-unit", "overdue-region", "on-time", "signal"} <= kinds
    checked = 0
    for url, key, value in figures:
        if url.startswith("/ledger/"):
            assert _ledger_rows(client, url) == int(value), key
        elif url.startswith("/dashboard/tasks"):
            listing = client.get(url).get_data(as_text=True)
            total = int(_data(listing, "total", "data-total"))
            if key.startswith("on-time:"):
                on_time = int(_data(listing, "on-time", "data-count"))
                assert (on_time / total if total else None) == (float(value) if value else None), key
            else:
                assert total == int(value), key
        elif url.startswith("/dashboard/signals"):
            listing = client.get(url).get_data(as_text=True)
            assert float(_data(listing, "combined", "data-value")) == pytest.approx(float(value)), key
        elif url.startswith("/dashboard/reviews"):
            listing = client.get(url).get_data(as_text=True)
            assert int(_data(listing, "total", "data-total")) == int(value), key
        else:
            pytest.fail(f"{key} links to an unexpected list: {url}")
        checked += 1
    assert checked == len(figures) > 20


def test_signal_list_names_the_units_behind_the_survey_figure(client, login, signals):
    login("shizhang")
    page = client.get("/dashboard/").get_data(as_text=True)
    [(url, _key, value)] = [f for f in _figures(page) if f[1] == "signal:survey.satisfaction"]
    listing = client.get(url).get_data(as_text=True)
    for code in ("990102", "990103", "990221"):
        assert f"<td>{code}</td>" in listing
    shares = [float(v) for v in re.findall(r'<tr data-value="([^"]+)">', listing)]
    assert float(value) == pytest.approx(sum(shares) / len(shares))


def test_overdue_demo_tasks_are_counted_by_unit(client, login, demo):
    login("shizhang")
    figures = {key: value for _url, key, value in _figures(client.get("/dashboard/").get_data(as_text=True))}
    assert int(figures["light:red"]) >= 4  # the demo ledger's overdue tasks
    assert int(figures["overdue-unit:990103"]) == 2


def test_county_officer_has_no_dashboard_and_lists_refuse_other_units(client, login, demo):
    login("hexi")
    assert client.get("/dashboard/").status_code == 403
    login("qingshan")
    from sqlalchemy import select

    from core.org.models import Unit

    other_city = demo.scalar(select(Unit.id).where(Unit.code == "990221"))
    assert client.get(f"/dashboard/tasks?overdue=1&unit_id={other_city}").status_code == 404


def test_charts_get_their_data_from_a_json_block_and_a_self_hosted_script(client, login, demo):
    login("shizhang")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert '<script type="application/json" id="dashboard-data">' in page
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200


def _shown(page: str, key: str) -> str:
    found = re.search(rf'data-figure="{re.escape(key)}"[^>]*>.*?<strong class="figure-value">(.*?)</strong>', page,
                      re.S)
    assert found, key
    return found.group(1)


def test_figures_are_written_as_numbers_are_read_counts_whole_money_with_separators(client, login, demo,
                                                                                   demo_today):
    from sqlalchemy import select

    from core.org.models import Unit

    for code, size, amount in (("990102", 1200, 25_000_000.25), ("990103", 800, 595_000.25)):
        unit_id = demo.scalar(select(Unit.id).where(Unit.code == code))
        record_signal(demo, source="survey", kind="sample_size", ref=f"t-size-{code}", unit_id=unit_id, value=size,
                      observed_on=demo_today)
        record_signal(demo, source="audit", kind="amount_involved", ref=f"t-amount-{code}", unit_id=unit_id,
                      value=amount, observed_on=demo_today)
    demo.commit()
    login("shizhang")
    page = client.get("/dashboard/").get_data(as_text=True)
    sample = _shown(page, "signal:survey.sample_size")
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", sample), sample  # a count: whole, thousands separated
    amount = _shown(page, "signal:audit.amount_involved")
    assert re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", amount), amount
    assert re.fullmatch(r"\d+(\.\d)?%", _shown(page, "signal:survey.satisfaction"))
    client.post("/lang", data={"lang": "en"})
    assert _shown(client.get("/dashboard/").get_data(as_text=True), "signal:survey.sample_size") == sample

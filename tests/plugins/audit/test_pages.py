"""The findings pages: lists, a finding's page, rectification, panels, scoping, reminders."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.hooktypes import ImportContext
from core.intake import run_import
from core.notify import Notification
from core.plugins import importers
from core.signals import Signal
from plugins.audit.models import Finding, Status
from plugins.audit.reminders import tick
from tests.plugins.audit.conftest import csv_bytes, row, upload


def _seed(app, db_session, rows):
    importer = importers(app.extensions["duban.plugins"])["audit"]
    report = run_import(db_session, importer, csv_bytes(rows), "f.csv", ImportContext(actor="cli"))
    assert report.ok, report.render(str)
    return {f.ref: f for f in db_session.scalars(select(Finding))}


def test_an_auditor_uploads_checks_confirms_and_staff_see_it_on_the_unit_page(client, auth, db_session, people,
                                                                               ledger, org):
    auth.login("auditor")
    page = upload(client, csv_bytes([row("F-1", 事项编号="M-001")])).get_data(as_text=True)
    assert "将新增 1" in page or "would create 1" in page, page
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post("/findings/upload/confirm", data={"token": token, "filename": "f.csv"}).get_data(as_text=True)
    assert 'id="import-result"' in done
    assert "F-1" in client.get("/findings/").get_data(as_text=True)
    auth.logout()
    auth.login("prov")
    unit_page = client.get(f"/units/{org.county_a1.id}").get_data(as_text=True)
    assert "F-1" in unit_page
    matter_page = client.get(f"/ledger/matters/{ledger.matter.id}").get_data(as_text=True)
    assert "F-1" in matter_page


@pytest.mark.parametrize("app_config", [{"IMPORT_IN_BACKGROUND_BYTES": 10}])
def test_a_large_findings_file_is_imported_in_the_background_by_the_shared_flow(app, client, auth, db_session,
                                                                              people, ledger, app_config):
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    auth.login("auditor")
    checking = upload(client, csv_bytes([row("F-9", 事项编号="M-001")]))  # large: checked by a job too
    assert "/jobs/runs/" in checking.headers["Location"]
    assert queue.huey.execute(queue.huey.dequeue())["ok"]
    page = client.get(checking.headers["Location"]).get_data(as_text=True)
    assert 'id="import-checked"' in page
    response = client.post(checking.headers["Location"] + "/import")
    assert "/jobs/runs/" in response.headers["Location"]
    assert db_session.scalar(select(Finding).where(Finding.ref == "F-9")) is None
    assert queue.huey.execute(queue.huey.dequeue())["created"] == 1
    assert db_session.scalar(select(Finding).where(Finding.ref == "F-9")) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="job-run done"' in page and 'id="import-result"' in page


def test_a_sibling_countys_finding_is_not_found(client, auth, app, db_session, people, ledger):
    found = _seed(app, db_session, [row("F-A", unit="A1"), row("F-B", unit="B1")])
    auth.login("a1")
    assert client.get(f"/findings/{found['F-A'].id}").status_code == 200
    assert client.get(f"/findings/{found['F-B'].id}").status_code == 404
    assert client.post(f"/findings/{found['F-B'].id}/evidence", data={"note": "x"}).status_code == 404
    listing = client.get("/findings/").get_data(as_text=True)
    assert "F-A" in listing and "F-B" not in listing
    exported = client.get("/findings/export.csv").data.decode("utf-8-sig")
    assert "F-A" in exported and "F-B" not in exported
    auth.logout()
    auth.login("city_b")
    assert client.get(f"/findings/{found['F-A'].id}").status_code == 404
    assert client.post(f"/findings/{found['F-A'].id}/verify", data={"decision": "accept"}).status_code == 404


def test_the_unit_files_evidence_and_staff_verify_it(client, auth, app, db_session, people, ledger):
    found = _seed(app, db_session, [row("F-1")])
    url = f"/findings/{found['F-1'].id}"
    auth.login("a1")
    assert 'id="verify"' not in client.get(url).get_data(as_text=True)
    client.post(url + "/evidence", data={"note": "资金已全部拨付，附凭证"})
    db_session.refresh(found["F-1"])
    assert found["F-1"].status == Status.in_progress
    auth.logout()
    auth.login("prov")
    assert "资金已全部拨付" in client.get(url).get_data(as_text=True)
    client.post(url + "/verify", data={"decision": "return", "note": ""})
    db_session.refresh(found["F-1"])
    assert found["F-1"].status == Status.in_progress  # sending back needs a reason
    client.post(url + "/verify", data={"decision": "accept", "note": "凭证齐全"})
    db_session.refresh(found["F-1"])
    assert found["F-1"].status == Status.done and found["F-1"].verified_by_id == people["province"].id
    today = clock.today()
    assert found["F-1"].rectified_on == today
    series = {s.observed_on: s.value for s in db_session.scalars(select(Signal).where(
        Signal.source == "audit", Signal.kind == "open_findings", Signal.unit_id == found["F-1"].unit_id))}
    assert series == {date(2026, 3, 1): 1, today: 0}  # open from the day found to the day verified


def test_overdue_rectification_shows_red_and_filters(client, auth, app, db_session, people, ledger):
    past = (date.today() - timedelta(days=5)).isoformat()
    _seed(app, db_session, [row("F-LATE", 发现日期="2020-01-01", 整改期限=past), row("F-OK", 整改期限="2099-01-01")])
    auth.login("prov")
    page = client.get("/findings/").get_data(as_text=True)
    assert re.search(r'<tr class="red">.*?F-LATE', page, re.S)
    overdue = client.get("/findings/?overdue=1").get_data(as_text=True)
    assert "F-LATE" in overdue and "F-OK" not in overdue
    assert "F-OK" in client.get("/findings/?q=F-OK").get_data(as_text=True)


def test_the_tick_sends_each_reminder_once(app, db_session, people, ledger, org):
    today = date.today()
    _seed(app, db_session, [row("F-LATE", 发现日期="2020-01-01", 整改期限=(today - timedelta(days=2)).isoformat()),
                            row("F-SOON", 发现日期="2020-01-01", 整改期限=(today + timedelta(days=3)).isoformat()),
                            row("F-LATER", 发现日期="2020-01-01", 整改期限="2099-01-01")])
    lines = tick(db_session, today)
    assert "1 rectification reminders, 1 overdue notices" in lines[0]
    assert tick(db_session, today)[0].startswith("audit: 0 rectification reminders, 0 overdue")
    notes = list(db_session.scalars(select(Notification).where(Notification.user_id == people["a1"].id)))
    assert len(notes) == 2 and all(note.link.startswith("/findings/") for note in notes)


def test_the_tick_hook_runs_through_duban_tick(app, db_session, people, ledger):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tick", "--now", datetime.now(UTC).isoformat()])
    assert "audit:" in result.output


def test_the_menu_shows_findings_to_those_who_may_see_them(client, auth, people):
    auth.login("a1")
    assert "/findings/" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("prov")
    assert "/findings/" in client.get("/").get_data(as_text=True)


def test_the_plugins_own_style_and_the_shared_upload_script_are_served(client, auth, people):
    auth.login("prov")
    page = client.get("/findings/upload").get_data(as_text=True)
    for asset in ("/findings/static/audit/audit.css", "/static/upload.js"):
        assert asset in page and client.get(asset).status_code == 200

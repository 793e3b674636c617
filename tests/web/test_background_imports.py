"""Large uploads are imported by the import_file job; the user who confirmed follows the run.

The threshold is set low here; the app's real SqliteHuey is driven by hand, as a
consumer would (take the message, run it).
"""
from __future__ import annotations

import io
import os
import re

import pytest
from sqlalchemy import func, select

from core.access.models import Role
from core.jobs import JobRun, RunState
from core.org.models import Unit

UNITS = ("code,name,parent_code,level,region_code\n"
         "A3,河中区,A,county,990104\nA4,河南区,A,county,990105\n").encode()


@pytest.fixture
def app_config():
    return {"IMPORT_IN_BACKGROUND_BYTES": 64}


@pytest.fixture
def queue(app):
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    return queue


def _check_and_confirm(client, data: bytes, filename: str = "units.csv"):
    page = client.post("/imports/units", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data").get_data(as_text=True)
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert found is not None, page
    token = found.group(1)
    return client.post("/imports/units/confirm", data={"token": token, "filename": filename})


def test_a_large_file_is_imported_by_a_job_and_its_page_shows_the_counts(app, client, auth, org, db_session, queue):
    admin = org.user("chief", Role.admin)
    auth.login("chief")
    response = _check_and_confirm(client, UNITS)
    assert response.status_code == 302
    run = db_session.scalar(select(JobRun))
    assert response.headers["Location"].endswith(f"/jobs/runs/{run.id}")
    assert (run.job, run.state, run.requested_by) == ("import_file", RunState.queued, admin.id)
    kind, path, actor, user_id, filename = run.arguments
    assert (kind, actor, user_id, filename) == ("units", "chief", admin.id, "units.csv")
    assert path.startswith(os.path.join(app.instance_path, "imports")) and path.endswith(".csv")
    with open(path, "rb") as kept:
        assert kept.read() == UNITS
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")) is None  # nothing imported in the request
    assert queue.huey.pending_count() == 1  # sent when the confirm's transaction committed

    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert 'class="job-run queued"' in page and 'http-equiv="refresh"' in page and "units.csv" in page

    result = queue.huey.execute(queue.huey.dequeue())
    assert result["ok"] and result["created"] == 2
    assert db_session.scalar(select(Unit).where(Unit.code == "A4")).parent.code == "A"
    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert 'class="job-run done"' in page and 'http-equiv="refresh"' not in page
    assert "已导入：新增 2" in re.search(r'id="import-result">([^<]*)', page).group(1)


def test_only_who_started_an_import_and_administrators_see_its_run(app, client, auth, org, db_session, queue):
    org.user("chief", Role.admin)
    org.user("deputy", Role.admin)
    org.user("boss", Role.supervisor, org.province, head=True)
    auth.login("chief")
    run_id = int(_check_and_confirm(client, UNITS).headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    auth.login("deputy")  # another administrator
    assert client.get(f"/jobs/runs/{run_id}").status_code == 200
    auth.logout()
    auth.login("boss")  # staff with a wide scope, but not who asked
    assert client.get(f"/jobs/runs/{run_id}").status_code == 404


def test_a_small_file_is_still_imported_in_the_request(app, client, auth, org, db_session, queue):
    org.user("chief", Role.admin)
    auth.login("chief")
    small = b"code,name,parent_code,level,region_code\nA3,x,A,county,990104\n"
    app.config["IMPORT_IN_BACKGROUND_BYTES"] = len(small)
    page = _check_and_confirm(client, small).get_data(as_text=True)
    assert "已导入：新增 1" in page
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")) is not None
    assert db_session.scalar(select(func.count(JobRun.id))) == 0 and queue.huey.pending_count() == 0


def test_a_file_refused_when_the_job_runs_shows_its_problems_row_by_row(app, client, auth, org, db_session, queue,
                                                                          tmp_path):
    admin = org.user("chief", Role.admin)
    path = tmp_path / "units.csv"
    path.write_bytes(b"code,name,parent_code,level,region_code\nA3,x,NOPE,county,990104\n")
    run_id = queue.enqueue("import_file", "units", str(path), "chief", admin.id, "units.csv",
                           requested_by=admin.id)
    result = queue.huey.execute(queue.huey.dequeue())
    assert result["ok"] is False and result["errors"] == 1 and result["problems"][0]["line"] == 2
    auth.login("chief")
    page = client.get(f"/jobs/runs/{run_id}").get_data(as_text=True)
    assert "NOPE" in page and "<td>2</td>" in page and "未导入任何数据" in page
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")) is None

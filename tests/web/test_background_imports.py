"""Large uploads are checked, then imported, by the import_file job; the user who uploaded follows the runs.

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
    """Upload a small file: checked in the request, then confirmed with the form's token."""
    page = client.post("/imports/units", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data").get_data(as_text=True)
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert found is not None, page
    token = found.group(1)
    return client.post("/imports/units/confirm", data={"token": token, "filename": filename})


def _upload(client, data: bytes, filename: str = "units.csv"):
    return client.post("/imports/units", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_a_large_file_is_checked_then_imported_by_jobs_and_their_pages_show_the_counts(app, client, auth, org,
                                                                                      db_session, queue):
    """The check of a large file used to run inside the request."""
    admin = org.user("chief", Role.admin)
    auth.login("chief")
    response = _upload(client, UNITS)
    assert response.status_code == 302
    check = db_session.scalar(select(JobRun))
    assert response.headers["Location"].endswith(f"/jobs/runs/{check.id}")
    assert (check.job, check.state, check.requested_by) == ("import_file", RunState.queued, admin.id)
    kind, path, actor, user_id, filename, dry_run = check.arguments
    assert (kind, actor, user_id, filename, dry_run) == ("units", "chief", admin.id, "units.csv", True)
    assert path.startswith(os.path.join(app.instance_path, "imports")) and path.endswith(".csv")
    with open(path, "rb") as kept:
        assert kept.read() == UNITS
    assert queue.huey.pending_count() == 1  # sent when the upload's transaction committed
    page = client.get(f"/jobs/runs/{check.id}").get_data(as_text=True)
    assert "文件检查" in page and 'class="job-run queued"' in page and 'http-equiv="refresh"' in page

    result = queue.huey.execute(queue.huey.dequeue())
    assert result["ok"] and result["created"] == 2
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")) is None  # a check writes nothing
    page = client.get(f"/jobs/runs/{check.id}").get_data(as_text=True)
    assert 'class="job-run done"' in page and 'http-equiv="refresh"' not in page
    assert "各行均无问题" in page and 'id="import-checked"' in page

    response = client.post(f"/jobs/runs/{check.id}/import")
    assert response.status_code == 302
    run = db_session.scalar(select(JobRun).where(JobRun.id != check.id))
    assert response.headers["Location"].endswith(f"/jobs/runs/{run.id}")
    assert run.arguments == ["units", path, "chief", admin.id, "units.csv", False]
    again = client.post(f"/jobs/runs/{check.id}/import")  # Back and send again: the same import, not a second
    assert again.headers["Location"].endswith(f"/jobs/runs/{run.id}")
    assert db_session.scalar(select(func.count(JobRun.id))) == 2

    result = queue.huey.execute(queue.huey.dequeue())
    assert result["ok"] and result["created"] == 2
    assert db_session.scalar(select(Unit).where(Unit.code == "A4")).parent.code == "A"
    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert 'class="job-run done"' in page
    assert "已导入：新增 2" in re.search(r'id="import-result">([^<]*)', page).group(1)


def test_only_the_uploader_may_import_a_checked_file(app, client, auth, org, db_session, queue):
    org.user("chief", Role.admin)
    org.user("deputy", Role.admin)
    auth.login("chief")
    check_id = int(_upload(client, UNITS).headers["Location"].rsplit("/", 1)[1])
    queue.huey.execute(queue.huey.dequeue())
    auth.logout()
    auth.login("deputy")  # another administrator sees the run, and may not import someone else's file
    page = client.get(f"/jobs/runs/{check_id}").get_data(as_text=True)
    assert 'id="import-checked"' not in page
    assert client.post(f"/jobs/runs/{check_id}/import").status_code == 403
    assert db_session.scalar(select(func.count(JobRun.id))) == 1


def test_a_running_check_shows_how_many_rows_it_has_checked(app, client, auth, org, db_session, queue):
    org.user("chief", Role.admin)
    auth.login("chief")
    check = db_session.get(JobRun, int(_upload(client, UNITS).headers["Location"].rsplit("/", 1)[1]))
    check.state, check.progress_done, check.progress_total = RunState.running, 12000, 1000000
    db_session.commit()
    page = client.get(f"/jobs/runs/{check.id}").get_data(as_text=True)
    assert '<progress value="12000" max="1000000">' in page
    assert "已检查 12,000 / 1,000,000 行" in page


def test_only_who_started_an_import_and_administrators_see_its_run(app, client, auth, org, db_session, queue):
    org.user("chief", Role.admin)
    org.user("deputy", Role.admin)
    org.user("boss", Role.supervisor, org.province, head=True)
    auth.login("chief")
    run_id = int(_upload(client, UNITS).headers["Location"].rsplit("/", 1)[1])
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

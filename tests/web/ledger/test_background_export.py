"""A ledger export over the row threshold is prepared by the export_ledger job and downloaded when ready."""
from __future__ import annotations

import io
import os
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.jobs import JobRun, RunState


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"], "BABEL_DEFAULT_TIMEZONE": "UTC",
            "EXPORT_IN_BACKGROUND_ROWS": 1}


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_a_large_export_is_prepared_by_a_job_in_the_users_scope_and_offered_for_download(
        app, client, auth, ledger, db_session):
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    auth.login("staff")
    offer = client.get("/ledger/export.xlsx?q=改造").get_data(as_text=True)  # two tasks: over the threshold
    assert 'id="export-background"' in offer and "PK" not in offer
    action = re.search(r'<form method="post" action="(/ledger/export[^"]*)"', offer).group(1).replace("&amp;", "&")
    response = client.post(action)
    run = db_session.scalar(select(JobRun))
    assert response.headers["Location"].endswith(f"/jobs/runs/{run.id}")
    assert (run.job, run.state, run.requested_by) == ("export_ledger", RunState.queued, ledger.staff.id)
    assert run.arguments[1]["q"] == "改造"
    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert 'class="job-run queued"' in page and 'id="download"' not in page
    assert client.get(f"/jobs/runs/{run.id}/download").status_code == 404

    result = queue.huey.execute(queue.huey.dequeue())
    assert result["filename"].startswith("ledger-") and os.path.isfile(result["path"])
    page = client.get(f"/jobs/runs/{run.id}").get_data(as_text=True)
    assert 'id="download"' in page
    download = client.get(f"/jobs/runs/{run.id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = _rows(download.data)
    task = rows[0].index("任务")
    assert sorted(row[task] for row in rows[1:]) == ["河东区改造30个小区", "河西区改造20个小区"]
    app.config["EXPORT_IN_BACKGROUND_ROWS"] = 1000
    assert rows == _rows(client.get("/ledger/export.xlsx?q=改造").data)  # the same workbook as in the request

    auth.logout()
    auth.login("west")  # another user may neither see the run nor download its file
    assert client.get(f"/jobs/runs/{run.id}").status_code == 404
    assert client.get(f"/jobs/runs/{run.id}/download").status_code == 404


def test_an_export_job_reads_only_what_its_user_may_see(app, client, auth, ledger, db_session):
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    app.config["EXPORT_IN_BACKGROUND_ROWS"] = 0
    auth.login("west")
    offer = client.get(f"/ledger/export.xlsx?matter={ledger.matter.id}").get_data(as_text=True)
    action = re.search(r'<form method="post" action="(/ledger/export[^"]*)"', offer).group(1).replace("&amp;", "&")
    run_id = int(client.post(action).headers["Location"].rsplit("/", 1)[1])
    queue.huey.execute(queue.huey.dequeue())
    rows = _rows(client.get(f"/jobs/runs/{run_id}/download").data)
    assert [row[rows[0].index("任务")] for row in rows[1:]] == ["河西区改造20个小区"]
    assert client.post(action, data={}, csrf=False).status_code == 400  # the form carries a CSRF token

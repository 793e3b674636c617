"""With the plugin blocked through the instance's blocklist (BLOCKED_PLUGINS), core runs as before:
the hotline's page, menu entry, import kind, panel and rules are gone, and the queue still reads its
stored signals by their keys."""
from __future__ import annotations

from typing import Any

import pytest

from core.signals import record_signal


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BLOCKED_PLUGINS": ["hotline_orders"]}


def test_core_runs_without_the_hotline(app, client, auth, runner, db_session, org, ledger, files):
    pm = app.extensions["duban.plugins"]
    assert pm.is_blocked("hotline_orders") and "duban_hotline" not in {
        getattr(plugin, "__name__", "") for plugin in pm.get_plugins()}
    result = runner.invoke(args=["import", "hotline_orders", files.csv([f"H-1,{files.when(2)},990102,投诉,电梯停工"])])
    assert result.exit_code != 0
    task = ledger.tasks["lifts_a1"]
    # A signal the hotline stored before it was blocked stays evidence, read by its key.
    record_signal(db_session, source="hotline_orders", kind="complaints", ref="complaints:1:1@x",
                  unit_id=org.county_a1.id, matter_id=task.matter_id, task_id=task.id, value=12,
                  observed_on=files.today)
    db_session.commit()
    queue = runner.invoke(args=["queue", "--format", "csv"], env={"DUBAN_LANG": "en"})
    assert queue.exit_code == 0 and "complaints to the 12345 hotline" not in queue.output  # its rules are gone
    assert runner.invoke(args=["tick"]).exit_code == 0
    auth.login("staff")
    assert client.get("/hotline/").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "/hotline/" not in home and "12345热线" not in home
    matter = client.get(f"/ledger/matters/{ledger.lifts.id}")
    assert matter.status_code == 200 and "hotline-panel" not in matter.get_data(as_text=True)
    assert client.get("/review/").status_code == 200
    assert client.get("/imports/hotline_orders").status_code == 404

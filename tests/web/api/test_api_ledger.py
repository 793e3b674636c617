"""Reading the ledger through the API: scoped like the web, paged, filtered."""
from __future__ import annotations

from core.access.models import Role


def test_admin_lists_every_matter_and_filters_by_kind(api, ledger):
    caller = api(ledger.token("root", Role.admin))
    body = caller.get("/api/v1/matters").get_json()
    assert [m["code"] for m in body["items"]] == ["M-A", "M-B"] and body["total"] == 2
    body = caller.get("/api/v1/matters?kind=instruction").get_json()
    assert [m["code"] for m in body["items"]] == ["M-B"]


def test_county_officer_sees_only_their_task_and_gets_404_for_a_sibling(api, ledger):
    caller = api(ledger.token("a1", Role.unit_officer, ledger.org.county_a1))
    tasks = caller.get("/api/v1/tasks").get_json()["items"]
    assert [t["id"] for t in tasks] == [ledger.task_a1.id]
    assert tasks[0]["overdue"] is True and tasks[0]["unit_code"] == "A1"
    assert caller.get(f"/api/v1/tasks/{ledger.task_a2.id}").status_code == 404
    assert caller.get(f"/api/v1/tasks/{ledger.task_b1.id}").status_code == 404
    assert caller.get(f"/api/v1/matters/{ledger.matter_b.id}").status_code == 404
    matter = caller.get(f"/api/v1/matters/{ledger.matter_a.id}").get_json()
    assert matter["task_ids"] == [ledger.task_a1.id]


def test_city_supervisor_pages_through_their_tasks(api, ledger):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    first = caller.get("/api/v1/tasks?limit=1").get_json()
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next_offset"] == 1
    second = caller.get("/api/v1/tasks?limit=1&offset=1").get_json()
    assert second["next_offset"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {ledger.task_a1.id, ledger.task_a2.id}
    overdue = caller.get("/api/v1/tasks?overdue=true").get_json()["items"]
    assert [t["id"] for t in overdue] == [ledger.task_a1.id]


def test_bad_parameters_are_json_errors(api, ledger):
    caller = api(ledger.token("root", Role.admin))
    for path in ("/api/v1/tasks?limit=0", "/api/v1/tasks?limit=x", "/api/v1/tasks?state=lost",
                 "/api/v1/tasks?deadline_before=2020-13-01"):
        response = caller.get(path)
        assert response.status_code == 400, path
        assert response.get_json()["error"]["message"]


def test_reports_of_a_hidden_task_are_404(api, ledger):
    caller = api(ledger.token("a1", Role.unit_officer, ledger.org.county_a1))
    assert caller.get(f"/api/v1/tasks/{ledger.task_a1.id}/reports").get_json()["items"] == []
    assert caller.get(f"/api/v1/tasks/{ledger.task_b1.id}/reports").status_code == 404


def test_me_describes_the_tokens_user(api, ledger):
    body = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a)).get("/api/v1/me").get_json()
    assert body["username"] == "sup_a" and body["unit_code"] == "A" and "signals.post" in body["capabilities"]

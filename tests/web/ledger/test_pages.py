"""Notifications, research topics, re-dispatch and the ledger's pages in both languages."""
from __future__ import annotations

import re
from datetime import date, timedelta

from core.access.models import Role
from core.ledger.models import Task
from core.ledger.research import ResearchTopic


def test_an_officer_reads_the_dispatch_notice_and_it_leads_to_the_task(client, auth, ledger):
    auth.login("east")
    page = client.get("/ledger/notifications").get_data(as_text=True)
    assert "城镇老旧小区改造" in page and "unread" in page
    notification_id = re.search(r"/ledger/notifications/(\d+)/open", page).group(1)
    response = client.post(f"/ledger/notifications/{notification_id}/open")
    assert response.headers["Location"].endswith(f"/ledger/tasks/{ledger.east_task.id}")
    auth.logout()
    auth.login("west")  # someone else's notification is not found
    assert client.post(f"/ledger/notifications/{notification_id}/open").status_code == 404


def test_the_ledger_page_in_english_filters_by_light(client, auth, ledger, db_session):
    ledger.west_task.deadline = date.today() - timedelta(days=1)
    db_session.commit()
    auth.login("staff")
    client.post("/lang", data={"lang": "en", "next": "/ledger/"})
    page = client.get("/ledger/?light=red").get_data(as_text=True)
    assert "Supervision ledger" in page
    assert "河西区改造20个小区" in page and "河东区改造30个小区" not in page


def test_a_city_passes_its_task_on_to_its_counties(client, auth, org, db_session, ledger):
    from core.access.scope import Scope
    from core.ledger.dispatch import dispatch_task

    city_staff = org.user("city", Role.supervisor, org.city_a, head=True)
    city_task = dispatch_task(Scope(db_session, ledger.staff), ledger.matter, unit_id=org.city_a.id,
                              description="青山市改造50个小区", deadline=date.today() + timedelta(days=60),
                              today=date.today())
    db_session.commit()
    auth.login("city")
    assert client.post(f"/ledger/tasks/{city_task.id}/sign").status_code == 302
    response = client.post(f"/ledger/tasks/{city_task.id}/redispatch", data={
        "units": [str(org.county_a1.id), str(org.county_a2.id)], "description": "各区改造25个小区",
        "deadline": (date.today() + timedelta(days=50)).isoformat()}, follow_redirects=True)
    assert "2" in response.get_data(as_text=True)
    children = db_session.query(Task).filter(Task.parent_task_id == city_task.id).all()
    assert sorted(t.unit_id for t in children) == sorted([org.county_a1.id, org.county_a2.id])
    # A unit outside the city is refused.
    bad = client.post(f"/ledger/tasks/{city_task.id}/redispatch", data={
        "units": [str(org.county_b1.id)], "description": "x", "deadline": date.today().isoformat()},
        follow_redirects=True)
    assert db_session.query(Task).filter(Task.unit_id == org.county_b1.id).count() == 0
    assert bad.status_code == 200
    assert city_staff.id


def test_staff_open_a_research_topic_and_record_a_visit_and_finding(client, auth, ledger, org, db_session):
    auth.login("staff")
    response = client.post("/ledger/research/new", data={
        "title": "基层减负调研", "description": "督查检查考核统筹", "matters": [str(ledger.matter.id)],
        "status": "planned"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    topic = db_session.query(ResearchTopic).one()
    assert response.headers["Location"].endswith(f"/ledger/research/{topic.id}")
    client.post(f"/ledger/research/{topic.id}/visits", data={
        "unit": str(org.county_a1.id), "visited_on": date.today().isoformat(), "participants": "王敏",
        "notes": "座谈"})
    client.post(f"/ledger/research/{topic.id}/findings", data={
        "kind": "recommendation", "text": "统一台账，一次报送", "matter": str(ledger.matter.id)})
    page = client.get(f"/ledger/research/{topic.id}").get_data(as_text=True)
    assert "河东区" in page and "统一台账，一次报送" in page
    assert "基层减负调研" in client.get(f"/ledger/matters/{ledger.matter.id}").get_data(as_text=True)
    auth.logout()
    auth.login("east")  # unit officers do not see research topics
    assert client.get(f"/ledger/research/{topic.id}").status_code == 403


def test_a_county_sees_where_its_task_came_from_without_a_link_it_may_not_follow(client, auth, org, db_session,
                                                                               ledger):
    """「转办自」 linked the county to the city's task, which answered 404 for the county."""
    from core.access.scope import Scope
    from core.ledger.dispatch import dispatch_task

    org.user("city", Role.supervisor, org.city_a, head=True)
    city_task = dispatch_task(Scope(db_session, ledger.staff), ledger.matter, unit_id=org.city_a.id,
                              description="青山市改造50个小区", deadline=date.today() + timedelta(days=60),
                              today=date.today())
    db_session.commit()
    auth.login("city")
    client.post(f"/ledger/tasks/{city_task.id}/sign")
    client.post(f"/ledger/tasks/{city_task.id}/redispatch", data={
        "units": [str(org.county_a1.id)], "description": "河东区改造25个小区",
        "deadline": (date.today() + timedelta(days=50)).isoformat()})
    child = db_session.query(Task).filter(Task.parent_task_id == city_task.id).one()
    city_page = client.get(f"/ledger/tasks/{child.id}").get_data(as_text=True)
    assert f'href="/ledger/tasks/{city_task.id}"' in city_page  # the city may follow it
    auth.logout()
    auth.login("east")
    page = client.get(f"/ledger/tasks/{child.id}").get_data(as_text=True)
    assert org.city_a.name in page
    assert f"/ledger/tasks/{city_task.id}\"" not in page
    for link in re.findall(r'href="(/ledger/tasks/\d+)"', page):
        assert client.get(link).status_code == 200, link

"""Staff register institutions, evaluators, assignments and frameworks, and read the results."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.access.models import Assignment, Role, User
from plugins.third_party_eval.models import Indicator, Institution
from tests.plugins.third_party_eval.conftest import csv_file, line, upload

GOOD = [line("A1", "Q1", 95), line("A1", "Q2", 70), line("A2", "Q1", 60), line("A2", "Q2", 85)]


def test_staff_register_an_institution_an_evaluator_and_an_assignment(client, auth, db_session, world):
    auth.login("prov")
    response = client.post("/evaluations/institutions", data={"name": "新评估院", "contact": "李"})
    assert response.status_code == 302
    institution = db_session.scalar(select(Institution).where(Institution.name == "新评估院"))
    url = f"/evaluations/institutions/{institution.id}"
    client.post(url + "/evaluators", data={"username": "newev", "display_name": "新人", "email": "",
                                           "password": "a-long-password-1"})
    user = db_session.scalar(select(User).where(User.username == "newev"))
    assert user.role == Role.evaluator
    client.post(url + "/assignments", data={"username": "newev", "matter_code": "M-WATER", "unit_code": "B1"})
    assignment = db_session.scalar(select(Assignment).where(Assignment.user_id == user.id))
    assert assignment.matter_id == world.water.id and assignment.unit_id is not None
    page = client.post(url + "/assignments", data={"username": "newev", "matter_code": "M-WATER",
                                                   "unit_code": "A2"}, follow_redirects=True).get_data(as_text=True)
    assert "A2" in page  # A2 holds no task in M-WATER: refused with a message naming it
    client.post(f"/evaluations/assignments/{assignment.id}/delete")
    assert db_session.scalar(select(Assignment).where(Assignment.user_id == user.id)) is None


def test_a_sibling_citys_staff_cannot_reach_another_citys_institution(client, auth, db_session, world):
    auth.login("city_b")
    assert client.get(f"/evaluations/institutions/{world.institution.id}").status_code == 404
    assert client.post(f"/evaluations/institutions/{world.institution.id}/assignments",
                       data={"username": "ev", "matter_code": "M-ROAD", "unit_code": ""}).status_code == 404
    assert client.get(f"/evaluations/institutions/{world.other.id}").status_code == 200


def test_the_framework_is_edited_on_the_matter_page(client, auth, db_session, world):
    auth.login("prov")
    url = f"/evaluations/matters/{world.roads.id}"
    client.post(url + "/indicators", data={"code": "Q3", "name": "资金到位率", "weight": "1.5", "target": "85"})
    q3 = db_session.scalar(select(Indicator).where(Indicator.code == "Q3"))
    assert (q3.weight, q3.target) == (1.5, 85.0)
    client.post(f"/evaluations/indicators/{q3.id}/delete")
    assert db_session.scalar(select(Indicator).where(Indicator.code == "Q3")) is None


def test_results_show_scores_against_targets_with_svg_charts(client, auth, db_session, world, org):
    auth.login("ev")
    page = upload(client, csv_file(GOOD)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/evaluations/upload/confirm", data={"token": token, "filename": "s.csv"})
    auth.logout()
    auth.login("prov")
    page = client.get(f"/evaluations/matters/{world.roads.id}").get_data(as_text=True)
    assert page.count("<svg") == 2 and 'class="bar below"' in page and 'class="target"' in page
    assert "86.7" in page  # A1: (95×2 + 70) / 3
    assert "<script" not in page.split("</main>")[0]
    matter_page = client.get(f"/ledger/matters/{world.roads.id}").get_data(as_text=True)
    assert "<svg" in matter_page
    unit_page = client.get(f"/units/{org.county_a1.id}").get_data(as_text=True)
    assert "M-ROAD" in unit_page and "<svg" in unit_page
    exported = client.get(f"/evaluations/matters/{world.roads.id}/scores.csv").data.decode("utf-8-sig")
    assert "A1" in exported and "Q2" in exported


def test_city_staff_see_only_their_units_scores(client, auth, db_session, world, org):
    auth.login("ev")
    page = upload(client, csv_file(GOOD)).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/evaluations/upload/confirm", data={"token": token, "filename": "s.csv"})
    auth.logout()
    org.user("city_a", Role.supervisor, org.city_a, head=True)
    auth.login("city_a")
    page = client.get(f"/evaluations/matters/{world.roads.id}").get_data(as_text=True)
    assert "河东区" in page
    auth.logout()
    auth.login("city_b")
    assert client.get(f"/evaluations/matters/{world.roads.id}").status_code == 404

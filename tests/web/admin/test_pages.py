"""Every core page answers 200 to the roles that may see it and 403/404 to the rest."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.access.models import Role
from core.org.models import Unit

ROLES = {
    "admin": (Role.admin, None),
    "supervisor": (Role.supervisor, "A"),
    "leader": (Role.leader, "P"),
    "officer": (Role.unit_officer, "A1"),
    "evaluator": (Role.evaluator, None),
    "auditor": (Role.auditor, "P"),
}

# path template → roles that get 200 (the rest 403 or 404)
PAGES = {
    "/": set(ROLES),
    "/account/password": set(ROLES),
    "/units/": {"admin", "supervisor", "leader"},
    "/units/{A1}": {"admin", "supervisor", "leader"},
    "/units/{B1}": {"admin", "leader"},  # the leader sits at the province
    "/units/new": {"admin"},
    "/units/{A1}/edit": {"admin"},
    "/users/": {"admin"},
    "/users/new": {"admin"},
    "/audit/": {"admin"},
    "/plugins/": {"admin"},
    "/imports/": set(ROLES),
    "/imports/units": {"admin"},
}


@pytest.fixture
def people(org):
    units = {"P": org.province, "A": org.city_a, "A1": org.county_a1}
    for name, (role, code) in ROLES.items():
        org.user(name, role, units[code] if code else None)
    return org


@pytest.mark.parametrize("name", sorted(ROLES))
def test_role_page_matrix(client, auth, people, name):
    ids = {"A1": people.county_a1.id, "B1": people.county_b1.id}
    auth.login(name)
    for template, allowed in PAGES.items():
        path = template.format(**ids)
        status = client.get(path).status_code
        if name in allowed:
            assert status == 200, (name, path, status)
        else:
            assert status in (403, 404), (name, path, status)


def test_anonymous_users_are_sent_to_login(client):
    for path in ("/", "/units/", "/users/", "/audit/", "/imports/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_edits_a_unit_and_bad_region_code_is_refused(client, auth, people, db_session):
    auth.login("admin")
    unit_id = people.county_a1.id
    response = client.post(f"/units/{unit_id}/edit", data={
        "code": "A1", "name": "河东新区", "level": "county", "region_code": "990202", "parent_code": "A"})
    assert response.status_code == 200
    assert "不在上级单位的区划" in response.get_data(as_text=True)
    response = client.post(f"/units/{unit_id}/edit", data={
        "code": "A1", "name": "河东新区", "level": "county", "region_code": "990102", "parent_code": "A"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Unit, unit_id).name == "河东新区"


def test_supervisor_cannot_post_unit_edits(client, auth, people, db_session):
    auth.login("supervisor")
    response = client.post(f"/units/{people.county_a1.id}/edit", data={
        "code": "A1", "name": "被篡改", "level": "county", "region_code": "990102", "parent_code": "A"})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Unit, people.county_a1.id).name == "河东区"


def test_unit_import_through_the_upload_page(client, auth, people, db_session):
    auth.login("admin")
    csv = "code,name,parent_code,level,region_code\nA3,松林县,A,county,990121\nA4,错误,A,county,abc\n".encode()
    page = client.post("/imports/units", data={"file": (io.BytesIO(csv), "units.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "第 3 行" not in page  # the HTML table shows rows as numbers
    assert "<td>3</td>" in page and "未导入任何数据" in page
    good = csv.split(b"\n")[0] + b"\n" + csv.split(b"\n")[1] + b"\n"
    page = client.post("/imports/units", data={"file": (io.BytesIO(good), "units.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "文件校验通过" in page
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")) is None
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/imports/units/confirm", data={"token": token, "filename": "units.csv"})
    assert "已导入" in done.get_data(as_text=True)
    assert db_session.scalar(select(Unit).where(Unit.code == "A3")).parent.code == "A"
    replay = client.post("/imports/units/confirm", data={"token": token, "filename": "units.csv"})
    assert replay.status_code == 302


def test_error_report_downloads_as_safe_csv(client, auth, people):
    auth.login("admin")
    csv = b"code,name,parent_code,level,region_code\n=HYPERLINK(\"x\"),n,A,county,990121\n"
    response = client.post("/imports/units/errors.csv", data={"file": (io.BytesIO(csv), "units.csv")},
                           content_type="multipart/form-data")
    assert response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    assert "=HYPERLINK" not in body.replace("'=HYPERLINK", "")


def test_uploads_over_the_size_cap_are_refused(app, client, auth, people):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login("admin")
    response = client.post("/imports/units", data={"file": (io.BytesIO(b"x" * 4096), "units.csv"),
                                                   "csrf_token": "x"}, content_type="multipart/form-data")
    assert response.status_code == 413


def test_admin_creates_an_account_that_can_log_in(client, auth, people):
    auth.login("admin")
    response = client.post("/users/new", data={
        "username": "newbie", "display_name": "新人", "email": "", "role": "unit_officer",
        "unit_code": "A2", "active": "y", "password": "a-long-enough-password"})
    assert response.status_code == 302
    auth.logout()
    assert auth.login("newbie", "a-long-enough-password").status_code == 302


def test_an_accounts_e_mail_address_is_checked(client, auth, people, db_session):
    from core.access.models import User

    auth.login("admin")
    form = {"username": "mailer", "display_name": "邮件", "role": "unit_officer", "unit_code": "A2",
            "active": "y", "password": "a-long-enough-password"}
    refused = client.post("/users/new", data={**form, "email": "zhang..san@example"})
    assert refused.status_code == 200
    assert "请填写一个电子邮箱地址" in refused.get_data(as_text=True)
    assert db_session.query(User).filter_by(username="mailer").count() == 0
    assert client.post("/users/new", data={**form, "email": "zhang.san@example.cn"}).status_code == 302
    assert db_session.query(User).filter_by(username="mailer").one().email == "zhang.san@example.cn"

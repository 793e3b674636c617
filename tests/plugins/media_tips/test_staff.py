"""Staff take tips in, triage them, link them and hand them over; units answer; scope holds."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.notify.models import Notification
from plugins.media_tips.models import LinkStatus, Tip, TipLink, TipState
from tests.plugins.media_tips.conftest import file_public_tip, form_token

HOSTILE = '<script>alert("tip")</script>'


def _tip(db_session) -> Tip:
    return db_session.scalar(select(Tip).order_by(Tip.id.desc()))


def test_the_whole_round_trip_from_tipster_to_answer(client, auth, db_session, org, ledger, people):
    code = file_public_tip(client, "河东区东湖街道的老旧小区改造，加装电梯到现在也没动工", contact="13900000000")
    tip = _tip(db_session)
    assert tip.matter_id == ledger.housing.id
    assert tip.unit_id == org.county_a1.id

    auth.login("city_a")
    page = client.get(f"/tips/{tip.id}").get_data(as_text=True)
    assert "13900000000" in page  # staff handling the tip see the contact
    assert "城镇老旧小区改造" in page
    due = (date.today() + timedelta(days=10)).isoformat()
    response = client.post(f"/tips/{tip.id}/handover", data={"unit": org.county_a1.id, "due": due})
    assert response.status_code == 302
    db_session.expire_all()
    tip = _tip(db_session)
    assert tip.state == TipState.handed_over and tip.handed_unit_id == org.county_a1.id
    notices = list(db_session.scalars(select(Notification).where(Notification.user_id == people["a1"].id)))
    assert len(notices) == 1
    auth.logout()

    auth.login("a1")
    assert tip.ref in client.get("/tips/answers").get_data(as_text=True)
    answer_page = client.get(f"/tips/{tip.id}/answer").get_data(as_text=True)
    assert "13900000000" not in answer_page  # the answering unit never sees the contact
    client.post(f"/tips/{tip.id}/answer", data={"body": "已督促施工单位本月底前完工。"})
    auth.logout()

    status = client.post("/tips/status", data={"code": code}).get_data(as_text=True)
    assert "已督促施工单位本月底前完工。" in status
    assert "已转办" in status


def test_a_sibling_county_and_another_city_cannot_see_the_tip(client, auth, db_session, org, ledger, people):
    file_public_tip(client, "河东区拖欠农民工工资")
    tip = _tip(db_session)
    auth.login("city_a")
    client.post(f"/tips/{tip.id}/handover", data={"unit": org.county_a1.id,
                                                   "due": (date.today() + timedelta(days=5)).isoformat()})
    auth.logout()
    auth.login("city_b")
    assert client.get(f"/tips/{tip.id}").status_code == 404
    assert tip.ref not in client.get("/tips/").get_data(as_text=True)
    assert client.post(f"/tips/{tip.id}/move", data={"to": "verified"}).status_code == 404
    auth.logout()
    auth.login("a2")
    assert client.get(f"/tips/{tip.id}/answer").status_code == 404
    assert client.post(f"/tips/{tip.id}/answer", data={"body": "冒答"}).status_code == 404
    assert tip.ref not in client.get("/tips/answers").get_data(as_text=True)
    attachment_probe = client.get("/tips/attachments/1")
    assert attachment_probe.status_code == 404


def test_leaders_read_tips_but_see_no_contact_and_cannot_act(client, auth, db_session, org, people):
    file_public_tip(client, "河东区小区改造停工", contact="secret-contact")
    tip = _tip(db_session)
    auth.login("leader")
    page = client.get(f"/tips/{tip.id}")
    assert page.status_code == 200
    assert "secret-contact" not in page.get_data(as_text=True)
    assert client.post(f"/tips/{tip.id}/move", data={"to": "screened"}).status_code == 403


def test_triage_refuses_steps_out_of_order(client, auth, db_session, org, people):
    file_public_tip(client, "河东区小区改造停工")
    tip = _tip(db_session)
    auth.login("city_a")
    response = client.post(f"/tips/{tip.id}/move", data={"to": "closed"}, follow_redirects=True)
    assert "不能" in response.get_data(as_text=True)
    client.post(f"/tips/{tip.id}/move", data={"to": "unfounded"})
    client.post(f"/tips/{tip.id}/move", data={"to": "closed"})
    db_session.expire_all()
    tip = _tip(db_session)
    assert tip.state == TipState.closed and tip.outcome == "unfounded"
    assert [event.state_to for event in tip.events] == ["new", "unfounded", "closed"]


def test_staff_corrections_are_kept_when_links_are_suggested_again(client, auth, db_session, org, ledger, people):
    file_public_tip(client, "河东区东湖街道小区改造加装电梯没动工")
    tip = _tip(db_session)
    auth.login("prov")
    client.post(f"/tips/{tip.id}/links/correct", data={"matter_code": "M-003", "unit_code": ""})
    client.post(f"/tips/{tip.id}/relink")
    db_session.expire_all()
    tip = _tip(db_session)
    assert tip.matter_id == ledger.wages.id
    matter_links = {link.matter_id: link.status for link in tip.links if link.target == "matter"}
    assert matter_links[ledger.wages.id] == LinkStatus.confirmed
    assert matter_links[ledger.housing.id] == LinkStatus.rejected
    kept = db_session.scalar(select(TipLink).where(TipLink.tip_id == tip.id, TipLink.matter_id == ledger.wages.id))
    assert kept.decided_by_id == people["province"].id and kept.decided_at is not None


def test_confirming_a_suggestion_rejects_the_others(client, auth, db_session, org, ledger, people):
    file_public_tip(client, "河东区小区改造停工，工地拖欠工资")
    tip = _tip(db_session)
    second = next(link for link in tip.links if link.target == "matter" and link.rank == 2)
    auth.login("city_a")
    client.post(f"/tips/{tip.id}/links/{second.id}/confirm")
    db_session.expire_all()
    tip = _tip(db_session)
    assert tip.matter_id == second.matter_id
    others = {link.status for link in tip.links if link.target == "matter" and link.id != second.id}
    assert others == {LinkStatus.rejected}


def test_staff_enter_a_media_tip_and_script_tags_render_as_text_everywhere(client, auth, db_session, org, ledger,
                                                                           people):
    auth.login("city_a")
    response = client.post("/tips/intake", data={
        "source": "media", "title": HOSTILE, "text": HOSTILE + "河东区小区改造停工", "url": "https://news.example.cn/a/1",
        "region": "990102", "unit_code": "", "category": "other", "contact": "",
        "received_on": date.today().isoformat()}, content_type="multipart/form-data")
    assert response.status_code == 302
    tip = _tip(db_session)
    client.post(f"/tips/{tip.id}/handover", data={"unit": org.county_a1.id,
                                                   "due": (date.today() + timedelta(days=5)).isoformat()})
    pages = [client.get("/tips/"), client.get(f"/tips/{tip.id}"), client.get(f"/units/{org.county_a1.id}")]
    auth.logout()
    auth.login("a1")
    pages += [client.get("/tips/answers"), client.get(f"/tips/{tip.id}/answer")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert HOSTILE not in text
    assert "&lt;script&gt;" in pages[1].get_data(as_text=True)


def test_a_javascript_link_is_never_kept(client, auth, db_session, org, people):
    auth.login("city_a")
    client.post("/tips/intake", data={
        "source": "media", "title": "", "text": "河东区新闻", "url": "javascript:alert(1)", "region": "",
        "unit_code": "", "category": "other", "contact": "", "received_on": date.today().isoformat()},
        content_type="multipart/form-data")
    assert db_session.scalar(select(Tip)) is None  # the form refuses a link that is not a URL


def test_near_identical_tips_form_a_cluster(app, client, auth, db_session, org, people):
    file_public_tip(client, "河东区东湖街道老旧小区加装电梯说好了今年动工，到现在还没开工。", contact="甲")
    # Another person, in another browser.
    file_public_tip(app.test_client(), "河东区东湖街道老旧小区加装电梯说好今年动工，现在还没有开工！", contact="乙")
    file_public_tip(client, "白水市城关区一所幼儿园食堂饭菜不卫生。", region="990202")
    tips = list(db_session.scalars(select(Tip).order_by(Tip.id)))
    assert tips[0].cluster_id is not None and tips[0].cluster_id == tips[1].cluster_id
    assert tips[2].cluster_id is None
    assert (tips[0].cluster.size, tips[0].cluster.sources) == (2, 2)
    auth.login("prov")
    assert "2" in client.get("/tips/clusters").get_data(as_text=True)
    assert client.get(f"/tips/clusters/{tips[0].cluster_id}").status_code == 200
    auth.logout()
    auth.login("city_b")
    assert client.get(f"/tips/clusters/{tips[0].cluster_id}").status_code == 404


def test_attachments_are_served_only_to_those_who_may_see_the_tip(client, auth, db_session, org, people):
    import io

    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    client.post("/tips/new", data={"text": "河东区小区改造停工", "region": "990102", "category": "other",
                                   "files": [(io.BytesIO(jpeg), "现场.jpg")], "form_token": form_token(client)},
                content_type="multipart/form-data")
    tip = _tip(db_session)
    attachment_id = tip.attachments[0].id
    assert client.get(f"/tips/attachments/{attachment_id}").status_code == 302  # to the login page
    auth.login("city_b")
    assert client.get(f"/tips/attachments/{attachment_id}").status_code == 404
    auth.logout()
    auth.login("city_a")
    served = client.get(f"/tips/attachments/{attachment_id}")
    assert served.status_code == 200 and served.data == jpeg
    assert served.mimetype == "image/jpeg"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_every_tips_post_route_refuses_a_missing_csrf_token(app, client, auth, db_session, org, people):
    file_public_tip(client, "河东区小区改造停工")
    auth.login("city_a")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/tips") or "POST" not in (rule.methods or ()):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1")
        assert client.post(url, data={}, csrf=False).status_code in (400, 404), url
        checked += 1
    assert checked >= 10

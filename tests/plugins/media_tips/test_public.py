"""A member of the public files a tip without an account and follows it with the receipt code."""
from __future__ import annotations

import io

from sqlalchemy import select

from core.audit_log import AuditEntry
from plugins.media_tips.models import MessageKind, Tip, TipSource
from plugins.media_tips.triage import add_message
from tests.plugins.media_tips.conftest import file_public_tip, form_token

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"


def test_anyone_files_a_tip_and_gets_a_receipt_code(client, db_session, org, ledger):
    page = client.get("/tips/new")
    assert page.status_code == 200
    assert "csrf_token" in page.get_data(as_text=True)
    code = file_public_tip(client, "河东区东湖街道老旧小区改造加装电梯一直不动工", contact="13800000000",
                           environ_base={"REMOTE_ADDR": "203.0.113.77"})
    tip = db_session.scalar(select(Tip).where(Tip.source == TipSource.public))
    assert tip is not None and tip.contact == "13800000000"
    assert tip.home_unit_id == org.county_a1.id
    # Only a digest of the code is kept.
    assert tip.receipt_hash and code.replace("-", "") not in tip.receipt_hash
    assert len(code.replace("-", "")) == 20


def test_no_ip_address_is_stored_anywhere(app, client, db_session, org):
    ip = "203.0.113.77"
    client.environ_base["REMOTE_ADDR"] = ip
    file_public_tip(client, "河西区幼儿园建好了一直不招生", region="990103", contact="someone@example.org")
    tip = db_session.scalar(select(Tip))
    values = [str(getattr(tip, column.key)) for column in Tip.__table__.columns]
    assert not any(ip in value for value in values)
    entries = list(db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "tips")))
    assert entries and all(ip not in str(entry.after) for entry in entries)
    # The audit trail does not keep the tipster's contact in readable form either.
    assert all("someone@example.org" not in str(entry.after) for entry in entries)


def test_the_public_form_needs_a_csrf_token(client, org):
    response = client.post("/tips/new", data={"text": "x", "category": "other"}, csrf=False)
    assert response.status_code == 400


def test_status_page_shows_state_replies_and_answers_but_not_internal_notes(client, db_session, org):
    code = file_public_tip(client, "河东区工地拖欠工资")
    tip = db_session.scalar(select(Tip))
    add_message(db_session, tip, MessageKind.staff_reply, "已收到，正在核实。")
    add_message(db_session, tip, MessageKind.note, "内部：此人反映过多次")
    db_session.commit()
    page = client.post("/tips/status", data={"code": code.lower()})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "已收到，正在核实。" in text
    assert "内部：此人反映过多次" not in text
    assert tip.ref in text


def test_a_wrong_code_gets_the_same_answer_as_an_unknown_one(client, org):
    code = file_public_tip(client, "河东区老旧小区改造停工")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    first = client.post("/tips/status", data={"code": wrong})
    second = client.post("/tips/status", data={"code": "NOT-A-CODE"})
    assert first.status_code == second.status_code == 404
    strip = lambda page: page.get_data(as_text=True).split("<main>")[1].split('name="csrf_token"')[0]  # noqa: E731
    assert strip(first) == strip(second)


def test_the_tipster_adds_information_with_the_code(client, db_session, org):
    code = file_public_tip(client, "河东区老旧小区改造停工")
    page = client.post("/tips/status/add", data={"code": code, "text": "补充：今天还是没人施工。"},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    assert "补充：今天还是没人施工。" in page.get_data(as_text=True)
    forged = client.post("/tips/status/add", data={"code": "AAAA-BBBB-CCCC-DDDD-EEEE", "text": "冒充"},
                         content_type="multipart/form-data")
    assert forged.status_code == 404
    tip = db_session.scalar(select(Tip))
    assert [m.body for m in tip.messages] == ["补充：今天还是没人施工。"]


def test_script_tags_in_a_tip_render_as_text(client, db_session, org):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    code = file_public_tip(client, hostile)
    page = client.post("/tips/status", data={"code": code}).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_a_photo_is_accepted_and_a_disguised_file_refused(client, db_session, org):
    data = {"text": "河东区小区改造停工，附照片", "region": "990102", "category": "other",
            "files": [(io.BytesIO(JPEG), "photo.jpg")], "form_token": form_token(client)}
    assert client.post("/tips/new", data=data, content_type="multipart/form-data").status_code == 303
    tip = db_session.scalar(select(Tip))
    assert [(a.original_name, a.content_type) for a in tip.attachments] == [("photo.jpg", "image/jpeg")]

    disguised = {"text": "另一个线索", "region": "990102", "category": "other", "form_token": form_token(client),
                 "files": [(io.BytesIO(b"<html><script>alert(1)</script></html>"), "photo.jpg")]}
    response = client.post("/tips/new", data=disguised, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "photo.jpg" in response.get_data(as_text=True)
    pdf_named_as_photo = {"text": "又一个线索", "region": "990102", "category": "other",
                          "form_token": form_token(client),
                          "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF"), "photo.png")]}
    assert client.post("/tips/new", data=pdf_named_as_photo, content_type="multipart/form-data").status_code == 400
    assert len(list(db_session.scalars(select(Tip)))) == 1


def test_an_oversized_attachment_is_refused(client, db_session, org):
    big = JPEG[:-2] + b"\x00" * (5 * 1024 * 1024) + b"\xff\xd9"
    data = {"text": "太大的照片", "region": "990102", "category": "other", "files": [(io.BytesIO(big), "big.jpg")],
            "form_token": form_token(client)}
    response = client.post("/tips/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert db_session.scalar(select(Tip)) is None

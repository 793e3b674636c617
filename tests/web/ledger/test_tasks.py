"""The ledger pages as staff and county officers use them, and what a sibling county cannot do."""
from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from core.ledger.models import Task, TaskState
from core.ledger.report_models import ProgressReport

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_an_officer_signs_reports_with_a_file_and_staff_accept(client, auth, ledger, db_session):
    auth.login("east")
    task_id = ledger.east_task.id
    assert client.post(f"/ledger/tasks/{task_id}/sign").status_code == 302
    response = client.post(f"/ledger/tasks/{task_id}/reports", data={
        "text": "已完成12个小区", "percent_done": "40", "files": (io.BytesIO(PDF), "进展.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/ledger/tasks/{task_id}").get_data(as_text=True)
    assert "已完成12个小区" in page and "进展.pdf" in page
    auth.logout()

    auth.login("staff")
    report = db_session.query(ProgressReport).one()
    client.post(f"/ledger/reports/{report.id}/review", data={"decision": "accept", "comment": ""})
    client.post(f"/ledger/tasks/{task_id}/close")
    db_session.expire_all()
    assert db_session.get(Task, task_id).state == TaskState.closed


def test_closing_an_unreported_task_shows_the_refusal_in_chinese(client, auth, ledger):
    auth.login("staff")
    response = client.post(f"/ledger/tasks/{ledger.east_task.id}/close", follow_redirects=True)
    assert "该任务尚无人报送进展，不能销号。" in response.get_data(as_text=True)


def test_a_sibling_county_cannot_read_change_or_export_by_guessing_ids(client, auth, ledger, db_session):
    auth.login("east")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/sign")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/reports", data={
        "text": "东区进展", "percent_done": "10", "files": (io.BytesIO(PDF), "东区.pdf")},
        content_type="multipart/form-data")
    auth.logout()
    report = db_session.query(ProgressReport).one()
    attachment = report.attachments[0]

    auth.login("west")
    east_id = ledger.east_task.id
    assert client.get(f"/ledger/tasks/{east_id}").status_code == 404
    assert client.get(f"/ledger/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/ledger/tasks/{east_id}/sign").status_code == 404
    assert client.post(f"/ledger/tasks/{east_id}/reports", data={"text": "x", "percent_done": "5"}).status_code == 404
    assert client.post(f"/ledger/tasks/{east_id}/reason", data={"text": "x"}).status_code == 404
    exported = _rows(client.get(f"/ledger/export.xlsx?matter={ledger.matter.id}").data)
    task_column = exported[0].index("任务")
    assert [row[task_column] for row in exported[1:]] == ["河西区改造20个小区"]
    listed = client.get("/ledger/").get_data(as_text=True)
    assert "河东区改造30个小区" not in listed and "河西区改造20个小区" in listed
    overdue = _rows(client.get("/ledger/overdue/export.xlsx").data)
    assert len(overdue) == 1  # header only: west has nothing overdue, and east's tasks never show
    db_session.expire_all()
    assert db_session.get(Task, east_id).state == TaskState.reported


def test_attachments_download_only_as_attachments(client, auth, ledger, db_session):
    auth.login("east")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/sign")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/reports", data={
        "text": "进展", "percent_done": "10", "files": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    attachment = db_session.query(ProgressReport).one().attachments[0]
    response = client.get(f"/ledger/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_forbidden_attachment_is_refused_and_the_task_unchanged(client, auth, ledger, db_session):
    auth.login("east")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/sign")
    response = client.post(f"/ledger/tasks/{ledger.east_task.id}/reports", data={
        "text": "进展", "percent_done": "10", "files": (io.BytesIO(b"MZ\x90\x00binary"), "setup.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "setup.pdf" in response.get_data(as_text=True)
    assert db_session.query(ProgressReport).count() == 0


def test_a_refused_attachment_keeps_the_typed_report_on_the_page(client, auth, ledger, db_session):
    """The refusal used to redirect to the task's page: the text and the percentage were gone."""
    auth.login("east")
    client.post(f"/ledger/tasks/{ledger.east_task.id}/sign")
    response = client.post(f"/ledger/tasks/{ledger.east_task.id}/reports", data={
        "text": "已完成老旧小区改造的入户摸排，共 1,024 户", "percent_done": "35",
        "files": (io.BytesIO(b"MZ\x90\x00binary"), "setup.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "setup.pdf" in page  # why it was refused
    assert "已完成老旧小区改造的入户摸排，共 1,024 户</textarea>" in page
    assert 'name="percent_done"' in page and 'value="35"' in page
    assert "请重新选择附件" in page
    assert db_session.query(ProgressReport).count() == 0
    incomplete = client.post(f"/ledger/tasks/{ledger.east_task.id}/reports", data={"text": "只写了文字"})
    assert incomplete.status_code == 422 and "只写了文字</textarea>" in incomplete.get_data(as_text=True)


def test_the_overdue_list_names_tasks_and_units(client, auth, ledger, db_session):
    ledger.west_task.deadline = date.today() - timedelta(days=5)
    db_session.commit()
    auth.login("staff")
    page = client.get("/ledger/overdue").get_data(as_text=True)
    assert "河西区改造20个小区" in page and "河东区改造30个小区" not in page
    units_file = client.get("/ledger/overdue/export.xlsx?what=units").data
    units = _rows(units_file)
    assert units[1][0] == "A2" and units[1][2] == 1 and units[1][4] == 5
    sheet = load_workbook(io.BytesIO(units_file)).active
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:F2")
    filtered = client.get("/ledger/overdue?unit=A1").get_data(as_text=True)
    assert "河西区改造20个小区" not in filtered


def test_staff_create_a_matter_and_dispatch_a_task(client, auth, ledger, org, db_session):
    auth.login("staff")
    response = client.post("/ledger/matters/new", data={
        "code": "M-NEW", "title": "义务教育薄弱环节改善", "kind": "document", "source_ref": "国办发〔2014〕42号",
        "importance": "4", "public_attention": "3", "people_affected": "1000", "money_affected": "250000"})
    assert response.status_code == 302
    matter_url = response.headers["Location"]
    deadline = (date.today() + timedelta(days=40)).isoformat()
    client.post(matter_url + "/tasks", data={"unit": str(org.county_b1.id), "description": "改造学校5所",
                                             "deadline": deadline, "cadence": "monthly"})
    page = client.get(matter_url).get_data(as_text=True)
    assert "改造学校5所" in page and "城关区" in page

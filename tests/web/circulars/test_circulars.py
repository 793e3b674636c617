"""Circular pages: generate, edit, publish, answer, export; another county's records are not found."""
from __future__ import annotations

import io
import re

from docx import Document
from sqlalchemy import select

from core.circulars.models import Circular, Explanation, ExplanationState


def _generate(client, today, **extra):
    data = {"title": "关于第四季度重点任务的通报", "start": (today.replace(day=1)).isoformat(),
            "end": today.isoformat(), "weight_on_time": "100", "commend": 2, "criticise": 2,
            "explanation_days": 10}
    data.update(extra)
    return client.post("/circulars/new", data=data)


def test_staff_generate_edit_and_publish_then_the_unit_answers(client, login, demo, demo_today):
    login("duchashi")
    form = client.get("/circulars/new").get_data(as_text=True)
    # One labelled number field per measure, named in words; no internal keys to type.
    assert re.search(r'<label for="weight_signal_audit_open_findings">未整改的审计问题</label>', form)
    assert "signal:audit.open_findings" not in form.replace('data-measure="signal:audit.open_findings"', "")
    response = _generate(client, demo_today, start="2020-01-01",
                         end=(demo_today.replace(year=demo_today.year + 1)).isoformat())
    assert response.status_code == 302
    circular_id = int(re.search(r"/circulars/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/circulars/{circular_id}").get_data(as_text=True)
    assert "河西区人民政府" in page and 'id="publish"' in page
    circular = demo.get(Circular, circular_id)
    entry = next(e for e in circular.entries if e.unit.code == "990103")
    client.post(f"/circulars/{circular_id}/entries/{entry.id}",
                data={f"entry-{entry.id}-text": "河西区两项任务逾期未完成，予以通报批评。"})
    assert client.post(f"/circulars/{circular_id}/publish", data={"confirm": "y"}).status_code == 302
    demo.expire_all()
    assert demo.get(Circular, circular_id).number.startswith("示督通〔")
    document = Document(io.BytesIO(client.get(f"/circulars/{circular_id}.docx").data))
    assert any("河西区两项任务逾期未完成" in p.text for p in document.paragraphs)
    assert document.tables[0].rows[1].cells[1].text == "河东区人民政府"

    login("hexi")
    page = client.get(f"/circulars/{circular_id}").get_data(as_text=True)
    assert 'id="explain-form"' in page
    explanation = demo.scalar(select(Explanation).where(Explanation.circular_id == circular_id))
    client.post(f"/circulars/explanations/{explanation.id}", data={"reasons": "水源地审批滞后", "plan": "月底前完成"})
    demo.expire_all()
    assert demo.get(Explanation, explanation.id).state == ExplanationState.submitted


def test_sibling_county_gets_404_for_another_units_explanation_and_drafts(client, login, demo, demo_today):
    login("duchashi")
    end = demo_today.replace(year=demo_today.year + 1).isoformat()
    published_id = int(re.search(r"/circulars/(\d+)", _generate(client, demo_today, start="2020-01-01", end=end)
                                 .headers["Location"]).group(1))
    client.post(f"/circulars/{published_id}/publish", data={"confirm": "y"})
    draft_id = int(re.search(r"/circulars/(\d+)", _generate(client, demo_today, start="2020-01-01", end=end)
                             .headers["Location"]).group(1))
    explanation = demo.scalar(select(Explanation).join(Explanation.unit).where(
        Explanation.circular_id == published_id, Explanation.unit.has(code="990103")))
    login("hedong")  # 河东区's head: a sibling of 河西区
    assert client.get(f"/circulars/{draft_id}").status_code == 404
    assert client.post(f"/circulars/explanations/{explanation.id}",
                       data={"reasons": "x", "plan": "y"}).status_code == 404
    assert client.post(f"/circulars/{draft_id}/publish").status_code == 403
    login("shizhang")  # leaders read but do not publish
    assert client.get(f"/circulars/{draft_id}").status_code == 200
    assert client.post(f"/circulars/{draft_id}/publish").status_code == 403


def test_bad_weights_are_shown_on_the_form(client, login, demo, demo_today):
    login("duchashi")
    page = _generate(client, demo_today, weight_on_time="0").get_data(as_text=True)
    assert "至少一项权重须大于零" in page
    page = _generate(client, demo_today, weight_on_time="-5").get_data(as_text=True)
    assert 'class="field has-error"' in page and 'value="-5"' in page


def test_publishing_needs_the_confirmation_ticked_on_the_server(client, login, demo, demo_today):
    login("duchashi")
    response = _generate(client, demo_today, start="2020-01-01",
                         end=demo_today.replace(year=demo_today.year + 1).isoformat())
    circular_id = int(re.search(r"/circulars/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/circulars/{circular_id}").get_data(as_text=True)
    assert 'name="confirm"' in page and "不可撤回" in page
    refused = client.post(f"/circulars/{circular_id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "请勾选确认" in refused
    demo.expire_all()
    assert demo.get(Circular, circular_id).number == ""
    assert client.post(f"/circulars/{circular_id}/publish", data={"confirm": "y"}).status_code == 302
    demo.expire_all()
    assert demo.get(Circular, circular_id).number.startswith("示督通〔")


def test_xlsx_export_and_public_cases_page(client, login, demo):
    login("duchashi")
    published = demo.scalar(select(Circular).where(Circular.number != ""))
    response = client.get(f"/circulars/{published.id}.xlsx")
    assert response.status_code == 200 and response.data.startswith(b"PK")
    client.post("/logout")
    assert client.get("/cases/").status_code == 200
    assert client.get(f"/circulars/{published.id}").status_code == 302  # to the login page


def test_referral_pages(client, login, demo):
    from core.ledger.models import Task
    from core.org.models import Unit

    login("duchashi")
    task = demo.scalar(select(Task).join(Unit, Unit.id == Task.unit_id).where(Unit.code == "990103"))
    assert client.get(f"/circulars/referrals/new?task={task.id}").status_code == 200
    response = client.post(f"/circulars/referrals/new?task={task.id}",
                           data={"title": "河西区饮水工程逾期", "organ": "青山市纪委监委", "facts": "逾期12天。"})
    assert response.status_code == 302
    bundle = client.get(response.headers["Location"] + ".zip")
    assert bundle.status_code == 200 and bundle.data.startswith(b"PK")
    login("hexi")
    assert client.get(response.headers["Location"]).status_code == 403


def test_a_referrals_evidence_names_what_it_holds(client, login, demo):
    """The evidence showed stored keys: a report's review state, timeline event kinds, signal sources and kinds."""
    from core.ledger.models import Task
    from core.org.models import Unit
    from core.signals import Signal

    login("duchashi")
    task = demo.scalar(select(Task).join(Unit, Unit.id == Task.unit_id).where(Unit.code == "990103"))
    page = client.get(f"/circulars/referrals/new?task={task.id}").get_data(as_text=True)
    evidence = page.split("<h3>", 1)[1]
    assert "dispatched" not in evidence and "已交办" in evidence  # the timeline's events, named
    signals = demo.scalars(select(Signal).where(Signal.unit_id == task.unit_id)).all()
    for signal in signals:
        assert f"{signal.source}/{signal.kind}" not in evidence

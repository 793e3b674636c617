"""Accountability referrals with their evidence, and typical cases with personal details removed."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from core.circulars.cases import approve_case, publish_case, published_cases, redact, save_case
from core.circulars.models import CaseState, ReferralState
from core.circulars.referrals import move_referral, prepare_referral, referral_bundle
from core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from core.signals import record_signal


def identity(text: str) -> str:
    return text


def test_referral_captures_evidence_and_moves_to_its_end(province, db_session, today, tmp_path):
    task = province.west_tasks[0]
    record_signal(db_session, source="media_tips", kind="tips_recent", ref="t1", unit_id=task.unit_id,
                  value=7, observed_on=today)
    staff = province.scope(province.staff)
    referral = prepare_referral(staff, task.id, title="河西区危房改造严重滞后", organ="市纪委监委",
                                facts="任务逾期十天，经督促仍未报送。")
    assert referral.evidence["task"]["unit_code"] == "A2"
    assert referral.evidence["signals"][0]["kind"] == "tips_recent"
    with pytest.raises(InvalidTransition):
        move_referral(staff, referral.id, ReferralState.concluded, note="x")
    move_referral(staff, referral.id, ReferralState.sent)
    move_referral(staff, referral.id, ReferralState.accepted)
    with pytest.raises(ValidationError):
        move_referral(staff, referral.id, ReferralState.concluded)
    move_referral(staff, referral.id, ReferralState.concluded, note="给予诫勉谈话")
    assert [e.state for e in referral.events] == [ReferralState.draft, ReferralState.sent, ReferralState.accepted,
                                                  ReferralState.concluded]
    assert referral.outcome == "给予诫勉谈话"
    bundle = zipfile.ZipFile(io.BytesIO(referral_bundle(staff, referral, identity, today, str(tmp_path))))
    assert {"referral.docx", "evidence.json"} <= set(bundle.namelist())
    assert json.loads(bundle.read("evidence.json"))["task"]["matter_code"] == "SZ-2026-001"


def test_units_and_leaders_cannot_prepare_or_see_referrals(province):
    task = province.west_tasks[0]
    referral = prepare_referral(province.scope(province.staff), task.id, title="t", organ="", facts="f")
    with pytest.raises(NotFound):
        province.scope(province.west).get(type(referral), referral.id)
    assert province.scope(province.leader).get(type(referral), referral.id) is referral
    with pytest.raises(Forbidden):
        prepare_referral(province.scope(province.leader), task.id, title="t", organ="", facts="f")


def test_redaction_masks_ids_phones_mails_and_names():
    text = "张三丰（身份证11010519491231002X，电话13812345678，座机010-12345678，zs@example.cn）反映"
    masked = redact(text, ["张三丰"])
    for secret in ("11010519491231002X", "13812345678", "010-12345678", "zs@example.cn", "张三丰"):
        assert secret not in masked
    assert masked.startswith("张**")


def test_case_is_approved_by_someone_else_then_published(province, db_session):
    staff = province.scope(province.staff)
    case = save_case(staff, None, title="某县危房改造弄虚作假案", body="经办人王小明虚报完成数，联系电话13912345678。",
                     extra_names="王小明")
    assert "王小明" not in case.body and "13912345678" not in case.body
    with pytest.raises(InvalidTransition):
        publish_case(staff, case.id)
    with pytest.raises(Forbidden):
        approve_case(staff, case.id)  # supervisors do not hold cases.approve
    approve_case(province.scope(province.leader), case.id)
    publish_case(staff, case.id)
    assert case.state == CaseState.published
    assert published_cases(db_session) == [case]

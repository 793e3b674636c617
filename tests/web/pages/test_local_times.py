"""Every time a page shows is the instance's local time, never the UTC it is stored in.

Each test pins a stored instant at 20:30 UTC, which is 04:30 the next morning in the
demo's (and Duban's default) zone, Asia/Shanghai: the page must show the local
reading and not the UTC one.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core import clock
from core.audit_log import AuditEntry
from core.scoring.models import ScoringModel
from plugins.media_tips.models import Tip, TipEvent
from plugins.third_party_eval.models import Batch
from tests.web.pages.conftest import visible_text

STORED = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
LOCAL, UTC_TEXT = "2026-03-02 04:30", "2026-03-01 20:30"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return visible_text(response.get_data(as_text=True))


def test_the_default_zone_is_the_instance_zone_and_local_text_reads_it(app):
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == clock.DEFAULT_ZONE == clock.zone_name()
    assert clock.local_text(STORED) == LOCAL
    assert clock.local_text(STORED.replace(tzinfo=None)) == LOCAL  # SQLite's naive UTC
    assert clock.local_text(STORED.isoformat()) == LOCAL  # the audit trail's ISO text


def test_evaluation_batches_show_when_they_were_uploaded_in_local_time(demo, login):
    batch = demo.scalars(select(Batch).order_by(Batch.id)).first()
    batch.uploaded_at = STORED
    demo.commit()
    client = login("duchashi")
    for path in ("/evaluations/", f"/evaluations/matters/{batch.matter_id}"):
        text = _page(client, path)
        assert LOCAL in text and UTC_TEXT not in text, path


def test_model_trainings_show_when_they_were_trained_in_local_time(demo, login):
    model = demo.scalars(select(ScoringModel).order_by(ScoringModel.id.desc())).first()
    model.trained_at = STORED
    demo.commit()
    text = _page(login("duchashi"), "/review/model")
    assert LOCAL in text and UTC_TEXT not in text


def test_a_tips_timeline_shows_local_times_and_names_the_public_form_in_words(demo, login):
    tip = demo.scalars(select(Tip).order_by(Tip.id)).first()
    event = demo.scalars(select(TipEvent).where(TipEvent.tip_id == tip.id)).first()
    event.at, event.actor = STORED, "public"
    demo.commit()
    text = _page(login("duchashi"), f"/tips/{tip.id}")
    assert LOCAL in text and UTC_TEXT not in text
    assert not re.search(r"·\s*public\b", text)  # the actor key, where the history names who moved the tip


def test_the_audit_trail_shows_local_times(demo, login):
    latest = demo.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    page = login("admin").get("/audit/").get_data(as_text=True)
    row = rf'<tr id="audit-{latest.id}"><td>{latest.id}</td><td><time datetime="[^"]*">([^<]*)</time>'
    shown = re.search(row, page)
    assert shown, "the latest entry is listed with its time"
    assert shown.group(1) == clock.local_text(latest.at) != latest.at[:16].replace("T", " ")


@pytest.mark.parametrize("zone", ["Europe/Berlin"])
def test_a_configured_zone_is_used_instead_of_the_default(database_url, tmp_path, zone):
    from tests.conftest import make_app

    make_app(database_url, tmp_path, BABEL_DEFAULT_TIMEZONE=zone)
    try:
        assert clock.zone_name() == zone
        assert clock.local_text(STORED) == "2026-03-01 21:30"
    finally:
        clock.set_zone(None)

"""A new tip tells webhook subscribers where it came from, never what it says or who sent it."""
from __future__ import annotations

from sqlalchemy import select

from core.webhooks import WebhookDelivery, WebhookSubscriber, save_subscriber
from tests.plugins.media_tips.conftest import file_public_tip


def test_a_public_tip_queues_a_tip_created_delivery(client, db_session, org, ledger):
    save_subscriber(db_session, WebhookSubscriber(), name="hotline", url="https://hotline.example/hook",
                    events=["tip.created"])
    db_session.commit()
    file_public_tip(client, "东湖街道老旧小区改造停工三个月，电话13800000000", contact="张三 13800000000")
    [delivery] = db_session.scalars(select(WebhookDelivery)).all()
    data = delivery.payload["data"]
    assert delivery.event == "tip.created" and data["region_code"] == "990102"
    assert "13800000000" not in str(delivery.payload) and "张三" not in str(delivery.payload)

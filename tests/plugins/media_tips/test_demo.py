"""The demo province gets tips at every stage, with or without the ledger's demo matters."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.demo import seed_demo
from core.signals import Signal
from plugins.media_tips.models import Tip, TipFeed, TipState


def test_demo_seeds_tips_at_every_stage(app, db_session):
    seed_demo(db_session, app.extensions["duban.plugins"], date(2026, 3, 1))
    db_session.flush()
    tips = list(db_session.scalars(select(Tip)))
    assert len(tips) >= 5
    states = {tip.state for tip in tips}
    assert {TipState.new, TipState.handed_over, TipState.verified} <= states
    assert any(tip.cluster_id for tip in tips)
    assert db_session.scalar(select(TipFeed)).active is False
    assert db_session.scalar(select(Signal).where(Signal.source == "media_tips")) is not None


def test_demo_without_the_ledger_plugin_data_still_works(app, db_session, monkeypatch):
    from plugins.media_tips import demo

    monkeypatch.setattr(demo, "_texts", lambda session, units: list(demo.UNIT_TIPS))
    seed_demo(db_session, app.extensions["duban.plugins"], date(2026, 3, 1))
    assert len(list(db_session.scalars(select(Tip)))) >= len(demo.UNIT_TIPS)


def test_the_core_runs_with_the_tips_plugin_blocked(database_url, connection, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, BLOCKED_PLUGINS=["media_tips"])
    app.extensions["duban.db"].bind(connection)
    client = app.test_client()
    assert client.get("/tips/new").status_code == 404
    assert client.get("/login").status_code == 200
    app.extensions["duban.db"].dispose()

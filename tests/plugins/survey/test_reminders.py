"""Reminders to invitees who have not answered: e-mailed with their own link, once a week, at most
twice, never twice a day; the database alone still cannot answer in anyone's name."""
from __future__ import annotations

import csv
import io
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from core.access.models import Role
from core.notify.models import Notification, NotificationKey
from plugins.survey import service
from plugins.survey.models import Access, SurveyInvitation
from plugins.survey.reminders import MAX_REMINDERS, Cadence, send_reminders
from plugins.survey.tokens import hash_token, invitation_token, new_invitation_nonce
from tests.conftest import PASSWORD, _free_port

GOOD = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
        "comment": "很好"}
INVITEES = "email,name,unit_code\nzhang@example.cn,张三,A1\n,李四,A2\n".encode()
TODAY = date.today()
DUE = TODAY + timedelta(days=7)  # a week after the invitations of TODAY


@pytest.fixture
def invitation_survey(make_survey, db_session):
    survey = make_survey()
    survey.access = Access.invitation
    db_session.commit()
    return survey


def invite(app: Any, db_session: Any, survey: Any, body: bytes = INVITEES, day: date = TODAY) -> dict[str, str]:
    """Invite the people in ``body``; returns each invitee's name → token, as staff download them."""
    made = service.invite(db_session, survey, body, "list.csv", day, secret=app.config["SECRET_KEY"])
    db_session.commit()
    return {invitation.name: token for invitation, token in made}


def run(app: Any, day: date) -> Any:
    return send_reminders(app.extensions["duban.db"], app.config, day)


def invitation(db_session: Any, name: str) -> SurveyInvitation:
    db_session.expire_all()
    return db_session.scalar(select(SurveyInvitation).where(SurveyInvitation.name == name))


def to(inbox: Any, address: str) -> list[Any]:
    return [message for message in inbox.messages if message["To"] == address]


def owner_notices(db_session: Any, survey: Any) -> list[str]:
    return list(db_session.scalars(select(NotificationKey.key).where(
        NotificationKey.key.like(f"survey:{survey.id}:reminders:%"))))


def test_an_invitee_is_reminded_once_with_a_link_that_answers(app, client, org, invitation_survey, db_session,
                                                              smtp_server, form_token) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    survey = invitation_survey
    org.user("sup_a", Role.supervisor, org.city_a)
    tokens = invite(app, db_session, survey)
    assert run(app, DUE - timedelta(days=1)).emailed == 0  # not a week yet

    first = run(app, DUE)
    assert (first.emailed, first.to_staff, first.error) == (1, 1, None)  # 李四 has no address: staff remind him
    assert run(app, DUE).emailed == 0 and run(app, DUE + timedelta(days=1)).emailed == 0  # not twice a day, weekly
    [reminder] = to(inbox, "zhang@example.cn")
    link = f"https://duban.example.org/s/{survey.slug}?t={tokens['张三']}"
    body = reminder.get_content()
    assert survey.title in reminder["Subject"] and "提醒" in reminder["Subject"]
    assert link in body and "张三" in body and "尚未作答" in body
    zhang = invitation(db_session, "张三")
    assert (zhang.reminders_sent, zhang.last_reminded_on) == (1, DUE)
    assert owner_notices(db_session, survey) == [f"survey:{survey.id}:reminders:{DUE.isoformat()}"]

    page = client.get(link.removeprefix("https://duban.example.org"))
    assert page.status_code == 200
    path = f"/s/{survey.slug}"
    answered = client.post(path, data={**GOOD, "form_token": form_token(page.get_data(as_text=True)),
                                       "invitation": tokens["张三"]})
    assert answered.status_code == 303
    assert invitation(db_session, "张三").responded_on is not None
    assert run(app, DUE + timedelta(days=7)).emailed == 0
    assert len(to(inbox, "zhang@example.cn")) == 1


def test_duban_tick_runs_the_reminders_job(app, runner, invitation_survey, db_session, smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    tokens = invite(app, db_session, invitation_survey, day=TODAY - timedelta(days=8))
    first = runner.invoke(args=["tick"])
    second = runner.invoke(args=["tick"])
    assert "survey: 1 reminder e-mail(s) sent, 1 left to the owning units" in first.output, first.output
    assert "survey: 0 reminder e-mail(s) sent, 0 left to the owning units" in second.output, second.output
    [reminder] = to(inbox, "zhang@example.cn")
    assert f"/s/{invitation_survey.slug}?t={tokens['张三']}" in reminder.get_content()


def test_at_most_max_reminders_weekly_and_only_while_the_survey_is_open(app, invitation_survey, db_session,
                                                                       smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    invite(app, db_session, invitation_survey)
    sent = [run(app, TODAY + timedelta(days=days)).emailed for days in range(36)]
    assert sum(sent) == MAX_REMINDERS == len(to(inbox, "zhang@example.cn"))
    assert [days for days, count in enumerate(sent) if count] == [7, 14]

    invitation_survey.closes_on = TODAY + timedelta(days=3)
    db_session.commit()
    invite(app, db_session, invitation_survey, body="email,name\nwang@example.cn,王五\n".encode())
    assert run(app, DUE).emailed == 0 and to(inbox, "wang@example.cn") == []  # closed by then


@pytest.mark.parametrize("app_config", [{"PLUGIN_SETTINGS": {"survey": {"reminder_every_days": 3,
                                                                        "max_reminders": 3}}}])
def test_the_cadence_is_the_plugins_settings(app, invitation_survey, db_session, smtp_server, app_config) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    invite(app, db_session, invitation_survey)
    with app.app_context():
        cadence = Cadence.configured()
    assert cadence == Cadence(every_days=3, most=3)
    sent = [send_reminders(app.extensions["duban.db"], app.config, TODAY + timedelta(days=days), cadence).emailed
            for days in range(20)]
    assert [days for days, count in enumerate(sent) if count] == [3, 6, 9]
    assert len(to(inbox, "zhang@example.cn")) == 3


def test_the_reminder_speaks_the_surveys_language(app, invitation_survey, db_session, smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    invitation_survey.definition = {**invitation_survey.definition, "default_language": "English (en)"}
    invitation_survey.closes_on = DUE + timedelta(days=10)
    db_session.commit()
    invite(app, db_session, invitation_survey)
    assert run(app, DUE).emailed == 1
    [reminder] = to(inbox, "zhang@example.cn")
    assert reminder["Subject"] == f"Reminder: please answer the survey {invitation_survey.title}"
    body = reminder.get_content()
    assert "Dear 张三," in body and "have not answered yet" in body
    assert f"until {(DUE + timedelta(days=10)).isoformat()}" in body


def test_a_mail_server_that_is_down_sends_nothing_and_marks_nothing(app, invitation_survey, db_session,
                                                                     smtp_server) -> None:
    inbox, mail = smtp_server
    invite(app, db_session, invitation_survey, body=b"email,name\nzhang@example.cn,Zhang\n")
    app.config.update({**mail, "MAIL_PORT": _free_port(), "MAIL_TIMEOUT": 2})  # nobody listens there
    down = run(app, DUE)
    assert (down.emailed, down.to_staff) == (0, 0) and down.error
    zhang = invitation(db_session, "Zhang")
    assert (zhang.reminders_sent, zhang.last_reminded_on) == (0, None)
    assert owner_notices(db_session, invitation_survey) == []

    app.config.update(mail)  # the server is back: the reminder is still due, and goes out
    assert run(app, DUE).emailed == 1 and len(inbox.messages) == 1


def test_a_server_that_refuses_for_now_or_for_good(app, invitation_survey, db_session, smtp_server) -> None:
    from aiosmtpd.controller import Controller

    class Picky:
        """Refuses one address for good, and says 'later' to every message."""

        def __init__(self) -> None:
            self.offered: list[str] = []

        async def handle_RCPT(self, _server, session, envelope, address, _options):
            self.offered.append(address)
            if address.startswith("nobody@"):
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, _server, _session, _envelope):
            return "451 try again later"

    inbox, mail = smtp_server
    invite(app, db_session, invitation_survey, body=b"email,name\nnobody@example.cn,Nobody\nzhang@example.cn,Zhang\n")
    stored_before_uploads_were_checked(app, db_session, invitation_survey, "li@example.cn, wang@example.cn", "Li")
    invite(app, db_session, invitation_survey, body=b"email,name\nwang@example.cn,Wang\n")
    port, picky = _free_port(), Picky()
    controller = Controller(picky, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update({**mail, "MAIL_PORT": port})
        result = run(app, DUE)
    finally:
        controller.stop()
    # Nobody's address is refused and Li's is two addresses: staff remind them. Zhang and Wang
    # were only told 'later': they stay due, and a passing refusal does not end the run.
    assert picky.offered == ["nobody@example.cn", "zhang@example.cn", "wang@example.cn"]
    assert (result.emailed, result.to_staff, result.error) == (0, 2, None)
    assert [invitation(db_session, name).reminders_sent for name in ("Nobody", "Li", "Zhang", "Wang")] == [1, 1, 0, 0]
    app.config.update(mail)
    assert run(app, DUE).emailed == 2 and sorted(message["To"] for message in inbox.messages) == [
        "wang@example.cn", "zhang@example.cn"]


def stored_before_uploads_were_checked(app: Any, db_session: Any, survey: Any, email: str, name: str) -> None:
    """An invitation with a working link whose address an upload would now refuse."""
    nonce = new_invitation_nonce()
    db_session.add(SurveyInvitation(survey_id=survey.id, token_nonce=nonce, email=email, name=name, invited_on=TODAY,
                                    token_hash=hash_token(invitation_token(app.config["SECRET_KEY"], nonce))))
    db_session.commit()


def test_a_stored_address_mail_cannot_go_to_is_left_to_the_owning_unit(app, org, invitation_survey, db_session,
                                                                        smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    officer = org.user("sup_a", Role.supervisor, org.city_a)
    bad = ["zhang..san@example.cn", "li@-example.cn", "Wang <wang@example.cn>", "zhao@example"]
    for number, email in enumerate(bad):
        stored_before_uploads_were_checked(app, db_session, invitation_survey, email, f"Old {number}")
    invite(app, db_session, invitation_survey, body=b"email,name\nqian@example.cn,Qian\n")
    result = run(app, DUE)
    # Nothing is offered to the mail server but Qian's reminder; the others are not lost but
    # counted in the owning unit's notice, and not offered again the next day.
    assert (result.emailed, result.to_staff, result.error) == (1, 4, None)
    assert [message["To"] for message in inbox.messages] == ["qian@example.cn"]
    assert [invitation(db_session, f"Old {number}").reminders_sent for number in range(4)] == [1, 1, 1, 1]
    notice = db_session.scalar(select(Notification).where(Notification.user_id == officer.id))
    assert notice is not None and notice.link == f"/surveys/{invitation_survey.id}"
    assert run(app, DUE + timedelta(days=1)).to_staff == 0


def test_legacy_invitations_and_instances_without_mail_are_left_to_the_owning_unit(
        app, client, org, invitation_survey, db_session, smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    officer = org.user("sup_a", Role.supervisor, org.city_a)
    db_session.add(SurveyInvitation(survey_id=invitation_survey.id, token_hash=hash_token("made-before-nonces"),
                                    email="old@example.cn", name="Old", invited_on=TODAY))
    db_session.commit()
    result = run(app, DUE)
    assert (result.emailed, result.to_staff) == (0, 1) and inbox.messages == []
    assert invitation(db_session, "Old").reminders_sent == 1
    notice = db_session.scalar(select(Notification).where(Notification.user_id == officer.id))
    assert notice is not None and notice.link == f"/surveys/{invitation_survey.id}"
    assert client.get(f"/s/{invitation_survey.slug}?t=made-before-nonces").status_code == 200  # still answers

    app.config["MAIL_SERVER"] = ""  # an instance that sends no mail: the owning unit's notice for all
    invite(app, db_session, invitation_survey, body=b"email,name\nzhang@example.cn,Zhang\n")
    later = run(app, DUE)
    assert (later.emailed, later.to_staff) == (0, 0)  # today's notice is out: Zhang waits for tomorrow's
    assert invitation(db_session, "Zhang").reminders_sent == 0
    assert run(app, DUE + timedelta(days=1)).to_staff == 1 and inbox.messages == []
    assert len(owner_notices(db_session, invitation_survey)) == 2


def test_a_changed_secret_key_sends_no_broken_links(app, invitation_survey, db_session, smtp_server) -> None:
    inbox, mail = smtp_server
    app.config.update(mail)
    invite(app, db_session, invitation_survey)
    app.config["SECRET_KEY"] = "another-secret"
    result = run(app, DUE)
    assert (result.emailed, result.to_staff) == (0, 2) and inbox.messages == []


def test_the_database_alone_does_not_reveal_the_token(app, invitation_survey, db_session) -> None:
    tokens = invite(app, db_session, invitation_survey)
    token = tokens["张三"]
    rows = db_session.execute(text("SELECT * FROM survey_invitations")).mappings().all()
    stored = [str(value) for row in rows for value in row.values() if value is not None]
    assert stored and not any(token in value for value in stored)
    zhang = invitation(db_session, "张三")
    assert zhang.token_nonce and zhang.token_hash == hash_token(token)
    assert token == invitation_token(app.config["SECRET_KEY"], zhang.token_nonce)
    # Without the secret key, the nonce and the hash lead nowhere.
    for guess in (zhang.token_nonce, invitation_token("", zhang.token_nonce),
                  invitation_token("guessed-secret", zhang.token_nonce)):
        assert hash_token(guess) != zhang.token_hash


def test_the_links_download_carries_the_derived_tokens(app, client, org, invitation_survey, db_session) -> None:
    org.user("sup_a", Role.supervisor, org.city_a)
    client.post("/login", data={"username": "sup_a", "password": PASSWORD})
    page = client.post(f"/surveys/{invitation_survey.id}/invitations",
                       data={"file": (io.BytesIO(INVITEES), "list.csv")}, content_type="multipart/form-data")
    links = {row["name"]: row["link"] for row in csv.DictReader(io.StringIO(page.get_data(as_text=True)
                                                                            .lstrip("\ufeff")))}
    zhang = invitation(db_session, "张三")
    assert zhang.token_nonce is not None
    assert links["张三"].endswith(f"/s/{invitation_survey.slug}?t="
                                 + invitation_token(app.config["SECRET_KEY"], zhang.token_nonce))


@pytest.mark.skipif("postgresql" not in (__import__("os").environ.get("DUBAN_TEST_DATABASE_URL") or ""),
                    reason="two runs at once, on PostgreSQL")
def test_two_runs_at_once_send_a_reminder_once(tmp_path, smtp_server, monkeypatch) -> None:
    import os

    import core.models  # noqa: F401  (every table in the metadata)
    from core.db import Base, scratch_database
    from plugins.survey import reminders
    from tests.conftest import Org, make_app
    from tests.plugins.survey.conftest import form_bytes

    inbox, mail = smtp_server
    with scratch_database(os.environ["DUBAN_TEST_DATABASE_URL"], "duban_reminders") as url:
        app = make_app(url, tmp_path, **mail)
        db = app.extensions["duban.db"]
        Base.metadata.create_all(db.engine)
        with db.transaction(actor="tests") as session:
            org = Org(session)
            survey = service.create_survey(session, form_bytes("demo"), owner_unit_id=org.city_a.id, publish=True)
            service.invite(session, survey, b"email,name\nzhang@example.cn,Zhang\n", "list.csv", TODAY,
                           secret=app.config["SECRET_KEY"])
        real_send = reminders.send_plain
        second: list[Any] = []

        def send_while_another_run_claims(*args: Any) -> None:
            # The first run holds its claim while the second tries to take the same reminder.
            if not second:
                thread = threading.Thread(target=lambda: second.append(send_reminders(db, app.config, DUE)))
                second.append(thread)
                thread.start()
                _wait_for_a_lock_wait(db)
            real_send(*args)

        monkeypatch.setattr(reminders, "send_plain", send_while_another_run_claims)
        first = send_reminders(db, app.config, DUE)
        second[0].join(timeout=90)
        assert first.emailed == 1 and second[1].emailed == 0
        assert len(inbox.messages) == 1
        with db.transaction() as session:
            assert session.scalar(select(SurveyInvitation.reminders_sent)) == 1
        db.dispose()


def _wait_for_a_lock_wait(db: Any) -> None:
    """Until another connection waits for a row lock (the second run's claim)."""
    deadline = time.monotonic() + 60  # a loaded machine (two suites at once) is slow to start the second run
    with db.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                              "AND datname = current_database()")).scalar()
            if waiting:
                return
            # pg_stat_activity is read once per transaction: end it, or every poll sees the first one's view.
            connection.rollback()
            time.sleep(0.05)
    raise AssertionError("the second run never tried to claim the reminder")

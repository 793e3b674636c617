"""Notifications: made once per key, shown in the reader's language, e-mailed once."""
from __future__ import annotations

from sqlalchemy import func, select

from core.access.models import Role
from core.i18n import message, translator
from core.notify import (
    EmailState,
    Notification,
    deliver_email,
    mark_all_read,
    notify,
    render_subject,
    unread_count,
)


def _subject(code: str = "M-1"):
    return message("Task %(code)s is due in %(days)s days", code=code, days=3)


def test_a_key_is_used_once_whatever_the_recipients(db_session, org):
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    other = org.user("other", Role.unit_officer, org.county_a2)
    first = notify(db_session, key="task:1:due-soon", subject=_subject(), body=_subject(), user_ids=[officer.id])
    again = notify(db_session, key="task:1:due-soon", subject=_subject(), body=_subject(),
                   user_ids=[officer.id, other.id])
    assert (first, again) == (1, 0)
    assert unread_count(db_session, officer.id) == 1
    assert unread_count(db_session, other.id) == 0


def test_a_unit_means_its_active_users(db_session, org):
    first = org.user("first", Role.unit_officer, org.county_a1)
    second = org.user("second", Role.unit_officer, org.county_a1, head=True)
    gone = org.user("gone", Role.unit_officer, org.county_a1)
    gone.active = False
    org.user("elsewhere", Role.unit_officer, org.county_a2)
    db_session.commit()
    created = notify(db_session, key="urge:1", subject=_subject(), body=_subject(),
                     unit_id=org.county_a1.id, user_ids=[first.id])
    assert created == 2
    recipients = set(db_session.scalars(select(Notification.user_id)))
    assert recipients == {first.id, second.id}


def test_subject_is_shown_in_the_readers_language(db_session, org):
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    notify(db_session, key="k", subject=message("Urging notice (催办) for task %(code)s", code="M-7"),
           body=_subject(), user_ids=[officer.id])
    stored = db_session.scalar(select(Notification))
    assert render_subject(stored, translator("en")) == "Urging notice (催办) for task M-7"
    assert "M-7" in render_subject(stored, translator("zh_CN"))
    assert mark_all_read(db_session, officer.id) == 1
    assert unread_count(db_session, officer.id) == 0


def test_email_goes_out_once_to_a_local_smtp_server(db_session, org, smtp_server):
    inbox, config = smtp_server
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    officer.email = "officer@example.org"
    silent = org.user("silent", Role.unit_officer, org.county_a1)  # no address
    db_session.commit()
    notify(db_session, key="task:9:overdue", subject=_subject("M-9"), body=_subject("M-9"),
           link="/ledger/tasks/9", user_ids=[officer.id, silent.id])
    db_session.commit()

    first = deliver_email(db_session, config)
    second = deliver_email(db_session, config)

    assert (first.sent, second.sent) == (1, 0)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "officer@example.org"
    assert "M-9" in mail["Subject"]
    assert "https://duban.example.org/ledger/tasks/9" in mail.get_content()
    states = dict(db_session.execute(select(Notification.user_id, Notification.email_state)).all())
    assert states == {officer.id: EmailState.sent, silent.id: EmailState.none}


def test_an_unreachable_server_leaves_mail_pending(db_session, org):
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    officer.email = "officer@example.org"
    db_session.commit()
    notify(db_session, key="k2", subject=_subject(), body=_subject(), user_ids=[officer.id])
    db_session.commit()
    result = deliver_email(db_session, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "MAIL_TIMEOUT": 2})
    assert result.error and result.sent == 0
    pending = db_session.scalar(select(func.count()).where(Notification.email_state == EmailState.pending))
    assert pending == 1

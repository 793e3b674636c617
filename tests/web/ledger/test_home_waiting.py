"""The home page tells a unit's officer what is waiting: to sign, to report, near the deadline, overdue."""
from __future__ import annotations

import re
from datetime import date, timedelta

from core.access.scope import Scope
from core.ledger.dispatch import dispatch_task
from core.ledger.models import TaskState


def _counts(page: str) -> dict[str, int]:
    block = page.split('id="waiting"', 1)[1].split("</ul>", 1)[0]
    return {label: int(count) for count, label in
            re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", block)}


def test_a_county_officer_sees_what_waits_for_the_unit_and_each_count_opens_its_list(client, auth, ledger, org,
                                                                                   db_session):
    today = date.today()
    scope = Scope(db_session, ledger.staff)
    soon = dispatch_task(scope, ledger.matter, unit_id=org.county_a1.id, description="河东区三日内完成排查",
                         deadline=today + timedelta(days=2), today=today)
    late = dispatch_task(scope, ledger.matter, unit_id=org.county_a1.id, description="河东区上月应完成的清单",
                         deadline=today + timedelta(days=20), today=today)
    db_session.commit()
    late.deadline = today - timedelta(days=4)
    ledger.east_task.state = TaskState.signed
    db_session.commit()

    auth.login("east")
    counts = _counts(client.get("/").get_data(as_text=True))
    assert counts == {"待签收": 2, "待报送": 1, "退回重报": 0, "即将到期": 1, "逾期": 1}
    page = client.get("/").get_data(as_text=True)
    lists = {label: url for url, label in re.findall(r'<li><a href="([^"]+)"><strong>\d+</strong><span>([^<]+)</span>',
                                                     page.split('id="waiting"', 1)[1].split("</ul>", 1)[0])}
    to_sign = client.get(lists["待签收"].replace("&amp;", "&")).get_data(as_text=True)
    assert "河东区三日内完成排查" in to_sign and "河东区上月应完成的清单" in to_sign
    assert "河东区改造30个小区" not in to_sign  # already signed
    near = client.get(lists["即将到期"].replace("&amp;", "&")).get_data(as_text=True)
    assert "河东区三日内完成排查" in near and "河东区上月应完成的清单" not in near
    assert soon.id != late.id

    auth.logout()
    auth.login("west")  # the sibling county counts only its own task
    assert _counts(client.get("/").get_data(as_text=True)) == {"待签收": 1, "待报送": 0, "退回重报": 0,
                                                               "即将到期": 0, "逾期": 0}
    auth.logout()
    auth.login("staff")  # staff review; they do not report, so nothing waits for their unit here
    assert 'id="waiting"' not in client.get("/").get_data(as_text=True)

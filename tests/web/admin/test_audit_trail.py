"""The audit trail page reads as words: actions and tables named, changes field by field, local times,
and the stored JSON still there for auditors."""
from __future__ import annotations

import re
from html import unescape

from core.access.models import Role
from web.audit_trail import changes


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="audit-\d+">(.*?)</tr>', html, re.S)


def _visible(html: str) -> str:
    without_raw = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_raw))


def test_a_change_is_shown_with_its_action_table_and_fields_in_words(client, auth, org, db_session):
    org.user("admin", Role.admin)
    org.county_a1.name = "河东新区"
    db_session.commit()
    auth.login("admin")
    html = client.get("/audit/?table=units").get_data(as_text=True)
    [row] = [r for r in _rows(html) if "河东新区" in r]
    text = _visible(row)
    assert "修改" in text and "单位" in text
    assert "名称 : 河东区 → 河东新区" in text or "名称: 河东区 → 河东新区" in re.sub(r" :", ":", text)
    assert "update" not in text and "units" not in text
    # The stored values stay available to auditors, behind a details element.
    assert re.search(r'<details class="raw">.*"name": "河东新区"', unescape(row), re.S)
    # The filter lists tables by name.
    assert re.search(r'<option value="units" selected>单位</option>', html)


def test_the_page_reads_in_english_too(client, auth, org, db_session):
    org.user("admin", Role.admin)
    auth.login("admin")
    client.post("/lang", data={"lang": "en"})
    html = client.get("/audit/?table=users").get_data(as_text=True)
    text = _visible("".join(_rows(html)))
    assert "Created" in text and "Users" in text and "User name: admin" in re.sub(r" :", ":", text)
    assert "Password: (hidden)" in re.sub(r" :", ":", text)


def test_changes_list_only_what_differs_with_labels_where_known(app):
    before = {"id": 1, "title": "旧", "state": "draft", "extra": 1}
    after = {"id": 1, "title": "新", "state": "draft", "extra": 2}
    with app.test_request_context():
        from flask_babel import gettext

        found = changes(before, after)
        title = gettext("Title")
    assert [(c.label, c.before, c.after) for c in found] == [(title, "旧", "新"), ("extra", "1", "2")]

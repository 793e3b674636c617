"""A tip is filed once however often the browser sends its form: the post redirects to the receipt,
a reload shows that receipt again, Back and send files nothing new; independent sources are counted
by origin, so one person sending again does not look like public attention."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from plugins.media_tips.clustering import independent_sources
from plugins.media_tips.models import Tip, TipCluster, TipSource
from tests.plugins.media_tips.conftest import RECEIPT, file_public_tip, form_token

TEXT = "河东区东湖街道老旧小区改造，加装电梯一直没有动工，施工队来了一次就走了。"


def _post(client, token, text=TEXT):
    return client.post("/tips/new", data={"text": text, "region": "990102", "category": "slow_action",
                                          "form_token": token}, content_type="multipart/form-data")


def _tips(db_session):
    return db_session.scalar(select(func.count()).select_from(Tip))


def test_the_post_redirects_to_a_receipt_that_a_reload_shows_again(client, db_session, org):
    sent = _post(client, form_token(client))
    assert sent.status_code == 303
    receipt = sent.headers["Location"]
    first, again = client.get(receipt), client.get(receipt)
    assert first.status_code == again.status_code == 200
    code = RECEIPT.search(first.get_data(as_text=True)).group(1)
    assert RECEIPT.search(again.get_data(as_text=True)).group(1) == code
    assert _tips(db_session) == 1


def test_back_and_send_of_the_same_form_files_nothing_and_shows_the_first_receipt(client, db_session, org):
    token = form_token(client)
    first = _post(client, token)
    code = RECEIPT.search(client.get(first.headers["Location"]).get_data(as_text=True)).group(1)
    again = _post(client, token, text=TEXT + "（再次提交）")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert RECEIPT.search(client.get(again.headers["Location"]).get_data(as_text=True)).group(1) == code
    assert _tips(db_session) == 1


def test_the_same_words_sent_again_from_a_fresh_rendering_show_the_first_receipt(app, client, db_session, org):
    # Back fetched the form anew (a new token) and the browser put the typed text back.
    first = _post(client, form_token(client))
    again = _post(client, form_token(client))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert RECEIPT.search(client.get(again.headers["Location"]).get_data(as_text=True))
    assert _tips(db_session) == 1
    # Other words from the same browser, or the same words from another browser, are another tip.
    assert _post(client, form_token(client), text=TEXT + "补充：已经一个月了。").headers["Location"] != \
        first.headers["Location"]
    other = app.test_client()
    assert _post(other, form_token(other)).status_code == 303
    assert _tips(db_session) == 3


def test_a_receipt_opens_only_in_the_browser_that_filed_the_tip(app, client, db_session, org):
    location = _post(client, form_token(client)).headers["Location"]
    assert app.test_client().get(location).status_code == 404
    assert client.get("/tips/received/" + "0" * 32).status_code == 404


def test_a_post_without_a_form_token_or_from_another_browser_files_nothing(app, client, db_session, org):
    refused = _post(client, "")
    assert refused.status_code == 400 and 'class="error"' in refused.get_data(as_text=True)
    other = app.test_client()
    other.get("/tips/new")  # its own browser cookie
    stolen = form_token(client)
    assert other.post("/tips/new", data={"text": TEXT, "region": "990102", "category": "other",
                                         "form_token": stolen, "csrf_token": other.csrf_token()},
                      content_type="multipart/form-data").status_code == 400
    assert _tips(db_session) == 0


def test_the_receipt_can_be_saved_as_a_text_file(client, org):
    location = _post(client, form_token(client)).headers["Location"]
    code = RECEIPT.search(client.get(location).get_data(as_text=True)).group(1)
    saved = client.get(location + "/receipt.txt")
    assert saved.status_code == 200 and saved.mimetype == "text/plain"
    assert "attachment" in saved.headers["Content-Disposition"]
    text = saved.get_data(as_text=True)
    assert code in text and re.search(r"T\d{8}-[0-9A-F]{6}", text) and "/tips/status" in text


def test_the_tip_number_entered_for_a_lookup_says_to_enter_the_query_code(client, db_session, org):
    file_public_tip(client, TEXT)
    ref = db_session.scalar(select(Tip.ref))
    page = client.post("/tips/status", data={"code": ref})
    assert page.status_code == 400
    assert 'id="number-given"' in page.get_data(as_text=True)
    assert ref not in page.get_data(as_text=True).split('id="number-given"')[1].split("</p>")[0]


def test_the_region_list_groups_counties_under_their_city(client, org):
    page = client.get("/tips/new").get_data(as_text=True)
    select_html = page.split('name="region"')[1].split("</select>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html, re.DOTALL)
    assert [label for label, _options in groups] == ["青山市", "白水市"]
    assert re.findall(r'value="(\d+)"', groups[0][1]) == ["990100", "990102", "990103"]
    assert 'value="990000"' in select_html.split("<optgroup")[0]


def test_sending_again_from_the_same_browser_is_not_another_source(client, db_session, org):
    file_public_tip(client, TEXT)
    file_public_tip(client, TEXT.replace("一直没有动工", "到现在也没有动工"))  # a second rendering, same browser
    cluster = db_session.scalar(select(TipCluster))
    assert cluster is not None and cluster.size == 2
    assert cluster.sources == 1


def _tip(ref, text, day, source=TipSource.public, **origin):
    return Tip(ref=ref, source=source, text=text, received_on=day, contact="", url="", **origin)


def test_independent_sources_join_tips_by_form_browser_contact_or_the_same_words_within_a_day():
    day = date(2026, 3, 2)
    other_day = date(2026, 3, 9)
    assert independent_sources([_tip("T1", "甲", day), _tip("T2", "乙", day)]) == 2
    assert independent_sources([_tip("T1", "甲", day, browser_digest="b"),
                                _tip("T2", "乙", day, browser_digest="b")]) == 1
    assert independent_sources([_tip("T1", "甲", day, form_digest="f"), _tip("T2", "乙", day, form_digest="f")]) == 1
    # The same words (width and spacing aside) the next day are the same person; a week later they are not.
    assert independent_sources([_tip("T1", "电梯 没动工", day), _tip("T2", "电梯没动工", date(2026, 3, 3))]) == 1
    assert independent_sources([_tip("T1", "电梯没动工", day), _tip("T2", "电梯没动工", other_day)]) == 2
    # Joined through a third: the browser links 1 and 2, the words link 2 and 3.
    assert independent_sources([_tip("T1", "甲", day, browser_digest="b"), _tip("T2", "乙", day, browser_digest="b"),
                                _tip("T3", "乙", day, browser_digest="c")]) == 1


def test_the_form_page_is_kept_for_back_so_its_token_comes_back_with_it(client, org):
    assert client.get("/tips/new").headers["Cache-Control"] == "private, no-cache"

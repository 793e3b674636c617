"""Invitee lists are checked row by row before anything is stored, like every import: an address
mail cannot go to, an address invited twice or an unknown unit is refused with its row, and the
list is taken whole or not at all."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from core.apitypes import RowsRejected
from core.i18n import translator
from core.importing import FileRejected
from core.notify.delivery import mail_translation_dirs
from plugins.survey import service
from plugins.survey.models import SurveyInvitation

TODAY = date.today()


def invite(app: Any, db_session: Any, survey: Any, body: bytes, filename: str = "list.csv") -> list[Any]:
    made = service.invite(db_session, survey, body, filename, TODAY, secret=app.config["SECRET_KEY"])
    db_session.commit()
    return [invitation for invitation, _token in made]


def refused(app: Any, db_session: Any, survey: Any, body: bytes, locale: str = "en") -> list[str]:
    """The problems of a refused list, one line each, in ``locale``."""
    with pytest.raises(RowsRejected) as caught:
        service.invite(db_session, survey, body, "list.csv", TODAY, secret=app.config["SECRET_KEY"])
    db_session.rollback()
    gettext = translator(locale, mail_translation_dirs(app.config))  # core's catalogue and the plugins'
    return [error.render(gettext) for error in caught.value.rows]


def stored(db_session: Any, survey: Any) -> int:
    return db_session.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey.id)) or 0


def upload(client: Any, survey: Any, body: bytes, filename: str = "list.csv") -> Any:
    return client.post(f"/surveys/{survey.id}/invitations", data={"file": (io.BytesIO(body), filename)},
                       content_type="multipart/form-data")


def test_a_good_list_in_chinese_headers_or_excel_is_taken(app, org, make_survey, db_session) -> None:
    from openpyxl import Workbook

    survey = make_survey()
    made = invite(app, db_session, survey,
                  "邮箱,姓名,单位代码\n Zhang.San@Example.CN ,张三,A1\n,李四,A2\n,,\n".encode())
    assert [(i.email, i.name, i.unit_id) for i in made] == [("Zhang.San@Example.CN", "张三", org.county_a1.id),
                                                             ("", "李四", org.county_a2.id)]
    book = Workbook()
    book.active.append(["E-mail", "Name"])
    book.active.append(["wang@example.cn", "王五"])
    data = io.BytesIO()
    book.save(data)
    assert [i.email for i in invite(app, db_session, survey, data.getvalue(), "list.xlsx")] == ["wang@example.cn"]
    assert stored(db_session, survey) == 3


@pytest.mark.parametrize("address", ["zhang@example", "zhang san@example.cn", "Zhang <zhang@example.cn>",
                                     "zhang@example.cn; li@example.cn", "zhang..san@example.cn", "zhang@"])
def test_an_address_mail_cannot_go_to_is_refused(app, make_survey, db_session, address) -> None:
    survey = make_survey()
    body = f'email,name\nli@example.cn,李四\n"{address}",张三\n'.encode()
    assert refused(app, db_session, survey, body) == [
        f"Row 3, column email: {address} is not a valid e-mail address."]
    assert stored(db_session, survey) == 0


def test_an_address_twice_in_the_file_or_already_invited_is_refused(app, make_survey, db_session) -> None:
    survey, other = make_survey(), make_survey()
    invite(app, db_session, survey, b"email\nli@example.cn\n")
    invite(app, db_session, other, b"email\nwang@example.cn\n")  # another survey's invitees do not count
    body = b"email,name\nzhang@example.cn,A\nwang@example.cn,B\nZHANG@example.cn,C\nLi@Example.cn,D\n"
    assert refused(app, db_session, survey, body) == [
        "Row 4, column email: The address ZHANG@example.cn already appears on row 2.",
        "Row 5, column email: The address Li@Example.cn is already invited to this survey.",
    ]
    assert stored(db_session, survey) == 1


def test_an_unknown_unit_code_is_refused(app, make_survey, db_session) -> None:
    survey = make_survey()
    assert refused(app, db_session, survey, "name,unit_code\n张三,A1\n李四,Z9\n".encode()) == [
        "Row 3, column unit_code: No unit has the code Z9."]
    assert stored(db_session, survey) == 0


def test_every_bad_row_is_named_and_none_is_stored(app, make_survey, db_session) -> None:
    survey = make_survey()
    long_address = "x" * 64 + "@" + "y" * 63 + "." + "z" * 63 + "." + "example.cn"  # 203 characters
    body = (f"email,name,unit_code\nzhang@example.cn,张三,A1\nnot-an-address,李四,A1\nzhang@example.cn,王五,A2\n"
            f"zhao@example.cn,赵六,Q7\n{long_address},钱七,A1\n").encode()
    assert refused(app, db_session, survey, body, locale="zh_CN") == [
        "第 3 行，列 email（邮箱）：not-an-address 不是有效的电子邮件地址。",
        "第 4 行，列 email（邮箱）：地址 zhang@example.cn 已在第 2 行出现。",
        "第 5 行，列 unit_code（单位代码）：没有单位代码为 Q7 的单位。",
        "第 6 行，列 email（邮箱）：该地址超过 200 个字符。",
    ]
    assert stored(db_session, survey) == 0


def test_a_list_without_a_known_column_is_refused_whole(app, make_survey, db_session) -> None:
    with pytest.raises(FileRejected):
        service.invite(db_session, make_survey(), b"phone\n123\n", "list.csv", TODAY, secret="s")


def test_the_upload_page_names_each_bad_row_and_stores_nothing(client, staff, make_survey, db_session) -> None:
    survey = make_survey()
    body = "email,name,unit_code\nzhang@example.cn,张三,A1\nzhang@example,李四,A2\n,王五,Z9\n".encode()
    page = upload(client, survey, body)
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "部分行被拒绝，未保存任何数据。" in text
    assert "<td>3</td><td>email (邮箱)</td><td>zhang@example 不是有效的电子邮件地址。</td>" in text
    assert "<td>4</td><td>unit_code (单位代码)</td><td>没有单位代码为 Z9 的单位。</td>" in text
    assert stored(db_session, survey) == 0

    staff.locale = "en"
    db_session.commit()
    english = upload(client, survey, b"email\nli@example.cn\nLI@example.cn\n").get_data(as_text=True)
    assert "Some rows were refused; nothing was stored." in english
    assert "<td>3</td><td>email (邮箱)</td><td>The address LI@example.cn already appears on row 2.</td>" in english
    assert stored(db_session, survey) == 0


def test_the_upload_page_refuses_an_address_already_invited_and_takes_a_good_list(client, staff, make_survey,
                                                                                  db_session) -> None:
    survey = make_survey()
    good = upload(client, survey, "email,name,unit_code\nzhang@example.cn,张三,A1\n,李四,A2\n".encode())
    assert good.status_code == 200 and good.mimetype == "text/csv"
    links = list(csv.DictReader(io.StringIO(good.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(row["email"], row["name"]) for row in links] == [("zhang@example.cn", "张三"), ("", "李四")]
    again = upload(client, survey, b"email\nwang@example.cn\nzhang@example.cn\n")
    assert again.status_code == 400
    assert "<td>3</td><td>email (邮箱)</td><td>地址 zhang@example.cn 已被邀请参加本问卷。</td>" in again.get_data(
        as_text=True)
    assert stored(db_session, survey) == 2

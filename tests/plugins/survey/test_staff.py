"""Staff pages, scope, results, signals, exports, OpenRosa and the command line."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import func, select

from core.access.models import Role
from core.signals import Signal
from plugins.survey import service
from plugins.survey.models import Survey, SurveyResponse
from plugins.survey.results import wilson
from plugins.survey.signals import off_target, refresh_survey


def _answers(db_session: Any, survey: Any, rows: list[dict[str, str]], unit: Any = None) -> None:
    from sqlalchemy import insert

    db_session.execute(insert(SurveyResponse), [
        {"survey_id": survey.id, "submission_key": f"t:{index}", "unit_id": unit.id if unit else None,
         "submitted_on": date.today(), "answers": answers, "channel": "web", "language": "zh_CN"}
        for index, answers in enumerate(rows)])
    db_session.commit()


def test_wilson_interval_matches_the_textbook() -> None:
    low, high = wilson(8, 10)
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert wilson(0, 0) == (0.0, 1.0)
    assert off_target("satisfaction", 40, 100, 0.8) and not off_target("satisfaction", 7, 10, 0.8)
    assert off_target("not_delivered", 50, 100, 0.2)


def test_upload_shows_pyxforms_refusal_and_imports_a_good_form(client, staff, form_bytes, db_session) -> None:
    bad = client.post("/surveys/new", data={"file": (io.BytesIO(form_bytes("unknown_question_type.xls")),
                                                      "unknown_question_type.xls")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "问卷未被接受" in bad.get_data(as_text=True)
    good = client.post("/surveys/new", data={"file": (io.BytesIO(form_bytes("tutorial.xls")), "tutorial.xls"),
                                             "publish": "y"}, content_type="multipart/form-data")
    assert good.status_code == 302
    survey = db_session.scalar(select(Survey).order_by(Survey.id.desc()))
    assert survey.title == "tutorial" and survey.status.value == "published"


def test_a_sibling_citys_survey_is_not_found(client, org, auth, make_survey) -> None:
    theirs = make_survey(owner=org.city_b)
    ours = make_survey(owner=org.county_a1)
    org.user("sup_a", Role.supervisor, org.city_a)
    auth.login("sup_a")
    assert client.get(f"/surveys/{theirs.id}").status_code == 404
    assert client.get(f"/surveys/{theirs.id}/results").status_code == 404
    assert client.get(f"/surveys/{theirs.id}/export.csv").status_code == 404
    assert client.post(f"/surveys/{theirs.id}/status/closed").status_code == 404
    assert client.get(f"/surveys/{ours.id}").status_code == 200
    listing = client.get("/surveys/").get_data(as_text=True)
    assert ours.slug in listing and theirs.slug not in listing
    # The survey's status in its own words, not core's for circulars (已印发).
    assert "已发布" in listing and "已印发" not in listing
    page = client.get(f"/surveys/{ours.id}").get_data(as_text=True)
    assert '<strong id="survey-status">已发布</strong>' in page


def test_unit_officers_cannot_open_survey_pages(client, org, auth, make_survey) -> None:
    survey = make_survey()
    org.user("officer", Role.unit_officer, org.city_a)
    auth.login("officer")
    assert client.get(f"/surveys/{survey.id}").status_code == 403


def test_link_publish_close_from_the_page(client, staff, org, make_survey, db_session) -> None:
    survey = make_survey(publish=False)
    assert client.post(f"/surveys/{survey.id}/units", data={"unit-code": "A1"}).status_code == 302
    assert client.post(f"/surveys/{survey.id}/units", data={"unit-code": "B1"}).status_code == 400  # not visible
    assert client.post(f"/surveys/{survey.id}/status/published").status_code == 302
    db_session.expire_all()
    assert survey.status.value == "published" and [link.unit.code for link in survey.unit_links] == ["A1"]


def test_invitations_are_single_use_links_stored_hashed(client, staff, make_survey, db_session) -> None:
    survey = make_survey()
    body = "email,name,unit_code\nzhang@example.cn,张三,A1\nli@example.cn,李四,A2\n".encode()
    page = client.post(f"/surveys/{survey.id}/invitations", data={"file": (io.BytesIO(body), "list.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and page.mimetype == "text/csv"
    links = list(csv.DictReader(io.StringIO(page.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(links) == 2
    token = links[0]["link"].split("?t=")[1]
    from plugins.survey.models import SurveyInvitation

    hashes = list(db_session.scalars(select(SurveyInvitation.token_hash)))
    assert token not in hashes and len(hashes[0]) == 64


def test_results_counts_shares_and_chart_per_unit(client, staff, org, make_survey, db_session) -> None:
    survey = make_survey()
    _answers(db_session, survey, [{"district": "990102", "aware": "yes", "satisfaction": "satisfied"}] * 3
             + [{"district": "990102", "aware": "yes", "satisfaction": "dissatisfied"}], unit=org.county_a1)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "<svg" in page and "75.0%" in page and "样本量：4" in page and org.county_a1.name in page


def test_export_neutralises_formulas(client, staff, make_survey, db_session) -> None:
    survey = make_survey()
    _answers(db_session, survey, [{"district": "990102", "comment": "=HYPERLINK(\"http://x\")"}])
    text = client.get(f"/surveys/{survey.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    xlsx = client.get(f"/surveys/{survey.id}/export.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in values



def test_export_neutralises_fullwidth_formulas(client, staff, make_survey, db_session) -> None:
    # A respondent typing with a Chinese IME gets fullwidth ＝ and ＋; spreadsheets run them too.
    survey = make_survey()
    _answers(db_session, survey, [{"district": "990102", "comment": "＝1+1"},
                                  {"district": "990102", "comment": "\u3000＋cmd|' /C calc'!A0"}])
    text = client.get(f"/surveys/{survey.id}/export.csv").get_data(as_text=True)
    assert "'＝1+1" in text and "'\u3000＋cmd" in text
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.id}/export.xlsx").data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'＝1+1" in values

def test_signals_per_unit_and_matter(db_session, org, make_survey) -> None:
    survey = make_survey()
    service.link_unit(db_session, survey, org.county_a1)
    service.set_indicator(survey, "satisfaction", "satisfaction", ["satisfied", "very_satisfied"], 0.8)
    _answers(db_session, survey, [{"satisfaction": "satisfied"}] * 30 + [{"satisfaction": "dissatisfied"}] * 70,
             unit=org.county_a1)
    refresh_survey(db_session, survey, date.today())
    db_session.commit()
    kinds = {s.kind: s for s in db_session.scalars(select(Signal).where(Signal.source == "survey"))}
    assert kinds["satisfaction"].value == 0.3 and kinds["satisfaction"].details["n"] == 100
    assert kinds["satisfaction_off_target"].value == 1.0
    assert kinds["sample_size"].value == 100
    assert refresh_survey(db_session, survey, date.today()) == 0  # running again changes nothing


def test_openrosa_form_list_and_submission(client, make_survey, db_session) -> None:
    survey = make_survey()
    listing = client.get("/formList")
    assert listing.status_code == 200 and listing.headers["X-OpenRosa-Version"] == "1.0"
    assert f"duban_{survey.slug}" in listing.get_data(as_text=True)
    assert f"duban_{survey.slug}" in client.get(f"/s/{survey.slug}/form.xml").get_data(as_text=True)
    instance = (f'<data id="duban_{survey.slug}"><district>990103</district><aware>yes</aware><benefit>no</benefit>'
                '<satisfaction>neutral</satisfaction><years>3</years><comment/>'
                '<meta><instanceID>uuid:1234</instanceID></meta></data>').encode()
    first = client.post("/submission", data={"xml_submission_file": (io.BytesIO(instance), "i.xml")},
                        content_type="multipart/form-data", csrf=False)
    again = client.post("/submission", data={"xml_submission_file": (io.BytesIO(instance), "i.xml")},
                        content_type="multipart/form-data", csrf=False)
    assert first.status_code == 201 and again.status_code == 201
    assert db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) == 1
    bad = instance.replace(b"<years>3</years>", b"<years>300</years>").replace(b"uuid:1234", b"uuid:5")
    assert client.post("/submission", data=bad, content_type="text/xml", csrf=False).status_code == 400
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><data id="x">&a;</data>'
    assert client.post("/submission", data=bomb, content_type="text/xml", csrf=False).status_code == 400


def test_cli_import_prints_the_path_and_refuses_bad_forms(runner, org, fixtures_dir, db_session) -> None:
    ok = runner.invoke(args=["survey", "import", f"{fixtures_dir}/tutorial.xls", "--publish"])
    assert ok.exit_code == 0, ok.output
    path = ok.output.strip().splitlines()[-1]
    assert path.startswith("/s/")
    bad = runner.invoke(args=["survey", "import", f"{fixtures_dir}/unknown_question_type.xls"])
    assert bad.exit_code != 0 and "bind:relevant" in bad.output
    out = runner.invoke(args=["survey", "export", path[3:], "--format", "csv"])
    assert out.exit_code == 0 and "response_id" in out.output


def test_the_core_works_with_the_survey_plugin_blocked(database_url, tmp_path) -> None:
    from web.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i"),
                      "SECRET_KEY": "x", "BLOCKED_PLUGINS": ["survey"]})
    assert "survey" not in app.blueprints
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "j"),
                      "SECRET_KEY": "x", "BLOCKED_PLUGINS": ["media_tips", "audit", "third_party_eval"]})
    assert "survey" in app.blueprints


def test_the_staff_page_offers_questions_by_their_labels(client, staff, make_survey, db_session) -> None:
    survey = make_survey()
    service.set_quota(survey, "district", "990102", 10)
    service.set_indicator(survey, "satisfaction", "satisfaction", ["satisfied", "very_satisfied"], 0.8)
    db_session.commit()
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert '<option value="satisfaction">您对改造工作的总体满意程度如何？（satisfaction）</option>' in page
    assert '<option value="district">您居住在哪个区？（district）</option>' in page
    assert '<option value="satisfaction">satisfaction</option>' not in page
    assert '您居住在哪个区？ <small class="name">district</small> = 河东区' in page  # the quota
    assert "满意, 很满意" in page  # the indicator's answers by their labels
    client.post("/lang", data={"lang": "en", "next": "/"})
    english = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "How satisfied are you with the renovation overall? (satisfaction)" in english


def _sheet(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def test_the_web_export_puts_labels_beside_the_choice_names(client, staff, make_survey, db_session, org) -> None:
    survey = make_survey()
    _answers(db_session, survey, [{"district": "990102", "aware": "yes", "satisfaction": "very_satisfied"}],
             unit=org.county_a1)
    sheet = _sheet(client.get(f"/surveys/{survey.id}/export.xlsx").data)
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    at = header.index("satisfaction")
    assert header[at + 1] == "您对改造工作的总体满意程度如何？"
    assert (row["satisfaction"], row["您对改造工作的总体满意程度如何？"]) == ("very_satisfied", "很满意")
    assert (row["district"], row["您居住在哪个区？"]) == ("990102", "河东区")
    assert row["unit_name"] == org.county_a1.name
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    rows = list(csv.reader(io.StringIO(client.get(f"/surveys/{survey.id}/export.csv").data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("您对改造工作的总体满意程度如何？")] == "很满意"


def test_the_cli_export_keeps_its_columns_and_adds_labels_on_request(runner, make_survey, db_session,
                                                                    tmp_path) -> None:
    survey = make_survey()
    _answers(db_session, survey, [{"district": "990103", "aware": "no", "satisfaction": "neutral"}])
    plain = runner.invoke(args=["survey", "export", survey.slug, "--format", "csv"])
    header = next(csv.reader(io.StringIO(plain.output.lstrip("\ufeff"))))
    assert header == ["response_id", "submitted_on", "unit_id", "channel", "district", "aware", "benefit",
                      "satisfaction", "years", "comment", "instanceID"]
    target = tmp_path / "labels.xlsx"
    labelled = runner.invoke(args=["survey", "export", survey.slug, "--format", "xlsx", "--labels", "-o", str(target)])
    assert labelled.exit_code == 0, labelled.output
    sheet = _sheet(target.read_bytes())
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (row["aware"], row["您是否听说过本地区的老旧小区改造项目？"]) == ("no", "否")
    assert (row["district"], row["您居住在哪个区？"]) == ("990103", "河西区")
    assert [name for name in header if not name.endswith("？")] == [
        "response_id", "submitted_on", "unit_id", "unit_name", "channel", "district", "aware", "benefit",
        "satisfaction", "years", "comment", "instanceID"]

"""Importing XLSForms: every form pyxform accepts imports and renders; refusals are explained."""
from __future__ import annotations

import os

import pytest

from plugins.survey.definition import unsupported
from plugins.survey.xlsform import FormRejected, convert

# bad_calc.xlsx passes pyxform's converter (ODK Validate, a Java program Duban does not run,
# refuses it) but its calculation does not parse, so Duban refuses it naming the row.
ACCEPTED = ["case_insensitivity.xlsx", "choice_filter_test.xlsx", "group.xlsx", "loop.xlsx",
            "or_other.xlsx", "specify_other.xlsx", "text_and_integer.xlsx", "tutorial.xls", "widgets.xls",
            "xlsform_spec_test.xlsx", "yes_or_no_question.xlsx"]
REJECTED = ["bad_calc.xlsx", "unknown_question_type.xls"]


def test_every_fixture_is_covered(fixtures_dir: str) -> None:
    names = sorted(name for name in os.listdir(fixtures_dir) if not name.startswith("LICENSE"))
    assert names == sorted(ACCEPTED + REJECTED)
    assert os.path.exists(os.path.join(fixtures_dir, "LICENSE-pyxform"))


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_forms_import_and_render(name: str, make_survey, client) -> None:
    survey = make_survey(name)
    page = client.get(f"/s/{survey.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="form_token"' in html
    for node in unsupported(survey.definition):
        # Never dropped silently: shown disabled, with its type named.
        assert node["source_type"] in html


@pytest.mark.parametrize("name", REJECTED)
def test_rejected_forms_carry_pyxforms_message(name: str, form_bytes) -> None:
    with pytest.raises(FormRejected) as caught:
        convert(form_bytes(name), form_id="x")
    assert "The form was refused" in str(caught.value)
    assert len(str(caught.value)) > len("The form was refused: ") + 10


def test_an_expression_that_does_not_parse_names_its_sheet_row_and_column(form_bytes) -> None:
    with pytest.raises(FormRejected) as caught:
        convert(form_bytes("bad_calc.xlsx"), form_id="x")
    assert "[row : 2] On the 'survey' sheet, the 'calculation' value of 'badcalc'" in str(caught.value)


def test_widgets_names_the_types_a_browser_cannot_answer(form_bytes) -> None:
    types = {node["source_type"] for node in unsupported(convert(form_bytes("widgets.xls"), form_id="x").definition)}
    assert {"geopoint", "photo", "audio", "video", "barcode"} <= types


def test_not_a_form_is_refused() -> None:
    with pytest.raises(Exception) as caught:
        convert(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, form_id="x")
    assert "not an XLSForm" in str(caught.value)


def test_multi_language_labels_follow_the_respondents_language(make_survey, client) -> None:
    survey = make_survey("demo")
    assert "您居住在哪个区" in client.get(f"/s/{survey.slug}").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": f"/s/{survey.slug}"})
    assert "Which district do you live in?" in client.get(f"/s/{survey.slug}").get_data(as_text=True)


def test_no_java_program_is_run_to_convert_a_form(form_bytes, monkeypatch) -> None:
    """ODK Validate (Java) is never called, whether or not Java is installed."""
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"a program was run: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert convert(form_bytes("tutorial.xls"), form_id="x").xform.startswith("<?xml")

"""Cell parsers accept what offices type and explain what they refuse."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.importing import (
    CellError,
    boolean,
    choice,
    code_list,
    decimal,
    email_address,
    event_date,
    event_time,
    integer,
    iso_date,
    optional_text,
    region_code,
    severity,
    text,
)


def refused(parse: Any, value: Any) -> str:
    with pytest.raises(CellError) as error:
        parse(value)
    return str(error.value.message)


def test_text() -> None:
    assert text(" a ") == "a"
    assert text(110000.0) == "110000"  # a code Excel stored as a number
    assert optional_text("  ") is None
    assert refused(text, " ") == "A value is required."


def test_numbers() -> None:
    assert integer("1,234") == 1234
    assert integer(12.0) == 12
    assert integer("１２") == 12
    assert "not a whole number" in refused(integer, "12.5")
    assert decimal("1,234.5") == Decimal("1234.5")
    assert decimal(0.1) == Decimal("0.1")
    assert refused(decimal, "abc") == "abc is not a number."
    assert "not a number" in refused(decimal, "NaN")


def test_iso_date() -> None:
    assert iso_date("2024-02-29") == dt.date(2024, 2, 29)
    assert iso_date(dt.datetime(2024, 1, 2, 3, 4)) == dt.date(2024, 1, 2)
    assert iso_date("2024-03-01 00:00:00") == dt.date(2024, 3, 1)
    assert "does not exist" in refused(iso_date, "2024-02-30")
    assert "YYYY-MM-DD" in refused(iso_date, "2024/03/01")


def test_event_date_is_refused_in_the_future_of_the_instances_zone_or_before_1990() -> None:
    from core import clock

    with clock.frozen(dt.date(2026, 3, 1)):
        assert event_date("2026-03-01") == dt.date(2026, 3, 1)
        assert event_date("1990-01-01") == dt.date(1990, 1, 1)
        assert "in the future" in refused(event_date, "2026-03-02")
        assert "before 1990" in refused(event_date, "1989-12-31")
        assert "YYYY-MM-DD" in refused(event_date, "3/1/2026")


def test_event_time_is_read_in_the_instances_zone_and_stored_in_utc() -> None:
    from core import clock

    with clock.frozen(dt.date(2026, 3, 1)):
        assert event_time("2026-03-01 08:30") == dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC)  # Asia/Shanghai
        assert event_time("2026-02-28T23:59:59") == dt.datetime(2026, 2, 28, 15, 59, 59, tzinfo=dt.UTC)
        assert event_time("2026-02-28") == dt.datetime(2026, 2, 27, 16, 0, tzinfo=dt.UTC)
        assert event_time(dt.datetime(2026, 2, 1, 9, 0)) == dt.datetime(2026, 2, 1, 1, 0, tzinfo=dt.UTC)
        assert "in the future" in refused(event_time, "2026-03-02 00:00")
        assert "before 1990" in refused(event_time, "1989-12-31 23:00")
        assert "does not exist" in refused(event_time, "2026-02-30 10:00")
        assert "does not exist" in refused(event_time, "2026-02-01 25:00")
        assert "YYYY-MM-DD HH:MM" in refused(event_time, "3/1/2026 10:00")


def test_the_instances_today_follows_its_time_zone() -> None:
    from core import clock

    try:
        clock.set_zone("Pacific/Kiritimati")  # UTC+14: already tomorrow for most of the world
        ahead = clock.today()
        clock.set_zone("Pacific/Pago_Pago")  # UTC-11
        behind = clock.today()
    finally:
        clock.set_zone(None)
    assert (ahead - behind).days in (1, 2)


def test_choice_with_chinese_synonyms() -> None:
    assert severity("严重") == "severe"
    assert severity(" Major ") == "major"
    assert refused(severity, "urgent") == "urgent is not one of: minor, major, severe, 一般, 较重, 严重."
    status = choice(("open", "in_progress", "done"))
    assert status("DONE") == "done"


def test_boolean() -> None:
    assert [boolean(v) for v in ("1", "yes", "TRUE", "是", 1, 0.0, "否", "no")] == [
        True, True, True, True, True, False, False, False]
    assert "yes or no" in refused(boolean, "maybe")


def test_code_list() -> None:
    assert code_list("U1；U2;U3, U4、U1") == ["U1", "U2", "U3", "U4"]
    assert code_list(110000) == ["110000"]
    assert code_list(["a", "b"]) == ["a", "b"]


def test_email_address() -> None:
    assert email_address(" zhang@example.cn ") == "zhang@example.cn"
    assert refused(email_address, "zhang@example") == "zhang@example is not a valid e-mail address."
    with pytest.raises(CellError) as error:
        email_address("Zhang San <zhang@example.cn>")
    assert error.value.message.params["value"] == "Zhang San <zhang@example.cn>"


def test_region_code() -> None:
    assert region_code("110105") == "110105"
    assert region_code(110105) == "110105"
    assert "6 digits" in refused(region_code, "11010")
    assert "6 digits" in refused(region_code, "１１０１０５x")

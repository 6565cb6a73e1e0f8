"""Dates and times as people type them, in Persian and English, and the helpful refusals."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Platform
from bot.domain.jalali import (
    DateError,
    DateParseError,
    add_months,
    from_jalali,
    month_length,
    parse_date,
    parse_date_time,
    parse_time,
)
from bot.handlers.shared import date_error
from bot.i18n import Catalogs

# Monday 2 Azar 1405.
TODAY = from_jalali(1405, 9, 2)
DAY = datetime.timedelta(days=1)


def refusal(text: str, today: datetime.date = TODAY) -> DateParseError:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, today)
    assert caught.value.text == text
    return caught.value


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("دیروز", -1),
        ("yesterday", -1),
        ("پریروز", -2),
        ("پس‌فردا", 2),
        ("پس فردا", 2),
        ("the day after tomorrow", 2),
        ("سه روز دیگر", 3),
        ("۳ روز دیگر", 3),
        ("3روز دیگه", 3),
        ("سه روز بعد", 3),
        ("in three days", 3),
        ("three days later", 3),
        ("in 3 days", 3),
        ("3 days from now", 3),
        ("یک روز دیگر", 1),
        ("بیست و یک روز دیگر", 21),
        ("twenty-one days later", 21),
        ("دو هفته دیگر", 14),
        ("۲ هفته بعد", 14),
        ("in two weeks", 14),
        ("2 weeks from now", 14),
        ("هفته بعد", 7),
        ("هفته‌ی بعد", 7),
        ("هفته آینده", 7),
        ("next week", 7),
        ("in a week", 7),
        ("۳ روز پیش", -3),
        ("سه روز قبل", -3),
        ("3 days ago", -3),
    ],
)
def test_days_and_weeks_counted_from_today(text: str, offset: int) -> None:
    assert parse_date(text, TODAY) == TODAY + offset * DAY


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("ماه بعد", 1),
        ("ماه آینده", 1),
        ("یک ماه دیگر", 1),
        ("next month", 1),
        ("in a month", 1),
        ("سه ماه دیگر", 3),
        ("in 3 months", 3),
        ("دو ماه پیش", -2),
    ],
)
def test_months_counted_from_today_keep_the_day(text: str, months: int) -> None:
    assert parse_date(text, TODAY) == add_months(TODAY, months)


@pytest.mark.parametrize("text", ["آخر ماه", "آخر این ماه", "پایان ماه", "end of the month"])
def test_the_end_of_this_month(text: str) -> None:
    assert parse_date(text, TODAY) == from_jalali(1405, 9, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اول آذر ۱۴۰۵", (1405, 9, 1)),
        ("first of Azar 1405", (1405, 9, 1)),
        ("اول دی", (1405, 10, 1)),
        # The first of Azar 1405 is yesterday: the next one is a year away.
        ("اول آذر", (1406, 9, 1)),
        ("آخر آذر", (1405, 9, 30)),
        ("end of Esfand 1405", (1405, 12, month_length(1405, 12))),
        ("آخر آبان", (1406, 8, 30)),
        ("۱۵ بهمن", (1405, 11, 15)),
        ("Bahman 15", (1405, 11, 15)),
        ("۱۵ بهمن ماه", (1405, 11, 15)),
        ("۲ آذر", (1405, 9, 2)),
        ("۱ آذر", (1406, 9, 1)),
        ("۱۴۰۵،۰۹،۰۱", (1405, 9, 1)),
        ("۱ آذر، ۱۴۰۵", (1405, 9, 1)),
        ("دوشنبه، ۲ آذر", (1405, 9, 2)),
    ],
)
def test_named_days_without_a_year_are_the_next_such_day(
    text: str, expected: tuple[int, int, int]
) -> None:
    assert parse_date(text, TODAY) == from_jalali(*expected)


def test_30_esfand_without_a_year_waits_for_the_next_leap_year() -> None:
    found = parse_date("۳۰ اسفند", TODAY)
    assert found > TODAY
    year = next(y for y in range(1405, 1411) if month_length(y, 12) == 30)
    assert found == from_jalali(year, 12, 30)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("2026-12-01", datetime.date(2026, 12, 1)),
        ("۲۰۲۶/۱۲/۰۱", datetime.date(2026, 12, 1)),
        ("01/12/2026", datetime.date(2026, 12, 1)),
        ("12/25/2026", datetime.date(2026, 12, 25)),
        ("1 December 2026", datetime.date(2026, 12, 1)),
        ("December 1, 2026", datetime.date(2026, 12, 1)),
        ("۱ دسامبر ۲۰۲۶", datetime.date(2026, 12, 1)),
        ("25 Dec", datetime.date(2026, 12, 25)),
    ],
)
def test_a_gregorian_date_is_recognised_and_offered_in_jalali(
    text: str, meant: datetime.date
) -> None:
    error = refusal(text)
    assert error.reason is DateError.GREGORIAN
    assert error.suggestion == meant


@pytest.mark.parametrize("text", ["2026-02-30", "31 April 2026"])
def test_a_gregorian_date_that_does_not_exist_is_impossible(text: str) -> None:
    assert refusal(text).reason is DateError.IMPOSSIBLE


@pytest.mark.parametrize(("text", "month"), [("۱ آذز ۱۴۰۵", 9), ("5 Bahmn 1405", 11)])
def test_a_misspelt_month_is_refused_naming_the_month_meant(text: str, month: int) -> None:
    error = refusal(text)
    assert (error.reason, error.month) == (DateError.UNKNOWN_MONTH, month)


@pytest.mark.parametrize("text", ["9/1", "۰۹/۰۱", "1-9"])
def test_two_numbers_without_a_year_ask_for_the_year(text: str) -> None:
    assert refusal(text).reason is DateError.NO_YEAR


@pytest.mark.parametrize("text", ["بیست و سی روز دیگر", "فلان روز دیگر", "in many days", "۳ روز"])
def test_counts_that_are_no_numbers_are_unrecognized(text: str) -> None:
    assert refusal(text).reason is DateError.UNRECOGNIZED


@pytest.mark.parametrize("text", ["100000 روز دیگر", "in 99999 months"])
def test_counts_beyond_the_calendar_are_out_of_range(text: str) -> None:
    assert refusal(text).reason is DateError.OUT_OF_RANGE


# --- times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:30", (10, 30)),
        ("۱۰:۳۰", (10, 30)),
        ("9.30", (9, 30)),
        ("10", (10, 0)),
        ("ساعت ۱۰", (10, 0)),
        ("ساعت ۱۰:۳۰", (10, 30)),
        ("۱۰ صبح", (10, 0)),
        ("۴ عصر", (16, 0)),
        ("۴ بعد‌از‌ظهر", (16, 0)),
        ("۱ ظهر", (13, 0)),
        ("۱۲ ظهر", (12, 0)),
        ("۹ شب", (21, 0)),
        ("10 am", (10, 0)),
        ("10pm", (22, 0)),
        ("12 am", (0, 0)),
        ("at 9:15", (9, 15)),
    ],
)
def test_times_as_people_type_them(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == datetime.time(*expected)


@pytest.mark.parametrize("text", ["25:00", "10:75", "13 pm", "hello", "", "ساعت"])
def test_a_time_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_time(text)
    assert caught.value.reason is DateError.BAD_TIME


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("۱۴۰۵/۰۹/۰۱ ۱۰:۳۰", (1405, 9, 1), (10, 30)),
        ("فردا ساعت ۱۰", (1405, 9, 3), (10, 0)),
        ("ساعت ۱۰", (1405, 9, 2), (10, 0)),
        ("۱ آذر ۱۴۰۵ ساعت ۴ عصر", (1405, 9, 1), (16, 0)),
        ("tomorrow at 9:15", (1405, 9, 3), (9, 15)),
        ("۱۴۰۵/۰۹/۰۱، ساعت ۱۰", (1405, 9, 1), (10, 0)),
        ("۱ آذر ۱۴۰۵", (1405, 9, 1), None),
        ("سه روز دیگر", (1405, 9, 5), None),
    ],
)
def test_a_date_followed_by_a_time(
    text: str, day: tuple[int, int, int], at: tuple[int, int] | None
) -> None:
    assert parse_date_time(text, TODAY) == (
        from_jalali(*day),
        None if at is None else datetime.time(*at),
    )


def test_a_gregorian_date_with_a_time_is_still_offered_in_jalali() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date_time("2026-12-01 10:00", TODAY)
    error = caught.value
    assert (error.reason, error.suggestion) == (DateError.GREGORIAN, datetime.date(2026, 12, 1))
    assert error.text == "2026-12-01 10:00"


def test_a_date_with_an_impossible_time_says_the_time_is_wrong() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_date_time("فردا ساعت ۲۵", TODAY)
    assert caught.value.reason is DateError.BAD_TIME


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_with_a_time_either_parses_or_gives_a_reason(text: str) -> None:
    try:
        parse_date_time(text, TODAY)
    except DateParseError as error:
        assert error.reason in DateError
        assert error.text == text


# --- the refusals people read, in both languages ------------------------------------------------

CATALOGS = Catalogs(Platform.TELEGRAM)


@pytest.mark.parametrize(
    ("text", "fa", "en"),
    [
        ("2026-12-01", ["میلادی", "۱۰ آذر ۱۴۰۵"], ["Gregorian", "10 Azar 1405"]),
        ("۱ آذز ۱۴۰۵", ["«آذر»"], ["“Azar”"]),
        ("9/1", ["سال یا نام ماه"], ["no year or month name"]),
        ("1405/12/30", ["وجود ندارد"], ["does not exist"]),
        ("بیست و سی روز دیگر", ["نفهمیدم"], ["could not read"]),
    ],
)
def test_every_refusal_says_what_was_wrong_in_the_reader_s_language(
    text: str, fa: list[str], en: list[str]
) -> None:
    error = refusal(text)
    for locale, fragments in (("fa", fa), ("en", en)):
        message = date_error(CATALOGS.translator(locale), error)
        for fragment in fragments:
            assert fragment in message, (locale, message)


def test_a_wrong_time_is_explained_in_both_languages() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_time("25:00")
    assert "ساعت" in date_error(CATALOGS.translator("fa"), caught.value)
    assert "time" in date_error(CATALOGS.translator("en"), caught.value)

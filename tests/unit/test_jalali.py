import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.jalali import (
    EN_MONTHS,
    FA_MONTHS,
    DateError,
    DateParseError,
    HolidayCalendar,
    add_months,
    default_calendar,
    format_date,
    format_datetime,
    from_jalali,
    is_leap,
    jalali_parts,
    load_lunar_holidays,
    month_length,
    parse_date,
    tehran_today,
    to_tehran,
)

UTC = datetime.UTC

# Monday 2 Azar 1405 = 2026-11-23, the "today" every relative-date story uses.
TODAY = datetime.date(2026, 11, 23)
AZAR_1_1405 = datetime.date(2026, 11, 22)  # a Sunday


def jalali(year: int, month: int, day: int) -> datetime.date:
    return from_jalali(year, month, day)


def reason_for(text: str, today: datetime.date = TODAY) -> DateError:
    with pytest.raises(DateParseError) as caught:
        parse_date(text, today)
    assert caught.value.text == text
    return caught.value.reason


# --------------------------------------------------------------------------
# Conversions and the calendar itself
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "gregorian"),
    [
        (1399, datetime.date(2020, 3, 20)),
        (1403, datetime.date(2024, 3, 20)),
        (1404, datetime.date(2025, 3, 21)),
        (1405, datetime.date(2026, 3, 21)),
    ],
)
def test_nowruz_falls_on_the_known_gregorian_day(year: int, gregorian: datetime.date) -> None:
    assert from_jalali(year, 1, 1) == gregorian
    assert jalali_parts(gregorian) == (year, 1, 1)


def test_revolution_day_1357_is_11_february_1979() -> None:
    # Independent of jdatetime: 22 Bahman 1357 is the widely known date of the revolution.
    assert from_jalali(1357, 11, 22) == datetime.date(1979, 2, 11)


def test_1_azar_1405_is_22_november_2026() -> None:
    assert jalali_parts(AZAR_1_1405) == (1405, 9, 1)
    assert jalali_parts(TODAY) == (1405, 9, 2)


def test_a_datetime_is_converted_by_its_date_only() -> None:
    moment = datetime.datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
    assert jalali_parts(moment) == (1405, 9, 1)


@pytest.mark.parametrize(
    ("year", "leap"), [(1399, True), (1403, True), (1404, False), (1405, False)]
)
def test_leap_years(year: int, leap: bool) -> None:
    assert is_leap(year) is leap
    assert month_length(year, 12) == (30 if leap else 29)


def test_the_last_day_of_a_leap_year_is_the_eve_of_nowruz() -> None:
    assert from_jalali(1403, 12, 30) + datetime.timedelta(days=1) == from_jalali(1404, 1, 1)


@pytest.mark.parametrize(("month", "length"), [(1, 31), (6, 31), (7, 30), (11, 30)])
def test_month_lengths(month: int, length: int) -> None:
    assert month_length(1405, month) == length


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(1404, 12, 30), (1405, 13, 1), (1405, 0, 1), (1405, 1, 32), (1405, 7, 31), (1405, 1, 0)],
)
def test_days_that_do_not_exist_are_impossible(year: int, month: int, day: int) -> None:
    with pytest.raises(DateParseError) as caught:
        from_jalali(year, month, day)
    assert caught.value.reason is DateError.IMPOSSIBLE


@pytest.mark.parametrize("year", [1205, 1499, 1500])
def test_years_the_33_year_rule_cannot_vouch_for_are_out_of_range(year: int) -> None:
    with pytest.raises(DateParseError) as caught:
        from_jalali(year, 1, 1)
    assert caught.value.reason is DateError.OUT_OF_RANGE


def test_the_supported_range_edges_are_accepted() -> None:
    assert jalali_parts(from_jalali(1206, 1, 1)) == (1206, 1, 1)
    assert jalali_parts(from_jalali(1498, 12, month_length(1498, 12))) == (1498, 12, 30)


def test_date_parse_error_is_a_value_error_with_reason_and_text() -> None:
    error = DateParseError(DateError.AMBIGUOUS, "05/02/03")
    assert isinstance(error, ValueError)
    assert error.reason is DateError.AMBIGUOUS
    assert error.text == "05/02/03"


# --------------------------------------------------------------------------
# Parsing what members type
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1405/09/01",
        "۱۴۰۵/۰۹/۰۱",
        "۱۴۰۵-۹-۱",
        "1405.9.1",
        "١٤٠٥/٠٩/٠١",
        "1405 / 9 / 1",
        "  1405/09/01  ",
        "\u200f1405/09/01\u200e",
        "1/9/1405",
        "01/09/1405",
        "۱/۹/۱۴۰۵",
    ],
)
def test_numeric_dates_in_any_digits_and_separators(text: str) -> None:
    assert parse_date(text, TODAY) == AZAR_1_1405


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۹۶/۰۲/۲۷", (1396, 2, 27)),
        ("۸۷/۲/۱۶", (1387, 2, 16)),
        ("05/1/1", (1405, 1, 1)),
        ("۱۶/۲/۸۷", (1387, 2, 16)),
        ("99/12/29", (1399, 12, 29)),
        ("10/1/1", (1410, 1, 1)),
    ],
)
def test_two_digit_years_take_the_century_closest_to_today(
    text: str, expected: tuple[int, int, int]
) -> None:
    assert jalali_parts(parse_date(text, TODAY)) == expected


def test_the_two_digit_century_follows_today_not_a_fixed_pivot() -> None:
    in_1320 = from_jalali(1320, 6, 1)
    assert jalali_parts(parse_date("10/1/1", in_1320)) == (1310, 1, 1)
    assert jalali_parts(parse_date("96/2/27", in_1320)) == (1296, 2, 27)
    in_1350 = from_jalali(1350, 6, 1)
    assert jalali_parts(parse_date("96/2/27", in_1350)) == (1396, 2, 27)


@pytest.mark.parametrize("text", ["05/02/03", "۱۲/۰۳/۱۴", "10-10-10"])
def test_both_ends_could_be_a_day_or_a_two_digit_year_so_it_is_ambiguous(text: str) -> None:
    assert reason_for(text) is DateError.AMBIGUOUS


@pytest.mark.parametrize(
    "text",
    [
        "1404/12/30",
        "۱۴۰۴/۱۲/۳۰",
        "30 اسفند 1404",
        "1405/13/01",
        "1405/01/32",
        "1405/07/31",
        "31 مهر 1405",
        "1405/00/10",
        "96/02/87",
    ],
)
def test_well_formed_dates_that_do_not_exist_are_impossible(text: str) -> None:
    assert reason_for(text) is DateError.IMPOSSIBLE


def test_30_esfand_is_fine_in_a_leap_year() -> None:
    assert jalali_parts(parse_date("30 اسفند 1403", TODAY)) == (1403, 12, 30)


@pytest.mark.parametrize("text", ["1500/01/01", "1100/1/1", "1 Azar 1499"])
def test_years_outside_the_supported_range_are_out_of_range(text: str) -> None:
    assert reason_for(text) is DateError.OUT_OF_RANGE


@pytest.mark.parametrize("text", ["", "   ", "\u200c", "\u200f \t\n"])
def test_empty_input(text: str) -> None:
    assert reason_for(text) is DateError.EMPTY


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "1405/09",
        "1/1/1",
        "1405/09/01/02",
        "1405/1405/1",
        "۱ فلان ۱۴۰۵",
        "شنبه",
        "1405/009/01",
    ],
)
def test_anything_else_is_unrecognized(text: str) -> None:
    assert reason_for(text) is DateError.UNRECOGNIZED


@pytest.mark.parametrize(
    "text",
    [
        "۱ آذر ۱۴۰۵",
        "۰۱ آذر ۱۴۰۵",
        "1 Azar 1405",
        "1 azar 1405",
        "1 AZAR 1405",
        "آذر ۱ ۱۴۰۵",
        "Azar 1, 1405",
        "۱ آذرماه ۱۴۰۵",
        "۱ آذر ماه ۱۴۰۵",
        "۱۴۰۵ آذر ۱",
        "۱ اذر ۱۴۰۵",
        "1 آذر 05",
        "1-آذر-1405",
    ],
)
def test_month_names_with_the_day_first_or_last(text: str) -> None:
    assert parse_date(text, TODAY) == AZAR_1_1405


@pytest.mark.parametrize(
    ("name", "month"),
    [
        *[(name, i) for i, name in enumerate(FA_MONTHS, start=1)],
        *[(name, i) for i, name in enumerate(EN_MONTHS, start=1)],
        ("تير", 4),
        ("ارديبهشت", 2),
        ("TIR", 4),
        ("dei", 10),
    ],
)
def test_every_month_name_and_common_spellings(name: str, month: int) -> None:
    assert jalali_parts(parse_date(f"10 {name} 1404", TODAY)) == (1404, month, 10)


def test_the_date_from_an_old_letter_with_weekday_and_arabic_yeh() -> None:
    friday = parse_date("جمعه، 02 تير 1385", TODAY)
    assert friday == datetime.date(2006, 6, 23)
    # Python's own calendar agrees that it was a Friday.
    assert friday.weekday() == 4


@pytest.mark.parametrize(
    "text",
    [
        "جمعه 02 تیر 1385",
        "جمعه,02 تير 1385",
        "جمعه ، ۱۳۸۵/۰۴/۰۲",
        "Friday, 2 Tir 1385",
        "friday 1385/04/02",
        "Fri 2 Tir 1385",
    ],
)
def test_weekday_prefix_with_or_without_comma(text: str) -> None:
    assert parse_date(text, TODAY) == datetime.date(2006, 6, 23)


@pytest.mark.parametrize(
    ("weekday", "day"),
    [
        ("يکشنبه", 1),
        ("یک شنبه", 1),
        ("دوشنبه", 2),
        ("سه شنبه", 3),
        ("سه\u200cشنبه", 3),
        ("سهشنبه", 3),
        ("چهارشنبه", 4),
        ("پنجشنبه", 5),
        ("پنج شنبه", 5),
        ("پنج\u200cشنبه", 5),
        ("جمعه", 6),
        ("شنبه", 7),
        ("Sunday", 1),
        ("saturday", 7),
    ],
)
def test_every_weekday_spelling_is_checked_against_the_date(weekday: str, day: int) -> None:
    assert parse_date(f"{weekday} {day} آذر ۱۴۰۵", TODAY) == from_jalali(1405, 9, day)


@pytest.mark.parametrize(
    "text",
    ["شنبه ۱ آذر ۱۴۰۵", "Monday 1 Azar 1405", "پنجشنبه، 02 تير 1385", "جمعه فردا"],
)
def test_a_weekday_that_does_not_match_the_date_is_refused(text: str) -> None:
    assert reason_for(text) is DateError.WEEKDAY_MISMATCH


def test_a_wrong_weekday_on_an_impossible_date_reports_the_impossible_date() -> None:
    assert reason_for("شنبه ۳۰ اسفند ۱۴۰۴") is DateError.IMPOSSIBLE


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("امروز", 0),
        ("today", 0),
        ("Today", 0),
        ("فردا", 1),
        ("tomorrow", 1),
        ("پس فردا", 2),
        ("پس\u200cفردا", 2),
        ("پسفردا", 2),
        ("day after tomorrow", 2),
        ("۳ روز دیگر", 3),
        ("3 روز بعد", 3),
        ("٣ روز دیگه", 3),
        ("۱۰روز دیگر", 10),
        ("in 3 days", 3),
        ("in 1 day", 1),
        ("  فردا ", 1),
    ],
)
def test_relative_words_count_from_today(text: str, days: int) -> None:
    assert parse_date(text, TODAY) == TODAY + datetime.timedelta(days=days)


def test_relative_days_past_the_supported_range_are_out_of_range() -> None:
    assert reason_for("100000 روز دیگر") is DateError.OUT_OF_RANGE
    assert reason_for("in 99999999999 days") is DateError.OUT_OF_RANGE


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "long", "weekday", "expected"),
    [
        ("fa", False, False, "۱۴۰۵/۰۹/۰۱"),
        ("fa", True, False, "۱ آذر ۱۴۰۵"),
        ("fa", True, True, "یکشنبه ۱ آذر ۱۴۰۵"),
        ("fa", False, True, "یکشنبه ۱۴۰۵/۰۹/۰۱"),
        ("en", False, False, "1405/09/01"),
        ("en", True, False, "1 Azar 1405"),
        ("en", True, True, "Sunday 1 Azar 1405"),
    ],
)
def test_format_date(locale: str, long: bool, weekday: bool, expected: str) -> None:
    assert format_date(AZAR_1_1405, locale, long=long, weekday=weekday) == expected


def test_saturday_and_tuesday_names() -> None:
    assert format_date(from_jalali(1405, 9, 7), "fa", long=True, weekday=True) == "شنبه ۷ آذر ۱۴۰۵"
    tuesday = format_date(from_jalali(1405, 9, 3), "fa", long=True, weekday=True)
    assert tuesday == "سه\u200cشنبه ۳ آذر ۱۴۰۵"


@pytest.mark.parametrize("locale", ["de", "fa_IR", "EN", ""])
def test_only_fa_and_en_are_accepted(locale: str) -> None:
    with pytest.raises(ValueError):
        format_date(AZAR_1_1405, locale)
    with pytest.raises(ValueError):
        format_datetime(datetime.datetime(2026, 1, 1, tzinfo=UTC), locale)


def test_a_2021_timestamp_shows_tehran_summer_time() -> None:
    # Iran still observed DST in 2021: UTC+04:30.
    moment = datetime.datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
    assert format_datetime(moment, "en") == "1400/03/11 16:30"
    assert format_datetime(moment, "fa") == "۱۴۰۰/۰۳/۱۱ ۱۶:۳۰"


def test_a_2023_timestamp_shows_standard_time_after_dst_was_abolished() -> None:
    moment = datetime.datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
    assert format_datetime(moment, "en") == "1402/03/11 15:30"


def test_a_late_evening_utc_timestamp_is_already_tomorrow_in_tehran() -> None:
    moment = datetime.datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert format_datetime(moment, "fa") == "۱۴۰۵/۰۹/۰۲ ۰۰:۳۰"
    assert tehran_today(moment) == TODAY


def test_non_utc_aware_moments_are_converted_too() -> None:
    berlin_noon = datetime.datetime(
        2026, 11, 23, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert to_tehran(berlin_noon).strftime("%H:%M") == "14:30"


def test_naive_datetimes_are_refused() -> None:
    naive = datetime.datetime(2026, 11, 23, 12, 0)
    with pytest.raises(ValueError):
        format_datetime(naive, "fa")
    with pytest.raises(ValueError):
        to_tehran(naive)
    with pytest.raises(ValueError):
        tehran_today(naive)


# --------------------------------------------------------------------------
# Month arithmetic
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((1404, 6, 31), 1, (1404, 7, 30)),
        ((1403, 11, 30), 1, (1403, 12, 30)),
        ((1404, 11, 30), 1, (1404, 12, 29)),
        ((1404, 12, 29), 1, (1405, 1, 29)),
        ((1403, 12, 30), 12, (1404, 12, 29)),
        ((1405, 1, 31), -1, (1404, 12, 29)),
        ((1405, 3, 15), -15, (1403, 12, 15)),
        ((1405, 9, 1), 0, (1405, 9, 1)),
        ((1405, 9, 1), 40, (1409, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_target_month(
    start: tuple[int, int, int], months: int, expected: tuple[int, int, int]
) -> None:
    assert jalali_parts(add_months(from_jalali(*start), months)) == expected


# --------------------------------------------------------------------------
# Working days
# --------------------------------------------------------------------------

NO_LUNAR = HolidayCalendar()


def test_friday_is_not_a_working_day_but_is_not_an_official_holiday() -> None:
    friday = from_jalali(1405, 9, 6)
    assert friday.weekday() == 4
    assert not NO_LUNAR.is_working_day(friday)
    assert not NO_LUNAR.is_holiday(friday)


@pytest.mark.parametrize(
    "month_day",
    [(1, 1), (1, 2), (1, 3), (1, 4), (1, 12), (1, 13), (3, 14), (3, 15), (11, 22), (12, 29)],
)
def test_fixed_official_holidays(month_day: tuple[int, int]) -> None:
    assert NO_LUNAR.is_holiday(from_jalali(1405, *month_day))


def test_the_first_working_day_after_nowruz_1405_is_5_farvardin() -> None:
    # 29 Esfand 1404 is a Friday and a holiday, then 1-4 Farvardin.
    assert NO_LUNAR.next_working_day(from_jalali(1405, 1, 1)) == from_jalali(1405, 1, 5)
    last_thursday = from_jalali(1404, 12, 28)
    assert NO_LUNAR.add_working_days(last_thursday, 1) == from_jalali(1405, 1, 5)


def test_a_working_day_is_its_own_next_working_day() -> None:
    assert NO_LUNAR.next_working_day(TODAY) == TODAY


def test_one_working_day_after_thursday_skips_friday() -> None:
    thursday = from_jalali(1405, 9, 5)
    assert NO_LUNAR.add_working_days(thursday, 1) == from_jalali(1405, 9, 7)


def test_zero_working_days_rolls_a_friday_forward_to_saturday() -> None:
    assert NO_LUNAR.add_working_days(from_jalali(1405, 9, 6), 0) == from_jalali(1405, 9, 7)
    assert NO_LUNAR.add_working_days(TODAY, 0) == TODAY


def test_ten_working_days_skip_two_fridays() -> None:
    assert NO_LUNAR.add_working_days(TODAY, 10) == from_jalali(1405, 9, 14)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError):
        NO_LUNAR.add_working_days(TODAY, -1)


def test_a_lunar_holiday_from_the_calendar_pushes_the_deadline() -> None:
    calendar = HolidayCalendar({1405: frozenset({(9, 3)})})
    tuesday = from_jalali(1405, 9, 3)
    assert calendar.is_holiday(tuesday)
    assert calendar.add_working_days(TODAY, 1) == from_jalali(1405, 9, 4)
    assert NO_LUNAR.add_working_days(TODAY, 1) == tuesday


def test_a_lunar_holiday_belongs_to_its_year_only() -> None:
    calendar = HolidayCalendar({1405: frozenset({(9, 3)})})
    assert not calendar.is_holiday(from_jalali(1404, 9, 3))
    assert calendar.covers(1405)
    assert not calendar.covers(1404)


def test_changing_the_source_dict_later_does_not_change_the_calendar() -> None:
    source = {1405: frozenset({(9, 3)})}
    calendar = HolidayCalendar(source)
    source[1405] = frozenset()
    assert calendar.is_holiday(from_jalali(1405, 9, 3))


def test_the_shipped_calendar_knows_eid_al_fitr_1404() -> None:
    calendar = default_calendar()
    assert calendar.covers(1404)
    eid = datetime.date(2025, 3, 31)
    assert jalali_parts(eid) == (1404, 1, 11)
    assert calendar.is_holiday(eid)
    # Sunday 10 Farvardin: Eid (11th), the 12th and Nature Day (13th) are off.
    assert calendar.add_working_days(from_jalali(1404, 1, 10), 1) == from_jalali(1404, 1, 14)


def test_the_shipped_1404_year_has_26_official_holidays_and_7_days_of_mourning() -> None:
    # The published 1404 calendar counts 26 holidays, Fridays not included; in Esfand the
    # government closed 10..16 Esfand for national mourning, which the maintained source has.
    calendar = default_calendar()
    start, end = from_jalali(1404, 1, 1), from_jalali(1404, 12, 29)
    days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    mourning = {from_jalali(1404, 12, day) for day in range(10, 17)}
    assert all(calendar.is_holiday(d) for d in mourning)
    assert sum(calendar.is_holiday(d) for d in days if d not in mourning) == 26


# --------------------------------------------------------------------------
# Loading lunar holidays
# --------------------------------------------------------------------------


def test_a_good_holiday_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '# checked by the secretariat\n[holidays]\n1404 = ["01/11", "1/12"]\n1405 = ["۰۱/۰۲"]\n',
        encoding="utf-8",
    )
    calendar = load_lunar_holidays(path)
    assert dict(calendar.lunar) == {
        1404: frozenset({(1, 11), (1, 12)}),
        1405: frozenset({(1, 2)}),
    }
    assert calendar.is_holiday(from_jalali(1404, 1, 11))


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("[holiday]\n1404 = []\n", ["holidays", "missing [holidays] table"]),
        ('[holidays]\n"14o4" = []\n', ["holidays.14o4", "four-digit"]),
        ("[holidays]\n1600 = []\n", ["holidays.1600", "outside"]),
        ('[holidays]\n1404 = "01/11"\n', ["holidays.1404", "list"]),
        ('[holidays]\n1404 = ["1/11/2"]\n', ["holidays.1404", "'1/11/2'", "MM/DD"]),
        ("[holidays]\n1404 = [111]\n", ["holidays.1404", "MM/DD"]),
        ('[holidays]\n1404 = ["12/30"]\n', ["holidays.1404", "'12/30'", "does not exist"]),
        ('[holidays]\n1404 = ["13/01"]\n', ["holidays.1404", "does not exist"]),
        ('[holidays]\n1404 = ["01/11", "01/11"]\n', ["holidays.1404", "twice"]),
        ("[holidays]\n1404 = [\n", ["not valid TOML"]),
    ],
)
def test_a_malformed_holiday_file_is_refused_naming_key_and_reason(
    tmp_path: Path, content: str, fragments: list[str]
) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_lunar_holidays(path)
    for fragment in fragments:
        assert fragment in str(caught.value)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

SUPPORTED_DAYS = st.dates(min_value=from_jalali(1300, 1, 1), max_value=from_jalali(1498, 12, 30))


@settings(max_examples=300, deadline=None)
@given(
    d=SUPPORTED_DAYS,
    locale=st.sampled_from(["fa", "en"]),
    long=st.booleans(),
    weekday=st.booleans(),
)
def test_every_formatted_date_parses_back_to_itself(
    d: datetime.date, locale: str, long: bool, weekday: bool
) -> None:
    text = format_date(d, locale, long=long, weekday=weekday)
    assert parse_date(text, TODAY) == d


@settings(max_examples=300, deadline=None)
@given(SUPPORTED_DAYS)
def test_jalali_parts_and_from_jalali_are_inverse(d: datetime.date) -> None:
    assert from_jalali(*jalali_parts(d)) == d


@settings(max_examples=300, deadline=None)
@given(
    year=st.integers(min_value=1206, max_value=1498),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
)
def test_every_existing_jalali_day_survives_a_round_trip(year: int, month: int, day: int) -> None:
    if day > month_length(year, month):
        with pytest.raises(DateParseError):
            from_jalali(year, month, day)
    else:
        assert jalali_parts(from_jalali(year, month, day)) == (year, month, day)


@settings(max_examples=300, deadline=None)
@given(
    d=st.dates(min_value=from_jalali(1300, 1, 1), max_value=from_jalali(1490, 12, 29)),
    months=st.integers(min_value=-60, max_value=60),
)
def test_add_months_moves_exactly_that_many_months(d: datetime.date, months: int) -> None:
    year, month, day = jalali_parts(d)
    new_year, new_month, new_day = jalali_parts(add_months(d, months))
    assert new_year * 12 + new_month == year * 12 + month + months
    assert new_day == min(day, month_length(new_year, new_month))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_either_parses_or_gives_a_reason(text: str) -> None:
    try:
        parse_date(text, TODAY)
    except DateParseError as error:
        assert error.reason in DateError
        assert error.text == text

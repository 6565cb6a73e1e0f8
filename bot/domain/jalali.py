"""Jalali (Solar Hijri) dates as users see and type them.

Storage keeps Gregorian ``datetime.date`` values and UTC-aware ``datetime``
values; this module is the only place that converts to and from the Jalali
calendar, so every public function takes and returns Gregorian objects.

jdatetime implements the arithmetic 33-year leap rule, which agrees with the
official calendar only for the years 1206..1498; dates outside that window are
refused rather than silently shifted by a day.
"""

from __future__ import annotations

import datetime
import enum
import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import jdatetime

from bot.domain.digits import (
    normalize_persian,
    strip_invisible,
    to_latin_digits,
    to_persian_digits,
)

__all__ = [
    "EN_MONTHS",
    "EN_WEEKDAYS",
    "FA_MONTHS",
    "FA_WEEKDAYS",
    "FIXED_HOLIDAYS",
    "MAX_YEAR",
    "MIN_YEAR",
    "TEHRAN",
    "DateError",
    "DateParseError",
    "HolidayCalendar",
    "add_months",
    "default_calendar",
    "format_date",
    "format_datetime",
    "from_jalali",
    "is_leap",
    "jalali_parts",
    "load_lunar_holidays",
    "month_length",
    "parse_date",
    "tehran_today",
    "to_tehran",
]

# Iran observed daylight saving time until 2022, so a fixed +03:30 offset
# would show historical timestamps an hour off.
TEHRAN = ZoneInfo("Asia/Tehran")

MIN_YEAR = 1206
MAX_YEAR = 1498

FA_MONTHS: tuple[str, ...] = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
EN_MONTHS: tuple[str, ...] = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
# The Iranian week starts on Saturday, so index 0 is Saturday.
FA_WEEKDAYS: tuple[str, ...] = (
    "شنبه",
    "یکشنبه",
    "دوشنبه",
    "سه\u200cشنبه",
    "چهارشنبه",
    "پنجشنبه",
    "جمعه",
)
EN_WEEKDAYS: tuple[str, ...] = (
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
)
_FRIDAY = 6

# Official holidays that fall on the same Jalali day every year, as (month, day).
FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {
        (1, 1),  # Nowruz
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 12),  # Islamic Republic Day
        (1, 13),  # Nature Day
        (3, 14),  # death of Khomeini
        (3, 15),  # 15 Khordad uprising
        (11, 22),  # Revolution Day
        (12, 29),  # oil nationalisation
    }
)


class DateError(enum.StrEnum):
    """Why a user's date was refused; the bot maps each to a localized message."""

    EMPTY = "empty"
    UNRECOGNIZED = "unrecognized"
    IMPOSSIBLE = "impossible"
    AMBIGUOUS = "ambiguous"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    OUT_OF_RANGE = "out_of_range"


class DateParseError(ValueError):
    """A date could not be accepted; ``reason`` says precisely why."""

    def __init__(self, reason: DateError, text: str) -> None:
        super().__init__(f"{reason.value}: {text!r}")
        self.reason = reason
        self.text = text


# --------------------------------------------------------------------------
# Calendar arithmetic
# --------------------------------------------------------------------------


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateParseError(DateError.OUT_OF_RANGE, text)


def is_leap(year: int) -> bool:
    """Whether the Jalali ``year`` has 366 days (Esfand has 30 days)."""
    _check_year(year, str(year))
    return bool(jdatetime.date(year, 1, 1).isleap())


def month_length(year: int, month: int) -> int:
    """Number of days in a Jalali month."""
    _check_year(year, f"{year}/{month}")
    if not 1 <= month <= 12:
        raise DateParseError(DateError.IMPOSSIBLE, f"{year}/{month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


def from_jalali(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of a Jalali day; refuses days that do not exist."""
    text = f"{year}/{month:02d}/{day:02d}"
    _check_year(year, text)
    if not 1 <= month <= 12 or not 1 <= day <= month_length(year, month):
        raise DateParseError(DateError.IMPOSSIBLE, text)
    return jdatetime.date(year, month, day).togregorian()


def jalali_parts(d: datetime.date) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the Jalali calendar."""
    # A datetime is also a date; its time part must not leak into the result.
    plain = datetime.date(d.year, d.month, d.day)
    j = jdatetime.date.fromgregorian(date=plain)
    return j.year, j.month, j.day


def add_months(d: datetime.date, months: int) -> datetime.date:
    """Move by whole Jalali months, clamping the day to the target month's length."""
    year, month, day = jalali_parts(d)
    target_year, month_index = divmod(year * 12 + (month - 1) + months, 12)
    target_month = month_index + 1
    return from_jalali(target_year, target_month, min(day, month_length(target_year, target_month)))


def _saturday_index(d: datetime.date) -> int:
    # Python counts from Monday (0); the Iranian week counts from Saturday.
    return (d.weekday() + 2) % 7


# --------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------


def _require_aware(moment: datetime.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")


def to_tehran(moment: datetime.datetime, zone: ZoneInfo = TEHRAN) -> datetime.datetime:
    """The same instant expressed in Tehran local time (or the configured zone)."""
    _require_aware(moment)
    return moment.astimezone(zone)


def tehran_today(now_utc: datetime.datetime, zone: ZoneInfo = TEHRAN) -> datetime.date:
    """The Gregorian calendar date it is in Tehran (or the configured zone) at ``now_utc``."""
    return to_tehran(now_utc, zone).date()


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def _check_locale(locale: str) -> None:
    if locale not in ("fa", "en"):
        raise ValueError(f"unsupported locale {locale!r}; expected 'fa' or 'en'")


def format_date(d: datetime.date, locale: str, *, long: bool = False, weekday: bool = False) -> str:
    """Render a Gregorian date as a Jalali date for display.

    Numeric form is ``1405/09/01``; long form is ``1 Azar 1405``. Persian
    output uses Persian digits. Every form produced here is accepted back by
    :func:`parse_date`.
    """
    _check_locale(locale)
    year, month, day = jalali_parts(d)
    if long:
        month_name = (FA_MONTHS if locale == "fa" else EN_MONTHS)[month - 1]
        text = f"{day} {month_name} {year}"
    else:
        text = f"{year:04d}/{month:02d}/{day:02d}"
    if weekday:
        names = FA_WEEKDAYS if locale == "fa" else EN_WEEKDAYS
        text = f"{names[_saturday_index(d)]} {text}"
    return to_persian_digits(text) if locale == "fa" else text


def format_datetime(moment: datetime.datetime, locale: str, zone: ZoneInfo = TEHRAN) -> str:
    """Render an aware instant as Tehran wall-clock time: ``1405/09/01 14:30``."""
    _check_locale(locale)
    local = to_tehran(moment, zone)
    text = f"{format_date(local.date(), 'en')} {local.hour:02d}:{local.minute:02d}"
    return to_persian_digits(text) if locale == "fa" else text


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

# Bidi marks and zero-width characters arrive invisibly when dates are copied
# from other apps; ZWNJ separates word parts, so it becomes a space instead.
_ZWNJ = "\u200c"

_MONTH_NAMES: Mapping[str, int] = MappingProxyType(
    {
        **{name: i for i, name in enumerate(FA_MONTHS, start=1)},
        **{name.lower(): i for i, name in enumerate(EN_MONTHS, start=1)},
        # Common alternative spellings, including ones typed without the madda.
        "امرداد": 5,
        "ابان": 8,
        "اذر": 9,
        "amordad": 5,
        "shahrivar": 6,
        "shahriver": 6,
        "dei": 10,
    }
)

# Internal spaces may be missing or be a ZWNJ, hence \s* between word parts.
_WEEKDAY_PATTERNS: tuple[tuple[str, int], ...] = (
    (r"یک\s*شنبه", 1),
    (r"دو\s*شنبه", 2),
    (r"سه\s*شنبه", 3),
    (r"چهار\s*شنبه", 4),
    (r"پنج\s*شنبه", 5),
    (r"شنبه", 0),
    (r"جمعه", 6),
    (r"saturday|sat", 0),
    (r"sunday|sun", 1),
    (r"monday|mon", 2),
    (r"tuesday|tue", 3),
    (r"wednesday|wed", 4),
    (r"thursday|thu", 5),
    (r"friday|fri", 6),
)
_WEEKDAY_PREFIXES: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(rf"^(?:{pattern})(?:\s*[,،]\s*|\s+)(?P<rest>.+)$"), index)
    for pattern, index in _WEEKDAY_PATTERNS
)

_TODAY = re.compile(r"^(?:امروز|today)$")
_TOMORROW = re.compile(r"^(?:فردا|tomorrow)$")
_DAY_AFTER_TOMORROW = re.compile(r"^(?:پس\s*فردا|(?:the\s+)?day\s+after\s+tomorrow)$")
_DAYS_AHEAD = re.compile(r"^(?:(?P<fa>\d+)\s*روز\s*(?:دیگر|دیگه|بعد)|in\s+(?P<en>\d+)\s+days?)$")

_SEP = r"\s*[/\-.٫]\s*"
_NUMERIC = re.compile(rf"^(?P<a>\d+){_SEP}(?P<b>\d+){_SEP}(?P<c>\d+)$")
# Day and year around a month name (either order), or month name first.
_NAMED_MIDDLE = re.compile(r"^(?P<a>\d+)\s*(?P<m>[^\d\s]+)(?:\s+ماه)?\s*(?P<c>\d+)$")
_NAMED_FIRST = re.compile(r"^(?P<m>[^\d\s]+)(?:\s+ماه)?\s*(?P<a>\d+)\s+(?P<c>\d+)$")


def _clean(text: str) -> str:
    text = strip_invisible(text).replace(_ZWNJ, " ")
    return normalize_persian(to_latin_digits(text)).lower()


def _expand_two_digit_year(two_digits: int, today_year: int) -> int:
    # The century that lands closest to the current year wins; on an exact
    # tie the earlier candidate is chosen because min() keeps the first.
    century = today_year - today_year % 100
    candidates = (century - 100 + two_digits, century + two_digits, century + 100 + two_digits)
    return min(candidates, key=lambda year: abs(year - today_year))


def _could_be_day(token: str) -> bool:
    return len(token) <= 2 and 1 <= int(token) <= 31


def _year_value(token: str, today_year: int) -> int:
    if len(token) == 4:
        return int(token)
    return _expand_two_digit_year(int(token), today_year)


def _resolve_year_and_day(first: str, last: str, today_year: int, raw: str) -> tuple[int, int]:
    """Decide which of the outer numbers is the year and which the day.

    A year is written with four digits or two; one- and three-digit numbers
    are never read as years, which is what makes ``05/1/1`` unambiguous.
    """
    if len(first) == 4 and len(last) == 4:
        raise DateParseError(DateError.UNRECOGNIZED, raw)
    if len(first) == 4:
        year_first = True
    elif len(last) == 4:
        year_first = False
    else:
        first_is_year = len(first) == 2
        last_is_year = len(last) == 2
        year_first_fits = first_is_year and _could_be_day(last)
        day_first_fits = last_is_year and _could_be_day(first)
        if year_first_fits and day_first_fits:
            raise DateParseError(DateError.AMBIGUOUS, raw)
        if year_first_fits or day_first_fits:
            year_first = year_first_fits
        elif first_is_year or last_is_year:
            # Neither reading gives a real day (e.g. 96/02/87); read it the
            # way the year's shape suggests and let validation say IMPOSSIBLE.
            year_first = first_is_year
        else:
            raise DateParseError(DateError.UNRECOGNIZED, raw)
    year_token, day_token = (first, last) if year_first else (last, first)
    if len(day_token) > 2:
        raise DateParseError(DateError.UNRECOGNIZED, raw)
    return _year_value(year_token, today_year), int(day_token)


def _month_from_name(name: str) -> int | None:
    # Separators sometimes surround the name too, as in 1-آذر-1405.
    name = name.strip("-/.٫")
    month = _MONTH_NAMES.get(name)
    if month is None and name.endswith("ماه"):
        month = _MONTH_NAMES.get(name.removesuffix("ماه"))
    return month


def _build(year: int, month: int, day: int, raw: str) -> datetime.date:
    try:
        return from_jalali(year, month, day)
    except DateParseError as error:
        raise DateParseError(error.reason, raw) from None


def _parse_relative(body: str, today: datetime.date, raw: str) -> datetime.date | None:
    offset: int | None = None
    if _TODAY.match(body):
        offset = 0
    elif _TOMORROW.match(body):
        offset = 1
    elif _DAY_AFTER_TOMORROW.match(body):
        offset = 2
    elif match := _DAYS_AHEAD.match(body):
        days = match.group("fa") or match.group("en")
        # Checked before int(): a pasted run of thousands of digits is no date either.
        if len(days.lstrip("0")) > 6:
            raise DateParseError(DateError.OUT_OF_RANGE, raw)
        offset = int(days)
    if offset is None:
        return None
    try:
        result = today + datetime.timedelta(days=offset)
    except OverflowError:
        raise DateParseError(DateError.OUT_OF_RANGE, raw) from None
    if not MIN_YEAR <= jalali_parts(result)[0] <= MAX_YEAR:
        raise DateParseError(DateError.OUT_OF_RANGE, raw)
    return result


def _parse_absolute(body: str, today_year: int, raw: str) -> datetime.date | None:
    if match := _NUMERIC.match(body):
        year, day = _resolve_year_and_day(match["a"], match["c"], today_year, raw)
        if len(match["b"]) > 2:
            raise DateParseError(DateError.UNRECOGNIZED, raw)
        return _build(year, int(match["b"]), day, raw)

    body = " ".join(re.sub(r"[,،]", " ", body).split())
    if match := _NAMED_MIDDLE.match(body):
        month = _month_from_name(match["m"])
        if month is None:
            return None
        year, day = _resolve_year_and_day(match["a"], match["c"], today_year, raw)
        return _build(year, month, day, raw)
    if match := _NAMED_FIRST.match(body):
        month = _month_from_name(match["m"])
        if month is None:
            return None
        day_token, year_token = match["a"], match["c"]
        if len(day_token) > 2 or len(year_token) not in (2, 4):
            raise DateParseError(DateError.UNRECOGNIZED, raw)
        return _build(_year_value(year_token, today_year), month, int(day_token), raw)
    return None


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """Read a date typed by a user and return it as a Gregorian date.

    Accepts numeric Jalali dates in any digit script (``1405/09/01``,
    ``۱۴۰۵-۹-۱``, day-first ``1/9/1405``, two-digit years), month names in
    Persian or English transliteration (``۱ آذر ۱۴۰۵``, ``Azar 1 1405``), an
    optional leading weekday that must match the date, and relative words
    (``امروز``, ``فردا``, ``پس‌فردا``, ``۳ روز دیگر``, ``today``, ``in 3 days``)
    counted from ``today``. Two-digit years take the century closest to
    ``today``. Raises :class:`DateParseError` with a precise reason.
    """
    body = _clean(text)
    if not body:
        raise DateParseError(DateError.EMPTY, text)

    expected_weekday: int | None = None
    for prefix, index in _WEEKDAY_PREFIXES:
        if match := prefix.match(body):
            expected_weekday = index
            body = match["rest"].strip(" ,،")
            break

    result = _parse_relative(body, today, text)
    if result is None:
        result = _parse_absolute(body, jalali_parts(today)[0], text)
    if result is None:
        raise DateParseError(DateError.UNRECOGNIZED, text)
    if expected_weekday is not None and _saturday_index(result) != expected_weekday:
        raise DateParseError(DateError.WEEKDAY_MISMATCH, text)
    return result


# --------------------------------------------------------------------------
# Working days
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayCalendar:
    """Official Iranian holidays: fixed solar ones plus per-year lunar ones.

    Lunar holidays move about eleven days each solar year and are fixed only
    when the official calendar is published, so they are data, keyed by
    Jalali year with (month, day) pairs. Friday is the weekly day off.
    """

    lunar: Mapping[int, frozenset[tuple[int, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Freeze a private copy so a caller mutating its dict cannot change
        # which days count as working days after the fact.
        frozen = MappingProxyType({year: frozenset(days) for year, days in self.lunar.items()})
        object.__setattr__(self, "lunar", frozen)

    def covers(self, year: int) -> bool:
        """Whether lunar holidays are known for this Jalali year."""
        return year in self.lunar

    def is_holiday(self, d: datetime.date) -> bool:
        """Whether ``d`` is an official holiday (Fridays alone do not count)."""
        year, month, day = jalali_parts(d)
        return (month, day) in FIXED_HOLIDAYS or (month, day) in self.lunar.get(year, ())

    def is_working_day(self, d: datetime.date) -> bool:
        return _saturday_index(d) != _FRIDAY and not self.is_holiday(d)

    def next_working_day(self, d: datetime.date) -> datetime.date:
        """``d`` itself if it is a working day, otherwise the first one after it."""
        while not self.is_working_day(d):
            d += datetime.timedelta(days=1)
        return d

    def add_working_days(self, d: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``d``.

        ``n == 0`` returns :meth:`next_working_day` of ``d``, so the result is
        always a working day: a deadline "due today" set on a Friday moves to
        Saturday. ``d`` itself is never counted for ``n >= 1``.
        """
        if n < 0:
            raise ValueError("n must be zero or positive")
        if n == 0:
            return self.next_working_day(d)
        for _ in range(n):
            d = self.next_working_day(d + datetime.timedelta(days=1))
        return d


_MONTH_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def load_lunar_holidays(path: str | os.PathLike[str]) -> HolidayCalendar:
    """Read per-year holidays from TOML: ``[holidays]`` then ``1404 = ["01/11", ...]``.

    Refuses anything malformed with a ValueError naming the key and the reason,
    because a silently skipped entry would shift deadlines without anyone noticing.
    """
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error

    table = document.get("holidays")
    if not isinstance(table, dict):
        raise ValueError(f"{path}: holidays: missing [holidays] table")

    lunar: dict[int, frozenset[tuple[int, int]]] = {}
    for key, entries in table.items():
        where = f"{path}: holidays.{key}"
        if not re.fullmatch(r"\d{4}", key):
            raise ValueError(f"{where}: key must be a four-digit Jalali year")
        year = int(key)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"{where}: year outside {MIN_YEAR}..{MAX_YEAR}")
        if not isinstance(entries, list):
            raise ValueError(f'{where}: value must be a list of "MM/DD" strings')
        days: set[tuple[int, int]] = set()
        for entry in entries:
            match = _MONTH_DAY.match(to_latin_digits(entry)) if isinstance(entry, str) else None
            if match is None:
                raise ValueError(f'{where}: {entry!r} is not a "MM/DD" string')
            month, day = int(match[1]), int(match[2])
            if not 1 <= month <= 12 or not 1 <= day <= month_length(year, month):
                raise ValueError(f"{where}: {entry!r} does not exist in {year}")
            if (month, day) in days:
                raise ValueError(f"{where}: {entry!r} is listed twice")
            days.add((month, day))
        lunar[year] = frozenset(days)
    return HolidayCalendar(lunar=lunar)


_SHIPPED_HOLIDAYS = Path(__file__).with_name("lunar_holidays.toml")


@functools.cache
def default_calendar() -> HolidayCalendar:
    """The calendar built from the lunar holidays shipped with the bot."""
    return load_lunar_holidays(_SHIPPED_HOLIDAYS)

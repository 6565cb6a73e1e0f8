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
import difflib
import enum
import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NoReturn
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
    "add_months",
    "date_pair",
    "format_date",
    "format_datetime",
    "from_jalali",
    "is_leap",
    "jalali_parts",
    "month_length",
    "parse_date",
    "parse_date_time",
    "parse_time",
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
    # A Gregorian date typed by mistake; ``suggestion`` is that day, to confirm in Jalali.
    GREGORIAN = "gregorian"
    # A month name nearly right (آذز for آذر); ``month`` is the one meant.
    UNKNOWN_MONTH = "unknown_month"
    # Two numbers without a year or month name (9/1): which is the month is anyone's guess.
    NO_YEAR = "no_year"
    # A time that does not exist (25:00) or cannot be read after a date.
    BAD_TIME = "bad_time"


class DateParseError(ValueError):
    """A date could not be accepted; ``reason`` says precisely why."""

    def __init__(
        self,
        reason: DateError,
        text: str,
        *,
        suggestion: datetime.date | None = None,
        month: int | None = None,
    ) -> None:
        super().__init__(f"{reason.value}: {text!r}")
        self.reason = reason
        self.text = text
        self.suggestion = suggestion
        self.month = month


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
    return _jalali_parts(d.year, d.month, d.day)


# A morning's reminders render tens of thousands of due dates, most of them the same few
# hundred days; jdatetime's conversion (and its locale look-up) is the dearest part of a line.
@functools.lru_cache(maxsize=8192)
def _jalali_parts(year: int, month: int, day: int) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=datetime.date(year, month, day))
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


def date_pair(d: datetime.date, locale: str) -> tuple[str, str]:
    """(the Jalali date as `format_date` writes it, the ISO date): spreadsheets put the ISO
    date beside each Jalali one because Excel can neither sort nor compute Jalali text."""
    return format_date(d, locale), d.isoformat()


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

# Gregorian month names, in English and as Persian writes them: a date written with one of
# these is Gregorian, whatever its numbers.
_GREGORIAN_MONTHS: Mapping[str, int] = MappingProxyType(
    {
        **{
            name: i
            for i, names in enumerate(
                (
                    ("january", "jan", "ژانویه"),
                    ("february", "feb", "فوریه"),
                    ("march", "mar", "مارس"),
                    ("april", "apr", "آوریل", "اوریل"),
                    ("may", "مه", "می"),
                    ("june", "jun", "ژوئن"),
                    ("july", "jul", "ژوئیه", "جولای"),
                    ("august", "aug", "اوت", "آگوست"),
                    ("september", "sep", "sept", "سپتامبر"),
                    ("october", "oct", "اکتبر"),
                    ("november", "nov", "نوامبر"),
                    ("december", "dec", "دسامبر"),
                ),
                start=1,
            )
            for name in names
        }
    }
)
# Four-digit years a Jalali date cannot have (MAX_YEAR is 1498) but a Gregorian one does.
_GREGORIAN_YEARS = range(1900, 2200)

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

# Words for a day counted from today.
_NAMED_DAYS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(?:امروز|today)$"), 0),
    (re.compile(r"^(?:فردا|tomorrow)$"), 1),
    (re.compile(r"^(?:پس\s*فردا|(?:the\s+)?day\s+after\s+tomorrow)$"), 2),
    (re.compile(r"^(?:دیروز|yesterday)$"), -1),
    (re.compile(r"^(?:پریروز|(?:the\s+)?day\s+before\s+yesterday)$"), -2),
)
# "سه روز دیگر", "۲ هفته بعد", "یک ماه پیش", "هفته‌ی بعد", "ماه آینده"; no number is one.
_FA_RELATIVE = re.compile(
    r"^(?:(?P<n>\d+|.+?)\s*)?(?P<unit>روز|هفته|ماه)(?:\s*ی)?\s*"
    r"(?P<dir>دیگر|دیگه|بعد|آینده|اینده|پیش|قبل)$"
)
_FA_UNITS: Mapping[str, str] = MappingProxyType({"روز": "day", "هفته": "week", "ماه": "month"})
_FA_BACK = frozenset({"پیش", "قبل"})
_EN_IN = re.compile(r"^in\s+(?P<n>.+?)\s+(?P<unit>day|week|month)s?$")
_EN_LATER = re.compile(
    r"^(?P<n>.+?)\s+(?P<unit>day|week|month)s?\s+(?P<dir>later|from\s+(?:now|today)|ago)$"
)
_EN_NEXT = re.compile(r"^next\s+(?P<unit>week|month)$")
_END_OF_MONTH = re.compile(
    r"^(?:(?:آخر|پایان|انتهای)\s+(?:این\s+|همین\s+)?ماه|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month)$"
)
# "اول آذر ۱۴۰۵", "آخر اسفند", "first of Azar", "end of Esfand 1405".
_EDGE_OF_MONTH = re.compile(
    r"^(?P<edge>اول|آخر|first\s+of|end\s+of|last\s+of)\s+(?P<m>[^\d\s]+)(?:\s+ماه)?"
    r"(?:\s+(?P<y>\d+))?$"
)

_FA_NUMBERS: Mapping[str, int] = MappingProxyType(
    {
        "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6,
        "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13,
        "چهارده": 14, "پانزده": 15, "پونزده": 15, "شانزده": 16, "شونزده": 16, "هفده": 17,
        "هجده": 18, "هیجده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40,
        "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90,
    }
)  # fmt: skip
_EN_NUMBERS: Mapping[str, int] = MappingProxyType(
    {
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
        "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
        "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    }
)  # fmt: skip

_SEP = r"\s*[/\-.٫،,]\s*"
_NUMERIC = re.compile(rf"^(?P<a>\d+){_SEP}(?P<b>\d+){_SEP}(?P<c>\d+)$")
_NUMERIC_NO_YEAR = re.compile(rf"^\d{{1,2}}{_SEP}\d{{1,2}}$")
# Day and year around a month name (either order), or month name first.
_NAMED_MIDDLE = re.compile(r"^(?P<a>\d+)\s*(?P<m>[^\d\s]+)(?:\s+ماه)?\s*(?P<c>\d+)$")
_NAMED_FIRST = re.compile(r"^(?P<m>[^\d\s]+)(?:\s+ماه)?\s*(?P<a>\d+)\s+(?P<c>\d+)$")
# A day and a month name without a year: the next such day.
_DAY_MONTH = re.compile(r"^(?P<d>\d+)\s*(?P<m>[^\d\s]+)(?:\s+ماه)?$")
_MONTH_DAY = re.compile(r"^(?P<m>[^\d\s]+)(?:\s+ماه)?\s*(?P<d>\d+)$")


def _clean(text: str) -> str:
    text = strip_invisible(text).replace(_ZWNJ, " ")
    return normalize_persian(to_latin_digits(text)).lower()


_BEYOND_ANY_DATE = 10**7


def _count(words: str) -> int | None:
    """A count written in digits or in words, Persian or English, up to ninety-nine."""
    if words.isdigit():
        # Checked before int(): a pasted run of thousands of digits is no count either, and
        # anything past a million days is out of range for every date anyway.
        return int(words) if len(words.lstrip("0")) <= 6 else _BEYOND_ANY_DATE
    table = _EN_NUMBERS if words.isascii() else _FA_NUMBERS
    parts = [p for p in re.split(r"\s+و\s+|[\s-]+", words) if p != "and"]
    values = [table.get(p) for p in parts]
    if not values or None in values or len(values) > 2:
        return None
    if len(values) == 2:
        tens, units = values
        assert tens is not None and units is not None
        if tens < 20 or tens % 10 or units >= 10:
            return None
        return tens + units
    return values[0]


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


def _month_from_name(name: str, raw: str) -> int | None:
    """The Jalali month a word names; a near miss (آذز) is refused saying which was meant."""
    # Separators sometimes surround the name too, as in 1-آذر-1405.
    name = name.strip("-/.٫")
    month = _MONTH_NAMES.get(name)
    if month is None and name.endswith("ماه"):
        month = _MONTH_NAMES.get(name.removesuffix("ماه"))
    if month is None and len(name) >= 3 and name not in _GREGORIAN_MONTHS:
        close = difflib.get_close_matches(name, [n for n in _MONTH_NAMES if len(n) >= 3], 1, 0.6)
        if close:
            raise DateParseError(DateError.UNKNOWN_MONTH, raw, month=_MONTH_NAMES[close[0]])
    return month


def _build(year: int, month: int, day: int, raw: str) -> datetime.date:
    try:
        return from_jalali(year, month, day)
    except DateParseError as error:
        raise DateParseError(error.reason, raw) from None


def _gregorian(year: int, month: int, day: int, raw: str) -> NoReturn:
    """A Gregorian date was typed: refuse it, offering the same day to confirm."""
    try:
        meant = datetime.date(year, month, day)
    except ValueError:
        raise DateParseError(DateError.IMPOSSIBLE, raw) from None
    raise DateParseError(DateError.GREGORIAN, raw, suggestion=meant)


def _next_gregorian(month: int, day: int, today: datetime.date, raw: str) -> NoReturn:
    for year in (today.year, today.year + 1, today.year + 4):
        try:
            meant = datetime.date(year, month, day)
        except ValueError:
            continue
        if meant >= today:
            raise DateParseError(DateError.GREGORIAN, raw, suggestion=meant)
    raise DateParseError(DateError.IMPOSSIBLE, raw)


def _next_such_day(month: int, day: int, today: datetime.date, raw: str) -> datetime.date:
    """The first ``day`` of ``month`` from today on; 30 Esfand waits for a leap year."""
    year = jalali_parts(today)[0]
    if not 1 <= day <= 31:
        raise DateParseError(DateError.IMPOSSIBLE, raw)
    for candidate in range(year, min(year + 5, MAX_YEAR) + 1):
        if day <= month_length(candidate, month):
            found = from_jalali(candidate, month, day)
            if found >= today:
                return found
    raise DateParseError(DateError.IMPOSSIBLE, raw)


def _shift(today: datetime.date, unit: str, n: int, raw: str) -> datetime.date:
    try:
        if unit == "month":
            result = add_months(today, n)
        else:
            result = today + datetime.timedelta(days=n * (7 if unit == "week" else 1))
    except (OverflowError, DateParseError):
        raise DateParseError(DateError.OUT_OF_RANGE, raw) from None
    if not MIN_YEAR <= jalali_parts(result)[0] <= MAX_YEAR:
        raise DateParseError(DateError.OUT_OF_RANGE, raw)
    return result


def _parse_relative(body: str, today: datetime.date, raw: str) -> datetime.date | None:
    for pattern, offset in _NAMED_DAYS:
        if pattern.match(body):
            return _shift(today, "day", offset, raw)
    if match := _FA_RELATIVE.match(body):
        n = 1 if match["n"] is None else _count(match["n"])
        if n is None:
            return None
        sign = -1 if match["dir"] in _FA_BACK else 1
        return _shift(today, _FA_UNITS[match["unit"]], sign * n, raw)
    if (match := _EN_IN.match(body)) or (match := _EN_LATER.match(body)):
        n = _count(match["n"])
        if n is None:
            return None
        sign = -1 if match.groupdict().get("dir") == "ago" else 1
        return _shift(today, match["unit"], sign * n, raw)
    if match := _EN_NEXT.match(body):
        return _shift(today, match["unit"], 1, raw)
    if _END_OF_MONTH.match(body):
        year, month, _ = jalali_parts(today)
        return from_jalali(year, month, month_length(year, month))
    return None


def _parse_edge_of_month(body: str, today: datetime.date, raw: str) -> datetime.date | None:
    match = _EDGE_OF_MONTH.match(body)
    if match is None:
        return None
    month = _month_from_name(match["m"], raw)
    if month is None:
        return None
    first = match["edge"] in ("اول", "first of")
    if match["y"] is not None:
        if len(match["y"]) not in (2, 4):
            raise DateParseError(DateError.UNRECOGNIZED, raw)
        year = _year_value(match["y"], jalali_parts(today)[0])
        _check_year(year, raw)
        return _build(year, month, 1 if first else month_length(year, month), raw)
    if first:
        return _next_such_day(month, 1, today, raw)
    year = jalali_parts(today)[0]
    last = from_jalali(year, month, month_length(year, month))
    return last if last >= today else add_months(last, 12)


def _parse_numeric(body: str, today_year: int, raw: str) -> datetime.date | None:
    if _NUMERIC_NO_YEAR.match(body):
        raise DateParseError(DateError.NO_YEAR, raw)
    match = _NUMERIC.match(body)
    if match is None:
        return None
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4 and int(a) in _GREGORIAN_YEARS:
        _gregorian(int(a), int(b), int(c), raw)
    if len(c) == 4 and int(c) in _GREGORIAN_YEARS:
        # Day first as Iran writes Gregorian dates, unless only month first makes sense.
        day, month = (int(a), int(b)) if int(b) <= 12 else (int(b), int(a))
        _gregorian(int(c), month, day, raw)
    year, day = _resolve_year_and_day(a, c, today_year, raw)
    if len(b) > 2:
        raise DateParseError(DateError.UNRECOGNIZED, raw)
    return _build(year, int(b), day, raw)


def _parse_named(body: str, today: datetime.date, raw: str) -> datetime.date | None:
    today_year = jalali_parts(today)[0]
    body = " ".join(re.sub(r"[,،]", " ", body).split())
    for pattern, month_first in ((_NAMED_MIDDLE, False), (_NAMED_FIRST, True)):
        match = pattern.match(body)
        if match is None:
            continue
        name = match["m"].strip("-/.٫")
        if name in _GREGORIAN_MONTHS:
            day, year = (match["a"], match["c"])
            if not month_first and len(day) == 4:
                day, year = year, day
            if len(year) == 4 and int(year) in _GREGORIAN_YEARS and len(day) <= 2:
                _gregorian(int(year), _GREGORIAN_MONTHS[name], int(day), raw)
            raise DateParseError(DateError.UNRECOGNIZED, raw)
        month = _month_from_name(match["m"], raw)
        if month is None:
            return None
        if month_first:
            day_token, year_token = match["a"], match["c"]
            if len(day_token) > 2 or len(year_token) not in (2, 4):
                raise DateParseError(DateError.UNRECOGNIZED, raw)
            return _build(_year_value(year_token, today_year), month, int(day_token), raw)
        year, day = _resolve_year_and_day(match["a"], match["c"], today_year, raw)
        return _build(year, month, day, raw)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.match(body)
        if match is None:
            continue
        name = match["m"].strip("-/.٫")
        if len(match["d"]) > 2:
            return None
        if name in _GREGORIAN_MONTHS:
            _next_gregorian(_GREGORIAN_MONTHS[name], int(match["d"]), today, raw)
        month = _month_from_name(match["m"], raw)
        if month is None:
            return None
        return _next_such_day(month, int(match["d"]), today, raw)
    return None


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """Read a date typed by a user and return it as a Gregorian date.

    Accepts numeric Jalali dates in any digit script (``1405/09/01``,
    ``۱۴۰۵-۹-۱``, ``۱۴۰۵،۰۹،۰۱``, day-first ``1/9/1405``, two-digit years),
    month names in Persian or English transliteration (``۱ آذر ۱۴۰۵``,
    ``Azar 1 1405``), a day and month without a year (``۱۵ بهمن``: the next
    such day), the first or last day of a month (``اول آذر ۱۴۰۵``, ``آخر
    اسفند``), an optional leading weekday that must match the date, and words
    counted from ``today``: ``امروز``, ``فردا``, ``پس‌فردا``, ``دیروز``, ``سه روز
    دیگر``, ``۲ هفته بعد``, ``یک ماه دیگر``, ``هفته بعد``, ``ماه بعد``, ``آخر
    ماه``, ``today``, ``in 3 days``, ``two weeks later``, ``next month``,
    ``end of month``. Past days are the caller's to refuse where they make no
    sense. A Gregorian date (``2026-12-01``, ``1 December 2026``) is refused
    with ``GREGORIAN`` and the day it means as ``suggestion``. Two-digit years
    take the century closest to ``today``. Raises :class:`DateParseError` with
    a precise reason.
    """
    body = _clean(text)
    if not body:
        raise DateParseError(DateError.EMPTY, text)

    expected_weekday: int | None = None
    for prefix, index in _WEEKDAY_PREFIXES:
        if match := prefix.match(body):
            expected_weekday = index
            body = match["rest"]
            break
    # A separator left at either end, as in "۱۴۰۵/۰۹/۰۱، ساعت ۱۰", is no part of the date.
    body = body.strip(" ,،")
    if not body:
        raise DateParseError(DateError.UNRECOGNIZED, text)

    result = _parse_relative(body, today, text)
    if result is None:
        result = _parse_edge_of_month(body, today, text)
    if result is None:
        result = _parse_numeric(body, jalali_parts(today)[0], text)
    if result is None:
        result = _parse_named(body, today, text)
    if result is None:
        raise DateParseError(DateError.UNRECOGNIZED, text)
    if expected_weekday is not None and _saturday_index(result) != expected_weekday:
        raise DateParseError(DateError.WEEKDAY_MISMATCH, text)
    return result


# --------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------

# 10:30, ۱۰:۳۰, 9.30, 10; a colon typed on a Persian keyboard is still a colon.
_TIME = re.compile(
    r"^(?:(?P<word>ساعت|at)\s*)?(?P<hour>\d{1,2})(?:\s*(?P<sep>[:.٫：])\s*(?P<minute>\d{2}))?"
    r"(?:\s*(?P<half>صبح|ظهر|عصر|شب|am|a\.m\.|pm|p\.m\.))?$"
)
_AFTERNOON = re.compile(r"بعد\s*از\s*ظهر")
_MORNING_WORDS = frozenset({"صبح", "am", "a.m."})
_EVENING_WORDS = frozenset({"عصر", "شب", "pm", "p.m."})


def _read_time(body: str, raw: str, *, bare: bool) -> datetime.time | None:
    """``body`` as a time, or None; a bare number counts only when ``bare``."""
    match = _TIME.match(_AFTERNOON.sub("عصر", body))
    if match is None:
        return None
    if not bare and not (match["word"] or match["sep"] or match["half"]):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = match["half"]
    if half in _EVENING_WORDS or (half == "ظهر" and hour < 6):
        # "۹ شب" is 21:00; "۱۲ شب" is midnight.
        hour = 0 if (hour == 12 and half == "شب") else hour + 12 if hour < 12 else hour
    elif half in _MORNING_WORDS and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or (half and int(match["hour"]) > 12):
        raise DateParseError(DateError.BAD_TIME, raw)
    return datetime.time(hour, minute)


def parse_time(text: str) -> datetime.time:
    """A wall-clock time as people type it: ``10:30``, ``ساعت ۱۰``, ``۴ عصر``, ``10 am``."""
    body = _clean(text)
    found = _read_time(body, text, bare=True) if body else None
    if found is None:
        raise DateParseError(DateError.BAD_TIME, text)
    return found


def parse_date_time(text: str, today: datetime.date) -> tuple[datetime.date, datetime.time | None]:
    """A date, optionally followed by a time: ``۱۴۰۵/۰۹/۰۱ ۱۰:۳۰``, ``فردا ساعت ۱۰``.

    A time alone (``ساعت ۱۰``) is today at that time. The time is None when none was typed;
    the caller decides whether it needed one. The time must be marked (a colon, ``ساعت``,
    ``at``, ``صبح``...) so that the year of ``۱ آذر ۱۴۰۵`` is never read as an hour.
    """
    tokens = _clean(text).split()
    for size in range(min(len(tokens), 5), 0, -1):
        at = _read_time(" ".join(tokens[-size:]), text, bare=False)
        if at is None:
            continue
        date_part = " ".join(tokens[:-size])
        if not date_part:
            return today, at
        try:
            return parse_date(date_part, today), at
        except DateParseError as error:
            raise DateParseError(
                error.reason, text, suggestion=error.suggestion, month=error.month
            ) from None
    return parse_date(text, today), None


# --------------------------------------------------------------------------
# Working days live in bot/domain/workdays.py
# --------------------------------------------------------------------------

_CALENDAR_NAMES = frozenset({"HolidayCalendar", "default_calendar", "load_lunar_holidays"})


def __getattr__(name: str) -> object:
    # The calendar needs this module's arithmetic, so it is imported on first use; callers
    # keep importing HolidayCalendar and default_calendar from here.
    if name in _CALENDAR_NAMES:
        from bot.domain import workdays

        return getattr(workdays, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

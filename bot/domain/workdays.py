"""Which days are worked: official holidays, declared closures and each group's Thursday.

The official holidays come from the ``holidays`` package's Iran calendar, which its
maintainers keep in step with the official calendar (تقویم رسمی کشور) and which marks the
lunar dates it only estimates (the moon sighting can still move them by a day). The shipped
file ``holidays_override.toml`` corrects it where the secretariat knows better: it adds,
removes or renames a day. Closures (air pollution, snow, mourning) are declared in the bot
for the whole country or one province; a working group's calendar is the official one plus
the closures that reach it plus its Thursday rule, built once per scheduler pass.

Everything here is plain Python on Gregorian ``datetime.date`` values; only
:func:`package_holidays` touches the package, so tests can feed their own source.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import gettext
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path
from types import MappingProxyType

from bot.domain.digits import to_latin_digits, to_persian_digits
from bot.domain.jalali import (
    FIXED_HOLIDAYS,
    MAX_YEAR,
    MIN_YEAR,
    DateParseError,
    from_jalali,
    jalali_parts,
    month_length,
)
from bot.domain.members import Actor, Role
from bot.domain.text import InvalidInput, one_line
from bot.domain.working_groups import PROVINCES

__all__ = [
    "Closure",
    "Holiday",
    "HolidayCalendar",
    "HolidayOverrides",
    "OfficialHolidays",
    "Thursday",
    "check_closure_days",
    "clean_closure_reason",
    "closure_scopes",
    "closures_reaching",
    "default_calendar",
    "load_lunar_holidays",
    "load_overrides",
    "package_holidays",
]

_DAY = datetime.timedelta(days=1)
# Python counts weekdays from Monday (0).
_THURSDAY = 3
_FRIDAY = 4
# Where a group works half a day on Thursday, the office closes at noon.
HALF_DAY_ENDS = datetime.time(12, 0)

# The package's Iran calendar starts in 1980 (1358/1359); before that only the fixed solar
# holidays are known.
_PACKAGE_FIRST_YEAR = 1359


class Thursday(enum.StrEnum):
    """How a working group treats Thursday; most offices work it in full."""

    WORKING = "working"
    HALF = "half"
    OFF = "off"


@dataclass(frozen=True)
class Holiday:
    """One named official holiday; ``estimated`` when its lunar date is not yet confirmed."""

    day: datetime.date
    fa: str
    en: str
    estimated: bool = False

    def name(self, locale: str) -> str:
        return self.fa if locale == "fa" else self.en


@dataclass(frozen=True)
class Closure:
    """Days declared closed: ``province`` None for the whole country."""

    first: datetime.date
    last: datetime.date
    reason: str
    province: str | None = None
    id: int = 0

    def covers(self, d: datetime.date) -> bool:
        return self.first <= d <= self.last

    def days(self) -> list[datetime.date]:
        return [self.first + _DAY * i for i in range((self.last - self.first).days + 1)]


def closures_reaching(working_group: str, closures: Iterable[Closure]) -> tuple[Closure, ...]:
    """The closures that close a working group's offices: national ones and its province's.

    The central group's province is no province: only national closures reach it.
    """
    return tuple(c for c in closures if c.province is None or c.province == working_group)


# A closure is for a few days (a snow storm, a week of mourning); longer is a typo.
MAX_CLOSURE_DAYS = 31


def closure_scopes(actor: Actor) -> tuple[str | None, ...]:
    """Where ``actor`` may declare a closure: None is the whole country (a superuser's), a
    province code is that province's (its secretary's). Empty when nowhere."""
    scopes: list[str | None] = [None] if actor.is_superuser else []
    group = actor.working_group
    if group in PROVINCES and actor.has_role(Role.SECRETARY, group):
        scopes.append(group)
    return tuple(scopes)


def clean_closure_reason(text: str) -> str:
    # One line: it is quoted in every notice and in /holidays.
    return one_line(text, "closure_reason", 3, 300)


def check_closure_days(
    first: datetime.date, last: datetime.date, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """A closure starts today or later, ends on or after its start, and is not a season."""
    if first < today:
        raise InvalidInput("closure_in_past")
    if last < first:
        raise InvalidInput("closure_ends_before_it_starts")
    if (last - first).days >= MAX_CLOSURE_DAYS:
        raise InvalidInput("closure_too_long")
    return first, last


# --------------------------------------------------------------------------
# The maintained source
# --------------------------------------------------------------------------


def _translation_en() -> gettext.NullTranslations:
    import holidays

    directory = Path(holidays.__file__).parent / "locale"
    return gettext.translation("IR", localedir=directory, languages=["en_US"], fallback=True)


@functools.cache
def _package_gregorian_year(year: int) -> tuple[Holiday, ...]:
    import holidays
    from holidays.countries.iran import Iran

    # The package's own texts are Persian (its msgids); English comes from its translation.
    plain = holidays.country_holidays(
        "IR", years=year, language="fa_IR", islamic_show_estimated=False
    )
    marked = holidays.country_holidays(
        "IR", years=year, language="fa_IR", islamic_show_estimated=True
    )
    english = _translation_en()
    found: list[Holiday] = []
    for day in sorted(plain):
        marked_names = marked.get_list(day)
        for name in plain.get_list(day):
            found.append(
                Holiday(
                    day=day,
                    fa=to_persian_digits(name),
                    en=english.gettext(name),
                    estimated=(Iran.estimated_label % name) in marked_names,
                )
            )
    return tuple(found)


def package_holidays(jalali_year: int) -> tuple[Holiday, ...]:
    """The ``holidays`` package's Iranian holidays falling in one Jalali year."""
    first = from_jalali(jalali_year, 1, 1)
    last = from_jalali(jalali_year + 1, 1, 1) - _DAY if jalali_year < MAX_YEAR else first
    found = _package_gregorian_year(first.year) + _package_gregorian_year(last.year)
    return tuple(h for h in found if first <= h.day <= last)


# --------------------------------------------------------------------------
# The shipped override file
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayOverrides:
    """Corrections to the package, each keyed by its Gregorian day."""

    add: tuple[Holiday, ...] = ()
    remove: frozenset[datetime.date] = frozenset()
    # A renamed day: new names, and ``estimated`` if the file says (None keeps the package's).
    rename: Mapping[datetime.date, tuple[str, str, bool | None]] = field(default_factory=dict)

    def apply(self, jalali_year: int, found: Iterable[Holiday]) -> tuple[Holiday, ...]:
        result: list[Holiday] = []
        for holiday in found:
            if holiday.day in self.remove:
                continue
            if holiday.day in self.rename:
                fa, en, estimated = self.rename[holiday.day]
                holiday = dataclasses.replace(
                    holiday,
                    fa=fa,
                    en=en,
                    estimated=holiday.estimated if estimated is None else estimated,
                )
            result.append(holiday)
        result += [h for h in self.add if jalali_parts(h.day)[0] == jalali_year]
        # A renamed day with two package names (Nowruz and Eid) is one day with one name.
        unique = {(h.day, h.fa): h for h in result}
        return tuple(sorted(unique.values(), key=lambda h: h.day))


_JALALI_DAY = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")


def _entry_day(entry: object, where: str) -> datetime.date:
    text = entry.get("date") if isinstance(entry, dict) else None
    match = _JALALI_DAY.match(to_latin_digits(text)) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'{where}: date must be a Jalali "YYYY/MM/DD" string')
    try:
        return from_jalali(int(match[1]), int(match[2]), int(match[3]))
    except DateParseError:
        raise ValueError(f"{where}: {text!r} does not exist") from None


def _entry_names(entry: dict, where: str) -> tuple[str, str]:
    fa, en = entry.get("fa"), entry.get("en")
    if not isinstance(fa, str) or not fa.strip() or not isinstance(en, str) or not en.strip():
        raise ValueError(f"{where}: both fa and en names are required")
    if re.search(r"[0-9]", fa):
        raise ValueError(f"{where}: the fa name must use Persian digits")
    return fa.strip(), en.strip()


def _entry_estimated(entry: dict, where: str) -> bool | None:
    estimated = entry.get("estimated")
    if estimated is not None and not isinstance(estimated, bool):
        raise ValueError(f"{where}: estimated must be true or false")
    return estimated


def load_overrides(path: str | os.PathLike[str]) -> HolidayOverrides:
    """Read ``[[add]]``, ``[[remove]]`` and ``[[rename]]`` entries keyed by a Jalali date.

    Refuses anything malformed with a ValueError naming the entry and the reason: a
    silently skipped line would shift deadlines without anyone noticing.
    """
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    unknown = set(document) - {"add", "remove", "rename"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}")
    seen: set[datetime.date] = set()
    add: list[Holiday] = []
    remove: set[datetime.date] = set()
    rename: dict[datetime.date, tuple[str, str, bool | None]] = {}
    for section in ("add", "remove", "rename"):
        entries = document.get(section, [])
        if not isinstance(entries, list):
            raise ValueError(f"{path}: {section} must be an array of tables ([[{section}]])")
        for index, entry in enumerate(entries, start=1):
            where = f"{path}: {section} #{index}"
            day = _entry_day(entry, where)
            if day in seen and section != "add":
                raise ValueError(f"{where}: {entry['date']!r} is listed twice")
            seen.add(day)
            if section == "remove":
                remove.add(day)
                continue
            fa, en = _entry_names(entry, where)
            estimated = _entry_estimated(entry, where)
            if section == "add":
                add.append(Holiday(day, fa, en, bool(estimated)))
            else:
                rename[day] = (fa, en, estimated)
    return HolidayOverrides(tuple(add), frozenset(remove), MappingProxyType(rename))


class OfficialHolidays:
    """Named official holidays per Jalali year: the source, then the overrides, cached."""

    def __init__(
        self,
        overrides: HolidayOverrides | None = None,
        source: Callable[[int], Iterable[Holiday]] = package_holidays,
        first_year: int = _PACKAGE_FIRST_YEAR,
    ) -> None:
        self._overrides = overrides or HolidayOverrides()
        self._source = source
        self._first_year = first_year
        self._years: dict[int, Mapping[datetime.date, tuple[Holiday, ...]]] = {}

    def covers(self, year: int) -> bool:
        return self._first_year <= year <= MAX_YEAR

    def of_year(self, year: int) -> tuple[Holiday, ...]:
        return tuple(h for day in self._year(year).values() for h in day)

    def on(self, d: datetime.date) -> tuple[Holiday, ...]:
        return self._year(jalali_parts(d)[0]).get(d, ())

    def _year(self, year: int) -> Mapping[datetime.date, tuple[Holiday, ...]]:
        if year not in self._years:
            found = self._source(year) if self.covers(year) else ()
            by_day: dict[datetime.date, tuple[Holiday, ...]] = {}
            for holiday in self._overrides.apply(year, found):
                by_day[holiday.day] = (*by_day.get(holiday.day, ()), holiday)
            self._years[year] = by_day
        return self._years[year]


# --------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayCalendar:
    """The days off of one reader or one working group.

    ``official`` names the official holidays (the maintained source with the override file);
    ``lunar`` is the older per-year (month, day) data, still accepted; the fixed solar
    holidays always count. ``closures`` are the declared closures that reach this group and
    ``thursday`` its Thursday rule. Friday is the weekly day off.
    """

    lunar: Mapping[int, frozenset[tuple[int, int]]] = field(default_factory=dict)
    official: OfficialHolidays | None = None
    closures: tuple[Closure, ...] = ()
    thursday: Thursday = Thursday.WORKING

    def __post_init__(self) -> None:
        # Freeze a private copy so a caller mutating its dict cannot change
        # which days count as working days after the fact.
        frozen = MappingProxyType({year: frozenset(days) for year, days in self.lunar.items()})
        object.__setattr__(self, "lunar", frozen)
        object.__setattr__(self, "closures", tuple(self.closures))

    def for_group(self, closures: Iterable[Closure], thursday: Thursday) -> HolidayCalendar:
        """This calendar with a group's closures and Thursday rule."""
        return dataclasses.replace(self, closures=tuple(closures), thursday=thursday)

    def covers(self, year: int) -> bool:
        """Whether the movable (lunar) holidays are known for this Jalali year."""
        return year in self.lunar or (self.official is not None and self.official.covers(year))

    def holidays_on(self, d: datetime.date) -> tuple[Holiday, ...]:
        return self.official.on(d) if self.official is not None else ()

    def closure_on(self, d: datetime.date) -> Closure | None:
        return next((c for c in self.closures if c.covers(d)), None)

    def is_official_holiday(self, d: datetime.date) -> bool:
        year, month, day = jalali_parts(d)
        if (month, day) in self.lunar.get(year, ()):
            return True
        if self.official is not None and self.official.covers(year):
            return bool(self.official.on(d))
        return (month, day) in FIXED_HOLIDAYS

    def is_holiday(self, d: datetime.date) -> bool:
        """Whether ``d`` is an official holiday or a declared closure (the weekend alone is
        not)."""
        return self.is_official_holiday(d) or self.closure_on(d) is not None

    def is_weekend(self, d: datetime.date) -> bool:
        weekday = d.weekday()
        return weekday == _FRIDAY or (weekday == _THURSDAY and self.thursday is Thursday.OFF)

    def is_working_day(self, d: datetime.date) -> bool:
        return not self.is_weekend(d) and not self.is_holiday(d)

    def working_until(self, d: datetime.date) -> datetime.time | None:
        """When a working day's office closes early (a half Thursday); None for a full day."""
        if d.weekday() == _THURSDAY and self.thursday is Thursday.HALF:
            return HALF_DAY_ENDS
        return None

    def next_working_day(self, d: datetime.date) -> datetime.date:
        """``d`` itself if it is a working day, otherwise the first one after it."""
        while not self.is_working_day(d):
            d += _DAY
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
            d = self.next_working_day(d + _DAY)
        return d

    def days_off(
        self, first: datetime.date, last: datetime.date
    ) -> list[tuple[datetime.date, tuple[Holiday, ...], Closure | None]]:
        """Every holiday or closure from ``first`` to ``last``, in order (Fridays left out)."""
        found = []
        d = first
        while d <= last:
            named = self.holidays_on(d)
            closure = self.closure_on(d)
            if named or closure is not None or self.is_official_holiday(d):
                found.append((d, named, closure))
            d += _DAY
        return found


_MONTH_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def load_lunar_holidays(path: str | os.PathLike[str]) -> HolidayCalendar:
    """Read per-year holidays from TOML: ``[holidays]`` then ``1404 = ["01/11", ...]``.

    The older format, before the maintained source: the result knows the fixed solar
    holidays and these days only. Refuses anything malformed with a ValueError naming the
    key and the reason.
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


# Read through importlib.resources: the file ships inside the installed package.
SHIPPED_OVERRIDES = files("bot.domain") / "holidays_override.toml"


@functools.cache
def default_calendar() -> HolidayCalendar:
    """The country's official calendar: the maintained source with the shipped overrides."""
    with as_file(SHIPPED_OVERRIDES) as path:
        return HolidayCalendar(official=OfficialHolidays(load_overrides(path)))

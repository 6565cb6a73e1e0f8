"""Reports a secretariat sends upward: the rules behind every number, as plain Python.

Periods are chosen by Jalali presets (this month, last season, ...) or typed as two Jalali
dates; percentages round half away from zero, like the change shown by /kpis; KPI targets are
judged against the share of the program's time that has passed; provinces are ranked by how
well they keep their tasks on time and their monitoring reports coming. No aiogram, no
SQLAlchemy: the service feeds these functions plain values.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain.clusters import ClusterStage
from bot.domain.jalali import TEHRAN, add_months, from_jalali, jalali_parts, parse_date
from bot.domain.monitoring import KPI_FIELDS, change_percent, parse_figure
from bot.domain.text import InvalidInput

# --- periods ------------------------------------------------------------------------------------


class Preset(enum.StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_SEASON = "this_season"
    LAST_SEASON = "last_season"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    CUSTOM = "custom"


# The longest custom range: a report covers at most a few years of the programme.
MAX_RANGE_DAYS = 5 * 366


@dataclass(frozen=True)
class ReportPeriod:
    """Calendar days from `start` to `end`, both included, in Tehran's calendar."""

    preset: Preset
    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends after it starts")

    def bounds(self, zone: ZoneInfo = TEHRAN) -> tuple[datetime.datetime, datetime.datetime]:
        """[from, until) as aware UTC instants: midnight of the first day to the midnight
        after the last, both Tehran wall-clock time."""
        begin = datetime.datetime.combine(self.start, datetime.time(), tzinfo=zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
        )
        return begin.astimezone(datetime.UTC), after.astimezone(datetime.UTC)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(year: int, month: int) -> datetime.date:
    return from_jalali(year, month, 1)


def _span(start: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    return start, add_months(start, months) - datetime.timedelta(days=1)


def preset_period(preset: Preset | str, today: datetime.date) -> ReportPeriod:
    """The period a preset names, seen from `today`. A running month, season or year ends on
    its last calendar day, not today: the report says what has happened so far."""
    preset = Preset(preset)
    year, month, _ = jalali_parts(today)
    if preset is Preset.THIS_MONTH:
        start, end = _span(_month_start(year, month), 1)
    elif preset is Preset.LAST_MONTH:
        start, end = _span(add_months(_month_start(year, month), -1), 1)
    elif preset in (Preset.THIS_SEASON, Preset.LAST_SEASON):
        first = _month_start(year, 3 * ((month - 1) // 3) + 1)
        if preset is Preset.LAST_SEASON:
            first = add_months(first, -3)
        start, end = _span(first, 3)
    elif preset is Preset.THIS_YEAR:
        start, end = _span(_month_start(year, 1), 12)
    elif preset is Preset.LAST_YEAR:
        start, end = _span(_month_start(year - 1, 1), 12)
    else:
        raise ValueError("a custom period is typed, not preset")
    return ReportPeriod(preset, start, end)


# "1405/01/01 تا 1405/03/31", "1405/1/1 - 1405/3/31", "from 1405/01/01 to 1405/03/31", or two
# dates on two lines.
_RANGE_SEPARATOR = re.compile(r"\s+(?:تا|to|-|–|—)\s+|\n")
_FROM_WORD = re.compile(r"^(?:از|from)\s+")


def parse_range(text: str, today: datetime.date) -> ReportPeriod:
    """A custom period typed as two Jalali dates (any form /date reads), start first."""
    body = _FROM_WORD.sub("", text.strip())
    parts = [p.strip() for p in _RANGE_SEPARATOR.split(body) if p.strip()]
    if len(parts) != 2:
        tokens = body.split()
        if len(tokens) != 2:
            raise InvalidInput("range_two_dates")
        parts = tokens
    start, end = (parse_date(p, today) for p in parts)
    if end < start:
        raise InvalidInput("range_backwards")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput("range_too_long")
    return ReportPeriod(Preset.CUSTOM, start, end)


def monitoring_periods(period: ReportPeriod, mode: str, today: datetime.date) -> list[str]:
    """The monitoring periods ("1405-09" or "1405-Q3") that began inside the report period and
    by today: the reports a monitored cluster was expected to send in it."""
    step = 3 if mode == "quarterly" else 1
    if mode not in ("monthly", "quarterly"):
        raise ValueError(f"monitoring must be 'monthly' or 'quarterly', not {mode!r}")
    year, month, _ = jalali_parts(period.start)
    first_month = step * ((month - 1) // step) + 1
    cursor = _month_start(year, first_month)
    if cursor < period.start:
        cursor = add_months(cursor, step)
    labels: list[str] = []
    last = min(period.end, today)
    while cursor <= last:
        y, m, _ = jalali_parts(cursor)
        labels.append(f"{y}-Q{(m - 1) // 3 + 1}" if step == 3 else f"{y}-{m:02d}")
        cursor = add_months(cursor, step)
    return labels


# --- percentages --------------------------------------------------------------------------------


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` in whole percent, rounded half away from zero; None without a whole."""
    if whole == 0:
        return None
    value = 100 * part
    magnitude = (2 * abs(value) + abs(whole)) // (2 * abs(whole))
    return magnitude if (value >= 0) == (whole > 0) else -magnitude


def increase_percent(baseline: int | None, latest: int | None) -> int | None:
    """The achievements table's "percent increase": (latest - baseline) / baseline."""
    if baseline is None or latest is None:
        return None
    return change_percent(baseline, latest)


def target_achievement(baseline: int | None, target: int, latest: int | None) -> int | None:
    """How much of the planned change has happened, in percent of it.

    The target is where the figure should be at the horizon; the way there starts at the
    baseline, so 100 firms planned to become 150 and now 125 are half way: 50%. Without a
    baseline (no report before the target was set) the whole target counts. A target equal to
    the baseline is met (100%) while the figure holds, else 0%.
    """
    if latest is None:
        return None
    base = baseline or 0
    if target == base:
        return 100 if latest >= target else 0
    return percent(latest - base, target - base)


def elapsed_percent(start: datetime.date, end: datetime.date, today: datetime.date) -> int:
    """How much of [start, end] has passed by today, 0 to 100."""
    if today <= start:
        return 0
    if today >= end or end <= start:
        return 100
    share = percent((today - start).days, (end - start).days)
    assert share is not None
    return share


# A cluster falls behind when its achievement trails the time that has passed by more than
# this many percentage points: a program a third through its time should be about a third of
# the way, and a small lag is ordinary (reports come monthly, results come in steps).
BEHIND_MARGIN = 15


def is_behind(achievement: int | None, expected: int) -> bool:
    if achievement is None:
        return expected > BEHIND_MARGIN
    return achievement < expected - BEHIND_MARGIN


# --- KPI targets --------------------------------------------------------------------------------

# A target for the program's end; a target for one Jalali year is stored as that year ("1406").
PROGRAM_END = "end"


def check_horizon(horizon: str) -> str:
    if horizon == PROGRAM_END or (horizon.isdigit() and 1300 <= int(horizon) <= 1500):
        return horizon
    raise ValueError(f"not a target horizon: {horizon!r}")


class TargetsRefused(InvalidInput):
    """Why typed targets cannot be used (a `report_errors.` key), and the word or KPI at fault."""

    def __init__(self, reason: str, *, text: str = "", field: str = "") -> None:
        super().__init__(reason)
        self.text, self.field = text, field


# What may stand before "=" when targets are typed by name: each KPI's name, a short one, and
# the Persian word a secretary would write.
TARGET_NAMES: dict[str, str] = {
    **{f: f for f in KPI_FIELDS},
    "sales": "sales_million_rials",
    "exports": "exports_usd",
    "بنگاه": "firms",
    "شبکه": "networks",
    "bdsp": "bdsps",
    "اشتغال": "employment",
    "فروش": "sales_million_rials",
    "صادرات": "exports_usd",
}
_NAMED_PAIR = re.compile(r"\s*[=:]\s*")


def parse_targets(text: str, *, by_name: bool = False) -> dict[str, int]:
    """Targets as a secretary types them: six numbers in the order of the KPIs ("150 3 6 1200
    30000 500000"), or, where `by_name`, some or all of them named ("firms=150 employment=1200").
    Each figure is checked as a reported one is (monitoring.parse_figure)."""
    words = _NAMED_PAIR.sub("=", text.strip()).split()
    if by_name and any("=" in w for w in words):
        pairs: list[tuple[str, str]] = []
        for word in words:
            name, _, value = word.partition("=")
            field = TARGET_NAMES.get(name.lower())
            if field is None or not value:
                raise TargetsRefused("targets_unknown_kpi", text=word)
            pairs.append((field, value))
    elif len(words) == len(KPI_FIELDS):
        pairs = list(zip(KPI_FIELDS, words, strict=True))
    else:
        raise TargetsRefused("targets_count")
    values: dict[str, int] = {}
    for field, word in pairs:
        try:
            values[field] = parse_figure(word, field)
        except InvalidInput as refused:
            if refused.reason == "figure_too_large":
                raise TargetsRefused("targets_too_large", field=field) from None
            raise TargetsRefused("targets_bad_number", text=word) from None
    return values


def horizon_end(
    horizon: str, program_start: datetime.date | None, program_months: int | None
) -> datetime.date | None:
    """The day a target is due: the program's last day, or the last day of the Jalali year."""
    if horizon == PROGRAM_END:
        if program_start is None or not program_months:
            return None
        return add_months(program_start, program_months) - datetime.timedelta(days=1)
    year = int(check_horizon(horizon))
    return from_jalali(year + 1, 1, 1) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class KpiProgress:
    """One KPI of one cluster: where it started, where it should go, where it is."""

    field: str
    baseline: int | None
    latest: int | None
    target: int | None
    achievement: int | None  # percent of the planned change
    expected: int | None  # percent of the horizon's time passed
    behind: bool


def kpi_progress(
    field: str,
    baseline: int | None,
    latest: int | None,
    target: int | None,
    start: datetime.date | None,
    due: datetime.date | None,
    today: datetime.date,
) -> KpiProgress:
    if field not in KPI_FIELDS:
        raise ValueError(f"not a KPI field: {field!r}")
    if target is None:
        return KpiProgress(field, baseline, latest, None, None, None, False)
    achievement = target_achievement(baseline, target, latest)
    expected = elapsed_percent(start, due, today) if start and due else None
    behind = expected is not None and is_behind(achievement, expected)
    return KpiProgress(field, baseline, latest, target, achievement, expected, behind)


@dataclass(frozen=True)
class Achievement:
    """A row of seed 001's achievements table: before the project, now, percent increase."""

    field: str
    baseline: int
    latest: int
    increase: int | None


def achievements(
    pairs: Iterable[tuple[dict[str, int], dict[str, int]]],
) -> list[Achievement]:
    """Sum (baseline, latest) figures of several clusters into the achievements table."""
    base = dict.fromkeys(KPI_FIELDS, 0)
    now = dict.fromkeys(KPI_FIELDS, 0)
    for first, last in pairs:
        for f in KPI_FIELDS:
            base[f] += first[f]
            now[f] += last[f]
    return [Achievement(f, base[f], now[f], increase_percent(base[f], now[f])) for f in KPI_FIELDS]


# --- the pipeline -------------------------------------------------------------------------------

STAGES: tuple[ClusterStage, ...] = tuple(ClusterStage)


def funnel(counts: dict[str, int]) -> list[tuple[ClusterStage, int]]:
    """Clusters per lifecycle stage in the programme's order, zeros included."""
    return [(stage, counts.get(stage.value, 0)) for stage in STAGES]


def age_days(opened_at: datetime.datetime, now: datetime.datetime) -> int:
    return max(0, (now - opened_at).days)


# --- ranking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFigures:
    """What a working group's line in the provinces table is made of."""

    group: str
    clusters: int = 0
    open_tasks: int = 0
    overdue_tasks: int = 0
    expected_reports: int = 0
    received_reports: int = 0
    decisions: int = 0
    licenses: int = 0

    @property
    def on_time_percent(self) -> int | None:
        """Open tasks not overdue, in percent of the open tasks."""
        if not self.open_tasks:
            return None
        return percent(self.open_tasks - self.overdue_tasks, self.open_tasks)

    @property
    def reporting_percent(self) -> int | None:
        if not self.expected_reports:
            return None
        return percent(min(self.received_reports, self.expected_reports), self.expected_reports)

    @property
    def score(self) -> int | None:
        """The mean of the on-time and reporting percentages that exist; None with neither.

        Both are the secretariat's own doing: tasks kept on time, and monitored clusters'
        reports collected. Results (KPIs) depend on far more than the secretariat, so they are
        shown beside the ranking but not ranked.
        """
        parts = [p for p in (self.on_time_percent, self.reporting_percent) if p is not None]
        if not parts:
            return None
        mean = percent(sum(parts), 100 * len(parts))
        assert mean is not None
        return mean


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: nothing to rank the group by
    figures: GroupFigures = field(compare=False)


def rank_groups(groups: Sequence[GroupFigures]) -> list[Ranked]:
    """Best score first; equal scores share a rank (1, 2, 2, 4), then more decisions and
    licenses in the period, then the group's code, so the order is stable. Groups with nothing
    to score come last, unranked."""
    scored = sorted(
        (g for g in groups if g.score is not None),
        key=lambda g: (-(g.score or 0), -(g.decisions + g.licenses), g.group),
    )
    ranked: list[Ranked] = []
    for index, figures in enumerate(scored):
        tied = index > 0 and figures.score == scored[index - 1].score
        rank = ranked[-1].rank if tied else index + 1
        ranked.append(Ranked(rank, figures))
    ranked.extend(Ranked(None, g) for g in sorted(groups, key=lambda g: g.group) if g.score is None)
    return ranked


# --- the weekly trend ---------------------------------------------------------------------------


class Trend(enum.StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def overdue_trend(now: int, week_ago: int) -> Trend:
    """Fewer overdue tasks than a week ago is better."""
    if now < week_ago:
        return Trend.BETTER
    if now > week_ago:
        return Trend.WORSE
    return Trend.SAME

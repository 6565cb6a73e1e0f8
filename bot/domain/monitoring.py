"""Monitoring (F14): the figures a cluster development agent reports each month or quarter.

The KPIs are those of seed 001's national table (firms, networks, BDSPs, employment, total
sales in million rials, exports in dollars), plus a short narrative. What a person types is
checked here; so is which periods exist, who may report for a cluster, and which change from
one period to the next is too large to accept without asking "are you sure?".
Pure rules: no aiogram, no SQLAlchemy.
"""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass

from bot.domain.clusters import Cluster, ClusterStage, can_view_cluster
from bot.domain.digits import strip_invisible, to_latin_digits
from bot.domain.jalali import from_jalali, jalali_parts
from bot.domain.members import Actor, can_manage_group
from bot.domain.text import InvalidInput, check_length, whole_number

# In the order the dialog asks them and the tables show them; also the KpiReportRow columns.
KPI_FIELDS: tuple[str, ...] = (
    "firms",
    "networks",
    "bdsps",
    "employment",
    "sales_million_rials",
    "exports_usd",
)

class MonitoringRefusal(enum.StrEnum):
    """Why a person may not report or see a cluster's KPIs; keys under monitoring_errors."""

    MEMBERS_ONLY = "members_only"
    NOT_YOUR_CLUSTER = "not_your_cluster"
    CLUSTER_GONE = "cluster_gone"
    NOT_MONITORED = "not_monitored"


@dataclass(frozen=True)
class KpiReport:
    """One cluster's figures for one period, as last reported."""

    cluster_id: int
    period: str
    figures: dict[str, int]
    narrative: str | None
    reported_by_member_id: int
    reported_by_name: str
    reported_at: datetime.datetime


# --- sane upper bounds, per cluster -------------------------------------------------------------
# The national totals of 1401 (seed 001) are 126,484 firms, 511 networks, 1,427 BDSPs,
# 1,223,015 jobs, 2,351,214 million rials of sales and 2,100,580 of exports. One cluster is a
# small part of that; the bounds leave room for inflation and for large clusters, and only
# catch a finger resting on a key. The first four also fit a 32-bit database integer.
MAX_FIGURES: dict[str, int] = {
    "firms": 1_000_000,
    "networks": 100_000,
    "bdsps": 100_000,
    "employment": 10_000_000,
    "sales_million_rials": 10**12,
    "exports_usd": 10**12,
}
MAX_FIGURE = max(MAX_FIGURES.values())

# --- "are you sure?" thresholds -----------------------------------------------------------------
# Counts of firms, networks and BDSPs, and money, may grow or shrink, but not threefold in a
# month or a quarter: more than JUMP_RATIO times the previous figure, or less than a
# JUMP_RATIO-th of it, is far more often a typo (an extra zero, rials for million rials) than
# news. Employment moves slowly: a swing of more than half (EMPLOYMENT_SWING) either way is
# asked about. Small bases make huge ratios out of ordinary news (1 network becoming 4), so a
# change smaller than MIN_CHANGE for its field is never questioned. A figure going to or
# coming from zero is judged by the same rules: 0 -> 5 networks is more than triple.
JUMP_RATIO = 3
EMPLOYMENT_SWING_PERCENT = 50
MIN_CHANGE: dict[str, int] = {
    "firms": 10,
    "networks": 3,
    "bdsps": 3,
    "employment": 20,
    "sales_million_rials": 1_000,
    "exports_usd": 10_000,
}
# The reason keys jump_warning gives (texts: monitoring.jump_<reason>).
JUMP_REASONS: tuple[str, ...] = ("up", "down", "employment_up", "employment_down")

NARRATIVE_MIN = 3
NARRATIVE_MAX = 2000

# Monthly periods look like "1405-09", quarterly ones like "1405-Q3" (Mehr to Azar).
_PERIOD = re.compile(r"^(\d{4})-(?:(\d{2})|Q([1-4]))$")

# Thousands separators people type: comma, Arabic thousands separator, Persian comma,
# apostrophe, spaces (also the narrow and no-break ones).
_SEPARATORS = re.compile(r"[,\u066c\u060c'\u2019\s\u00a0\u202f]+")
_MINUS = "-\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"


# --- what people type ---------------------------------------------------------------------------


def parse_figure(text: str, field: str | None = None) -> int:
    """A whole number >= 0, typed with Latin, Persian or Arabic-Indic digits.

    Thousands separators are accepted when they separate groups of three ("12,500",
    "۱۲٬۵۰۰", "12 500"). A minus sign before or after the digits (Persian keyboards put it on
    either side) means a negative number. ``field`` picks the upper bound; without it, the
    largest bound of all applies.
    """
    raw = to_latin_digits(strip_invisible(text)).strip()
    negative = False
    if raw[:1] and raw[0] in _MINUS:
        negative, raw = True, raw[1:].strip()
    elif raw[-1:] and raw[-1] in _MINUS:
        negative, raw = True, raw[:-1].strip()
    elif raw.startswith("+"):
        raw = raw[1:].strip()
    groups = _SEPARATORS.split(raw)
    if not all(g.isascii() and g.isdigit() for g in groups):
        raise InvalidInput("figure_not_a_number")
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise InvalidInput("figure_not_a_number")
    digits = "".join(groups)
    if negative and digits.strip("0"):
        raise InvalidInput("figure_negative")
    limit = MAX_FIGURES.get(field, MAX_FIGURE) if field is not None else MAX_FIGURE
    return whole_number(digits, "figure_too_large", limit)


def clean_narrative(text: str) -> str:
    """What happened in the period, in the CDA's words: 3 to 2000 characters, lines kept."""
    text = strip_invisible(text).translate(str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"}))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return check_length(value, "narrative", NARRATIVE_MIN, NARRATIVE_MAX)


def jump_warning(field: str, previous: int | None, value: int) -> str | None:
    """Why ``value`` looks absurd after ``previous`` (a key of JUMP_REASONS), or None.

    See the thresholds above: employment is questioned beyond a 50% swing, everything else
    beyond three times or a third of the previous figure; changes below MIN_CHANGE never.
    """
    if field not in MIN_CHANGE:
        raise ValueError(f"not a KPI field: {field!r}")
    if previous is None or abs(value - previous) < MIN_CHANGE[field]:
        return None
    if field == "employment":
        if 100 * abs(value - previous) <= EMPLOYMENT_SWING_PERCENT * previous:
            return None
        return "employment_up" if value > previous else "employment_down"
    if value > JUMP_RATIO * previous:
        return "up"
    if JUMP_RATIO * value < previous:
        return "down"
    return None


def change_percent(previous: int | None, value: int) -> int | None:
    """The change against the previous figure in whole percent; None when there is no base."""
    if not previous:
        return None
    change = 100 * (value - previous)
    # Rounded half away from zero, in integers: 12.5% shows as 13%, not as Python's 12%.
    magnitude = (2 * abs(change) + previous) // (2 * previous)
    return magnitude if change >= 0 else -magnitude


def group_thousands(value: int, separator: str = ",") -> str:
    return f"{value:,}".replace(",", separator)


# --- periods ------------------------------------------------------------------------------------


def is_period(label: str) -> bool:
    match = _PERIOD.match(label)
    return bool(match) and (match.group(2) is None or 1 <= int(match.group(2)) <= 12)


def _parts(label: str) -> tuple[int, int, bool]:
    """(Jalali year, first month, quarterly) of a period label."""
    match = _PERIOD.match(label)
    if not match or not is_period(label):
        raise ValueError(f"not a monitoring period: {label!r}")
    year = int(match.group(1))
    if match.group(3):
        return year, 3 * (int(match.group(3)) - 1) + 1, True
    return year, int(match.group(2)), False


def current_period(today: datetime.date, mode: str) -> str:
    """The period ``today`` belongs to: "1405-10" (monthly) or "1405-Q4" (quarterly)."""
    year, month, _ = jalali_parts(today)
    if mode == "quarterly":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if mode == "monthly":
        return f"{year}-{month:02d}"
    raise ValueError(f"monitoring must be 'monthly' or 'quarterly', not {mode!r}")


def period_start(label: str) -> datetime.date:
    """The first calendar day of the period."""
    year, month, _ = _parts(label)
    return from_jalali(year, month, 1)


def period_key(label: str) -> tuple[int, int, int]:
    """Chronological order of periods, also across a group's switch between month and quarter:
    a quarter sorts after the month it starts with."""
    year, month, quarterly = _parts(label)
    return year, month, int(quarterly)


def period_parts(label: str) -> tuple[int, int | None, int | None]:
    """(year, month, quarter): exactly one of month and quarter is set."""
    year, month, quarterly = _parts(label)
    if quarterly:
        return year, None, (month - 1) // 3 + 1
    return year, month, None


def is_open_period(label: str, today: datetime.date) -> bool:
    """A well-formed period that has begun: late reports are welcome, early ones are not."""
    if not is_period(label):
        return False
    try:
        return period_start(label) <= today
    except ValueError:
        return False


# --- who and which ------------------------------------------------------------------------------


def is_monitored(stage: ClusterStage, has_approved_program: bool) -> bool:
    """A cluster reports KPIs while its development program runs: stage DEVELOPMENT_RUNNING,
    or LICENSED with an approved development program (the stage not yet moved by hand)."""
    if stage is ClusterStage.DEVELOPMENT_RUNNING:
        return True
    return stage is ClusterStage.LICENSED and has_approved_program


def is_cda(actor: Actor, cluster: Cluster) -> bool:
    return (
        actor.is_member
        and actor.member is not None
        and cluster.cda_member_id is not None
        and actor.member.id == cluster.cda_member_id
    )


def report_refusal(actor: Actor, cluster: Cluster) -> MonitoringRefusal | None:
    """Only the cluster's CDA, or its working group's secretariat, report; a report names the
    member who made it, so a superuser reports only as a member."""
    if not actor.is_member:
        return MonitoringRefusal.MEMBERS_ONLY
    if is_cda(actor, cluster) or can_manage_group(actor, cluster.working_group):
        return None
    return MonitoringRefusal.NOT_YOUR_CLUSTER


def view_refusal(actor: Actor, cluster: Cluster) -> MonitoringRefusal | None:
    if not actor.is_member and not actor.is_superuser:
        return MonitoringRefusal.MEMBERS_ONLY
    if is_cda(actor, cluster) or can_view_cluster(actor, cluster):
        return None
    return MonitoringRefusal.NOT_YOUR_CLUSTER

"""Reports upward: the programme's status for a period, KPI targets against results.

Each figure is one grouped query for every group in scope at once (bot/storage/reports.py);
this module puts the rows together into read models the views render (bot/ui/reports.py,
bot/ui/charts.py, bot/ui/workbook.py) and applies the rules of bot/domain/reports.py.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain import reports as rules
from bot.domain.clusters import ClusterStage
from bot.domain.jalali import TEHRAN, from_jalali, jalali_parts, tehran_today
from bot.domain.members import Actor, can_manage_group, can_see_all, managed_groups
from bot.domain.monitoring import KPI_FIELDS, MAX_FIGURES, period_key
from bot.domain.reports import GroupFigures, KpiProgress, Ranked, ReportPeriod
from bot.domain.schedule import GroupSchedule
from bot.domain.submissions import PIPELINES, ReviewLevel, SubmissionKind
from bot.domain.tasks import TaskStatus
from bot.domain.text import InvalidInput
from bot.domain.working_groups import CENTRAL, PROVINCES, WORKING_GROUPS
from bot.storage.uow import UnitOfWork

# What "the whole country" is called where a group code would be.
COUNTRY = "country"


# --- who gets which report ----------------------------------------------------------------------


def report_scope(actor: Actor) -> tuple[str, ...] | None:
    """The groups whose report this person may ask for, or None for the whole country.

    The secretariat (secretary, chair) reports for its own group; the central group's
    secretariat and a superuser report for the country, each province side by side.
    """
    if actor.is_superuser or (can_see_all(actor) and can_manage_group(actor, CENTRAL)):
        return None
    groups = managed_groups(actor, WORKING_GROUPS)
    return groups or ()


def may_report(actor: Actor) -> bool:
    return report_scope(actor) != ()


# --- the status report --------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingAtLevel:
    level: ReviewLevel
    count: int
    oldest_days: int
    oldest_title: str
    oldest_cluster: str


@dataclass
class GroupReport:
    group: str
    stages: dict[str, int] = field(default_factory=dict)
    entered: dict[str, int] = field(default_factory=dict)
    pending: list[PendingAtLevel] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)
    licenses: int = 0
    tasks: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    overdue_by_agency: list[tuple[str, int]] = field(default_factory=list)
    overdue_by_cluster: list[tuple[str, str, int]] = field(default_factory=list)
    monitored: int = 0
    expected_reports: int = 0
    received_reports: int = 0
    meetings: int = 0
    meeting_decisions: int = 0

    @property
    def clusters(self) -> int:
        return sum(self.stages.values())

    @property
    def open_tasks(self) -> int:
        return sum(n for s, n in self.tasks.items() if not TaskStatus(s).is_closed)

    @property
    def figures(self) -> GroupFigures:
        return GroupFigures(
            group=self.group,
            clusters=self.clusters,
            open_tasks=self.open_tasks,
            overdue_tasks=self.overdue,
            expected_reports=self.expected_reports,
            received_reports=self.received_reports,
            decisions=sum(self.decisions.values()),
            licenses=self.licenses,
        )


@dataclass(frozen=True)
class StatusReport:
    period: ReportPeriod
    generated_at: datetime.datetime
    total: GroupReport
    # Each group side by side (the country view), else empty.
    groups: list[GroupReport]
    ranking: list[Ranked]

    @property
    def is_country(self) -> bool:
        return self.total.group == COUNTRY


def _bump(target: dict[str, int], key: str, n: int) -> None:
    target[key] = target.get(key, 0) + int(n)


async def status_report(
    uow: UnitOfWork,
    groups: Sequence[str] | None,
    period: ReportPeriod,
    now: datetime.datetime,
    zone: ZoneInfo = TEHRAN,
) -> StatusReport:
    """The period's report for `groups` (None: the country, with each group beside it)."""
    q = uow.reports
    since, until = period.bounds(zone)
    held_until = min(until, now)
    today = tehran_today(now, zone)
    wanted = list(WORKING_GROUPS) if groups is None else list(groups)
    by_group = {g: GroupReport(g) for g in wanted}

    def of(group: str) -> GroupReport:
        return by_group.setdefault(group, GroupReport(group))

    for group, stage, n in await q.clusters_by_stage(groups):
        _bump(of(group).stages, stage, n)
    for group, n in await q.clusters_created(groups, since, until):
        _bump(of(group).entered, ClusterStage.IDENTIFIED.value, n)
    for group, _cluster, details in await q.stage_changes(groups, since, until):
        stage = (details or {}).get("stage")
        if stage in ClusterStage._value2member_map_:
            _bump(of(group).entered, stage, 1)
    for group, n in await q.licenses_issued(groups, since, until):
        of(group).licenses += int(n)
        _bump(of(group).entered, ClusterStage.LICENSED.value, n)
    for group, n in await q.programs_approved(groups, since, until):
        _bump(of(group).entered, ClusterStage.DEVELOPMENT_RUNNING.value, n)

    pending: dict[tuple[str, ReviewLevel], list[tuple[datetime.datetime, str, str]]] = defaultdict(
        list
    )
    for group, _id, kind, index, opened, title, cluster in await q.pending_submissions(groups):
        level = PIPELINES[SubmissionKind(kind)][index]
        pending[(group, level)].append((opened, title, cluster))
    for (group, level), items in pending.items():
        opened, title, cluster = min(items, key=lambda i: i[0])
        of(group).pending.append(
            PendingAtLevel(level, len(items), rules.age_days(opened, now), title, cluster)
        )

    for group, outcome, n in await q.decisions(groups, since, until):
        _bump(of(group).decisions, outcome, n)
    for group, status, n in await q.tasks_by_status(groups):
        _bump(of(group).tasks, status, n)
    for group, _cluster_id, name, n in await q.overdue_by_cluster(groups, today):
        of(group).overdue += int(n)
        of(group).overdue_by_cluster.append((group, name, int(n)))
    for group, agency, n in await q.overdue_by_agency(groups, today):
        of(group).overdue_by_agency.append((agency, int(n)))

    modes = await q.monitoring_modes()
    default_mode = GroupSchedule().monitoring
    expected_periods = {
        mode: rules.monitoring_periods(period, mode, today) for mode in ("monthly", "quarterly")
    }
    for group, n in await q.monitored_clusters(groups):
        report = of(group)
        report.monitored = int(n)
        report.expected_reports = int(n) * len(expected_periods[modes.get(group, default_mode)])
    for mode, labels in expected_periods.items():
        in_mode = [g for g in by_group if modes.get(g, default_mode) == mode]
        if not in_mode or not labels:
            continue
        for group, n in await q.reports_received(in_mode, labels):
            of(group).received_reports += int(n)

    if held_until > since:
        for group, n, decided in await q.meetings_held(groups, since, held_until):
            of(group).meetings += n
            of(group).meeting_decisions += decided

    for report in by_group.values():
        report.pending.sort(key=lambda p: list(ReviewLevel).index(p.level))
        report.overdue_by_agency.sort(key=lambda a: (-a[1], a[0]))
    if groups is not None and len(wanted) == 1:
        return StatusReport(period, now, by_group[wanted[0]], [], [])
    total = merge(COUNTRY if groups is None else "+".join(wanted), list(by_group.values()), now)
    sections = [by_group[g] for g in wanted if g in by_group]
    provinces = [r.figures for r in sections if r.group in PROVINCES]
    return StatusReport(period, now, total, sections, rules.rank_groups(provinces))


def merge(name: str, reports: Sequence[GroupReport], now: datetime.datetime) -> GroupReport:
    """Several groups' reports as one: counts add up, the oldest waiting item stays oldest."""
    total = GroupReport(name)
    pending: dict[ReviewLevel, list[PendingAtLevel]] = defaultdict(list)
    agencies: dict[str, int] = defaultdict(int)
    for r in reports:
        for key, n in r.stages.items():
            _bump(total.stages, key, n)
        for key, n in r.entered.items():
            _bump(total.entered, key, n)
        for key, n in r.decisions.items():
            _bump(total.decisions, key, n)
        for key, n in r.tasks.items():
            _bump(total.tasks, key, n)
        for p in r.pending:
            pending[p.level].append(p)
        for agency, n in r.overdue_by_agency:
            agencies[agency] += n
        total.overdue_by_cluster.extend(r.overdue_by_cluster)
        total.licenses += r.licenses
        total.overdue += r.overdue
        total.monitored += r.monitored
        total.expected_reports += r.expected_reports
        total.received_reports += r.received_reports
        total.meetings += r.meetings
        total.meeting_decisions += r.meeting_decisions
    for level in ReviewLevel:
        if pending[level]:
            oldest = max(pending[level], key=lambda p: p.oldest_days)
            total.pending.append(
                PendingAtLevel(
                    level,
                    sum(p.count for p in pending[level]),
                    oldest.oldest_days,
                    oldest.oldest_title,
                    oldest.oldest_cluster,
                )
            )
    total.overdue_by_agency = sorted(agencies.items(), key=lambda a: (-a[1], a[0]))
    total.overdue_by_cluster.sort(key=lambda c: (-c[2], c[0], c[1]))
    return total


# --- KPI targets against results ----------------------------------------------------------------


@dataclass(frozen=True)
class ClusterKpis:
    cluster_id: int
    name: str
    group: str
    # Periods in order, with their figures: the KPI series.
    series: list[tuple[str, dict[str, int]]]
    progress: list[KpiProgress]
    horizon: str | None
    targets: dict[str, dict[str, int]]

    @property
    def behind(self) -> bool:
        return any(p.behind for p in self.progress)

    @property
    def baseline(self) -> dict[str, int] | None:
        return self.series[0][1] if self.series else None

    @property
    def latest(self) -> dict[str, int] | None:
        return self.series[-1][1] if self.series else None


@dataclass(frozen=True)
class KpiTable:
    clusters: list[ClusterKpis]
    # The achievements table (seed 001): per group and in total.
    by_group: dict[str, list[rules.Achievement]]
    total: list[rules.Achievement]


def _horizon(targets: Mapping[str, Mapping[str, int]], today: datetime.date) -> str | None:
    """The program's end if it has targets, else this Jalali year's, else the next one set."""
    if rules.PROGRAM_END in targets:
        return rules.PROGRAM_END
    year = str(jalali_parts(today)[0])
    if year in targets:
        return year
    later = sorted(h for h in targets if h > year)
    return later[0] if later else (max(targets) if targets else None)


async def kpi_table(
    uow: UnitOfWork, groups: Sequence[str] | None, now: datetime.datetime, zone: ZoneInfo = TEHRAN
) -> KpiTable:
    today = tehran_today(now, zone)
    q = uow.reports
    series: dict[int, list[tuple[str, dict[str, int]]]] = defaultdict(list)
    for cluster_id, period, figures in await q.kpi_series(groups):
        series[cluster_id].append((period, figures))
    targets: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for cluster_id, kpi, horizon, value in await q.kpi_targets(groups):
        targets[cluster_id][horizon][kpi] = int(value)
    clusters: list[ClusterKpis] = []
    for cluster_id, name, group, approved_at, months in await q.kpi_clusters(groups):
        points = sorted(series.get(cluster_id, []), key=lambda p: period_key(p[0]))
        mine = {h: dict(v) for h, v in targets.get(cluster_id, {}).items()}
        horizon = _horizon(mine, today)
        start = tehran_today(approved_at, zone) if approved_at else None
        due = rules.horizon_end(horizon, start, months) if horizon else None
        if horizon and horizon != rules.PROGRAM_END and start is None:
            # A yearly target without an approved program: the year itself is the way there.
            start = from_jalali(int(horizon), 1, 1)
        baseline = points[0][1] if points else None
        latest = points[-1][1] if points else None
        progress = [
            rules.kpi_progress(
                f,
                baseline[f] if baseline else None,
                latest[f] if latest else None,
                mine.get(horizon, {}).get(f) if horizon else None,
                start,
                due,
                today,
            )
            for f in KPI_FIELDS
        ]
        clusters.append(ClusterKpis(cluster_id, name, group, points, progress, horizon, mine))
    with_reports = [c for c in clusters if c.series]
    by_group: dict[str, list[rules.Achievement]] = {}
    for group in dict.fromkeys(c.group for c in with_reports):
        mine_ = [c for c in with_reports if c.group == group]
        by_group[group] = rules.achievements((c.series[0][1], c.series[-1][1]) for c in mine_)
    total = rules.achievements((c.series[0][1], c.series[-1][1]) for c in with_reports)
    return KpiTable(clusters, by_group, total)


def check_targets(values: Mapping[str, int]) -> dict[str, int]:
    """Targets are figures like the reported ones: whole, not negative, within the bounds."""
    checked: dict[str, int] = {}
    for kpi, value in values.items():
        if kpi not in KPI_FIELDS:
            raise ValueError(f"not a KPI field: {kpi!r}")
        if value < 0:
            raise InvalidInput("figure_negative")
        if value > MAX_FIGURES[kpi]:
            raise InvalidInput("figure_too_large")
        checked[kpi] = int(value)
    return checked


async def set_targets(
    uow: UnitOfWork,
    actor: Actor,
    cluster_id: int,
    horizon: str,
    values: Mapping[str, int],
    now: datetime.datetime,
) -> str:
    """ "done", or why not: "cluster_gone", "not_allowed". Only the cluster's secretariat
    (or a superuser) sets its targets; a refusal is audited."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return "cluster_gone"
    if not can_manage_group(actor, cluster.working_group):
        await uow.audit.record(actor.user_id, "kpi.targets", "not_allowed", "cluster", cluster_id)
        return "not_allowed"
    checked = check_targets(values)
    await uow.reports.save_targets(
        cluster_id, rules.check_horizon(horizon), checked, actor.user_id, now
    )
    await uow.audit.record(
        actor.user_id,
        "kpi.targets",
        "done",
        "cluster",
        cluster_id,
        {"horizon": horizon, **checked},
        at=now,
    )
    return "done"


# --- the Saturday digest's trend ----------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyTrend:
    overdue_now: int
    overdue_week_ago: int
    trend: rules.Trend


async def weekly_trends(
    uow: UnitOfWork, groups: Sequence[str], now: datetime.datetime, zone: ZoneInfo = TEHRAN
) -> dict[str, WeeklyTrend]:
    """Overdue tasks per group today against the same count a week ago, in two queries."""
    today = tehran_today(now, zone)
    week_ago = now - datetime.timedelta(days=7)
    current = dict(await uow.reports.overdue_count(groups, today, None))
    before = dict(
        await uow.reports.overdue_count(groups, today - datetime.timedelta(days=7), week_ago)
    )
    return {
        g: WeeklyTrend(
            int(current.get(g, 0)),
            int(before.get(g, 0)),
            rules.overdue_trend(int(current.get(g, 0)), int(before.get(g, 0))),
        )
        for g in groups
    }

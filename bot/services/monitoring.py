"""Service functions for monitoring (F14): which clusters report KPIs, for which period, who
may report and see them, and saving a report.

Plain values in, an outcome out; the rules come from bot/domain/monitoring.py. A refusal is a
`MonitoringRefusal` (its value is the locale key under ``monitoring_errors``). The scheduler
asks this module which clusters are monitored; handlers render with bot/ui/monitoring.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain import monitoring as rules
from bot.domain.clusters import Cluster, ClusterStage, name_matches, visible_groups
from bot.domain.members import Actor, managed_groups
from bot.domain.monitoring import KpiReport, MonitoringRefusal
from bot.domain.working_groups import WORKING_GROUPS
from bot.storage.uow import UnitOfWork

# Every cluster of the registry, for the scheduler's daily pass (505 were identified in 1401).
ALL_CLUSTERS = 100_000
# The stages in which a cluster may be monitored; `is_monitored` decides for each.
_CANDIDATE_STAGES = (ClusterStage.LICENSED, ClusterStage.DEVELOPMENT_RUNNING)


@dataclass(frozen=True)
class ReportStart:
    """What the KPI dialog opens with, or why it does not open."""

    refusal: MonitoringRefusal | None
    # A button for a period that is not well formed or has not begun.
    stale: bool = False
    cluster: Cluster | None = None
    period: str = ""
    # The last report before this period (what the figures compare to), and this period's
    # report if one was made already (the new one replaces it).
    previous: KpiReport | None = None
    existing: KpiReport | None = None


@dataclass(frozen=True)
class Reportable:
    cluster: Cluster
    # The period the cluster reports for now (its group's monthly or quarterly schedule).
    period: str


@dataclass(frozen=True)
class SaveOutcome:
    refusal: MonitoringRefusal | None
    cluster: Cluster | None = None
    report: KpiReport | None = None


@dataclass(frozen=True)
class History:
    refusal: MonitoringRefusal | None
    cluster: Cluster | None = None
    # Newest period first.
    reports: list[KpiReport] = field(default_factory=list)


# --- who is monitored -------------------------------------------------------------------------


async def is_monitored(uow: UnitOfWork, cluster: Cluster) -> bool:
    """Whether the cluster reports KPIs: its development program is running."""
    if cluster.stage is ClusterStage.DEVELOPMENT_RUNNING:
        return True
    if cluster.stage is not ClusterStage.LICENSED:
        return False
    programs = await uow.submissions.approved_programs(cluster.id)
    return rules.is_monitored(cluster.stage, bool(programs))


async def monitoring_candidates(uow: UnitOfWork) -> list[Cluster]:
    """Clusters whose stage may make them monitored; `is_monitored` decides for each."""
    clusters, _ = await uow.clusters.page(None, None, 0, ALL_CLUSTERS)
    return [c for c in clusters if c.stage in _CANDIDATE_STAGES]


async def monitored_clusters(uow: UnitOfWork, working_group: str) -> list[Cluster]:
    """The monitored clusters of one working group."""
    return [
        c
        for c in await monitoring_candidates(uow)
        if c.working_group == working_group and await is_monitored(uow, c)
    ]


async def current_period(uow: UnitOfWork, cluster: Cluster, today: datetime.date) -> str:
    """The period the cluster reports for today, by its group's monitoring schedule."""
    schedule = await uow.reminders.schedule_of(cluster.working_group)
    return rules.current_period(today, schedule.monitoring)


async def report_refusal(
    uow: UnitOfWork, actor: Actor, cluster: Cluster | None
) -> MonitoringRefusal | None:
    """Why this person may not report this cluster's KPIs now, or None if they may."""
    if cluster is None:
        return MonitoringRefusal.CLUSTER_GONE
    refusal = rules.report_refusal(actor, cluster)
    if refusal is None and not await is_monitored(uow, cluster):
        refusal = MonitoringRefusal.NOT_MONITORED
    return refusal


# --- reporting --------------------------------------------------------------------------------


def may_report_any(actor: Actor) -> bool:
    """A report names the member who made it: only members report."""
    return actor.is_member and actor.member is not None


async def reportable(uow: UnitOfWork, actor: Actor, today: datetime.date) -> list[Reportable]:
    """The monitored clusters this member is the CDA of, then those of groups they run, each
    with the period it reports for now. Empty for someone who is not a member."""
    if not may_report_any(actor):
        return []
    assert actor.member is not None
    found = {c.id: c for c in await uow.clusters.by_cda(actor.member.id)}
    groups = managed_groups(actor, WORKING_GROUPS)
    if groups:
        run, _ = await uow.clusters.page(groups, None, 0, ALL_CLUSTERS)
        for cluster in run:
            found.setdefault(cluster.id, cluster)
    monitored = [
        c
        for c in found.values()
        if rules.report_refusal(actor, c) is None and await is_monitored(uow, c)
    ]
    modes: dict[str, str] = {}
    for group in {c.working_group for c in monitored}:
        modes[group] = (await uow.reminders.schedule_of(group)).monitoring
    return [Reportable(c, rules.current_period(today, modes[c.working_group])) for c in monitored]


def matching(clusters: list[Reportable], name: str | None) -> list[Reportable]:
    """`/report <name>` narrows the list to the clusters whose name matches."""
    if not name:
        return clusters
    return [r for r in clusters if name_matches(r.cluster.name, name)]


async def open_report(
    uow: UnitOfWork, actor: Actor, cluster_id: int, period: str, today: datetime.date
) -> ReportStart:
    """Start a report for a cluster and period picked on a button (the prompt's or /report's)."""
    if not rules.is_open_period(period, today):
        return ReportStart(None, stale=True)
    cluster = await uow.clusters.get(cluster_id)
    refusal = await report_refusal(uow, actor, cluster)
    if refusal is not None:
        if refusal is MonitoringRefusal.NOT_YOUR_CLUSTER:
            await uow.audit.record(actor.user_id, "kpi.report", refusal, "cluster", cluster_id)
        return ReportStart(refusal)
    assert cluster is not None
    return await start(uow, cluster, period)


async def start(uow: UnitOfWork, cluster: Cluster, period: str) -> ReportStart:
    """What a report of a cluster the person may report for begins with."""
    previous = await uow.kpis.latest_before(cluster.id, period)
    existing = await uow.kpis.get(cluster.id, period)
    return ReportStart(None, False, cluster, period, previous, existing)


async def submit_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cluster_id: int,
    period: str,
    figures: Mapping[str, int],
    narrative: str | None,
    now: datetime.datetime,
) -> SaveOutcome:
    """Save the period's figures; a second report for the same period replaces the first.
    Who may report is asked again: the CDA may have changed while the dialog was open."""
    cluster = await uow.clusters.get(cluster_id)
    refusal = await report_refusal(uow, actor, cluster)
    if refusal is None and actor.member is None:
        refusal = MonitoringRefusal.MEMBERS_ONLY
    if refusal is not None or actor.member is None:
        return SaveOutcome(refusal)
    assert cluster is not None
    report = await uow.kpis.save(
        cluster.id,
        period,
        {f: int(v) for f, v in figures.items()},
        narrative,
        actor.member.id,
        now,
    )
    return SaveOutcome(None, cluster, report)


# --- looking back -----------------------------------------------------------------------------


async def viewable(uow: UnitOfWork, actor: Actor, query: str | None, limit: int) -> list[Cluster]:
    """Clusters whose reports this person may look at, matching `query` (a name) if given:
    those of the provinces they see, and those they are the CDA of elsewhere."""
    clusters, _ = await uow.clusters.page(visible_groups(actor), query, 0, limit)
    if actor.member is not None:
        # A CDA may work for a cluster of another province.
        seen = {c.id for c in clusters}
        clusters += [
            c
            for c in await uow.clusters.by_cda(actor.member.id)
            if c.id not in seen and (query is None or name_matches(c.name, query))
        ]
    return clusters


def may_view_any(actor: Actor) -> bool:
    return actor.is_member or actor.is_superuser


async def history(uow: UnitOfWork, actor: Actor, cluster_id: int) -> History:
    """A cluster's reports, newest period first, for someone who may see them."""
    cluster = await uow.clusters.get(cluster_id)
    refusal = (
        MonitoringRefusal.CLUSTER_GONE if cluster is None else rules.view_refusal(actor, cluster)
    )
    if refusal is not None or cluster is None:
        return History(refusal)
    return History(None, cluster, await uow.kpis.history(cluster.id))

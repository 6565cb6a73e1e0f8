"""Service functions for the cluster registry: register, list, view and edit clusters.

Each takes an open unit of work and plain values. Text is cleaned here with the domain rules
(a handler may clean it earlier for quick feedback; cleaning twice changes nothing), and every
permission is checked here, so a forged button meets the same rules as a typed command.
Refusals by people without the role are recorded in the audit log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bot.domain.clusters import (
    Cluster,
    ClusterRefusal,
    ClusterStage,
    can_manage_cluster,
    can_view_cluster,
    check_cluster_group,
    check_firm_count,
    clean_cluster_name,
    clean_product,
    clean_sector,
    stage_refusal,
    visible_groups,
)
from bot.domain.members import Actor, Member, MemberStatus
from bot.storage.uow import UnitOfWork

CLUSTERS_PER_PAGE = 8
CDAS_PER_PAGE = 8


DONE = "done"


@dataclass(frozen=True)
class ClusterOutcome:
    # DONE, or why not (a ClusterRefusal).
    result: str
    cluster: Cluster | None

    @property
    def done(self) -> bool:
        return self.result == DONE


@dataclass(frozen=True)
class ClusterListPage:
    clusters: list[Cluster]
    total: int
    page: int  # 0-based, clamped to the last page
    pages: int


@dataclass(frozen=True)
class CdaChoices:
    members: list[Member]
    page: int
    pages: int


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


async def _refuse(
    uow: UnitOfWork, actor: Actor, action: str, cluster_id: int | None, **details: Any
) -> ClusterOutcome:
    await uow.audit.record(
        actor.user_id, action, ClusterRefusal.NOT_ALLOWED, "cluster", cluster_id, details or None
    )
    return ClusterOutcome(ClusterRefusal.NOT_ALLOWED, None)


async def eligible_cda(uow: UnitOfWork, working_group: str, member_id: int) -> Member | None:
    """A cluster's development agent is an approved member of the cluster's working group."""
    member = await uow.members.get(member_id)
    if member is None or member.status is not MemberStatus.APPROVED:
        return None
    return member if member.working_group == working_group else None


async def cda_candidates(uow: UnitOfWork, working_group: str, page: int) -> CdaChoices:
    people = await uow.members.in_group(working_group, MemberStatus.APPROVED)
    pages = _pages(len(people), CDAS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    start = page * CDAS_PER_PAGE
    return CdaChoices(people[start : start + CDAS_PER_PAGE], page, pages)


async def create_cluster(
    uow: UnitOfWork,
    *,
    actor: Actor,
    working_group: str,
    name: str,
    product: str,
    sector: str,
    firm_count: int | None,
    cda_member_id: int | None,
    now: datetime.datetime,
) -> ClusterOutcome:
    """Raises InvalidInput for text or numbers the domain rules refuse."""
    if not can_manage_cluster(actor, working_group):
        return await _refuse(uow, actor, "cluster.create", None, working_group=working_group)
    values = {
        "working_group": check_cluster_group(working_group),
        "name": clean_cluster_name(name),
        "product": clean_product(product),
        "sector": clean_sector(sector),
        "firm_count": None if firm_count is None else check_firm_count(firm_count),
    }
    if cda_member_id is not None and await eligible_cda(uow, working_group, cda_member_id) is None:
        return ClusterOutcome(ClusterRefusal.CDA_NOT_ELIGIBLE, None)
    cluster = await uow.clusters.create(**values, cda_member_id=cda_member_id, now=now)
    await uow.audit.record(actor.user_id, "cluster.create", DONE, "cluster", cluster.id, at=now)
    return ClusterOutcome(DONE, cluster)


async def view_cluster(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterOutcome:
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return ClusterOutcome(ClusterRefusal.NOT_FOUND, None)
    if not can_view_cluster(actor, cluster):
        return await _refuse(uow, actor, "cluster.view", cluster_id)
    return ClusterOutcome(DONE, cluster)


async def check_manage(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterOutcome:
    """Before asking for a new value: may this person edit this cluster at all?"""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return ClusterOutcome(ClusterRefusal.NOT_FOUND, None)
    if not can_manage_cluster(actor, cluster.working_group):
        return await _refuse(uow, actor, "cluster.edit", cluster_id)
    return ClusterOutcome(DONE, cluster)


_CLEANERS = {
    "name": clean_cluster_name,
    "product": clean_product,
    "sector": clean_sector,
}


async def update_cluster(
    uow: UnitOfWork, actor: Actor, cluster_id: int, field: str, value: Any
) -> ClusterOutcome:
    """Set one field: name, product, sector (text), firm_count (int or None), cda_member_id
    (int or None) or stage (ClusterStage). Raises InvalidInput for values the rules refuse."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return ClusterOutcome(ClusterRefusal.NOT_FOUND, None)
    if not can_manage_cluster(actor, cluster.working_group):
        return await _refuse(uow, actor, "cluster.edit", cluster_id, field=field)
    if field == "stage":
        stage = ClusterStage(value)
        refusal = stage_refusal(actor, cluster, stage)
        if refusal is not None:
            await uow.audit.record(
                actor.user_id,
                "cluster.stage",
                refusal,
                "cluster",
                cluster_id,
                {"stage": stage.value},
            )
            return ClusterOutcome(refusal, cluster)
        await uow.clusters.set_stage(cluster_id, stage)
        await uow.audit.record(
            actor.user_id, "cluster.stage", DONE, "cluster", cluster_id, {"stage": stage.value}
        )
        return ClusterOutcome(DONE, await uow.clusters.get(cluster_id))
    if field in _CLEANERS:
        value = _CLEANERS[field](str(value))
    elif field == "firm_count":
        value = None if value is None else check_firm_count(int(value))
    elif field == "cda_member_id":
        if value is not None and await eligible_cda(uow, cluster.working_group, value) is None:
            return ClusterOutcome(ClusterRefusal.CDA_NOT_ELIGIBLE, cluster)
    else:
        raise ValueError(f"not a cluster field: {field!r}")
    await uow.clusters.update_fields(cluster_id, **{field: value})
    await uow.audit.record(
        actor.user_id, "cluster.edit", DONE, "cluster", cluster_id, {"field": field}
    )
    return ClusterOutcome(DONE, await uow.clusters.get(cluster_id))


async def list_visible(
    uow: UnitOfWork, actor: Actor, query: str | None, page: int
) -> ClusterListPage:
    """The clusters this person may see, newest first, matching `query` by name: members see
    their province's, the central group and superusers every province's."""
    groups = visible_groups(actor)
    offset = max(page, 0) * CLUSTERS_PER_PAGE
    clusters, total = await uow.clusters.page(groups, query, offset, CLUSTERS_PER_PAGE)
    pages = _pages(total, CLUSTERS_PER_PAGE)
    if page >= pages and total:
        # Fewer clusters than when the button was made: show the last page instead.
        page = pages - 1
        clusters, total = await uow.clusters.page(
            groups, query, page * CLUSTERS_PER_PAGE, CLUSTERS_PER_PAGE
        )
    return ClusterListPage(clusters, total, max(min(page, pages - 1), 0), pages)

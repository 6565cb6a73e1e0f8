"""Monitoring as use cases: who is monitored, the open period, reporting, and looking back."""

from __future__ import annotations

import dataclasses
import datetime

from bot.domain.clusters import ClusterStage
from bot.domain.members import Role
from bot.domain.monitoring import KPI_FIELDS, MonitoringRefusal
from bot.domain.schedule import GroupSchedule
from bot.services import monitoring as service
from tests.services.conftest import MONDAY_10, World, superuser

# 1405/09/02: the running month is Azar, the running quarter the third.
TODAY = datetime.date(2026, 11, 23)
FIGURES = dict(zip(KPI_FIELDS, (120, 2, 3, 900, 5_000, 20_000), strict=True))


async def test_only_clusters_whose_development_program_runs_are_monitored(world: World) -> None:
    running = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING)
    licensed = await world.cluster("خوشه فرش", stage=ClusterStage.LICENSED)
    await world.cluster("خوشه چرم", stage=ClusterStage.IDENTIFIED)
    in_fars = await world.cluster("خوشه گل", "fars", stage=ClusterStage.DEVELOPMENT_RUNNING)

    async with world.uow() as uow:
        candidates = await service.monitoring_candidates(uow)
        monitored = [c.id for c in candidates if await service.is_monitored(uow, c)]
        in_tehran = await service.monitored_clusters(uow, "tehran")

    # Licensed without an approved development program: a candidate, not monitored.
    assert {c.id for c in candidates} == {running.id, licensed.id, in_fars.id}
    assert sorted(monitored) == sorted([running.id, in_fars.id])
    assert [c.id for c in in_tehran] == [running.id]


async def test_a_cda_reports_for_the_period_that_has_begun_and_not_for_the_next(
    world: World,
) -> None:
    ali = await world.member(3001, "Ali")
    cluster = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    cda = await world.actor(ali)

    async with world.uow() as uow:
        now = await service.open_report(uow, cda, cluster.id, "1405-09", TODAY)
        late = await service.open_report(uow, cda, cluster.id, "1405-08", TODAY)
        early = await service.open_report(uow, cda, cluster.id, "1405-10", TODAY)
        nonsense = await service.open_report(uow, cda, cluster.id, "1405-13", TODAY)

    assert now.refusal is None and not now.stale
    assert now.cluster is not None and now.cluster.id == cluster.id
    assert now.previous is None and now.existing is None
    assert late.refusal is None and not late.stale
    assert early.stale and nonsense.stale


async def test_someone_else_may_not_report_for_a_cluster_nor_for_one_not_monitored(
    world: World,
) -> None:
    ali = await world.member(3001, "Ali")
    cluster = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    quiet = await world.cluster("خوشه فرش", stage=ClusterStage.IDENTIFIED, cda=ali)
    mina = await world.actor(await world.member(3002, "Mina"))

    async with world.uow() as uow:
        other = await service.open_report(uow, mina, cluster.id, "1405-09", TODAY)
        admin = await service.open_report(uow, superuser(), cluster.id, "1405-09", TODAY)
        unmonitored = await service.open_report(
            uow, await world.actor(ali), quiet.id, "1405-09", TODAY
        )
        gone = await service.open_report(uow, mina, cluster.id + 99, "1405-09", TODAY)

    assert other.refusal is MonitoringRefusal.NOT_YOUR_CLUSTER
    # A report names the member who made it: a superuser is not one.
    assert admin.refusal is MonitoringRefusal.MEMBERS_ONLY
    assert unmonitored.refusal is MonitoringRefusal.NOT_MONITORED
    assert gone.refusal is MonitoringRefusal.CLUSTER_GONE


async def test_reporting_twice_for_a_period_keeps_the_second_report_only(world: World) -> None:
    ali = await world.member(3001, "Ali")
    cluster = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    cda = await world.actor(ali)

    async def submit(period: str, firms: int) -> service.SaveOutcome:
        async with world.uow() as uow:
            outcome = await service.submit_report(
                uow,
                cda,
                cluster_id=cluster.id,
                period=period,
                figures={**FIGURES, "firms": firms},
                narrative="رشد فروش",
                now=MONDAY_10,
            )
            await uow.commit()
        return outcome

    await submit("1405-08", 100)
    first = await submit("1405-09", 110)
    second = await submit("1405-09", 125)
    async with world.uow() as uow:
        started = await service.open_report(uow, cda, cluster.id, "1405-09", TODAY)
        history = await service.history(uow, cda, cluster.id)

    assert first.refusal is None and second.report is not None
    assert second.report.figures["firms"] == 125
    assert [(r.period, r.figures["firms"]) for r in history.reports] == [
        ("1405-09", 125),
        ("1405-08", 100),
    ]
    assert started.existing is not None and started.existing.reported_by_name == "Ali"
    assert started.previous is not None and started.previous.period == "1405-08"


async def test_a_report_is_refused_when_the_cda_changed_while_the_dialog_was_open(
    world: World,
) -> None:
    ali = await world.member(3001, "Ali")
    mina = await world.member(3002, "Mina")
    cluster = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    async with world.uow() as uow:
        await uow.clusters.update_fields(cluster.id, cda_member_id=mina.id)
        await uow.commit()

    async with world.uow() as uow:
        outcome = await service.submit_report(
            uow,
            await world.actor(ali),
            cluster_id=cluster.id,
            period="1405-09",
            figures=FIGURES,
            narrative=None,
            now=MONDAY_10,
        )
        await uow.commit()
        saved = await uow.kpis.get(cluster.id, "1405-09")

    assert outcome.refusal is MonitoringRefusal.NOT_YOUR_CLUSTER
    assert saved is None


async def test_report_offers_each_cluster_for_its_groups_current_period(world: World) -> None:
    sara = await world.member(2001, "Sara", role=Role.SECRETARY)
    ali = await world.member(3001, "Ali")
    tehran = await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING)
    fars = await world.cluster("خوشه گل", "fars", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    await world.cluster("خوشه فرش", stage=ClusterStage.IDENTIFIED)
    async with world.uow() as uow:
        quarterly = dataclasses.replace(GroupSchedule(), monitoring="quarterly")
        await uow.reminders.set_schedule(await uow.working_groups.id_of("fars"), quarterly)
        await uow.commit()

    async with world.uow() as uow:
        for_sara = await service.reportable(uow, await world.actor(sara), TODAY)
        for_ali = await service.reportable(uow, await world.actor(ali), TODAY)

    assert [(r.cluster.id, r.period) for r in for_sara] == [(tehran.id, "1405-09")]
    # Ali is the CDA of a cluster of another province: its group reports by quarter.
    assert [(r.cluster.id, r.period) for r in for_ali] == [(fars.id, "1405-Q3")]
    assert service.matching(for_sara, "فرش") == []
    assert service.matching(for_sara, "مبلمان") == for_sara


async def test_a_cda_sees_the_reports_of_a_cluster_of_another_province(world: World) -> None:
    ali = await world.member(3001, "Ali")
    reza = await world.member(3002, "Reza")
    fars = await world.cluster("خوشه گل", "fars", stage=ClusterStage.DEVELOPMENT_RUNNING, cda=ali)
    await world.cluster("خوشه مبلمان", stage=ClusterStage.DEVELOPMENT_RUNNING)

    async with world.uow() as uow:
        for_ali = await service.viewable(uow, await world.actor(ali), "گل", 30)
        ali_sees = await service.history(uow, await world.actor(ali), fars.id)
        for_reza = await service.viewable(uow, await world.actor(reza), "گل", 30)
        reza_sees = await service.history(uow, await world.actor(reza), fars.id)

    assert [c.id for c in for_ali] == [fars.id]
    assert ali_sees.refusal is None and ali_sees.reports == []
    assert for_reza == []
    assert reza_sees.refusal is MonitoringRefusal.NOT_YOUR_CLUSTER

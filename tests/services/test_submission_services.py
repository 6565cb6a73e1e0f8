"""The submission and cluster services against a real database through the unit of work, with
no bot: what each use case records and what it answers."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.domain.clusters import Cluster, ClusterRefusal, ClusterStage
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.domain.submissions import (
    AcknowledgeResult,
    Content,
    Decision,
    DecisionRule,
    ReviewLevel,
    RuleMode,
    SubmissionKind,
    SubmissionRefusal,
    SubmissionStatus,
    Vote,
)
from bot.domain.working_groups import CENTRAL
from bot.services import clusters as cluster_service
from bot.services import submissions as service
from bot.storage import db
from bot.storage.repositories import Application
from bot.storage.uow import UnitOfWork

NOW = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
LATER = NOW + datetime.timedelta(hours=2)
PROVINCE = "east_azarbaijan"


@pytest.fixture
async def submission_uow(database_url: str) -> AsyncIterator[UnitOfWork]:
    """A unit of work on a fresh, migrated database; the test commits when it needs to."""
    engine = db.create_engine(database_url)
    await db.upgrade(engine)
    async with UnitOfWork(db.session_factory(engine), "telegram") as uow:
        yield uow
    await engine.dispose()


@dataclass
class People:
    author: Actor
    province_secretary: Actor
    central_secretary: Actor
    outsider: Actor
    trade_agency: Actor


async def a_member(
    uow: UnitOfWork,
    user_id: int,
    group: str,
    role: Role = Role.MEMBER,
    agency: str = "tpo",
) -> Actor:
    member = await uow.members.save_application(
        user_id,
        None,
        Application(
            full_name=f"person {user_id}",
            agency_code=agency,
            agency_other=None,
            working_group=group,
            phone=None,
            locale="fa",
        ),
        await uow.working_groups.id_of(group),
        NOW,
    )
    await uow.members.update_fields(member.id, status=MemberStatus.APPROVED.value, decided_at=NOW)
    await uow.members.set_role(member.id, role)
    fresh: Member | None = await uow.members.get(member.id)
    assert fresh is not None
    return Actor(user_id=user_id, display_name=fresh.full_name, member=fresh, is_superuser=False)


async def the_people(uow: UnitOfWork) -> People:
    return People(
        author=await a_member(uow, 101, PROVINCE),
        province_secretary=await a_member(uow, 102, PROVINCE, Role.SECRETARY),
        central_secretary=await a_member(uow, 103, CENTRAL, Role.SECRETARY),
        outsider=await a_member(uow, 104, "yazd"),
        trade_agency=await a_member(uow, 105, PROVINCE, agency="mimt"),
    )


async def a_cluster(uow: UnitOfWork, stage: ClusterStage = ClusterStage.IDENTIFIED) -> Cluster:
    return await uow.clusters.create(
        name="خوشه قطعات خودرو تبریز",
        working_group=PROVINCE,
        product="قطعات خودرو",
        sector="صنعت",
        firm_count=240,
        cda_member_id=None,
        now=NOW,
        stage=stage,
    )


def a_draft(
    kind: SubmissionKind,
    cluster: Cluster,
    *,
    budget: int | None = None,
    items: list[tuple[str, str]] | None = None,
    details: dict[str, object] | None = None,
) -> service.Draft:
    return service.Draft(
        kind=kind,
        cluster_id=cluster.id,
        program_id=None,
        content=Content(
            title="طرح توسعه صادرات",
            summary="خلاصه‌ای به اندازه کافی بلند برای طرح.",
            details=details or {},
            budget_million_rials=budget,
            duration_months=12 if kind is SubmissionKind.DEVELOPMENT_PROGRAM else None,
        ),
        items=items or [],
    )


async def submitted(
    uow: UnitOfWork, people: People, kind: SubmissionKind, cluster: Cluster, **draft: object
) -> int:
    author = people.province_secretary if kind is SubmissionKind.SUPPORT_PACKAGE else people.author
    outcome = await service.submit(uow, author, a_draft(kind, cluster, **draft), NOW)  # type: ignore[arg-type]
    assert outcome.result == "submitted" and outcome.submission is not None
    return outcome.submission.id


# --- submitting ---------------------------------------------------------------------------------


async def test_when_a_member_submits_a_plan_for_an_identified_cluster_the_province_reviews_it(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    outcome = await service.submit(
        uow, people.author, a_draft(SubmissionKind.FEASIBILITY_PLAN, cluster), NOW
    )
    assert outcome.done
    submission = outcome.submission
    assert submission is not None
    assert (submission.status, submission.state.level) == (
        SubmissionStatus.IN_REVIEW,
        ReviewLevel.PROVINCE,
    )
    assert service.stage_group(submission) == PROVINCE
    assert [e.action for e in await uow.submissions.events(submission.id)] == ["submitted"]


async def test_a_second_plan_for_the_same_cluster_waits_until_the_first_is_decided(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, cluster)
    again = await service.submit(
        uow, people.author, a_draft(SubmissionKind.FEASIBILITY_PLAN, cluster), NOW
    )
    assert again.result is SubmissionRefusal.PLAN_ALREADY_OPEN and not again.done


async def test_a_program_for_a_cluster_without_a_license_is_refused(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    outcome = await service.submit(
        uow, people.author, a_draft(SubmissionKind.DEVELOPMENT_PROGRAM, cluster, budget=500), NOW
    )
    assert outcome.result is SubmissionRefusal.CLUSTER_NOT_LICENSED


# --- deciding -----------------------------------------------------------------------------------


async def test_a_plan_approved_by_the_province_and_the_centre_licenses_the_cluster(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, cluster)

    first = await service.decide(
        uow, people.province_secretary, plan, 1, Decision.APPROVE, None, NOW
    )
    assert first.result == "advanced"
    assert first.submission is not None and first.submission.state.level is ReviewLevel.CENTRE
    # The province cannot decide at the centre's stage.
    wrong = await service.decide(
        uow, people.province_secretary, plan, 2, Decision.APPROVE, None, NOW
    )
    assert wrong.result is SubmissionRefusal.NOT_YOUR_STAGE

    final = await service.decide(
        uow, people.central_secretary, plan, 2, Decision.APPROVE, None, LATER
    )
    assert final.result == "approved"
    assert final.license is not None and final.license.number == "EC-1405-0001"
    licensed = await uow.clusters.get(cluster.id)
    assert licensed is not None and licensed.stage is ClusterStage.LICENSED
    assert await uow.submissions.license_of(plan) == final.license


async def test_pressing_an_old_card_after_somebody_decided_changes_nothing(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, await a_cluster(uow))
    await service.decide(uow, people.province_secretary, plan, 1, Decision.APPROVE, None, NOW)
    stale = await service.decide(uow, people.province_secretary, plan, 1, Decision.REJECT, "-", NOW)
    assert stale.result is SubmissionRefusal.ALREADY_DECIDED
    assert [e.action for e in await uow.submissions.events(plan)] == ["submitted", "advanced"]


async def test_an_approved_program_puts_the_clusters_development_under_way(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.LICENSED)
    program = await submitted(uow, people, SubmissionKind.DEVELOPMENT_PROGRAM, cluster, budget=900)
    await service.decide(uow, people.province_secretary, program, 1, Decision.APPROVE, None, NOW)
    final = await service.decide(
        uow, people.central_secretary, program, 2, Decision.APPROVE, None, NOW
    )
    assert final.result == "approved" and final.license is None and final.items == []
    running = await uow.clusters.get(cluster.id)
    assert running is not None and running.stage is ClusterStage.DEVELOPMENT_RUNNING
    assert [p.id for p in await uow.submissions.approved_programs(cluster.id)] == [program]
    assert await uow.reports.kpi_targets(None) == []  # the program gave no targets


async def test_the_targets_an_approved_program_gives_become_the_clusters_targets_for_its_end(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.LICENSED)
    targets = {"firms": 150, "employment": 1_200}
    program = await submitted(uow, people, SubmissionKind.DEVELOPMENT_PROGRAM, cluster,
                              budget=900, details={"targets": targets})  # fmt: skip
    await service.decide(uow, people.province_secretary, program, 1, Decision.APPROVE, None, NOW)
    # the province's approval is not the program's: nothing recorded yet
    assert await uow.reports.kpi_targets(None) == []
    await service.decide(uow, people.central_secretary, program, 2, Decision.APPROVE, None, LATER)
    assert sorted(await uow.reports.kpi_targets(None)) == [
        (cluster.id, "employment", "end", 1_200),
        (cluster.id, "firms", "end", 150),
    ]


async def test_a_rejected_program_leaves_the_clusters_targets_alone(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.LICENSED)
    program = await submitted(uow, people, SubmissionKind.DEVELOPMENT_PROGRAM, cluster,
                              budget=900, details={"targets": {"firms": 150}})  # fmt: skip
    await service.decide(uow, people.province_secretary, program, 1, Decision.REJECT, "نه", NOW)
    assert await uow.reports.kpi_targets(None) == []


async def test_a_returned_plan_comes_back_to_the_stage_that_returned_it(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, cluster)
    await service.decide(uow, people.province_secretary, plan, 1, Decision.APPROVE, None, NOW)
    returned = await service.decide(
        uow, people.central_secretary, plan, 2, Decision.RETURN, "بودجه را روشن کنید", NOW
    )
    assert returned.result == "returned"

    not_hers = await service.resubmit(
        uow, people.outsider, plan, 3, a_draft(SubmissionKind.FEASIBILITY_PLAN, cluster), LATER
    )
    assert not_hers.result is SubmissionRefusal.NOT_THE_AUTHOR
    again = await service.resubmit(
        uow,
        people.author,
        plan,
        3,
        a_draft(SubmissionKind.FEASIBILITY_PLAN, cluster, budget=70),
        LATER,
    )
    assert again.result == "resubmitted" and again.submission is not None
    assert again.submission.state.level is ReviewLevel.CENTRE
    assert again.submission.budget_million_rials == 70
    assert again.submission.stage_opened_at == LATER


async def test_only_the_author_may_withdraw_and_only_until_the_final_decision(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, await a_cluster(uow))
    refused = await service.withdraw(uow, people.province_secretary, plan, NOW)
    assert refused.result is SubmissionRefusal.NOT_THE_AUTHOR
    withdrawn = await service.withdraw(uow, people.author, plan, NOW)
    assert withdrawn.result == "withdrawn"
    assert withdrawn.submission is not None and withdrawn.submission.decided_at is not None
    twice = await service.withdraw(uow, people.author, plan, NOW)
    assert twice.result is SubmissionRefusal.ALREADY_DECIDED


# --- votes --------------------------------------------------------------------------------------


async def test_in_a_voting_group_the_quorum_decides_and_a_secretary_may_not_cut_it_short(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    await uow.submissions.set_rule(
        await uow.working_groups.id_of(PROVINCE), DecisionRule(RuleMode.VOTE, 2, 7)
    )
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, await a_cluster(uow))

    early = await service.decide(
        uow, people.province_secretary, plan, 1, Decision.APPROVE, None, NOW
    )
    assert early.result is SubmissionRefusal.VOTE_IN_PROGRESS
    outsider = await service.vote(uow, people.outsider, plan, 1, Vote.APPROVE, NOW)
    assert outsider.result is SubmissionRefusal.NOT_YOUR_STAGE

    one = await service.vote(uow, people.author, plan, 1, Vote.APPROVE, NOW)
    assert one.result == "voted" and one.tally is not None and one.tally.approve == 1
    twice = await service.vote(uow, people.author, plan, 1, Vote.REJECT, NOW)
    assert twice.result is SubmissionRefusal.ALREADY_VOTED
    two = await service.vote(uow, people.province_secretary, plan, 1, Vote.APPROVE, NOW)
    assert two.result == "advanced"
    events = await uow.submissions.events(plan)
    assert (events[-1].action, events[-1].actor_name) == ("advanced", service.VOTE_ACTOR)


async def test_a_vote_tied_at_its_deadline_is_handed_to_the_secretary(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    await uow.submissions.set_rule(
        await uow.working_groups.id_of(PROVINCE), DecisionRule(RuleMode.VOTE, 3, 7)
    )
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, await a_cluster(uow))
    await service.vote(uow, people.author, plan, 1, Vote.APPROVE, NOW)
    await service.vote(uow, people.province_secretary, plan, 1, Vote.REJECT, NOW)

    assert await service.close_expired_votes(uow, NOW + datetime.timedelta(days=1)) == []
    after_deadline = NOW + datetime.timedelta(days=7)
    [tied] = await service.close_expired_votes(uow, after_deadline)
    assert tied.result == "vote_tied" and not tied.done
    decided = await service.decide(
        uow, people.province_secretary, plan, 1, Decision.APPROVE, None, after_deadline
    )
    assert decided.result == "advanced"


# --- support packages ---------------------------------------------------------------------------


async def test_an_approved_package_is_acknowledged_once_by_its_agencys_representative(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.LICENSED)
    package = await submitted(
        uow,
        people,
        SubmissionKind.SUPPORT_PACKAGE,
        cluster,
        items=[("mimt", "تأمین ماشین‌آلات"), ("tpo", "نمایشگاه صادراتی")],
    )
    # A package is decided centrally from the start.
    approved = await service.decide(
        uow, people.central_secretary, package, 1, Decision.APPROVE, None, NOW
    )
    assert approved.result == "approved"
    assert [(i.agency_code, i.position) for i in approved.items] == [("mimt", 1), ("tpo", 2)]
    machinery = approved.items[0]

    result, _ = await service.acknowledge(uow, people.author, machinery.id, LATER)
    assert result is AcknowledgeResult.NOT_YOUR_AGENCY
    result, item = await service.acknowledge(uow, people.trade_agency, machinery.id, LATER)
    assert result is AcknowledgeResult.ACKNOWLEDGED
    assert item is not None and item.acknowledged_by_name == people.trade_agency.display_name
    result, _ = await service.acknowledge(uow, people.trade_agency, machinery.id, LATER)
    assert result is AcknowledgeResult.ALREADY_ACKNOWLEDGED
    assert (await uow.submissions.events(package))[-1].action == "acknowledged"


async def test_a_package_is_proposed_by_a_secretariat_not_by_any_member(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.LICENSED)
    draft = a_draft(SubmissionKind.SUPPORT_PACKAGE, cluster, items=[("tpo", "نمایشگاه صادراتی")])
    outcome = await service.submit(uow, people.author, draft, NOW)
    assert outcome.result is SubmissionRefusal.SECRETARIES_ONLY


async def test_the_inbox_holds_what_waits_for_the_groups_a_person_runs(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    plan = await submitted(uow, people, SubmissionKind.FEASIBILITY_PLAN, await a_cluster(uow))
    assert [s.id for s in await service.inbox(uow, people.province_secretary)] == [plan]
    assert await service.inbox(uow, people.central_secretary) == []
    assert await service.inbox(uow, people.author) == []


# --- clusters -----------------------------------------------------------------------------------


async def test_a_provincial_secretary_registers_a_cluster_and_an_outsider_may_not(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    values = {
        "working_group": PROVINCE,
        "name": "خوشه  مبلمان تبريز",
        "product": "مبلمان",
        "sector": "صنعت",
        "firm_count": 80,
        "cda_member_id": None,
        "now": NOW,
    }
    refused = await cluster_service.create_cluster(uow, actor=people.outsider, **values)  # type: ignore[arg-type]
    assert refused.result is ClusterRefusal.NOT_ALLOWED and refused.cluster is None
    created = await cluster_service.create_cluster(uow, actor=people.province_secretary, **values)  # type: ignore[arg-type]
    assert created.done and created.cluster is not None
    assert created.cluster.name == "خوشه مبلمان تبریز"
    assert created.cluster.stage is ClusterStage.IDENTIFIED


async def test_a_secretary_may_not_license_a_cluster_by_hand_but_may_move_it_back(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow, ClusterStage.FEASIBILITY_STUDIED)
    licensed = await cluster_service.update_cluster(
        uow, people.province_secretary, cluster.id, "stage", ClusterStage.LICENSED
    )
    assert licensed.result is ClusterRefusal.STAGE_NEEDS_LICENSE
    back = await cluster_service.update_cluster(
        uow, people.province_secretary, cluster.id, "stage", ClusterStage.IDENTIFIED
    )
    assert back.done and back.cluster is not None and back.cluster.stage is ClusterStage.IDENTIFIED


async def test_a_development_agent_must_be_an_approved_member_of_the_clusters_group(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    cluster = await a_cluster(uow)
    assert people.outsider.member is not None and people.author.member is not None
    elsewhere = await cluster_service.update_cluster(
        uow, people.province_secretary, cluster.id, "cda_member_id", people.outsider.member.id
    )
    assert elsewhere.result is ClusterRefusal.CDA_NOT_ELIGIBLE
    chosen = await cluster_service.update_cluster(
        uow, people.province_secretary, cluster.id, "cda_member_id", people.author.member.id
    )
    assert chosen.cluster is not None and chosen.cluster.cda_name == people.author.display_name


async def test_members_see_their_provinces_clusters_a_page_at_a_time(
    submission_uow: UnitOfWork,
) -> None:
    uow = submission_uow
    people = await the_people(uow)
    for _ in range(cluster_service.CLUSTERS_PER_PAGE + 1):
        await a_cluster(uow)
    first = await cluster_service.list_visible(uow, people.author, None, 0)
    assert (len(first.clusters), first.total, first.pages) == (8, 9, 2)
    # A page past the end shows the last page instead.
    last = await cluster_service.list_visible(uow, people.author, None, 5)
    assert (last.page, len(last.clusters)) == (1, 1)
    assert (await cluster_service.list_visible(uow, people.outsider, None, 0)).total == 0
    found = await cluster_service.list_visible(uow, people.author, "قطعات", 0)
    assert found.total == 9

"""Service functions for submissions: submit, decide, vote, withdraw, resubmit, acknowledge.

They take plain values and an open unit of work, apply the rules of bot/domain/submissions.py
and return what happened; the presentation layer (bot/ui/submissions.py) renders it and queues
the notifications in the same transaction (the outbox), so a decision and its messages commit
together. What a kind's final approval sets in motion is read from its `KindSpec`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from bot.domain import jalali
from bot.domain import reports as report_rules
from bot.domain import submissions as rules
from bot.domain.clusters import ClusterStage
from bot.domain.members import Actor, MemberStatus, acting_for, can_view_group
from bot.domain.submissions import (
    AcknowledgeResult,
    ApprovalEffect,
    Content,
    Decision,
    DialogStep,
    License,
    PackageItem,
    Submission,
    SubmissionKind,
    SubmissionRefusal,
    SubmissionStatus,
    Vote,
    stage_group,
)
from bot.domain.working_groups import CENTRAL
from bot.services import reports
from bot.storage.uow import UnitOfWork

__all__ = [
    "DONE",
    "VOTE_ACTOR",
    "Content",
    "Draft",
    "NewAttachment",
    "Outcome",
    "acknowledge",
    "can_follow",
    "close_expired_votes",
    "decide",
    "inbox",
    "resubmit",
    "stage_group",
    "submit",
    "tally_of",
    "vote",
    "withdraw",
]


@dataclass(frozen=True)
class NewAttachment:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class Draft:
    kind: SubmissionKind
    cluster_id: int
    program_id: int | None
    content: Content
    # Support packages: (agency code, what that agency must do).
    items: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[NewAttachment] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    # What happened ("submitted", "advanced", "approved", "returned", "rejected", "withdrawn",
    # "resubmitted", "voted", "vote_tied") or why nothing did (a SubmissionRefusal).
    result: str
    submission: Submission | None
    license: License | None = None
    items: list[PackageItem] = field(default_factory=list)
    tally: rules.Tally | None = None

    @property
    def done(self) -> bool:
        return self.result in DONE


DONE = frozenset(
    {
        "submitted",
        "advanced",
        "approved",
        "returned",
        "rejected",
        "withdrawn",
        "resubmitted",
        "voted",
    }
)
# The name shown as decider when the members' vote, not a person, made the decision.
VOTE_ACTOR = "vote"


def can_follow(actor: Actor, submission: Submission) -> bool:
    """See the card, timeline and attachments: the author, and whoever may see the cluster."""
    is_author = actor.member is not None and actor.member.id == submission.author_member_id
    return is_author or can_view_group(actor, submission.cluster_group)


async def submit(uow: UnitOfWork, actor: Actor, draft: Draft, now: datetime.datetime) -> Outcome:
    cluster = await uow.clusters.get(draft.cluster_id)
    if cluster is None:
        return Outcome(SubmissionRefusal.CLUSTER_GONE, None)
    refusal = rules.submit_refusal(actor, draft.kind, cluster)
    if (
        refusal is None
        and rules.spec_for(draft.kind).one_open_per_cluster
        and await uow.submissions.open_for_cluster(cluster.id, draft.kind)
    ):
        # One license per cluster: a second plan waits until the first is decided.
        refusal = SubmissionRefusal.PLAN_ALREADY_OPEN
    if refusal is None and draft.program_id is not None:
        programs = await uow.submissions.approved_programs(cluster.id)
        if draft.program_id not in {p.id for p in programs}:
            refusal = SubmissionRefusal.PROGRAM_NOT_APPROVED
    if refusal is not None:
        await uow.audit.record(
            actor.user_id, f"submission.{draft.kind.value}", refusal, "cluster", cluster.id
        )
        return Outcome(refusal, None)
    if actor.member is None:
        # A superuser who is not a member has no member record to be the author.
        return Outcome(SubmissionRefusal.MEMBERS_ONLY, None)
    submission_id = await uow.submissions.create(
        draft.kind, cluster.id, draft.program_id, actor.member.id, draft.content, now
    )
    for position, (agency, action) in enumerate(draft.items, start=1):
        await uow.submissions.add_item(submission_id, position, agency, action)
    await _attach(uow, submission_id, draft.attachments, now)
    await uow.submissions.add_event(
        submission_id, now, actor.user_id, actor.display_name, "submitted", 0
    )
    return Outcome("submitted", await uow.submissions.get(submission_id))


async def _attach(
    uow: UnitOfWork, submission_id: int, files: list[NewAttachment], now: datetime.datetime
) -> None:
    for f in files:
        await uow.submissions.add_attachment(
            submission_id, f.file_id, f.file_unique_id, f.file_name, f.mime_type, f.size, now
        )


async def _load_open(
    uow: UnitOfWork, submission_id: int, version: int | None
) -> tuple[Submission | None, SubmissionRefusal | None]:
    submission = await uow.submissions.get(submission_id)
    if submission is None:
        return None, SubmissionRefusal.SUBMISSION_GONE
    return submission, rules.pressed_card_refusal(submission.state, version)


async def decide(
    uow: UnitOfWork,
    actor: Actor,
    submission_id: int,
    version: int,
    decision: Decision,
    comment: str | None,
    now: datetime.datetime,
) -> Outcome:
    submission, refusal = await _load_open(uow, submission_id, version)
    if refusal is None:
        assert submission is not None
        refusal = rules.review_refusal(actor, submission.state, submission.cluster_group)
        if refusal is SubmissionRefusal.NOT_YOUR_STAGE:
            await uow.audit.record(
                actor.user_id, f"submission.{decision.value}", refusal, "submission", submission_id
            )
    if refusal is None and decision is not Decision.RETURN:
        assert submission is not None
        rule = await uow.submissions.rule_for(stage_group(submission))
        # While the members vote, nobody decides for them (an old card or a forged button
        # must not cut the vote short); a tie at the deadline is the secretary's.
        if rule.mode is rules.RuleMode.VOTE and not rules.vote_deadline_passed(
            rule, submission.stage_opened_at, now
        ):
            refusal = SubmissionRefusal.VOTE_IN_PROGRESS
    if refusal is not None:
        return Outcome(refusal, submission)
    assert submission is not None
    # A substitute decides in the absent secretary's or chair's name as well as their own.
    proxy = acting_for(actor, stage_group(submission))
    outcome = await _apply(
        uow,
        submission,
        decision,
        actor.user_id,
        actor.display_name,
        comment,
        now,
        (proxy.for_user_id, proxy.for_name) if proxy else None,
    )
    if proxy is not None and outcome.done:
        await uow.audit.record(
            actor.user_id,
            f"submission.{decision.value}",
            str(outcome.result),
            "submission",
            submission.id,
            {"on_behalf_of": proxy.for_user_id},
            at=now,
        )
    return outcome


async def _apply(
    uow: UnitOfWork,
    submission: Submission,
    decision: Decision,
    actor_user_id: int,
    actor_name: str,
    comment: str | None,
    now: datetime.datetime,
    on_behalf_of: tuple[int, str] | None = None,
) -> Outcome:
    change = rules.decide(submission.state, decision)
    if not await uow.submissions.transition(submission.id, submission.version, change, now):
        return Outcome(SubmissionRefusal.ALREADY_DECIDED, await uow.submissions.get(submission.id))
    await uow.submissions.add_event(
        submission.id,
        now,
        actor_user_id,
        actor_name,
        change.outcome,
        submission.stage_index,
        comment,
        on_behalf_of,
    )
    license_ = None
    items: list[PackageItem] = []
    if change.outcome is rules.Outcome.APPROVED:
        license_, items = await _finalise(uow, submission, actor_user_id, now)
    return Outcome(change.outcome, await uow.submissions.get(submission.id), license_, items)


async def _finalise(
    uow: UnitOfWork, submission: Submission, actor_user_id: int, now: datetime.datetime
) -> tuple[License | None, list[PackageItem]]:
    """What a final approval sets in motion (F7, F8, F9, F11), as the kind's entry says."""
    effect = submission.spec.on_approval
    if effect is ApprovalEffect.LICENSE_CLUSTER:
        # F7 and F8: the cluster enters the export-cluster database and gets its license.
        await uow.clusters.set_stage(submission.cluster_id, ClusterStage.LICENSED)
        year = jalali.jalali_parts(jalali.tehran_today(now))[0]
        sequence = await uow.submissions.next_license_sequence(year)
        number = rules.license_number(year, sequence)
        return await uow.submissions.add_license(
            number, submission.cluster_id, submission.id, now
        ), []
    if effect is ApprovalEffect.DEVELOPMENT_RUNNING:
        await uow.clusters.set_stage(submission.cluster_id, ClusterStage.DEVELOPMENT_RUNNING)
        await _record_targets(uow, submission, actor_user_id, now)
        return None, []
    if effect is ApprovalEffect.INSTRUCT_AGENCIES:
        # F11: the package is communicated to each named agency; the caller turns each item
        # into a task for that agency (F12), and the acknowledgements record who received it.
        return None, await uow.submissions.items(submission.id)
    raise ValueError(f"no approval effect {effect!r}")


async def _record_targets(
    uow: UnitOfWork, submission: Submission, actor_user_id: int, now: datetime.datetime
) -> None:
    """F14: the KPI targets an approved program gives for its end become the cluster's, as if
    its secretariat had typed them into /targets (whose checks they pass again here)."""
    given = submission.details.get("targets")
    if not given:
        return
    targets = reports.check_targets({str(k): int(v) for k, v in given.items()})
    await uow.reports.save_targets(
        submission.cluster_id, report_rules.PROGRAM_END, targets, actor_user_id, now
    )
    await uow.audit.record(
        actor_user_id,
        "kpi.targets",
        "done",
        "cluster",
        submission.cluster_id,
        {"horizon": report_rules.PROGRAM_END, "submission": submission.id, **targets},
        at=now,
    )


async def vote(
    uow: UnitOfWork,
    actor: Actor,
    submission_id: int,
    version: int,
    choice: Vote,
    now: datetime.datetime,
) -> Outcome:
    submission, refusal = await _load_open(uow, submission_id, version)
    if refusal is None:
        assert submission is not None
        refusal = rules.vote_refusal(actor, submission.state, submission.cluster_group)
    if refusal is not None:
        if refusal is SubmissionRefusal.NOT_YOUR_STAGE:
            await uow.audit.record(
                actor.user_id, "submission.vote", refusal, "submission", submission_id
            )
        return Outcome(refusal, submission)
    assert submission is not None and actor.member is not None
    rule = await uow.submissions.rule_for(stage_group(submission))
    if rule.mode is not rules.RuleMode.VOTE:
        return Outcome(SubmissionRefusal.NOT_VOTING, submission)
    if not await uow.submissions.add_vote(submission.id, version, actor.member.id, choice, now):
        return Outcome(SubmissionRefusal.ALREADY_VOTED, submission)
    await uow.submissions.add_event(
        submission.id,
        now,
        actor.user_id,
        actor.display_name,
        f"vote_{choice.value}",
        submission.stage_index,
    )
    return await _close_if_decided(uow, submission, rule, now) or Outcome(
        "voted", submission, tally=await tally_of(uow, submission)
    )


async def tally_of(uow: UnitOfWork, submission: Submission) -> rules.Tally:
    votes = await uow.submissions.votes(submission.id, submission.version)
    return rules.tally(v for _, v in votes)


async def _close_if_decided(
    uow: UnitOfWork, submission: Submission, rule: rules.DecisionRule, now: datetime.datetime
) -> Outcome | None:
    tally = await tally_of(uow, submission)
    decision = rules.vote_outcome(rule, tally, submission.stage_opened_at, now)
    if decision is None:
        return None
    outcome = await _apply(uow, submission, decision, 0, VOTE_ACTOR, None, now)
    return Outcome(outcome.result, outcome.submission, outcome.license, outcome.items, tally)


async def close_expired_votes(uow: UnitOfWork, now: datetime.datetime) -> list[Outcome]:
    """Votes whose deadline passed with a majority are decided; a tie is handed to the
    secretary ("vote_tied": the cards then carry the secretary's buttons)."""
    outcomes = []
    for submission in await uow.submissions.in_review():
        rule = await uow.submissions.rule_for(stage_group(submission))
        if rule.mode is not rules.RuleMode.VOTE:
            continue
        outcome = await _close_if_decided(uow, submission, rule, now)
        if outcome is not None:
            outcomes.append(outcome)
        elif rules.vote_deadline_passed(rule, submission.stage_opened_at, now):
            outcomes.append(Outcome("vote_tied", submission))
    return outcomes


async def withdraw(
    uow: UnitOfWork, actor: Actor, submission_id: int, now: datetime.datetime
) -> Outcome:
    submission, refusal = await _load_open(uow, submission_id, None)
    if refusal is None:
        assert submission is not None
        refusal = rules.author_refusal(actor, submission.author_member_id)
    if refusal is not None:
        return Outcome(refusal, submission)
    assert submission is not None
    change = rules.withdraw(submission.state)
    if not await uow.submissions.transition(submission.id, submission.version, change, now):
        return Outcome(SubmissionRefusal.ALREADY_DECIDED, await uow.submissions.get(submission.id))
    await uow.submissions.add_event(
        submission.id, now, actor.user_id, actor.display_name, "withdrawn", submission.stage_index
    )
    return Outcome("withdrawn", await uow.submissions.get(submission.id))


async def resubmit(
    uow: UnitOfWork,
    actor: Actor,
    submission_id: int,
    version: int,
    draft: Draft,
    now: datetime.datetime,
) -> Outcome:
    submission = await uow.submissions.get(submission_id)
    if submission is None:
        return Outcome(SubmissionRefusal.SUBMISSION_GONE, None)
    refusal = rules.author_refusal(actor, submission.author_member_id)
    if refusal is None and (
        submission.status is not SubmissionStatus.RETURNED or submission.version != version
    ):
        refusal = SubmissionRefusal.NOT_RETURNED
    if refusal is not None:
        return Outcome(refusal, submission)
    change = rules.resubmit(submission.state)
    if not await uow.submissions.transition(
        submission.id, version, change, now, content=draft.content
    ):
        return Outcome(SubmissionRefusal.NOT_RETURNED, await uow.submissions.get(submission.id))
    if submission.spec.asks(DialogStep.ITEMS):
        await uow.submissions.replace_items(submission.id, draft.items)
    await _attach(uow, submission.id, draft.attachments, now)
    await uow.submissions.add_event(
        submission.id, now, actor.user_id, actor.display_name, "resubmitted", submission.stage_index
    )
    return Outcome("resubmitted", await uow.submissions.get(submission.id))


async def acknowledge(
    uow: UnitOfWork, actor: Actor, item_id: int, now: datetime.datetime
) -> tuple[AcknowledgeResult, PackageItem | None]:
    """An agency's representative confirms receipt of its part of an approved package."""
    item = await uow.submissions.item(item_id)
    if item is None:
        return AcknowledgeResult.SUBMISSION_GONE, None
    member = actor.member
    submission = await uow.submissions.get(item.submission_id)
    # The same people it was sent to: the agency's representatives in the cluster's province
    # and in the central group.
    groups = (submission.cluster_group, CENTRAL) if submission else (CENTRAL,)
    is_representative = (
        member is not None
        and member.status is MemberStatus.APPROVED
        and member.agency_code == item.agency_code
        and member.working_group in groups
    )
    if not (is_representative or actor.is_superuser):
        refusal = AcknowledgeResult.NOT_YOUR_AGENCY
        await uow.audit.record(actor.user_id, "package.acknowledge", refusal, "item", item_id)
        return refusal, item
    if not await uow.submissions.acknowledge(item_id, actor.user_id, actor.display_name, now):
        return AcknowledgeResult.ALREADY_ACKNOWLEDGED, await uow.submissions.item(item_id)
    if submission is not None:
        await uow.submissions.add_event(
            submission.id,
            now,
            actor.user_id,
            actor.display_name,
            "acknowledged",
            submission.stage_index,
            str(item.position),
        )
    return AcknowledgeResult.ACKNOWLEDGED, await uow.submissions.item(item_id)


async def inbox(uow: UnitOfWork, actor: Actor) -> list[Submission]:
    """What waits for a decision by a group this person runs, oldest first."""
    waiting = []
    for submission in await uow.submissions.in_review():
        if rules.review_refusal(actor, submission.state, submission.cluster_group) is None:
            waiting.append(submission)
    return waiting

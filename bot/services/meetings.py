"""Service functions for working-group meetings: announce, answer, list, record decisions and
turn a decision into a task, and find the reminders due before a meeting.

Plain values in, an outcome out; the rules come from bot/domain/meetings.py. A refusal is a
`MeetingRefusal` (its value is the locale key under ``meeting_errors``). Handlers render the
outcome with bot/ui/meetings.py and queue its notices in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain import meetings as rules
from bot.domain import schedule as timing
from bot.domain.clusters import Cluster
from bot.domain.meetings import Answer, Decision, Meeting, MeetingRefusal, Reply
from bot.domain.members import Actor, Member, MemberStatus, managed_groups
from bot.domain.schedule import ReminderKind
from bot.domain.tasks import Task
from bot.domain.working_groups import WORKING_GROUPS
from bot.services import tasks as task_service
from bot.storage.uow import UnitOfWork

# Clusters offered when a decision becomes a task, at most.
MAX_TASK_CLUSTERS = 40


@dataclass(frozen=True)
class MeetingOutcome:
    refusal: MeetingRefusal | None
    meeting: Meeting | None = None


@dataclass(frozen=True)
class Invitation:
    """Who a new meeting's invitation goes to: the approved members and the group's chat."""

    meeting: Meeting
    members: list[Member]
    group_chat: int | None


@dataclass(frozen=True)
class CreateOutcome:
    refusal: MeetingRefusal | None
    invitation: Invitation | None = None


@dataclass(frozen=True)
class ReplyOutcome:
    refusal: MeetingRefusal | None
    answer: Answer | None = None
    # The answer this one replaced, if the member had answered before.
    previous: Answer | None = None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.previous is not self.answer


@dataclass(frozen=True)
class MeetingReplies:
    """A meeting with who answered what and who has not answered yet."""

    meeting: Meeting
    replies: list[Reply]
    unanswered: list[str]
    # Whether the reader is of the meeting's secretariat (sees names, records decisions).
    manages: bool = False
    # Decisions recorded so far; counted only for the secretariat once the meeting began.
    decisions: int = 0

    def answer_of(self, user_id: int) -> Answer | None:
        return next((r.answer for r in self.replies if r.user_id == user_id), None)


@dataclass(frozen=True)
class MeetingList:
    # Only members of a working group (or its secretariat) have meetings to list.
    not_a_member: bool = False
    # How many meetings there are to list; `shown` holds the first `limit` of them.
    total: int = 0
    shown: list[MeetingReplies] = field(default_factory=list)


@dataclass(frozen=True)
class RepliesOutcome:
    refusal: MeetingRefusal | None
    replies: MeetingReplies | None = None


@dataclass(frozen=True)
class DecisionsOutcome:
    refusal: MeetingRefusal | None
    meeting: Meeting | None = None
    decisions: list[Decision] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionOutcome:
    refusal: MeetingRefusal | None
    meeting: Meeting | None = None
    decision: Decision | None = None


@dataclass(frozen=True)
class DecisionTaskOutcome:
    refusal: MeetingRefusal | None
    decision: Decision | None = None
    meeting: Meeting | None = None
    # When the task service refused: its reason (a key under task_refusals).
    task_refusal: str | None = None
    task: Task | None = None
    clusters: list[Cluster] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingReminder:
    meeting: Meeting
    kind: ReminderKind
    member: Member


# --- announcing -------------------------------------------------------------------------------


def groups_to_manage(actor: Actor) -> tuple[str, ...]:
    """The working groups this person may schedule meetings for (none: not the secretariat)."""
    return managed_groups(actor, WORKING_GROUPS)


def group_refusal(actor: Actor, working_group: str) -> MeetingRefusal | None:
    return rules.manage_refusal(actor, working_group)


async def create_meeting(
    uow: UnitOfWork,
    actor: Actor,
    *,
    working_group: str,
    starts_at: datetime.datetime,
    place: str,
    agenda: str,
    now: datetime.datetime,
) -> CreateOutcome:
    """Schedule the meeting and say whom to invite; the caller queues the invitations."""
    refusal = rules.create_refusal(actor, working_group, starts_at, now)
    if refusal is not None:
        return CreateOutcome(refusal)
    meeting = await uow.meetings.create(
        working_group=working_group,
        starts_at=starts_at,
        place=place,
        agenda=agenda,
        created_by_user_id=actor.user_id,
        now=now,
    )
    await uow.audit.record(actor.user_id, "meeting.create", "done", "meeting", meeting.id, at=now)
    members = await uow.members.in_group(meeting.working_group, MemberStatus.APPROVED)
    group_chat = await uow.working_groups.chat_of(meeting.working_group)
    return CreateOutcome(None, Invitation(meeting, members, group_chat))


# --- changing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeOutcome:
    """A meeting cancelled, moved or edited, and whom to tell: everyone invited."""

    refusal: MeetingRefusal | None
    # "cancelled", "moved" (the replies are asked again) or "edited" (they are kept).
    change: str = ""
    invitation: Invitation | None = None
    before: Meeting | None = None


async def change_meeting(
    uow: UnitOfWork,
    actor: Actor,
    meeting_id: int,
    now: datetime.datetime,
    *,
    starts_at: datetime.datetime | None = None,
    place: str | None = None,
    agenda: str | None = None,
    cancel: bool = False,
) -> ChangeOutcome:
    """Cancel the meeting, or move it (new start) or edit its place or agenda.

    Moving forgets every reply, so the invitation asks again, and since the outbox keys of
    the invitation and reminders carry the start, they follow the new time by themselves.
    """
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return ChangeOutcome(MeetingRefusal.MEETING_GONE)
    refusal = rules.change_refusal(actor, meeting, now)
    if refusal is None and starts_at is not None and starts_at <= now:
        refusal = MeetingRefusal.MEETING_IN_PAST
    if refusal is not None:
        if refusal is MeetingRefusal.SECRETARIES_ONLY:
            await uow.audit.record(actor.user_id, "meeting.change", refusal, "meeting", meeting_id)
        return ChangeOutcome(refusal)
    moved = starts_at is not None and starts_at != meeting.starts_at
    values: dict[str, object] = {}
    if cancel:
        values["cancelled_at"] = now
    if moved:
        values["starts_at"] = starts_at
    if place is not None and place != meeting.place:
        values["place"] = place
    if agenda is not None and agenda != meeting.agenda:
        values["agenda"] = agenda
    if not values:
        return ChangeOutcome(None, "", None, meeting)
    if not await uow.meetings.change(meeting.id, **values):
        return ChangeOutcome(MeetingRefusal.MEETING_CANCELLED)
    change = "cancelled" if cancel else "moved" if moved else "edited"
    if moved:
        await uow.meetings.clear_replies(meeting.id)
    await uow.audit.record(
        actor.user_id,
        f"meeting.{change}",
        "done",
        "meeting",
        meeting.id,
        {k: v.isoformat() if isinstance(v, datetime.datetime) else v for k, v in values.items()},
        at=now,
    )
    changed = await uow.meetings.get(meeting.id)
    assert changed is not None
    members = await uow.members.in_group(changed.working_group, MemberStatus.APPROVED)
    group_chat = await uow.working_groups.chat_of(changed.working_group)
    return ChangeOutcome(None, change, Invitation(changed, members, group_chat), meeting)


async def meeting_to_change(
    uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime.datetime
) -> MeetingOutcome:
    """The meeting, if this person may cancel, move or edit it now."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return MeetingOutcome(MeetingRefusal.MEETING_GONE)
    return MeetingOutcome(rules.change_refusal(actor, meeting, now), meeting)


# --- answering --------------------------------------------------------------------------------


async def reply(
    uow: UnitOfWork, actor: Actor, meeting_id: int, answer: Answer, now: datetime.datetime
) -> ReplyOutcome:
    """Record a member's answer; answering again replaces it (one reply per member)."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return ReplyOutcome(MeetingRefusal.MEETING_GONE)
    refusal = rules.answer_refusal(
        actor, meeting.working_group, meeting.starts_at, meeting.cancelled, now
    )
    if refusal is not None:
        if refusal is MeetingRefusal.NOT_INVITED:
            await uow.audit.record(actor.user_id, "meeting.reply", refusal, "meeting", meeting_id)
        return ReplyOutcome(refusal)
    assert actor.member is not None
    previous = await uow.meetings.reply(meeting.id, actor.member.id, answer, now)
    return ReplyOutcome(None, answer, previous)


# --- listing ----------------------------------------------------------------------------------


async def _with_replies(
    uow: UnitOfWork,
    meeting: Meeting,
    members_by_group: dict[str, list[Member]],
    *,
    manages: bool = False,
    decisions: int = 0,
) -> MeetingReplies:
    replies = await uow.meetings.replies(meeting.id)
    group = meeting.working_group
    if group not in members_by_group:
        members_by_group[group] = await uow.members.in_group(group, MemberStatus.APPROVED)
    answered = {r.member_id for r in replies}
    unanswered = [m.full_name for m in members_by_group[group] if m.id not in answered]
    return MeetingReplies(meeting, replies, unanswered, manages, decisions)


async def list_meetings(
    uow: UnitOfWork, actor: Actor, now: datetime.datetime, limit: int
) -> MeetingList:
    """The meetings of my group to come, and for the secretariat also those just held, with
    the replies of the first `limit`."""
    managed = managed_groups(actor, WORKING_GROUPS)
    own = (actor.working_group,) if actor.working_group else ()
    groups = tuple(dict.fromkeys((*managed, *own)))
    if not groups:
        return MeetingList(not_a_member=True)
    recent = await uow.meetings.since(groups, now - rules.RECENT)
    listed = [m for m in recent if rules.is_listed(m, managed, now)]
    members_by_group: dict[str, list[Member]] = {}
    shown = []
    for meeting in listed[:limit]:
        manages = rules.manage_refusal(actor, meeting.working_group) is None
        decisions = 0
        if manages and now >= meeting.starts_at:
            decisions = len(await uow.meetings.decisions(meeting.id))
        shown.append(
            await _with_replies(
                uow, meeting, members_by_group, manages=manages, decisions=decisions
            )
        )
    return MeetingList(False, len(listed), shown)


async def _managed(uow: UnitOfWork, actor: Actor, meeting_id: int) -> MeetingOutcome:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return MeetingOutcome(MeetingRefusal.MEETING_GONE)
    return MeetingOutcome(rules.manage_refusal(actor, meeting.working_group), meeting)


async def replies_of(uow: UnitOfWork, actor: Actor, meeting_id: int) -> RepliesOutcome:
    """Every reply, with names, for the meeting's secretariat."""
    found = await _managed(uow, actor, meeting_id)
    if found.refusal is not None or found.meeting is None:
        return RepliesOutcome(found.refusal)
    return RepliesOutcome(None, await _with_replies(uow, found.meeting, {}, manages=True))


# --- decisions --------------------------------------------------------------------------------


async def _for_decisions(
    uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime.datetime
) -> MeetingOutcome:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return MeetingOutcome(MeetingRefusal.MEETING_GONE)
    refusal = rules.decisions_refusal(actor, meeting.working_group, meeting.starts_at, now)
    return MeetingOutcome(refusal, meeting)


async def open_decisions(
    uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime.datetime
) -> MeetingOutcome:
    """Whether this person may record decisions of this meeting now."""
    return await _for_decisions(uow, actor, meeting_id, now)


async def add_decision(
    uow: UnitOfWork, actor: Actor, meeting_id: int, text: str, now: datetime.datetime
) -> DecisionOutcome:
    """Record one decision (already cleaned by `rules.clean_decision`), numbered in order."""
    found = await _for_decisions(uow, actor, meeting_id, now)
    if found.refusal is not None:
        return DecisionOutcome(found.refusal)
    decision = await uow.meetings.add_decision(meeting_id, text, now)
    await uow.audit.record(actor.user_id, "meeting.decision", "done", "meeting", meeting_id, at=now)
    return DecisionOutcome(None, found.meeting, decision)


async def decisions_of(uow: UnitOfWork, actor: Actor, meeting_id: int) -> DecisionsOutcome:
    """The meeting's decisions, for its secretariat."""
    found = await _managed(uow, actor, meeting_id)
    if found.refusal is not None or found.meeting is None:
        return DecisionsOutcome(found.refusal)
    return DecisionsOutcome(None, found.meeting, await uow.meetings.decisions(meeting_id))


# --- a decision becomes a task ----------------------------------------------------------------


async def _decision(
    uow: UnitOfWork, actor: Actor, decision_id: int, now: datetime.datetime
) -> DecisionOutcome:
    decision = await uow.meetings.decision(decision_id)
    if decision is None:
        return DecisionOutcome(MeetingRefusal.DECISION_GONE)
    meeting = await uow.meetings.get(decision.meeting_id)
    if meeting is None:
        return DecisionOutcome(MeetingRefusal.MEETING_GONE, None, decision)
    return DecisionOutcome(
        rules.decision_task_refusal(actor, meeting, decision, now), meeting, decision
    )


async def start_decision_task(
    uow: UnitOfWork, actor: Actor, decision_id: int, now: datetime.datetime
) -> DecisionTaskOutcome:
    """May this decision become a task, and in which of the group's clusters?"""
    found = await _decision(uow, actor, decision_id, now)
    if found.refusal is not None or found.meeting is None:
        return DecisionTaskOutcome(found.refusal, found.decision)
    clusters, _ = await uow.clusters.page(
        (found.meeting.working_group,), None, 0, MAX_TASK_CLUSTERS
    )
    return DecisionTaskOutcome(None, found.decision, found.meeting, clusters=clusters)


async def task_cluster(uow: UnitOfWork, cluster_id: int, working_group: str) -> Cluster | None:
    """The cluster picked for a decision's task, if it is still one of the meeting's group."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None or cluster.working_group != working_group:
        return None
    return cluster


async def make_task(
    uow: UnitOfWork,
    actor: Actor,
    decision_id: int,
    *,
    cluster_id: int,
    describe: Callable[[Meeting, Decision], str],
    due_on: datetime.date | None,
    assignee_ids: list[int],
    now: datetime.datetime,
) -> DecisionTaskOutcome:
    """Create the task a decision asks for and link the two; a decision becomes one task.

    `describe` writes the task's details from the meeting and the decision (in the reader's
    language, which this layer does not know).
    """
    found = await _decision(uow, actor, decision_id, now)
    if found.refusal is not None or found.meeting is None or found.decision is None:
        return DecisionTaskOutcome(found.refusal, found.decision)
    decision = found.decision
    outcome = await task_service.create_task(
        uow,
        actor,
        cluster_id=cluster_id,
        title=rules.task_title(decision.text),
        description=describe(found.meeting, decision),
        due_on=due_on,
        assignee_ids=assignee_ids,
        now=now,
    )
    if outcome.result != "done" or outcome.task is None:
        return DecisionTaskOutcome(None, decision, task_refusal=outcome.result)
    if not await uow.meetings.set_decision_task(decision.id, outcome.task.id):
        # Someone turned the same decision into a task a moment earlier: keep theirs only.
        await uow.rollback()
        return DecisionTaskOutcome(MeetingRefusal.ALREADY_A_TASK, decision)
    return DecisionTaskOutcome(None, decision, task=outcome.task)


# --- reminders --------------------------------------------------------------------------------


async def reminders_due(
    uow: UnitOfWork, now: datetime.datetime, zone: ZoneInfo
) -> list[MeetingReminder]:
    """The reminders due now: the evening before and an hour before, to everyone invited
    who did not decline. A reminder is due from its moment until the meeting begins
    (fold_catch_up: the evening one stops at the hour one)."""
    due: list[MeetingReminder] = []
    for meeting in await uow.meetings.upcoming(None, now):
        dues = timing.meeting_reminders(meeting.starts_at, meeting.created_at, zone)
        useful, _ = timing.fold_catch_up(dues, now, zone=zone)
        due_now = [d for d in useful if d.at <= now < meeting.starts_at]
        if not due_now:
            continue
        answers = {r.member_id: r.answer for r in await uow.meetings.replies(meeting.id)}
        members = await uow.members.in_group(meeting.working_group, MemberStatus.APPROVED)
        for reminder in due_now:
            due += [
                MeetingReminder(meeting, reminder.kind, member)
                for member in members
                if rules.should_remind(answers.get(member.id))
            ]
    return due

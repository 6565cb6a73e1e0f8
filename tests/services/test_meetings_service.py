"""Meetings as use cases: announcing, answering, listing, decisions and their tasks, reminders."""

from __future__ import annotations

import datetime

from bot.domain.jalali import TEHRAN
from bot.domain.meetings import Answer, Meeting, MeetingRefusal
from bot.domain.members import Actor, MemberStatus, Role
from bot.domain.schedule import ReminderKind
from bot.services import meetings as service
from tests.services.conftest import MONDAY_10, World, superuser

TOMORROW_10 = MONDAY_10 + datetime.timedelta(days=1)


async def _secretary(world: World, group: str = "tehran") -> Actor:
    return await world.actor(await world.member(2001, "Sara", group, role=Role.SECRETARY))


async def _secretary_of_fars(world: World) -> Actor:
    return await world.actor(await world.member(4002, "Reza", "fars", role=Role.SECRETARY))


async def _meeting(
    world: World, secretary: Actor, starts_at: datetime.datetime = TOMORROW_10
) -> Meeting:
    async with world.uow() as uow:
        outcome = await service.create_meeting(
            uow,
            secretary,
            working_group="tehran",
            starts_at=starts_at,
            place="اتاق جلسات",
            agenda="برنامه توسعه خوشه",
            now=MONDAY_10,
        )
        await uow.commit()
    assert outcome.refusal is None and outcome.invitation is not None
    return outcome.invitation.meeting


async def test_a_secretary_announces_a_meeting_to_the_approved_members_of_her_group(
    world: World,
) -> None:
    sara = await _secretary(world)
    await world.member(3001, "Ali", "tehran")
    await world.member(3002, "Pending Person", "tehran", status=MemberStatus.PENDING)
    await world.member(4001, "Mina", "fars")
    async with world.uow() as uow:
        outcome = await service.create_meeting(
            uow,
            sara,
            working_group="tehran",
            starts_at=TOMORROW_10,
            place="اتاق جلسات",
            agenda="برنامه توسعه خوشه",
            now=MONDAY_10,
        )
        await uow.commit()
    assert outcome.refusal is None and outcome.invitation is not None
    invited = sorted(m.full_name for m in outcome.invitation.members)
    assert invited == ["Ali", "Sara"]
    assert outcome.invitation.group_chat is None
    async with world.uow() as uow:
        saved = await uow.meetings.get(outcome.invitation.meeting.id)
    assert saved is not None and saved.starts_at == TOMORROW_10


async def test_a_meeting_is_announced_only_by_the_secretariat_and_only_before_it_starts(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    mina_secretary = await _secretary_of_fars(world)

    async def create(actor: Actor, starts_at: datetime.datetime) -> MeetingRefusal | None:
        async with world.uow() as uow:
            outcome = await service.create_meeting(
                uow,
                actor,
                working_group="tehran",
                starts_at=starts_at,
                place="اتاق جلسات",
                agenda="برنامه توسعه خوشه",
                now=MONDAY_10,
            )
            await uow.commit()
        return outcome.refusal

    assert await create(ali, TOMORROW_10) is MeetingRefusal.SECRETARIES_ONLY
    assert await create(mina_secretary, TOMORROW_10) is MeetingRefusal.SECRETARIES_ONLY
    assert await create(sara, MONDAY_10) is MeetingRefusal.MEETING_IN_PAST
    assert await create(superuser(), TOMORROW_10) is None
    async with world.uow() as uow:
        assert len(await uow.meetings.upcoming(None, MONDAY_10)) == 1


async def test_a_member_who_answers_twice_keeps_one_reply_with_the_last_answer(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    meeting = await _meeting(world, sara)

    async with world.uow() as uow:
        first = await service.reply(uow, ali, meeting.id, Answer.ATTENDING, MONDAY_10)
        await uow.commit()
    async with world.uow() as uow:
        second = await service.reply(uow, ali, meeting.id, Answer.NOT_ATTENDING, MONDAY_10)
        await uow.commit()
    async with world.uow() as uow:
        again = await service.reply(uow, ali, meeting.id, Answer.NOT_ATTENDING, MONDAY_10)
        await uow.commit()

    assert first.refusal is None and not first.changed
    assert second.refusal is None and second.changed and second.previous is Answer.ATTENDING
    assert not again.changed
    async with world.uow() as uow:
        replies = await uow.meetings.replies(meeting.id)
    assert [(r.name, r.answer) for r in replies] == [("Ali", Answer.NOT_ATTENDING)]


async def test_only_the_meetings_own_members_answer_and_only_until_it_starts(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    mina = await world.actor(await world.member(4001, "Mina", "fars"))
    meeting = await _meeting(world, sara)

    async with world.uow() as uow:
        outsider = await service.reply(uow, mina, meeting.id, Answer.ATTENDING, MONDAY_10)
        late = await service.reply(uow, ali, meeting.id, Answer.ATTENDING, TOMORROW_10)
        gone = await service.reply(uow, ali, meeting.id + 100, Answer.ATTENDING, MONDAY_10)
        await uow.commit()

    assert outsider.refusal is MeetingRefusal.NOT_INVITED
    assert late.refusal is MeetingRefusal.MEETING_STARTED
    assert gone.refusal is MeetingRefusal.MEETING_GONE
    async with world.uow() as uow:
        assert await uow.meetings.replies(meeting.id) == []


async def test_members_list_what_is_coming_and_the_secretariat_also_what_was_just_held(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    held = await _meeting(world, sara, MONDAY_10 + datetime.timedelta(hours=1))
    coming = await _meeting(world, sara)
    async with world.uow() as uow:
        await service.reply(uow, ali, coming.id, Answer.ATTENDING, MONDAY_10)
        await uow.commit()
    later = MONDAY_10 + datetime.timedelta(hours=3)

    async with world.uow() as uow:
        for_ali = await service.list_meetings(uow, ali, later, limit=10)
        for_sara = await service.list_meetings(uow, sara, later, limit=10)
        for_stranger = await service.list_meetings(uow, superuser(), later, limit=1)

    assert [m.meeting.id for m in for_ali.shown] == [coming.id]
    assert not for_ali.shown[0].manages
    assert for_ali.shown[0].answer_of(ali.user_id) is Answer.ATTENDING
    assert [m.meeting.id for m in for_sara.shown] == [held.id, coming.id]
    assert for_sara.shown[1].unanswered == ["Sara"]
    assert for_sara.shown[0].manages
    # A superuser runs every group: both meetings, one shown.
    assert (for_stranger.total, len(for_stranger.shown)) == (2, 1)


async def test_someone_of_no_group_has_no_meetings_to_list(world: World) -> None:
    pending = await world.actor(await world.member(3001, "New", status=MemberStatus.PENDING))
    async with world.uow() as uow:
        listing = await service.list_meetings(uow, pending, MONDAY_10, limit=10)
    assert listing.not_a_member


async def test_decisions_are_recorded_once_the_meeting_began_and_numbered_in_order(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    meeting = await _meeting(world, sara)
    during = TOMORROW_10 + datetime.timedelta(minutes=30)

    async with world.uow() as uow:
        early = await service.add_decision(uow, sara, meeting.id, "خرید دستگاه", MONDAY_10)
        by_member = await service.add_decision(uow, ali, meeting.id, "خرید دستگاه", during)
        first = await service.add_decision(uow, sara, meeting.id, "خرید دستگاه", during)
        second = await service.add_decision(uow, sara, meeting.id, "برگزاری نمایشگاه", during)
        await uow.commit()
    async with world.uow() as uow:
        listed = await service.decisions_of(uow, sara, meeting.id)
        refused = await service.decisions_of(uow, ali, meeting.id)

    assert early.refusal is MeetingRefusal.NOT_STARTED
    assert by_member.refusal is MeetingRefusal.SECRETARIES_ONLY
    assert first.decision is not None and first.decision.position == 1
    assert second.decision is not None and second.decision.position == 2
    assert [d.text for d in listed.decisions] == ["خرید دستگاه", "برگزاری نمایشگاه"]
    assert refused.refusal is MeetingRefusal.SECRETARIES_ONLY


async def test_a_decision_becomes_one_task_however_often_it_is_asked(world: World) -> None:
    sara = await _secretary(world)
    ali_member = await world.member(3001, "Ali")
    cluster = await world.cluster("خوشه مبلمان")
    meeting = await _meeting(world, sara)
    during = TOMORROW_10 + datetime.timedelta(minutes=30)
    async with world.uow() as uow:
        added = await service.add_decision(uow, sara, meeting.id, "خرید دستگاه\nبا وام", during)
        await uow.commit()
    assert added.decision is not None
    decision_id = added.decision.id

    async with world.uow() as uow:
        started = await service.start_decision_task(uow, sara, decision_id, during)
    assert started.refusal is None
    assert [c.id for c in started.clusters] == [cluster.id]

    async def make() -> service.DecisionTaskOutcome:
        async with world.uow() as uow:
            outcome = await service.make_task(
                uow,
                sara,
                decision_id,
                cluster_id=cluster.id,
                describe=lambda m, d: f"{m.working_group}: {d.text}",
                due_on=None,
                assignee_ids=[ali_member.id],
                now=during,
            )
            await uow.commit()
        return outcome

    made = await make()
    again = await make()

    assert made.refusal is None and made.task is not None
    assert made.task.title == "خرید دستگاه"
    assert made.task.description == "tehran: خرید دستگاه\nبا وام"
    assert again.refusal is MeetingRefusal.ALREADY_A_TASK
    async with world.uow() as uow:
        decision = await uow.meetings.decision(decision_id)
        tasks = await uow.tasks.of_groups(None)
    assert decision is not None and decision.task_id == made.task.id
    assert [t.id for t in tasks] == [made.task.id]


async def test_the_evening_before_everyone_invited_but_those_who_declined_is_reminded(
    world: World,
) -> None:
    sara = await _secretary(world)
    ali = await world.actor(await world.member(3001, "Ali"))
    mina = await world.actor(await world.member(3002, "Mina"))
    meeting = await _meeting(world, sara)
    async with world.uow() as uow:
        await service.reply(uow, ali, meeting.id, Answer.NOT_ATTENDING, MONDAY_10)
        await service.reply(uow, mina, meeting.id, Answer.ATTENDING, MONDAY_10)
        await uow.commit()
    # Monday 18:30 in Tehran: the evening before.
    evening = MONDAY_10 + datetime.timedelta(hours=8, minutes=30)

    async with world.uow() as uow:
        at_noon = await service.reminders_due(uow, MONDAY_10, TEHRAN)
        in_the_evening = await service.reminders_due(uow, evening, TEHRAN)

    assert at_noon == []
    assert {(r.kind, r.member.full_name) for r in in_the_evening} == {
        (ReminderKind.MEETING_EVENING, "Sara"),
        (ReminderKind.MEETING_EVENING, "Mina"),
    }

"""The reminder pass is planned, not recomputed: a group's task reminders are queued once at
its morning, later passes look only at what changed, and a pass with nothing new costs the
same few statements whatever the number of tasks.

The clock starts on Monday 1405/09/02 (2026-11-23) at 10:00 Tehran time; the pass is called
directly (as the scheduler's job does), so nothing sleeps.
"""

from __future__ import annotations

import asyncio
import datetime

import pytest
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.members import MemberStatus, Role
from bot.domain.tasks import TaskStatus
from bot.storage.models import (
    MemberRow,
    OutboxRow,
    PlannerMarkRow,
    TaskAssigneeRow,
    TaskRow,
    WorkingGroupRow,
)
from bot.storage.outbox import OutgoingMessage
from bot.storage.reminder_queries import MemberRange, ReminderQueries
from scheduler import reminders
from scheduler.reminders import run_reminders
from tests.conftest import ALI, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, new_task, tehran

MONDAY = datetime.date(2026, 11, 23)


def reminders_to(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "یادآوری وظایف" in m.plain()]


async def a_pass(bot: RunningBot, clock: Clock, seen: list[str] | None = None) -> int:
    """One scheduler pass, in its own transaction, without delivering; the statements it
    runs on its connection go to `seen` (the outbox sender's, on other connections, don't)."""

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if seen is not None:
            seen.append(statement)

    async with bot.uow() as uow:
        connection = (await uow.reminders._session.connection()).sync_connection
        assert connection is not None
        event.listen(connection, "before_cursor_execute", count)
        try:
            queued = await run_reminders(uow, bot.app.catalogs, bot.app.settings, clock())
            await uow.commit()
        finally:
            event.remove(connection, "before_cursor_execute", count)
    return queued


async def _given_tehran_members(
    session: AsyncSession, user_ids: list[int], now: datetime.datetime
) -> tuple[int, int]:
    """Approved Tehran members with these user ids, inserted at once; returns the highest member
    and task ids before them (the new members' ids follow the first)."""
    tehran_group = select(WorkingGroupRow.id).where(WorkingGroupRow.code == "tehran")
    group_id = (await session.execute(tehran_group)).scalar_one()
    first_member = (await session.execute(select(func.max(MemberRow.id)))).scalar() or 0
    first_task = (await session.execute(select(func.max(TaskRow.id)))).scalar() or 0
    await session.execute(
        insert(MemberRow),
        [
            dict(
                id=first_member + 1 + i, platform="telegram", user_id=user_id,
                full_name=f"Member {i}", agency_code="banks", working_group_id=group_id,
                locale="fa", role=Role.MEMBER.value, status=MemberStatus.APPROVED.value,
                applied_at=now,
            )
            for i, user_id in enumerate(user_ids)
        ],
    )  # fmt: skip
    return first_member, first_task


async def given_open_tasks(
    bot: RunningBot, cluster_id: int, count: int, members: int, first_user_id: int = 500_000
) -> list[int]:
    """`count` open tasks of the cluster spread over `members` new Tehran members, seeded by
    set-based inserts: a third overdue, a third due tomorrow, a third far ahead. Returns the
    members' user ids."""
    now = bot.app.clock()
    async with bot.uow() as uow:
        session = uow.reminders._session
        user_ids = [first_user_id + i for i in range(members)]
        first_member, first_task = await _given_tehran_members(session, user_ids, now)
        due_dates = (
            MONDAY - datetime.timedelta(days=10),
            MONDAY + datetime.timedelta(days=1),
            MONDAY + datetime.timedelta(days=40),
        )
        await session.execute(
            insert(TaskRow),
            [
                dict(
                    id=first_task + 1 + i, title=f"Task {i}", cluster_id=cluster_id,
                    due_on=due_dates[i % 3], status=TaskStatus.TODO.value, needs_assignee=False,
                    created_at=now, created_by_user_id=0, version=1,
                )
                for i in range(count)
            ],
        )  # fmt: skip
        await session.execute(
            insert(TaskAssigneeRow),
            [
                dict(
                    task_id=first_task + 1 + i, member_id=first_member + 1 + i % members,
                    agency_code="banks", status=TaskStatus.TODO.value, progress=0, updated_at=now,
                )
                for i in range(count)
            ],
        )  # fmt: skip
        await uow.commit()
    return user_ids


async def test_an_idle_pass_costs_the_same_few_statements_whatever_the_number_of_tasks(
    bot: RunningBot, clock: Clock
) -> None:
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    await given_open_tasks(bot, cluster.id, 30, 10)
    tehran(clock, 2, 9, 5)
    assert await a_pass(bot, clock) == 10  # the morning: one combined reminder per member
    tehran(clock, 2, 9, 6)
    small: list[str] = []
    assert await a_pass(bot, clock, small) == 0

    # Thirty times as many tasks, and the next morning planned like the first.
    await given_open_tasks(bot, cluster.id, 900, 10, first_user_id=600_000)
    tehran(clock, 3, 9, 5)
    assert await a_pass(bot, clock) == 20
    tehran(clock, 3, 9, 6)
    large: list[str] = []
    assert await a_pass(bot, clock, large) == 0

    assert len(large) == len(small)
    assert len(small) <= 12, small


async def test_a_task_created_after_the_morning_is_reminded_the_same_day_once(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "لیلا احمدی")  # due tomorrow
    tehran(clock, 2, 9, 5)
    await bot.app.tick()
    assert len(reminders_to(bot, LEILA.id)) == 1 and reminders_to(bot, ALI.id) == []

    tehran(clock, 2, 11, 0)
    await new_task(bot, "تماس با بانک", "۱۴۰۵/۰۹/۰۳", "علی کریمی")
    await bot.app.tick()
    await bot.app.tick()

    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1 and "⏰ نزدیک مهلت: #۲ — تماس با بانک" in sent[0]
    # Leila had today's reminder already: one a day, however the day goes.
    assert len(reminders_to(bot, LEILA.id)) == 1

    tehran(clock, 3, 9, 5)  # the next morning both hear of their due day
    await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 2 and len(reminders_to(bot, LEILA.id)) == 2


async def test_forty_thousand_open_tasks_are_reminded_without_error(
    bot: RunningBot, clock: Clock
) -> None:
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    user_ids = await given_open_tasks(bot, cluster.id, 40_000, 400)
    tehran(clock, 2, 9, 5)

    assert await a_pass(bot, clock) == 400
    async with bot.uow() as uow:
        texts = (
            await uow.reminders._session.execute(
                select(OutboxRow.text).where(OutboxRow.chat_id == user_ids[0])
            )
        ).scalars()
        text = next(iter(texts))
    # Member 0 owes tasks 0, 400, 800...: 100 of them, two thirds due now.
    assert "(۶۷ مورد)" in text and "مورد دیگر" in text
    tehran(clock, 2, 9, 6)
    assert await a_pass(bot, clock) == 0


async def given_shared_tasks(bot: RunningBot, cluster_id: int) -> list[int]:
    """Six new Tehran members sharing tasks across them, seeded by set-based inserts; returns
    their user ids. Member 4 alone owes seventeen overdue tasks (more than a reminder lists)."""
    now = bot.app.clock()
    overdue, tomorrow, later = (MONDAY + datetime.timedelta(days=d) for d in (-10, 1, 40))
    # (due on, [(member, status, progress), ...]) per task.
    tasks = [
        (overdue, [(0, "todo", 20), (5, "todo", 60)]),
        (tomorrow, [(1, "todo", 0), (2, "done", 100), (4, "in_progress", 30)]),
        (later, [(0, "todo", 0), (3, "todo", 0)]),
        (overdue, [(3, "todo", 10)]),
        (tomorrow, [(5, "todo", 0), (0, "todo", 50), (2, "todo", 0)]),
        *((overdue, [(4, "todo", 0)]) for _ in range(17)),
    ]
    async with bot.uow() as uow:
        session = uow.reminders._session
        user_ids = [700_000 + i for i in range(6)]
        first_member, first_task = await _given_tehran_members(session, user_ids, now)
        await session.execute(
            insert(TaskRow),
            [
                dict(
                    id=first_task + 1 + i, title=f"Shared task {i}", cluster_id=cluster_id,
                    due_on=due_on, status=TaskStatus.TODO.value, needs_assignee=False,
                    created_at=now, created_by_user_id=0, version=1,
                )
                for i, (due_on, _) in enumerate(tasks)
            ],
        )  # fmt: skip
        await session.execute(
            insert(TaskAssigneeRow),
            [
                dict(
                    task_id=first_task + 1 + i, member_id=first_member + 1 + member,
                    agency_code="banks", status=status, progress=progress, updated_at=now,
                )
                for i, (_, shares) in enumerate(tasks)
                for member, status, progress in shares
            ],
        )  # fmt: skip
        await uow.commit()
    return user_ids


async def queued_reminders(bot: RunningBot) -> dict[int, tuple[str, dict]]:
    async with bot.uow() as uow:
        rows = await uow.reminders._session.execute(
            select(OutboxRow.chat_id, OutboxRow.text, OutboxRow.reply_markup).where(
                OutboxRow.dedupe_key.like("tasks:%")
            )
        )
        found: dict[int, tuple[str, dict]] = {}
        for chat_id, text, markup in rows.all():
            assert chat_id not in found, f"two reminders to {chat_id}"
            found[chat_id] = (text, markup)
        return found


async def test_a_morning_planned_a_few_shares_at_a_time_queues_what_one_batch_would(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    users = await given_shared_tasks(bot, cluster.id)
    asked: list[tuple[MemberRange, set[int]]] = []
    read = ReminderQueries.due_assignments

    async def recording(self: ReminderQueries, buckets, today, members, held=(), **options):  # type: ignore[no-untyped-def]
        found = await read(self, buckets, today, members, held, **options)
        asked.append((members, {row.member_id for row in found}))
        return found

    monkeypatch.setattr(ReminderQueries, "due_assignments", recording)
    monkeypatch.setattr(reminders, "_SHARE_BATCH", 3)
    tehran(clock, 2, 9, 5)
    assert await a_pass(bot, clock) == 6  # one combined reminder per member
    in_batches = await queued_reminders(bot)

    # Each read was asked for a range of members holding fewer than three shares before its
    # last member (whose shares all came with it), and read only the range's members.
    async with bot.uow() as uow:
        session = uow.reminders._session
        rows = await session.execute(select(MemberRow.user_id, MemberRow.id))
        member_of: dict[int, int] = {user_id: member_id for user_id, member_id in rows.all()}
        rows = await session.execute(
            select(TaskAssigneeRow.member_id, func.count()).group_by(TaskAssigneeRow.member_id)
        )
        shares: dict[int, int] = {member_id: count for member_id, count in rows.all()}
    assert len(asked) == 4  # (m0), (m1, m2), (m3, m4), (m5): see given_shared_tasks
    for members, read_members in asked:
        assert isinstance(members, MemberRange)
        inside = sorted(
            i for i in shares if i > members.after and (members.last is None or i <= members.last)
        )
        before_last = inside[:-1] if members.last is not None else inside
        assert sum(shares[i] for i in before_last) < 3 and read_members <= set(inside)
    # Members 0 and 5 share two tasks, and were read in different batches.
    first, last = member_of[users[0]], member_of[users[5]]
    assert [i for i, (_, read_members) in enumerate(asked) if first in read_members] != [
        i for i, (_, read_members) in enumerate(asked) if last in read_members
    ]

    # The same morning planned in one batch: the same reminders, word for word.
    async with bot.uow() as uow:
        session = uow.reminders._session
        await session.execute(delete(OutboxRow))
        await session.execute(delete(PlannerMarkRow))
        await uow.commit()
    monkeypatch.setattr(reminders, "_SHARE_BATCH", 10_000)
    assert await a_pass(bot, clock) == 6
    assert await queued_reminders(bot) == in_batches

    text, markup = in_batches[users[5]]
    # Task 0 is shared by members 0 and 5: its line shows the mean of both shares (20, 60).
    assert "(۲ مورد)" in text and "Shared task 0" in text and "(۴۰٪)" in text
    assert "Shared task 0" in in_batches[users[0]][0]
    text, markup = in_batches[users[4]]
    assert "(۱۸ مورد)" in text and "… و ۳ مورد دیگر" in text
    assert len(markup["inline_keyboard"]) == 8 + 1  # eight Open buttons and the snooze row


async def test_the_sender_writes_while_the_morning_is_rendered_not_after_it(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass hands the event loop back between slices of its work, and writes its
    reminders only once they are all built: on SQLite the first write holds the database's
    one write lock until the pass commits, and the sender writes to send (claims, marks)."""
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    await given_open_tasks(bot, cluster.id, 310, 31)
    reads = [0]
    read = ReminderQueries.due_assignments

    async def counting(self: ReminderQueries, buckets, today, members, held=(), **options):  # type: ignore[no-untyped-def]
        reads[0] += 1
        return await read(self, buckets, today, members, held, **options)

    monkeypatch.setattr(ReminderQueries, "due_assignments", counting)
    # A few members per batch, and the loop handed back at every chance.
    monkeypatch.setattr(reminders, "_SHARE_BATCH", 20)
    monkeypatch.setattr(reminders, "_SLICE", 0.0)
    tehran(clock, 2, 9, 5)
    the_pass = asyncio.ensure_future(a_pass(bot, clock))
    # The sender's kind of write, once the pass has rendered its first batches.
    while not the_pass.done() and reads[0] < 3:
        await asyncio.sleep(0)
    assert not the_pass.done()
    async with bot.uow() as uow:
        await uow.outbox.enqueue(
            OutgoingMessage(key="sender-write", chat_id=ALI.id, text="x", locale="fa"), clock()
        )
        await uow.commit()
    written_during_the_pass = not the_pass.done()

    assert await the_pass == 31  # one combined reminder per member, as ever
    assert written_during_the_pass

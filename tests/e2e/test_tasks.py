"""Tasks from the chat: a secretary's task worked on by two assignees, blocks, due dates,
reassignment, plan templates with Jalali dates, the overdue list, and refusals."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

from bot.domain.clusters import ClusterStage
from bot.domain.members import Actor, Member, Role
from bot.domain.tasks import Report, TaskStatus
from bot.services import tasks as task_service
from bot.ui.tasks import TaskAct
from tests.conftest import ALI, MINA, REZA, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, last_answer, new_task, press, say


async def _audit(bot: RunningBot, user_id: int) -> list[tuple[str, str]]:
    async with bot.uow() as uow:
        return await uow.audit.for_actor(user_id)


async def test_a_task_is_done_when_every_assignee_has_reported_done(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")

    await new_task(bot, "برگزاری جلسه اعتمادسازی", "۱۴۰۵/۰۹/۳۰", "علی کریمی", "لیلا احمدی")
    card = bot.api.last_message_to(SARA.id).plain()
    assert "برگزاری جلسه اعتمادسازی" in card and "مهلت: ۱۴۰۵/۰۹/۳۰" in card
    assert "وظیفه تازه برای شما" in bot.api.last_message_to(ALI.id).plain()

    # Ali works on it from /tasks
    listing = await say(bot, ALI, "/tasks")
    assert "برگزاری جلسه اعتمادسازی" in listing and "مهلت ۱۴۰۵/۰۹/۳۰" in listing
    await press(bot, ALI, "برگزاری جلسه")
    await press(bot, ALI, "شروع")
    await press(bot, ALI, "۲۵٪")
    assert (
        "علی کریمی (سازمان توسعه تجارت ایران): در حال انجام، ۲۵٪"
        in bot.api.last_message_to(ALI.id).plain()
    )
    await press(bot, ALI, "شروع")
    assert last_answer(bot, ALI) == "این وظیفه را پیش‌تر شروع کرده‌اید."
    await press(bot, ALI, "انجام شد")
    await press(bot, ALI, "بدون مدرک")
    after_ali = bot.api.last_message_to(ALI.id).plain()
    assert "وضعیت: در حال انجام" in after_ali  # Leila has not reported yet

    # Leila reports done with evidence; now the task is done and the secretariat is told
    await say(bot, LEILA, "/tasks")
    await press(bot, LEILA, "برگزاری جلسه")
    await press(bot, LEILA, "انجام شد")
    bot.api.document(LEILA, "minutes.pdf", b"%PDF minutes", "application/pdf")
    await bot.api.drain()
    assert "وضعیت: ✅ انجام شد" in bot.api.last_message_to(LEILA.id).plain()
    assert "را همه مسئولان انجام دادند" in bot.api.last_message_to(SARA.id).plain()
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
        files = await uow.tasks.files(1)
    assert task is not None and task.status is TaskStatus.DONE and task.progress == 100
    assert [f.file_name for f in files] == ["minutes.pdf"]

    # The history tells the whole story
    await press(bot, SARA, "سابقه")
    history = bot.api.last_message_to(SARA.id).plain()
    for line in ("سارا تهرانی: ایجاد شد", "علی کریمی: شروع کرد", "لیلا احمدی: مدرک پیوست کرد"):
        assert line in history


async def test_people_who_are_not_assignees_or_secretaries_are_refused(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, REZA, "tehran", name="رضا")
    await given_member(bot, MINA, "fars", name="مینا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه نقشه خوشه", "۱۴۰۵/۱۰/۲۰", "علی کریمی")

    start = TaskAct(action="start", task_id=1).pack()
    reassign = TaskAct(action="reassign", task_id=1).pack()
    bot.api.callback(REZA, bot.api.last_message_to(REZA.id), start)
    await bot.api.drain()
    assert last_answer(bot, REZA) == "شما مسئول این وظیفه نیستید."
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), reassign)
    await bot.api.drain()
    assert last_answer(bot, ALI) == "این کار با دبیرخانه کارگروه است."
    bot.api.callback(
        MINA, bot.api.last_message_to(MINA.id), TaskAct(action="history", task_id=1).pack()
    )
    await bot.api.drain()
    assert last_answer(bot, MINA) == "این وظیفه به کارگروه شما مربوط نیست."
    assert ("task.report", "not_assignee") in await _audit(bot, REZA.id)
    assert ("task.reassign", "secretaries_only") in await _audit(bot, ALI.id)
    assert "فقط از دبیر" in await say(bot, ALI, "/task_new")


async def test_a_blocked_task_tells_the_secretary_who_changes_the_due_date_and_reassigns(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه نقشه خوشه", "۱۴۰۵/۱۰/۲۰", "علی کریمی")

    await say(bot, ALI, "/tasks")
    await press(bot, ALI, "تهیه نقشه")
    await press(bot, ALI, "متوقف است")
    await say(bot, ALI, "آمار بنگاه‌ها از اتاق بازرگانی نرسیده")
    notice = bot.api.last_message_to(SARA.id).plain()
    assert "علی کریمی وظیفه" in notice and "آمار بنگاه‌ها از اتاق بازرگانی نرسیده" in notice

    await press(bot, SARA, "باز کردن وظیفه")
    await press(bot, SARA, "تغییر مهلت")
    assert "سال کبیسه" in await say(bot, SARA, "1404/12/30")
    assert "پیش از امروز" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۱")
    await say(bot, SARA, "۱۵ بهمن ۱۴۰۵")
    assert "مهلت: ۱۴۰۵/۱۱/۱۵" in bot.api.last_message_to(SARA.id).plain()

    await press(bot, SARA, "واگذاری")
    await press(bot, SARA, "علی کریمی")  # untick Ali
    await press(bot, SARA, "لیلا احمدی")
    await press(bot, SARA, "ذخیره")
    card = bot.api.last_message_to(SARA.id).plain()
    assert "لیلا احمدی" in card and "علی کریمی (" not in card
    assert "تهیه نقشه خوشه" in bot.api.last_message_to(LEILA.id).plain()


async def test_a_plan_template_becomes_dated_tasks_for_the_cluster(bot: RunningBot) -> None:
    await given_member(
        bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="governorates"
    )
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="tpo")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران", stage=ClusterStage.LICENSED)

    await say(bot, SARA, "/plan")
    await press(bot, SARA, "موتور جستجو")
    await press(bot, SARA, "خوشه مبلمان تهران")
    preview = await say(bot, SARA, "۱۴۰۵/۱۰/۰۱")
    assert "۱ دی ۱۴۰۵" in preview
    await press(bot, SARA, "ارسال")
    assert any(
        "وظیفه برای خوشه خوشه مبلمان تهران ساخته شد" in m.plain()
        for m in bot.api.messages_to(SARA.id)
    )

    async with bot.uow() as uow:
        tasks = {t.code: t for t in await uow.tasks.of_groups(None, cluster.id)}
    # Month windows are counted in Jalali months from the start: phase 1 is months 1 to 3,
    # phase 3 months 7 to 24 (1405 is a common year: Esfand has 29 days).
    first = tasks["1-1-1"]
    assert (first.start_on, first.due_on) == (
        datetime.date(2026, 12, 22),
        datetime.date(2027, 3, 20),
    )
    monitor = tasks["3-7"]
    assert monitor.due_on == datetime.date(2028, 12, 20)  # 1407/09/30
    # Nobody is left without an owner: activities whose agency or CDA has no one in the bot
    # go to the secretary, flagged.
    assert all(t.assignees for t in tasks.values())
    flagged = [t for t in tasks.values() if t.needs_assignee]
    assert flagged
    assert all([a.name for a in t.assignees] == ["سارا تهرانی"] for t in flagged)
    # Each person hears once, with the number of tasks, not once per task.
    told = [m.plain() for m in bot.api.messages_to(SARA.id) if "از الگوی برنامه" in m.plain()]
    assert len(told) == 1

    # Running the same template again for the same cluster is refused.
    await say(bot, SARA, "/plan")
    await press(bot, SARA, "موتور جستجو")
    await press(bot, SARA, "خوشه مبلمان تهران")
    await say(bot, SARA, "۱۴۰۵/۱۰/۰۱")
    await press(bot, SARA, "ارسال")
    assert "پیش‌تر برای این خوشه ساخته شده" in bot.api.last_message_to(SARA.id).plain()


async def test_overdue_tasks_come_first_and_the_secretariat_sees_them_by_agency(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="banks")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "وظیفه دیرتر", "۱۴۰۵/۱۰/۳۰", "علی کریمی")
    await new_task(bot, "وظیفه زودتر", "۱۴۰۵/۰۹/۰۵", "علی کریمی")
    assert "وظیفه معوقی نیست" in await say(bot, SARA, "/overdue")

    clock.now += datetime.timedelta(days=10)  # now 1405/09/12
    listing = await say(bot, ALI, "/tasks")
    assert listing.index("وظیفه زودتر") < listing.index("وظیفه دیرتر")
    assert "۷ روز تأخیر" in listing

    overdue = await say(bot, SARA, "/overdue")
    assert "بانک‌ها و مؤسسات مالی (۱)" in overdue
    assert "وظیفه زودتر" in overdue and "وظیفه دیرتر" not in overdue
    assert "فقط از دبیر" in await say(bot, ALI, "/overdue")


async def test_my_tasks_can_be_narrowed_to_one_cluster(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await given_cluster(bot, "خوشه کاشی")
    await new_task(bot, "وظیفه مبلمان", "۱۴۰۵/۱۰/۳۰", "علی کریمی")
    await say(bot, SARA, "/task_new")
    await press(bot, SARA, "خوشه کاشی")
    await say(bot, SARA, "وظیفه کاشی")
    await press(bot, SARA, "رد شدن")
    await press(bot, SARA, "رد شدن")
    await press(bot, SARA, "علی کریمی")
    await press(bot, SARA, "ذخیره")

    both = await say(bot, ALI, "/tasks")
    assert "وظیفه مبلمان" in both and "وظیفه کاشی" in both
    only = await say(bot, ALI, "/tasks کاشي")
    assert "وظیفه کاشی" in only and "وظیفه مبلمان" not in only
    assert "پیدا نشد" in await say(bot, ALI, "/tasks فرش")


async def test_two_assignees_reporting_done_at_the_same_moment_complete_the_task(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    leila = await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "برگزاری جلسه", "۱۴۰۵/۰۹/۳۰", "علی کریمی", "لیلا احمدی")
    both_have_read = asyncio.Barrier(2)

    async def report_done(member: Member) -> bool:
        actor = Actor(member.user_id, member.full_name, member, is_superuser=False)
        async with bot.uow() as uow:
            write = uow.tasks.set_assignee_state

            async def after_both_read(*args: Any, **kwargs: Any) -> None:
                await both_have_read.wait()
                await write(*args, **kwargs)

            uow.tasks.set_assignee_state = after_both_read  # type: ignore[method-assign]
            outcome = await task_service.report(uow, actor, 1, Report.DONE, bot.app.clock())
            await uow.commit()
        assert outcome.result == "done"
        return outcome.completed

    completed = await asyncio.gather(report_done(ali), report_done(leila))

    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.DONE
    assert sorted(completed) == [False, True]


async def test_the_process_matrix_template_assigns_each_sub_process_to_its_agencies(
    bot: RunningBot,
) -> None:
    await given_member(
        bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="governorates"
    )
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="tpo")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")

    await say(bot, SARA, "/plan")
    await press(bot, SARA, "ماتریس وظایف")
    await press(bot, SARA, "خوشه مبلمان تهران")
    await say(bot, SARA, "۱ اسفند ۱۴۰۵")  # 1405 is a common year: Esfand has 29 days
    await press(bot, SARA, "ارسال")

    async with bot.uow() as uow:
        tasks = {t.code: t for t in await uow.tasks.of_groups(None, cluster.id)}
    assert {"F1-1", "F3-4", "F8", "F13"} <= set(tasks)
    # The matrix gives no months: three Jalali months from the start, ending 1406/02/31.
    license_task = tasks["F8"]
    assert (license_task.start_on, license_task.due_on) == (
        datetime.date(2027, 2, 20),
        datetime.date(2027, 5, 21),
    )
    # F8 is TPO's alone; F3-4 is TPO's and the secretariat's.
    assert [a.name for a in license_task.assignees] == ["علی کریمی"]
    assert {a.name for a in tasks["F3-4"].assignees} == {"علی کریمی", "سارا تهرانی"}
    assert not license_task.needs_assignee

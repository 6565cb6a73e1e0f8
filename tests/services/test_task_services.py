"""The task services on a real database (SQLite, and PostgreSQL when configured), without a
bot: the use cases the chat, the scheduler and a dashboard share."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bot.config import Platform
from bot.domain.clusters import Cluster
from bot.domain.jalali import from_jalali
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.domain.tasks import PROGRESS_STEP, AssigneeState, Report, TaskStatus, overall_progress
from bot.domain.templates import Template, TemplateItem
from bot.i18n import Catalogs
from bot.services import tasks as service
from bot.storage import db
from bot.storage.repositories import Application
from bot.storage.tasks import NewTask
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import tell_plan_assignees

NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)  # 1405/09/02 in Tehran
TODAY = from_jalali(1405, 9, 2)
YESTERDAY = TODAY - datetime.timedelta(days=1)
NEXT_MONTH = from_jalali(1405, 10, 2)

Work = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


@pytest.fixture
async def work(database_url: str) -> AsyncIterator[Work]:
    engine = db.create_engine(database_url)
    await db.upgrade(engine)
    sessions = db.session_factory(engine)
    yield lambda: UnitOfWork(sessions, "telegram")
    await engine.dispose()


_next_user = iter(range(7000, 8000))


async def given_member(
    work: Work, group: str, name: str, *, role: Role = Role.MEMBER, agency: str = "tpo"
) -> Actor:
    async with work() as uow:
        member = await uow.members.save_application(
            next(_next_user),
            None,
            Application(
                full_name=name,
                agency_code=agency,
                agency_other=None,
                working_group=group,
                phone=None,
                locale="fa",
            ),
            await uow.working_groups.id_of(group),
            NOW,
        )
        await uow.members.update_fields(member.id, status=MemberStatus.APPROVED.value)
        await uow.members.set_role(member.id, role)
        await uow.commit()
        fresh = await uow.members.get(member.id)
    assert fresh is not None
    return _actor(fresh)


def _actor(member: Member) -> Actor:
    return Actor(member.user_id, member.full_name, member, is_superuser=False)


async def given_cluster(work: Work, name: str, group: str = "tehran") -> Cluster:
    async with work() as uow:
        cluster = await uow.clusters.create(
            name=name, working_group=group, product="مبلمان", sector="صنایع چوب",
            firm_count=None, cda_member_id=None, now=NOW,
        )  # fmt: skip
        await uow.commit()
    return cluster


async def given_task(
    work: Work, cluster: Cluster, title: str, *people: Actor, due: datetime.date | None = None
) -> int:
    async with work() as uow:
        task_id = await uow.tasks.create(
            NewTask(title=title, cluster_id=cluster.id, due_on=due), 0, NOW
        )
        for person in people:
            assert person.member is not None
            await uow.tasks.add_assignee(task_id, person.member.id, person.member.agency_code, NOW)
        await uow.commit()
    return task_id


async def test_given_two_assignees_only_the_last_done_completes_the_task(work: Work) -> None:
    ali = await given_member(work, "tehran", "علی کریمی")
    leila = await given_member(work, "tehran", "لیلا احمدی", agency="banks")
    cluster = await given_cluster(work, "خوشه مبلمان تهران")
    task_id = await given_task(work, cluster, "برگزاری جلسه", ali, leila)

    async with work() as uow:
        first = await service.report(uow, ali, task_id, Report.DONE, NOW)
        await uow.commit()
    assert first.result == "done" and not first.completed
    assert first.task is not None and first.task.status is TaskStatus.IN_PROGRESS

    async with work() as uow:
        again = await service.report(uow, ali, task_id, Report.DONE, NOW)
        last = await service.report(uow, leila, task_id, Report.DONE, NOW)
        await uow.commit()
    assert again.result == "already_done" and not again.completed
    assert last.completed and last.task is not None
    assert last.task.status is TaskStatus.DONE and last.task.progress == 100


async def test_a_persons_list_filters_open_and_overdue_tasks_and_finds_a_cluster_by_name(
    work: Work,
) -> None:
    ali = await given_member(work, "tehran", "علی کریمی")
    furniture = await given_cluster(work, "خوشه مبلمان تهران")
    leather = await given_cluster(work, "خوشه چرم تهران")
    late = await given_task(work, furniture, "نقشه خوشه", ali, due=YESTERDAY)
    later = await given_task(work, leather, "جلسه چرم", ali, due=NEXT_MONTH)
    finished = await given_task(work, leather, "گزارش پایانی", ali, due=YESTERDAY)
    async with work() as uow:
        await service.report(uow, ali, finished, Report.DONE, NOW)
        await uow.commit()

    async with work() as uow:
        open_ = (await service.my_task_page(uow, ali, TODAY, "open", size=8)).tasks
        overdue = (await service.my_task_page(uow, ali, TODAY, "overdue", size=8)).tasks
        everything = (await service.my_task_page(uow, ali, TODAY, "all", size=8)).tasks
        leather_only = (
            await service.my_task_page(uow, ali, TODAY, "all", leather.id, size=8)
        ).tasks
        found = await service.my_cluster(uow, ali, TODAY, "چرم")
        ambiguous = await service.my_cluster(uow, ali, TODAY, "تهران")

    assert [x.id for x in open_] == [late, later]  # the late one first
    assert [x.id for x in overdue] == [late]  # a done task is never late
    assert [x.id for x in everything] == [late, later, finished]
    assert {x.id for x in leather_only} == {later, finished}
    assert found == leather.id and ambiguous is None


async def test_a_person_with_many_tasks_gets_one_page_read_in_full_and_the_count_of_all(
    work: Work,
) -> None:
    ali = await given_member(work, "tehran", "علی کریمی")
    furniture = await given_cluster(work, "خوشه مبلمان تهران")
    due = [TODAY + datetime.timedelta(days=d) for d in range(-5, 15)]
    ids = [await given_task(work, furniture, f"کار {n}", ali, due=day) for n, day in enumerate(due)]

    async with work() as uow:
        second = await service.my_task_page(uow, ali, TODAY, "open", page=1, size=8)
        beyond = await service.my_task_page(uow, ali, TODAY, "open", page=7, size=8)

    assert [task.id for task in second.tasks] == ids[8:16]  # by due date, earliest first
    assert [task.title for task in second.tasks] == [f"کار {n}" for n in range(8, 16)]
    assert (second.total, second.page, second.pages) == (20, 1, 3)
    assert [task.id for task in beyond.tasks] == ids[16:] and beyond.page == 2


async def test_a_list_line_shows_the_progress_of_every_assignee_not_only_the_readers(
    work: Work,
) -> None:
    ali = await given_member(work, "tehran", "علی کریمی")
    sara = await given_member(work, "tehran", "سارا احمدی", agency="tccim")
    furniture = await given_cluster(work, "خوشه مبلمان تهران")
    shared = await given_task(work, furniture, "نقشه خوشه", ali, sara, due=NEXT_MONTH)
    own = await given_task(work, furniture, "جلسه", ali, due=NEXT_MONTH)
    async with work() as uow:
        # Sara reports one step of progress twice; Ali has not started the shared task.
        await service.report(uow, sara, shared, Report.PROGRESS, NOW)
        await service.report(uow, sara, shared, Report.PROGRESS, NOW)
        await uow.commit()

    async with work() as uow:
        listed = (await service.my_task_page(uow, ali, TODAY, "open", size=8)).tasks

    by_id = {task.id: task for task in listed}
    assert set(by_id) == {shared, own}
    # The mean of the two shares, as the card shows it: (2 steps + 0) / 2.
    assert by_id[shared].progress == overall_progress(
        [AssigneeState(0, TaskStatus.IN_PROGRESS, 2 * PROGRESS_STEP),
         AssigneeState(0, TaskStatus.TODO, 0)]
    )  # fmt: skip
    assert by_id[shared].progress > 0 and by_id[own].progress == 0
    assert (by_id[shared].title, by_id[shared].status) == ("نقشه خوشه", TaskStatus.IN_PROGRESS)


async def test_card_buttons_that_ask_for_text_refuse_and_audit_people_who_may_not(
    work: Work,
) -> None:
    await given_member(work, "tehran", "سارا تهرانی", role=Role.SECRETARY)
    ali = await given_member(work, "tehran", "علی کریمی")
    reza = await given_member(work, "tehran", "رضا")
    mina = await given_member(work, "fars", "مینا")
    cluster = await given_cluster(work, "خوشه مبلمان تهران")
    task_id = await given_task(work, cluster, "نقشه خوشه", ali)

    async with work() as uow:
        assert await service.input_refusal(uow, ali, task_id, "done") is None
        assert await service.input_refusal(uow, reza, task_id, "done") == "not_assignee"
        assert await service.input_refusal(uow, reza, task_id, "comment") is None
        assert await service.input_refusal(uow, mina, task_id, "comment") == "not_your_task"
        assert await service.input_refusal(uow, ali, task_id, "due") == "secretaries_only"
        assert await service.input_refusal(uow, ali, task_id + 1, "due") == "task_gone"
        await uow.commit()
        reza_audit = await uow.audit.for_actor(reza.user_id)
        ali_audit = await uow.audit.for_actor(ali.user_id)
        mina_audit = await uow.audit.for_actor(mina.user_id)
    assert reza_audit == [("task.done", "not_assignee")]
    assert ali_audit == [("task.due", "secretaries_only")]
    assert mina_audit == []  # a card one may not see is not an attempt on it


async def test_the_history_and_the_evidence_are_for_those_who_see_the_card(work: Work) -> None:
    ali = await given_member(work, "tehran", "علی کریمی")
    mina = await given_member(work, "fars", "مینا")
    cluster = await given_cluster(work, "خوشه مبلمان تهران")
    task_id = await given_task(work, cluster, "نقشه خوشه", ali)
    async with work() as uow:
        await service.comment(uow, ali, task_id, "نقشه آماده است", NOW)
        await uow.commit()

    async with work() as uow:
        seen, events = await service.history(uow, ali, task_id)
        refused, hidden = await service.history(uow, mina, task_id)
        no_files, files = await service.evidence(uow, mina, task_id)
    assert seen.result == "done" and [(e.action, e.comment) for e in events] == [
        ("comment", "نقشه آماده است")
    ]
    assert refused.result == "not_your_task" and hidden == []
    assert no_files.result == "not_your_task" and files == []


async def test_the_secretariat_lists_cover_its_own_province_and_the_centre_sees_all(
    work: Work,
) -> None:
    sara = await given_member(work, "tehran", "سارا تهرانی", role=Role.SECRETARY)
    maryam = await given_member(work, "central", "مریم", role=Role.SECRETARY)
    ali = await given_member(work, "tehran", "علی کریمی")
    mina = await given_member(work, "fars", "مینا")
    tehran = await given_cluster(work, "خوشه مبلمان تهران")
    fars = await given_cluster(work, "خوشه فرش شیراز", "fars")
    in_tehran = await given_task(work, tehran, "نقشه خوشه", ali, due=YESTERDAY)
    in_fars = await given_task(work, fars, "جلسه فرش", mina, due=YESTERDAY)
    await given_task(work, fars, "هنوز وقت دارد", mina, due=NEXT_MONTH)

    async with work() as uow:
        saras = await service.overdue_of(uow, sara, TODAY)
        maryams = await service.overdue_of(uow, maryam, TODAY)
        by_name = await service.overdue_of(uow, maryam, TODAY, cluster_query="فرش")
        in_phase = await service.overdue_of(uow, maryam, TODAY, phase=1)
        saras_clusters = await service.manageable_clusters(uow, sara)
        refusal, cluster = await service.managed_cluster(uow, sara, fars.id)
    assert [x.id for x in saras.shown()] == [in_tehran]
    assert sorted(x.id for x in maryams.shown()) == [in_tehran, in_fars]
    assert [x.id for x in by_name.shown()] == [in_fars]
    assert in_phase.total == 0  # hand-made tasks belong to no plan phase
    assert [c.id for c in saras_clusters] == [tehran.id]
    assert refusal == "secretaries_only" and cluster is not None and cluster.id == fars.id


async def test_a_plan_gives_each_person_one_notice_however_many_tasks_they_got(
    work: Work,
) -> None:
    sara = await given_member(work, "tehran", "سارا تهرانی", role=Role.SECRETARY)
    ali = await given_member(work, "tehran", "علی کریمی", agency="tpo")
    leila = await given_member(work, "tehran", "لیلا احمدی", agency="banks")
    cluster = await given_cluster(work, "خوشه مبلمان تهران")
    template = Template(
        code="test-plan",
        name="برنامه آزمایشی",
        kind="matrix",
        source=None,
        default_months=3,
        phases=(),
        items=(
            TemplateItem("1-1", "شناخت خوشه", start_month=1, end_month=2, agencies=("tpo",)),
            TemplateItem("1-2", "اعتمادسازی", start_month=2, end_month=3, agencies=("tpo",)),
            TemplateItem(
                "1-3", "سند راهبردی", start_month=3, end_month=3, agencies=("tpo", "banks")
            ),
            TemplateItem("1-4", "بیمه", start_month=3, end_month=3, agencies=("insurance",)),
        ),
    )
    async with work() as uow:
        await uow.templates.save(template, NOW)
        await uow.commit()

    async with work() as uow:
        result, made = await service.instantiate(uow, sara, template, cluster.id, TODAY, NOW)
        assert result == "done" and made is not None
        await tell_plan_assignees(uow, Catalogs(Platform.TELEGRAM), made.tasks, cluster.name, NOW)
        await uow.commit()
        again, twice = await service.instantiate(uow, sara, template, cluster.id, TODAY, NOW)
        queued = await uow.outbox.due(NOW + datetime.timedelta(days=1), limit=100)

    assert made.created == 4 and made.flagged == ["1-4"]  # no insurer: the secretariat holds it
    assert [x.id for x in made.tasks] == made.task_ids
    assert [x.code for x in made.tasks] == ["1-1", "1-2", "1-3", "1-4"]
    assert made.tasks[3].needs_assignee and made.tasks[3].assignee_ids == {sara.member.id}  # type: ignore[union-attr]
    assert again == "plan_already_applied" and twice is None
    notices = {m.chat_id: m.text for m in queued}
    assert set(notices) == {ali.user_id, leila.user_id, sara.user_id}
    assert "۳" in notices[ali.user_id] and "۱" in notices[leila.user_id]

"""Recording a meeting's decisions, and a decision becoming a task."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import meetings as rules
from bot.domain.members import Actor, InvalidInput
from bot.handlers.shared import answer_long, callback_message, read_due_date
from bot.handlers.tasks.editing import member_toggled, members_picker
from bot.i18n import Catalogs, Translator
from bot.services import meetings as service
from bot.storage.uow import UnitOfWork
from bot.ui import meetings as ui
from bot.ui.meetings import DecisionTask, MeetingAct, MeetingPick
from bot.ui.task_cards import post_card
from bot.ui.tasks import MemberToggle, task_label, tell_assignees

router = Router(name="meetings.decisions")


class DecisionForm(StatesGroup):
    text = State()


@router.callback_query(MeetingAct.filter(F.action == "decisions"))
async def record_decisions(
    query: CallbackQuery,
    callback_data: MeetingAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.open_decisions(uow, actor, callback_data.meeting_id, now)
    if outcome.refusal is not None or outcome.meeting is None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    meeting = outcome.meeting
    await query.answer()
    await state.set_state(DecisionForm.text)
    await state.update_data(meeting_id=meeting.id)
    await callback_message(query).answer(
        t("meetings.ask_decisions", when=ui.when(t, meeting.starts_at, settings.zone)),
        reply_markup=ui.done_keyboard(t, meeting.id),
    )


@router.message(DecisionForm.text, F.text)
async def decision_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        text = rules.clean_decision(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    meeting_id = int((await state.get_data())["meeting_id"])
    outcome = await service.add_decision(uow, actor, meeting_id, text, now)
    if outcome.refusal is not None or outcome.decision is None:
        await state.clear()
        await message.answer(t(f"meeting_errors.{outcome.refusal}"))
        return
    await message.answer(
        t("meetings.decision_saved", position=outcome.decision.position),
        reply_markup=ui.done_keyboard(t, meeting_id, outcome.decision),
    )


@router.callback_query(MeetingAct.filter(F.action == "done"))
async def decisions_done(
    query: CallbackQuery,
    callback_data: MeetingAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
) -> None:
    outcome = await service.decisions_of(uow, actor, callback_data.meeting_id)
    if outcome.refusal is not None or outcome.meeting is None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    await query.answer()
    if await state.get_state() == DecisionForm.text.state:
        await state.clear()
    if not outcome.decisions:
        await callback_message(query).answer(t("meetings.no_decisions"))
        return
    text, markup = ui.decisions_summary(t, outcome.meeting, outcome.decisions, settings.zone)
    await answer_long(callback_message(query), text, reply_markup=markup)


# --- a decision becomes a task ------------------------------------------------------------------


class DecisionTaskForm(StatesGroup):
    cluster = State()
    due = State()
    members = State()


@router.callback_query(DecisionTask.filter())
async def make_task(
    query: CallbackQuery,
    callback_data: DecisionTask,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.start_decision_task(uow, actor, callback_data.decision_id, now)
    if outcome.refusal is not None or outcome.decision is None or outcome.meeting is None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    if not outcome.clusters:
        await query.answer(t("tasks.no_clusters"), show_alert=True)
        return
    decision = outcome.decision
    await query.answer()
    await state.clear()
    await state.set_state(DecisionTaskForm.cluster)
    await state.update_data(decision_id=decision.id, group=outcome.meeting.working_group, chosen=[])
    await callback_message(query).answer(
        t("meetings.ask_task_cluster", position=decision.position, text=decision.text[:200]),
        reply_markup=ui.cluster_keyboard(t, outcome.clusters),
    )


@router.callback_query(DecisionTaskForm.cluster, MeetingPick.filter(F.field == "cluster"))
async def task_cluster(
    query: CallbackQuery,
    callback_data: MeetingPick,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    data = await state.get_data()
    cluster = await service.task_cluster(uow, callback_data.value, data["group"])
    if cluster is None:
        await query.answer(t("task_refusals.cluster_gone"), show_alert=True)
        return
    await query.answer()
    await state.update_data(cluster_id=cluster.id)
    await state.set_state(DecisionTaskForm.due)
    await callback_message(query).answer(
        t("meetings.ask_task_due"), reply_markup=ui.skip_keyboard(t)
    )


@router.message(DecisionTaskForm.due, F.text)
async def task_due(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    due_on = await read_due_date(message, t, now)
    if due_on is None:
        return
    data = await state.update_data(due=due_on.isoformat())
    await state.set_state(DecisionTaskForm.members)
    await members_picker(message, uow, t, data["group"], set())


@router.callback_query(DecisionTaskForm.due, MeetingPick.filter(F.field == "skip"))
async def task_no_due(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    data = await state.get_data()
    await state.set_state(DecisionTaskForm.members)
    await members_picker(callback_message(query), uow, t, data["group"], set())


# Choosing the task's members is the same picker as /task_new, with its buttons.
router.callback_query(DecisionTaskForm.members, MemberToggle.filter(F.member_id != 0))(
    member_toggled
)


@router.callback_query(DecisionTaskForm.members, MemberToggle.filter(F.member_id == 0))
async def task_save(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()

    def describe(meeting: rules.Meeting, decision: rules.Decision) -> str:
        return ui.task_details(t, meeting, decision, settings.zone)

    outcome = await service.make_task(
        uow,
        actor,
        int(data["decision_id"]),
        cluster_id=int(data["cluster_id"]),
        describe=describe,
        due_on=datetime.date.fromisoformat(data["due"]) if data.get("due") else None,
        assignee_ids=list(data.get("chosen") or []),
        now=now,
    )
    if outcome.refusal is not None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    if outcome.task is None or outcome.decision is None:
        await query.answer(t(f"task_refusals.{outcome.task_refusal}"), show_alert=True)
        return
    task = outcome.task
    await query.answer(t("tasks.saved"))
    await tell_assignees(uow, catalogs, task, now)
    message = callback_message(query)
    await message.answer(
        t("meetings.task_made", position=outcome.decision.position, code=task_label(t, task))
    )
    await post_card(message, uow, t, task, actor, t.today(now))

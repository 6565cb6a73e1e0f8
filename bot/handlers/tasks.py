"""Tasks from the chat: my list, the task card and its actions, new tasks, plan templates,
overdue lists for the secretariat.

Dialogs, top to bottom:
    card -> Done -> evidence (a file, or Done without one)
    card -> Blocked -> reason (the secretariat is told)
    card -> Comment -> text
    card -> Change due date -> a Jalali date (secretariat)
    card -> Reassign -> pick members, Save (secretariat)
    card -> Edit title / Edit details -> text (secretariat)
    /task_new -> cluster -> title -> details (or skip) -> due date (or skip) -> members, Save
    /plan -> template -> cluster -> project start date -> confirm
"""

from __future__ import annotations

import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import jalali
from bot.domain import tasks as rules
from bot.domain.clusters import name_matches
from bot.domain.members import Actor, InvalidInput, MemberStatus, managed_groups
from bot.domain.submissions import attachment_refusal
from bot.domain.tasks import Report, TaskStatus
from bot.domain.working_groups import CENTRAL, WORKING_GROUPS
from bot.handlers.shared import (
    answer_long,
    callback_message,
    date_error,
    echo,
    incoming_file,
    read_due_date,
    send_files,
)
from bot.i18n import Catalogs, Markup, Translator
from bot.services import tasks as service
from bot.services.members import review_chats
from bot.storage.outbox import OutgoingMessage
from bot.storage.tasks import Task
from bot.storage.uow import UnitOfWork

router = Router(name="tasks")
private = F.chat.type == ChatType.PRIVATE
PAGE = 8
TASK_VIEWS = ("open", "overdue", "all")


class TaskList(CallbackData, prefix="tl"):
    view: str  # open | overdue | all
    page: int
    cluster_id: int = 0  # 0: every cluster


class TaskOpen(CallbackData, prefix="to"):
    task_id: int


class TaskAct(CallbackData, prefix="ta"):
    # start | progress | done | block | comment | history | files | due | reassign | title | details
    action: str
    task_id: int


class MemberToggle(CallbackData, prefix="tm"):
    member_id: int  # 0: save


class PlanPick(CallbackData, prefix="tp"):
    field: str  # template | cluster | confirm
    value: str


class TaskForm(StatesGroup):
    evidence = State()
    block_reason = State()
    comment = State()
    due = State()
    title = State()
    details = State()
    members = State()


class NewTaskForm(StatesGroup):
    cluster = State()
    title = State()
    details = State()
    due = State()
    members = State()


class PlanForm(StatesGroup):
    template = State()
    cluster = State()
    start = State()
    confirm = State()


# --- rendering ------------------------------------------------------------------------------


def task_label(t: Translator, task: Task) -> Markup:
    """A task's code from its template (F3-4, 1-2-7), or its number in the reader's digits."""
    return Markup(t.escape(task.code)) if task.code else t("tasks.number", id=task.id)


def status_text(t: Translator, task: Task, today: datetime.date) -> Markup:
    if rules.is_overdue(task.due_on, task.status, today):
        assert task.due_on is not None
        return t("tasks.overdue_by", days=-rules.days_left(task.due_on, today))
    return t(f"task_statuses.{task.status.value}")


def task_line(t: Translator, task: Task, today: datetime.date) -> Markup:
    due = t.date(task.due_on) if task.due_on else t("tasks.no_due")
    return t(
        "tasks.line",
        code=task_label(t, task),
        title=task.title,
        due=due,
        status=status_text(t, task, today),
        progress=task.progress,
    )


def task_card(t: Translator, task: Task, today: datetime.date) -> Markup:
    lines = [
        t("tasks.card_header", code=task_label(t, task), title=task.title),
        t(
            "tasks.card_cluster",
            cluster=task.cluster_name,
            province=t(f"working_groups.{task.working_group}"),
        ),
    ]
    if task.description:
        lines.append(t("tasks.card_details", details=task.description[:1500]))
    if task.start_on:
        lines.append(t("tasks.card_start", date=t.date(task.start_on)))
    lines.append(
        t("tasks.card_due", date=t.date(task.due_on) if task.due_on else t("tasks.no_due"))
    )
    lines.append(t("tasks.card_status", status=status_text(t, task, today), progress=task.progress))
    for a in task.assignees:
        agency = t(f"agencies.{a.agency_code}") if a.agency_code else "-"
        lines.append(
            t(
                "tasks.card_assignee",
                name=a.name,
                agency=agency,
                status=t(f"task_statuses.{a.status.value}"),
                progress=a.progress,
            )
        )
    if task.needs_assignee:
        lines.append(t("tasks.needs_assignee"))
    return t.join(lines)


def card_keyboard(t: Translator, task: Task, actor: Actor) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    mine = actor.member is not None and actor.member.id in task.assignee_ids
    if mine and task.status is not TaskStatus.CANCELLED:
        for action in ("start", "progress", "done", "block"):
            builder.button(
                text=t(f"task_buttons.{action}"),
                callback_data=TaskAct(action=action, task_id=task.id),
            )
    for action in ("comment", "history", "files"):
        builder.button(
            text=t(f"task_buttons.{action}"), callback_data=TaskAct(action=action, task_id=task.id)
        )
    if rules.manage_refusal(actor, task.working_group) is None:
        for action in ("reassign", "due", "title", "details"):
            builder.button(
                text=t(f"task_buttons.{action}"),
                callback_data=TaskAct(action=action, task_id=task.id),
            )
    builder.adjust(4, 3, 4)
    return builder.as_markup()


async def _show_card(
    message: Message, t: Translator, task: Task, actor: Actor, today: datetime.date
) -> None:
    await message.answer(task_card(t, task, today), reply_markup=card_keyboard(t, task, actor))


# --- my tasks -----------------------------------------------------------------------------------


@router.message(Command("tasks"))
async def my_tasks(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """`/tasks` for all my open tasks, `/tasks <cluster name>` for one cluster's."""
    if not actor.is_member:
        await message.answer(t("errors.members_only"))
        return
    cluster_id = 0
    if command.args:
        mine = await service.my_tasks(uow, actor, t.today(now))
        matching = {x.cluster_id for x in mine if name_matches(x.cluster_name, command.args)}
        if len(matching) != 1:
            await message.answer(t("tasks.cluster_not_found", query=echo(command.args)))
            return
        cluster_id = matching.pop()
    await _list(
        message,
        uow,
        actor,
        t,
        t.today(now),
        TaskList(view="open", page=0, cluster_id=cluster_id),
        edit=False,
    )


@router.callback_query(TaskList.filter())
async def list_page(
    query: CallbackQuery,
    callback_data: TaskList,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await query.answer()
    await _list(
        callback_message(query),
        uow,
        actor,
        t,
        t.today(now),
        callback_data,
        edit=True,
    )


async def _list(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    today: datetime.date,
    shown_list: TaskList,
    *,
    edit: bool,
) -> None:
    view, page, cluster_id = shown_list.view, shown_list.page, shown_list.cluster_id
    if view not in TASK_VIEWS:
        view = "open"  # a button from an older version of the bot
    tasks = await service.my_tasks(uow, actor, today)
    if cluster_id:
        tasks = [x for x in tasks if x.cluster_id == cluster_id]
    if view == "open":
        tasks = [x for x in tasks if x.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)]
    elif view == "overdue":
        tasks = [x for x in tasks if rules.is_overdue(x.due_on, x.status, today)]
    pages = max(1, -(-len(tasks) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = tasks[page * PAGE : (page + 1) * PAGE]
    builder = InlineKeyboardBuilder()
    for task in shown:
        builder.button(
            text=t.plain("tasks.open", code=task_label(t, task), title=task.title[:40]),
            callback_data=TaskOpen(task_id=task.id),
        )
    sizes = [1] * len(shown)
    navigation = []
    if page > 0:
        navigation.append(
            (t("tasks.previous"), TaskList(view=view, page=page - 1, cluster_id=cluster_id))
        )
    if page < pages - 1:
        navigation.append(
            (t("tasks.next"), TaskList(view=view, page=page + 1, cluster_id=cluster_id))
        )
    for text, data in navigation:
        builder.button(text=text, callback_data=data)
    filters = [v for v in TASK_VIEWS if v != view]
    for v in filters:
        builder.button(
            text=t(f"tasks.view_{v}"), callback_data=TaskList(view=v, page=0, cluster_id=cluster_id)
        )
    builder.adjust(*sizes, *([len(navigation)] if navigation else []), len(filters))
    if tasks:
        text = t(
            "tasks.header",
            view=t(f"tasks.view_{view}"),
            count=len(tasks),
            page=page + 1,
            pages=pages,
            lines=t.join([task_line(t, x, today) for x in shown]),
        )
    else:
        text = t("tasks.none", view=t(f"tasks.view_{view}"))
    if edit:
        try:
            await message.edit_text(text, reply_markup=builder.as_markup())
            return
        except TelegramAPIError:
            pass
    await message.answer(text, reply_markup=builder.as_markup())


@router.callback_query(TaskOpen.filter())
async def open_task(
    query: CallbackQuery,
    callback_data: TaskOpen,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    task = await _visible(query, uow, actor, t, callback_data.task_id)
    if task is not None:
        await _show_card(callback_message(query), t, task, actor, t.today(now))


async def _visible(
    query: CallbackQuery, uow: UnitOfWork, actor: Actor, t: Translator, task_id: int
) -> Task | None:
    task = await uow.tasks.get(task_id)
    refusal = (
        "task_gone"
        if task is None
        else rules.view_refusal(actor, task.working_group, task.assignee_ids)
    )
    if refusal is not None:
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return None
    await query.answer()
    return task


# --- an assignee's reports -----------------------------------------------------------------------


@router.callback_query(TaskAct.filter(F.action.in_({"start", "progress"})))
async def start_or_progress(
    query: CallbackQuery,
    callback_data: TaskAct,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.report(
        uow, actor, callback_data.task_id, Report(callback_data.action), now
    )
    await _after_report(query, outcome, uow, actor, catalogs, settings, t, now)


@router.callback_query(
    TaskAct.filter(F.action.in_({"done", "block", "comment", "due", "title", "details"}))
)
async def ask_input(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    task = await uow.tasks.get(callback_data.task_id)
    action = callback_data.action
    if task is None:
        refusal: str | None = "task_gone"
    elif action in ("done", "block"):
        refusal = rules.report_refusal(actor, task.assignee_ids, task.status)
    elif action == "comment":
        refusal = rules.view_refusal(actor, task.working_group, task.assignee_ids)
    else:
        refusal = rules.manage_refusal(actor, task.working_group)
    if refusal is not None:
        if refusal in ("not_assignee", "secretaries_only"):
            await uow.audit.record(
                actor.user_id, f"task.{action}", refusal, "task", callback_data.task_id
            )
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    await query.answer()
    states = {
        "done": TaskForm.evidence,
        "block": TaskForm.block_reason,
        "comment": TaskForm.comment,
        "due": TaskForm.due,
        "title": TaskForm.title,
        "details": TaskForm.details,
    }
    await state.set_state(states[action])
    await state.update_data(task_id=callback_data.task_id)
    markup = None
    if action == "done":
        builder = InlineKeyboardBuilder()
        builder.button(
            text=t("task_buttons.done_without_file"),
            callback_data=TaskAct(action="done_now", task_id=callback_data.task_id),
        )
        markup = builder.as_markup()
    await callback_message(query).answer(t(f"tasks.ask_{action}"), reply_markup=markup)


@router.callback_query(TaskForm.evidence, TaskAct.filter(F.action == "done_now"))
async def done_without_file(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await state.clear()
    outcome = await service.report(uow, actor, callback_data.task_id, Report.DONE, now)
    await _after_report(query, outcome, uow, actor, catalogs, settings, t, now)


@router.message(TaskForm.evidence, F.document | F.photo)
async def done_with_file(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    file = incoming_file(message)
    refusal = attachment_refusal(file.file_name, file.mime_type or None, file.size or None)
    if refusal is not None:
        await message.answer(t(f"submission_errors.{refusal}", name=file.file_name or "-"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    evidence = await service.add_evidence(uow, actor, task_id, file, now)
    if evidence.result != "done":
        await message.answer(t(f"task_refusals.{evidence.result}"))
        return
    outcome = await service.report(uow, actor, task_id, Report.DONE, now, comment=file.file_name)
    await _after_report(message, outcome, uow, actor, catalogs, settings, t, now)


@router.message(TaskForm.block_reason, F.text)
async def blocked(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        reason = rules.clean_block_reason(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.report(uow, actor, task_id, Report.BLOCK, now, comment=reason)
    if outcome.result == "done" and outcome.task is not None:
        await _tell_secretariat(uow, catalogs, settings, outcome.task, actor, reason, now)
    await _after_report(message, outcome, uow, actor, catalogs, settings, t, now)


async def _after_report(
    event: CallbackQuery | Message,
    outcome: service.TaskOutcome,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if outcome.result != "done" or outcome.task is None:
        text = t(f"task_refusals.{outcome.result}")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        else:
            await event.answer(text)
        return
    message = callback_message(event) if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer(t("tasks.reported"))
    if outcome.completed:
        await _tell_completed(uow, catalogs, settings, outcome.task, now)
    await _show_card(message, t, outcome.task, actor, t.today(now))


async def _secretariat_chats(
    uow: UnitOfWork, settings: Settings, group: str
) -> list[tuple[int, str]]:
    return [
        (chat, locale or settings.default_locale)
        for chat, locale in await review_chats(uow, group, settings.admin_ids)
    ]


async def _tell_secretariat(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    task: Task,
    actor: Actor,
    reason: str,
    now: datetime.datetime,
) -> None:
    for chat_id, locale in await _secretariat_chats(uow, settings, task.working_group):
        t = catalogs.translator(locale)
        builder = InlineKeyboardBuilder()
        builder.button(text=t("tasks.open_card"), callback_data=TaskOpen(task_id=task.id))
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=f"task-blocked:{task.id}:v{task.version}:{chat_id}",
                chat_id=chat_id,
                text=t(
                    "tasks.blocked_notice",
                    name=actor.display_name,
                    code=task_label(t, task),
                    title=task.title,
                    reason=reason,
                ),
                locale=t.locale,
                reply_markup=builder.as_markup().model_dump(exclude_none=True),
            ),
            now,
        )


async def _tell_completed(
    uow: UnitOfWork, catalogs: Catalogs, settings: Settings, task: Task, now: datetime.datetime
) -> None:
    for chat_id, locale in await _secretariat_chats(uow, settings, task.working_group):
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=f"task-done:{task.id}:v{task.version}:{chat_id}",
                chat_id=chat_id,
                text=t(
                    "tasks.completed_notice",
                    code=task_label(t, task),
                    title=task.title,
                    cluster=task.cluster_name,
                ),
                locale=t.locale,
            ),
            now,
        )


# --- comments, history, files -------------------------------------------------------------------


@router.message(TaskForm.comment, F.text)
async def commented(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        text = rules.clean_task_comment(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.comment(uow, actor, task_id, text, now)
    await message.answer(
        t("tasks.commented") if outcome.result == "done" else t(f"task_refusals.{outcome.result}")
    )


@router.callback_query(TaskAct.filter(F.action == "history"))
async def history(
    query: CallbackQuery, callback_data: TaskAct, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    task = await _visible(query, uow, actor, t, callback_data.task_id)
    if task is None:
        return
    lines = [t("tasks.history_header", code=task_label(t, task), title=task.title)]
    for event in await uow.tasks.events(task.id):
        name = t("tasks.package_actor") if event.actor_name == "package" else event.actor_name
        lines.append(
            t(
                "tasks.history_line",
                at=t.moment(event.at),
                name=name,
                action=t(f"task_events.{event.action}"),
            )
        )
        if event.comment:
            lines.append(t("cards.comment", comment=event.comment))
        if event.action == "due_changed" and event.details and event.details.get("to"):
            lines.append(
                t("tasks.due_now", date=t.date(datetime.date.fromisoformat(event.details["to"])))
            )
    await answer_long(callback_message(query), t.join(lines))


@router.callback_query(TaskAct.filter(F.action == "files"))
async def files(
    query: CallbackQuery,
    callback_data: TaskAct,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    task = await _visible(query, uow, actor, t, callback_data.task_id)
    if task is None:
        return
    attached = await uow.tasks.files(task.id)
    if not attached:
        await callback_message(query).answer(t("tasks.no_files"))
        return
    await send_files(bot, callback_message(query), t, [(f.file_id, f.file_name) for f in attached])


# --- the secretariat: due dates, titles, reassignment ---------------------------------------------


@router.message(TaskForm.due, F.text)
async def due_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    due_on = await read_due_date(message, t, now)
    if due_on is None:
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.change_due(uow, actor, task_id, due_on, now)
    await _answer_managed(message, outcome, actor, t, now)


@router.message(TaskForm.title, F.text)
async def title_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        title = rules.clean_task_title(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    await _answer_managed(
        message, await service.edit(uow, actor, task_id, now, title=title), actor, t, now
    )


@router.message(TaskForm.details, F.text)
async def details_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        details = rules.clean_task_details(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    await _answer_managed(
        message, await service.edit(uow, actor, task_id, now, description=details), actor, t, now
    )


async def _answer_managed(
    message: Message,
    outcome: service.TaskOutcome,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if outcome.result != "done" or outcome.task is None:
        await message.answer(t(f"task_refusals.{outcome.result}"))
        return
    await message.answer(t("tasks.saved"))
    await _show_card(message, t, outcome.task, actor, t.today(now))


@router.callback_query(TaskAct.filter(F.action == "reassign"))
async def reassign_start(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    task = await uow.tasks.get(callback_data.task_id)
    refusal = "task_gone" if task is None else rules.manage_refusal(actor, task.working_group)
    if refusal is not None:
        if refusal == "secretaries_only":
            await uow.audit.record(
                actor.user_id, "task.reassign", refusal, "task", callback_data.task_id
            )
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    assert task is not None
    await query.answer()
    await state.set_state(TaskForm.members)
    await state.update_data(
        task_id=task.id, group=task.working_group, chosen=sorted(task.assignee_ids)
    )
    await members_picker(
        callback_message(query), uow, t, task.working_group, set(task.assignee_ids)
    )


async def members_picker(
    message: Message,
    uow: UnitOfWork,
    t: Translator,
    group: str,
    chosen: set[int],
    *,
    edit: bool = False,
) -> None:
    people = await uow.members.in_group(group, MemberStatus.APPROVED)
    builder = InlineKeyboardBuilder()
    for m in people[:40]:
        mark = "✅ " if m.id in chosen else ""
        builder.button(text=f"{mark}{m.full_name}", callback_data=MemberToggle(member_id=m.id))
    builder.button(text=t("tasks.save_members"), callback_data=MemberToggle(member_id=0))
    builder.adjust(2)
    text = t("tasks.ask_members", count=len(chosen))
    if edit:
        try:
            await message.edit_text(text, reply_markup=builder.as_markup())
            return
        except TelegramAPIError:
            pass
    await message.answer(text, reply_markup=builder.as_markup())


@router.callback_query(TaskForm.members, MemberToggle.filter(F.member_id != 0))
@router.callback_query(NewTaskForm.members, MemberToggle.filter(F.member_id != 0))
async def member_toggled(
    query: CallbackQuery,
    callback_data: MemberToggle,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    data = await state.get_data()
    chosen = set(data.get("chosen") or [])
    chosen ^= {callback_data.member_id}
    await state.update_data(chosen=sorted(chosen))
    await query.answer()
    await members_picker(callback_message(query), uow, t, data["group"], chosen, edit=True)


@router.callback_query(TaskForm.members, MemberToggle.filter(F.member_id == 0))
async def reassign_save(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()
    outcome = await service.reassign(
        uow, actor, int(data["task_id"]), list(data.get("chosen") or []), now
    )
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t("tasks.saved"))
    await tell_assignees(uow, catalogs, outcome.task, now)
    await _show_card(callback_message(query), t, outcome.task, actor, t.today(now))


async def tell_assignees(
    uow: UnitOfWork, catalogs: Catalogs, task: Task, now: datetime.datetime
) -> None:
    for a in task.assignees:
        t = catalogs.translator(a.locale)
        builder = InlineKeyboardBuilder()
        builder.button(text=t("tasks.open_card"), callback_data=TaskOpen(task_id=task.id))
        due = t.date(task.due_on) if task.due_on else t("tasks.no_due")
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=f"task-assigned:{task.id}:v{task.version}:{a.user_id}",
                chat_id=a.user_id,
                text=t(
                    "tasks.assigned_notice",
                    code=task_label(t, task),
                    title=task.title,
                    cluster=task.cluster_name,
                    due=due,
                ),
                locale=t.locale,
                reply_markup=builder.as_markup().model_dump(exclude_none=True),
            ),
            now,
        )


# --- a new task ---------------------------------------------------------------------------


@router.message(Command("task_new"), private)
async def new_task(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    sees_all = actor.is_superuser or CENTRAL in groups
    listed, _ = await uow.clusters.page(None if sees_all else groups, None, 0, 200)
    # Tasks are managed by the cluster's own province; list only what this person may manage.
    clusters = [c for c in listed if rules.manage_refusal(actor, c.working_group) is None][:40]
    if not clusters:
        await message.answer(t("tasks.no_clusters"))
        return
    await state.set_state(NewTaskForm.cluster)
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=PlanPick(field="cluster", value=str(c.id)),
        )
    builder.adjust(1)
    await message.answer(t("dialog.ask_cluster"), reply_markup=builder.as_markup())


@router.callback_query(NewTaskForm.cluster, PlanPick.filter(F.field == "cluster"))
async def new_task_cluster(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    cluster = await uow.clusters.get(int(callback_data.value))
    refusal = (
        "cluster_gone" if cluster is None else rules.manage_refusal(actor, cluster.working_group)
    )
    if refusal is not None:
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    assert cluster is not None
    await query.answer()
    await state.update_data(cluster_id=cluster.id, group=cluster.working_group, chosen=[])
    await state.set_state(NewTaskForm.title)
    await callback_message(query).answer(t("tasks.ask_title"))


@router.message(NewTaskForm.title, F.text)
async def new_task_title(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        title = rules.clean_task_title(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    await state.update_data(title=title)
    await state.set_state(NewTaskForm.details)
    await message.answer(t("tasks.ask_details"), reply_markup=_skip(t))


def _skip(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.skip"), callback_data=PlanPick(field="skip", value="-"))
    return builder.as_markup()


@router.message(NewTaskForm.details, F.text)
async def new_task_details(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        details = rules.clean_task_details(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    await state.update_data(details=details)
    await _ask_new_due(message, state, t)


@router.callback_query(NewTaskForm.details, PlanPick.filter(F.field == "skip"))
async def new_task_no_details(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_new_due(callback_message(query), state, t)


async def _ask_new_due(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(NewTaskForm.due)
    await message.answer(t("tasks.ask_due"), reply_markup=_skip(t))


@router.message(NewTaskForm.due, F.text)
async def new_task_due(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    due_on = await read_due_date(message, t, now)
    if due_on is None:
        return
    data = await state.update_data(due=due_on.isoformat())
    await state.set_state(NewTaskForm.members)
    await members_picker(message, uow, t, data["group"], set())


@router.callback_query(NewTaskForm.due, PlanPick.filter(F.field == "skip"))
async def new_task_no_due(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    data = await state.get_data()
    await state.set_state(NewTaskForm.members)
    await members_picker(callback_message(query), uow, t, data["group"], set())


@router.callback_query(NewTaskForm.members, MemberToggle.filter(F.member_id == 0))
async def new_task_save(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    outcome = await service.create_task(
        uow,
        actor,
        cluster_id=int(data["cluster_id"]),
        title=data["title"],
        description=data.get("details"),
        due_on=datetime.date.fromisoformat(data["due"]) if data.get("due") else None,
        assignee_ids=list(data.get("chosen") or []),
        now=now,
    )
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t("tasks.saved"))
    await tell_assignees(uow, catalogs, outcome.task, now)
    await _show_card(callback_message(query), t, outcome.task, actor, t.today(now))


# --- a plan template for a cluster ---------------------------------------------------------------


@router.message(Command("plan"), private)
async def plan(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    templates = await uow.templates.list()
    builder = InlineKeyboardBuilder()
    for code, name, _kind, count in templates:
        builder.button(
            text=t.plain("tasks.template_button", name=name, count=count),
            callback_data=PlanPick(field="template", value=code),
        )
    builder.adjust(1)
    await state.set_state(PlanForm.template)
    await message.answer(t("tasks.ask_template"), reply_markup=builder.as_markup())


@router.callback_query(PlanForm.template, PlanPick.filter(F.field == "template"))
async def plan_template(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    await query.answer()
    await state.update_data(template=callback_data.value)
    groups = managed_groups(actor, WORKING_GROUPS)
    sees_all = actor.is_superuser or CENTRAL in groups
    listed, _ = await uow.clusters.page(None if sees_all else groups, None, 0, 200)
    # Tasks are managed by the cluster's own province; list only what this person may manage.
    clusters = [c for c in listed if rules.manage_refusal(actor, c.working_group) is None][:40]
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=PlanPick(field="cluster", value=str(c.id)),
        )
    builder.adjust(1)
    await state.set_state(PlanForm.cluster)
    await callback_message(query).answer(t("dialog.ask_cluster"), reply_markup=builder.as_markup())


@router.callback_query(PlanForm.cluster, PlanPick.filter(F.field == "cluster"))
async def plan_cluster(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    cluster = await uow.clusters.get(int(callback_data.value))
    refusal = (
        "cluster_gone" if cluster is None else rules.manage_refusal(actor, cluster.working_group)
    )
    if refusal is not None:
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    assert cluster is not None
    await query.answer()
    await state.update_data(cluster_id=cluster.id, cluster_name=cluster.name)
    await state.set_state(PlanForm.start)
    await callback_message(query).answer(t("tasks.ask_start"))


@router.message(PlanForm.start, F.text)
async def plan_start(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    try:
        start = jalali.parse_date(message.text or "", t.today(now))
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    data = await state.update_data(start=start.isoformat())
    template = await uow.templates.get(data["template"])
    if template is None:
        await state.clear()
        await message.answer(t("task_refusals.template_gone"))
        return
    await state.set_state(PlanForm.confirm)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.send"), callback_data=PlanPick(field="confirm", value="yes"))
    builder.button(text=t("dialog.cancel"), callback_data=PlanPick(field="confirm", value="no"))
    await message.answer(
        t(
            "tasks.plan_preview",
            template=template.name,
            cluster=data["cluster_name"],
            start=t.date(start, long=True),
            count=len(template.items),
        ),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(PlanForm.confirm, PlanPick.filter(F.field == "confirm"))
async def plan_confirm(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()
    await query.answer()
    if callback_data.value != "yes":
        await callback_message(query).answer(t("dialog.cancelled"))
        return
    template = await uow.templates.get(data["template"])
    if template is None:
        await callback_message(query).answer(t("task_refusals.template_gone"))
        return
    result, made = await service.instantiate(
        uow,
        actor,
        template,
        int(data["cluster_id"]),
        datetime.date.fromisoformat(data["start"]),
        now,
    )
    if made is None:
        await callback_message(query).answer(t(f"task_refusals.{result}"))
        return
    await _tell_plan_assignees(uow, catalogs, made.task_ids, data["cluster_name"], now)
    text = t("tasks.plan_done", count=made.created, cluster=data["cluster_name"])
    if made.flagged:
        codes = t.join([t.escape(c) for c in made.flagged], t("cards.separator"))
        text = t.join([text, t("tasks.plan_flagged", codes=codes)])
    await callback_message(query).answer(text)


async def _tell_plan_assignees(
    uow: UnitOfWork, catalogs: Catalogs, task_ids: list[int], cluster: str, now: datetime.datetime
) -> None:
    """One message per person, however many tasks a template gave them."""
    counts: dict[tuple[int, str], int] = {}
    for task_id in task_ids:
        task = await uow.tasks.get(task_id)
        for a in task.assignees if task else ():
            counts[(a.user_id, a.locale)] = counts.get((a.user_id, a.locale), 0) + 1
    for (user_id, locale), count in counts.items():
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=f"plan-assigned:{task_ids[0]}:{user_id}",
                chat_id=user_id,
                text=t("tasks.plan_assigned", count=count, cluster=cluster),
                locale=t.locale,
            ),
            now,
        )


# --- overdue, for the secretariat ---------------------------------------------------------------


@router.message(Command("overdue"))
async def overdue(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    words = (command.args or "").split()
    phase = None
    if len(words) >= 2 and words[-2] in ("phase", "فاز") and words[-1].isdigit():
        phase = int(words[-1])
        words = words[:-2]
    query = " ".join(words) or None
    sees_all = actor.is_superuser or CENTRAL in groups
    today = t.today(now)
    late = await service.overdue(uow, None if sees_all else groups, today, phase=phase)
    if query:
        late = [x for x in late if name_matches(x.cluster_name, query)]
    if not late:
        await message.answer(t("tasks.no_overdue"))
        return
    by_agency: dict[str, list[str]] = {}
    for task in sorted(late, key=lambda x: (x.due_on or today, x.id)):
        for agency in rules.late_agencies((a.agency_code, a.status) for a in task.assignees):
            label = t(f"agencies.{agency}") if agency else t("tasks.no_agency")
            by_agency.setdefault(label, []).append(task_line(t, task, today))
    lines = []
    for label, entries in by_agency.items():
        lines.append(t("tasks.agency_header", agency=label, count=len(entries)))
        lines.extend(entries)
    await answer_long(message, t("tasks.overdue_header", count=len(late), lines=t.join(lines)))

"""Working-group meetings: the invitation, the replies, the decisions and the tasks they become.

Dialogs, top to bottom:
    /meeting -> (working group, for a superuser) -> Jalali date -> HH:MM -> place or link
        -> agenda -> preview: Send / Cancel
    invitation -> Attending / Not attending (members of the meeting's group; may be changed)
    /meetings -> a card per meeting -> Replies (secretariat)
    /meetings -> Record decisions (secretariat, once the meeting has begun)
        -> one decision per message -> Done
    decision -> Make a task -> cluster -> due date (or skip) -> members, Save

The invitation goes privately to every approved member of the group, in their language, and
to the group's linked chat; the scheduler (scheduler/reminders.py) reminds those who did not
decline, the evening before and an hour before.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import jalali
from bot.domain import meetings as rules
from bot.domain.meetings import Answer
from bot.domain.members import Actor, InvalidInput, MemberStatus, managed_groups
from bot.domain.schedule import ReminderKind
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.keyboards import GroupPick, group_keyboard
from bot.handlers.shared import answer_long, callback_message, date_error, read_due_date
from bot.handlers.tasks import (
    MemberToggle,
    card_keyboard,
    member_toggled,
    members_picker,
    task_card,
    task_label,
    tell_assignees,
)
from bot.i18n import Catalogs, Markup, Translator
from bot.services import tasks as task_service
from bot.storage.meetings import Decision, Meeting, Reply
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork

router = Router(name="meetings")
private = F.chat.type == ChatType.PRIVATE

# /meetings also shows meetings held this long ago: their decisions may still be recorded.
RECENT = datetime.timedelta(days=14)
# Cards /meetings sends at most; more meetings than this at once is a planning problem.
MAX_LISTED = 10
# Buttons that turn decisions into tasks, at most, under one summary.
MAX_DECISION_BUTTONS = 20


class MeetingReply(CallbackData, prefix="mr"):
    meeting_id: int
    answer: str  # attending | not_attending


class MeetingAct(CallbackData, prefix="ma"):
    action: str  # replies | decisions | done
    meeting_id: int


class DecisionTask(CallbackData, prefix="mdt"):
    decision_id: int


class MeetingPick(CallbackData, prefix="mp"):
    field: str  # confirm | cluster | skip
    value: int


class MeetingForm(StatesGroup):
    group = State()
    date = State()
    time = State()
    place = State()
    agenda = State()
    preview = State()


class DecisionForm(StatesGroup):
    text = State()


class DecisionTaskForm(StatesGroup):
    cluster = State()
    due = State()
    members = State()


# --- rendering ------------------------------------------------------------------------------


def when(t: Translator, moment: datetime.datetime, zone: ZoneInfo) -> Markup:
    """Weekday, Jalali date and wall-clock time: "Thursday 1405/09/05 10:00"."""
    local = jalali.to_tehran(moment, zone)
    day = jalali.format_date(local.date(), t.locale, weekday=True)
    return Markup(f"{day} {t.digits(local.strftime('%H:%M'))}")


def meeting_card(
    t: Translator,
    meeting: Meeting,
    zone: ZoneInfo,
    replies: list[Reply] | None = None,
    *,
    names: bool = False,
    unanswered: list[str] | None = None,
) -> Markup:
    """The meeting; with `replies`, how many (and, with `names`, who) answered what."""
    lines = [
        t("meetings.card_header", group=t(f"working_groups.{meeting.working_group}")),
        t("meetings.card_when", when=when(t, meeting.starts_at, zone)),
        t("meetings.card_place", place=meeting.place),
        t("meetings.card_agenda", agenda=meeting.agenda),
    ]
    if meeting.cancelled:
        lines.append(t("meetings.card_cancelled"))
    if replies is not None:
        lines.append("")
        counts = rules.tally(r.answer for r in replies)
        for answer in Answer:
            label = t(f"meeting_answers.{answer.value}")
            who = [r.name for r in replies if r.answer is answer]
            if names and who:
                lines.append(
                    t(
                        "meetings.reply_names",
                        answer=label,
                        count=counts[answer],
                        names=_names(t, who),
                    )
                )
            else:
                lines.append(t("meetings.reply_count", answer=label, count=counts[answer]))
        if unanswered is not None:
            if names and unanswered:
                lines.append(
                    t(
                        "meetings.unanswered_names",
                        count=len(unanswered),
                        names=_names(t, unanswered),
                    )
                )
            else:
                lines.append(t("meetings.unanswered_count", count=len(unanswered)))
    return t.join(lines)


def _names(t: Translator, names: list[str]) -> Markup:
    return t.join([t.escape(n) for n in names], t("cards.separator"))


def reply_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for answer in Answer:
        builder.button(
            text=t(f"meeting_answers.{answer.value}"),
            callback_data=MeetingReply(meeting_id=meeting_id, answer=answer.value),
        )
    builder.adjust(2)
    return builder.as_markup()


def outbox_key(kind: ReminderKind, meeting: Meeting, chat_id: int) -> str:
    """(kind, meeting, period, recipient): the period is the start, so moving a meeting would
    invite and remind again, and asking twice never sends twice."""
    period = meeting.starts_at.astimezone(datetime.UTC).isoformat()
    return f"meeting:{kind.value}:{meeting.id}:{period}:{chat_id}"


async def _unanswered(uow: UnitOfWork, meeting: Meeting, replies: list[Reply]) -> list[str]:
    answered = {r.member_id for r in replies}
    people = await uow.members.in_group(meeting.working_group, MemberStatus.APPROVED)
    return [m.full_name for m in people if m.id not in answered]


# --- scheduling a meeting ----------------------------------------------------------------------


@router.message(Command("meeting"), private)
async def new_meeting(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    if len(groups) == 1:
        await _ask_date(message, state, t, groups[0])
        return
    await state.set_state(MeetingForm.group)
    await message.answer(t("meetings.ask_group"), reply_markup=group_keyboard(t, "mtg", groups))


@router.callback_query(MeetingForm.group, GroupPick.filter(F.purpose == "mtg"))
async def meeting_group(
    query: CallbackQuery, callback_data: GroupPick, state: FSMContext, actor: Actor, t: Translator
) -> None:
    refusal = rules.manage_refusal(actor, callback_data.code)
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    await query.answer()
    await _ask_date(callback_message(query), state, t, callback_data.code)


async def _ask_date(message: Message, state: FSMContext, t: Translator, group: str) -> None:
    await state.set_state(MeetingForm.date)
    await state.update_data(group=group)
    await message.answer(t("meetings.ask_date", group=t(f"working_groups.{group}")))


@router.message(MeetingForm.date, F.text)
async def meeting_date(
    message: Message, state: FSMContext, t: Translator, now: datetime.datetime
) -> None:
    try:
        day = rules.parse_meeting_day(message.text or "", t.today(now))
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    # Kept as the canonical Jalali text, read back with the time in one go.
    await state.update_data(date=jalali.format_date(day, "en"))
    await state.set_state(MeetingForm.time)
    await message.answer(t("meetings.ask_time", date=t.date(day, long=True)))


@router.message(MeetingForm.time, F.text)
async def meeting_time(
    message: Message,
    state: FSMContext,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    try:
        starts_at = rules.parse_meeting_time(
            data["date"], message.text or "", t.today(now), settings.zone, now
        )
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    await state.update_data(starts_at=starts_at.isoformat())
    await state.set_state(MeetingForm.place)
    await message.answer(t("meetings.ask_place"))


@router.message(MeetingForm.place, F.text)
async def meeting_place(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        place = rules.clean_place(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    await state.update_data(place=place)
    await state.set_state(MeetingForm.agenda)
    await message.answer(t("meetings.ask_agenda"))


@router.message(MeetingForm.agenda, F.text)
async def meeting_agenda(
    message: Message,
    state: FSMContext,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        agenda = rules.clean_agenda(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    data = await state.update_data(agenda=agenda)
    await state.set_state(MeetingForm.preview)
    draft = Meeting(
        id=0,
        working_group=data["group"],
        starts_at=datetime.datetime.fromisoformat(data["starts_at"]),
        place=data["place"],
        agenda=agenda,
        created_by_user_id=0,
        created_at=now,
        cancelled_at=None,
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.send"), callback_data=MeetingPick(field="confirm", value=1))
    builder.button(text=t("dialog.cancel"), callback_data=MeetingPick(field="confirm", value=0))
    await message.answer(
        t("meetings.preview", card=meeting_card(t, draft, settings.zone)),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(MeetingForm.preview, MeetingPick.filter(F.field == "confirm"))
async def meeting_confirm(
    query: CallbackQuery,
    callback_data: MeetingPick,
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
    if not callback_data.value:
        await query.answer()
        await callback_message(query).answer(t("dialog.cancelled"))
        return
    group = data["group"]
    starts_at = datetime.datetime.fromisoformat(data["starts_at"])
    refusal = rules.manage_refusal(actor, group)
    if refusal is None and starts_at <= now:
        refusal = "meeting_in_past"
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    meeting = await uow.meetings.create(
        working_group=group,
        starts_at=starts_at,
        place=data["place"],
        agenda=data["agenda"],
        created_by_user_id=actor.user_id,
        now=now,
    )
    await uow.audit.record(actor.user_id, "meeting.create", "done", "meeting", meeting.id, at=now)
    invited = await invite(uow, catalogs, settings, meeting, now)
    await query.answer(t("meetings.saved"))
    await callback_message(query).answer(t("meetings.sent", count=invited))


async def invite(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    meeting: Meeting,
    now: datetime.datetime,
) -> int:
    """Queue the invitation to every approved member and the group's chat; returns how many
    members were invited."""
    members = await uow.members.in_group(meeting.working_group, MemberStatus.APPROVED)
    chats: list[tuple[int, str]] = [(m.user_id, m.locale) for m in members]
    group_chat = await uow.working_groups.chat_of(meeting.working_group)
    if group_chat is not None:
        chats.append((group_chat, settings.default_locale))
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_key(ReminderKind.MEETING_INVITE, meeting, chat_id),
                chat_id=chat_id,
                text=t(
                    "meetings.invitation",
                    card=meeting_card(t, meeting, settings.zone),
                ),
                locale=t.locale,
                reply_markup=reply_keyboard(t, meeting.id).model_dump(exclude_none=True),
            ),
            now,
        )
    return len(members)


# --- answering ----------------------------------------------------------------------------------


@router.callback_query(MeetingReply.filter())
async def answered(
    query: CallbackQuery,
    callback_data: MeetingReply,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        answer = Answer(callback_data.answer)
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    meeting = await uow.meetings.get(callback_data.meeting_id)
    if meeting is None:
        refusal: str | None = "meeting_gone"
    else:
        refusal = rules.answer_refusal(
            actor, meeting.working_group, meeting.starts_at, meeting.cancelled, now
        )
    if refusal is not None:
        if refusal == "not_invited":
            await uow.audit.record(
                actor.user_id, "meeting.reply", refusal, "meeting", callback_data.meeting_id
            )
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    assert meeting is not None and actor.member is not None
    previous = await uow.meetings.reply(meeting.id, actor.member.id, answer, now)
    label = t(f"meeting_answers.{answer.value}")
    key = "meetings.answer_changed" if previous not in (None, answer) else "meetings.answer_saved"
    await query.answer(t(key, answer=label))


# --- the list, and the replies for the secretariat ---------------------------------------------


@router.message(Command("meetings"), private)
async def list_meetings(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    managed = managed_groups(actor, WORKING_GROUPS)
    own = (actor.working_group,) if actor.working_group else ()
    groups = tuple(dict.fromkeys((*managed, *own)))
    if not groups:
        await message.answer(t("errors.members_only"))
        return
    shown = [
        m
        for m in await uow.meetings.since(groups, now - RECENT)
        if m.starts_at > now or m.working_group in managed
    ]
    if not shown:
        await message.answer(t("meetings.none"))
        return
    if len(shown) > MAX_LISTED:
        await message.answer(t("meetings.more", count=len(shown), shown=MAX_LISTED))
    for meeting in shown[:MAX_LISTED]:
        text, markup = await _listed_card(uow, actor, settings, t, meeting, now)
        await message.answer(text, reply_markup=markup)


async def _listed_card(
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    meeting: Meeting,
    now: datetime.datetime,
) -> tuple[Markup, InlineKeyboardMarkup]:
    manages = rules.manage_refusal(actor, meeting.working_group) is None
    replies = await uow.meetings.replies(meeting.id)
    unanswered = await _unanswered(uow, meeting, replies)
    lines = [meeting_card(t, meeting, settings.zone, replies, names=manages, unanswered=unanswered)]
    builder = InlineKeyboardBuilder()
    sizes = []
    started = now >= meeting.starts_at
    if not started and actor.working_group == meeting.working_group:
        mine = next((r.answer for r in replies if r.user_id == actor.user_id), None)
        if mine is not None:
            lines.append(t("meetings.your_answer", answer=t(f"meeting_answers.{mine.value}")))
        for answer in Answer:
            builder.button(
                text=t(f"meeting_answers.{answer.value}"),
                callback_data=MeetingReply(meeting_id=meeting.id, answer=answer.value),
            )
        sizes.append(2)
    if manages:
        builder.button(
            text=t("meetings.button_replies"),
            callback_data=MeetingAct(action="replies", meeting_id=meeting.id),
        )
        sizes.append(1)
        if started:
            decisions = await uow.meetings.decisions(meeting.id)
            if decisions:
                lines.append(t("meetings.decisions_count", count=len(decisions)))
            builder.button(
                text=t("meetings.button_decisions"),
                callback_data=MeetingAct(action="decisions", meeting_id=meeting.id),
            )
            sizes.append(1)
    builder.adjust(*sizes)
    return t.join(lines), builder.as_markup()


@router.callback_query(MeetingAct.filter(F.action == "replies"))
async def show_replies(
    query: CallbackQuery,
    callback_data: MeetingAct,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
) -> None:
    meeting = await _managed(query, uow, actor, t, callback_data.meeting_id)
    if meeting is None:
        return
    replies = await uow.meetings.replies(meeting.id)
    unanswered = await _unanswered(uow, meeting, replies)
    await callback_message(query).answer(
        meeting_card(t, meeting, settings.zone, replies, names=True, unanswered=unanswered)
    )


async def _managed(
    query: CallbackQuery, uow: UnitOfWork, actor: Actor, t: Translator, meeting_id: int
) -> Meeting | None:
    meeting = await uow.meetings.get(meeting_id)
    refusal = (
        "meeting_gone" if meeting is None else rules.manage_refusal(actor, meeting.working_group)
    )
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return None
    await query.answer()
    return meeting


# --- decisions ----------------------------------------------------------------------------------


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
    meeting = await uow.meetings.get(callback_data.meeting_id)
    refusal = (
        "meeting_gone"
        if meeting is None
        else rules.decisions_refusal(actor, meeting.working_group, meeting.starts_at, now)
    )
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    assert meeting is not None
    await query.answer()
    await state.set_state(DecisionForm.text)
    await state.update_data(meeting_id=meeting.id)
    await callback_message(query).answer(
        t("meetings.ask_decisions", when=when(t, meeting.starts_at, settings.zone)),
        reply_markup=_done_keyboard(t, meeting.id),
    )


def _done_keyboard(
    t: Translator, meeting_id: int, decision: Decision | None = None
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if decision is not None:
        builder.button(
            text=t("meetings.button_make_task", position=decision.position),
            callback_data=DecisionTask(decision_id=decision.id),
        )
    builder.button(
        text=t("meetings.button_done"),
        callback_data=MeetingAct(action="done", meeting_id=meeting_id),
    )
    builder.adjust(1)
    return builder.as_markup()


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
    meeting = await uow.meetings.get(meeting_id)
    refusal = (
        "meeting_gone"
        if meeting is None
        else rules.decisions_refusal(actor, meeting.working_group, meeting.starts_at, now)
    )
    if refusal is not None:
        await state.clear()
        await message.answer(t(f"meeting_errors.{refusal}"))
        return
    decision = await uow.meetings.add_decision(meeting_id, text, now)
    await uow.audit.record(actor.user_id, "meeting.decision", "done", "meeting", meeting_id, at=now)
    await message.answer(
        t("meetings.decision_saved", position=decision.position),
        reply_markup=_done_keyboard(t, meeting_id, decision),
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
    meeting = await _managed(query, uow, actor, t, callback_data.meeting_id)
    if meeting is None:
        return
    if await state.get_state() == DecisionForm.text.state:
        await state.clear()
    decisions = await uow.meetings.decisions(meeting.id)
    if not decisions:
        await callback_message(query).answer(t("meetings.no_decisions"))
        return
    lines = [
        t(
            "meetings.decisions_header",
            when=when(t, meeting.starts_at, settings.zone),
            count=len(decisions),
        )
    ]
    builder = InlineKeyboardBuilder()
    for d in decisions:
        if d.task_id is None:
            lines.append(t("meetings.decision_line", position=d.position, text=d.text))
        else:
            lines.append(
                t("meetings.decision_line_task", position=d.position, text=d.text, task=d.task_id)
            )
    for d in [d for d in decisions if d.task_id is None][:MAX_DECISION_BUTTONS]:
        builder.button(
            text=t("meetings.button_make_task", position=d.position),
            callback_data=DecisionTask(decision_id=d.id),
        )
    builder.adjust(2)
    await answer_long(callback_message(query), t.join(lines), reply_markup=builder.as_markup())


# --- a decision becomes a task ------------------------------------------------------------------


async def _decision_and_meeting(
    uow: UnitOfWork, actor: Actor, decision_id: int, now: datetime.datetime
) -> tuple[Decision | None, Meeting | None, str | None]:
    decision = await uow.meetings.decision(decision_id)
    if decision is None:
        return None, None, "decision_gone"
    meeting = await uow.meetings.get(decision.meeting_id)
    if meeting is None:
        return decision, None, "meeting_gone"
    refusal = rules.decisions_refusal(actor, meeting.working_group, meeting.starts_at, now)
    if refusal is None and decision.task_id is not None:
        refusal = "already_a_task"
    return decision, meeting, refusal


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
    decision, meeting, refusal = await _decision_and_meeting(
        uow, actor, callback_data.decision_id, now
    )
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    assert decision is not None and meeting is not None
    clusters, _ = await uow.clusters.page((meeting.working_group,), None, 0, 40)
    if not clusters:
        await query.answer(t("tasks.no_clusters"), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(DecisionTaskForm.cluster)
    await state.update_data(decision_id=decision.id, group=meeting.working_group, chosen=[])
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=MeetingPick(field="cluster", value=c.id),
        )
    builder.adjust(1)
    await callback_message(query).answer(
        t("meetings.ask_task_cluster", position=decision.position, text=decision.text[:200]),
        reply_markup=builder.as_markup(),
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
    cluster = await uow.clusters.get(callback_data.value)
    if cluster is None or cluster.working_group != data["group"]:
        await query.answer(t("task_refusals.cluster_gone"), show_alert=True)
        return
    await query.answer()
    await state.update_data(cluster_id=cluster.id)
    await state.set_state(DecisionTaskForm.due)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.skip"), callback_data=MeetingPick(field="skip", value=0))
    await callback_message(query).answer(
        t("meetings.ask_task_due"), reply_markup=builder.as_markup()
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
    decision, meeting, refusal = await _decision_and_meeting(
        uow, actor, int(data["decision_id"]), now
    )
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    assert decision is not None and meeting is not None
    outcome = await task_service.create_task(
        uow,
        actor,
        cluster_id=int(data["cluster_id"]),
        title=_task_title(decision.text),
        # Stored as plain text: the task card and the Excel export escape it themselves.
        description=t.plain(
            "meetings.task_details",
            group=t(f"working_groups.{meeting.working_group}"),
            when=when(t, meeting.starts_at, settings.zone),
            decision=decision.text,
        ),
        due_on=datetime.date.fromisoformat(data["due"]) if data.get("due") else None,
        assignee_ids=list(data.get("chosen") or []),
        now=now,
    )
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    if not await uow.meetings.set_decision_task(decision.id, outcome.task.id):
        # Someone turned the same decision into a task a moment earlier: keep theirs only.
        await uow.rollback()
        await query.answer(t("meeting_errors.already_a_task"), show_alert=True)
        return
    await query.answer(t("tasks.saved"))
    await tell_assignees(uow, catalogs, outcome.task, now)
    message = callback_message(query)
    await message.answer(
        t(
            "meetings.task_made",
            position=decision.position,
            code=task_label(t, outcome.task),
        )
    )
    await message.answer(
        task_card(t, outcome.task, t.today(now)), reply_markup=card_keyboard(t, outcome.task, actor)
    )


def _task_title(text: str) -> str:
    """The decision's first line, short enough to be a task title."""
    first = text.splitlines()[0].strip() if text.strip() else text
    return first if len(first) <= 300 else first[:299] + "…"

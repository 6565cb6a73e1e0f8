"""Submitting a feasibility plan, development program or support package, and following it.

The dialog, top to bottom (SubmissionForm):
    /submit -> kind -> cluster (-> program, for a support package) -> title -> summary
    -> criteria 1..9, each a mark and an optional note (feasibility plan)
    -> budget (plan, program) -> duration (program)
    -> items: agency, then what it must do, repeated (support package)
    -> attachments (files, then Done) -> confirm (Send / Edit / Cancel)
A returned submission re-enters the same dialog from the title, with "Keep" on every step.
/my lists a member's submissions; buttons open details, files, timeline, license, withdraw.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, replace
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import submissions as rules
from bot.domain.agencies import OTHER, is_agency
from bot.domain.clusters import Cluster, visible_groups
from bot.domain.members import Actor, InvalidInput
from bot.domain.submissions import Criterion, CriterionMark, SubmissionKind, SubmissionStatus
from bot.handlers.keyboards import AgencyPick, agency_keyboard
from bot.handlers.shared import callback_message, incoming_file
from bot.handlers.submission_cards import (
    CardPrinter,
    SubmissionView,
    content_lines,
    kind_name,
)
from bot.i18n import Catalogs, Translator
from bot.services import submissions as service
from bot.storage.submissions import Content
from bot.storage.uow import UnitOfWork

router = Router(name="submissions")
private = F.chat.type == ChatType.PRIVATE

MAX_CLUSTER_BUTTONS = 30


class SubmissionForm(StatesGroup):
    kind = State()
    cluster = State()
    program = State()
    title = State()
    summary = State()
    criterion = State()
    criterion_note = State()
    budget = State()
    duration = State()
    item_agency = State()
    item_action = State()
    item_more = State()
    attachments = State()
    confirm = State()


class KindPick(CallbackData, prefix="sk"):
    kind: str


class ClusterPick(CallbackData, prefix="sc"):
    cluster_id: int


class ProgramPick(CallbackData, prefix="sp"):
    program_id: int  # 0: for the cluster as a whole


class MarkPick(CallbackData, prefix="cr"):
    index: int
    mark: str


class Step(CallbackData, prefix="sn"):
    # keep | skip | more_items | items_done | files_done | send | edit | cancel
    action: str


def _buttons(t: Translator, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(text=t(f"dialog.{action}"), callback_data=Step(action=action))
    builder.adjust(2)
    return builder.as_markup()


def _keep(
    t: Translator, data: dict[str, Any], field: str, *extra: str
) -> InlineKeyboardMarkup | None:
    """A Keep button when the field already has a value (resubmission or Edit from preview)."""
    actions = (("keep",) if data.get(field) not in (None, "", [], {}) else ()) + extra
    return _buttons(t, *actions) if actions else None


def _kind(data: dict[str, Any]) -> SubmissionKind:
    return SubmissionKind(data["kind"])


# --- start ---------------------------------------------------------------------------------------


@router.message(Command("submit"), private)
async def submit(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    if not actor.is_member:
        await message.answer(t("errors.members_only"))
        return
    await state.clear()
    await state.set_state(SubmissionForm.kind)
    builder = InlineKeyboardBuilder()
    for kind in SubmissionKind:
        builder.button(text=kind_name(t, kind), callback_data=KindPick(kind=kind.value))
    builder.adjust(1)
    await message.answer(t("dialog.ask_kind"), reply_markup=builder.as_markup())


@router.callback_query(SubmissionForm.kind, KindPick.filter())
async def kind_chosen(
    query: CallbackQuery,
    callback_data: KindPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    if callback_data.kind not in set(SubmissionKind):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    kind = SubmissionKind(callback_data.kind)
    clusters = await _eligible_clusters(uow, actor, kind)
    await query.answer()
    message = callback_message(query)
    if not clusters:
        await state.clear()
        await message.answer(t(f"dialog.no_clusters.{kind.value}"))
        return
    await state.update_data(kind=kind.value)
    await state.set_state(SubmissionForm.cluster)
    builder = InlineKeyboardBuilder()
    for cluster in clusters[:MAX_CLUSTER_BUTTONS]:
        label = t.plain(
            "dialog.cluster_button",
            name=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
        )
        builder.button(text=label, callback_data=ClusterPick(cluster_id=cluster.id))
    builder.adjust(1)
    await message.answer(t("dialog.ask_cluster"), reply_markup=builder.as_markup())


async def _eligible_clusters(uow: UnitOfWork, actor: Actor, kind: SubmissionKind) -> list[Cluster]:
    groups = visible_groups(actor)
    clusters, _ = await uow.clusters.page(groups, None, 0, 500)
    return [c for c in clusters if rules.submit_refusal(actor, kind, c) is None]


@router.callback_query(SubmissionForm.cluster, ClusterPick.filter())
async def cluster_chosen(
    query: CallbackQuery,
    callback_data: ClusterPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    data = await state.get_data()
    cluster = await uow.clusters.get(callback_data.cluster_id)
    refusal = (
        "cluster_gone" if cluster is None else rules.submit_refusal(actor, _kind(data), cluster)
    )
    if refusal is not None:
        await query.answer(t(f"submission_refusals.{refusal}"), show_alert=True)
        return
    assert cluster is not None
    await query.answer()
    await state.update_data(cluster_id=cluster.id, cluster_name=cluster.name, program_id=None)
    message = callback_message(query)
    if _kind(data) is SubmissionKind.SUPPORT_PACKAGE:
        programs = await uow.submissions.approved_programs(cluster.id)
        if programs:
            await state.set_state(SubmissionForm.program)
            builder = InlineKeyboardBuilder()
            for program in programs:
                builder.button(text=program.title, callback_data=ProgramPick(program_id=program.id))
            builder.button(text=t("dialog.whole_cluster"), callback_data=ProgramPick(program_id=0))
            builder.adjust(1)
            await message.answer(t("dialog.ask_program"), reply_markup=builder.as_markup())
            return
    await _ask_title(message, state, t)


@router.callback_query(SubmissionForm.program, ProgramPick.filter())
async def program_chosen(
    query: CallbackQuery, callback_data: ProgramPick, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    await state.update_data(program_id=callback_data.program_id or None)
    await _ask_title(callback_message(query), state, t)


# --- title and summary ---------------------------------------------------------------------------


async def _ask_title(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.title)
    current = t("dialog.current", value=data["title"]) if data.get("title") else ""
    await message.answer(
        t("dialog.ask_title", current=current), reply_markup=_keep(t, data, "title")
    )


@router.message(SubmissionForm.title, F.text)
async def title_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        title = rules.clean_title(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(title=title)
    await _ask_summary(message, state, t)


@router.callback_query(SubmissionForm.title, Step.filter(F.action == "keep"))
async def title_kept(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_summary(callback_message(query), state, t)


async def _ask_summary(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.summary)
    await message.answer(t("dialog.ask_summary"), reply_markup=_keep(t, data, "summary"))


@router.message(SubmissionForm.summary, F.text)
async def summary_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        summary = rules.clean_summary(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(summary=summary)
    await _after_summary(message, state, t)


@router.callback_query(SubmissionForm.summary, Step.filter(F.action == "keep"))
async def summary_kept(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _after_summary(callback_message(query), state, t)


async def _after_summary(message: Message, state: FSMContext, t: Translator) -> None:
    kind = _kind(await state.get_data())
    if kind is SubmissionKind.FEASIBILITY_PLAN:
        await _ask_criterion(message, state, t, 0)
    elif kind is SubmissionKind.DEVELOPMENT_PROGRAM:
        await _ask_budget(message, state, t)
    else:
        await _ask_item(message, state, t)


# --- the nine criteria of article 7 --------------------------------------------------------------


async def _ask_criterion(message: Message, state: FSMContext, t: Translator, index: int) -> None:
    criteria = list(Criterion)
    if index >= len(criteria):
        await _ask_budget(message, state, t)
        return
    data = await state.update_data(criterion_index=index)
    await state.set_state(SubmissionForm.criterion)
    builder = InlineKeyboardBuilder()
    for mark in CriterionMark:
        builder.button(
            text=t(f"criterion_marks.{mark.value}"),
            callback_data=MarkPick(index=index, mark=mark.value),
        )
    if index == 0 and data.get("criteria"):
        builder.button(text=t("dialog.keep_criteria"), callback_data=Step(action="keep"))
    builder.adjust(3)
    await message.answer(
        t(
            "dialog.ask_criterion",
            number=index + 1,
            total=len(criteria),
            criterion=t(f"criteria.{criteria[index].value}"),
        ),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(SubmissionForm.criterion, MarkPick.filter())
async def criterion_marked(
    query: CallbackQuery, callback_data: MarkPick, state: FSMContext, t: Translator
) -> None:
    data = await state.get_data()
    if callback_data.index != data.get("criterion_index") or callback_data.mark not in set(
        CriterionMark
    ):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    criterion = list(Criterion)[callback_data.index]
    criteria = dict(data.get("criteria") or {})
    criteria[criterion.value] = {"mark": callback_data.mark, "note": None}
    await state.update_data(criteria=criteria)
    await state.set_state(SubmissionForm.criterion_note)
    await callback_message(query).answer(t("dialog.ask_note"), reply_markup=_buttons(t, "skip"))


@router.callback_query(SubmissionForm.criterion, Step.filter(F.action == "keep"))
async def criteria_kept(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_budget(callback_message(query), state, t)


@router.message(SubmissionForm.criterion_note, F.text)
async def note_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        note = rules.clean_note(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    data = await state.get_data()
    index = int(data["criterion_index"])
    criteria = dict(data["criteria"])
    criteria[list(Criterion)[index].value]["note"] = note
    await state.update_data(criteria=criteria)
    await _ask_criterion(message, state, t, index + 1)


@router.callback_query(SubmissionForm.criterion_note, Step.filter(F.action == "skip"))
async def note_skipped(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    index = int((await state.get_data())["criterion_index"])
    await _ask_criterion(callback_message(query), state, t, index + 1)


# --- budget and duration -------------------------------------------------------------------------


async def _ask_budget(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.budget)
    # A feasibility plan may not have costed anything yet; a development program must.
    optional = ("skip",) if _kind(data) is SubmissionKind.FEASIBILITY_PLAN else ()
    await message.answer(t("dialog.ask_budget"), reply_markup=_keep(t, data, "budget", *optional))


@router.message(SubmissionForm.budget, F.text)
async def budget_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        budget = rules.parse_amount(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(budget=budget)
    await _after_budget(message, state, t)


@router.callback_query(SubmissionForm.budget, Step.filter(F.action.in_({"keep", "skip"})))
async def budget_kept(
    query: CallbackQuery, callback_data: Step, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    data = await state.get_data()
    if callback_data.action == "skip" and _kind(data) is not SubmissionKind.FEASIBILITY_PLAN:
        await callback_message(query).answer(t("dialog.ask_budget"))
        return
    if callback_data.action == "skip":
        await state.update_data(budget=None)
    await _after_budget(callback_message(query), state, t)


async def _after_budget(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    if _kind(data) is SubmissionKind.DEVELOPMENT_PROGRAM:
        await state.set_state(SubmissionForm.duration)
        await message.answer(t("dialog.ask_duration"), reply_markup=_keep(t, data, "duration"))
        return
    await _ask_files(message, state, t)


@router.message(SubmissionForm.duration, F.text)
async def duration_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        months = rules.parse_months(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(duration=months)
    await _ask_files(message, state, t)


@router.callback_query(SubmissionForm.duration, Step.filter(F.action == "keep"))
async def duration_kept(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_files(callback_message(query), state, t)


# --- support package items -----------------------------------------------------------------------


async def _ask_item(message: Message, state: FSMContext, t: Translator) -> None:
    # Typing a first item (instead of Keep) starts the list afresh.
    data = await state.update_data(items_fresh=False)
    await state.set_state(SubmissionForm.item_agency)
    markup = agency_keyboard(t)
    if data.get("items"):
        markup.inline_keyboard.append(_buttons(t, "keep").inline_keyboard[0])
    await message.answer(t("dialog.ask_item_agency"), reply_markup=markup)


@router.callback_query(SubmissionForm.item_agency, AgencyPick.filter())
async def item_agency_chosen(
    query: CallbackQuery, callback_data: AgencyPick, state: FSMContext, t: Translator
) -> None:
    if callback_data.code == OTHER or not is_agency(callback_data.code):
        # Formal instructions go to agencies with representatives, not to free-typed names.
        await query.answer(t("submission_errors.agency_not_listed"), show_alert=True)
        return
    await query.answer()
    await state.update_data(item_agency=callback_data.code)
    await state.set_state(SubmissionForm.item_action)
    await callback_message(query).answer(
        t("dialog.ask_item_action", agency=t(f"agencies.{callback_data.code}"))
    )


@router.callback_query(SubmissionForm.item_agency, Step.filter(F.action == "keep"))
async def items_kept(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_files(callback_message(query), state, t)


@router.message(SubmissionForm.item_action, F.text)
async def item_action_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        action = rules.clean_action(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    data = await state.get_data()
    items = list(data.get("items") or []) if data.get("items_fresh") else []
    items.append([data["item_agency"], action])
    await state.update_data(items=items, items_fresh=True)
    await state.set_state(SubmissionForm.item_more)
    await message.answer(
        t("dialog.item_added", count=len(items)),
        reply_markup=_buttons(t, "more_items", "items_done"),
    )


@router.callback_query(SubmissionForm.item_more, Step.filter(F.action == "more_items"))
async def more_items(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.set_state(SubmissionForm.item_agency)
    await callback_message(query).answer(
        t("dialog.ask_item_agency"), reply_markup=agency_keyboard(t)
    )


@router.callback_query(SubmissionForm.item_more, Step.filter(F.action == "items_done"))
async def items_done(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_files(callback_message(query), state, t)


# --- attachments ---------------------------------------------------------------------------------


async def _ask_files(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(SubmissionForm.attachments)
    await message.answer(t("dialog.ask_files"), reply_markup=_buttons(t, "files_done"))


@router.message(SubmissionForm.attachments, F.document | F.photo)
async def file_sent(message: Message, state: FSMContext, t: Translator) -> None:
    incoming = incoming_file(message)
    name = incoming.file_name
    refusal = rules.attachment_refusal(name, incoming.mime_type or None, incoming.size or None)
    data = await state.get_data()
    files = list(data.get("files") or [])
    if refusal is None and len(files) >= rules.MAX_ATTACHMENTS:
        refusal = "too_many_files"
    if refusal is not None:
        await message.answer(t(f"submission_errors.{refusal}", name=name or "-"))
        return
    files.append(
        asdict(replace(incoming, mime_type=incoming.mime_type or "application/octet-stream"))
    )
    await state.update_data(files=files)
    await message.answer(
        t("dialog.file_added", name=name, count=len(files)), reply_markup=_buttons(t, "files_done")
    )


@router.callback_query(SubmissionForm.attachments, Step.filter(F.action == "files_done"))
async def files_done(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await _preview(callback_message(query), state, uow, t)


# --- preview and send ----------------------------------------------------------------------------


async def _preview(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.confirm)
    kind = _kind(data)
    earlier = 0
    if data.get("resubmit_of"):
        earlier = len(await uow.submissions.attachments(int(data["resubmit_of"])))
    lines = [
        t("dialog.preview_header", kind=kind_name(t, kind), cluster=data["cluster_name"]),
        t("cards.title", title=data["title"]),
        *content_lines(
            t,
            kind,
            data["summary"],
            _details(data),
            data.get("budget"),
            data.get("duration"),
            _items(data),
            full=False,
        ),
        t("cards.attachments", count=earlier + len(data.get("files") or [])),
    ]
    await message.answer(t.join(lines), reply_markup=_buttons(t, "send", "edit", "cancel"))


def _details(data: dict[str, Any]) -> dict[str, Any]:
    return {"criteria": data["criteria"]} if data.get("criteria") else {}


def _items(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(agency, action) for agency, action in data.get("items") or []]


def _draft(data: dict[str, Any]) -> service.Draft:
    kind = _kind(data)
    return service.Draft(
        kind=kind,
        cluster_id=int(data["cluster_id"]),
        program_id=data.get("program_id"),
        content=Content(
            title=data["title"],
            summary=data["summary"],
            details=_details(data),
            budget_million_rials=data.get("budget"),
            duration_months=data.get("duration")
            if kind is SubmissionKind.DEVELOPMENT_PROGRAM
            else None,
        ),
        items=_items(data) if kind is SubmissionKind.SUPPORT_PACKAGE else [],
        attachments=[service.NewAttachment(**f) for f in data.get("files") or []],
    )


@router.callback_query(SubmissionForm.confirm, Step.filter(F.action == "edit"))
async def edit(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_title(callback_message(query), state, t)


@router.callback_query(SubmissionForm.confirm, Step.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await callback_message(query).answer(t("dialog.cancelled"))


@router.callback_query(SubmissionForm.confirm, Step.filter(F.action == "send"))
async def send(
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
    draft = _draft(data)
    if data.get("resubmit_of"):
        outcome = await service.resubmit(
            uow, actor, int(data["resubmit_of"]), int(data["version"]), draft, now
        )
    else:
        outcome = await service.submit(uow, actor, draft, now)
    if not outcome.done or outcome.submission is None:
        await state.clear()
        await query.answer(t(f"submission_refusals.{outcome.result}"), show_alert=True)
        return
    await state.clear()
    await query.answer()
    submission = outcome.submission
    printer = CardPrinter(uow, catalogs, settings, now)
    if outcome.result == "resubmitted":
        await printer.queue_card_updates(submission)
    await printer.queue_review_cards(submission)
    group = service.stage_group(submission)
    await callback_message(query).answer(
        t(f"dialog.{outcome.result}", number=submission.id, group=t(f"working_groups.{group}"))
    )


# --- following one's own submissions -------------------------------------------------------------


@router.message(Command("my"))
async def my_submissions(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    if actor.member is None:
        await message.answer(t("errors.register_first"))
        return
    mine = await uow.submissions.by_author(actor.member.id)
    if not mine:
        await message.answer(t("my.none"))
        return
    await message.answer(t("my.header", count=len(mine)))
    for submission in mine[:10]:
        status = t(f"submission_statuses.{submission.status.value}")
        if submission.status is SubmissionStatus.IN_REVIEW:
            level = submission.state.level
            status = t("my.at_stage", level=t(f"review_levels.{level.value}"))
        builder = InlineKeyboardBuilder()
        builder.button(
            text=t("review_buttons.details"),
            callback_data=SubmissionView(action="details", submission_id=submission.id),
        )
        builder.button(
            text=t("review_buttons.timeline"),
            callback_data=SubmissionView(action="timeline", submission_id=submission.id),
        )
        if submission.status is SubmissionStatus.RETURNED:
            builder.button(
                text=t("my.resubmit"),
                callback_data=SubmissionView(action="resubmit", submission_id=submission.id),
            )
        if submission.state.is_open:
            builder.button(
                text=t("my.withdraw"),
                callback_data=SubmissionView(action="withdraw", submission_id=submission.id),
            )
        if (
            submission.kind is SubmissionKind.FEASIBILITY_PLAN
            and submission.status is SubmissionStatus.APPROVED
        ):
            builder.button(
                text=t("my.license"),
                callback_data=SubmissionView(action="license", submission_id=submission.id),
            )
        builder.adjust(2)
        await message.answer(
            t(
                "my.line",
                number=submission.id,
                kind=kind_name(t, submission.kind),
                title=submission.title,
                cluster=submission.cluster_name,
                status=status,
                since=t.moment(submission.created_at),
            ),
            reply_markup=builder.as_markup(),
        )


@router.callback_query(SubmissionView.filter(F.action == "resubmit"))
async def resubmit(
    query: CallbackQuery,
    callback_data: SubmissionView,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await uow.submissions.get(callback_data.submission_id)
    refusal = (
        "submission_gone"
        if submission is None
        else rules.author_refusal(actor, submission.author_member_id)
    )
    if (
        refusal is None
        and submission is not None
        and submission.status is not SubmissionStatus.RETURNED
    ):
        refusal = "not_returned"
    if refusal is not None:
        await query.answer(t(f"submission_refusals.{refusal}"), show_alert=True)
        return
    assert submission is not None
    await query.answer()
    items = await uow.submissions.items(submission.id)
    await state.clear()
    await state.update_data(
        kind=submission.kind.value,
        cluster_id=submission.cluster_id,
        cluster_name=submission.cluster_name,
        program_id=submission.program_id,
        title=submission.title,
        summary=submission.summary,
        criteria=submission.details.get("criteria"),
        budget=submission.budget_million_rials,
        duration=submission.duration_months,
        items=[[i.agency_code, i.action] for i in items],
        resubmit_of=submission.id,
        version=submission.version,
    )
    await _ask_title(callback_message(query), state, t)

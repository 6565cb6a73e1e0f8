"""The submit dialog's answers: kind, cluster, program, title, summary, criteria, budget,
duration, a package's items and the attachments. Each answer moves to the next question of
the kind's entry (steps.py); which questions a kind has is never decided here."""

from __future__ import annotations

from dataclasses import asdict, replace

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain import reports as report_rules
from bot.domain import submissions as rules
from bot.domain.agencies import OTHER, is_agency
from bot.domain.clusters import Cluster, visible_groups
from bot.domain.members import Actor
from bot.domain.submissions import (
    AttachmentRefusal,
    Criterion,
    CriterionMark,
    DialogStep,
    SubmissionKind,
    SubmissionRefusal,
    spec_for,
)
from bot.domain.text import InvalidInput
from bot.handlers.shared import callback_message, incoming_file
from bot.handlers.submissions.steps import SubmissionForm, ask, ask_after, ask_criterion, spec_of
from bot.i18n import Translator
from bot.services import reports as reports_service
from bot.storage.uow import UnitOfWork
from bot.ui import reports as reports_ui
from bot.ui import submissions as ui
from bot.ui.keyboards import AgencyPick, agency_keyboard

router = Router(name="submissions.dialog")
private = F.chat.type == ChatType.PRIVATE

MAX_CLUSTER_BUTTONS = 30


# --- start ---------------------------------------------------------------------------------------


@router.message(Command("submit"), private)
async def submit(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    if not actor.is_member:
        await message.answer(t("errors.members_only"))
        return
    await state.clear()
    await state.set_state(SubmissionForm.kind)
    await message.answer(t("dialog.ask_kind"), reply_markup=ui.kind_keyboard(t))


@router.callback_query(SubmissionForm.kind, ui.KindPick.filter())
async def kind_chosen(
    query: CallbackQuery,
    callback_data: ui.KindPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    if callback_data.kind not in rules.KINDS:
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
    await message.answer(
        t("dialog.ask_cluster"),
        reply_markup=ui.cluster_keyboard(t, clusters[:MAX_CLUSTER_BUTTONS]),
    )


async def _eligible_clusters(uow: UnitOfWork, actor: Actor, kind: SubmissionKind) -> list[Cluster]:
    groups = visible_groups(actor)
    clusters, _ = await uow.clusters.page(groups, None, 0, 500)
    return [c for c in clusters if rules.submit_refusal(actor, kind, c) is None]


@router.callback_query(SubmissionForm.cluster, ui.ClusterPick.filter())
async def cluster_chosen(
    query: CallbackQuery,
    callback_data: ui.ClusterPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    data = await state.get_data()
    cluster = await uow.clusters.get(callback_data.cluster_id)
    refusal = (
        SubmissionRefusal.CLUSTER_GONE
        if cluster is None
        else rules.submit_refusal(actor, SubmissionKind(data["kind"]), cluster)
    )
    if refusal is not None:
        await query.answer(t(f"submission_refusals.{refusal}"), show_alert=True)
        return
    assert cluster is not None
    await query.answer()
    await state.update_data(cluster_id=cluster.id, cluster_name=cluster.name, program_id=None)
    await ask(spec_for(data["kind"]).dialog[0], callback_message(query), state, uow, t)


@router.callback_query(SubmissionForm.program, ui.ProgramPick.filter())
async def program_chosen(
    query: CallbackQuery,
    callback_data: ui.ProgramPick,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    await query.answer()
    await state.update_data(program_id=callback_data.program_id or None)
    await ask_after(DialogStep.PROGRAM, callback_message(query), state, uow, t)


# --- title and summary ---------------------------------------------------------------------------


@router.message(SubmissionForm.title, F.text)
async def title_typed(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    try:
        title = rules.clean_title(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(title=title)
    await ask_after(DialogStep.TITLE, message, state, uow, t)


@router.callback_query(SubmissionForm.title, ui.Step.filter(F.action == "keep"))
async def title_kept(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.TITLE, callback_message(query), state, uow, t)


@router.message(SubmissionForm.summary, F.text)
async def summary_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    try:
        summary = rules.clean_summary(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(summary=summary)
    await ask_after(DialogStep.SUMMARY, message, state, uow, t)


@router.callback_query(SubmissionForm.summary, ui.Step.filter(F.action == "keep"))
async def summary_kept(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.SUMMARY, callback_message(query), state, uow, t)


# --- the nine criteria of article 7 --------------------------------------------------------------


@router.callback_query(SubmissionForm.criterion, ui.MarkPick.filter())
async def criterion_marked(
    query: CallbackQuery, callback_data: ui.MarkPick, state: FSMContext, t: Translator
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
    await callback_message(query).answer(
        t("dialog.ask_note"), reply_markup=ui.step_buttons(t, "skip")
    )


@router.callback_query(SubmissionForm.criterion, ui.Step.filter(F.action == "keep"))
async def criteria_kept(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.CRITERIA, callback_message(query), state, uow, t)


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
    await ask_criterion(message, state, t, index + 1)


@router.callback_query(SubmissionForm.criterion_note, ui.Step.filter(F.action == "skip"))
async def note_skipped(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    index = int((await state.get_data())["criterion_index"])
    await ask_criterion(callback_message(query), state, t, index + 1)


# --- budget and duration -------------------------------------------------------------------------


@router.message(SubmissionForm.budget, F.text)
async def budget_typed(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    try:
        budget = rules.parse_amount(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(budget=budget)
    await ask_after(DialogStep.BUDGET, message, state, uow, t)


@router.callback_query(SubmissionForm.budget, ui.Step.filter(F.action.in_({"keep", "skip"})))
async def budget_kept(
    query: CallbackQuery,
    callback_data: ui.Step,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    await query.answer()
    data = await state.get_data()
    if callback_data.action == "skip":
        if DialogStep.BUDGET not in spec_of(data).optional:
            # An old Skip button: this kind must be costed.
            await callback_message(query).answer(t("dialog.ask_budget"))
            return
        await state.update_data(budget=None)
    await ask_after(DialogStep.BUDGET, callback_message(query), state, uow, t)


@router.message(SubmissionForm.duration, F.text)
async def duration_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    try:
        months = rules.parse_months(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    await state.update_data(duration=months)
    await ask_after(DialogStep.DURATION, message, state, uow, t)


@router.callback_query(SubmissionForm.duration, ui.Step.filter(F.action == "keep"))
async def duration_kept(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.DURATION, callback_message(query), state, uow, t)


# --- a program's KPI targets ----------------------------------------------------------------------


@router.message(SubmissionForm.targets, F.text)
async def targets_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    try:
        # The checks of /targets: the same figures, named or six in order.
        targets = reports_service.check_targets(
            report_rules.parse_targets(message.text or "", by_name=True)
        )
    except report_rules.TargetsRefused as refused:
        await message.answer(reports_ui.targets_refusal(t, refused))
        return
    await state.update_data(targets=targets)
    await ask_after(DialogStep.TARGETS, message, state, uow, t)


@router.callback_query(SubmissionForm.targets, ui.Step.filter(F.action.in_({"keep", "skip"})))
async def targets_kept(
    query: CallbackQuery,
    callback_data: ui.Step,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    await query.answer()
    if callback_data.action == "skip":
        await state.update_data(targets=None)
    await ask_after(DialogStep.TARGETS, callback_message(query), state, uow, t)


# --- support package items -----------------------------------------------------------------------


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


@router.callback_query(SubmissionForm.item_agency, ui.Step.filter(F.action == "keep"))
async def items_kept(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.ITEMS, callback_message(query), state, uow, t)


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
        reply_markup=ui.step_buttons(t, "more_items", "items_done"),
    )


@router.callback_query(SubmissionForm.item_more, ui.Step.filter(F.action == "more_items"))
async def more_items(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.set_state(SubmissionForm.item_agency)
    await callback_message(query).answer(
        t("dialog.ask_item_agency"), reply_markup=agency_keyboard(t)
    )


@router.callback_query(SubmissionForm.item_more, ui.Step.filter(F.action == "items_done"))
async def items_done(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.ITEMS, callback_message(query), state, uow, t)


# --- attachments ---------------------------------------------------------------------------------


@router.message(SubmissionForm.attachments, F.document | F.photo)
async def file_sent(message: Message, state: FSMContext, t: Translator) -> None:
    incoming = incoming_file(message)
    name = incoming.file_name
    refusal = rules.attachment_refusal(name, incoming.mime_type or None, incoming.size or None)
    data = await state.get_data()
    files = list(data.get("files") or [])
    if refusal is None and len(files) >= rules.MAX_ATTACHMENTS:
        refusal = AttachmentRefusal.TOO_MANY_FILES
    if refusal is not None:
        await message.answer(t(f"submission_errors.{refusal}", name=name or "-"))
        return
    files.append(
        asdict(replace(incoming, mime_type=incoming.mime_type or "application/octet-stream"))
    )
    await state.update_data(files=files)
    await message.answer(
        t("dialog.file_added", name=name, count=len(files)),
        reply_markup=ui.step_buttons(t, "files_done"),
    )


@router.callback_query(SubmissionForm.attachments, ui.Step.filter(F.action == "files_done"))
async def files_done(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await ask_after(DialogStep.ATTACHMENTS, callback_message(query), state, uow, t)

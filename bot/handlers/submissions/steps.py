"""The questions of the submit dialog, asked in the order the kind's entry gives.

The dialog, top to bottom (SubmissionForm):
    /submit -> kind -> cluster -> the kind's steps (KINDS[kind].dialog), e.g. for a
    feasibility plan: title -> summary -> criteria 1..9 (a mark and an optional note each)
    -> budget -> attachments; for a development program: title -> summary -> budget ->
    duration -> KPI targets (optional) -> attachments; then the preview (Send / Edit / Cancel).
A returned submission re-enters the same dialog from the title, with "Keep" on every step.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message

from bot.domain.submissions import (
    Content,
    Criterion,
    DialogStep,
    KindSpec,
    SubmissionKind,
    spec_for,
)
from bot.i18n import Translator
from bot.storage.uow import UnitOfWork
from bot.ui import reports as reports_ui
from bot.ui import submissions as ui
from bot.ui.keyboards import agency_keyboard


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
    targets = State()
    item_agency = State()
    item_action = State()
    item_more = State()
    attachments = State()
    confirm = State()


def kind_of(data: dict[str, Any]) -> SubmissionKind:
    return SubmissionKind(data["kind"])


def spec_of(data: dict[str, Any]) -> KindSpec:
    return spec_for(data["kind"])


def keep(
    t: Translator, data: dict[str, Any], field: str, *extra: str
) -> InlineKeyboardMarkup | None:
    """A Keep button when the field already has a value (resubmission or Edit from preview)."""
    actions = (("keep",) if data.get(field) not in (None, "", [], {}) else ()) + extra
    return ui.step_buttons(t, *actions) if actions else None


async def ask(
    step: DialogStep | None,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    """Ask `step`'s question; None means every step is answered: show the preview."""
    if step is None:
        await show_preview(message, state, uow, t)
    elif step is DialogStep.PROGRAM:
        await _ask_program(message, state, uow, t)
    else:
        await _ASKS[step](message, state, t)


async def ask_after(
    step: DialogStep, message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    """The kind's next question after `step`."""
    spec = spec_of(await state.get_data())
    await ask(spec.step_after(step), message, state, uow, t)


async def _ask_program(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    data = await state.get_data()
    programs = await uow.submissions.approved_programs(int(data["cluster_id"]))
    if not programs:
        # Nothing to build on yet: the item is for the cluster as a whole.
        await ask_after(DialogStep.PROGRAM, message, state, uow, t)
        return
    await state.set_state(SubmissionForm.program)
    await message.answer(t("dialog.ask_program"), reply_markup=ui.program_keyboard(t, programs))


async def ask_title(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.title)
    current = t("dialog.current", value=data["title"]) if data.get("title") else ""
    await message.answer(
        t("dialog.ask_title", current=current), reply_markup=keep(t, data, "title")
    )


async def _ask_summary(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.summary)
    await message.answer(t("dialog.ask_summary"), reply_markup=keep(t, data, "summary"))


async def _ask_criteria(message: Message, state: FSMContext, t: Translator) -> None:
    await ask_criterion(message, state, t, 0)


async def ask_criterion(message: Message, state: FSMContext, t: Translator, index: int) -> None:
    """The criteria one by one; past the last, the step after the criteria."""
    criteria = list(Criterion)
    if index >= len(criteria):
        step = spec_of(await state.get_data()).step_after(DialogStep.CRITERIA)
        # Every kind ends with attachments, so there is always a step after the criteria.
        assert step is not None
        await _ASKS[step](message, state, t)
        return
    data = await state.update_data(criterion_index=index)
    await state.set_state(SubmissionForm.criterion)
    keep_all = index == 0 and bool(data.get("criteria"))
    await message.answer(
        t(
            "dialog.ask_criterion",
            number=index + 1,
            total=len(criteria),
            criterion=t(f"criteria.{criteria[index].value}"),
        ),
        reply_markup=ui.criterion_keyboard(t, index, keep=keep_all),
    )


async def _ask_budget(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.budget)
    optional = ("skip",) if DialogStep.BUDGET in spec_of(data).optional else ()
    await message.answer(t("dialog.ask_budget"), reply_markup=keep(t, data, "budget", *optional))


async def _ask_duration(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.duration)
    await message.answer(t("dialog.ask_duration"), reply_markup=keep(t, data, "duration"))


async def _ask_targets(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.targets)
    await message.answer(
        t("dialog.ask_targets", fields=reports_ui.fields_prompt(t)),
        reply_markup=keep(t, data, "targets", "skip"),
    )


async def _ask_items(message: Message, state: FSMContext, t: Translator) -> None:
    # Typing a first item (instead of Keep) starts the list afresh.
    data = await state.update_data(items_fresh=False)
    await state.set_state(SubmissionForm.item_agency)
    markup = agency_keyboard(t)
    if data.get("items"):
        markup.inline_keyboard.append(ui.step_buttons(t, "keep").inline_keyboard[0])
    await message.answer(t("dialog.ask_item_agency"), reply_markup=markup)


async def _ask_files(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(SubmissionForm.attachments)
    await message.answer(t("dialog.ask_files"), reply_markup=ui.step_buttons(t, "files_done"))


_ASKS = {
    DialogStep.TITLE: ask_title,
    DialogStep.SUMMARY: _ask_summary,
    DialogStep.CRITERIA: _ask_criteria,
    DialogStep.BUDGET: _ask_budget,
    DialogStep.DURATION: _ask_duration,
    DialogStep.TARGETS: _ask_targets,
    DialogStep.ITEMS: _ask_items,
    DialogStep.ATTACHMENTS: _ask_files,
}


# --- what the answers make -----------------------------------------------------------------------


def details(data: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if data.get("criteria"):
        kept["criteria"] = data["criteria"]
    if data.get("targets") and spec_of(data).asks(DialogStep.TARGETS):
        kept["targets"] = data["targets"]
    return kept


def items(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(agency, action) for agency, action in data.get("items") or []]


def content(data: dict[str, Any]) -> Content:
    spec = spec_of(data)
    return Content(
        title=data["title"],
        summary=data["summary"],
        details=details(data),
        budget_million_rials=data.get("budget"),
        duration_months=data.get("duration") if spec.asks(DialogStep.DURATION) else None,
    )


async def show_preview(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    data = await state.get_data()
    await state.set_state(SubmissionForm.confirm)
    earlier = 0
    if data.get("resubmit_of"):
        earlier = len(await uow.submissions.attachments(int(data["resubmit_of"])))
    text = ui.preview_text(
        t,
        kind_of(data),
        data["cluster_name"],
        content(data),
        items(data),
        earlier + len(data.get("files") or []),
    )
    await message.answer(text, reply_markup=ui.step_buttons(t, "send", "edit", "cancel"))

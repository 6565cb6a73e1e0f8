"""What a person controls about reminders: snoozing, muting kinds, and (secretariat) timing.

- the Snooze buttons on a reminder: until tomorrow morning, or for a week;
- /mute: toggle the kinds of reminders one receives (tasks, approvals, the weekly digest);
- /reminders: the working group's timing, e.g. `/reminders days 7 3 1`,
  `/reminders quiet 21:00 08:00`, `/reminders morning 09:00`, `/reminders approval 3`,
  `/reminders monitoring quarterly`.

The use cases are in bot/services/reminder_settings.py, the buttons in bot/ui/reminders.py.
"""

from __future__ import annotations

import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain.digits import to_latin_digits
from bot.domain.members import Actor
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.services import reminder_settings as service
from bot.storage.uow import UnitOfWork
from bot.ui import reminders as ui
from bot.ui.reminders import MuteToggle, Snooze

router = Router(name="reminders")


@router.callback_query(Snooze.filter())
async def snooze(
    query: CallbackQuery,
    callback_data: Snooze,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.snooze(
        uow,
        actor,
        kind=callback_data.kind,
        subject_id=callback_data.subject_id,
        choice=callback_data.choice,
        now=now,
        zone=settings.zone,
    )
    if not outcome.snoozed or outcome.until is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await query.answer(t("reminders.snoozed", at=t.moment(outcome.until)))


@router.message(Command("mute"))
async def mute(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    muted = await service.muted(uow, actor)
    if muted is None:
        await message.answer(t("errors.register_first"))
        return
    await message.answer(t("reminders.mute_header"), reply_markup=ui.mute_keyboard(t, muted))


@router.callback_query(MuteToggle.filter())
async def toggle(
    query: CallbackQuery, callback_data: MuteToggle, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    muted = await service.toggle_mute(uow, actor, callback_data.kind)
    if muted is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await query.answer(t("reminders.saved"))
    await callback_message(query).edit_text(
        t("reminders.mute_header"), reply_markup=ui.mute_keyboard(t, muted)
    )


@router.message(Command("reminders"))
async def group_timing(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    words = to_latin_digits(command.args or "").split()
    outcome = await service.group_settings(uow, actor, words)
    if outcome.refusal is service.SettingsRefusal.SECRETARIES_ONLY:
        await message.answer(t("errors.secretaries_only"))
        return
    if outcome.refusal is not None or outcome.working_group is None or outcome.schedule is None:
        await message.answer(t(f"reminders.{outcome.refusal}"))
        return
    await message.answer(ui.settings_text(t, outcome.working_group, outcome.schedule))

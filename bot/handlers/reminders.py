"""What a person controls about reminders: snoozing, muting kinds, and (secretariat) timing.

- the Snooze buttons on a reminder: until tomorrow morning, or for a week;
- /mute: toggle the kinds of reminders one receives (tasks, approvals, the weekly digest);
- /reminders: the working group's timing, e.g. `/reminders days 7 3 1`,
  `/reminders quiet 21:00 08:00`, `/reminders morning 09:00`, `/reminders approval 3`,
  `/reminders monitoring quarterly`.
"""

from __future__ import annotations

import dataclasses
import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import jalali
from bot.domain import schedule as timing
from bot.domain.digits import to_latin_digits
from bot.domain.members import Actor, managed_groups
from bot.domain.schedule import GroupSchedule
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.storage.uow import UnitOfWork

router = Router(name="reminders")

# The kinds a member can mute or snooze; they are also the keys of their texts.
MUTE_TASKS = "tasks"
MUTE_APPROVALS = "approvals"
MUTE_DIGEST = "digest"
MUTABLE = (MUTE_TASKS, MUTE_APPROVALS, MUTE_DIGEST)


class Snooze(CallbackData, prefix="snz"):
    kind: str
    subject_id: int
    choice: str  # tomorrow | week


class MuteToggle(CallbackData, prefix="mute"):
    kind: str


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
    if actor.member is None or callback_data.kind not in MUTABLE:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    schedule = await uow.reminders.schedule_of(actor.member.working_group)
    try:
        until = timing.snooze_until(
            callback_data.choice, now, schedule, jalali.default_calendar(), settings.zone
        )
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await uow.reminders.snooze(actor.member.id, callback_data.kind, callback_data.subject_id, until)
    await query.answer(t("reminders.snoozed", at=t.moment(until)))


@router.message(Command("mute"))
async def mute(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    if actor.member is None:
        await message.answer(t("errors.register_first"))
        return
    await _show_mutes(message, uow, actor, t, edit=False)


async def _show_mutes(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, *, edit: bool
) -> None:
    assert actor.member is not None
    muted = await uow.reminders.muted(actor.member.id)
    builder = InlineKeyboardBuilder()
    for kind in MUTABLE:
        state = t("reminders.off") if kind in muted else t("reminders.on")
        builder.button(
            text=t("reminders.toggle", kind=t(f"reminders.kind_{kind}"), state=state),
            callback_data=MuteToggle(kind=kind),
        )
    builder.adjust(1)
    if edit:
        await message.edit_text(t("reminders.mute_header"), reply_markup=builder.as_markup())
    else:
        await message.answer(t("reminders.mute_header"), reply_markup=builder.as_markup())


@router.callback_query(MuteToggle.filter())
async def toggle(
    query: CallbackQuery, callback_data: MuteToggle, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if actor.member is None or callback_data.kind not in MUTABLE:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    muted = callback_data.kind in await uow.reminders.muted(actor.member.id)
    await uow.reminders.set_muted(actor.member.id, callback_data.kind, not muted)
    await query.answer(t("reminders.saved"))
    await _show_mutes(callback_message(query), uow, actor, t, edit=True)


@router.message(Command("reminders"))
async def group_timing(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    words = to_latin_digits(command.args or "").split()
    group = actor.working_group if actor.working_group in groups else None
    if words and words[0] in WORKING_GROUPS:
        group = words.pop(0)
    if group is None or group not in groups:
        await message.answer(t("reminders.name_group"))
        return
    schedule = await uow.reminders.schedule_of(group)
    if words:
        try:
            schedule = changed_schedule(schedule, words)
        except ValueError:
            await message.answer(t("reminders.usage"))
            return
        await uow.reminders.set_schedule(await uow.working_groups.id_of(group), schedule)
        await uow.audit.record(
            actor.user_id, "reminders.set", "done", details={"working_group": group, "words": words}
        )
    await message.answer(
        t(
            "reminders.settings",
            group=t(f"working_groups.{group}"),
            days=t.join([t.digits(str(d)) for d in schedule.reminder_days], t("cards.separator")),
            quiet_start=t.digits(schedule.quiet_start.strftime("%H:%M")),
            quiet_end=t.digits(schedule.quiet_end.strftime("%H:%M")),
            morning=t.digits(schedule.morning.strftime("%H:%M")),
            approval=schedule.approval_days,
            monitoring=t(f"reminders.monitoring_{schedule.monitoring}"),
        )
        + "\n\n"
        + t("reminders.usage")
    )


def changed_schedule(schedule: GroupSchedule, words: list[str]) -> GroupSchedule:
    """Apply `/reminders <what> <values>`; GroupSchedule itself refuses impossible values."""
    what, values = words[0], words[1:]
    if what == "days" and values:
        return dataclasses.replace(schedule, reminder_days=tuple(int(v) for v in values))
    if what == "quiet" and len(values) == 2:
        return dataclasses.replace(
            schedule, quiet_start=_clock(values[0]), quiet_end=_clock(values[1])
        )
    if what == "morning" and len(values) == 1:
        return dataclasses.replace(schedule, morning=_clock(values[0]))
    if what == "approval" and len(values) == 1:
        return dataclasses.replace(schedule, approval_days=int(values[0]))
    if what == "monitoring" and len(values) == 1:
        return dataclasses.replace(schedule, monitoring=values[0])
    raise ValueError(f"unknown setting {what!r}")


def _clock(text: str) -> datetime.time:
    hour, _, minute = text.partition(":")
    return datetime.time(int(hour), int(minute or 0))

"""How reminder controls look: the Snooze and mute buttons, and a group's timing settings."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain.schedule import MUTABLE, GroupSchedule
from bot.i18n import Translator
from bot.ui.builder import InlineKeyboardBuilder


class Snooze(CallbackData, prefix="snz"):
    kind: str
    subject_id: int
    choice: str  # tomorrow | week


class MuteToggle(CallbackData, prefix="mute"):
    kind: str


def mute_keyboard(t: Translator, muted: set[str]) -> InlineKeyboardMarkup:
    """One button per kind of reminder, saying whether it is on; pressing one toggles it."""
    builder = InlineKeyboardBuilder()
    for kind in MUTABLE:
        state = t("reminders.off") if kind in muted else t("reminders.on")
        builder.button(
            text=t("reminders.toggle", kind=t(f"reminders.kind_{kind}"), state=state),
            callback_data=MuteToggle(kind=kind),
        )
    builder.adjust(1)
    return builder.as_markup()


def settings_text(t: Translator, group: str, schedule: GroupSchedule) -> str:
    """A group's timing, then how to change it."""
    return (
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


def add_snooze_buttons(
    builder: InlineKeyboardBuilder, t: Translator, kind: str, subject_id: int = 0
) -> None:
    """"Not now" on any reminder: until the next working morning, or for a week."""
    for choice in ("tomorrow", "week"):
        builder.button(
            text=t(f"reminders.snooze_{choice}"),
            callback_data=Snooze(kind=kind, subject_id=subject_id, choice=choice),
        )


def with_snooze(
    t: Translator, markup: InlineKeyboardMarkup, kind: str, subject_id: int = 0
) -> InlineKeyboardMarkup:
    """A reminder's own buttons, then a row of snooze buttons."""
    builder = InlineKeyboardBuilder.from_markup(markup)
    row = InlineKeyboardBuilder()
    add_snooze_buttons(row, t, kind, subject_id)
    builder.row(*row.buttons)
    return builder.as_markup()

"""The calendar as people see it: /holidays lines, closure notices, Thursday buttons, and the
button that confirms a Gregorian date typed by mistake."""

from __future__ import annotations

import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain import jalali, outbox_keys
from bot.domain.workdays import Closure, Holiday, Thursday
from bot.i18n import Catalogs, Markup, Translator
from bot.services.calendar import ClosureDeclared, ClosureLifted, DayOff
from bot.storage.outbox import OutgoingMessage
from bot.ui.builder import InlineKeyboardBuilder

# /holidays looks this far ahead and lists at most this many days.
HOLIDAYS_AHEAD_DAYS = 120
MAX_LISTED = 20

NATIONAL = "national"


class DateConfirm(CallbackData, prefix="dc"):
    """ "Yes, that day" under a Gregorian date typed by mistake: ``day`` is its ordinal,
    ``dialog`` a checksum of the dialog step that asked, so an old button cannot answer a
    later question."""

    day: int
    dialog: int


class ClosureScope(CallbackData, prefix="cls"):
    scope: str  # NATIONAL or a province code


class ClosureStep(CallbackData, prefix="clx"):
    action: str  # same_day | declare | cancel


class ClosureLift(CallbackData, prefix="cll"):
    closure_id: int


class WorkweekSet(CallbackData, prefix="wwk"):
    group: str
    thursday: str


def where(t: Translator, province: str | None) -> Markup:
    if province is None:
        return t("calendar.the_country")
    return t("working_groups." + province)


def span(t: Translator, closure: Closure) -> Markup:
    if closure.first == closure.last:
        return t("calendar.span_one", first=t.date(closure.first, long=True))
    return t(
        "calendar.span_range",
        first=t.date(closure.first, long=True),
        last=t.date(closure.last, long=True),
    )


def holiday_name(t: Translator, holiday: Holiday) -> Markup:
    name = t.escape(holiday.name(t.locale))
    return Markup(f"{name} {t('calendar.estimated')}" if holiday.estimated else name)


def day_off_line(t: Translator, day_off: DayOff) -> Markup:
    when = jalali.format_date(day_off.day, t.locale, long=True, weekday=True)
    if day_off.closure is not None:
        return t("calendar.closure_line", date=when, reason=day_off.closure.reason)
    names = [holiday_name(t, h) for h in day_off.holidays] or [t("calendar.official_holiday")]
    separator = "؛ " if t.locale == "fa" else "; "
    return t("calendar.holiday_line", date=when, name=Markup(separator.join(names)))


def holidays_text(t: Translator, days_off: list[DayOff], province: str | None) -> Markup:
    lines = [t("calendar.holidays_header", where=where(t, province))]
    if not days_off:
        lines.append(t("calendar.holidays_none", days=HOLIDAYS_AHEAD_DAYS))
    lines += [day_off_line(t, d) for d in days_off[:MAX_LISTED]]
    if any(h.estimated for d in days_off[:MAX_LISTED] for h in d.holidays):
        lines.append(t("calendar.estimated_note"))
    return t.join(lines)


def lift_keyboard(t: Translator, closures: list[Closure]) -> InlineKeyboardMarkup | None:
    if not closures:
        return None
    builder = InlineKeyboardBuilder()
    for closure in closures:
        builder.button(
            text=t.plain("calendar.lift_button", span=span(t, closure)),
            callback_data=ClosureLift(closure_id=closure.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def scope_keyboard(t: Translator, scopes: tuple[str | None, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for scope in scopes:
        builder.button(
            text=t.plain("calendar.scope_button", where=where(t, scope)),
            callback_data=ClosureScope(scope=scope or NATIONAL),
        )
    builder.adjust(1)
    return builder.as_markup()


def same_day_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("calendar.only_that_day"), callback_data=ClosureStep(action="same_day")
    )
    return builder.as_markup()


def preview_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.plain("calendar.declare"), callback_data=ClosureStep(action="declare"))
    builder.button(text=t.plain("calendar.cancel"), callback_data=ClosureStep(action="cancel"))
    builder.adjust(2)
    return builder.as_markup()


def preview(t: Translator, closure: Closure) -> Markup:
    return t(
        "calendar.preview",
        where=where(t, closure.province),
        span=span(t, closure),
        reason=closure.reason,
    )


def closure_notices(catalogs: Catalogs, outcome: ClosureDeclared) -> list[OutgoingMessage]:
    """One notice per person the closure reaches, in their language, queued once each."""
    closure = outcome.closure
    messages = []
    for reader in outcome.readers:
        t = catalogs.translator(reader.locale)
        lines = [
            t(
                "calendar.notice",
                where=where(t, closure.province),
                span=span(t, closure),
                reason=closure.reason,
            )
        ]
        lines += [
            t("calendar.meeting_on_closed_day", when=t.moment(meeting.starts_at))
            for meeting in outcome.meetings
            if meeting.working_group == reader.working_group
        ]
        text = t.join(lines)
        messages.append(
            OutgoingMessage(
                key=outbox_keys.closure_declared(closure.id, reader.user_id),
                chat_id=reader.user_id,
                text=text,
                locale=t.locale,
            )
        )
    return messages


def lifted_notices(catalogs: Catalogs, outcome: ClosureLifted) -> list[OutgoingMessage]:
    closure = outcome.closure
    assert closure is not None
    messages = []
    for reader in outcome.readers:
        t = catalogs.translator(reader.locale)
        text = t("calendar.lifted_notice", where=where(t, closure.province), span=span(t, closure))
        messages.append(
            OutgoingMessage(
                key=outbox_keys.closure_lifted(closure.id, reader.user_id),
                chat_id=reader.user_id,
                text=text,
                locale=t.locale,
            )
        )
    return messages


def thursday_name(t: Translator, thursday: Thursday) -> Markup:
    return t(f"calendar.thursday_{thursday.value}")


def workweek_keyboard(t: Translator, group: str, current: Thursday) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in Thursday:
        mark = "✓ " if choice is current else ""
        builder.button(
            text=mark + t.plain(f"calendar.thursday_{choice.value}"),
            callback_data=WorkweekSet(group=group, thursday=choice.value),
        )
    builder.adjust(1)
    return builder.as_markup()


def gregorian_keyboard(t: Translator, meant: datetime.date, dialog: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("dates.use_jalali", date=jalali.format_date(meant, t.locale, long=True)),
        callback_data=DateConfirm(day=meant.toordinal(), dialog=dialog),
    )
    return builder.as_markup()

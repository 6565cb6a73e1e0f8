"""Substitutes as people see them: the /substitute dialog's buttons, the list, the notices."""

from __future__ import annotations

import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain import outbox_keys
from bot.domain.members import Member
from bot.domain.substitutes import Substitution
from bot.i18n import Catalogs, Markup, Translator
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from bot.ui.builder import InlineKeyboardBuilder


class AbsentPick(CallbackData, prefix="sba"):
    member_id: int


class SubstitutePick(CallbackData, prefix="sbs"):
    member_id: int


class SubstituteSave(CallbackData, prefix="sbv"):
    # "save" or "cancel"
    action: str


class SubstituteEnd(CallbackData, prefix="sbe"):
    substitution_id: int


def _role(t: Translator, member: Member) -> Markup:
    return t(f"roles.{member.role.value}")


def absent_keyboard(t: Translator, officers: list[Member]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in officers:
        builder.button(
            text=t.plain("substitutes.person", name=member.full_name, role=_role(t, member)),
            callback_data=AbsentPick(member_id=member.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def candidate_keyboard(t: Translator, people: list[Member]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in people:
        builder.button(
            text=t.plain(
                "substitutes.candidate",
                name=member.full_name,
                group=t.plain(f"working_groups.{member.working_group}"),
            ),
            callback_data=SubstitutePick(member_id=member.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def save_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("substitutes.save"), callback_data=SubstituteSave(action="save"))
    builder.button(text=t("substitutes.cancel"), callback_data=SubstituteSave(action="cancel"))
    builder.adjust(2)
    return builder.as_markup()


def _range(t: Translator, first: datetime.date, last: datetime.date) -> Markup:
    return t("substitutes.range", first=t.date(first, long=True), last=t.date(last, long=True))


def preview_text(
    t: Translator, absent: Member, substitute: Member, first: datetime.date, last: datetime.date
) -> Markup:
    return t(
        "substitutes.preview",
        absent=absent.full_name,
        role=_role(t, absent),
        group=t(f"working_groups.{absent.working_group}"),
        substitute=substitute.full_name,
        range=_range(t, first, last),
    )


def substitution_line(t: Translator, s: Substitution, today: datetime.date) -> Markup:
    return t(
        "substitutes.line",
        number=s.id,
        absent=s.absent_name,
        group=t(f"working_groups.{s.working_group}"),
        substitute=s.substitute_name,
        range=_range(t, s.first_day, s.last_day),
        state=t("substitutes.state_now" if s.covers(today) else "substitutes.state_coming"),
    )


def list_view(
    t: Translator, substitutions: list[Substitution], today: datetime.date
) -> tuple[Markup, InlineKeyboardMarkup | None]:
    if not substitutions:
        return t("substitutes.none"), None
    lines = [substitution_line(t, s, today) for s in substitutions]
    builder = InlineKeyboardBuilder()
    for s in substitutions:
        builder.button(
            text=t.plain("substitutes.end", number=s.id, name=s.substitute_name),
            callback_data=SubstituteEnd(substitution_id=s.id),
        )
    builder.adjust(1)
    return t("substitutes.header", lines=t.join(lines)), builder.as_markup()


# --- notifiers ---------------------------------------------------------------------------------


async def queue_named(
    uow: UnitOfWork, catalogs: Catalogs, s: Substitution, now: datetime.datetime
) -> None:
    """The substitute learns what they take over, and the absent person who covers them."""
    for user_id, locale, key in (
        (s.substitute_user_id, s.substitute_locale, "substitutes.to_substitute"),
        (s.absent_user_id, s.absent_locale, "substitutes.to_absent"),
    ):
        if user_id == s.named_by_user_id and key == "substitutes.to_absent":
            continue  # naming one's own substitute needs no notice beyond the reply
        t = catalogs.translator(locale)
        text = t(
            key,
            absent=s.absent_name,
            substitute=s.substitute_name,
            group=t(f"working_groups.{s.working_group}"),
            range=_range(t, s.first_day, s.last_day),
            by=s.named_by_name,
        )
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.substitution_named(s.id, user_id),
                chat_id=user_id,
                text=text,
                locale=t.locale,
            ),
            now,
        )


async def queue_ended(
    uow: UnitOfWork, catalogs: Catalogs, s: Substitution, by_user_id: int, now: datetime.datetime
) -> None:
    for user_id, locale in (
        (s.substitute_user_id, s.substitute_locale),
        (s.absent_user_id, s.absent_locale),
    ):
        if user_id == by_user_id:
            continue
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.substitution_ended(s.id, user_id),
                chat_id=user_id,
                text=t(
                    "substitutes.ended_notice",
                    absent=s.absent_name,
                    substitute=s.substitute_name,
                    group=t(f"working_groups.{s.working_group}"),
                ),
                locale=t.locale,
            ),
            now,
        )

"""Answering an invitation, /meetings, and the replies for the secretariat."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain.meetings import Answer
from bot.domain.members import Actor
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.services import meetings as service
from bot.storage.uow import UnitOfWork
from bot.ui import meetings as ui
from bot.ui.meetings import MeetingAct, MeetingReply

router = Router(name="meetings.replies")
private = F.chat.type == ChatType.PRIVATE

# Cards /meetings sends at most; more meetings than this at once is a planning problem.
MAX_LISTED = 10


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
    outcome = await service.reply(uow, actor, callback_data.meeting_id, answer, now)
    if outcome.refusal is not None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    label = t(f"meeting_answers.{answer.value}")
    key = "meetings.answer_changed" if outcome.changed else "meetings.answer_saved"
    await query.answer(t(key, answer=label))


@router.message(Command("meetings"), private)
async def list_meetings(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    listing = await service.list_meetings(uow, actor, now, MAX_LISTED)
    if listing.not_a_member:
        await message.answer(t("errors.members_only"))
        return
    if not listing.total:
        await message.answer(t("meetings.none"))
        return
    if listing.total > MAX_LISTED:
        await message.answer(t("meetings.more", count=listing.total, shown=MAX_LISTED))
    for listed in listing.shown:
        text, markup = ui.listed_card(
            t,
            listed,
            settings.zone,
            user_id=actor.user_id,
            working_group=actor.working_group,
            now=now,
        )
        await message.answer(text, reply_markup=markup)


@router.callback_query(MeetingAct.filter(F.action == "replies"))
async def show_replies(
    query: CallbackQuery,
    callback_data: MeetingAct,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
) -> None:
    outcome = await service.replies_of(uow, actor, callback_data.meeting_id)
    if outcome.refusal is not None or outcome.replies is None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    await query.answer()
    await callback_message(query).answer(ui.replies_card(t, outcome.replies, settings.zone))

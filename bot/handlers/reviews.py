"""Reviewing submissions: decisions and votes on cards, comments, the inbox, review rules,
the details/files/timeline/license views, withdrawal, and agencies' acknowledgements.

Return and Reject ask for a comment first (ReviewComment), typed as a reply to the prompt.
"""

from __future__ import annotations

import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message

from bot.config import Settings
from bot.domain import submissions as rules
from bot.domain.members import Actor, managed_groups
from bot.domain.submissions import (
    AcknowledgeResult,
    ApprovalEffect,
    Decision,
    Submission,
    SubmissionRefusal,
    Vote,
)
from bot.domain.text import InvalidInput
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import answer_long, callback_message, send_files
from bot.handlers.tasks import tell_assignees
from bot.i18n import Catalogs, Translator
from bot.services import submissions as service
from bot.services import tasks as task_service
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui
from bot.ui.submissions import CardPrinter, PackageAck, Review, SubmissionView, card_subject

router = Router(name="reviews")


class ReviewComment(StatesGroup):
    comment = State()


# --- decisions -----------------------------------------------------------------------------------


@router.callback_query(Review.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery,
    callback_data: Review,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.decide(
        uow, actor, callback_data.submission_id, callback_data.version, Decision.APPROVE, None, now
    )
    await _report(query, outcome, uow, catalogs, settings, t, now)


@router.callback_query(Review.filter(F.action.in_({"return", "reject"})))
async def ask_comment(
    query: CallbackQuery,
    callback_data: Review,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await uow.submissions.get(callback_data.submission_id)
    refusal = SubmissionRefusal.SUBMISSION_GONE if submission is None else None
    if submission is not None and (
        not submission.state.is_open or submission.version != callback_data.version
    ):
        refusal = SubmissionRefusal.ALREADY_DECIDED
    if refusal is None and submission is not None:
        refusal = rules.review_refusal(actor, submission.state, submission.cluster_group)
        if refusal is SubmissionRefusal.NOT_YOUR_STAGE:
            await uow.audit.record(
                actor.user_id,
                f"submission.{callback_data.action}",
                refusal,
                "submission",
                submission.id,
            )
    if refusal is not None:
        await query.answer(await ui.refusal_text(uow, t, refusal, submission), show_alert=True)
        return
    assert submission is not None
    await state.set_state(ReviewComment.comment)
    await state.update_data(
        submission_id=submission.id, version=submission.version, decision=callback_data.action
    )
    await query.answer()
    await callback_message(query).answer(
        t(f"reviews.ask_{callback_data.action}_comment", title=submission.title),
        reply_markup=ForceReply(selective=True),
    )


@router.message(ReviewComment.comment, F.text)
async def comment_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        comment = rules.clean_comment(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    data = await state.get_data()
    await state.clear()
    outcome = await service.decide(
        uow,
        actor,
        int(data["submission_id"]),
        int(data["version"]),
        Decision(data["decision"]),
        comment,
        now,
    )
    if not outcome.done:
        await message.answer(await ui.refusal_text(uow, t, outcome.result, outcome.submission))
        return
    await _announce(outcome, uow, catalogs, settings, now, comment)
    await message.answer(t(f"reviews.done_{outcome.result}"))


@router.callback_query(Review.filter(F.action.startswith("vote_")))
async def vote(
    query: CallbackQuery,
    callback_data: Review,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        choice = Vote(callback_data.action.removeprefix("vote_"))
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await service.vote(
        uow, actor, callback_data.submission_id, callback_data.version, choice, now
    )
    await _report(query, outcome, uow, catalogs, settings, t, now)


async def _report(
    query: CallbackQuery,
    outcome: service.Outcome,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """Answer the press, then queue what the outcome means for everyone else."""
    if not outcome.done:
        await query.answer(
            await ui.refusal_text(uow, t, outcome.result, outcome.submission), show_alert=True
        )
        return
    await query.answer(t(f"reviews.done_{outcome.result}"))
    await _announce(outcome, uow, catalogs, settings, now, None)


async def _announce(
    outcome: service.Outcome,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    now: datetime.datetime,
    comment: str | None,
) -> None:
    submission = outcome.submission
    assert submission is not None
    await CardPrinter(uow, catalogs, settings, now).announce(outcome, comment)
    if (
        outcome.result == rules.Outcome.APPROVED
        and submission.spec.on_approval is ApprovalEffect.INSTRUCT_AGENCIES
        and outcome.items
    ):
        # F12: each agency's part becomes a task for that agency's representatives.
        created = await task_service.tasks_from_package(uow, submission, outcome.items, now)
        for task in created:
            await tell_assignees(uow, catalogs, task, now)


# --- what is waiting, and how a group decides ----------------------------------------------------


@router.message(Command("inbox"))
async def inbox(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, now: datetime.datetime
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await message.answer(t("errors.secretaries_only"))
        return
    waiting = await service.inbox(uow, actor)
    if not waiting:
        await message.answer(t("inbox.none"))
        return
    text, markup = ui.inbox_view(t, waiting, now)
    await answer_long(message, text, reply_markup=markup)


@router.message(Command("rules"))
async def review_rules(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    words = (command.args or "").split()
    group = actor.working_group if actor.working_group in groups else None
    if words and words[0] in WORKING_GROUPS:
        group = words.pop(0)
    if group is None or group not in groups:
        await message.answer(t("rules.name_group"))
        return
    if words:
        try:
            rule = _parse_rule(words)
        except ValueError:
            await message.answer(t("rules.usage"))
            return
        await uow.submissions.set_rule(await uow.working_groups.id_of(group), rule)
        await uow.audit.record(
            actor.user_id,
            "rules.set",
            "done",
            details={
                "working_group": group,
                "mode": rule.mode.value,
                "quorum": rule.quorum,
                "deadline_days": rule.deadline_days,
            },
        )
    rule = await uow.submissions.rule_for(group)
    await message.answer(ui.rule_text(t, group, rule))


def _parse_rule(words: list[str]) -> rules.DecisionRule:
    mode = rules.RuleMode(words[0])
    if mode is rules.RuleMode.SECRETARY:
        if len(words) != 1:
            raise ValueError("no numbers for the secretary mode")
        return rules.DecisionRule(mode)
    if len(words) != 3 or not all(w.isdigit() for w in words[1:]):
        raise ValueError("vote needs quorum and days")
    return rules.DecisionRule(mode, int(words[1]), int(words[2]))


# --- views: card, details, files, timeline, license; withdrawal ----------------------------------


async def _followed(
    query: CallbackQuery, uow: UnitOfWork, actor: Actor, t: Translator, submission_id: int
) -> Submission | None:
    submission = await uow.submissions.get(submission_id)
    if submission is None or not service.can_follow(actor, submission):
        await query.answer(t("submission_refusals.not_yours_to_see"), show_alert=True)
        return None
    await query.answer()
    return submission


@router.callback_query(SubmissionView.filter(F.action == "card"))
async def show_card(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    text, markup = await CardPrinter(uow, catalogs, settings, now).card(t, submission)
    sent = await callback_message(query).answer(text, reply_markup=markup)
    # Remember this copy too, so the decision updates it like the others.
    await uow.cards.add(
        card_subject(submission.stage_index), submission.id, sent.chat.id, sent.message_id, t.locale
    )


@router.callback_query(SubmissionView.filter(F.action == "details"))
async def details(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    items = await uow.submissions.items(submission.id)
    await answer_long(callback_message(query), ui.details_text(t, submission, items))


@router.callback_query(SubmissionView.filter(F.action == "files"))
async def files(
    query: CallbackQuery,
    callback_data: SubmissionView,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    attachments = await uow.submissions.attachments(submission.id)
    if not attachments:
        await callback_message(query).answer(t("reviews.no_files"))
        return
    await send_files(
        bot, callback_message(query), t, [(a.file_id, a.file_name) for a in attachments]
    )


@router.callback_query(SubmissionView.filter(F.action == "timeline"))
async def timeline(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    events = await uow.submissions.events(submission.id)
    await answer_long(callback_message(query), ui.timeline_text(t, submission, events))


@router.callback_query(SubmissionView.filter(F.action == "license"))
async def show_license(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    license_ = await uow.submissions.license_of(submission.id)
    if license_ is None or submission.spec.on_approval is not ApprovalEffect.LICENSE_CLUSTER:
        await callback_message(query).answer(t("license.none"))
        return
    await callback_message(query).answer(ui.license_text(t, submission, license_))


@router.callback_query(SubmissionView.filter(F.action == "withdraw"))
async def withdraw(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.withdraw(uow, actor, callback_data.submission_id, now)
    if not outcome.done or outcome.submission is None:
        await query.answer(
            await ui.refusal_text(uow, t, outcome.result, outcome.submission), show_alert=True
        )
        return
    await query.answer(t("reviews.done_withdrawn"))
    await CardPrinter(uow, catalogs, settings, now).queue_card_updates(outcome.submission)


# --- agencies acknowledge their part of a support package ----------------------------------------


@router.callback_query(PackageAck.filter())
async def acknowledge(
    query: CallbackQuery,
    callback_data: PackageAck,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    result, item = await service.acknowledge(uow, actor, callback_data.item_id, now)
    if result is not AcknowledgeResult.ACKNOWLEDGED or item is None:
        await query.answer(t(f"package.{result}"), show_alert=True)
        return
    await query.answer(t("package.acknowledged"))
    message = callback_message(query)
    await message.edit_text(
        (message.html_text if message.text else "")
        + "\n\n"
        + t("package.acknowledged_by", name=actor.display_name, at=t.moment(now)),
        reply_markup=None,
    )


async def close_expired_votes(
    uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
) -> int:
    """Decide votes whose deadline passed with a majority, and tell everyone as a press would.

    Run periodically by the application (bot/app.py), not by an update.
    """
    outcomes = await service.close_expired_votes(uow, now)
    for outcome in outcomes:
        await _announce(outcome, uow, catalogs, settings, now, None)
    return len([o for o in outcomes if o.done])

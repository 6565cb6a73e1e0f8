"""/inbox, what waits for a decision by the groups a person runs, and /rules, how a group
decides: its secretary alone or a vote of its members.
"""

from __future__ import annotations

import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain import submissions as rules
from bot.domain.members import Actor, managed_groups
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import answer_long
from bot.i18n import Translator
from bot.services import submissions as service
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui

router = Router(name="reviews.rules")


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

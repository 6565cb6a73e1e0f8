"""Service functions for membership: apply, decide, edit a profile, appoint roles.

Each takes plain values and an open unit of work and returns plain values; the caller (a
handler, through middleware) owns the transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from bot.domain.members import (
    Actor,
    Decision,
    Member,
    MemberStatus,
    Role,
    acting_for,
    can_appoint,
    decision_refusal,
    review_recipients,
)
from bot.storage.repositories import Application
from bot.storage.uow import UnitOfWork


class AlreadyMember(Exception):
    pass


@dataclass(frozen=True)
class Submitted:
    member: Member
    # Where the review card goes: (chat id, reader's locale or None for the default).
    review_chats: list[tuple[int, str | None]]


@dataclass(frozen=True)
class DecisionOutcome:
    # "decided", or why not: "already_decided", "not_your_group", "application_gone".
    result: str
    applicant: Member | None


async def submit_application(
    uow: UnitOfWork,
    *,
    user_id: int,
    username: str | None,
    application: Application,
    superusers: frozenset[int],
    now: datetime.datetime,
) -> Submitted:
    existing = await uow.members.by_user(user_id)
    if existing is not None and existing.status is MemberStatus.APPROVED:
        raise AlreadyMember
    group_id = await uow.working_groups.id_of(application.working_group)
    member = await uow.members.save_application(user_id, username, application, group_id, now)
    await uow.audit.record(user_id, "registration.apply", "submitted", "member", member.id, at=now)
    return Submitted(member, await review_chats(uow, application.working_group, superusers))


async def review_chats(
    uow: UnitOfWork, working_group: str, superusers: frozenset[int]
) -> list[tuple[int, str | None]]:
    """The group's linked chat (in the default language) and its reviewers privately."""
    group_chat = await uow.working_groups.chat_of(working_group)
    secretaries = await uow.members.with_role(working_group, Role.SECRETARY)
    locales: dict[int, str | None] = {s.user_id: s.locale for s in secretaries}
    chats: list[tuple[int, str | None]] = [(group_chat, None)] if group_chat is not None else []
    for user_id in review_recipients(list(locales), superusers, group_chat):
        if user_id not in locales:  # a superuser standing in; may or may not be a member
            superuser = await uow.members.by_user(user_id)
            locales[user_id] = superuser.locale if superuser else None
        chats.append((user_id, locales[user_id]))
    return chats


async def decide_application(
    uow: UnitOfWork,
    *,
    actor: Actor,
    member_id: int,
    decision: Decision,
    reason: str | None,
    now: datetime.datetime,
) -> DecisionOutcome:
    applicant = await uow.members.get(member_id)
    refusal = decision_refusal(actor, applicant)
    # A substitute decides in the absent secretary's name as well as their own.
    proxy = acting_for(actor, applicant.working_group) if applicant is not None else None
    if refusal is None and not await uow.members.decide(
        member_id,
        decision,
        actor.user_id,
        actor.display_name,
        reason,
        now,
        on_behalf_of_name=proxy.for_name if proxy else None,
    ):
        refusal = "already_decided"
    outcome = refusal or "decided"
    if refusal != "already_decided":
        # A refused attempt by someone without the role is evidence worth keeping.
        details: dict[str, object] = {"reason": reason} if reason else {}
        if proxy is not None and refusal is None:
            details["on_behalf_of"] = proxy.for_user_id
        await uow.audit.record(
            actor.user_id,
            f"registration.{decision.value}",
            outcome,
            "member",
            member_id,
            details or None,
            at=now,
        )
    return DecisionOutcome(result=outcome, applicant=await uow.members.get(member_id))


async def check_decision(uow: UnitOfWork, actor: Actor, member_id: int) -> DecisionOutcome:
    """Before asking a reviewer for a rejection reason: may they decide at all?"""
    applicant = await uow.members.get(member_id)
    refusal = decision_refusal(actor, applicant)
    if refusal == "not_your_group":
        await uow.audit.record(actor.user_id, "registration.reject", refusal, "member", member_id)
    return DecisionOutcome(result=refusal or "allowed", applicant=applicant)


async def appoint(uow: UnitOfWork, *, actor: Actor, member_id: int, role: Role) -> DecisionOutcome:
    member = await uow.members.get(member_id)
    if not can_appoint(actor):
        await uow.audit.record(actor.user_id, "member.appoint", "not_allowed", "member", member_id)
        return DecisionOutcome("not_allowed", member)
    if member is None or member.status is not MemberStatus.APPROVED:
        return DecisionOutcome("not_a_member", member)
    await uow.members.set_role(member_id, role)
    await uow.audit.record(
        actor.user_id, "member.appoint", "done", "member", member_id, {"role": role.value}
    )
    return DecisionOutcome("done", await uow.members.get(member_id))


async def update_profile(uow: UnitOfWork, member: Member, **fields: str | None) -> Member:
    allowed = {"full_name", "agency_code", "agency_other", "phone", "locale"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    await uow.members.update_fields(member.id, **fields)
    updated = await uow.members.get(member.id)
    assert updated is not None
    return updated

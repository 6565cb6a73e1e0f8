"""Service functions for membership: apply, decide, edit a profile, appoint roles.

Each takes plain values and an open unit of work and returns plain values; the caller (a
handler, through middleware) owns the transaction.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from bot.domain.members import (
    INVITE_PREFIX,
    Actor,
    Decision,
    Member,
    MemberStatus,
    Role,
    acting_for,
    agency_change_refusal,
    can_appoint,
    can_manage_group,
    decision_refusal,
    invitation_refusal,
    is_invite_code,
    review_recipients,
)
from bot.storage.repositories import AgencyChange, Application, Invitation
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
    invitation_id: int | None = None,
) -> Submitted:
    existing = await uow.members.by_user(user_id)
    if existing is not None and existing.status is MemberStatus.APPROVED:
        raise AlreadyMember
    group_id = await uow.working_groups.id_of(application.working_group)
    member = await uow.members.save_application(user_id, username, application, group_id, now)
    if invitation_id is not None:
        await uow.invitations.count_use(invitation_id)
    await uow.audit.record(user_id, "registration.apply", "submitted", "member", member.id, at=now)
    return Submitted(member, await review_chats(uow, application.working_group, superusers))


async def review_chats(
    uow: UnitOfWork,
    working_group: str,
    superusers: frozenset[int],
    *,
    not_to: int | None = None,
) -> list[tuple[int, str | None]]:
    """The group's linked chat (in the default language) and its reviewers privately; `not_to`:
    who made the request, never its reviewer (see `review_recipients`)."""
    group_chat = await uow.working_groups.chat_of(working_group)
    secretaries = await uow.members.with_role(working_group, Role.SECRETARY)
    locales: dict[int, str | None] = {s.user_id: s.locale for s in secretaries}
    chats: list[tuple[int, str | None]] = [(group_chat, None)] if group_chat is not None else []
    for user_id in review_recipients(list(locales), superusers, group_chat, requester=not_to):
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


# --- applications nobody could see yet ---------------------------------------------------------


async def waiting_for(uow: UnitOfWork, actor: Actor, card_subject: str) -> list[Member]:
    """Pending applications that reached nobody and that this actor may decide on."""
    waiting = await uow.members.pending_without_card(card_subject)
    return [m for m in waiting if can_manage_group(actor, m.working_group)]


async def waiting_agency_changes(
    uow: UnitOfWork, actor: Actor, card_subject: str
) -> list[tuple[Member, AgencyChange]]:
    """Changes of agency whose card reached nobody and that this actor may decide on."""
    waiting: list[tuple[Member, AgencyChange]] = []
    # Few at any time (one per member at most, and only while nobody can see them).
    for change in await uow.agency_changes.pending_without_card(card_subject):
        member = await uow.members.get(change.member_id)
        if member is not None and agency_change_refusal(actor, member, True) is None:
            waiting.append((member, change))
    return waiting


# --- invitation links ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationOutcome:
    # "done", or why not: "secretaries_only", "working_group_unknown", "unknown", "revoked".
    result: str
    invitation: Invitation | None = None


async def create_invitation(
    uow: UnitOfWork, *, actor: Actor, working_group: str, now: datetime.datetime
) -> InvitationOutcome:
    refusal = invitation_refusal(actor, working_group)
    if refusal is not None:
        await uow.audit.record(actor.user_id, "invitation.create", refusal, at=now)
        return InvitationOutcome(refusal)
    # token_urlsafe keeps to the characters a start parameter allows.
    code = INVITE_PREFIX + secrets.token_urlsafe(12)
    group_id = await uow.working_groups.id_of(working_group)
    invitation = await uow.invitations.create(
        code, group_id, actor.user_id, actor.display_name, now
    )
    await uow.audit.record(
        actor.user_id, "invitation.create", "done", "invitation", invitation.id, at=now
    )
    return InvitationOutcome("done", invitation)


async def revoke_invitation(
    uow: UnitOfWork, *, actor: Actor, invitation_id: int, now: datetime.datetime
) -> InvitationOutcome:
    invitation = await uow.invitations.get(invitation_id)
    if invitation is None:
        return InvitationOutcome("unknown")
    refusal = invitation_refusal(actor, invitation.working_group)
    if refusal is None and not await uow.invitations.revoke(invitation_id, actor.user_id, now):
        refusal = "revoked"
    outcome = refusal or "done"
    await uow.audit.record(
        actor.user_id, "invitation.revoke", outcome, "invitation", invitation_id, at=now
    )
    return InvitationOutcome(outcome, await uow.invitations.get(invitation_id))


async def open_invitation(uow: UnitOfWork, start_parameter: str) -> InvitationOutcome:
    """What a /start with this parameter leads to: a group to register into, or a refusal."""
    invitation = (
        await uow.invitations.by_code(start_parameter) if is_invite_code(start_parameter) else None
    )
    if invitation is None:
        return InvitationOutcome("unknown")
    if not invitation.is_active:
        return InvitationOutcome("revoked", invitation)
    return InvitationOutcome("done", invitation)


# --- a member's change of agency -------------------------------------------------------------


@dataclass(frozen=True)
class AgencyChangeOutcome:
    # "requested", "decided", or why not: "already_decided", "not_your_group", "application_gone",
    # "own_change".
    result: str
    change: AgencyChange | None
    member: Member | None
    review_chats: list[tuple[int, str | None]]
    # Earlier requests still waiting, which the new one replaced (their cards need redrawing).
    superseded: tuple[AgencyChange, ...] = ()


async def request_agency_change(
    uow: UnitOfWork,
    *,
    member: Member,
    agency_code: str,
    agency_other: str | None,
    superusers: frozenset[int],
    now: datetime.datetime,
) -> AgencyChangeOutcome:
    earlier = await uow.agency_changes.all_pending_for(member.id)
    change = await uow.agency_changes.request(member, agency_code, agency_other, now)
    await uow.audit.record(
        member.user_id, "agency_change.request", "submitted", "agency_change", change.id, at=now
    )
    chats = await review_chats(uow, member.working_group, superusers, not_to=member.user_id)
    superseded = [await uow.agency_changes.get(c.id) for c in earlier]
    return AgencyChangeOutcome(
        "requested", change, member, chats, tuple(c for c in superseded if c is not None)
    )


async def decide_agency_change(
    uow: UnitOfWork,
    *,
    actor: Actor,
    change_id: int,
    decision: Decision,
    now: datetime.datetime,
) -> AgencyChangeOutcome:
    change = await uow.agency_changes.get(change_id)
    member = await uow.members.get(change.member_id) if change is not None else None
    still_pending = change is not None and change.status is MemberStatus.PENDING
    refusal = agency_change_refusal(actor, member, still_pending)
    if refusal is None and not await uow.agency_changes.decide(
        change_id, decision, actor.user_id, actor.display_name, now
    ):
        refusal = "already_decided"
    if refusal is None and decision is Decision.APPROVE:
        assert change is not None and member is not None
        await uow.members.update_fields(
            member.id, agency_code=change.agency_code, agency_other=change.agency_other
        )
    if refusal != "already_decided":
        await uow.audit.record(
            actor.user_id,
            f"agency_change.{decision.value}",
            refusal or "decided",
            "agency_change",
            change_id,
            at=now,
        )
    fresh = await uow.agency_changes.get(change_id)
    member = await uow.members.get(fresh.member_id) if fresh is not None else None
    return AgencyChangeOutcome(refusal or "decided", fresh, member, [])

"""Substitutes: name one for an absent secretary or chair, list them, end one early.

Routing needs nothing here: `uow.members.with_role` and the actor's acting roles follow the
substitutions of the day, so cards, reminders and escalations reach the substitute.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from bot.domain import substitutes as rules
from bot.domain.members import (
    OFFICER_ROLES,
    Actor,
    Member,
    MemberStatus,
    managed_groups,
)
from bot.domain.substitutes import Substitution, SubstitutionRefusal
from bot.domain.working_groups import CENTRAL, WORKING_GROUPS
from bot.storage.uow import UnitOfWork

# A keyboard of candidates stays readable; a larger central group is narrowed by name first.
MAX_CANDIDATES = 40


@dataclass(frozen=True)
class Outcome:
    # "named", "ended", or why not (a SubstitutionRefusal).
    result: str
    substitution: Substitution | None = None


def groups_to_manage(actor: Actor) -> tuple[str, ...]:
    return managed_groups(actor, WORKING_GROUPS)


async def officers(uow: UnitOfWork, actor: Actor, working_group: str) -> list[Member]:
    """The secretaries and chairs of this group, themselves (not who stands in for them)."""
    if working_group not in groups_to_manage(actor):
        return []
    people: list[Member] = []
    for role in OFFICER_ROLES:
        people += await uow.members.with_role(working_group, role, in_person=True)
    return people


async def candidates(uow: UnitOfWork, absent: Member) -> list[Member]:
    """Who may stand in: approved members of the absent person's group, then of the central
    group, the absent person left out."""
    groups = dict.fromkeys((absent.working_group, CENTRAL))
    people: list[Member] = []
    for group in groups:
        people += await uow.members.in_group(group, MemberStatus.APPROVED)
    return [m for m in people if m.id != absent.id][:MAX_CANDIDATES]


async def name_substitute(
    uow: UnitOfWork,
    actor: Actor,
    *,
    absent_member_id: int,
    substitute_member_id: int,
    first_day: datetime.date,
    last_day: datetime.date,
    now: datetime.datetime,
) -> Outcome:
    absent = await uow.members.get(absent_member_id)
    substitute = await uow.members.get(substitute_member_id)
    people = tuple(m.id for m in (absent, substitute) if m is not None)
    existing = await uow.substitutes.absences_of(people, first_day) if people else []
    refusal = rules.naming_refusal(
        actor, absent, substitute, first_day, last_day, uow.today(), existing
    )
    if refusal is not None:
        if refusal is SubstitutionRefusal.NOT_YOUR_GROUP:
            await uow.audit.record(
                actor.user_id, "substitute.name", refusal, "member", absent_member_id, at=now
            )
        return Outcome(refusal)
    substitution = await uow.substitutes.add(
        absent_member_id=absent_member_id,
        substitute_member_id=substitute_member_id,
        first_day=first_day,
        last_day=last_day,
        named_by_user_id=actor.user_id,
        named_by_name=actor.display_name,
        now=now,
    )
    await uow.audit.record(
        actor.user_id,
        "substitute.name",
        "named",
        "substitution",
        substitution.id,
        {
            "absent": substitution.absent_user_id,
            "substitute": substitution.substitute_user_id,
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
        },
        at=now,
    )
    return Outcome("named", substitution)


async def end_substitution(
    uow: UnitOfWork, actor: Actor, substitution_id: int, now: datetime.datetime
) -> Outcome:
    substitution = await uow.substitutes.get(substitution_id)
    refusal = rules.ending_refusal(actor, substitution, uow.today())
    if refusal is None and not await uow.substitutes.end(substitution_id, actor.user_id, now):
        refusal = SubstitutionRefusal.ALREADY_OVER
    if refusal is not None:
        if refusal is SubstitutionRefusal.NOT_ALLOWED:
            await uow.audit.record(
                actor.user_id, "substitute.end", refusal, "substitution", substitution_id, at=now
            )
        return Outcome(refusal, substitution)
    await uow.audit.record(
        actor.user_id, "substitute.end", "ended", "substitution", substitution_id, at=now
    )
    return Outcome("ended", await uow.substitutes.get(substitution_id))


async def listing(uow: UnitOfWork, actor: Actor) -> list[Substitution]:
    """Substitutions in force or still to come that this person may see: their groups', and
    those they are part of."""
    found = await uow.substitutes.current_and_coming(
        groups_to_manage(actor), actor.user_id, uow.today()
    )
    return [s for s in found if rules.may_see(actor, s)]

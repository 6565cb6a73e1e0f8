"""Substitutes: while a secretary or chair is away (leave, a mission), someone stands in.

During the substitution's Jalali days the substitute holds the absent person's role in that
working group (bot/domain/members.py `Actor.acting`), and whatever would have gone to the
absent person (cards, reminders, escalations) goes to the substitute instead; decisions they
take record whom they acted for. Plain rules here; storage and routing elsewhere.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from bot.domain.members import OFFICER_ROLES, Actor, Member, MemberStatus, can_manage_group
from bot.domain.working_groups import CENTRAL

# A substitution covers an absence, not a hand-over: longer than this is a new appointment.
MAX_DAYS = 186


class SubstitutionRefusal(enum.StrEnum):
    NOT_YOUR_GROUP = "not_your_group"
    ABSENT_NOT_OFFICER = "absent_not_officer"
    SUBSTITUTE_NOT_ELIGIBLE = "substitute_not_eligible"
    SAME_PERSON = "same_person"
    RANGE_REVERSED = "range_reversed"
    RANGE_IN_PAST = "range_in_past"
    RANGE_TOO_LONG = "range_too_long"
    OVERLAP = "overlap"
    SUBSTITUTE_AWAY = "substitute_away"
    # Ending one early.
    GONE = "gone"
    ALREADY_OVER = "already_over"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Substitution:
    id: int
    working_group: str
    absent_member_id: int
    absent_user_id: int
    absent_name: str
    absent_locale: str
    substitute_member_id: int
    substitute_user_id: int
    substitute_name: str
    substitute_locale: str
    first_day: datetime.date
    last_day: datetime.date
    named_by_user_id: int
    named_by_name: str
    named_at: datetime.datetime
    ended_at: datetime.datetime | None = None

    def covers(self, day: datetime.date) -> bool:
        return self.ended_at is None and self.first_day <= day <= self.last_day

    def overlaps(self, first: datetime.date, last: datetime.date) -> bool:
        return self.ended_at is None and self.first_day <= last and first <= self.last_day

    def is_over(self, today: datetime.date) -> bool:
        return self.ended_at is not None or self.last_day < today


def is_officer(member: Member | None, working_group: str | None = None) -> bool:
    """An approved secretary or chair: the people whose work must not stall."""
    return (
        member is not None
        and member.status is MemberStatus.APPROVED
        and member.role in OFFICER_ROLES
        and (working_group is None or member.working_group == working_group)
    )


def may_substitute(candidate: Member | None, working_group: str) -> bool:
    """An approved member of the same group, or of the central group that oversees it."""
    return (
        candidate is not None
        and candidate.status is MemberStatus.APPROVED
        and candidate.working_group in (working_group, CENTRAL)
    )


def naming_refusal(
    actor: Actor,
    absent: Member | None,
    substitute: Member | None,
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
    existing: list[Substitution],
) -> SubstitutionRefusal | None:
    """Why this substitution may not be named, or None if it may.

    `existing` holds the substitutions (not ended) of the absent person and of the substitute,
    as absent people: one absence has one substitute at a time, and nobody stands in for
    someone while away themselves.
    """
    if absent is None or not is_officer(absent):
        return SubstitutionRefusal.ABSENT_NOT_OFFICER
    group = absent.working_group
    if not can_manage_group(actor, group):
        return SubstitutionRefusal.NOT_YOUR_GROUP
    if substitute is not None and substitute.id == absent.id:
        return SubstitutionRefusal.SAME_PERSON
    if not may_substitute(substitute, group):
        return SubstitutionRefusal.SUBSTITUTE_NOT_ELIGIBLE
    assert substitute is not None
    range_refusal = check_range(first, last, today)
    if range_refusal is not None:
        return range_refusal
    for other in existing:
        if not other.overlaps(first, last):
            continue
        if other.absent_member_id == absent.id:
            return SubstitutionRefusal.OVERLAP
        if other.absent_member_id == substitute.id:
            return SubstitutionRefusal.SUBSTITUTE_AWAY
    return None


def check_range(
    first: datetime.date, last: datetime.date, today: datetime.date
) -> SubstitutionRefusal | None:
    if last < first:
        return SubstitutionRefusal.RANGE_REVERSED
    # Naming a substitute for days gone by would rewrite who was responsible then.
    if first < today:
        return SubstitutionRefusal.RANGE_IN_PAST
    if (last - first).days + 1 > MAX_DAYS:
        return SubstitutionRefusal.RANGE_TOO_LONG
    return None


def ending_refusal(
    actor: Actor, substitution: Substitution | None, today: datetime.date
) -> SubstitutionRefusal | None:
    """The group's secretariat, or the absent person back early, may end a substitution."""
    if substitution is None:
        return SubstitutionRefusal.GONE
    is_absent_person = actor.user_id == substitution.absent_user_id
    if not (is_absent_person or can_manage_group(actor, substitution.working_group)):
        return SubstitutionRefusal.NOT_ALLOWED
    if substitution.is_over(today):
        return SubstitutionRefusal.ALREADY_OVER
    return None


def may_see(actor: Actor, substitution: Substitution) -> bool:
    return actor.user_id in (
        substitution.absent_user_id,
        substitution.substitute_user_id,
    ) or can_manage_group(actor, substitution.working_group)

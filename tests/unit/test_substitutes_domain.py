"""Who may name whom as a substitute, for which days, and what a substitute may then do."""

from __future__ import annotations

import datetime

from bot.domain.members import (
    ActingRole,
    Actor,
    Member,
    MemberStatus,
    Role,
    acting_for,
    can_manage_group,
    help_topics,
)
from bot.domain.substitutes import (
    MAX_DAYS,
    Substitution,
    SubstitutionRefusal,
    ending_refusal,
    naming_refusal,
)

TODAY = datetime.date(2026, 11, 23)
_ids = iter(range(1, 1000))


def member(
    group: str = "tehran",
    role: Role = Role.MEMBER,
    status: MemberStatus = MemberStatus.APPROVED,
    name: str = "x",
) -> Member:
    number = next(_ids)
    return Member(
        id=number, user_id=1000 + number, full_name=name, agency_code="tpo", agency_other=None,
        working_group=group, phone=None, locale="fa", role=role, status=status,
        applied_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )  # fmt: skip


def actor_of(person: Member, *acting: ActingRole, superuser: bool = False) -> Actor:
    return Actor(person.user_id, person.full_name, person, superuser, acting)


def days(first: int, last: int) -> tuple[datetime.date, datetime.date]:
    return TODAY + datetime.timedelta(days=first), TODAY + datetime.timedelta(days=last)


def substitution(absent: Member, substitute: Member, first: int, last: int) -> Substitution:
    start, end = days(first, last)
    return Substitution(
        id=next(_ids), working_group=absent.working_group, absent_member_id=absent.id,
        absent_user_id=absent.user_id, absent_name=absent.full_name, absent_locale="fa",
        substitute_member_id=substitute.id, substitute_user_id=substitute.user_id,
        substitute_name=substitute.full_name, substitute_locale="fa", first_day=start,
        last_day=end, named_by_user_id=absent.user_id, named_by_name=absent.full_name,
        named_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )  # fmt: skip


def refusal(
    by: Member, absent: Member, substitute: Member, first: int = 0, last: int = 5, *taken
) -> SubstitutionRefusal | None:
    start, end = days(first, last)
    return naming_refusal(actor_of(by), absent, substitute, start, end, TODAY, list(taken))


def test_a_secretary_names_a_member_of_her_group_or_of_the_centre_for_herself_or_her_chair() -> (
    None
):
    secretary = member(role=Role.SECRETARY)
    chair = member(role=Role.CHAIR)
    assert refusal(secretary, secretary, member()) is None
    assert refusal(secretary, chair, member("central")) is None
    assert refusal(chair, secretary, member()) is None


def test_only_the_groups_own_secretariat_names_and_only_for_its_officers() -> None:
    secretary = member(role=Role.SECRETARY)
    assert refusal(member(), secretary, member()) is SubstitutionRefusal.NOT_YOUR_GROUP
    fars = member("fars", role=Role.SECRETARY)
    assert refusal(fars, secretary, member()) is SubstitutionRefusal.NOT_YOUR_GROUP
    assert refusal(secretary, member(), member()) is SubstitutionRefusal.ABSENT_NOT_OFFICER
    demoted = member(role=Role.SECRETARY, status=MemberStatus.REJECTED)
    assert refusal(secretary, demoted, member()) is SubstitutionRefusal.ABSENT_NOT_OFFICER


def test_the_substitute_is_an_approved_member_of_the_same_group_or_the_centre() -> None:
    secretary = member(role=Role.SECRETARY)
    not_eligible = SubstitutionRefusal.SUBSTITUTE_NOT_ELIGIBLE
    assert refusal(secretary, secretary, member("fars")) is not_eligible
    assert refusal(secretary, secretary, member(status=MemberStatus.PENDING)) is not_eligible
    assert refusal(secretary, secretary, secretary) is SubstitutionRefusal.SAME_PERSON


def test_a_range_in_the_past_reversed_or_too_long_is_refused() -> None:
    secretary = member(role=Role.SECRETARY)
    other = member()
    assert refusal(secretary, secretary, other, -1, 3) is SubstitutionRefusal.RANGE_IN_PAST
    assert refusal(secretary, secretary, other, 4, 3) is SubstitutionRefusal.RANGE_REVERSED
    assert refusal(secretary, secretary, other, 0, MAX_DAYS - 1) is None
    assert refusal(secretary, secretary, other, 0, MAX_DAYS) is SubstitutionRefusal.RANGE_TOO_LONG


def test_overlapping_absences_are_refused_and_adjacent_ones_are_not() -> None:
    secretary = member(role=Role.SECRETARY)
    chair = member(role=Role.CHAIR)
    leila, ali = member(), member()
    taken = substitution(secretary, leila, 2, 6)
    assert refusal(secretary, secretary, ali, 6, 9, taken) is SubstitutionRefusal.OVERLAP
    assert refusal(secretary, secretary, ali, 0, 2, taken) is SubstitutionRefusal.OVERLAP
    assert refusal(secretary, secretary, ali, 7, 9, taken) is None
    # The chair cannot stand in for the secretary on days the chair is away too
    chair_away = substitution(chair, ali, 4, 8)
    assert refusal(secretary, secretary, chair, 7, 9, chair_away) is (
        SubstitutionRefusal.SUBSTITUTE_AWAY
    )


def test_a_substitute_manages_the_group_and_acts_on_behalf_of_the_absent_officer() -> None:
    secretary = member(role=Role.SECRETARY, name="سارا")
    leila = member("central", name="لیلا")
    standing_in = ActingRole("tehran", Role.SECRETARY, secretary.user_id, "سارا")
    substitute = actor_of(leila, standing_in)
    assert can_manage_group(substitute, "tehran")
    assert not can_manage_group(actor_of(leila), "tehran")
    assert not can_manage_group(substitute, "fars")
    assert acting_for(substitute, "tehran") == standing_in
    # In her own right the secretary acts for nobody, nor does a superuser
    assert acting_for(actor_of(secretary), "tehran") is None
    assert acting_for(actor_of(leila, standing_in, superuser=True), "tehran") is None
    assert "secretary" in help_topics(substitute)
    # A substitute who is no longer an approved member holds nothing
    gone = member(status=MemberStatus.REJECTED)
    assert not can_manage_group(actor_of(gone, standing_in), "tehran")


def test_the_secretariat_or_the_absent_person_back_early_ends_a_substitution() -> None:
    secretary = member(role=Role.SECRETARY)
    leila = member()
    current = substitution(secretary, leila, 0, 5)
    assert ending_refusal(actor_of(secretary), current, TODAY) is None
    assert ending_refusal(actor_of(leila), current, TODAY) is SubstitutionRefusal.NOT_ALLOWED
    assert ending_refusal(actor_of(secretary), None, TODAY) is SubstitutionRefusal.GONE
    past = substitution(secretary, leila, -5, -1)
    assert ending_refusal(actor_of(secretary), past, TODAY) is SubstitutionRefusal.ALREADY_OVER
    assert current.covers(TODAY) and not past.covers(TODAY)

"""Who may do what, and what people may type while registering: the domain rules alone."""

from __future__ import annotations

import datetime

import pytest

from bot.domain.agencies import AGENCIES
from bot.domain.members import (
    Actor,
    InvalidInput,
    Member,
    MemberStatus,
    Role,
    agency_needs_name,
    can_appoint,
    can_manage_group,
    can_view_group,
    check_agency,
    check_working_group,
    clean_agency_name,
    clean_full_name,
    clean_phone,
    clean_reason,
    decision_refusal,
    help_topics,
    managed_groups,
    review_recipients,
)
from bot.domain.working_groups import CENTRAL, PROVINCES, WORKING_GROUPS

ZWNJ = "\u200c"
APPLIED = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)


def a_member(
    working_group: str = "tehran",
    *,
    role: Role = Role.MEMBER,
    status: MemberStatus = MemberStatus.APPROVED,
    user_id: int = 3001,
    member_id: int = 1,
) -> Member:
    return Member(
        id=member_id,
        user_id=user_id,
        full_name="علی کریمی",
        agency_code="tpo",
        agency_other=None,
        working_group=working_group,
        phone=None,
        locale="fa",
        role=role,
        status=status,
        applied_at=APPLIED,
    )


def someone(member: Member | None = None, *, superuser: bool = False) -> Actor:
    user_id = member.user_id if member else 9999
    return Actor(user_id=user_id, display_name="Someone", member=member, is_superuser=superuser)


VISITOR = someone()
SUPERUSER = someone(superuser=True)


def secretary_of(working_group: str, status: MemberStatus = MemberStatus.APPROVED) -> Actor:
    return someone(a_member(working_group, role=Role.SECRETARY, status=status, user_id=2001))


def refusal_reason(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.reason


# --- the name an applicant types -------------------------------------------------------------


def test_a_persian_name_with_a_zwnj_is_kept_as_typed() -> None:
    name = f"زهرا ایزدی{ZWNJ}نیا"
    assert clean_full_name(name) == name


def test_a_name_typed_on_an_arabic_keyboard_is_stored_with_persian_letters() -> None:
    assert clean_full_name("علي كريمي") == "علی کریمی"


def test_stray_spaces_around_and_inside_a_name_are_tidied() -> None:
    assert clean_full_name("  علی    کریمی \n") == "علی کریمی"


def test_a_latin_name_is_accepted() -> None:
    assert clean_full_name("John Smith") == "John Smith"


@pytest.mark.parametrize("typed", ["ع", "A.", "  ", "", "- -"])
def test_a_name_of_fewer_than_three_letters_is_refused_as_too_short(typed: str) -> None:
    assert refusal_reason(lambda: clean_full_name(typed)) == "name_too_short"


@pytest.mark.parametrize("typed", ["علی کریمی 2", "Ali Karimi 1990", "علی ۱۳۶۹", "علي ٣"])
def test_a_name_with_digits_in_any_script_is_refused(typed: str) -> None:
    assert refusal_reason(lambda: clean_full_name(typed)) == "name_has_digits"


def test_a_command_sent_instead_of_a_name_is_recognised_as_a_command() -> None:
    assert refusal_reason(lambda: clean_full_name("/start")) == "name_is_command"
    assert refusal_reason(lambda: clean_full_name("  /help")) == "name_is_command"


def test_a_name_longer_than_a_hundred_characters_is_refused() -> None:
    assert refusal_reason(lambda: clean_full_name("ا" * 101)) == "name_too_long"
    assert clean_full_name("ا" * 100) == "ا" * 100


# --- the agency an applicant types when it is not on the list --------------------------------


def test_an_agency_name_is_normalised_like_a_person_name() -> None:
    assert clean_agency_name(f"  شرکت  شهرک{ZWNJ}هاي صنعتي ") == f"شرکت شهرک{ZWNJ}های صنعتی"


def test_an_agency_name_may_contain_digits() -> None:
    assert clean_agency_name("منطقه ۲ شهرداری") == "منطقه ۲ شهرداری"


def test_an_agency_name_of_one_letter_is_refused() -> None:
    assert refusal_reason(lambda: clean_agency_name("ب")) == "agency_too_short"
    assert refusal_reason(lambda: clean_agency_name("123")) == "agency_too_short"


def test_a_command_sent_instead_of_an_agency_name_is_recognised() -> None:
    assert refusal_reason(lambda: clean_agency_name("/cancel")) == "agency_is_command"


def test_an_agency_name_longer_than_120_characters_is_refused() -> None:
    assert refusal_reason(lambda: clean_agency_name("ب" * 121)) == "agency_too_long"


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09121234567", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
        ("٠٩١٢١٢٣٤٥٦٧", "+989121234567"),
        ("00989121234567", "+989121234567"),
        ("989121234567", "+989121234567"),
        ("9121234567", "+989121234567"),
        ("+989121234567", "+989121234567"),
        ("0912 123 4567", "+989121234567"),
        ("0912-123-45-67", "+989121234567"),
        ("+98 (912) 123-4567", "+989121234567"),
        ("  ۰۹۱۲ ۱۲۳ ۴۵۶۷  ", "+989121234567"),
    ],
)
def test_a_typed_local_mobile_number_is_stored_in_international_form(
    typed: str, stored: str
) -> None:
    assert clean_phone(typed) == stored


def test_a_foreign_number_in_international_form_is_accepted() -> None:
    assert clean_phone("+4915112345678") == "+4915112345678"
    assert clean_phone("0049 151 12345678") == "+4915112345678"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abc",
        "شماره ندارم",
        "0912123",
        "+98912abc4567",
        "++989121234567",
        "+98912123456789012",
        "0912123456",
    ],
)
def test_something_that_is_not_a_phone_number_is_refused(typed: str) -> None:
    assert refusal_reason(lambda: clean_phone(typed)) == "phone_invalid"


# --- choices made with buttons (which a forged callback may fake) ---------------------------


@pytest.mark.parametrize("code", [*AGENCIES, "other"])
def test_every_listed_agency_and_other_can_be_chosen(code: str) -> None:
    assert check_agency(code) == code


@pytest.mark.parametrize("code", ["nasa", "", "OTHER", "tpo "])
def test_an_agency_code_that_is_not_on_the_list_is_refused(code: str) -> None:
    assert refusal_reason(lambda: check_agency(code)) == "agency_unknown"


def test_only_other_asks_for_the_agency_name() -> None:
    assert agency_needs_name("other")
    assert not any(agency_needs_name(code) for code in AGENCIES)


@pytest.mark.parametrize("code", WORKING_GROUPS)
def test_the_central_group_and_every_province_can_be_chosen(code: str) -> None:
    assert check_working_group(code) == code


@pytest.mark.parametrize("code", ["paris", "", "Tehran", "central "])
def test_a_working_group_code_that_is_not_on_the_list_is_refused(code: str) -> None:
    assert refusal_reason(lambda: check_working_group(code)) == "working_group_unknown"


def test_there_is_a_central_group_and_thirty_one_provinces() -> None:
    assert WORKING_GROUPS[0] == CENTRAL
    assert len(PROVINCES) == len(set(PROVINCES)) == 31


# --- managing a working group ----------------------------------------------------------------


def test_a_secretary_manages_their_own_group() -> None:
    assert can_manage_group(secretary_of("tehran"), "tehran")


def test_a_secretary_does_not_manage_another_province() -> None:
    assert not can_manage_group(secretary_of("tehran"), "fars")


def test_a_secretary_of_a_province_does_not_manage_the_central_group() -> None:
    assert not can_manage_group(secretary_of("tehran"), CENTRAL)


@pytest.mark.parametrize("status", [MemberStatus.PENDING, MemberStatus.REJECTED])
def test_a_secretary_role_counts_for_nothing_until_the_membership_is_approved(
    status: MemberStatus,
) -> None:
    assert not can_manage_group(secretary_of("tehran", status), "tehran")


def test_a_plain_member_does_not_manage_their_group() -> None:
    assert not can_manage_group(someone(a_member("tehran", role=Role.MEMBER)), "tehran")


def test_a_chair_manages_their_own_group_when_the_secretary_is_stuck_but_no_other() -> None:
    chair = someone(a_member("tehran", role=Role.CHAIR))
    assert can_manage_group(chair, "tehran")
    assert not can_manage_group(chair, "fars")


def test_a_visitor_manages_nothing() -> None:
    assert not any(can_manage_group(VISITOR, g) for g in WORKING_GROUPS)


def test_a_superuser_manages_every_group() -> None:
    assert all(can_manage_group(SUPERUSER, g) for g in WORKING_GROUPS)


def test_a_secretary_is_offered_exactly_their_own_group() -> None:
    assert managed_groups(secretary_of("fars"), WORKING_GROUPS) == ("fars",)


def test_a_superuser_is_offered_every_group_in_keyboard_order() -> None:
    assert managed_groups(SUPERUSER, WORKING_GROUPS) == WORKING_GROUPS


def test_a_plain_member_is_offered_no_group_to_manage() -> None:
    assert managed_groups(someone(a_member("fars")), WORKING_GROUPS) == ()


# --- seeing a working group's members --------------------------------------------------------


def test_a_member_of_the_central_group_sees_every_province() -> None:
    central = someone(a_member(CENTRAL))
    assert all(can_view_group(central, g) for g in WORKING_GROUPS)


def test_a_provincial_member_sees_their_own_province() -> None:
    assert can_view_group(someone(a_member("fars")), "fars")


def test_a_provincial_member_does_not_see_other_provinces_or_the_central_group() -> None:
    fars = someone(a_member("fars"))
    assert not can_view_group(fars, "tehran")
    assert not can_view_group(fars, CENTRAL)


@pytest.mark.parametrize("status", [MemberStatus.PENDING, MemberStatus.REJECTED])
def test_an_applicant_not_yet_approved_sees_no_group(status: MemberStatus) -> None:
    applicant = someone(a_member(CENTRAL, status=status))
    assert not any(can_view_group(applicant, g) for g in WORKING_GROUPS)


def test_a_visitor_sees_no_group_and_a_superuser_sees_all() -> None:
    assert not any(can_view_group(VISITOR, g) for g in WORKING_GROUPS)
    assert all(can_view_group(SUPERUSER, g) for g in WORKING_GROUPS)


# --- appointing secretaries and chairs -------------------------------------------------------


def test_only_a_superuser_may_appoint_roles() -> None:
    assert can_appoint(SUPERUSER)
    assert not can_appoint(VISITOR)
    assert not can_appoint(secretary_of(CENTRAL))
    assert not can_appoint(someone(a_member(CENTRAL, role=Role.CHAIR)))


# --- what /help shows ------------------------------------------------------------------------


def test_a_visitor_is_shown_how_to_register() -> None:
    assert help_topics(VISITOR) == ("visitor",)


def test_an_applicant_waiting_for_review_is_told_so() -> None:
    assert help_topics(someone(a_member(status=MemberStatus.PENDING))) == ("pending",)


def test_a_pending_applicant_with_a_secretary_role_sees_only_the_waiting_help() -> None:
    assert help_topics(secretary_of("tehran", MemberStatus.PENDING)) == ("pending",)


def test_a_rejected_applicant_is_shown_how_to_register_again() -> None:
    assert help_topics(secretary_of("tehran", MemberStatus.REJECTED)) == ("visitor",)


def test_a_member_sees_the_member_help() -> None:
    assert help_topics(someone(a_member())) == ("member",)


def test_a_chair_sees_the_member_chair_and_secretariat_help() -> None:
    assert help_topics(someone(a_member(role=Role.CHAIR))) == ("member", "chair", "secretary")


def test_a_secretary_sees_the_member_and_secretariat_help() -> None:
    assert help_topics(secretary_of("tehran")) == ("member", "secretary")


def test_a_superuser_who_is_not_a_member_sees_their_basics_secretariat_and_administrator_help() -> (
    None
):
    # Not "member" (they have no membership) and not "visitor": their /start registers nobody.
    assert help_topics(SUPERUSER) == ("superuser_basics", "secretary", "superuser")


def test_a_superuser_who_chairs_a_group_also_sees_the_chair_help_once() -> None:
    topics = help_topics(someone(a_member(role=Role.CHAIR), superuser=True))
    assert topics == ("member", "chair", "secretary", "superuser")


# --- deciding on an application --------------------------------------------------------------


def test_the_groups_secretary_may_decide_on_a_pending_application() -> None:
    applicant = a_member("tehran", status=MemberStatus.PENDING, member_id=7)
    assert decision_refusal(secretary_of("tehran"), applicant) is None


def test_a_superuser_may_decide_on_any_pending_application() -> None:
    for group in ("tehran", CENTRAL, "yazd"):
        applicant = a_member(group, status=MemberStatus.PENDING, member_id=7)
        assert decision_refusal(SUPERUSER, applicant) is None


def test_a_deleted_application_is_reported_as_gone() -> None:
    assert decision_refusal(secretary_of("tehran"), None) == "application_gone"


def test_a_secretary_of_another_province_may_not_decide() -> None:
    applicant = a_member("tehran", status=MemberStatus.PENDING, member_id=7)
    assert decision_refusal(secretary_of("fars"), applicant) == "not_your_group"


def test_a_plain_member_of_the_same_group_may_not_decide() -> None:
    applicant = a_member("tehran", status=MemberStatus.PENDING, member_id=7)
    assert decision_refusal(someone(a_member("tehran")), applicant) == "not_your_group"


def test_an_outsider_learns_nothing_about_whether_the_application_was_decided() -> None:
    decided = a_member("tehran", status=MemberStatus.APPROVED, member_id=7)
    assert decision_refusal(secretary_of("fars"), decided) == "not_your_group"


@pytest.mark.parametrize("status", [MemberStatus.APPROVED, MemberStatus.REJECTED])
def test_a_second_decision_on_the_same_application_is_refused(status: MemberStatus) -> None:
    decided = a_member("tehran", status=status, member_id=7)
    assert decision_refusal(secretary_of("tehran"), decided) == "already_decided"


def test_a_rejection_reason_is_normalised() -> None:
    assert clean_reason("  مدارك   ناقص است ") == "مدارک ناقص است"


def test_a_rejection_reason_that_is_a_command_too_short_or_too_long_is_refused() -> None:
    assert refusal_reason(lambda: clean_reason("/cancel")) == "reason_is_command"
    assert refusal_reason(lambda: clean_reason("نه")) == "reason_too_short"
    assert refusal_reason(lambda: clean_reason("ب" * 501)) == "reason_too_long"
    assert clean_reason("ب" * 500) == "ب" * 500


# --- who is told about a new application -----------------------------------------------------


def test_the_groups_secretaries_are_told_about_a_new_application() -> None:
    assert review_recipients([2001, 2002], frozenset({1001}), None) == [2001, 2002]


def test_superusers_are_not_bothered_when_the_group_has_a_secretary() -> None:
    assert review_recipients([2001], frozenset({1001, 1002}), -100500) == [2001]


def test_superusers_are_told_when_the_group_has_neither_a_secretary_nor_a_linked_chat() -> None:
    assert review_recipients([], frozenset({1002, 1001}), None) == [1001, 1002]


def test_nobody_is_told_privately_when_only_the_linked_chat_will_see_the_card() -> None:
    assert review_recipients([], frozenset({1001}), -100500) == []


def test_a_secretarys_own_request_goes_to_the_other_secretaries() -> None:
    assert review_recipients([2001, 2002], frozenset({1001}), -100500, requester=2001) == [2002]


def test_the_only_secretarys_own_request_goes_to_the_superusers_even_with_a_linked_chat() -> None:
    assert review_recipients([2001], frozenset({1001}), -100500, requester=2001) == [1001]
    assert review_recipients([2001], frozenset({1001}), None, requester=2001) == [1001]


def test_a_members_request_goes_where_an_application_would() -> None:
    assert review_recipients([2001], frozenset({1001}), None, requester=3001) == [2001]
    assert review_recipients([], frozenset({1001}), -100500, requester=3001) == []


def test_a_secretary_listed_twice_gets_one_card_in_the_original_order() -> None:
    assert review_recipients([2002, 2001, 2002], frozenset(), None) == [2002, 2001]


def test_a_number_copied_with_invisible_direction_marks_is_accepted() -> None:
    assert clean_phone("\u202a+98 912 123 4567\u202c") == "+989121234567"
    assert clean_phone("\u200e09121234567") == "+989121234567"


def test_a_trunk_zero_kept_after_the_country_code_is_dropped() -> None:
    assert clean_phone("+98 0912 123 4567") == "+989121234567"
    assert clean_phone("0098 0912 1234567") == "+989121234567"

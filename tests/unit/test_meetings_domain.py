"""Working-group meetings: reading what a secretary types, who may answer, and the tally."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.jalali import TEHRAN, DateError, DateParseError, from_jalali
from bot.domain.meetings import (
    Answer,
    Meeting,
    answer_refusal,
    change_refusal,
    clean_agenda,
    clean_decision,
    clean_place,
    create_refusal,
    decisions_refusal,
    is_listed,
    manage_refusal,
    meeting_start,
    parse_clock,
    parse_meeting_day,
    parse_meeting_time,
    should_remind,
    tally,
    task_title,
)
from bot.domain.members import Actor, InvalidInput, Member, MemberStatus, Role

UTC = datetime.UTC
# Monday 1405/09/02, 10:00 in Tehran.
TODAY = from_jalali(1405, 9, 2)
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
# Thursday 1405/09/05, 10:00 in Tehran.
START = datetime.datetime(2026, 11, 26, 6, 30, tzinfo=UTC)


def _reason(call: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.reason


def _actor(
    role: Role | None = Role.MEMBER,
    group: str = "tehran",
    status: MemberStatus = MemberStatus.APPROVED,
    superuser: bool = False,
) -> Actor:
    member = None
    if role is not None:
        member = Member(
            id=7,
            user_id=70,
            full_name="x",
            agency_code="tpo",
            agency_other=None,
            working_group=group,
            phone=None,
            locale="fa",
            role=role,
            status=status,
            applied_at=NOW,
        )
    return Actor(user_id=70, display_name="x", member=member, is_superuser=superuser)


# --- when -------------------------------------------------------------------------------------


def test_a_meeting_time_is_a_tehran_wall_clock_time_returned_in_utc() -> None:
    start = parse_meeting_time("1405/09/05", "10:00", TODAY, TEHRAN)
    assert start == START
    assert start.tzinfo is UTC


@pytest.mark.parametrize(
    ("date_text", "time_text"),
    [
        ("۱۴۰۵/۰۹/۰۵", "۱۰:۰۰"),
        ("5 Azar 1405", "10:00"),
        ("۵ آذر ۱۴۰۵", "۱۰"),
        ("پنجشنبه ۱۴۰۵/۰۹/۰۵", " 10.00 "),
        ("3 روز دیگر", "10:00"),
    ],
)
def test_dates_and_times_are_read_in_any_digits_and_forms(date_text: str, time_text: str) -> None:
    assert parse_meeting_time(date_text, time_text, TODAY, TEHRAN) == START


@pytest.mark.parametrize("text", ["25:00", "10:60", "10:5", "ده صبح", "", "10:00:00", "-1:00"])
def test_a_time_that_cannot_be_read_is_refused(text: str) -> None:
    assert _reason(lambda: parse_clock(text)) == "time_invalid"
    assert _reason(lambda: parse_meeting_time("1405/09/05", text, TODAY)) == "time_invalid"


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_real_time_is_read_back(hour: int, minute: int) -> None:
    assert parse_clock(f"{hour:02d}:{minute:02d}") == datetime.time(hour, minute)
    persian = f"{hour}:{minute:02d}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert parse_clock(persian) == datetime.time(hour, minute)


def test_a_day_already_past_is_refused() -> None:
    assert _reason(lambda: parse_meeting_day("1405/09/01", TODAY)) == "meeting_in_past"
    assert _reason(lambda: parse_meeting_time("1405/09/01", "10:00", TODAY)) == "meeting_in_past"


def test_today_is_allowed_but_not_a_time_already_gone() -> None:
    assert parse_meeting_day("امروز", TODAY) == TODAY
    later = parse_meeting_time("امروز", "14:00", TODAY, TEHRAN, NOW)
    assert later == datetime.datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    assert _reason(lambda: parse_meeting_time("امروز", "09:00", TODAY, TEHRAN, NOW)) == (
        "meeting_in_past"
    )
    # The very moment is not "before the meeting" either.
    assert _reason(lambda: parse_meeting_time("امروز", "10:00", TODAY, TEHRAN, NOW)) == (
        "meeting_in_past"
    )


def test_a_date_that_cannot_be_read_keeps_its_own_reason() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_meeting_time("1405/13/01", "10:00", TODAY)
    assert caught.value.reason is DateError.IMPOSSIBLE


def test_meeting_start_goes_through_the_zone_not_a_fixed_offset() -> None:
    # Tehran kept summer time until 2022: 10:00 on 1 Tir 1400 was 05:30 UTC, not 06:30.
    summer = meeting_start(from_jalali(1400, 4, 1), datetime.time(10, 0), TEHRAN)
    assert summer == datetime.datetime(2021, 6, 22, 5, 30, tzinfo=UTC)


# --- what people type -------------------------------------------------------------------------


def test_place_agenda_and_decision_are_normalised_and_bounded() -> None:
    assert clean_place("  سالن  اجتماعات  استانداري ") == "سالن اجتماعات استانداری"
    assert clean_place("https://meet.example.org/abc") == "https://meet.example.org/abc"
    assert clean_agenda("۱. گزارش خوشه\n\n\n\n۲. بودجه") == "۱. گزارش خوشه\n\n۲. بودجه"
    assert clean_decision(" تهیه نقشه خوشه تا پایان ماه ") == "تهیه نقشه خوشه تا پایان ماه"


@pytest.mark.parametrize(
    ("clean", "field", "shortest", "longest"),
    [
        (clean_place, "place", 2, 300),
        (clean_agenda, "agenda", 3, 2000),
        (clean_decision, "decision", 3, 1000),
    ],
)
def test_too_short_too_long_and_commands_are_refused(
    clean: object, field: str, shortest: int, longest: int
) -> None:
    assert callable(clean)
    assert _reason(lambda: clean("/cancel")) == f"{field}_is_command"
    assert _reason(lambda: clean("x" * (shortest - 1))) == f"{field}_too_short"
    assert _reason(lambda: clean("x" * (longest + 1))) == f"{field}_too_long"
    assert clean("x" * shortest) == "x" * shortest
    assert clean("x" * longest) == "x" * longest


# --- who may do what --------------------------------------------------------------------------


def test_the_secretariat_manages_its_own_group_only() -> None:
    assert manage_refusal(_actor(Role.SECRETARY), "tehran") is None
    assert manage_refusal(_actor(Role.CHAIR), "tehran") is None
    assert manage_refusal(_actor(role=None, superuser=True), "fars") is None
    assert manage_refusal(_actor(Role.MEMBER), "tehran") == "secretaries_only"
    assert manage_refusal(_actor(Role.SECRETARY, group="fars"), "tehran") == "secretaries_only"


def test_only_members_of_the_meetings_group_may_answer_before_it_starts() -> None:
    assert answer_refusal(_actor(), "tehran", START, False, NOW) is None
    assert answer_refusal(_actor(group="fars"), "tehran", START, False, NOW) == "not_invited"
    # The central group oversees provinces but is not invited to their meetings.
    assert answer_refusal(_actor(group="central"), "tehran", START, False, NOW) == "not_invited"
    pending = _actor(status=MemberStatus.PENDING)
    assert answer_refusal(pending, "tehran", START, False, NOW) == "not_invited"
    assert answer_refusal(_actor(role=None), "tehran", START, False, NOW) == "not_invited"
    assert answer_refusal(_actor(), "tehran", START, True, NOW) == "meeting_cancelled"
    assert answer_refusal(_actor(), "tehran", START, False, START) == "meeting_started"


def test_decisions_are_recorded_by_the_secretariat_once_the_meeting_has_begun() -> None:
    secretary = _actor(Role.SECRETARY)
    assert decisions_refusal(secretary, "tehran", START, NOW) == "not_started"
    assert decisions_refusal(secretary, "tehran", START, START) is None
    later = START + datetime.timedelta(days=3)
    assert decisions_refusal(_actor(), "tehran", START, later) == "secretaries_only"


# --- replies ---------------------------------------------------------------------------------


def test_tally_counts_every_answer_and_zero_for_none() -> None:
    assert tally([]) == {Answer.ATTENDING: 0, Answer.NOT_ATTENDING: 0}
    assert tally([Answer.ATTENDING, "attending", Answer.NOT_ATTENDING]) == {
        Answer.ATTENDING: 2,
        Answer.NOT_ATTENDING: 1,
    }
    with pytest.raises(ValueError):
        tally(["maybe"])


def test_everyone_but_those_who_declined_is_reminded() -> None:
    assert should_remind(None)
    assert should_remind(Answer.ATTENDING)
    assert should_remind("attending")
    assert not should_remind(Answer.NOT_ATTENDING)
    assert not should_remind("not_attending")


def test_a_meeting_is_announced_by_the_secretariat_before_it_starts() -> None:
    secretary = _actor(Role.SECRETARY)
    assert create_refusal(secretary, "tehran", START, NOW) is None
    assert create_refusal(secretary, "tehran", NOW, NOW) == "meeting_in_past"
    assert create_refusal(_actor(Role.MEMBER), "tehran", START, NOW) == "secretaries_only"
    assert create_refusal(secretary, "fars", NOW, NOW) == "secretaries_only"


def test_members_list_meetings_to_come_and_the_secretariat_also_those_just_held() -> None:
    held = Meeting(1, "tehran", NOW - datetime.timedelta(hours=2), "x", "y", 1, NOW, None)
    coming = Meeting(2, "tehran", START, "x", "y", 1, NOW, None)
    assert is_listed(coming, (), NOW)
    assert not is_listed(held, (), NOW)
    assert is_listed(held, ("tehran",), NOW)
    assert not is_listed(held, ("fars",), NOW)


def test_a_decisions_task_is_titled_by_its_first_line_cut_to_fit() -> None:
    assert task_title("خرید دستگاه\nبا وام بانکی") == "خرید دستگاه"
    assert task_title("  برگزاری نمایشگاه  ") == "برگزاری نمایشگاه"
    long = task_title("ا" * 400)
    assert len(long) == 300 and long.endswith("…")



def test_only_the_secretariat_changes_a_meeting_still_to_come_and_not_cancelled() -> None:
    meeting = Meeting(1, "tehran", START, "سالن", "دستور", 70, NOW, None)
    secretary, member = _actor(Role.SECRETARY), _actor(Role.MEMBER)
    assert change_refusal(secretary, meeting, NOW) is None
    assert change_refusal(member, meeting, NOW) == "secretaries_only"
    assert change_refusal(secretary, meeting, START) == "meeting_started"
    cancelled = dataclasses.replace(meeting, cancelled_at=NOW)
    assert change_refusal(secretary, cancelled, NOW) == "meeting_cancelled"

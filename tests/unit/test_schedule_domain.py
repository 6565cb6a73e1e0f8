"""When the bot reminds, warns, escalates and stays silent: the scheduler's rules alone.

Time only ever comes in through arguments; every "now" below is a fixed moment in a story.
The holiday calendar is built here rather than loaded from the shipped file, so that adding
the 1405 lunar holidays to the data next year cannot change what these stories expect.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.jalali import TEHRAN, HolidayCalendar, from_jalali, jalali_parts
from bot.domain.schedule import (
    Due,
    GroupSchedule,
    ReminderKind,
    approval_reminders,
    changed_schedule,
    deliverable_at,
    digest_due,
    fold_catch_up,
    meeting_reminders,
    monitoring_followups,
    monitoring_periods,
    snooze_until,
    task_reminders,
)
from bot.domain.tasks import TaskStatus

UTC = datetime.UTC
DEFAULT = GroupSchedule()
QUARTERLY = GroupSchedule(monitoring="quarterly")

# Fridays and the fixed solar holidays, plus the start of 1404 as the official calendar has it:
# Eid al-Fitr on 11-12 Farvardin and the martyrdom of Imam Ali on 2 Farvardin. 1405 has no
# lunar holidays here, so only Fridays and fixed holidays (Nowruz 1-4, 12, 13 Farvardin...).
CALENDAR = HolidayCalendar(lunar={1404: frozenset({(1, 2), (1, 11), (1, 12), (12, 20)})})

BEFORE = ReminderKind.TASK_BEFORE
DUE = ReminderKind.TASK_DUE
OVERDUE = ReminderKind.TASK_OVERDUE
ESCALATION = ReminderKind.TASK_ESCALATION


def j(year: int, month: int, day: int) -> datetime.date:
    return from_jalali(year, month, day)


def day(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def tehran(iso: str) -> datetime.datetime:
    """A Tehran wall-clock moment, e.g. tehran("2026-11-23 20:59")."""
    return datetime.datetime.fromisoformat(iso).replace(tzinfo=TEHRAN)


def utc(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso).replace(tzinfo=UTC)


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def reminders_over(
    due_on: datetime.date,
    first: datetime.date,
    last: datetime.date,
    schedule: GroupSchedule = DEFAULT,
    status: TaskStatus = TaskStatus.IN_PROGRESS,
) -> list[tuple[str, ReminderKind, str]]:
    """What the scheduler, asking every day from first to last, would send about one task."""
    return [
        (today.isoformat(), due.kind, due.period)
        for today in days_between(first, last)
        for due in task_reminders(due_on, status, today, schedule, CALENDAR)
    ]


# --------------------------------------------------------------------------
# A working group's settings
# --------------------------------------------------------------------------


def test_the_defaults_are_the_products() -> None:
    assert DEFAULT.reminder_days == (7, 3, 1)
    assert DEFAULT.quiet_start == datetime.time(21, 0)
    assert DEFAULT.quiet_end == datetime.time(8, 0)
    assert DEFAULT.morning == datetime.time(9, 0)
    assert DEFAULT.approval_days == 3
    assert DEFAULT.monitoring == "monthly"


def test_reminder_days_typed_in_any_order_mean_the_same_settings() -> None:
    assert GroupSchedule(reminder_days=(1, 7, 3)) == DEFAULT
    assert GroupSchedule(reminder_days=(1, 7, 3)).reminder_days == (7, 3, 1)


def test_a_group_may_turn_warnings_before_the_deadline_off() -> None:
    assert GroupSchedule(reminder_days=()).reminder_days == ()


@pytest.mark.parametrize(
    "days",
    [(0,), (-1,), (61,), (7, 7), (3, True), (2.5,)],
    ids=["zero", "negative", "over-60", "twice", "bool", "fraction"],
)
def test_reminder_days_must_be_distinct_whole_days_from_1_to_60(days: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        GroupSchedule(reminder_days=days)


@pytest.mark.parametrize("approval_days", [0, -3, 61])
def test_approval_days_must_be_from_1_to_60(approval_days: int) -> None:
    with pytest.raises(ValueError):
        GroupSchedule(approval_days=approval_days)


def test_the_edges_of_the_allowed_range_are_accepted() -> None:
    schedule = GroupSchedule(reminder_days=(60, 1), approval_days=60)
    assert schedule.reminder_days == (60, 1)
    assert schedule.approval_days == 60


def test_monitoring_is_monthly_or_quarterly() -> None:
    assert QUARTERLY.monitoring == "quarterly"
    with pytest.raises(ValueError):
        GroupSchedule(monitoring="weekly")


def test_a_morning_inside_the_quiet_hours_is_refused() -> None:
    with pytest.raises(ValueError):
        GroupSchedule(morning=datetime.time(7, 30))
    with pytest.raises(ValueError):
        GroupSchedule(morning=datetime.time(21, 0))


def test_quiet_hours_that_start_and_end_together_are_refused_as_ambiguous() -> None:
    with pytest.raises(ValueError):
        GroupSchedule(quiet_start=datetime.time(8, 0), quiet_end=datetime.time(8, 0))


def test_a_time_with_a_zone_is_refused_because_it_would_be_ignored() -> None:
    with pytest.raises(ValueError):
        GroupSchedule(morning=datetime.time(9, 0, tzinfo=UTC))


# --------------------------------------------------------------------------
# Quiet hours, Fridays and holidays
# --------------------------------------------------------------------------

# Monday 2 Azar 1405, a plain working day; Tehran is +03:30 all year since 2022.
MONDAY = "2026-11-23"


def test_a_message_at_20_59_goes_at_once() -> None:
    moment = tehran(f"{MONDAY} 20:59")
    assert deliverable_at(moment, DEFAULT, CALENDAR) == utc(f"{MONDAY} 17:29")


def test_a_message_at_21_00_waits_for_the_next_morning() -> None:
    assert deliverable_at(tehran(f"{MONDAY} 21:00"), DEFAULT, CALENDAR) == tehran(
        "2026-11-24 09:00"
    )


def test_a_message_at_07_59_waits_for_the_end_of_the_quiet_hours_that_same_day() -> None:
    assert deliverable_at(tehran(f"{MONDAY} 07:59"), DEFAULT, CALENDAR) == tehran(f"{MONDAY} 08:00")


def test_a_message_at_08_00_goes_at_once() -> None:
    assert deliverable_at(tehran(f"{MONDAY} 08:00"), DEFAULT, CALENDAR) == tehran(f"{MONDAY} 08:00")


def test_the_answer_is_always_in_utc() -> None:
    result = deliverable_at(tehran(f"{MONDAY} 12:00"), DEFAULT, CALENDAR)
    assert result.tzinfo is UTC
    assert result == utc(f"{MONDAY} 08:30")


def test_thursday_night_waits_over_friday_for_saturday_morning() -> None:
    assert deliverable_at(tehran("2026-11-26 22:15"), DEFAULT, CALENDAR) == tehran(
        "2026-11-28 09:00"
    )


@pytest.mark.parametrize("clock", ["03:00", "12:00", "20:00"])
def test_nothing_goes_on_a_friday(clock: str) -> None:
    assert deliverable_at(tehran(f"2026-11-27 {clock}"), DEFAULT, CALENDAR) == tehran(
        "2026-11-28 09:00"
    )


def test_the_last_evening_of_the_year_waits_until_after_nowruz() -> None:
    # Thursday 28 Esfand 1404; 29 Esfand is a holiday and a Friday, 1-4 Farvardin are Nowruz.
    moment = tehran("2026-03-19 21:30")
    assert jalali_parts(moment.date()) == (1404, 12, 28)
    result = deliverable_at(moment, DEFAULT, CALENDAR)
    assert result == tehran("2026-03-25 09:00")
    assert jalali_parts(result.astimezone(TEHRAN).date()) == (1405, 1, 5)


def test_a_lunar_holiday_is_skipped_like_a_friday() -> None:
    # 11 Farvardin 1404 (Eid al-Fitr) is a Monday; 12 and 13 are holidays too.
    moment = tehran(f"{j(1404, 1, 11)} 10:00")
    assert deliverable_at(moment, DEFAULT, CALENDAR) == tehran(f"{j(1404, 1, 14)} 09:00")


def test_in_the_summer_of_2021_tehran_was_four_and_a_half_hours_ahead() -> None:
    # Wednesday 30 June 2021, daylight saving time: 21:00 Tehran was 16:30 UTC.
    evening = utc("2021-06-30 16:30")
    assert deliverable_at(evening, DEFAULT, CALENDAR) == utc("2021-07-01 04:30")
    just_before = utc("2021-06-30 16:29")
    assert deliverable_at(just_before, DEFAULT, CALENDAR) == just_before


def test_a_group_with_its_own_quiet_hours_and_morning() -> None:
    night_owls = GroupSchedule(
        quiet_start=datetime.time(23, 0),
        quiet_end=datetime.time(6, 30),
        morning=datetime.time(7, 0),
    )
    assert deliverable_at(tehran(f"{MONDAY} 22:30"), night_owls, CALENDAR) == tehran(
        f"{MONDAY} 22:30"
    )
    assert deliverable_at(tehran(f"{MONDAY} 23:00"), night_owls, CALENDAR) == tehran(
        "2026-11-24 07:00"
    )
    assert deliverable_at(tehran(f"{MONDAY} 05:00"), night_owls, CALENDAR) == tehran(
        f"{MONDAY} 06:30"
    )


def test_quiet_hours_within_one_day_are_honoured_too() -> None:
    siesta = GroupSchedule(quiet_start=datetime.time(13, 0), quiet_end=datetime.time(15, 0))
    assert deliverable_at(tehran(f"{MONDAY} 12:59"), siesta, CALENDAR) == tehran(f"{MONDAY} 12:59")
    assert deliverable_at(tehran(f"{MONDAY} 13:00"), siesta, CALENDAR) == tehran(f"{MONDAY} 15:00")
    assert deliverable_at(tehran(f"{MONDAY} 23:00"), siesta, CALENDAR) == tehran(f"{MONDAY} 23:00")


def test_another_zone_can_be_configured() -> None:
    kabul = ZoneInfo("Asia/Kabul")  # +04:30 all year
    moment = utc(f"{MONDAY} 16:45")  # 21:15 in Kabul, still 20:15 in Tehran
    assert deliverable_at(moment, DEFAULT, CALENDAR) == moment
    assert deliverable_at(moment, DEFAULT, CALENDAR, kabul) == utc("2026-11-24 04:30")


def test_a_moment_without_a_time_zone_is_a_bug() -> None:
    with pytest.raises(ValueError):
        deliverable_at(datetime.datetime(2026, 11, 23, 12, 0), DEFAULT, CALENDAR)


@given(
    st.datetimes(
        min_value=datetime.datetime(2019, 1, 1),
        max_value=datetime.datetime(2028, 12, 31),
        timezones=st.just(UTC),
    )
)
def test_a_held_message_is_never_early_never_on_a_day_off_and_never_at_night(
    moment: datetime.datetime,
) -> None:
    result = deliverable_at(moment, DEFAULT, CALENDAR)
    local = result.astimezone(TEHRAN)
    assert result >= moment
    assert CALENDAR.is_working_day(local.date())
    assert datetime.time(8, 0) <= local.time() < datetime.time(21, 0)
    if result != moment:
        # Held messages land at the end of the night on the same day, or at the morning.
        assert local.time() in (datetime.time(8, 0), datetime.time(9, 0))


# --------------------------------------------------------------------------
# Task deadlines
# --------------------------------------------------------------------------


def test_a_task_due_on_a_wednesday_from_first_warning_to_the_weekly_escalation() -> None:
    due_on = day("2026-12-02")  # Wednesday 11 Azar 1405
    assert reminders_over(due_on, day("2026-11-20"), day("2026-12-13")) == [
        ("2026-11-25", BEFORE, "2026-12-02-7d"),
        ("2026-11-29", BEFORE, "2026-12-02-3d"),
        ("2026-12-01", BEFORE, "2026-12-02-1d"),
        ("2026-12-02", DUE, "2026-12-02"),
        ("2026-12-03", OVERDUE, "2026-12-03"),
        # Friday 4 December: silence.
        ("2026-12-05", OVERDUE, "2026-12-05"),
        ("2026-12-05", ESCALATION, "w2026-12-05"),
        ("2026-12-06", OVERDUE, "2026-12-06"),
        ("2026-12-07", OVERDUE, "2026-12-07"),
        ("2026-12-08", OVERDUE, "2026-12-08"),
        ("2026-12-09", OVERDUE, "2026-12-09"),
        ("2026-12-10", OVERDUE, "2026-12-10"),
        ("2026-12-12", OVERDUE, "2026-12-12"),
        ("2026-12-12", ESCALATION, "w2026-12-12"),
        ("2026-12-13", OVERDUE, "2026-12-13"),
    ]


def test_every_reminder_goes_at_the_groups_morning_in_tehran() -> None:
    (overdue,) = task_reminders(
        day("2026-12-03"), TaskStatus.TODO, day("2026-12-06"), DEFAULT, CALENDAR
    )
    assert overdue.kind is OVERDUE
    assert overdue.at == utc("2026-12-06 05:30")
    late_risers = GroupSchedule(morning=datetime.time(10, 15))
    (overdue,) = task_reminders(
        day("2026-12-03"), TaskStatus.TODO, day("2026-12-06"), late_risers, CALENDAR
    )
    assert overdue.at == tehran("2026-12-06 10:15")


def test_in_the_summer_of_2021_nine_in_the_morning_was_04_30_utc() -> None:
    (overdue, escalation) = task_reminders(
        day("2021-06-30"), TaskStatus.TODO, day("2021-07-03"), DEFAULT, CALENDAR
    )
    assert (overdue.kind, escalation.kind) == (OVERDUE, ESCALATION)
    assert overdue.at == escalation.at == utc("2021-07-03 04:30")


def test_a_task_due_on_a_friday_is_called_due_on_thursday() -> None:
    due_on = day("2026-11-27")  # Friday 6 Azar 1405
    assert reminders_over(due_on, day("2026-11-15"), day("2026-11-29")) == [
        # 7 days before is also a Friday: the warning comes a day early, never late.
        ("2026-11-19", BEFORE, "2026-11-27-7d"),
        ("2026-11-24", BEFORE, "2026-11-27-3d"),
        # The day before (Thursday) is also the last working day: one message, not two.
        ("2026-11-26", DUE, "2026-11-27"),
        # Saturday: overdue from its first working day, and the week's escalation with it.
        ("2026-11-28", OVERDUE, "2026-11-28"),
        ("2026-11-28", ESCALATION, "w2026-11-28"),
        ("2026-11-29", OVERDUE, "2026-11-29"),
    ]


def test_warnings_swallowed_by_nowruz_come_before_the_holidays_once() -> None:
    due_on = j(1405, 1, 5)  # Wednesday, the first working day of 1405
    assert reminders_over(due_on, day("2026-03-10"), due_on) == [
        ("2026-03-18", BEFORE, "2026-03-25-7d"),
        # 3 and 1 days before are 2 and 4 Farvardin; both move back to 28 Esfand 1404, and
        # the nearest lead speaks for both.
        ("2026-03-19", BEFORE, "2026-03-25-1d"),
        ("2026-03-25", DUE, "2026-03-25"),
    ]


def test_a_deadline_during_nowruz_is_announced_on_the_last_working_day_before_it() -> None:
    due_on = j(1405, 1, 2)
    assert [
        entry
        for entry in reminders_over(due_on, day("2026-03-10"), day("2026-03-26"))
        if entry[1] is not BEFORE
    ] == [
        ("2026-03-19", DUE, "2026-03-22"),
        ("2026-03-25", OVERDUE, "2026-03-25"),
        ("2026-03-25", ESCALATION, "w2026-03-21"),
        ("2026-03-26", OVERDUE, "2026-03-26"),
    ]


def test_when_saturday_is_a_holiday_the_escalation_goes_on_the_weeks_first_working_day() -> None:
    # Overdue since early Esfand; Nowruz takes Saturday 1 to Tuesday 4 Farvardin 1405.
    escalations = [
        entry
        for entry in reminders_over(day("2026-03-01"), day("2026-03-21"), day("2026-04-11"))
        if entry[1] is ESCALATION
    ]
    assert escalations == [
        ("2026-03-25", ESCALATION, "w2026-03-21"),
        ("2026-03-28", ESCALATION, "w2026-03-28"),
        ("2026-04-04", ESCALATION, "w2026-04-04"),
        ("2026-04-11", ESCALATION, "w2026-04-11"),
    ]


def test_no_escalation_in_the_week_the_task_was_due_on_its_saturday() -> None:
    due_on = day("2026-11-28")  # a Saturday, the very first working day of its week
    kinds = [kind for _, kind, _ in reminders_over(due_on, due_on, day("2026-12-04"))]
    assert ESCALATION not in kinds
    assert kinds.count(OVERDUE) == 5


def test_a_task_due_across_the_leap_esfand_of_1403() -> None:
    # 30 Esfand 1403 exists (a leap year) and is a Thursday; 29 Esfand is a holiday.
    due_on = j(1403, 12, 30)
    assert reminders_over(due_on, j(1403, 12, 20), j(1404, 1, 5)) == [
        ("2025-03-13", BEFORE, "2025-03-20-7d"),
        ("2025-03-17", BEFORE, "2025-03-20-3d"),
        # One day before is 29 Esfand, a holiday: the warning moves to the 28th.
        ("2025-03-18", BEFORE, "2025-03-20-1d"),
        ("2025-03-20", DUE, "2025-03-20"),
        # 1 Farvardin 1404 is a Friday, 2 to 4 are holidays: overdue from the 5th.
        ("2025-03-25", OVERDUE, "2025-03-25"),
        ("2025-03-25", ESCALATION, "w2025-03-22"),
    ]


@pytest.mark.parametrize("status", [TaskStatus.DONE, TaskStatus.CANCELLED])
def test_a_done_or_cancelled_task_is_never_chased(status: TaskStatus) -> None:
    due_on = day("2026-12-02")
    assert reminders_over(due_on, day("2026-11-20"), day("2026-12-31"), status=status) == []


@pytest.mark.parametrize("status", [TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED])
def test_every_open_task_is_chased_even_a_blocked_one(status: TaskStatus) -> None:
    due_on = day("2026-12-02")
    assert [due.kind for due in task_reminders(due_on, status, due_on, DEFAULT, CALENDAR)] == [DUE]


def test_a_group_chooses_its_own_warning_days() -> None:
    early = GroupSchedule(reminder_days=(14, 2))
    due_on = day("2026-12-02")
    assert reminders_over(due_on, day("2026-11-10"), due_on, early) == [
        ("2026-11-18", BEFORE, "2026-12-02-14d"),
        ("2026-11-30", BEFORE, "2026-12-02-2d"),
        ("2026-12-02", DUE, "2026-12-02"),
    ]


def test_rescheduling_a_task_arms_its_warnings_again() -> None:
    first = task_reminders(day("2026-12-02"), TaskStatus.TODO, day("2026-11-29"), DEFAULT, CALENDAR)
    moved = task_reminders(day("2026-12-06"), TaskStatus.TODO, day("2026-12-03"), DEFAULT, CALENDAR)
    assert [d.kind for d in first] == [d.kind for d in moved] == [BEFORE]
    assert first[0].period != moved[0].period


# --------------------------------------------------------------------------
# Submissions waiting for a decision
# --------------------------------------------------------------------------

OPENED = tehran("2026-11-21 10:00")  # a plan reached the provincial stage on Saturday


def test_a_plan_waiting_less_than_three_days_is_left_alone() -> None:
    now = OPENED + datetime.timedelta(days=3) - datetime.timedelta(minutes=1)
    assert approval_reminders(OPENED, now, DEFAULT) == []


def test_after_three_days_the_reviewers_are_reminded() -> None:
    now = OPENED + datetime.timedelta(days=3)
    assert approval_reminders(OPENED, now, DEFAULT) == [
        Due(ReminderKind.APPROVAL_WAITING, "after-3", utc("2026-11-24 06:30"))
    ]


def test_after_six_days_the_chair_is_told_as_well() -> None:
    now = OPENED + datetime.timedelta(days=6, hours=5)
    assert approval_reminders(OPENED, now, DEFAULT) == [
        Due(ReminderKind.APPROVAL_WAITING, "after-3", utc("2026-11-24 06:30")),
        Due(ReminderKind.APPROVAL_ESCALATION, "after-6", utc("2026-11-27 06:30")),
    ]


def test_a_patient_group_waits_longer() -> None:
    patient = GroupSchedule(approval_days=5)
    assert approval_reminders(OPENED, OPENED + datetime.timedelta(days=4), patient) == []
    assert [
        (due.kind, due.period)
        for due in approval_reminders(OPENED, OPENED + datetime.timedelta(days=10), patient)
    ] == [
        (ReminderKind.APPROVAL_WAITING, "after-5"),
        (ReminderKind.APPROVAL_ESCALATION, "after-10"),
    ]


def test_a_clock_running_behind_never_triggers_a_reminder() -> None:
    assert approval_reminders(OPENED, OPENED - datetime.timedelta(days=9), DEFAULT) == []


# --------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------

MEETING = tehran("2026-11-24 10:00")  # Tuesday 3 Azar 1405


def test_a_meeting_is_announced_the_evening_before_and_an_hour_before() -> None:
    reminders = meeting_reminders(MEETING, created_at=tehran("2026-11-17 12:00"))
    assert [(due.kind, due.at) for due in reminders] == [
        (ReminderKind.MEETING_EVENING, tehran("2026-11-23 18:00")),
        (ReminderKind.MEETING_HOUR, tehran("2026-11-24 09:00")),
    ]
    assert all(due.at.tzinfo is UTC for due in reminders)


def test_a_meeting_called_after_the_evening_gets_only_the_hour_reminder() -> None:
    reminders = meeting_reminders(MEETING, created_at=tehran("2026-11-23 18:01"))
    assert [due.kind for due in reminders] == [ReminderKind.MEETING_HOUR]


def test_a_meeting_called_right_at_a_reminders_moment_still_gets_it() -> None:
    at_the_evening = meeting_reminders(MEETING, created_at=tehran("2026-11-23 18:00"))
    assert [due.kind for due in at_the_evening] == [
        ReminderKind.MEETING_EVENING,
        ReminderKind.MEETING_HOUR,
    ]
    at_the_hour = meeting_reminders(MEETING, created_at=tehran("2026-11-24 09:00"))
    assert [due.kind for due in at_the_hour] == [ReminderKind.MEETING_HOUR]


def test_a_meeting_called_at_the_last_minute_gets_no_reminder_at_all() -> None:
    assert meeting_reminders(MEETING, created_at=tehran("2026-11-24 09:01")) == []


def test_meeting_reminders_keep_their_time_even_in_quiet_hours_and_on_fridays() -> None:
    # An 08:30 Saturday meeting: Friday evening and 07:30 are when the reminders help.
    saturday_early = tehran("2026-11-28 08:30")
    reminders = meeting_reminders(saturday_early, created_at=tehran("2026-11-20 12:00"))
    assert [due.at for due in reminders] == [
        tehran("2026-11-27 18:00"),
        tehran("2026-11-28 07:30"),
    ]


def test_a_meeting_in_the_summer_of_2021_is_reminded_at_tehran_summer_time() -> None:
    reminders = meeting_reminders(tehran("2021-07-01 10:00"), created_at=tehran("2021-06-20 10:00"))
    assert [due.at for due in reminders] == [utc("2021-06-30 13:30"), utc("2021-07-01 04:30")]


def test_moving_a_meeting_arms_its_reminders_again() -> None:
    created = tehran("2026-11-17 12:00")
    before = meeting_reminders(MEETING, created)
    after = meeting_reminders(MEETING + datetime.timedelta(hours=2), created)
    assert {due.period for due in before}.isdisjoint({due.period for due in after})


# --------------------------------------------------------------------------
# Monitoring prompts to the CDAs
# --------------------------------------------------------------------------


def prompts_over(
    first: datetime.date, last: datetime.date, schedule: GroupSchedule = DEFAULT
) -> list[tuple[str, str]]:
    return [
        (today.isoformat(), label)
        for today in days_between(first, last)
        if (label := monitoring_periods(today, schedule, CALENDAR)) is not None
    ]


def test_azar_1405_is_prompted_on_its_first_day_a_sunday() -> None:
    assert monitoring_periods(j(1405, 9, 1), DEFAULT, CALENDAR) == "1405-09"
    assert monitoring_periods(j(1405, 9, 2), DEFAULT, CALENDAR) is None
    assert monitoring_periods(j(1405, 8, 30), DEFAULT, CALENDAR) is None


def test_from_the_leap_esfand_of_1403_into_farvardin_1404() -> None:
    assert prompts_over(j(1403, 12, 1), j(1404, 1, 15)) == [
        # 1 Esfand 1403 is a Wednesday.
        (j(1403, 12, 1).isoformat(), "1403-12"),
        # 30 Esfand 1403 exists but is no first day; 1 Farvardin is a Friday, 2 to 4 Nowruz.
        (j(1404, 1, 5).isoformat(), "1404-01"),
    ]


def test_from_the_common_esfand_of_1404_into_farvardin_1405() -> None:
    assert prompts_over(j(1404, 11, 25), j(1405, 1, 15)) == [
        # 1 Esfand 1404 is a Friday: the prompt waits for Saturday the 2nd.
        (j(1404, 12, 2).isoformat(), "1404-12"),
        # Esfand 1404 ends on the 29th; Nowruz 1405 runs Saturday to Tuesday.
        (j(1405, 1, 5).isoformat(), "1405-01"),
    ]


def test_a_quarterly_group_is_prompted_in_farvardin_tir_mehr_and_dey_only() -> None:
    assert prompts_over(j(1405, 1, 1), j(1405, 12, 29), QUARTERLY) == [
        (j(1405, 1, 5).isoformat(), "1405-Q1"),
        (j(1405, 4, 1).isoformat(), "1405-Q2"),
        (j(1405, 7, 1).isoformat(), "1405-Q3"),
        (j(1405, 10, 1).isoformat(), "1405-Q4"),
    ]


@pytest.mark.parametrize("year", [1403, 1404, 1405])
def test_a_monthly_group_gets_twelve_prompts_a_year_each_on_a_working_day(year: int) -> None:
    prompts = prompts_over(j(year, 1, 1), j(year, 12, 29))
    assert [label for _, label in prompts] == [f"{year}-{m:02d}" for m in range(1, 13)]
    assert all(CALENDAR.is_working_day(day(iso)) for iso, _ in prompts)


def test_a_cda_who_stays_silent_is_reminded_then_escalated_in_working_days() -> None:
    azar = j(1405, 9, 1)  # a Sunday, prompted that day
    followups = [
        (today.isoformat(), kind)
        for today in days_between(azar, j(1405, 9, 30))
        if (kind := monitoring_followups(azar, today, CALENDAR)) is not None
    ]
    assert followups == [
        ("2026-11-28", ReminderKind.MONITORING_REMINDER),  # Friday 27 November not counted
        ("2026-12-03", ReminderKind.MONITORING_ESCALATION),
    ]


def test_farvardin_followups_skip_nature_day_and_republic_day() -> None:
    # Prompted on 5 Farvardin 1405; 12 and 13 Farvardin are holidays, as is Friday.
    for period_start in (j(1405, 1, 1), j(1405, 1, 5)):
        assert monitoring_followups(period_start, j(1405, 1, 11), CALENDAR) is (
            ReminderKind.MONITORING_REMINDER
        )
        assert monitoring_followups(period_start, j(1405, 1, 19), CALENDAR) is (
            ReminderKind.MONITORING_ESCALATION
        )
        assert monitoring_followups(period_start, j(1405, 1, 10), CALENDAR) is None
        assert monitoring_followups(period_start, j(1405, 1, 5), CALENDAR) is None


# --------------------------------------------------------------------------
# The Saturday digest
# --------------------------------------------------------------------------


def test_the_digest_goes_on_saturday_from_the_morning() -> None:
    assert digest_due(tehran("2026-11-21 08:59"), DEFAULT) is None
    assert digest_due(tehran("2026-11-21 09:00"), DEFAULT) == "w2026-11-21"
    assert digest_due(tehran("2026-11-21 20:00"), DEFAULT) == "w2026-11-21"


@pytest.mark.parametrize("moment", ["2026-11-20 12:00", "2026-11-22 09:00", "2026-11-26 09:00"])
def test_no_digest_on_other_days(moment: str) -> None:
    assert digest_due(tehran(moment), DEFAULT) is None


def test_the_digest_follows_the_tehran_date_not_the_utc_one() -> None:
    # Saturday 01:30 in Tehran is still Friday in UTC, and before the morning anyway.
    assert digest_due(utc("2026-11-20 22:00"), DEFAULT) is None
    assert digest_due(utc("2026-11-21 05:30"), DEFAULT) == "w2026-11-21"
    assert digest_due(utc("2026-11-21 05:29"), DEFAULT) is None


def test_the_digest_still_goes_when_saturday_is_nowruz() -> None:
    assert digest_due(tehran("2026-03-21 09:00"), DEFAULT) == "w2026-03-21"


def test_the_digest_in_the_summer_of_2021() -> None:
    assert digest_due(utc("2021-07-03 04:29"), DEFAULT) is None
    assert digest_due(utc("2021-07-03 04:30"), DEFAULT) == "w2021-07-03"


def test_a_group_with_a_later_morning_gets_its_digest_later() -> None:
    later = GroupSchedule(morning=datetime.time(10, 0))
    assert digest_due(tehran("2026-11-21 09:30"), later) is None
    assert digest_due(tehran("2026-11-21 10:00"), later) == "w2026-11-21"


# --------------------------------------------------------------------------
# Snooze
# --------------------------------------------------------------------------


def test_snoozed_until_tomorrow_comes_back_next_morning() -> None:
    assert snooze_until("tomorrow", tehran("2026-11-24 15:00"), DEFAULT, CALENDAR) == tehran(
        "2026-11-25 09:00"
    )


def test_snoozed_on_thursday_comes_back_on_saturday() -> None:
    assert snooze_until("tomorrow", tehran("2026-11-26 15:00"), DEFAULT, CALENDAR) == tehran(
        "2026-11-28 09:00"
    )


def test_snoozed_before_nowruz_comes_back_after_it() -> None:
    assert snooze_until("tomorrow", tehran("2026-03-18 11:00"), DEFAULT, CALENDAR) == tehran(
        "2026-03-19 09:00"
    )
    assert snooze_until("tomorrow", tehran("2026-03-19 11:00"), DEFAULT, CALENDAR) == tehran(
        "2026-03-25 09:00"
    )


def test_tomorrow_is_judged_by_the_tehran_date() -> None:
    # Monday 21:00 UTC is already Tuesday 00:30 in Tehran: tomorrow is Wednesday.
    assert snooze_until("tomorrow", utc("2026-11-23 21:00"), DEFAULT, CALENDAR) == tehran(
        "2026-11-25 09:00"
    )


def test_snoozed_for_a_week_comes_back_the_same_weekday() -> None:
    assert snooze_until("week", tehran("2026-11-23 16:40"), DEFAULT, CALENDAR) == tehran(
        "2026-11-30 09:00"
    )


def test_a_week_that_ends_in_nowruz_comes_back_after_it() -> None:
    # Tuesday 26 Esfand 1404 + 7 days is 4 Farvardin 1405, still Nowruz.
    assert snooze_until("week", tehran("2026-03-17 10:00"), DEFAULT, CALENDAR) == tehran(
        "2026-03-25 09:00"
    )


def test_a_snooze_in_the_summer_of_2021_ends_at_tehran_summer_time() -> None:
    assert snooze_until("tomorrow", tehran("2021-06-30 12:00"), DEFAULT, CALENDAR) == utc(
        "2021-07-01 04:30"
    )


@pytest.mark.parametrize("choice", ["later", "", "Tomorrow", "month"])
def test_other_snooze_choices_are_refused(choice: str) -> None:
    with pytest.raises(ValueError):
        snooze_until(choice, tehran("2026-11-23 16:40"), DEFAULT, CALENDAR)


# --------------------------------------------------------------------------
# Catching up after downtime
# --------------------------------------------------------------------------

# The bot was down from Wednesday evening and came back on Saturday at 11:00.
BACK = tehran("2026-11-28 11:00")


def test_what_fell_due_a_little_while_ago_is_still_sent() -> None:
    recent = Due(OVERDUE, "2026-11-28", tehran("2026-11-28 09:00"))
    assert fold_catch_up([recent], BACK) == ([recent], [])


def test_what_fell_due_days_ago_is_folded_into_one_catch_up() -> None:
    old = Due(OVERDUE, "2026-11-25", tehran("2026-11-25 09:00"))
    assert fold_catch_up([old], BACK) == ([], [old])


def test_the_stale_limit_is_36_hours_unless_told_otherwise() -> None:
    exactly = Due(ReminderKind.APPROVAL_WAITING, "after-3", BACK - datetime.timedelta(hours=36))
    just_over = Due(
        ReminderKind.APPROVAL_ESCALATION, "after-6", BACK - datetime.timedelta(hours=36, seconds=1)
    )
    assert fold_catch_up([exactly, just_over], BACK) == ([exactly], [just_over])
    assert fold_catch_up([exactly], BACK, stale_after=datetime.timedelta(hours=12)) == (
        [],
        [exactly],
    )


def test_a_late_warning_is_still_worth_sending_while_the_task_is_not_due() -> None:
    # The 7-day warning for a task due next Wednesday fell due during the downtime.
    (warning,) = task_reminders(
        day("2026-12-02"), TaskStatus.TODO, day("2026-11-25"), DEFAULT, CALENDAR
    )
    assert warning.kind is BEFORE
    assert fold_catch_up([warning], BACK) == ([warning], [])


def test_a_warning_about_a_task_that_is_already_due_is_folded() -> None:
    (warning,) = task_reminders(
        day("2026-11-28"), TaskStatus.TODO, day("2026-11-26"), DEFAULT, CALENDAR
    )
    assert warning.kind is BEFORE
    assert fold_catch_up([warning], BACK) == ([], [warning])


def test_a_meeting_reminder_is_sent_late_only_while_the_meeting_is_ahead() -> None:
    created = tehran("2026-11-20 12:00")
    evening, hour = meeting_reminders(tehran("2026-11-28 11:30"), created)
    # The evening reminder is pointless now, the hour one still helps.
    assert fold_catch_up([evening, hour], BACK) == ([hour], [])
    evening, hour = meeting_reminders(tehran("2026-11-28 14:00"), created)
    assert fold_catch_up([evening, hour], BACK) == ([evening, hour], [])


def test_reminders_of_a_meeting_that_is_over_are_dropped_not_folded() -> None:
    evening, hour = meeting_reminders(tehran("2026-11-26 10:00"), tehran("2026-11-20 12:00"))
    assert fold_catch_up([evening, hour], BACK) == ([], [])


def test_a_meeting_reminder_not_written_by_the_rules_is_dropped_once_late() -> None:
    foreign = Due(ReminderKind.MEETING_EVENING, "weekly-sync", tehran("2026-11-27 18:00"))
    assert fold_catch_up([foreign], BACK) == ([], [])
    ahead = Due(ReminderKind.MEETING_EVENING, "weekly-sync", tehran("2026-11-28 18:00"))
    assert fold_catch_up([ahead], BACK) == ([ahead], [])


def test_a_whole_downtime_is_sorted_in_one_pass_keeping_the_order() -> None:
    digest = Due(ReminderKind.DIGEST, "w2026-11-28", tehran("2026-11-28 09:00"))
    old_prompt = Due(ReminderKind.MONITORING_PROMPT, "1405-09", tehran("2026-11-22 09:00"))
    old_overdue = Due(OVERDUE, "2026-11-26", tehran("2026-11-26 09:00"))
    today_overdue = Due(OVERDUE, "2026-11-28", tehran("2026-11-28 09:00"))
    past_meeting = Due(
        ReminderKind.MEETING_HOUR, "2026-11-26T06:30:00+00:00", tehran("2026-11-26 09:00")
    )
    useful, stale = fold_catch_up(
        [old_prompt, digest, past_meeting, old_overdue, today_overdue], BACK
    )
    assert useful == [digest, today_overdue]
    assert stale == [old_prompt, old_overdue]


def test_due_moments_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError):
        Due(DUE, "2026-11-23", datetime.datetime(2026, 11, 23, 9, 0))


def test_a_reminders_setting_changes_only_what_it_names() -> None:
    default = GroupSchedule()
    assert changed_schedule(default, ["days", "5", "2"]).reminder_days == (5, 2)
    quiet = changed_schedule(default, ["quiet", "22:30", "7"])
    assert (quiet.quiet_start, quiet.quiet_end) == (datetime.time(22, 30), datetime.time(7, 0))
    assert quiet.morning == default.morning
    assert changed_schedule(default, ["morning", "9:15"]).morning == datetime.time(9, 15)
    assert changed_schedule(default, ["approval", "4"]).approval_days == 4
    assert changed_schedule(default, ["monitoring", "quarterly"]).monitoring == "quarterly"


@pytest.mark.parametrize(
    "words",
    [
        ["quiet", "25:00", "08:00"],  # no such hour
        ["quiet", "21:00"],  # both ends are needed
        ["morning", "22:00"],  # inside the quiet hours
        ["days", "x"],
        ["days"],
        ["approval", "3", "4"],
        ["monitoring", "yearly"],
        ["holidays", "none"],
    ],
)
def test_a_reminders_setting_that_cannot_be_read_is_refused(words: list[str]) -> None:
    with pytest.raises(ValueError):
        changed_schedule(GroupSchedule(), words)

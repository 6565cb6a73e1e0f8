"""The planner asks the database only for tasks due on the days `task_reminder_dates` names;
that must be exactly the due dates `task_reminders` speaks of today, whatever the calendar
(Nowruz, lunar holidays, Fridays) and the group's lead days."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.jalali import HolidayCalendar
from bot.domain.schedule import (
    GroupSchedule,
    ReminderKind,
    task_escalation_week,
    task_reminder_dates,
    task_reminders,
)
from bot.domain.tasks import TaskStatus

CALENDAR = HolidayCalendar(lunar={1404: frozenset({(1, 2), (1, 11), (1, 12), (12, 20)})})
WARNINGS = (ReminderKind.TASK_BEFORE, ReminderKind.TASK_DUE)

days = st.dates(datetime.date(2025, 3, 1), datetime.date(2026, 4, 30))
leads = st.lists(st.integers(1, 60), min_size=1, max_size=4, unique=True)


@settings(max_examples=60, deadline=None)
@given(today=days, reminder_days=leads)
def test_the_planned_due_dates_are_those_the_timing_warns_about_today(
    today: datetime.date, reminder_days: list[int]
) -> None:
    schedule = GroupSchedule(reminder_days=tuple(reminder_days))
    planned = task_reminder_dates(today, schedule, CALENDAR)
    for offset in range(0, 100):
        due_on = today + datetime.timedelta(days=offset)
        kinds = {d.kind for d in task_reminders(due_on, TaskStatus.TODO, today, schedule, CALENDAR)}
        assert (due_on in planned) == bool(kinds & set(WARNINGS)), due_on


def test_nowruz_pulls_a_warning_before_the_holidays_into_the_plan() -> None:
    # 1405/01/01 is 2026-03-21; the last working day before Nowruz plans the tasks due in it.
    before = datetime.date(2026, 3, 18)  # Wednesday
    planned = task_reminder_dates(before, GroupSchedule(), CALENDAR)
    assert datetime.date(2026, 3, 21) in planned  # due on the first day of Nowruz


def test_nothing_is_planned_on_a_friday_and_escalations_come_on_the_weeks_first_day() -> None:
    friday = datetime.date(2026, 11, 27)
    assert task_reminder_dates(friday, GroupSchedule(), CALENDAR) == frozenset()
    assert task_escalation_week(friday, CALENDAR) is None
    saturday = datetime.date(2026, 11, 28)
    assert task_escalation_week(saturday, CALENDAR) == "w2026-11-28"
    assert task_escalation_week(saturday + datetime.timedelta(days=1), CALENDAR) is None

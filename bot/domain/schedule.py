"""When the bot may speak, and what it should say on a given day: the scheduler's pure rules.

Nothing here reads a clock or a database. The scheduler asks these functions, once a day or
on every tick, what *should* exist for a task, a waiting approval, a meeting, a monitoring
period or the weekly digest; each answer is a :class:`Due` whose ``(kind, period)`` together
with the subject (task, submission, member...) is the outbox key, so asking twice never sends
twice. :func:`deliverable_at` then holds back what would land on a Friday, an official holiday
or in the group's quiet hours.

Times are aware datetimes in UTC on the way out; days are Gregorian ``datetime.date`` values,
judged in Tehran (or the configured zone), like everywhere else in the domain.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.jalali import TEHRAN, HolidayCalendar, from_jalali, jalali_parts, to_tehran
from bot.domain.submissions import waiting_days
from bot.domain.tasks import TaskStatus

__all__ = [
    "MONITORING_MODES",
    "MUTABLE",
    "MUTE_APPROVALS",
    "MUTE_DIGEST",
    "MUTE_ESCALATIONS",
    "MUTE_MEETINGS",
    "MUTE_PACKAGES",
    "MUTE_TASKS",
    "SNOOZE_CHOICES",
    "Due",
    "GroupSchedule",
    "ReminderKind",
    "approval_reminders",
    "changed_schedule",
    "deliverable_at",
    "digest_due",
    "fold_catch_up",
    "meeting_reminders",
    "monitoring_followups",
    "monitoring_periods",
    "package_reminders",
    "parse_setting_clock",
    "snooze_until",
    "task_escalation_week",
    "task_reminder_dates",
    "task_reminders",
]

UTC = datetime.UTC
_DAY = datetime.timedelta(days=1)
_WEEK = datetime.timedelta(days=7)
_HOUR = datetime.timedelta(hours=1)

MONITORING_MODES: frozenset[str] = frozenset({"monthly", "quarterly"})
SNOOZE_CHOICES: frozenset[str] = frozenset({"tomorrow", "week"})

# Longer than two months ahead a reminder is planning, not a reminder; a typo such as 300
# would otherwise have the bot nag about a task nobody has thought about yet.
_MAX_DAYS = 60
# The longest run of days off a warning may be pulled forward over (Nowruz and its weekend).
_DAYS_OFF_SLACK = 21

# Python counts weekdays from Monday (0); the Iranian week starts on Saturday.
_SATURDAY = 5

# Quarters begin with Farvardin, Tir, Mehr and Dey.
_QUARTER_FIRST_MONTHS = frozenset({1, 4, 7, 10})

# The evening before a meeting, people plan their next day.
_MEETING_EVENING = datetime.time(18, 0)

# Follow-ups of a monitoring prompt, in working days after its first working day.
_MONITORING_REMINDER_AFTER = 5
_MONITORING_ESCALATION_AFTER = 10


class ReminderKind(enum.StrEnum):
    TASK_BEFORE = "task_before"
    TASK_DUE = "task_due"
    TASK_OVERDUE = "task_overdue"
    TASK_ESCALATION = "task_escalation"
    APPROVAL_WAITING = "approval_waiting"
    APPROVAL_ESCALATION = "approval_escalation"
    PACKAGE_WAITING = "package_waiting"
    PACKAGE_ESCALATION = "package_escalation"
    MEETING_INVITE = "meeting_invite"
    MEETING_EVENING = "meeting_evening"
    MEETING_HOUR = "meeting_hour"
    MONITORING_PROMPT = "monitoring_prompt"
    MONITORING_REMINDER = "monitoring_reminder"
    MONITORING_ESCALATION = "monitoring_escalation"
    DIGEST = "digest"


_MEETING_KINDS = frozenset({ReminderKind.MEETING_EVENING, ReminderKind.MEETING_HOUR})


def _check_days(value: object, what: str) -> int:
    # bool is an int to Python, but "True days" is a bug in whoever built the schedule.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number of days, not {value!r}")
    if not 1 <= value <= _MAX_DAYS:
        raise ValueError(f"{what} must be between 1 and {_MAX_DAYS} days, not {value}")
    return value


def _check_time(value: object, what: str) -> None:
    if not isinstance(value, datetime.time):
        raise ValueError(f"{what} must be a datetime.time, not {value!r}")
    # Times are Tehran wall-clock times; a zone attached here would be silently ignored.
    if value.tzinfo is not None:
        raise ValueError(f"{what} must be a wall-clock time without a time zone")


@dataclass(frozen=True)
class GroupSchedule:
    """One working group's timing settings; the defaults are the product's."""

    reminder_days: tuple[int, ...] = (7, 3, 1)
    quiet_start: datetime.time = datetime.time(21, 0)
    quiet_end: datetime.time = datetime.time(8, 0)
    # Where a message held back by a night, a Friday or a holiday lands.
    morning: datetime.time = datetime.time(9, 0)
    approval_days: int = 3
    monitoring: str = "monthly"

    def __post_init__(self) -> None:
        # Settings come from the database and from a secretary's form: refuse nonsense here
        # rather than let it surface as a reminder at 3 a.m. or one that never comes.
        days = tuple(_check_days(d, "a reminder day") for d in self.reminder_days)
        if len(set(days)) != len(days):
            raise ValueError(f"reminder days must be distinct, not {days}")
        # Kept in one canonical order (furthest first) so that equal settings compare equal.
        object.__setattr__(self, "reminder_days", tuple(sorted(days, reverse=True)))
        _check_days(self.approval_days, "approval_days")
        if self.monitoring not in MONITORING_MODES:
            raise ValueError(
                f"monitoring must be 'monthly' or 'quarterly', not {self.monitoring!r}"
            )
        _check_time(self.quiet_start, "quiet_start")
        _check_time(self.quiet_end, "quiet_end")
        _check_time(self.morning, "morning")
        if self.quiet_start == self.quiet_end:
            # Equal ends could mean "never quiet" as well as "always quiet"; ask for clarity.
            raise ValueError("quiet_start and quiet_end must differ")
        if self.is_quiet(self.morning):
            raise ValueError("morning must be outside the quiet hours")

    @property
    def quiet_spans_midnight(self) -> bool:
        return self.quiet_start > self.quiet_end

    def is_quiet(self, t: datetime.time) -> bool:
        """Whether the wall-clock time ``t`` falls in the quiet hours [start, end)."""
        if self.quiet_spans_midnight:
            return t >= self.quiet_start or t < self.quiet_end
        return self.quiet_start <= t < self.quiet_end


@dataclass(frozen=True)
class Due:
    """One reminder that should exist.

    ``period`` makes the outbox key unique for its kind and subject: a date
    (``"2026-11-23"``), a Jalali month (``"1405-09"``) or quarter (``"1405-Q3"``), a week
    (``"w2026-11-21"``, the Saturday it starts), ``"after-3"`` for approvals, a due date and
    a lead (``"2026-11-30-3d"``) for warnings before a deadline, and the meeting's start in
    UTC ISO form for meeting reminders. ``at`` is when it falls due, before any shifting by
    :func:`deliverable_at`.
    """

    kind: ReminderKind
    period: str
    at: datetime.datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Due.at must be a timezone-aware datetime")


# --- helpers ---------------------------------------------------------------------------------


def _require_aware(moment: datetime.datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


def _local_moment(day: datetime.date, t: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """The wall-clock time ``t`` on ``day`` in ``zone``, as an aware UTC datetime.

    Going through the zone (not a fixed +03:30) matters: until 2022 Tehran kept summer time
    at +04:30, and 09:00 then was 04:30 UTC, not 05:30.
    """
    return datetime.datetime.combine(day, t, tzinfo=zone).astimezone(UTC)


def _previous_working_day(d: datetime.date, calendar: HolidayCalendar) -> datetime.date:
    """``d`` itself if it is a working day, otherwise the last one before it."""
    while not calendar.is_working_day(d):
        d -= _DAY
    return d


def _week_start(d: datetime.date) -> datetime.date:
    """The Saturday that starts the Iranian week containing ``d``."""
    return d - datetime.timedelta(days=(d.weekday() - _SATURDAY) % 7)


def _first_working_day_of_week(d: datetime.date, calendar: HolidayCalendar) -> datetime.date:
    return calendar.next_working_day(_week_start(d))


def _week_label(d: datetime.date) -> str:
    return f"w{_week_start(d).isoformat()}"


# --- when a message may go out ---------------------------------------------------------------


def deliverable_at(
    moment: datetime.datetime,
    schedule: GroupSchedule,
    calendar: HolidayCalendar,
    zone: ZoneInfo = TEHRAN,
) -> datetime.datetime:
    """The earliest moment, from ``moment`` on, at which the bot may message this group.

    A moment on a working day (in ``zone``) outside the quiet hours is returned unchanged, in
    UTC. A moment in the early part of a working day's quiet hours (00:00..08:00 by default)
    goes to that same day's quiet-hours end: that is the earliest allowed moment. Anything that
    has to move to another day (the evening part of the quiet hours, a Friday, a holiday, the
    afternoon of a group's half Thursday) lands
    at ``schedule.morning`` of the next working day, so that what piled up overnight or over a
    weekend arrives together at the hour the group chose, not at the first permitted minute.

    The consequence, accepted on purpose: a message held at 23:00 goes at 09:00, one held at
    01:00 at 08:00 — once past midnight, the day it will be sent on has already begun.
    """
    _require_aware(moment, "moment")
    local = to_tehran(moment, zone)
    day, t = local.date(), local.time()
    closes = calendar.working_until(day)
    if calendar.is_working_day(day) and (closes is None or t < closes):
        if not schedule.is_quiet(t):
            return moment.astimezone(UTC)
        if t < schedule.quiet_end:
            return _local_moment(day, schedule.quiet_end, zone)
    return _local_moment(calendar.next_working_day(day + _DAY), schedule.morning, zone)


# --- tasks -----------------------------------------------------------------------------------


def task_reminders(
    due_on: datetime.date,
    status: TaskStatus,
    today: datetime.date,
    schedule: GroupSchedule,
    calendar: HolidayCalendar,
    zone: ZoneInfo = TEHRAN,
) -> list[Due]:
    """What a task's assignees (and, weekly, its secretary and chair) should hear today.

    The scheduler asks this every day for every open task with a due date:

    * TASK_BEFORE ``d`` days before ``due_on`` for each of the group's reminder days. A
      warning that would fall on a Friday or a holiday comes on the working day *before*:
      a warning that arrives late is no warning. When several leads meet on the same day
      (Nowruz swallows a whole week), only the nearest is sent. Period: ``"<due_on>-<d>d"``,
      so a rescheduled task is warned again for its new date.
    * TASK_DUE on ``due_on``, or on the last working day before it when ``due_on`` is a Friday
      or a holiday: nobody is reached on the day off itself, and the first working day after
      it the task is already overdue, so "due today" must come before. Period: ``due_on``.
      It replaces a warning that lands on the same day.
    * TASK_OVERDUE every working day after ``due_on`` (period: that day).
    * TASK_ESCALATION to the secretary and the chair once a week while overdue, on the first
      working day of each Saturday-started week (period: ``"w"`` + that Saturday).

    Nothing for a done or cancelled task, and nothing at all on a day off. ``at`` is today at
    the group's morning.
    """
    if status.is_closed or not calendar.is_working_day(today):
        return []
    at = _local_moment(today, schedule.morning, zone)
    dues: list[Due] = []

    due_day = _previous_working_day(due_on, calendar)
    if today == due_day:
        dues.append(Due(ReminderKind.TASK_DUE, due_on.isoformat(), at))
    elif today < due_day:
        # reminder_days is sorted furthest first, so the last match is the nearest lead.
        leads = [
            d
            for d in schedule.reminder_days
            if _previous_working_day(due_on - datetime.timedelta(days=d), calendar) == today
        ]
        if leads:
            lead = leads[-1]
            dues.append(Due(ReminderKind.TASK_BEFORE, f"{due_on.isoformat()}-{lead}d", at))

    if today > due_on:
        dues.append(Due(ReminderKind.TASK_OVERDUE, today.isoformat(), at))
        if today == _first_working_day_of_week(today, calendar):
            dues.append(Due(ReminderKind.TASK_ESCALATION, _week_label(today), at))
    return dues


def task_reminder_dates(
    today: datetime.date, schedule: GroupSchedule, calendar: HolidayCalendar
) -> frozenset[datetime.date]:
    """The due dates, from today on, that :func:`task_reminders` warns about or calls due today.

    The inverse of :func:`task_reminders`, so that the planner asks the database for the open
    tasks due on these few days (and for those due before today: overdue) instead of asking
    every task. Found by asking :func:`task_reminders` itself over a bounded window, so the two
    cannot disagree: a lead is at most ``_MAX_DAYS`` and a run of days off (Nowruz) only pulls
    a warning earlier, never later. Empty on a day off.
    """
    if not calendar.is_working_day(today):
        return frozenset()
    window = max(schedule.reminder_days) + _DAYS_OFF_SLACK
    found = set()
    for offset in range(window + 1):
        due_on = today + datetime.timedelta(days=offset)
        dues = task_reminders(due_on, TaskStatus.TODO, today, schedule, calendar)
        if any(d.kind in (ReminderKind.TASK_BEFORE, ReminderKind.TASK_DUE) for d in dues):
            found.add(due_on)
    return frozenset(found)


def task_escalation_week(today: datetime.date, calendar: HolidayCalendar) -> str | None:
    """The week whose overdue tasks go to the secretary and the chair today, or None: the
    TASK_ESCALATION of :func:`task_reminders`, asked once per group instead of per task."""
    if not calendar.is_working_day(today):
        return None
    if today != _first_working_day_of_week(today, calendar):
        return None
    return _week_label(today)


# --- approvals -------------------------------------------------------------------------------


def approval_reminders(
    opened_at: datetime.datetime, now: datetime.datetime, schedule: GroupSchedule
) -> list[Due]:
    """What the reviewers (and then the chair) should hear about a submission waiting at a stage.

    APPROVAL_WAITING once it has waited ``approval_days`` whole days (period ``"after-N"``),
    APPROVAL_ESCALATION once it has waited twice as long (period ``"after-2N"``). Both stay in
    the answer afterwards; the outbox key makes each go once. Days are counted the way the
    card shows them (:func:`waiting_days`), so the reminder never contradicts the card.
    Calendar days, not working days: a week of Nowruz is a week the plan did not move, and
    :func:`deliverable_at` still keeps the message itself off the holiday.
    """
    _require_aware(opened_at, "opened_at")
    _require_aware(now, "now")
    waited = waiting_days(opened_at, now)
    dues: list[Due] = []
    for kind, days in (
        (ReminderKind.APPROVAL_WAITING, schedule.approval_days),
        (ReminderKind.APPROVAL_ESCALATION, 2 * schedule.approval_days),
    ):
        if waited >= days:
            at = (opened_at + datetime.timedelta(days=days)).astimezone(UTC)
            dues.append(Due(kind, f"after-{days}", at))
    return dues


def package_reminders(
    communicated_on: datetime.date,
    today: datetime.date,
    schedule: GroupSchedule,
    calendar: HolidayCalendar,
    zone: ZoneInfo = TEHRAN,
) -> list[Due]:
    """What is said about a support-package instruction no representative has acknowledged.

    PACKAGE_WAITING to the agency's representatives once ``approval_days`` working days have
    passed since it was communicated (period ``"after-N"``), PACKAGE_ESCALATION to the
    province's secretariat after twice as many (``"after-2N"``). Working days, unlike the
    approvals: an instruction reaches an office, and an office does not read it on a holiday.
    Both stay in the answer afterwards; the outbox key makes each go once. ``at`` is the
    group's morning of the day it fell due. Nothing on a day off.
    """
    if not calendar.is_working_day(today):
        return []
    dues: list[Due] = []
    for kind, days in (
        (ReminderKind.PACKAGE_WAITING, schedule.approval_days),
        (ReminderKind.PACKAGE_ESCALATION, 2 * schedule.approval_days),
    ):
        falls_on = calendar.add_working_days(communicated_on, days)
        if today >= falls_on:
            dues.append(Due(kind, f"after-{days}", _local_moment(falls_on, schedule.morning, zone)))
    return dues


# --- meetings --------------------------------------------------------------------------------


def _meeting_period(starts_at: datetime.datetime) -> str:
    return starts_at.astimezone(UTC).isoformat()


def meeting_reminders(
    starts_at: datetime.datetime, created_at: datetime.datetime, zone: ZoneInfo = TEHRAN
) -> list[Due]:
    """Reminders of a meeting: the evening before at 18:00, and one hour before it starts.

    A reminder whose moment had already passed when the meeting was created is left out: the
    invitation itself says everything then. The period is the meeting's start, so moving the
    meeting arms its reminders again.

    These are deliberately NOT passed through :func:`deliverable_at`: a meeting at 08:30 needs
    its reminder at 07:30, and a Saturday meeting needs its reminder on Friday evening. Held
    back to the next working morning, a meeting reminder would arrive after the meeting.
    """
    _require_aware(starts_at, "starts_at")
    _require_aware(created_at, "created_at")
    period = _meeting_period(starts_at)
    meeting_day = to_tehran(starts_at, zone).date()
    dues: list[Due] = []
    evening = _local_moment(meeting_day - _DAY, _MEETING_EVENING, zone)
    if created_at <= evening:
        dues.append(Due(ReminderKind.MEETING_EVENING, period, evening))
    hour_before = (starts_at - _HOUR).astimezone(UTC)
    if created_at <= hour_before:
        dues.append(Due(ReminderKind.MEETING_HOUR, period, hour_before))
    return dues


# --- monitoring ------------------------------------------------------------------------------


def monitoring_periods(
    today: datetime.date, schedule: GroupSchedule, calendar: HolidayCalendar
) -> str | None:
    """The monitoring period whose prompt the CDAs get today, or None.

    The prompt goes on the first working day of the Jalali month (``"1405-09"``), or, for a
    quarterly group, of the quarter's first month (``"1405-Q3"`` from Mehr to Azar). Farvardin
    starts with four Nowruz holidays, so its prompt waits for the first working day after them
    (and after any Friday or lunar holiday that follows).
    """
    year, month, _ = jalali_parts(today)
    if today != calendar.next_working_day(from_jalali(year, month, 1)):
        return None
    if schedule.monitoring == "monthly":
        return f"{year}-{month:02d}"
    if month in _QUARTER_FIRST_MONTHS:
        return f"{year}-Q{(month - 1) // 3 + 1}"
    return None


def monitoring_followups(
    period_start: datetime.date, today: datetime.date, calendar: HolidayCalendar
) -> ReminderKind | None:
    """A reminder to a CDA who has not reported, then an escalation, counted in working days.

    MONITORING_REMINDER on the 5th working day after the period's first working day,
    MONITORING_ESCALATION on the 10th. ``period_start`` may be the period's first calendar
    day or its first working day; both lead to the same prompt day.
    """
    prompted_on = calendar.next_working_day(period_start)
    if today == calendar.add_working_days(prompted_on, _MONITORING_REMINDER_AFTER):
        return ReminderKind.MONITORING_REMINDER
    if today == calendar.add_working_days(prompted_on, _MONITORING_ESCALATION_AFTER):
        return ReminderKind.MONITORING_ESCALATION
    return None


# --- digest and snooze -----------------------------------------------------------------------


def digest_due(
    now: datetime.datetime, schedule: GroupSchedule, zone: ZoneInfo = TEHRAN
) -> str | None:
    """The week whose digest is due: on Saturday from the group's morning, ``"w<Saturday>"``.

    Saturday starts the Iranian week. The digest goes even when that Saturday is a holiday: it
    is a summary to read when convenient, not a chase, and a week without one leaves a gap in
    the record. ``morning`` is outside the quiet hours by construction; only a bot that comes
    back late on a Saturday evening meets the quiet hours here, and :func:`deliverable_at`
    then holds the digest to the next working morning under the same week's key.
    """
    _require_aware(now, "now")
    local = to_tehran(now, zone)
    if local.weekday() != _SATURDAY or local.time() < schedule.morning:
        return None
    return _week_label(local.date())


def snooze_until(
    choice: str,
    now: datetime.datetime,
    schedule: GroupSchedule,
    calendar: HolidayCalendar,
    zone: ZoneInfo = TEHRAN,
) -> datetime.datetime:
    """When a snoozed reminder comes back.

    ``"tomorrow"``: the morning of the next working day after today (in ``zone``), so a snooze
    pressed on Wednesday evening skips Thursday only if Thursday is a holiday, and always
    skips Friday. ``"week"``: the same weekday a week later at the morning, moved to the next
    working morning when that day is off.
    """
    _require_aware(now, "now")
    today = to_tehran(now, zone).date()
    if choice == "tomorrow":
        return _local_moment(calendar.next_working_day(today + _DAY), schedule.morning, zone)
    if choice == "week":
        return _local_moment(calendar.next_working_day(today + _WEEK), schedule.morning, zone)
    raise ValueError(f"snooze choice must be 'tomorrow' or 'week', not {choice!r}")


# --- what a member and a secretary set ------------------------------------------------------

# The kinds of reminder a member can mute or snooze; stored as they are, and also the keys of
# their texts (reminders.kind_<kind>).
MUTE_TASKS = "tasks"
MUTE_APPROVALS = "approvals"
MUTE_DIGEST = "digest"
# Weekly overdue lists and unacknowledged packages, to the secretariat.
MUTE_ESCALATIONS = "escalations"
MUTE_MEETINGS = "meetings"
# Reminders of a support-package instruction not yet acknowledged.
MUTE_PACKAGES = "packages"
MUTABLE = (MUTE_TASKS, MUTE_APPROVALS, MUTE_DIGEST, MUTE_ESCALATIONS, MUTE_MEETINGS, MUTE_PACKAGES)


def parse_setting_clock(text: str) -> datetime.time:
    """A time in `/reminders quiet 21:00 08:00`: H, H:M or HH:MM in Latin digits; ValueError
    for anything else."""
    hour, _, minute = text.partition(":")
    return datetime.time(int(hour), int(minute or 0))


def changed_schedule(schedule: GroupSchedule, words: list[str]) -> GroupSchedule:
    """Apply `/reminders <what> <values>`; GroupSchedule itself refuses impossible values.

    Raises ValueError for an unknown setting, a wrong number of values or a bad value.
    """
    what, values = words[0], words[1:]
    if what == "days" and values:
        return dataclasses.replace(schedule, reminder_days=tuple(int(v) for v in values))
    if what == "quiet" and len(values) == 2:
        return dataclasses.replace(
            schedule,
            quiet_start=parse_setting_clock(values[0]),
            quiet_end=parse_setting_clock(values[1]),
        )
    if what == "morning" and len(values) == 1:
        return dataclasses.replace(schedule, morning=parse_setting_clock(values[0]))
    if what == "approval" and len(values) == 1:
        return dataclasses.replace(schedule, approval_days=int(values[0]))
    if what == "monitoring" and len(values) == 1:
        return dataclasses.replace(schedule, monitoring=values[0])
    raise ValueError(f"unknown setting {what!r}")


# --- catching up after downtime --------------------------------------------------------------


def _meeting_start(due: Due) -> datetime.datetime | None:
    """The meeting's start, read back from the period :func:`meeting_reminders` wrote."""
    if due.kind is ReminderKind.MEETING_HOUR:
        return due.at + _HOUR
    try:
        start = datetime.datetime.fromisoformat(due.period)
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


def _meeting_still_useful(due: Due, now: datetime.datetime) -> bool:
    start = _meeting_start(due)
    if start is None:
        # A period not written here: without the start, only a reminder not yet late is safe.
        return now <= due.at
    if due.kind is ReminderKind.MEETING_EVENING:
        # From an hour before, the hour reminder speaks; "tomorrow at 10" at 9:30 misleads.
        return now < start - _HOUR
    return now < start


def _task_not_yet_due(due: Due, now: datetime.datetime, zone: ZoneInfo) -> bool:
    try:
        due_on = datetime.date.fromisoformat(due.period[:10])
    except ValueError:
        return False
    return to_tehran(now, zone).date() < due_on


def fold_catch_up(
    dues: Iterable[Due],
    now: datetime.datetime,
    stale_after: datetime.timedelta = datetime.timedelta(hours=36),
    zone: ZoneInfo = TEHRAN,
) -> tuple[list[Due], list[Due]]:
    """Sort the reminders that fell due while the bot was down: (still useful, stale).

    Useful ones are sent as they are; stale ones — older than ``stale_after`` — are folded by
    the caller into one catch-up message, because a burst of week-old "due tomorrow" messages
    teaches people to ignore the bot. Keeping at most one per kind and subject is the
    caller's job. Two kinds follow their own rule:

    * a warning before a deadline (TASK_BEFORE) is useful, however late, while the task is not
      yet due; once it is due the due-day and overdue reminders speak for it, so it is stale;
    * a meeting reminder is useful only while it still comes before what it announces (the
      hour-before reminder for the evening one, the start for the hour one); otherwise it is
      dropped and appears in neither list: a reminder of a meeting that is over is noise.

    A due still in the future counts as useful. Input order is kept in both lists.
    """
    _require_aware(now, "now")
    useful: list[Due] = []
    stale: list[Due] = []
    for due in dues:
        if due.kind in _MEETING_KINDS:
            if _meeting_still_useful(due, now):
                useful.append(due)
        elif due.kind is ReminderKind.TASK_BEFORE:
            (useful if _task_not_yet_due(due, now, zone) else stale).append(due)
        elif now - due.at > stale_after:
            stale.append(due)
        else:
            useful.append(due)
    return useful, stale

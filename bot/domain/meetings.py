"""Working-group meetings: when, where, about what, who comes, and what was decided.

Pure rules and the read models (Meeting, Reply, Decision) that storage builds: nothing here
reads a clock or a database. The handlers ask these functions to read what a secretary typed,
bot/services/meetings.py whether a person may do something with a meeting; the reminders'
timing is bot/domain/schedule.py's.

`InvalidInput.reason` values (what a person typed cannot be used; each is a locale key under
``meeting_errors``):
    meeting_in_past, time_invalid,
    place_is_command, place_too_short, place_too_long,
    agenda_is_command, agenda_too_short, agenda_too_long,
    decision_is_command, decision_too_short, decision_too_long

Refusal reasons (`MeetingRefusal`, returned by the `*_refusal` functions and the service;
also keys under ``meeting_errors``):
    meeting_gone, meeting_cancelled, meeting_in_past, not_invited, meeting_started,
    secretaries_only, not_started, decision_gone, already_a_task

A date that cannot be read raises `jalali.DateParseError` unchanged; its `DateError` reason
already has a text of its own.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain import jalali
from bot.domain.members import Actor, can_manage_group
from bot.domain.text import InvalidInput, one_line, paragraphs

__all__ = [
    "RECENT",
    "Answer",
    "Decision",
    "Meeting",
    "MeetingRefusal",
    "Reply",
    "answer_refusal",
    "change_refusal",
    "clean_agenda",
    "clean_decision",
    "clean_place",
    "create_refusal",
    "decision_task_refusal",
    "decisions_refusal",
    "is_listed",
    "manage_refusal",
    "meeting_start",
    "parse_clock",
    "parse_meeting_day",
    "parse_meeting_time",
    "should_remind",
    "tally",
    "task_title",
]

# A meeting is listed this long after it began: its decisions may still be recorded.
RECENT = datetime.timedelta(days=14)
# A task title made from a decision is at most this long.
TASK_TITLE_MAX = 300


class Answer(enum.StrEnum):
    """A member's reply to an invitation; it may be changed until the meeting starts."""

    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"


class MeetingRefusal(enum.StrEnum):
    """Why a person may not do something with a meeting; each is a key under meeting_errors."""

    MEETING_GONE = "meeting_gone"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_IN_PAST = "meeting_in_past"
    MEETING_STARTED = "meeting_started"
    NOT_INVITED = "not_invited"
    NOT_STARTED = "not_started"
    SECRETARIES_ONLY = "secretaries_only"
    DECISION_GONE = "decision_gone"
    ALREADY_A_TASK = "already_a_task"


@dataclass(frozen=True)
class Meeting:
    id: int
    working_group: str
    starts_at: datetime.datetime
    place: str
    agenda: str
    created_by_user_id: int
    created_at: datetime.datetime
    cancelled_at: datetime.datetime | None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True)
class Reply:
    member_id: int
    user_id: int
    name: str
    locale: str
    answer: Answer
    at: datetime.datetime


@dataclass(frozen=True)
class Decision:
    id: int
    meeting_id: int
    position: int
    text: str
    task_id: int | None


# --- when -------------------------------------------------------------------------------------


def parse_clock(text: str) -> datetime.time:
    """A wall-clock time: HH:MM, a whole hour, ``ساعت ۱۰``, ``۴ عصر`` (jalali.parse_time)."""
    try:
        return jalali.parse_time(text)
    except jalali.DateParseError:
        raise InvalidInput("time_invalid") from None


def parse_meeting_day(text: str, today: datetime.date) -> datetime.date:
    """The meeting's Jalali date; today is allowed (the time decides), a past day is not."""
    day = jalali.parse_date(text, today)
    if day < today:
        raise InvalidInput("meeting_in_past")
    return day


def meeting_start(
    day: datetime.date,
    at: datetime.time,
    zone: ZoneInfo = jalali.TEHRAN,
    now: datetime.datetime | None = None,
) -> datetime.datetime:
    """The wall-clock time ``at`` on ``day`` in ``zone``, as an aware UTC datetime.

    With ``now``, a moment not after it is refused: a meeting is announced before it starts.
    """
    start = datetime.datetime.combine(day, at, tzinfo=zone).astimezone(datetime.UTC)
    if now is not None and start <= now:
        raise InvalidInput("meeting_in_past")
    return start


def parse_meeting_time(
    date_text: str,
    time_text: str,
    today: datetime.date,
    zone: ZoneInfo = jalali.TEHRAN,
    now: datetime.datetime | None = None,
) -> datetime.datetime:
    """A meeting's start from a typed Jalali date and an HH:MM time, in UTC.

    A day before ``today`` is refused with ``meeting_in_past``, and so is, when ``now`` is
    given, a time already gone on today's date. A time that cannot be read is refused with
    ``time_invalid``; a date that cannot be read raises `jalali.DateParseError`.
    """
    day = parse_meeting_day(date_text, today)
    return meeting_start(day, parse_clock(time_text), zone, now)


# --- what people type -------------------------------------------------------------------------


def clean_place(text: str) -> str:
    """An address or a link to an online meeting; one line."""
    return one_line(text, "place", 2, 300)


def clean_agenda(text: str) -> str:
    return paragraphs(text, "agenda", 3, 2000)


def clean_decision(text: str) -> str:
    return paragraphs(text, "decision", 3, 1000)


# --- who may do what --------------------------------------------------------------------------


def manage_refusal(actor: Actor, working_group: str) -> MeetingRefusal | None:
    """Schedule a meeting, see every reply, record decisions: the secretariat's work."""
    return None if can_manage_group(actor, working_group) else MeetingRefusal.SECRETARIES_ONLY


def create_refusal(
    actor: Actor, working_group: str, starts_at: datetime.datetime, now: datetime.datetime
) -> MeetingRefusal | None:
    """The secretariat announces a meeting before it starts (the dialog may have taken long)."""
    refusal = manage_refusal(actor, working_group)
    if refusal is None and starts_at <= now:
        return MeetingRefusal.MEETING_IN_PAST
    return refusal


def answer_refusal(
    actor: Actor,
    working_group: str,
    starts_at: datetime.datetime,
    cancelled: bool,
    now: datetime.datetime,
) -> MeetingRefusal | None:
    """Why this person may not answer this meeting's invitation now, or None if they may.

    Only approved members of the meeting's own working group are invited; a button pressed
    in the group's shared chat by anyone else is refused, not counted.
    """
    if cancelled:
        return MeetingRefusal.MEETING_CANCELLED
    if not actor.is_member or actor.working_group != working_group:
        return MeetingRefusal.NOT_INVITED
    if now >= starts_at:
        return MeetingRefusal.MEETING_STARTED
    return None


def change_refusal(actor: Actor, meeting: Meeting, now: datetime.datetime) -> MeetingRefusal | None:
    """Cancel, move or edit a meeting: its secretariat, while it is still to come and not
    called off already (a second Cancel must not tell everyone twice)."""
    refusal = manage_refusal(actor, meeting.working_group)
    if refusal is not None:
        return refusal
    if meeting.cancelled:
        return MeetingRefusal.MEETING_CANCELLED
    if now >= meeting.starts_at:
        return MeetingRefusal.MEETING_STARTED
    return None


def decisions_refusal(
    actor: Actor, working_group: str, starts_at: datetime.datetime, now: datetime.datetime
) -> MeetingRefusal | None:
    """Decisions are recorded by the secretariat, once the meeting has begun."""
    refusal = manage_refusal(actor, working_group)
    if refusal is not None:
        return refusal
    if now < starts_at:
        return MeetingRefusal.NOT_STARTED
    return None


def decision_task_refusal(
    actor: Actor, meeting: Meeting, decision: Decision, now: datetime.datetime
) -> MeetingRefusal | None:
    """A decision becomes one task, made by the secretariat once the meeting has begun."""
    refusal = decisions_refusal(actor, meeting.working_group, meeting.starts_at, now)
    if refusal is None and decision.task_id is not None:
        return MeetingRefusal.ALREADY_A_TASK
    return refusal


def is_listed(meeting: Meeting, managed: Iterable[str], now: datetime.datetime) -> bool:
    """/meetings shows members what is coming; the secretariat also sees what was just held,
    whose decisions are still to be recorded."""
    return meeting.starts_at > now or meeting.working_group in set(managed)


def task_title(decision_text: str) -> str:
    """The decision's first line, short enough to be a task title."""
    first = decision_text.splitlines()[0].strip() if decision_text.strip() else decision_text
    return first if len(first) <= TASK_TITLE_MAX else first[: TASK_TITLE_MAX - 1] + "…"


# --- replies ---------------------------------------------------------------------------------


def tally(answers: Iterable[Answer | str]) -> dict[Answer, int]:
    """How many said each answer; every answer is present, with zero when nobody chose it."""
    counts = dict.fromkeys(Answer, 0)
    for answer in answers:
        counts[Answer(answer)] += 1
    return counts


def should_remind(answer: Answer | str | None) -> bool:
    """Reminders go to everyone invited except those who said they will not come."""
    return answer is None or Answer(answer) is not Answer.NOT_ATTENDING

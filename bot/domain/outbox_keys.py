"""Outbox keys: what makes a message "the same message" so that it is queued once.

A key is (kind, subject, period, recipient). Queuing a key that is already in the outbox
does nothing, so a reminder pass that runs twice, on two processes or after a restart, sends
nothing twice. Every key is built here, and so is the list of kinds that go stale after
downtime, so the folding of stale reminders cannot fall out of step with the reminders.
"""

from __future__ import annotations

import datetime
import zlib

# --- reminders the scheduler queues; these go stale after downtime -------------------------


def task_reminders(user_id: int, today: datetime.date) -> str:
    return f"tasks:{user_id}:{today.isoformat()}"


def escalation(group: str, label: str, user_id: int) -> str:
    return f"escalation:{group}:{label}:{user_id}"


def approval_reminder(submission_id: int, version: int, period: str, chat_id: int) -> str:
    return f"approval:{submission_id}:v{version}:{period}:{chat_id}"


def package_reminder(item_id: int, period: str, user_id: int) -> str:
    """An unacknowledged support-package instruction, to one of the agency's people."""
    return f"package-waiting:{item_id}:{period}:{user_id}"


def package_escalation(item_id: int, period: str, chat_id: int) -> str:
    """The same instruction, still unacknowledged, to the province's secretariat."""
    return f"package-escalation:{item_id}:{period}:{chat_id}"


def digest(group: str, period: str, chat_id: int) -> str:
    return f"{digest_prefix(group, period)}{chat_id}"


def digest_prefix(group: str, period: str) -> str:
    """Every copy of one group's digest for one week, whoever it went to."""
    return f"digest:{group}:{period}:"


def kpi_prompt(kind: str, cluster_id: int, period: str, user_id: int | None) -> str:
    """`kind` is prompt, reminder or escalation; a prompt to the cluster's CDA is one per
    cluster and period, whoever the CDA is by then (`user_id` None)."""
    key = f"kpi-{kind}:{cluster_id}:{period}"
    return key if user_id is None else f"{key}:{user_id}"


def meeting(kind: str, meeting_id: int, starts_at: datetime.datetime, chat_id: int) -> str:
    """The period is the start, so moving a meeting invites and reminds again, and asking
    twice never sends twice. `kind` is a ReminderKind value of the meeting's."""
    period = starts_at.astimezone(datetime.UTC).isoformat()
    return f"meeting:{kind}:{meeting_id}:{period}:{chat_id}"


def catch_up(chat_id: int, today: datetime.date) -> str:
    return f"catch-up:{chat_id}:{today.isoformat()}"


# Reminder keys by their first word: what `fold_stale_reminders` folds after downtime.
def meeting_changed(
    meeting_id: int, change: str, at: datetime.datetime, content: str, chat_id: int
) -> str:
    """A meeting cancelled, moved or edited at `at` to `content` (its time, place and agenda
    as text): each change told once to each chat, two edits in one second included."""
    stamp = f"{int(at.timestamp())}-{zlib.crc32(content.encode()):08x}"
    return f"meeting-{change}:{meeting_id}:{stamp}:{chat_id}"


REMINDER_PREFIXES = (
    "tasks:",
    "escalation:",
    "approval:",
    "digest:",
    "kpi-",
    "package-waiting:",
    "package-escalation:",
)
# Only the reminders before a meeting go stale; an invitation is still wanted late.
MEETING_REMINDER_PREFIXES = ("meeting:meeting_evening:", "meeting:meeting_hour:")
STALE_PREFIXES = (*REMINDER_PREFIXES, *MEETING_REMINDER_PREFIXES)


def is_meeting_reminder(key: str) -> bool:
    return key.startswith(MEETING_REMINDER_PREFIXES)


# --- notices that follow a person's action -------------------------------------------------


def application_card(member_id: int, submitted_at: datetime.datetime, chat_id: int) -> str:
    return f"application:{member_id}:{submitted_at.isoformat()}:{chat_id}"


def application_edit(chat_id: int, copy_ref: str, digest_: str) -> str:
    """Keyed by the card's content: the same card is edited once, a changed one again."""
    return f"application-edit:{chat_id}:{copy_ref}:{digest_}"


def application_decision(member_id: int, decided: str) -> str:
    return f"application-decision:{member_id}:{decided}"


def waiting_application(member_id: int, applied_at: datetime.datetime, chat_id: int) -> str:
    """The card of an application that reached nobody, delivered once to each reviewer."""
    return f"application-waited:{member_id}:{applied_at.isoformat()}:{chat_id}"


def application_delivered(member_id: int, applied_at: datetime.datetime) -> str:
    return f"application-delivered:{member_id}:{applied_at.isoformat()}"


def agency_change_card(change_id: int, chat_id: int) -> str:
    return f"agency-change:{change_id}:{chat_id}"


def waiting_agency_change(change_id: int, chat_id: int) -> str:
    """The card of a change that reached nobody (its first card to this chat was refused),
    delivered once to each reviewer who turns up."""
    return f"agency-change-waited:{change_id}:{chat_id}"


def agency_change_edit(chat_id: int, copy_ref: str, digest_: str) -> str:
    return f"agency-change-edit:{chat_id}:{copy_ref}:{digest_}"


def agency_change_decision(change_id: int) -> str:
    return f"agency-change-decision:{change_id}"


def role_change(member_id: int, role: str, at: datetime.datetime) -> str:
    return f"role:{member_id}:{role}:{at.isoformat()}"


def appointment_confirmed(member_id: int, role: str, at: datetime.datetime, chat_id: int) -> str:
    return f"appointed:{member_id}:{role}:{at.isoformat()}:{chat_id}"


def submission_card(submission_id: int, version: int, chat_id: int) -> str:
    return f"card:{submission_id}:v{version}:{chat_id}"


def submission_card_edit(
    submission_id: int, version: int, round_key: str, chat_id: int, copy_ref: str
) -> str:
    return f"edit:{submission_id}:v{version}{round_key}:{chat_id}:{copy_ref}"


def submission_author(submission_id: int, version: int, recipient: str) -> str:
    return f"author:{submission_id}:v{version}:{recipient}"


def license_issued(number: str) -> str:
    return f"license:{number}"


def package_item(item_id: int, user_id: int) -> str:
    return f"package:{item_id}:{user_id}"


def package_unreached(submission_id: int, chat_id: int) -> str:
    return f"package-unreached:{submission_id}:{chat_id}"


def task_blocked(task_id: int, version: int, chat_id: int) -> str:
    return f"task-blocked:{task_id}:v{version}:{chat_id}"


def task_card_edit(task_id: int, version: int, chat_id: int, message_id: int) -> str:
    """One copy of a task's card redrawn for one version of the task."""
    return f"task-card:{task_id}:v{version}:{chat_id}:{message_id}"


def task_done(task_id: int, version: int, chat_id: int) -> str:
    return f"task-done:{task_id}:v{version}:{chat_id}"


def task_assigned(task_id: int, version: int, user_id: int) -> str:
    return f"task-assigned:{task_id}:v{version}:{user_id}"


def plan_assigned(first_task_id: int, user_id: int) -> str:
    return f"plan-assigned:{first_task_id}:{user_id}"


def task_cancelled(task_id: int, version: int, user_id: int) -> str:
    return f"task-cancelled:{task_id}:v{version}:{user_id}"


def task_reopened(task_id: int, version: int, user_id: int) -> str:
    return f"task-reopened:{task_id}:v{version}:{user_id}"


def task_changes(task_id: int, window_start: datetime.datetime, user_id: int) -> str:
    """Every change to a task within one fold window (`tasks.CHANGE_FOLD`) is one notice."""
    return f"task-changes:{task_id}:{int(window_start.timestamp())}:{user_id}"


# --- the calendar ---------------------------------------------------------------------------


def closure_declared(closure_id: int, user_id: int) -> str:
    return f"closure:{closure_id}:{user_id}"


def closure_lifted(closure_id: int, user_id: int) -> str:
    return f"closure-lifted:{closure_id}:{user_id}"


# --- substitutes ----------------------------------------------------------------------------


def substitution_named(substitution_id: int, user_id: int) -> str:
    return f"substitute:{substitution_id}:{user_id}"


def substitution_ended(substitution_id: int, user_id: int) -> str:
    return f"substitute-ended:{substitution_id}:{user_id}"

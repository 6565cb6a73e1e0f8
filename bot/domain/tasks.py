"""Tasks given to agencies (F12, F13) and the rules of reporting on them.

A task has one or more assignees, usually the representatives of the agencies the task matrix
of seed 004 marks for a sub-process, or the owners of the activities of a plan template. Each
assignee reports on their own share from the task card (start, +25%, done, blocked); the
task's own status and progress are derived from those shares, so two assignees tapping at the
same moment never overwrite each other's report. Everything here is pure: the storage layer
loads the states, applies what these functions return and re-checks versions itself.

Refusal reasons (returned by the `*_refusal` functions; each is a locale key):
    members_only, task_cancelled, not_assignee, secretaries_only, not_your_task,
    task_already_done, not_cancelled

`TaskRefused.reason` values (a report that makes no sense in the assignee's state):
    already_started, already_done, already_blocked, progress_full

`InvalidInput.reason` values (what a person typed cannot be used):
    due_in_past,
    task_title_is_command, task_title_too_short, task_title_too_long,
    task_details_is_command, task_details_too_short, task_details_too_long,
    task_comment_is_command, task_comment_too_short, task_comment_too_long,
    block_reason_is_command, block_reason_too_short, block_reason_too_long,
    cancel_reason_is_command, cancel_reason_too_short, cancel_reason_too_long

A due date that cannot be read raises `jalali.DateParseError` unchanged; its `DateError`
reason already has a text of its own.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.domain import jalali
from bot.domain.members import (
    Actor,
    can_manage_group,
    can_see_all,
    can_view_group,
    managed_groups,
)
from bot.domain.text import InvalidInput, one_line, paragraphs
from bot.domain.working_groups import WORKING_GROUPS

__all__ = [
    "BOARD_STATUSES",
    "CHANGE_FOLD",
    "CLOSED_STATUSES",
    "NO_AGENCY",
    "PROGRESS_STEP",
    "TASK_VIEWS",
    "UNASSIGNED_AGENCIES",
    "Assignee",
    "AssigneeState",
    "BoardFilter",
    "BoardPage",
    "BoardPlace",
    "LateByAgency",
    "LateTask",
    "ListPage",
    "ListedTask",
    "Report",
    "Task",
    "TaskEvent",
    "TaskFile",
    "TaskRefused",
    "TaskStatus",
    "apply_report",
    "board_agencies",
    "board_agency",
    "board_page",
    "cancel_refusal",
    "change_window",
    "clean_block_reason",
    "clean_cancel_reason",
    "clean_task_comment",
    "clean_task_details",
    "clean_task_title",
    "days_left",
    "in_view",
    "input_refusal",
    "is_overdue",
    "late_agencies",
    "listed_groups",
    "manage_refusal",
    "my_tasks_order",
    "on_board",
    "overall_progress",
    "overall_status",
    "overdue_by_agency",
    "parse_due_date",
    "phase_window",
    "reassigned_shares",
    "reopen_refusal",
    "report_refusal",
    "still_due",
    "view_refusal",
]


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        """Nothing more is expected: no reminder, no overdue count, not in the open lists."""
        return self in CLOSED_STATUSES


class Report(enum.StrEnum):
    """What an assignee reports from the task card."""

    START = "start"
    PROGRESS = "progress"
    DONE = "done"
    BLOCK = "block"


# One tap is a quarter: finer steps invite a report per day, coarser ones hide real movement.
PROGRESS_STEP = 25

CLOSED_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})


@dataclass(frozen=True)
class AssigneeState:
    """One assignee's share of a task: how far they say they are."""

    member_id: int
    status: TaskStatus
    progress: int

    def __post_init__(self) -> None:
        # Rows come back from the database as plain text; the rules compare enums by identity.
        object.__setattr__(self, "status", TaskStatus(self.status))
        if not 0 <= self.progress <= 100:
            raise ValueError(f"progress is a percentage, not {self.progress}")


@dataclass(frozen=True)
class Assignee:
    """One person's share of a task as the card shows it."""

    member_id: int
    user_id: int
    name: str
    locale: str
    agency_code: str | None
    status: TaskStatus
    progress: int

    @property
    def state(self) -> AssigneeState:
        return AssigneeState(self.member_id, self.status, self.progress)


@dataclass(frozen=True)
class Task:
    """A task as everyone reads it: the storage layer builds it from rows."""

    id: int
    code: str | None
    title: str
    description: str | None
    cluster_id: int
    cluster_name: str
    working_group: str
    submission_id: int | None
    package_item_id: int | None
    phase: int | None
    start_on: datetime.date | None
    due_on: datetime.date | None
    status: TaskStatus
    needs_assignee: bool
    created_at: datetime.datetime
    version: int
    assignees: tuple[Assignee, ...]

    @property
    def assignee_ids(self) -> set[int]:
        return {a.member_id for a in self.assignees}

    @property
    def progress(self) -> int:
        return overall_progress([a.state for a in self.assignees])


@dataclass(frozen=True)
class TaskEvent:
    """One line of a task's history."""

    at: datetime.datetime
    actor_name: str
    action: str
    comment: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True)
class TaskFile:
    """Evidence attached to a task."""

    file_id: str
    file_name: str
    mime_type: str
    size: int


class TaskRefused(Exception):
    """The report does not fit the assignee's current state; `reason` names a locale message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def apply_report(state: AssigneeState, report: Report) -> AssigneeState:
    """The assignee's state after their report, or TaskRefused when the report is pointless.

    Done is final for an assignee: a tap on an old card must not undo it, and a secretary who
    disagrees reassigns the task instead.
    """
    if state.status is TaskStatus.DONE:
        raise TaskRefused("already_done")
    if report is Report.START:
        if state.status is TaskStatus.IN_PROGRESS:
            raise TaskRefused("already_started")
        return AssigneeState(state.member_id, TaskStatus.IN_PROGRESS, state.progress)
    if report is Report.PROGRESS:
        if state.progress >= 100:
            raise TaskRefused("progress_full")
        # Reporting progress is itself proof that the work is moving again after a block.
        progress = min(100, state.progress + PROGRESS_STEP)
        return AssigneeState(state.member_id, TaskStatus.IN_PROGRESS, progress)
    if report is Report.DONE:
        return AssigneeState(state.member_id, TaskStatus.DONE, 100)
    if report is Report.BLOCK:
        if state.status is TaskStatus.BLOCKED:
            raise TaskRefused("already_blocked")
        return AssigneeState(state.member_id, TaskStatus.BLOCKED, state.progress)
    raise ValueError(f"unknown report {report!r}")


def overall_status(assignees: Sequence[AssigneeState], cancelled: bool = False) -> TaskStatus:
    """The task's status as the secretariat sees it.

    A single blocked assignee blocks the task: that is what the secretary must chase, even
    when the other agencies are already done.
    """
    if cancelled:
        return TaskStatus.CANCELLED
    if not assignees:
        return TaskStatus.TODO
    statuses = [a.status for a in assignees]
    if all(s is TaskStatus.DONE for s in statuses):
        return TaskStatus.DONE
    if TaskStatus.BLOCKED in statuses:
        return TaskStatus.BLOCKED
    if TaskStatus.IN_PROGRESS in statuses or TaskStatus.DONE in statuses:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.TODO


def overall_progress(assignees: Sequence[AssigneeState]) -> int:
    """The mean of the assignees' progress, rounded half up; 0 with no assignees."""
    return mean_progress(sum(a.progress for a in assignees), len(assignees))


def mean_progress(total: int, count: int) -> int:
    """`overall_progress` from the sum and number of the shares (as SQL aggregates them)."""
    if not count:
        return 0
    # Integer half-up rounding: round() rounds halves to even, which would show one agency's
    # first quarter out of two as 12% but three quarters out of two as 38%.
    return (2 * total + count) // (2 * count)


def still_due(assignees: Sequence[AssigneeState]) -> list[int]:
    """Member ids who have not reported done: reminders go only to them."""
    return [a.member_id for a in assignees if a.status is not TaskStatus.DONE]


def reassigned_shares(
    current: Sequence[AssigneeState], member_ids: Iterable[int]
) -> list[AssigneeState]:
    """The shares after reassigning to `member_ids`: whoever stays keeps the share they
    reported (done included), whoever is new starts at to do, whoever left is dropped."""
    kept = {a.member_id: a for a in current}
    return [
        kept.get(member_id) or AssigneeState(member_id, TaskStatus.TODO, 0)
        for member_id in dict.fromkeys(member_ids)
    ]


# --- who may do what --------------------------------------------------------------------------


def report_refusal(
    actor: Actor, assignee_member_ids: Collection[int], task_status: TaskStatus
) -> str | None:
    """Why this person may not report on this task, or None.

    Only the assignees report, and only while still approved members: an agency that
    replaced its representative must not keep receiving reports from the old one.
    """
    if not actor.is_member or actor.member is None:
        return "members_only"
    if task_status is TaskStatus.CANCELLED:
        return "task_cancelled"
    if actor.member.id not in assignee_member_ids:
        return "not_assignee"
    return None


def manage_refusal(actor: Actor, task_group: str) -> str | None:
    """Create, reassign, reschedule, edit or cancel: the secretariat's (or chair's) work."""
    return None if can_manage_group(actor, task_group) else "secretaries_only"


def view_refusal(actor: Actor, task_group: str, assignee_member_ids: Collection[int]) -> str | None:
    """Why this person may not open the task card, or None.

    An assignee from another province (a national agency working for this group's cluster)
    must still see the task they were given.
    """
    if can_view_group(actor, task_group):
        return None
    if actor.is_member and actor.member is not None and actor.member.id in assignee_member_ids:
        return None
    return "not_your_task"


# The card's buttons that ask for typed input, by whose work they are.
_REPORT_INPUTS = frozenset({"done", "block"})
_VIEWER_INPUTS = frozenset({"comment"})


def input_refusal(actor: Actor, action: str, task: Task | None) -> str | None:
    """Why this person may not start typing for this card button, or None.

    Evidence and a block reason are an assignee's report; a comment is anyone's who may see
    the card; a due date, a title or details are the secretariat's.
    """
    if task is None:
        return "task_gone"
    if action in _REPORT_INPUTS:
        return report_refusal(actor, task.assignee_ids, task.status)
    if action in _VIEWER_INPUTS:
        return view_refusal(actor, task.working_group, task.assignee_ids)
    if action == "cancel":
        return manage_refusal(actor, task.working_group) or cancel_refusal(task.status)
    return manage_refusal(actor, task.working_group)


def cancel_refusal(status: TaskStatus) -> str | None:
    """A task is cancelled once, and a done one stays done: its work happened."""
    if status is TaskStatus.CANCELLED:
        return "task_cancelled"
    if status is TaskStatus.DONE:
        return "task_already_done"
    return None


def reopen_refusal(status: TaskStatus) -> str | None:
    return None if status is TaskStatus.CANCELLED else "not_cancelled"


# Changes to a task (due date, title, details, comments) reach its assignees folded: every
# change within one such slot of the clock becomes one message, sent when the slot ends, so a
# secretary fixing the title and then the due date sends one notice, not two.
CHANGE_FOLD = datetime.timedelta(minutes=10)


def change_window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The slot of `CHANGE_FOLD` that `now` falls in: [start, end)."""
    step = int(CHANGE_FOLD.total_seconds())
    start = datetime.datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=datetime.UTC)
    return start, start + CHANGE_FOLD


def listed_groups(actor: Actor) -> tuple[str, ...] | None:
    """Whose tasks and clusters the secretariat's lists cover (/task_new, /plan, /overdue):
    None for every group (a superuser, the central secretariat), else the groups this person
    manages, which may be none."""
    return None if can_see_all(actor) else managed_groups(actor, WORKING_GROUPS)


# --- lists ------------------------------------------------------------------------------------

# The filters of /tasks: what is still open, what is late, everything.
TASK_VIEWS = ("open", "overdue", "all")


# The secretariat's board: its status filters.
BOARD_STATUSES = ("all", "open", "overdue", *(s.value for s in TaskStatus))
# The agency filter's value for tasks whose assignees name no agency.
NO_AGENCY = "none"


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: a status ("all", "open", "overdue" or a TaskStatus value), an
    agency code ("" every, NO_AGENCY for none), a cluster id and an assignee's member id
    (0 every)."""

    status: str = "open"
    agency: str = ""
    cluster_id: int = 0
    member_id: int = 0


class BoardPlace(NamedTuple):
    """What the board's filters and order look at, and nothing else: the central secretariat
    lists the whole country's tasks, and only the page shown is read in full."""

    id: int
    due_on: datetime.date | None
    status: TaskStatus
    cluster_id: int
    assignee_ids: frozenset[int]
    # `board_agencies` of its assignees.
    agencies: frozenset[str]

    @classmethod
    def of(cls, task: Task) -> BoardPlace:
        return cls(
            task.id,
            task.due_on,
            task.status,
            task.cluster_id,
            frozenset(task.assignee_ids),
            board_agencies(a.agency_code for a in task.assignees),
        )


def board_agencies(codes: Iterable[str | None]) -> frozenset[str]:
    """The agencies a task is found under on the board: its assignees' (`board_agency`), and
    NO_AGENCY alone for a task nobody is assigned."""
    return frozenset(board_agency(code) for code in codes) or UNASSIGNED_AGENCIES


def board_agency(code: str | None) -> str:
    """An assignee's agency on the board: NO_AGENCY for one without an agency."""
    return code or NO_AGENCY


UNASSIGNED_AGENCIES = frozenset({NO_AGENCY})


def on_board(place: BoardPlace, board: BoardFilter, today: datetime.date) -> bool:
    """Whether the task passes every filter of the board."""
    if board.status == "all":
        pass
    elif board.status == "overdue":
        if not is_overdue(place.due_on, place.status, today):
            return False
    elif board.status == "open":
        if place.status.is_closed:
            return False
    elif board.status and place.status.value != board.status:
        return False
    if board.cluster_id and place.cluster_id != board.cluster_id:
        return False
    if board.member_id and board.member_id not in place.assignee_ids:
        return False
    return not board.agency or board.agency in place.agencies


@dataclass(frozen=True)
class BoardPage:
    """The tasks of one page of the board, in order, and where the page stands."""

    ids: tuple[int, ...]
    total: int
    offset: int


def board_page(
    places: Iterable[BoardPlace],
    board: BoardFilter,
    today: datetime.date,
    offset: int,
    limit: int,
    *,
    clamp: bool = False,
) -> BoardPage:
    """The tasks on the board under its filters, in `my_tasks_order`, from `offset` (at most
    `limit`). With `clamp`, an offset past the end gives the last page of that size (the
    chat's paging, where the list may have shrunk since the button was drawn)."""
    chosen = sorted(
        (place for place in places if on_board(place, board, today)),
        key=lambda place: my_tasks_order(place.due_on, place.status, today, place.id),
    )
    offset = max(offset, 0)
    if clamp and chosen and offset >= len(chosen):
        offset = (len(chosen) - 1) // limit * limit
    shown = chosen[offset : offset + limit]
    return BoardPage(tuple(place.id for place in shown), len(chosen), offset)


def in_view(
    view: str, status: TaskStatus, due_on: datetime.date | None, today: datetime.date
) -> bool:
    """Whether a task belongs in this /tasks filter; an unknown view shows everything."""
    if view == "open":
        return not status.is_closed
    if view == "overdue":
        return is_overdue(due_on, status, today)
    return True


class ListedTask(NamedTuple):
    """A task as a person's /tasks list holds it: what decides where it stands (its due date,
    status and cluster) and what its line and button show, and nothing else. A person may
    hold hundreds of tasks and every one is read to cut a page, so no description and no
    assignee by name: one narrow row per task."""

    id: int
    due_on: datetime.date | None
    status: TaskStatus
    cluster_id: int
    code: str | None
    title: str
    progress: int


@dataclass(frozen=True)
class ListPage:
    """One page of a person's /tasks: the tasks shown, in order, and where the page stands."""

    shown: tuple[ListedTask, ...]
    total: int
    page: int
    pages: int

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(task.id for task in self.shown)


def my_list_page(
    listed: Iterable[ListedTask],
    view: str,
    cluster_id: int,
    today: datetime.date,
    page: int,
    size: int,
) -> ListPage:
    """The tasks of one /tasks filter (`in_view`, one cluster or all: 0) in `my_tasks_order`,
    cut to page `page` of `size` (clamped to the pages there are)."""
    chosen = sorted(
        (
            task
            for task in listed
            if (not cluster_id or task.cluster_id == cluster_id)
            and in_view(view, task.status, task.due_on, today)
        ),
        key=lambda task: my_tasks_order(task.due_on, task.status, today, task.id),
    )
    pages = max(1, -(-len(chosen) // size))
    page = min(max(page, 0), pages - 1)
    return ListPage(tuple(chosen[page * size : (page + 1) * size]), len(chosen), page, pages)


# --- due dates --------------------------------------------------------------------------------


def late_agencies(shares: Iterable[tuple[str | None, TaskStatus]]) -> list[str]:
    """The agencies an overdue task is late *for*: those of assignees who have not reported
    done (an agency that did its part is not to blame). "" stands for no agency, e.g. a task
    the secretariat holds. Given each assignee's (agency code, status)."""
    late = {agency or "" for agency, status in shares if status is not TaskStatus.DONE}
    return sorted(late) if late else [""]


class LateTask(NamedTuple):
    """An overdue task as /overdue counts it: when it was due, and the agencies it is late
    for (`late_agencies`)."""

    id: int
    due_on: datetime.date
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class LateByAgency:
    """One agency's part of /overdue: how many tasks it is late on, and the oldest few."""

    agency: str
    count: int
    shown: tuple[int, ...]


def overdue_by_agency(late: Iterable[LateTask], shown: int) -> list[LateByAgency]:
    """The late tasks under each agency they are late for, oldest due date first, at most
    `shown` of them named per agency: the whole country is tens of thousands of late tasks,
    and a chat can take a few messages, not hundreds. Agencies come in the order of their
    oldest late task."""
    counts: dict[str, int] = {}
    oldest: dict[str, list[int]] = {}
    for task in sorted(late, key=lambda x: (x.due_on, x.id)):
        for agency in task.agencies:
            counts[agency] = counts.get(agency, 0) + 1
            named = oldest.setdefault(agency, [])
            if len(named) < shown:
                named.append(task.id)
    return [LateByAgency(agency, count, tuple(oldest[agency])) for agency, count in counts.items()]


def is_overdue(due_on: datetime.date | None, status: TaskStatus, today: datetime.date) -> bool:
    """Due before today and still open; the due day itself is not late yet."""
    if due_on is None or status.is_closed:
        return False
    return due_on < today


def days_left(due_on: datetime.date, today: datetime.date) -> int:
    """Days until the due date: 0 on the day itself, negative when overdue."""
    return (due_on - today).days


def my_tasks_order(
    due_on: datetime.date | None, status: TaskStatus, today: datetime.date, task_id: int
) -> tuple[int, int, int, int]:
    """Sort key for a person's task list: what needs them most comes first.

    Overdue tasks (most overdue first), then open tasks by due date, then open tasks without
    a date, then done and cancelled ones; ties are broken by id so the list never reshuffles
    between two views.
    """
    undated = 1 if due_on is None else 0
    ordinal = due_on.toordinal() if due_on is not None else 0
    if status.is_closed:
        bucket = 3
    elif due_on is None:
        bucket = 2
    elif due_on < today:
        bucket = 0
    else:
        bucket = 1
    return (bucket, undated, ordinal, task_id)


def phase_window(
    project_start: datetime.date, start_month: int, end_month: int
) -> tuple[datetime.date, datetime.date]:
    """(start_on, due_on) of a plan activity scheduled for months start_month..end_month.

    Months are Jalali months counted from the project's start, month 1 beginning on the start
    date itself, so "months 3 to 8" of a project started on 1405/01/01 is 1405/03/01 to
    1405/08/30. The due date is the day before the month after end_month begins, which makes
    consecutive windows meet without a gap or an overlap even when a start on the 31st or on
    30 Esfand has to be clamped to a shorter month.
    """
    if start_month < 1:
        raise ValueError(f"plan months start at 1, not {start_month}")
    if end_month < start_month:
        raise ValueError(f"month window {start_month}..{end_month} ends before it starts")
    start_on = jalali.add_months(project_start, start_month - 1)
    due_on = jalali.add_months(project_start, end_month) - datetime.timedelta(days=1)
    return start_on, due_on


def parse_due_date(text: str, today: datetime.date) -> datetime.date:
    """A due date typed by a secretary; today is allowed, a day already past is not."""
    due_on = jalali.parse_date(text, today)
    if due_on < today:
        raise InvalidInput("due_in_past")
    return due_on


# --- what people type -------------------------------------------------------------------------


def clean_task_title(text: str) -> str:
    # One line: the title is a button label and a line in every list and reminder.
    return one_line(text, "task_title", 3, 300)


def clean_task_details(text: str) -> str:
    return paragraphs(text, "task_details", 1, 3000)


def clean_task_comment(text: str) -> str:
    return paragraphs(text, "task_comment", 2, 1000)


def clean_block_reason(text: str) -> str:
    # One line: it is quoted inside the alert the secretary receives and on the task card.
    return one_line(text, "block_reason", 3, 500)


def clean_cancel_reason(text: str) -> str:
    # One line: the assignees read it in their notice and the history quotes it.
    return one_line(text, "cancel_reason", 3, 500)

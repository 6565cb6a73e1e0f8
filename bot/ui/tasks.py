"""How tasks look: callback data, lines, cards, keyboards, the matrix and the task file's
texts, and the notifiers that turn a task outcome into outbox messages.

Handlers, the scheduler and the dashboard render tasks with these, so a task reads the same
wherever it appears. Nothing here decides who may do what (bot/domain/tasks.py) or reads the
database; notifiers only queue what they are given.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain import jalali, outbox_keys
from bot.domain import tasks as rules
from bot.domain.clusters import Cluster
from bot.domain.members import Actor, Member
from bot.domain.task_table import COLUMNS, TableError
from bot.domain.tasks import ListedTask, Task, TaskEvent, TaskStatus
from bot.i18n import Catalogs, Markup, Translator
from bot.services.tasks import Board, OverdueReport, TaskPage
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from bot.ui.builder import InlineKeyboardBuilder

# Tasks on one page of /tasks.
PAGE = 8
# Choices in one picker of the board.
BOARD_CHOICES = 24
# People in the members picker: one message of buttons.
PICKED_MEMBERS = 40
# Enough lines to fix a file in one go, few enough for one message.
SHOWN_ERRORS = 40


# --- callback data ------------------------------------------------------------------------------


class TaskList(CallbackData, prefix="tl"):
    view: str  # open | overdue | all
    page: int
    cluster_id: int = 0  # 0: every cluster


class TaskOpen(CallbackData, prefix="to"):
    task_id: int


def open_data(task_id: int) -> str:
    """`TaskOpen(task_id=...).pack()`, written directly: the morning's reminders carry tens of
    thousands of these buttons, and pydantic's dump behind `pack` costs more than the rest of
    a button."""
    return f"{TaskOpen.__prefix__}{TaskOpen.__separator__}{task_id}"


class TaskAct(CallbackData, prefix="ta"):
    # start | progress | done | block | comment | history | files | due | reassign | title | details
    # | cancel | reopen | done_now (done without evidence)
    action: str
    task_id: int


class TaskBoard(CallbackData, prefix="tb"):
    """One view of the secretariat's board; `pick` opens the picker of one filter (status,
    agency, cluster, member) instead of the page of tasks."""

    status: str = "open"
    agency: str = ""
    cluster_id: int = 0
    member_id: int = 0
    page: int = 0
    pick: str = ""

    @property
    def board_filter(self) -> rules.BoardFilter:
        return rules.BoardFilter(self.status, self.agency, self.cluster_id, self.member_id)


class MemberToggle(CallbackData, prefix="tm"):
    member_id: int  # 0: save


class PlanPick(CallbackData, prefix="tp"):
    field: str  # template | cluster | confirm | skip
    value: str


class MatrixPick(CallbackData, prefix="mx"):
    cluster_id: int


# --- lines and cards ----------------------------------------------------------------------------


def task_label(t: Translator, task: Task | ListedTask) -> Markup:
    """A task's code from its template (F3-4, 1-2-7) as one isolated unit, or its number in the
    reader's digits."""
    return code_label(t, task.code, task.id)


def code_label(t: Translator, code: str | None, task_id: int) -> Markup:
    """`task_label` from the two columns it reads, for callers that hold no `Task`."""
    return t.code(code) if code else t("tasks.number", id=task_id)


def status_text(t: Translator, task: Task, today: datetime.date) -> Markup:
    return _status_text(t, task.status, task.due_on, today)


def _status_text(
    t: Translator, status: TaskStatus, due_on: datetime.date | None, today: datetime.date
) -> Markup:
    if rules.is_overdue(due_on, status, today):
        assert due_on is not None
        return t("tasks.overdue_by", count=-rules.days_left(due_on, today))
    return t(f"task_statuses.{status.value}")


class TaskLines:
    """`task_line` for many tasks of one day in one language, from plain columns.

    The morning's reminders hold tens of thousands of lines that share a few dozen due dates
    and statuses: each date's Jalali text and each status (an overdue count) is rendered once
    here, not once per line. `task_line` itself goes through this, so both read the same.
    """

    def __init__(self, t: Translator, today: datetime.date) -> None:
        self._t = t
        self._today = today
        self._due: dict[datetime.date | None, Markup] = {}
        self._status: dict[tuple[TaskStatus, datetime.date | None], Markup] = {}
        self._labels: dict[int, Markup] = {}
        # "tasks.line" itself, filled in directly (see Translator.template).
        self._line = t.template("tasks.line")
        self._number = t.template("tasks.number")

    def label(self, task_id: int, code: str | None) -> Markup:
        """`code_label`, once per task: its line and its button both show it."""
        label = self._labels.get(task_id)
        if label is None:
            if code:
                label = self._t.code(code)
            else:
                # code_label's "tasks.number", filled in directly.
                label = Markup(self._number.format(id=self._t.number(task_id)))
            self._labels[task_id] = label
        return label

    def line(
        self,
        task_id: int,
        code: str | None,
        title: str,
        due_on: datetime.date | None,
        status: TaskStatus,
        progress: int,
    ) -> Markup:
        t = self._t
        due = self._due.get(due_on)
        if due is None:
            # "due <date>" or "no due date": the frame belongs to the date, not to the line.
            due = t("tasks.line_due", date=t.date(due_on)) if due_on else t("tasks.no_due")
            self._due[due_on] = due
        state = self._status.get((status, due_on))
        if state is None:
            state = self._status[(status, due_on)] = _status_text(t, status, due_on, self._today)
        line = self._line.format(
            code=self.label(task_id, code),
            title=t.escape(title),
            due=due,
            status=state,
            progress=t.number(progress),
        )
        return Markup(line)

    def forget_tasks(self) -> None:
        """Drop the labels of tasks (kept for their line and button): a pass in batches keeps
        one batch's, not the country's."""
        self._labels.clear()


def task_line(t: Translator, task: Task | ListedTask, today: datetime.date) -> Markup:
    return TaskLines(t, today).line(
        task.id, task.code, task.title, task.due_on, task.status, task.progress
    )


def task_card(t: Translator, task: Task, today: datetime.date) -> Markup:
    lines = [
        t("tasks.card_header", code=task_label(t, task), title=task.title),
        t(
            "tasks.card_cluster",
            cluster=task.cluster_name,
            province=t(f"working_groups.{task.working_group}"),
        ),
    ]
    if task.description:
        lines.append(t("tasks.card_details", details=task.description[:1500]))
    if task.start_on:
        lines.append(t("tasks.card_start", date=t.date(task.start_on)))
    lines.append(
        t("tasks.card_due", date=t.date(task.due_on) if task.due_on else t("tasks.no_due"))
    )
    lines.append(t("tasks.card_status", status=status_text(t, task, today), progress=task.progress))
    for a in task.assignees:
        agency = t(f"agencies.{a.agency_code}") if a.agency_code else "-"
        lines.append(
            t(
                "tasks.card_assignee",
                name=a.name,
                agency=agency,
                status=t(f"task_statuses.{a.status.value}"),
                progress=a.progress,
            )
        )
    if task.needs_assignee:
        lines.append(t("tasks.needs_assignee"))
    return t.join(lines)


def card_keyboard(t: Translator, task: Task, actor: Actor) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    mine = actor.member is not None and actor.member.id in task.assignee_ids
    if mine and task.status is not TaskStatus.CANCELLED:
        for action in ("start", "progress", "done", "block"):
            builder.button(
                text=t(f"task_buttons.{action}"),
                callback_data=TaskAct(action=action, task_id=task.id),
            )
    for action in ("comment", "history", "files"):
        builder.button(
            text=t(f"task_buttons.{action}"), callback_data=TaskAct(action=action, task_id=task.id)
        )
    if rules.manage_refusal(actor, task.working_group) is None:
        managing = ["reassign", "due", "title", "details"]
        if rules.reopen_refusal(task.status) is None:
            managing.append("reopen")
        elif rules.cancel_refusal(task.status) is None:
            managing.append("cancel")
        for action in managing:
            builder.button(
                text=t(f"task_buttons.{action}"),
                callback_data=TaskAct(action=action, task_id=task.id),
            )
    builder.adjust(4, 3, 4, 1)
    return builder.as_markup()


def open_card_keyboard(t: Translator, task_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("tasks.open_card"), callback_data=TaskOpen(task_id=task_id))
    return builder.as_markup()


def done_keyboard(t: Translator, task_id: int) -> InlineKeyboardMarkup:
    """Under the request for evidence: done without a file."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("task_buttons.done_without_file"),
        callback_data=TaskAct(action="done_now", task_id=task_id),
    )
    return builder.as_markup()


def history_text(t: Translator, task: Task, events: Sequence[TaskEvent]) -> Markup:
    lines = [t("tasks.history_header", code=task_label(t, task), title=task.title)]
    for event in events:
        name = t("tasks.package_actor") if event.actor_name == "package" else event.actor_name
        lines.append(
            t(
                "tasks.history_line",
                at=t.moment(event.at),
                name=name,
                action=t(f"task_events.{event.action}"),
            )
        )
        if event.comment:
            lines.append(t("cards.comment", comment=event.comment))
        if event.action == "due_changed" and event.details and event.details.get("to"):
            lines.append(
                t("tasks.due_now", date=t.date(datetime.date.fromisoformat(event.details["to"])))
            )
    return t.join(lines)


# --- lists --------------------------------------------------------------------------------------


def task_list(
    t: Translator, listed: TaskPage, shown_list: TaskList, today: datetime.date
) -> tuple[Markup, InlineKeyboardMarkup]:
    """One page of /tasks, with its paging and filter buttons."""
    view, cluster_id = shown_list.view, shown_list.cluster_id
    shown, page, pages = listed.tasks, listed.page, listed.pages
    builder = InlineKeyboardBuilder()
    for task in shown:
        builder.button(
            text=t.plain("tasks.open", code=task_label(t, task), title=task.title[:40]),
            callback_data=TaskOpen(task_id=task.id),
        )
    sizes = [1] * len(shown)
    navigation = []
    if page > 0:
        navigation.append(
            (t("tasks.previous"), TaskList(view=view, page=page - 1, cluster_id=cluster_id))
        )
    if page < pages - 1:
        navigation.append(
            (t("tasks.next"), TaskList(view=view, page=page + 1, cluster_id=cluster_id))
        )
    for text, data in navigation:
        builder.button(text=text, callback_data=data)
    filters = [v for v in rules.TASK_VIEWS if v != view]
    for v in filters:
        builder.button(
            text=t(f"tasks.view_{v}"), callback_data=TaskList(view=v, page=0, cluster_id=cluster_id)
        )
    builder.adjust(*sizes, *([len(navigation)] if navigation else []), len(filters))
    if listed.total:
        text = t(
            "tasks.header",
            view=t(f"tasks.view_{view}"),
            count=listed.total,
            page=page + 1,
            pages=pages,
            lines=t.join([task_line(t, x, today) for x in shown]),
        )
    else:
        text = t("tasks.none", view=t(f"tasks.view_{view}"))
    return text, builder.as_markup()


def _agency_name(t: Translator, code: str) -> Markup:
    return t("tasks.no_agency") if code == rules.NO_AGENCY else t(f"agencies.{code}")


def board_view(
    t: Translator, board: Board, shown: TaskBoard, today: datetime.date
) -> tuple[Markup, InlineKeyboardMarkup]:
    """/board: a page of the group's tasks under the filters (`board` holds that page, of
    PAGE tasks), with paging, a button per task that opens its card, and a button per filter;
    or, with `shown.pick`, one filter's choices."""
    agencies, clusters, people = board.agencies, board.clusters, board.people
    builder = InlineKeyboardBuilder()
    here = shown.model_copy(update={"pick": ""})
    if shown.pick:
        choices: list[tuple[str, TaskBoard]] = []
        reset = {"page": 0, "pick": ""}
        if shown.pick == "status":
            for status in rules.BOARD_STATUSES:
                choices.append(
                    (t.plain(f"task_board.status_{status}"),
                     here.model_copy(update={**reset, "status": status}))
                )  # fmt: skip
        elif shown.pick == "agency":
            choices.append(
                (t.plain("task_board.any"), here.model_copy(update={**reset, "agency": ""}))
            )
            for code in agencies[:BOARD_CHOICES]:
                choices.append(
                    (t.plain("task_board.choice", name=_agency_name(t, code)),
                     here.model_copy(update={**reset, "agency": code}))
                )  # fmt: skip
        elif shown.pick == "cluster":
            choices.append(
                (t.plain("task_board.any"), here.model_copy(update={**reset, "cluster_id": 0}))
            )
            for cluster_id, name in clusters[:BOARD_CHOICES]:
                choices.append(
                    (t.plain("task_board.choice", name=name),
                     here.model_copy(update={**reset, "cluster_id": cluster_id}))
                )  # fmt: skip
        else:
            choices.append(
                (t.plain("task_board.any"), here.model_copy(update={**reset, "member_id": 0}))
            )
            for member_id, name in people[:BOARD_CHOICES]:
                choices.append(
                    (t.plain("task_board.choice", name=name),
                     here.model_copy(update={**reset, "member_id": member_id}))
                )  # fmt: skip
        for text, data in choices:
            builder.button(text=text, callback_data=data)
        builder.button(text=t("task_board.back"), callback_data=here)
        builder.adjust(2)
        return t(f"task_board.pick_{shown.pick}"), builder.as_markup()

    pages = max(1, -(-board.total // PAGE))
    page = board.offset // PAGE
    listed = board.tasks
    for task in listed:
        builder.button(
            text=t.plain("tasks.open", code=task_label(t, task), title=task.title[:40]),
            callback_data=TaskOpen(task_id=task.id),
        )
    sizes = [1] * len(listed)
    navigation = []
    if page > 0:
        navigation.append((t("tasks.previous"), here.model_copy(update={"page": page - 1})))
    if page < pages - 1:
        navigation.append((t("tasks.next"), here.model_copy(update={"page": page + 1})))
    for text, data in navigation:
        builder.button(text=text, callback_data=data)
    if navigation:
        sizes.append(len(navigation))
    for pick in ("status", "agency", "cluster", "member"):
        builder.button(
            text=t(f"task_board.filter_{pick}"),
            callback_data=here.model_copy(update={"pick": pick}),
        )
    sizes.append(4)
    builder.adjust(*sizes)

    names = dict(clusters)
    people_names = dict(people)
    filters = [t("task_board.status", status=t(f"task_board.status_{shown.status}"))]
    if shown.agency:
        filters.append(t("task_board.agency", agency=_agency_name(t, shown.agency)))
    if shown.cluster_id:
        filters.append(t("task_board.cluster", cluster=names.get(shown.cluster_id, "?")))
    if shown.member_id:
        filters.append(t("task_board.member", name=people_names.get(shown.member_id, "?")))
    text = t(
        "task_board.header",
        filters=t.join(filters, t("cards.separator")),
        count=board.total,
        page=page + 1,
        pages=pages,
        lines=t.join([task_line(t, x, today) for x in listed]) if listed else t("task_board.none"),
    )
    return text, builder.as_markup()


def overdue_text(t: Translator, report: OverdueReport, today: datetime.date) -> Markup:
    """/overdue: under each agency, how many tasks it is late on and the oldest of them; where
    there are more, how many, and where to find them all."""
    lines = []
    cut = False
    for part in report.agencies:
        label = t(f"agencies.{part.agency}") if part.agency else t("tasks.no_agency")
        lines.append(t("tasks.agency_header", agency=label, count=part.count))
        lines.extend(task_line(t, report.tasks[i], today) for i in part.shown if i in report.tasks)
        if part.count > len(part.shown):
            cut = True
            lines.append(t("tasks.overdue_more", count=part.count - len(part.shown)))
    if cut:
        lines.append(t("tasks.overdue_all_on_board"))
    return t("tasks.overdue_header", count=report.total, lines=t.join(lines))


# --- pickers ------------------------------------------------------------------------------------


def members_keyboard(
    t: Translator, people: Sequence[Member], chosen: set[int]
) -> InlineKeyboardMarkup:
    """Who gets the task: tap to choose or unchoose, then Save."""
    builder = InlineKeyboardBuilder()
    for m in people[:PICKED_MEMBERS]:
        mark = "✅ " if m.id in chosen else ""
        builder.button(text=f"{mark}{m.full_name}", callback_data=MemberToggle(member_id=m.id))
    builder.button(text=t("tasks.save_members"), callback_data=MemberToggle(member_id=0))
    builder.adjust(2)
    return builder.as_markup()


def clusters_keyboard(t: Translator, clusters: Iterable[Cluster]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=PlanPick(field="cluster", value=str(c.id)),
        )
    builder.adjust(1)
    return builder.as_markup()


def skip_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.skip"), callback_data=PlanPick(field="skip", value="-"))
    return builder.as_markup()


def templates_keyboard(
    t: Translator, templates: Iterable[tuple[str, str, str, int]]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name, _kind, count in templates:
        builder.button(
            text=t.plain("tasks.template_button", name=name, count=count),
            callback_data=PlanPick(field="template", value=code),
        )
    builder.adjust(1)
    return builder.as_markup()


def plan_confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.send"), callback_data=PlanPick(field="confirm", value="yes"))
    builder.button(text=t("dialog.cancel"), callback_data=PlanPick(field="confirm", value="no"))
    return builder.as_markup()


def plan_done_text(t: Translator, created: int, cluster: str, flagged: Sequence[str]) -> Markup:
    text = t("tasks.plan_done", count=created, cluster=cluster)
    if flagged:
        codes = t.join([t.code(c) for c in flagged], t("cards.separator"))
        text = t.join([text, t("tasks.plan_flagged", codes=codes)])
    return text


# --- the matrix and the task file ---------------------------------------------------------------


def matrix_clusters_keyboard(t: Translator, clusters: Iterable[Cluster]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=MatrixPick(cluster_id=c.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def file_stamp(today: datetime.date) -> str:
    """The day in a file's name: Jalali, Latin digits, so that names sort by date."""
    year, month, day = jalali.jalali_parts(today)
    return f"{year:04d}-{month:02d}-{day:02d}"


def table_headers(t: Translator) -> list[str]:
    return [str(t(f"task_columns.{c}")) for c in COLUMNS]


def _counts(t: Translator, key: str, agency: str, row: dict[TaskStatus, int], late: int) -> Markup:
    return t(
        key,
        agency=agency,
        todo=row[TaskStatus.TODO],
        in_progress=row[TaskStatus.IN_PROGRESS],
        blocked=row[TaskStatus.BLOCKED],
        done=row[TaskStatus.DONE],
        cancelled=row[TaskStatus.CANCELLED],
        overdue=late,
        total=sum(row.values()),
    )


def _agency(t: Translator, code: str) -> Markup:
    return t(f"agencies.{code}") if code else t("tasks.no_agency")


def matrix_text(
    t: Translator,
    cluster: Cluster,
    counts: dict[str, dict[TaskStatus, int]],
    overdue: dict[str, int],
    totals: dict[TaskStatus, int],
    total_overdue: int,
) -> Markup:
    """A cluster's task matrix: each agency's tasks in each status, and the cluster's total."""
    lines = [
        t(
            "task_reports.matrix_header",
            cluster=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
            count=sum(totals.values()),
        ),
        t("task_reports.matrix_legend"),
        "",
    ]
    for code, row in counts.items():
        lines.append(_counts(t, "task_reports.matrix_line", _agency(t, code), row, overdue[code]))
    lines.append(_counts(t, "task_reports.matrix_total", "", totals, total_overdue))
    lines.append(t("task_reports.matrix_note"))
    return t.join(lines)


def matrix_sheet(
    t: Translator,
    counts: dict[str, dict[TaskStatus, int]],
    overdue: dict[str, int],
    totals: dict[TaskStatus, int],
    total_overdue: int,
) -> list[list[str | int | None]]:
    """The matrix as spreadsheet rows, with a header row and a total row."""
    statuses = list(TaskStatus)
    sheet: list[list[str | int | None]] = [
        [
            str(t("task_reports.agency_column")),
            *[str(t(f"task_statuses.{s.value}")) for s in statuses],
            str(t("task_reports.overdue_column")),
            str(t("task_reports.total_column")),
        ]
    ]
    for code, row in counts.items():
        sheet.append(
            [str(_agency(t, code)), *[row[s] for s in statuses], overdue[code], sum(row.values())]
        )
    sheet.append(
        [
            str(t("task_reports.total_row")),
            *[totals[s] for s in statuses],
            total_overdue,
            sum(totals.values()),
        ]
    )
    return sheet


def _error_line(t: Translator, error: TableError) -> Markup:
    reason = t(f"task_table_errors.{error.reason}", value=t.digits(error.value))
    if error.column is None:
        return t("task_reports.error_at", line=error.line, reason=reason)
    return t(
        "task_reports.error_at_column",
        line=error.line,
        column=t(f"task_columns.{error.column}"),
        reason=reason,
    )


def import_errors_text(t: Translator, errors: Sequence[TableError]) -> Markup:
    lines = [_error_line(t, e) for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(t("task_reports.more_errors", count=len(errors) - SHOWN_ERRORS))
    return t("task_reports.import_failed", count=len(errors), lines=t.join(lines))


# --- notifiers ----------------------------------------------------------------------------------


async def tell_assignees(
    uow: UnitOfWork,
    catalogs: Catalogs,
    task: Task,
    now: datetime.datetime,
    only: Iterable[int] | None = None,
) -> None:
    """Each assignee (or those of `only`, member ids) hears of the task given to them, once
    per version of the task."""
    chosen = None if only is None else set(only)
    for a in task.assignees:
        if chosen is not None and a.member_id not in chosen:
            continue
        t = catalogs.translator(a.locale)
        due = t.date(task.due_on) if task.due_on else t("tasks.no_due")
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.task_assigned(task.id, task.version, a.user_id),
                chat_id=a.user_id,
                text=t(
                    "tasks.assigned_notice",
                    code=task_label(t, task),
                    title=task.title,
                    cluster=task.cluster_name,
                    due=due,
                ),
                locale=t.locale,
                reply_markup=open_card_keyboard(t, task.id).model_dump(exclude_none=True),
            ),
            now,
        )


async def tell_blocked(
    uow: UnitOfWork,
    catalogs: Catalogs,
    chats: Iterable[tuple[int, str]],
    task: Task,
    name: str,
    reason: str,
    now: datetime.datetime,
) -> None:
    """The secretariat's chats hear who is blocked on the task and why."""
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.task_blocked(task.id, task.version, chat_id),
                chat_id=chat_id,
                text=t(
                    "tasks.blocked_notice",
                    name=name,
                    code=task_label(t, task),
                    title=task.title,
                    reason=reason,
                ),
                locale=t.locale,
                reply_markup=open_card_keyboard(t, task.id).model_dump(exclude_none=True),
            ),
            now,
        )


async def tell_completed(
    uow: UnitOfWork,
    catalogs: Catalogs,
    chats: Iterable[tuple[int, str]],
    task: Task,
    now: datetime.datetime,
) -> None:
    """The secretariat's chats hear that every assignee has done their part."""
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.task_done(task.id, task.version, chat_id),
                chat_id=chat_id,
                text=t(
                    "tasks.completed_notice",
                    code=task_label(t, task),
                    title=task.title,
                    cluster=task.cluster_name,
                ),
                locale=t.locale,
            ),
            now,
        )


async def tell_plan_assignees(
    uow: UnitOfWork,
    catalogs: Catalogs,
    tasks: Sequence[Task],
    cluster: str,
    now: datetime.datetime,
) -> None:
    """One message per person, however many tasks a template gave them."""
    if not tasks:
        return
    counts: dict[tuple[int, str], int] = {}
    for task in tasks:
        for a in task.assignees:
            counts[(a.user_id, a.locale)] = counts.get((a.user_id, a.locale), 0) + 1
    first = tasks[0].id
    for (user_id, locale), count in counts.items():
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.plan_assigned(first, user_id),
                chat_id=user_id,
                text=t("tasks.plan_assigned", count=count, cluster=cluster),
                locale=t.locale,
            ),
            now,
        )


async def tell_cancelled_or_reopened(
    uow: UnitOfWork, catalogs: Catalogs, task: Task, reason: str | None, now: datetime.datetime
) -> None:
    """Each assignee hears that the task was cancelled (with the reason) or reopened."""
    cancelled = task.status is TaskStatus.CANCELLED
    for a in task.assignees:
        t = catalogs.translator(a.locale)
        if cancelled:
            key = outbox_keys.task_cancelled(task.id, task.version, a.user_id)
            text = t(
                "tasks.cancelled_notice",
                code=task_label(t, task),
                title=task.title,
                cluster=task.cluster_name,
                reason=reason or "",
            )
        else:
            key = outbox_keys.task_reopened(task.id, task.version, a.user_id)
            text = t(
                "tasks.reopened_notice",
                code=task_label(t, task),
                title=task.title,
                cluster=task.cluster_name,
            )
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=key,
                chat_id=a.user_id,
                text=text,
                locale=t.locale,
                reply_markup=open_card_keyboard(t, task.id).model_dump(exclude_none=True),
            ),
            now,
        )


def change_line(t: Translator, event: TaskEvent) -> Markup:
    """One change in a folded notice: who changed what."""
    details = event.details or {}
    if event.action == "due_changed" and details.get("to"):
        what = t("tasks.change_due", date=t.date(datetime.date.fromisoformat(details["to"])))
    elif event.action == "edited" and "title" in details.get("after", {}):
        what = t("tasks.change_title", title=details["after"]["title"])
    elif event.action == "edited":
        what = t("tasks.change_details")
    else:
        what = t("tasks.change_comment", comment=event.comment or "")
    return t("tasks.change_line", name=event.actor_name, what=what)


async def tell_changes(
    uow: UnitOfWork,
    catalogs: Catalogs,
    task: Task,
    changes: Sequence[TaskEvent],
    actor_user_id: int,
    now: datetime.datetime,
) -> None:
    """The assignees (but the one who made the change) hear of the task's changes folded: one
    message per fold window, sent at its end and rewritten while it waits, so that it lists
    every change of the window."""
    if not changes:
        return
    start, end = rules.change_window(now)
    for a in task.assignees:
        if a.user_id == actor_user_id:
            continue
        t = catalogs.translator(a.locale)
        message = OutgoingMessage(
            key=outbox_keys.task_changes(task.id, start, a.user_id),
            chat_id=a.user_id,
            text=t(
                "tasks.changes_notice",
                code=task_label(t, task),
                title=task.title,
                cluster=task.cluster_name,
                lines=t.join([change_line(t, e) for e in changes]),
            ),
            locale=t.locale,
            reply_markup=open_card_keyboard(t, task.id).model_dump(exclude_none=True),
        )
        if not await uow.outbox.enqueue(message, now, not_before=end):
            await uow.outbox.rewrite_unsent(message, now)

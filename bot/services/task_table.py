"""The task table as a file: export to Excel, import from Excel or CSV, and the task matrix.

Import is all or nothing: `import_rows` checks every row against the database (the task, the
cluster, the people) before it writes anything, and raises `TableErrors` naming every bad line;
the handler then rolls its unit of work back, so a file with one mistake changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain import tasks as rules
from bot.domain.clusters import Cluster, can_view_cluster, search_key, visible_groups
from bot.domain.members import Actor, Member, MemberStatus, managed_groups
from bot.domain.task_table import (
    ImportRow,
    TableError,
    TableErrors,
    column_index,
    matrix,
    overdue_by_agency,
    parse_rows,
    task_row,
)
from bot.domain.tasks import Task, TaskStatus
from bot.domain.working_groups import WORKING_GROUPS
from bot.storage.tasks import NewTask
from bot.storage.uow import UnitOfWork

# Telegram lets a bot download 20 MB; a task list is a few hundred kilobytes at most.
MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_KINDS = {".xlsx": "xlsx", ".csv": "csv"}
# Clusters offered by /matrix: one message of buttons.
MATRIX_CLUSTERS = 40

Cell = str | int | float | None
T = TypeVar("T")


# --- files --------------------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """The file is not the spreadsheet or CSV its name says it is."""


def file_kind(file_name: str | None) -> str | None:
    """The kind of file ("xlsx" or "csv") from its name; None for anything else."""
    name = (file_name or "").lower().strip()
    for suffix, kind in FILE_KINDS.items():
        if name.endswith(suffix):
            return kind
    return None


def file_refusal(file_name: str | None, size: int | None) -> str | None:
    """Why this document cannot be imported before downloading it: wrong_type, too_big."""
    if file_kind(file_name) is None:
        return "wrong_type"
    if (size or 0) > MAX_FILE_BYTES:
        return "too_big"
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def read_table(data: bytes, kind: str) -> tuple[list[str | None], list[list[str | None]]]:
    """(header, rows) of the sheet holding the tasks; every cell as text or None."""
    if kind == "csv":
        return _read_csv(data)
    return _read_xlsx(data)


def _read_csv(data: bytes) -> tuple[list[str | None], list[list[str | None]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile("not UTF-8") from error
    first = text.split("\n", 1)[0]
    # Excel in a locale with a decimal comma (Persian Windows among them) saves with ";".
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows: list[list[str | None]] = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise UnreadableFile(str(error)) from error
    if not rows:
        return [], []
    return rows[0], rows[1:]


def _read_xlsx(data: bytes) -> tuple[list[str | None], list[list[str | None]]]:
    # openpyxl is imported on the first file, not when the bot starts: most never see one.
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a broken zip, a renamed .xls, a password: all unreadable
        raise UnreadableFile(str(error)) from error
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            sheets.append(rows)
    except Exception as error:
        raise UnreadableFile(str(error)) from error
    finally:
        book.close()
    # The matrix file has the task list on its second sheet: take the first one with titles.
    chosen = next((rows for rows in sheets if rows and "title" in column_index(rows[0])), None)
    if chosen is None:
        chosen = sheets[0] if sheets else []
    if not chosen:
        return [], []
    return chosen[0], chosen[1:]


def workbook(sheets: Sequence[tuple[str, Sequence[Sequence[Cell]]]], *, rtl: bool) -> bytes:
    """An .xlsx with one sheet per (title, rows); the first row of each is its header."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.sheet_view.rightToLeft = rtl
        widths: dict[int, int] = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    # A title that starts with "=" is text, not a formula to run in Excel.
                    cell.data_type = "s"
                if r == 1:
                    cell.font = Font(bold=True)
                longest = max((len(part) for part in str(value or "").splitlines()), default=0)
                widths[c] = max(widths.get(c, 0), longest)
        for c, width in widths.items():
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip("'")
    return cleaned[:31] or "Sheet"


# --- export and the matrix ----------------------------------------------------------------------


async def export_rows(
    uow: UnitOfWork, actor: Actor, groups: tuple[str, ...] | None, cluster_id: int | None
) -> list[list[str]]:
    """The tasks of these groups (None: all) or of one cluster that the actor may see, as rows
    in `task_table.COLUMNS` order."""
    tasks = await uow.tasks.of_groups(groups, cluster_id)
    return [
        task_row(task)
        for task in tasks
        if rules.view_refusal(actor, task.working_group, task.assignee_ids) is None
    ]


async def secretariat_export(uow: UnitOfWork, actor: Actor) -> list[list[str]]:
    """/tasks_export: the tasks of every group this person manages (a superuser's: all)."""
    groups = None if actor.is_superuser else managed_groups(actor, WORKING_GROUPS)
    return await export_rows(uow, actor, groups, None)


async def matrix_clusters(uow: UnitOfWork, actor: Actor, query: str | None) -> list[Cluster]:
    """The clusters whose matrix this person may ask for, matching `query` if given."""
    clusters, _ = await uow.clusters.page(visible_groups(actor), query, 0, MATRIX_CLUSTERS)
    return clusters


@dataclass(frozen=True)
class MatrixReport:
    cluster: Cluster
    # agency code ("" for none) -> status -> tasks; a task counts for each of its agencies.
    counts: dict[str, dict[TaskStatus, int]]
    overdue: dict[str, int]
    # The whole cluster, every task once.
    totals: dict[TaskStatus, int]
    total_overdue: int
    rows: list[list[str]]

    @property
    def task_count(self) -> int:
        return sum(self.totals.values())


async def cluster_matrix(
    uow: UnitOfWork, actor: Actor, cluster_id: int, today: datetime.date
) -> tuple[str, MatrixReport | None]:
    """("done", report), or ("cluster_gone" | "not_your_cluster", None)."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return "cluster_gone", None
    if not can_view_cluster(actor, cluster):
        await uow.audit.record(
            actor.user_id, "tasks.matrix", "not_your_cluster", "cluster", cluster_id
        )
        return "not_your_cluster", None
    tasks = await uow.tasks.of_groups(None, cluster.id)
    totals = dict.fromkeys(TaskStatus, 0)
    for task in tasks:
        totals[task.status] += 1
    report = MatrixReport(
        cluster=cluster,
        counts=matrix(tasks),
        overdue=overdue_by_agency(tasks, today),
        totals=totals,
        total_overdue=sum(rules.is_overdue(t.due_on, t.status, today) for t in tasks),
        rows=[task_row(task) for task in tasks],
    )
    return "done", report


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    created: int
    # The tasks a row changed, as they are now: their cards in the chats are redrawn.
    updated: list[Task]


@dataclass(frozen=True)
class _Update:
    row: ImportRow
    task_id: int
    version: int
    before: dict[str, Any]
    changes: dict[str, Any]


@dataclass(frozen=True)
class _Create:
    row: ImportRow
    cluster: Cluster
    people: list[Member]


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()}


def _by_name(items: list[T], name: Callable[[T], str]) -> dict[str, list[T]]:
    found: dict[str, list[T]] = {}
    for item in items:
        found.setdefault(search_key(name(item)), []).append(item)
    return found


@dataclass
class _Plan:
    updates: list[_Update]
    creates: list[_Create]
    errors: list[TableError]


async def _plan(uow: UnitOfWork, actor: Actor, rows: list[ImportRow]) -> _Plan:
    """What the rows would do, and what is wrong with them; reads only."""
    plan = _Plan([], [], [])
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        plan.errors.append(TableError(1, "secretaries_only"))
        return plan
    clusters, _ = await uow.clusters.page(None if actor.is_superuser else groups, None, 0, 100_000)
    clusters_by_name = _by_name(clusters, lambda c: c.name)
    people_by_group: dict[str, dict[str, list[Member]]] = {}

    async def people_of(group: str) -> dict[str, list[Member]]:
        if group not in people_by_group:
            members = await uow.members.in_group(group, MemberStatus.APPROVED)
            people_by_group[group] = _by_name(members, lambda m: m.full_name)
        return people_by_group[group]

    def named_clusters(row: ImportRow) -> list[Cluster]:
        assert row.cluster_name is not None
        return clusters_by_name.get(search_key(row.cluster_name), [])

    for row in rows:
        if row.task_id is not None:
            task = await uow.tasks.get(row.task_id)
            if task is None:
                plan.errors.append(TableError(row.line, "unknown_task", "id", str(row.task_id)))
                continue
            refusal = rules.manage_refusal(actor, task.working_group)
            if refusal is not None:
                plan.errors.append(TableError(row.line, refusal, "id", str(row.task_id)))
                continue
            # Cluster and assignees are not applied to an existing task, but a name that
            # exists nowhere is a mistake in the file all the same.
            if row.cluster_name is not None and not named_clusters(row):
                plan.errors.append(
                    TableError(row.line, "unknown_cluster", "cluster", row.cluster_name)
                )
            people_here = await people_of(task.working_group)
            assigned = {search_key(a.name) for a in task.assignees}
            for name in row.assignee_names:
                if search_key(name) not in assigned and not people_here.get(search_key(name)):
                    plan.errors.append(TableError(row.line, "unknown_member", "assignees", name))
            before = {"title": task.title, "description": task.description, "due_on": task.due_on}
            after = {"title": row.title, "description": row.details, "due_on": row.due}
            changes = {k: v for k, v in after.items() if before[k] != v}
            if changes:
                old = {k: before[k] for k in changes}
                plan.updates.append(_Update(row, task.id, task.version, old, changes))
            continue

        matches = named_clusters(row)
        if len(matches) != 1:
            reason = "ambiguous_cluster" if matches else "unknown_cluster"
            plan.errors.append(TableError(row.line, reason, "cluster", row.cluster_name or ""))
            continue
        cluster = matches[0]
        refusal = rules.manage_refusal(actor, cluster.working_group)
        if refusal is not None:
            plan.errors.append(TableError(row.line, refusal, "cluster", row.cluster_name or ""))
            continue
        people_here = await people_of(cluster.working_group)
        people: list[Member] = []
        for name in row.assignee_names:
            found = people_here.get(search_key(name), [])
            if len(found) == 1:
                people.append(found[0])
            else:
                reason = "ambiguous_member" if found else "unknown_member"
                plan.errors.append(TableError(row.line, reason, "assignees", name))
        plan.creates.append(_Create(row, cluster, list({m.id: m for m in people}.values())))
    return plan


async def import_table(
    uow: UnitOfWork,
    actor: Actor,
    header: Sequence[str | None],
    cells: Sequence[Sequence[str | None]],
    now: datetime.datetime,
    today: datetime.date,
) -> Imported:
    """A file's header and rows, checked and applied: `parse_rows`, then `import_rows`.

    When some rows cannot even be read, the readable ones are still checked against the
    database, so that the one answer names every bad line; nothing is written.
    """
    try:
        rows = parse_rows(header, cells, today)
    except TableErrors as unreadable:
        plan = await _plan(uow, actor, unreadable.rows)
        raise TableErrors(unreadable.errors + plan.errors) from None
    return await import_rows(uow, actor, rows, now)


async def import_rows(
    uow: UnitOfWork, actor: Actor, rows: list[ImportRow], now: datetime.datetime
) -> Imported:
    """Apply the rows: how many tasks were created and the tasks updated, or TableErrors and
    nothing written.

    A row with an id changes that task's title, details and due date (its assignees and their
    reports are the assignees' own, not the file's); a row without one is a new task in the
    named cluster, given to the named members of the cluster's working group. A row with an
    id that changes nothing is not counted.
    """
    plan = await _plan(uow, actor, rows)
    if plan.errors:
        raise TableErrors(plan.errors)
    updates, creates = plan.updates, plan.creates

    # Nothing was written above; from here on every row is known to be good.
    for update in updates:
        if not await uow.tasks.update(update.task_id, update.version, **update.changes):
            raise TableErrors(
                [TableError(update.row.line, "task_changed", "id", str(update.task_id))]
            )
        await uow.tasks.add_event(
            update.task_id,
            now,
            actor.user_id,
            actor.display_name,
            "imported",
            details={
                "line": update.row.line,
                "before": _jsonable(update.before),
                "after": _jsonable(update.changes),
            },
        )
    for create in creates:
        row = create.row
        task_id = await uow.tasks.create(
            NewTask(
                title=row.title,
                cluster_id=create.cluster.id,
                code=row.code,
                description=row.details,
                start_on=row.start,
                due_on=row.due,
                needs_assignee=not create.people,
            ),
            actor.user_id,
            now,
        )
        for member in create.people:
            await uow.tasks.add_assignee(task_id, member.id, member.agency_code, now)
        await uow.tasks.add_event(
            task_id, now, actor.user_id, actor.display_name, "imported", details={"line": row.line}
        )
    await uow.audit.record(
        actor.user_id,
        "tasks.import",
        "done",
        details={"created": len(creates), "updated": len(updates)},
    )
    return Imported(len(creates), await uow.tasks.by_ids(u.task_id for u in updates))

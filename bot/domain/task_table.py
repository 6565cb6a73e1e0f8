"""The task table: the columns of the Excel/CSV file the secretariats export and import, and
the task matrix (seed 004: agencies against task statuses).

One column set serves both directions, so a file exported with /tasks_export can be edited in
Excel and sent back with /tasks_import. Headers may be the Persian texts below or the English
column keys, in any case and order; unknown columns are ignored. Dates are Jalali, yyyy/mm/dd,
in any digits. Everything here is pure: `parse_rows` checks every row and reports every bad
one at once (`TableErrors`), so that a secretary fixes the whole file in one go and nothing
half-valid reaches the database.

`TableError.reason` values (each a locale key under `task_table_errors.`):
    missing_column, no_rows, too_many_rows, bad_id, duplicate_id, title_missing,
    title_too_long, details_too_long, cluster_missing, bad_date, start_after_due, bad_status,
    bad_progress, unknown_agency, unknown_province
and, from `bot.services.task_table`:
    unknown_task, secretaries_only, unknown_cluster, ambiguous_cluster, unknown_member,
    ambiguous_member, task_changed
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bot.domain import jalali
from bot.domain.agencies import is_agency
from bot.domain.clusters import search_key
from bot.domain.digits import normalize_persian, strip_invisible, to_latin_digits
from bot.domain.tasks import TaskStatus, is_overdue
from bot.domain.text import is_id
from bot.domain.working_groups import is_working_group

__all__ = [
    "COLUMNS",
    "ERROR_REASONS",
    "MAX_ROWS",
    "PERSIAN_HEADERS",
    "REQUIRED",
    "ImportRow",
    "TableError",
    "TableErrors",
    "agencies_of",
    "column_index",
    "matrix",
    "overdue_by_agency",
    "parse_rows",
    "parse_status",
    "task_row",
]

COLUMNS: tuple[str, ...] = (
    "id",
    "code",
    "title",
    "details",
    "cluster",
    "province",
    "start",
    "start_iso",
    "due",
    "due_iso",
    "status",
    "progress",
    "assignees",
    "agencies",
)

# The headers a Persian export carries; locales/fa/task_reports.toml [task_columns] says the
# same (tests/unit/test_task_table.py keeps the two in step).
PERSIAN_HEADERS: dict[str, str] = {
    "id": "شناسه",
    "code": "کد",
    "title": "عنوان",
    "details": "شرح",
    "cluster": "خوشه",
    "province": "استان",
    "start": "شروع",
    "start_iso": "شروع (میلادی)",
    "due": "مهلت",
    "due_iso": "مهلت (میلادی)",
    "status": "وضعیت",
    "progress": "پیشرفت",
    "assignees": "مسئولان",
    "agencies": "دستگاه‌ها",
}

# Without these a row cannot be matched to a task or made into one. Start, status, progress
# and the rest are read when present: a hand-made file of new tasks may leave them out.
REQUIRED: tuple[str, ...] = ("id", "title", "details", "cluster", "due", "assignees")

# Every `TableError.reason`, the import service's included: each has a text under
# `task_table_errors.` (tests/unit/test_task_table.py checks the code names no other).
ERROR_REASONS: frozenset[str] = frozenset(
    {
        "missing_column",
        "no_rows",
        "too_many_rows",
        "bad_id",
        "duplicate_id",
        "title_missing",
        "title_too_long",
        "details_too_long",
        "cluster_missing",
        "bad_date",
        "start_after_due",
        "bad_status",
        "bad_progress",
        "unknown_agency",
        "unknown_province",
        # bot/services/task_table.py
        "unknown_task",
        "secretaries_only",
        "unknown_cluster",
        "ambiguous_cluster",
        "unknown_member",
        "ambiguous_member",
        "task_changed",
    }
)

# Enough for every task of a province many times over; beyond that it is not a task list.
MAX_ROWS = 2000
MAX_TITLE = 300
MAX_DETAILS = 3000

# Names and codes in one cell are separated by ";" (the Persian "؛" too).
SEPARATOR = "; "
_SPLIT = re.compile(r"[;؛\n]")

# Status cells: the codes, or the Persian words people write (without the card's emoji).
_STATUS_ALIASES: dict[str, TaskStatus] = {
    "انجام نشده": TaskStatus.TODO,
    "در حال انجام": TaskStatus.IN_PROGRESS,
    "متوقف": TaskStatus.BLOCKED,
    "انجام شد": TaskStatus.DONE,
    "انجام شده": TaskStatus.DONE,
    "لغو شده": TaskStatus.CANCELLED,
    "لغو": TaskStatus.CANCELLED,
}


@dataclass(frozen=True)
class ImportRow:
    """One valid row of an imported file; `line` is its line in the file (the header is 1)."""

    line: int
    task_id: int | None
    code: str | None
    title: str
    details: str | None
    cluster_name: str | None
    start: datetime.date | None
    due: datetime.date | None
    assignee_names: list[str] = field(default_factory=list)
    # Read and checked but never applied: a task's agencies are its assignees', and its
    # province its cluster's.
    province: str | None = None
    agency_codes: list[str] = field(default_factory=list)


class TableError(ValueError):
    """What is wrong at one line; `reason` is a key under `task_table_errors.`, `column` a
    column key (or None for the whole row) and `value` the offending text."""

    def __init__(self, line: int, reason: str, column: str | None = None, value: str = "") -> None:
        super().__init__(f"line {line}: {reason}" + (f" ({column}: {value!r})" if column else ""))
        self.line = line
        self.reason = reason
        self.column = column
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableError):
            return NotImplemented
        return (self.line, self.reason, self.column, self.value) == (
            other.line,
            other.reason,
            other.column,
            other.value,
        )

    def __hash__(self) -> int:
        return hash((self.line, self.reason, self.column, self.value))


class TableErrors(ValueError):
    """Every problem of a file at once, ordered by line.

    `rows` are the rows that were good as far as the raiser could tell: the import service
    still checks them against the database, so that one answer names every bad line.
    """

    def __init__(self, errors: list[TableError], rows: list[ImportRow] | None = None) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        self.rows = rows or []
        super().__init__("; ".join(str(e) for e in self.errors))


# --- headers ------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    # "دستگاه‌ها", "دستگاه ها" and "دستگاهها" are one header; so are "Due" and "due", and
    # "Due (ISO)" and "due_iso".
    return re.sub(r"[\s_()]", "", search_key(text))


_HEADER_NAMES: dict[str, str] = {
    **{_header_key(column): column for column in COLUMNS},
    **{_header_key(text): column for column, text in PERSIAN_HEADERS.items()},
}


def column_index(header: Sequence[str | None]) -> dict[str, int]:
    """Which position holds which known column; the first of two same headers wins."""
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        column = _HEADER_NAMES.get(_header_key(cell or ""))
        if column is not None and column not in index:
            index[column] = position
    return index


# --- rows ---------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return normalize_persian(text)


def _multiline(text: str) -> str:
    lines = [normalize_persian(line) for line in strip_invisible(text).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip("\n"))


def _names(text: str) -> list[str]:
    names = (_one_line(part) for part in _SPLIT.split(text))
    return list(dict.fromkeys(name for name in names if name))


def _number(text: str) -> str:
    return to_latin_digits(strip_invisible(text)).strip()


def parse_status(text: str) -> TaskStatus | None:
    """A status cell: a code (todo, in_progress, ...) or its Persian word; None if neither."""
    key = search_key(text).replace(" ", "_")
    try:
        return TaskStatus(key)
    except ValueError:
        return _STATUS_ALIASES.get(search_key(text))


def parse_rows(
    header: Sequence[str | None], rows: Iterable[Sequence[str | None]], today: datetime.date
) -> list[ImportRow]:
    """Every non-empty row as an ImportRow, or TableErrors naming every bad line.

    Line numbers are the file's: the header is line 1, so the first row is line 2. Blank
    rows are skipped but counted, so the numbers match what Excel shows.
    """
    index = column_index(header)
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise TableErrors([TableError(1, "missing_column", c) for c in missing])

    def cell(row: Sequence[str | None], column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(row):
            return ""
        return strip_invisible(row[position] or "").strip()

    errors: list[TableError] = []
    parsed: list[ImportRow] = []
    seen_ids: set[int] = set()
    count = 0
    for line, row in enumerate(rows, start=2):
        if not any(strip_invisible(value or "").strip() for value in row):
            continue
        count += 1
        if count > MAX_ROWS:
            raise TableErrors([TableError(1, "too_many_rows", value=str(MAX_ROWS))])
        problems: list[TableError] = []

        task_id: int | None = None
        raw_id = _number(cell(row, "id"))
        if raw_id:
            if is_id(raw_id):
                task_id = int(raw_id)
                if task_id in seen_ids:
                    problems.append(TableError(line, "duplicate_id", "id", raw_id))
                seen_ids.add(task_id)
            else:
                problems.append(TableError(line, "bad_id", "id", cell(row, "id")))

        title = _one_line(cell(row, "title"))
        if not title:
            problems.append(TableError(line, "title_missing", "title"))
        elif len(title) > MAX_TITLE:
            problems.append(TableError(line, "title_too_long", "title", title[:40]))

        details = _multiline(cell(row, "details")) or None
        if details is not None and len(details) > MAX_DETAILS:
            problems.append(TableError(line, "details_too_long", "details", details[:40]))

        cluster_name = _one_line(cell(row, "cluster")) or None
        if not raw_id and cluster_name is None:
            problems.append(TableError(line, "cluster_missing", "cluster"))

        dates: dict[str, datetime.date | None] = {}
        for column in ("start", "due"):
            text = cell(row, column)
            dates[column] = None
            if text:
                try:
                    dates[column] = jalali.parse_date(text, today)
                except jalali.DateParseError:
                    problems.append(TableError(line, "bad_date", column, text))
        start, due = dates["start"], dates["due"]
        if start is not None and due is not None and start > due:
            problems.append(TableError(line, "start_after_due", "start", cell(row, "start")))

        status = cell(row, "status")
        if status and parse_status(status) is None:
            problems.append(TableError(line, "bad_status", "status", status))

        progress = _number(cell(row, "progress")).rstrip("%٪").strip()
        if progress and not (
            progress.isascii()
            and progress.isdigit()
            and len(progress.lstrip("0")) <= 3
            and int(progress) <= 100
        ):
            problems.append(TableError(line, "bad_progress", "progress", cell(row, "progress")))

        province = _one_line(cell(row, "province")) or None
        if province is not None and not is_working_group(province):
            problems.append(TableError(line, "unknown_province", "province", province))

        agency_codes = _names(cell(row, "agencies"))
        for code in agency_codes:
            if not is_agency(code):
                problems.append(TableError(line, "unknown_agency", "agencies", code))

        if problems:
            errors.extend(problems)
            continue
        code = _one_line(cell(row, "code")) or None
        parsed.append(
            ImportRow(
                line=line,
                task_id=task_id,
                code=code,
                title=title,
                details=details,
                cluster_name=cluster_name,
                start=start,
                due=due,
                assignee_names=_names(cell(row, "assignees")),
                province=province,
                agency_codes=agency_codes,
            )
        )
    if not errors and not parsed:
        errors.append(TableError(1, "no_rows"))
    if errors:
        raise TableErrors(errors, parsed)
    return parsed


# --- export and the matrix ----------------------------------------------------------------------


class _AssigneeLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def agency_code(self) -> str | None: ...


class _TaskLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str | None: ...

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str | None: ...

    @property
    def cluster_name(self) -> str: ...

    @property
    def working_group(self) -> str: ...

    @property
    def start_on(self) -> datetime.date | None: ...

    @property
    def due_on(self) -> datetime.date | None: ...

    @property
    def status(self) -> TaskStatus: ...

    @property
    def progress(self) -> int: ...

    @property
    def assignees(self) -> Sequence[_AssigneeLike]: ...


def _dates(day: datetime.date | None) -> tuple[str, str]:
    # Latin digits: Excel sorts and filters them as the same text whatever the reader's locale.
    return jalali.date_pair(day, "en") if day is not None else ("", "")


def task_row(task: _TaskLike) -> list[str]:
    """The task as one row of the table, in COLUMNS order."""
    start, start_iso = _dates(task.start_on)
    due, due_iso = _dates(task.due_on)
    values = {
        "id": str(task.id),
        "code": task.code or "",
        "title": task.title,
        "details": task.description or "",
        "cluster": task.cluster_name,
        "province": task.working_group,
        "start": start,
        "start_iso": start_iso,
        "due": due,
        "due_iso": due_iso,
        "status": task.status.value,
        "progress": str(task.progress),
        "assignees": SEPARATOR.join(a.name for a in task.assignees),
        "agencies": SEPARATOR.join(
            dict.fromkeys(a.agency_code for a in task.assignees if a.agency_code)
        ),
    }
    return [values[c] for c in COLUMNS]


def agencies_of(task: _TaskLike) -> list[str]:
    """The agencies a task counts for in the matrix; "" for no agency (or no assignee)."""
    agencies = {a.agency_code or "" for a in task.assignees}
    return sorted(agencies) if agencies else [""]


def _agency_order(agencies: Iterable[str]) -> list[str]:
    # Tasks with no agency (the secretariat's own, or nobody's yet) come last.
    return sorted(agencies, key=lambda a: (a == "", a))


def matrix(tasks: Iterable[_TaskLike]) -> dict[str, dict[TaskStatus, int]]:
    """agency code -> status -> how many tasks; a task counts once for each of its agencies."""
    counts: dict[str, dict[TaskStatus, int]] = {}
    for task in tasks:
        for agency in agencies_of(task):
            row = counts.setdefault(agency, dict.fromkeys(TaskStatus, 0))
            row[task.status] += 1
    return {agency: counts[agency] for agency in _agency_order(counts)}


def overdue_by_agency(tasks: Iterable[_TaskLike], today: datetime.date) -> dict[str, int]:
    """agency code -> how many of its tasks are overdue (counted like `matrix`)."""
    late: dict[str, int] = {}
    for task in tasks:
        for agency in agencies_of(task):
            late[agency] = late.get(agency, 0) + is_overdue(task.due_on, task.status, today)
    return {agency: late[agency] for agency in _agency_order(late)}


# --- the dashboard's matrix: agencies x sub-processes ----------------------------------------

# The sub-process of a task made by hand (no template code).
T = TypeVar("T", bound=_TaskLike)
NO_SUBPROCESS = ""


def cell_status(statuses: Iterable[tuple[TaskStatus, bool]]) -> str:
    """One matrix cell's colour from its tasks' (status, overdue): what needs attention
    first. "none" for a cell with nothing expected (no task, or only cancelled ones)."""
    shown = [(s, late) for s, late in statuses if s is not TaskStatus.CANCELLED]
    if not shown:
        return "none"
    if any(late for _, late in shown):
        return "overdue"
    if any(s is TaskStatus.BLOCKED for s, _ in shown):
        return "blocked"
    if all(s is TaskStatus.DONE for s, _ in shown):
        return "done"
    if any(s in (TaskStatus.IN_PROGRESS, TaskStatus.DONE) for s, _ in shown):
        return "in_progress"
    return "open"


def matrix_cells(tasks: Iterable[T]) -> dict[tuple[str, str], list[T]]:
    """(agency, sub-process code) -> its tasks; a task sits in the row of each of its agencies."""
    cells: dict[tuple[str, str], list[T]] = {}
    for task in tasks:
        for agency in agencies_of(task):
            cells.setdefault((agency, task.code or NO_SUBPROCESS), []).append(task)
    return cells


def subprocess_order(codes: Iterable[str]) -> list[str]:
    """F1-1, F1-2, ... F2-1, ... F13 in the seed's order (numbers compared as numbers); tasks
    without a code last."""

    def key(code: str) -> tuple[int, list[tuple[int, str]]]:
        parts = [(int(p), "") if p.isdigit() else (0, p) for p in re.findall(r"\d+|\D+", code)]
        return (code == NO_SUBPROCESS, parts)

    return sorted(set(codes), key=key)


def agency_order(agencies: Iterable[str]) -> list[str]:
    return _agency_order(set(agencies))

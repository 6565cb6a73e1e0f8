"""The task table (Excel/CSV columns, import validation) and the task matrix: the domain alone."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain import task_table
from bot.domain.jalali import from_jalali
from bot.domain.task_table import (
    COLUMNS,
    ERROR_REASONS,
    PERSIAN_HEADERS,
    ImportRow,
    TableError,
    TableErrors,
    column_index,
    matrix,
    overdue_by_agency,
    parse_rows,
    parse_status,
    task_row,
)
from bot.domain.tasks import TaskStatus
from bot.i18n import load_catalog
from bot.services import task_table as service

TODAY = from_jalali(1405, 9, 2)
HEADER = list(COLUMNS)


def row(**values: str | None) -> list[str | None]:
    """A row with the given columns filled in and the rest empty."""
    return [values.get(c) for c in COLUMNS]


def errors_of(header: list[str | None], rows: list[list[str | None]]) -> list[TableError]:
    with pytest.raises(TableErrors) as raised:
        parse_rows(header, rows, TODAY)
    return raised.value.errors


# --- headers ------------------------------------------------------------------------------------


def test_persian_headers_and_english_keys_in_any_order_and_case_are_understood() -> None:
    header = ["عنوان", "Due", "ID", "دستگاه ها", "something else", "مسئولان"]
    assert column_index(header) == {
        "title": 0,
        "due": 1,
        "id": 2,
        "agencies": 3,
        "assignees": 5,
    }


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_the_headers_an_export_writes_are_read_back_as_the_same_columns(locale: str) -> None:
    catalog = load_catalog(locale)
    header = [catalog[f"task_columns.{c}"] for c in COLUMNS]
    assert column_index(header) == {c: i for i, c in enumerate(COLUMNS)}


def test_the_persian_locale_and_the_domain_agree_on_the_headers() -> None:
    catalog = load_catalog("fa")
    assert {c: catalog[f"task_columns.{c}"] for c in COLUMNS} == PERSIAN_HEADERS


# --- good rows ----------------------------------------------------------------------------------


def test_good_rows_become_import_rows_with_their_file_line_numbers() -> None:
    rows = [
        row(
            id="12",
            code="1-1-1",
            title="  برگزاري جلسه  ",
            details="خط اول\nخط دوم",
            cluster="خوشه مبلمان تهران",
            start="1405/09/01",
            due="۱۴۰۵/۰۹/۳۰",
            status="in_progress",
            progress="25",
            assignees="علی کریمی; لیلا احمدی؛ علی کریمی",
        ),
        row(),  # blank rows are skipped but keep the numbering
        row(title="تهیه نقشه خوشه", cluster="خوشه مبلمان تهران", status="انجام‌نشده"),
    ]
    parsed = parse_rows(HEADER, rows, TODAY)
    assert parsed == [
        ImportRow(
            line=2,
            task_id=12,
            code="1-1-1",
            title="برگزاری جلسه",
            details="خط اول\nخط دوم",
            cluster_name="خوشه مبلمان تهران",
            start=from_jalali(1405, 9, 1),
            due=from_jalali(1405, 9, 30),
            assignee_names=["علی کریمی", "لیلا احمدی"],
        ),
        ImportRow(
            line=4,
            task_id=None,
            code=None,
            title="تهیه نقشه خوشه",
            details=None,
            cluster_name="خوشه مبلمان تهران",
            start=None,
            due=None,
            assignee_names=[],
        ),
    ]


def test_a_due_date_already_past_is_accepted_because_exports_carry_old_tasks() -> None:
    [parsed] = parse_rows(HEADER, [row(id="1", title="وظیفه قدیمی", due="1404/01/15")], TODAY)
    assert parsed.due == from_jalali(1404, 1, 15)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("todo", TaskStatus.TODO),
        ("In Progress", TaskStatus.IN_PROGRESS),
        ("BLOCKED", TaskStatus.BLOCKED),
        ("انجام شد", TaskStatus.DONE),
        ("لغو شده", TaskStatus.CANCELLED),
        ("finished", None),
    ],
)
def test_statuses_are_read_as_codes_or_persian_words(text: str, status: TaskStatus | None) -> None:
    assert parse_status(text) is status


# --- every error, with its line -----------------------------------------------------------------


def test_missing_required_columns_are_reported_on_line_one() -> None:
    errors = errors_of(["عنوان", "مهلت"], [["x", None]])
    assert [(e.line, e.reason, e.column) for e in errors] == [
        (1, "missing_column", "id"),
        (1, "missing_column", "details"),
        (1, "missing_column", "cluster"),
        (1, "missing_column", "assignees"),
    ]


@pytest.mark.parametrize(
    ("values", "reason", "column", "value"),
    [
        ({"id": "1", "title": "   "}, "title_missing", "title", ""),
        ({"id": "1", "title": "x" * 301}, "title_too_long", "title", "x" * 40),
        (
            {"id": "1", "title": "عنوان", "details": "y" * 3001},
            "details_too_long",
            "details",
            "y" * 40,
        ),
        ({"id": "abc", "title": "عنوان"}, "bad_id", "id", "abc"),
        ({"id": "-3", "title": "عنوان"}, "bad_id", "id", "-3"),
        ({"title": "عنوان بی‌خوشه"}, "cluster_missing", "cluster", ""),
        ({"id": "1", "title": "عنوان", "due": "1405/13/01"}, "bad_date", "due", "1405/13/01"),
        ({"id": "1", "title": "عنوان", "start": "دیروز صبح"}, "bad_date", "start", "دیروز صبح"),
        (
            {"id": "1", "title": "عنوان", "start": "1405/10/01", "due": "1405/09/30"},
            "start_after_due",
            "start",
            "1405/10/01",
        ),
        ({"id": "1", "title": "عنوان", "status": "finished"}, "bad_status", "status", "finished"),
        ({"id": "1", "title": "عنوان", "progress": "120"}, "bad_progress", "progress", "120"),
        ({"id": "1", "title": "عنوان", "progress": "-5"}, "bad_progress", "progress", "-5"),
        ({"id": "1", "title": "عنوان", "progress": "نیمه"}, "bad_progress", "progress", "نیمه"),
    ],
)
def test_each_kind_of_bad_cell_is_named_with_its_line_and_column(
    values: dict[str, str], reason: str, column: str, value: str
) -> None:
    good = row(id="7", title="وظیفه درست")
    errors = errors_of(HEADER, [good, row(**values)])
    assert [(e.line, e.reason, e.column, e.value) for e in errors] == [(3, reason, column, value)]


def test_progress_and_ids_may_be_written_with_persian_digits_and_a_percent_sign() -> None:
    [parsed] = parse_rows(HEADER, [row(id="۱۲", title="عنوان", progress="۷۵٪")], TODAY)
    assert parsed.task_id == 12


def test_an_id_twice_in_one_file_is_refused_on_its_second_line() -> None:
    errors = errors_of(HEADER, [row(id="4", title="یکم"), row(id="4", title="دوم")])
    assert [(e.line, e.reason) for e in errors] == [(3, "duplicate_id")]


def test_every_bad_line_is_reported_at_once() -> None:
    rows = [
        row(id="1", title="درست"),
        row(id="2", title="عنوان", due="1405/02/40"),
        row(id="3", title="", status="maybe"),
        row(id="4", title="درست هم"),
        row(id="5", title="عنوان", progress="101"),
    ]
    errors = errors_of(HEADER, rows)
    assert [(e.line, e.reason) for e in errors] == [
        (3, "bad_date"),
        (4, "title_missing"),
        (4, "bad_status"),
        (6, "bad_progress"),
    ]


def test_a_file_without_rows_is_refused() -> None:
    assert [(e.line, e.reason) for e in errors_of(HEADER, [row(), row()])] == [(1, "no_rows")]


def test_a_huge_file_is_refused() -> None:
    rows = [row(id=str(i), title="عنوان") for i in range(1, task_table.MAX_ROWS + 2)]
    assert [e.reason for e in errors_of(HEADER, rows)] == ["too_many_rows"]


def test_every_reason_the_code_gives_has_a_text() -> None:
    used: set[str] = set()
    for module in (task_table, service):
        source = Path(str(module.__file__)).read_text("utf-8")
        used |= set(re.findall(r'TableError\(\s*[\w.]+,\s*"([a-z_]+)"', source))
        used |= set(re.findall(r'reason = "([a-z_]+)" if', source))
        used |= set(re.findall(r'else "([a-z_]+)"\n', source))
    used.add("secretaries_only")  # manage_refusal's own reason, passed through
    assert len(used) > 15
    assert used <= ERROR_REASONS
    for locale in ("fa", "en"):
        catalog = load_catalog(locale)
        assert sorted(r for r in ERROR_REASONS if f"task_table_errors.{r}" not in catalog) == []


# --- export and the matrix ----------------------------------------------------------------------


@dataclass(frozen=True)
class A:
    name: str
    agency_code: str | None


@dataclass(frozen=True)
class T:
    id: int
    status: TaskStatus
    assignees: tuple[A, ...] = ()
    due_on: datetime.date | None = None
    code: str | None = None
    title: str = "وظیفه"
    description: str | None = None
    cluster_name: str = "خوشه مبلمان تهران"
    working_group: str = "tehran"
    start_on: datetime.date | None = None
    progress: int = 0


ALI = A("علی کریمی", "tpo")
LEILA = A("لیلا احمدی", "banks")
SARA = A("سارا تهرانی", None)


def test_the_matrix_counts_each_task_once_for_each_of_its_agencies() -> None:
    tasks = [
        T(1, TaskStatus.TODO, (ALI,)),
        T(2, TaskStatus.DONE, (ALI, LEILA)),
        T(3, TaskStatus.BLOCKED, (LEILA, A("لیلا دوم", "banks"))),  # banks once, not twice
        T(4, TaskStatus.IN_PROGRESS, (SARA,)),
        T(5, TaskStatus.TODO, ()),
    ]
    counts = matrix(tasks)
    assert list(counts) == ["banks", "tpo", ""]
    assert counts["tpo"] == {**dict.fromkeys(TaskStatus, 0), TaskStatus.TODO: 1, TaskStatus.DONE: 1}
    assert counts["banks"] == {
        **dict.fromkeys(TaskStatus, 0),
        TaskStatus.DONE: 1,
        TaskStatus.BLOCKED: 1,
    }
    assert counts[""] == {
        **dict.fromkeys(TaskStatus, 0),
        TaskStatus.IN_PROGRESS: 1,
        TaskStatus.TODO: 1,
    }
    assert matrix([]) == {}


def test_overdue_tasks_are_counted_per_agency_and_closed_ones_are_not_late() -> None:
    yesterday = TODAY - datetime.timedelta(days=1)
    tasks = [
        T(1, TaskStatus.TODO, (ALI,), due_on=yesterday),
        T(2, TaskStatus.DONE, (ALI, LEILA), due_on=yesterday),
        T(3, TaskStatus.BLOCKED, (LEILA,), due_on=TODAY),
        T(4, TaskStatus.IN_PROGRESS, (), due_on=yesterday),
    ]
    assert overdue_by_agency(tasks, TODAY) == {"banks": 0, "tpo": 1, "": 1}


def test_an_exported_row_is_read_back_as_the_same_task() -> None:
    task = T(
        9,
        TaskStatus.IN_PROGRESS,
        (ALI, LEILA, SARA),
        due_on=from_jalali(1405, 9, 30),
        code="1-2",
        title="تهیه نقشه",
        description="شرح\nدو خط",
        start_on=from_jalali(1405, 9, 1),
        progress=50,
    )
    exported = task_row(task)
    assert exported == [
        "9",
        "1-2",
        "تهیه نقشه",
        "شرح\nدو خط",
        "خوشه مبلمان تهران",
        "tehran",
        "1405/09/01",
        "2026-11-22",
        "1405/09/30",
        "2026-12-21",
        "in_progress",
        "50",
        "علی کریمی; لیلا احمدی; سارا تهرانی",
        "tpo; banks",
    ]
    [back] = parse_rows(HEADER, [exported], TODAY)
    assert (back.task_id, back.title, back.details, back.start, back.due) == (
        9,
        "تهیه نقشه",
        "شرح\nدو خط",
        task.start_on,
        task.due_on,
    )
    assert back.assignee_names == ["علی کریمی", "لیلا احمدی", "سارا تهرانی"]


# --- files (bot/services/task_table.py) ---------------------------------------------------------


def test_a_workbook_written_is_read_back_cell_for_cell() -> None:
    rows = [HEADER, ["1", "", "=1+1 is not a formula", "", "خوشه", "tehran", "", "", "todo"]]
    data = service.workbook([("وظایف", rows)], rtl=True)
    header, read = service.read_table(data, "xlsx")
    assert header == HEADER
    assert read[0][:9] == [
        "1",
        None,
        "=1+1 is not a formula",
        None,
        "خوشه",
        "tehran",
        None,
        None,
        "todo",
    ]


@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_files_are_read_with_or_without_a_bom_and_with_either_separator(
    separator: str, bom: bytes
) -> None:
    text = f"id{separator}title{separator}due\n3{separator}عنوان{separator}1405/09/30\n"
    header, rows = service.read_table(bom + text.encode(), "csv")
    assert header == ["id", "title", "due"]
    assert rows == [["3", "عنوان", "1405/09/30"]]


def test_files_that_are_not_what_their_name_says_are_unreadable() -> None:
    with pytest.raises(service.UnreadableFile):
        service.read_table(b"not a zip at all", "xlsx")
    with pytest.raises(service.UnreadableFile):
        service.read_table("عنوان".encode("utf-16"), "csv")


@pytest.mark.parametrize(
    ("name", "size", "refusal"),
    [
        ("tasks.xlsx", 1000, None),
        ("TASKS.CSV", 1000, None),
        ("setup.exe", 1000, "wrong_type"),
        ("tasks.xls", 1000, "wrong_type"),
        (None, 1000, "wrong_type"),
        ("tasks.xlsx", 5 * 1024 * 1024 + 1, "too_big"),
    ],
)
def test_only_small_xlsx_and_csv_files_are_taken(
    name: str | None, size: int, refusal: str | None
) -> None:
    assert service.file_refusal(name, size) == refusal


def test_agency_and_province_codes_that_do_not_exist_are_named_with_their_line() -> None:
    rows = [
        row(id="1", title="الف", agencies="tpo; banks", province="tehran"),
        row(id="2", title="ب", agencies="tpo; بانک‌ها"),
        row(id="3", title="پ", province="tehraan"),
    ]
    assert errors_of(HEADER, rows) == [
        TableError(3, "unknown_agency", "agencies", "بانک‌ها"),
        TableError(4, "unknown_province", "province", "tehraan"),
    ]


def test_the_iso_columns_are_headers_of_their_own_and_not_read_as_the_dates() -> None:
    header = ["ID", "Title", "Details", "Cluster", "Due", "Due (ISO)", "Assignees"]
    assert column_index(header)["due_iso"] == 5
    [back] = parse_rows(header, [["4", "الف", "", "", "1405/09/30", "1999-01-01", ""]], TODAY)
    assert back.due == from_jalali(1405, 9, 30)

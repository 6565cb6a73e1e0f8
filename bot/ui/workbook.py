"""The period's Excel workbook: summary, clusters, submissions with their decision history,
tasks, and the KPI series with targets.

Written in openpyxl's write-only mode: rows stream from the database to a temporary file, so a
workbook of 100,000 tasks stays small in memory. Persian workbooks are right to left; every
date is the Jalali date as text with the ISO date beside it (Excel cannot sort Jalali dates);
header rows are frozen and carry filters.

The sheets are written in a worker thread that pulls the rows' batches from the event loop:
writing 100,000 rows is seconds of CPU, and on the loop it would hold up every other chat.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import datetime
import functools
import io
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.domain import reports as rules
from bot.domain.jalali import TEHRAN, date_pair
from bot.domain.monitoring import KPI_FIELDS, period_start
from bot.i18n import Translator
from bot.services.reports import KpiTable, StatusReport
from bot.storage.reports import ReportQueries
from bot.ui import reports as view

# How often a long export reports how far it has come, in task rows.
PROGRESS_EVERY = 20_000
# Excel's own limit on a sheet's name.
SHEET_NAME_MAX = 31

Progress = Callable[[int, int], Awaitable[None]]
Batches = Generator[Sequence[Sequence[Any]], None, None]
_T = TypeVar("_T")


class _StreamedSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, serialising rows of plain text and numbers itself.

    openpyxl spends some 8 µs on each cell (a cell object, type checks, four nested XML
    elements); a tasks sheet has a million cells. A row of str/int/float values is written here
    as one XML string that lxml parses in C, about half the cost; a row with anything else
    (styled cells: the header) takes openpyxl's own way. This overrides a private method of
    openpyxl 3.1 (pinned below 3.2 in pyproject.toml); tests/unit/test_workbook_rows.py checks
    that both ways read back alike.
    """

    def _write_rows(self) -> Generator[None, Sequence[Any], None]:
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    values = yield
                    element = _row_element(values, row_idx)
                    if element is None:
                        self._writer.write_row(xf, self._values_to_row(values, row_idx), row_idx)
                    else:
                        xf.write(element)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)


_COLUMNS = [get_column_letter(i) for i in range(1, 65)]


def _row_element(values: Sequence[Any], row_idx: int) -> etree._Element | None:
    """A row of str/int/float/None values as openpyxl writes it, or None for any other row.
    Text is always an inline string (openpyxl would make "=..." a formula: a task's title is
    not one)."""
    if len(values) > len(_COLUMNS):
        return None
    r = str(row_idx)
    parts = [f'<row r="{r}">']
    for column, value in zip(_COLUMNS, values, strict=False):
        kind = value.__class__
        if kind is str:
            if not value:
                continue  # as None: openpyxl writes an empty cell that reads back as None
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(
                f'<c r="{column}{r}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
            )
        elif kind is int:
            parts.append(f'<c r="{column}{r}" t="n"><v>{value}</v></c>')
        elif kind is float:
            parts.append(f'<c r="{column}{r}" t="n"><v>{value:.16g}</v></c>')
        elif value is not None:
            return None
    parts.append("</row>")
    xml = "".join(parts)
    try:
        return etree.fromstring(xml)
    except etree.XMLSyntaxError:
        # Control characters XML cannot carry (pasted from elsewhere into a title): dropped,
        # where openpyxl would refuse the whole export.
        return etree.fromstring(ILLEGAL_CHARACTERS_RE.sub("", xml))


class _Sheet:
    """A write-only sheet with a bold, frozen, filtered header row."""

    def __init__(self, book: Workbook, t: Translator, title: str, headers: Sequence[str]) -> None:
        # What Workbook.create_sheet does in write-only mode, with the faster row writer.
        self.sheet = _StreamedSheet(parent=book, title=title[:SHEET_NAME_MAX])
        book._add_sheet(self.sheet)
        # Both must be set before the first row: write-only sheets stream their XML.
        self.sheet.sheet_view.rightToLeft = t.locale == "fa"
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet, value=header)
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)
        self.width = len(headers)
        self.rows = 1

    def append(self, values: Sequence[Any]) -> None:
        self.sheet.append(values)
        self.rows += 1

    def close(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(self.width)}{self.rows}"


class _Dates:
    """(Jalali date as the reader writes it, ISO date), worked out once per distinct day: a
    hundred thousand tasks share a few hundred due dates."""

    def __init__(self, locale: str) -> None:
        self._locale = locale
        self._days: dict[datetime.date, tuple[str, str]] = {}

    def __call__(
        self, value: datetime.date | datetime.datetime | None
    ) -> tuple[str, str] | tuple[None, None]:
        if value is None:
            return None, None
        if isinstance(value, datetime.datetime):
            value = value.astimezone(TEHRAN).date()
        pair = self._days.get(value)
        if pair is None:
            pair = self._days[value] = date_pair(value, self._locale)
        return pair


class _Names:
    """A catalogue's names under one key prefix, looked up once each."""

    def __init__(self, t: Translator, prefix: str) -> None:
        self._t, self._prefix = t, prefix
        self._names: dict[str, str] = {}

    def __call__(self, code: str) -> str:
        name = self._names.get(code)
        if name is None:
            name = self._names[code] = self._t.plain(f"{self._prefix}.{code}")
        return name


def _headers(t: Translator, *keys: str) -> list[str]:
    return [t.plain(f"report_sheets.{k}") for k in keys]


async def build_workbook(
    t: Translator,
    queries: ReportQueries,
    report: StatusReport,
    kpis: KpiTable,
    groups: Sequence[str] | None,
    progress: Progress | None = None,
) -> bytes:
    since, until = report.period.bounds()
    total = await queries.task_total(groups)
    loop = asyncio.get_running_loop()
    # Each query starts when the writer first asks for its rows, so one cursor is open at a time.
    streams = (
        queries.cluster_rows(groups),
        queries.submission_rows(groups, since, until),
        queries.task_rows(groups),
    )

    # Set when the export is abandoned (the update's handling was cancelled): the writer stops
    # at its next batch or progress report instead of writing on for nobody.
    abandoned = threading.Event()

    def on_loop(step: Awaitable[_T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(_awaited(step), loop)

    def pull(stream: AsyncIterator[Sequence[Sequence[Any]]]) -> Batches:
        # The next batch is fetched while this one is written: the database's own work and
        # the hops between threads then overlap the writing.
        pending: concurrent.futures.Future[Sequence[Sequence[Any]] | None] | None
        pending = on_loop(anext(stream, None))
        try:
            while (batch := pending.result()) is not None:
                if abandoned.is_set():
                    raise _Abandoned
                pending = on_loop(anext(stream, None))
                yield batch
            pending = None
        finally:
            if pending is not None:
                # The writer stopped: let the fetch end before the stream is closed.
                with contextlib.suppress(Exception):
                    pending.result()

    def tell(done: int) -> None:
        if abandoned.is_set():
            raise _Abandoned
        if progress is not None:
            on_loop(progress(done, total)).result()

    context = contextvars.copy_context()
    writer = loop.run_in_executor(
        None,
        functools.partial(context.run, _write, t, report, kpis, *(pull(s) for s in streams), tell),
    )
    try:
        return await asyncio.shield(writer)
    except asyncio.CancelledError:
        abandoned.set()
        # The thread must be done with the streams before they are closed below.
        with contextlib.suppress(_Abandoned):
            await writer
        raise
    finally:
        for stream in streams:
            await stream.aclose()  # type: ignore[attr-defined]


class _Abandoned(Exception):
    """The export's requester is gone: raised in the writer thread to stop it."""


async def _awaited(step: Awaitable[_T]) -> _T:
    return await step


def _write(
    t: Translator,
    report: StatusReport,
    kpis: KpiTable,
    clusters: Batches,
    submissions: Batches,
    tasks: Batches,
    tell: Callable[[int], None],
) -> bytes:
    book = Workbook(write_only=True)
    dates = _Dates(t.locale)
    try:
        _summary(book, t, report)
        _clusters(book, t, dates, clusters)
        _submissions(book, t, dates, submissions)
        _tasks(book, t, dates, tasks, tell)
        _kpis(book, t, kpis)
    except BaseException:
        # A sheet left half-written would end its XML only when collected, and fail there;
        # closed now, its temporary file goes with the workbook.
        for sheet in book.worksheets:
            if not sheet.closed:
                with contextlib.suppress(Exception):
                    sheet.close()
        # Each stream's fetch under way ends before the caller closes the streams.
        for batches in (clusters, submissions, tasks):
            batches.close()
        raise
    out = io.BytesIO()
    # zipfile's default deflate level: level 1 saves 0.4 s of 4 on 100,000 tasks, for a file a
    # third larger to download over a phone's connection.
    book.save(out)
    return out.getvalue()


def _summary(book: Workbook, t: Translator, report: StatusReport) -> None:
    sheet = _Sheet(book, t, t.plain("report_sheets.summary"), _headers(t, "measure", "value"))
    r = report.total
    start, start_iso = date_pair(report.period.start, t.locale)
    end, end_iso = date_pair(report.period.end, t.locale)
    rows: list[tuple[str, Any]] = [
        (t.plain("report_sheets.period"), f"{start} – {end}"),
        (t.plain("report_sheets.period_start_iso"), f"{start_iso} – {end_iso}"),
    ]
    for stage, count in rules.funnel(r.stages):
        rows.append((t.plain(f"cluster_stages.{stage.value}"), count))
    for level in r.pending:
        rows.append((t.plain(f"review_levels.{level.level.value}"), level.count))
    for outcome, count in sorted(r.decisions.items()):
        rows.append((t.plain(f"event_actions.{outcome}"), count))
    for status, count in sorted(r.tasks.items()):
        rows.append((t.plain(f"task_statuses.{status}"), count))
    rows.append((t.plain("report_sheets.overdue"), r.overdue))
    for agency, count in r.overdue_by_agency:
        rows.append(
            (t.plain(f"agencies.{agency}") if agency else t.plain("tasks.no_agency"), count)
        )
    rows.append((t.plain("report_sheets.reports_received"), r.received_reports))
    rows.append((t.plain("report_sheets.reports_expected"), r.expected_reports))
    for ranked in report.ranking:
        if ranked.rank is not None:
            group = t.plain(f"working_groups.{ranked.figures.group}")
            rows.append((f"{ranked.rank}. {group}", ranked.figures.score))
    for row in rows:
        sheet.append(row)
    sheet.close()


def _clusters(book: Workbook, t: Translator, dates: _Dates, batches: Batches) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.clusters"),
        _headers(t, "id", "name", "group", "product", "sector", "firms", "stage", "created",
                 "created_iso"),
    )  # fmt: skip
    groups, stages = _Names(t, "working_groups"), _Names(t, "cluster_stages")
    for batch in batches:
        for cid, name, group, product, sector, firms, stage, created in batch:
            sheet.append((cid, name, groups(group), product, sector, firms, stages(stage),
                          *dates(created)))  # fmt: skip
    sheet.close()


def _submissions(book: Workbook, t: Translator, dates: _Dates, batches: Batches) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.submissions"),
        _headers(t, "id", "kind", "title", "cluster", "group", "status", "event_at",
                 "event_at_iso", "actor", "action", "comment"),
    )  # fmt: skip
    kinds, groups = _Names(t, "submission_kinds"), _Names(t, "working_groups")
    statuses, actions = _Names(t, "submission_statuses"), _Names(t, "event_actions")
    for batch in batches:
        for sid, kind, title, cluster, group, status, at, actor, action, comment in batch:
            sheet.append((sid, kinds(kind), title, cluster, groups(group), statuses(status),
                          *dates(at), actor, actions(action), comment))  # fmt: skip
    sheet.close()


def _tasks(
    book: Workbook, t: Translator, dates: _Dates, batches: Batches, tell: Callable[[int], None]
) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.tasks"),
        _headers(t, "id", "title", "cluster", "group", "status", "start", "start_iso", "due",
                 "due_iso", "progress"),
    )  # fmt: skip
    groups, statuses = _Names(t, "working_groups"), _Names(t, "task_statuses")
    done = 0
    every = PROGRESS_EVERY
    for batch in batches:
        for tid, title, cluster, group, status, start, due, share in batch:
            sheet.append((tid, title, cluster, groups(group), statuses(status), *dates(start),
                          *dates(due), round(share or 0)))  # fmt: skip
            done += 1
            if done % every == 0:
                tell(done)
    sheet.close()


def _kpis(book: Workbook, t: Translator, table: KpiTable) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.kpis"),
        _headers(t, "cluster", "group", "kpi", "period", "period_start_iso", "figure",
                 "baseline", "target", "horizon", "achievement", "behind"),
    )  # fmt: skip
    fields = {f: t.plain(f"kpi_fields.{f}") for f in KPI_FIELDS}
    groups = _Names(t, "working_groups")
    labels: dict[str, tuple[str, str]] = {}

    def periods(period: str) -> tuple[str, str]:
        pair = labels.get(period)
        if pair is None:
            pair = labels[period] = (view.period_label(t, period), period_start(period).isoformat())
        return pair

    for cluster in table.clusters:
        group = groups(cluster.group)
        progress = {p.field: p for p in cluster.progress}
        horizon = ""
        if cluster.horizon == rules.PROGRAM_END:
            horizon = t.plain("reports.horizon_end")
        elif cluster.horizon:
            horizon = t.plain("reports.horizon_year", year=int(cluster.horizon))
        for f in KPI_FIELDS:
            p = progress[f]
            behind = t.plain("report_sheets.yes" if p.behind else "report_sheets.no")
            for period, figures in cluster.series:
                label, start = periods(period)
                sheet.append((cluster.name, group, fields[f], label, start, figures[f], p.baseline,
                              p.target, horizon, p.achievement, behind))  # fmt: skip
            if not cluster.series and p.target is not None:
                sheet.append((cluster.name, group, fields[f], "", "", None, None, p.target,
                              horizon, None, t.plain("report_sheets.no")))  # fmt: skip
    sheet.close()

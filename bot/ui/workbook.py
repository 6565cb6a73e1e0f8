"""The period's Excel workbook: summary, clusters, submissions with their decision history,
tasks, and the KPI series with targets.

Written in openpyxl's write-only mode: rows stream from the database to a temporary file, so a
workbook of 100,000 tasks stays small in memory. Persian workbooks are right to left; every
date is the Jalali date as text with the ISO date beside it (Excel cannot sort Jalali dates);
header rows are frozen and carry filters.
"""

from __future__ import annotations

import datetime
import functools
import io
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.domain import reports as rules
from bot.domain.jalali import TEHRAN, date_pair
from bot.domain.monitoring import KPI_FIELDS, period_start
from bot.i18n import Translator
from bot.services.reports import KpiTable, StatusReport
from bot.storage.reports import ReportQueries
from bot.ui import reports as view

if TYPE_CHECKING:
    # openpyxl is imported when a workbook is built, not when the bot starts (see
    # build_workbook): most processes never export one.
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# How often a long export reports how far it has come, in task rows.
PROGRESS_EVERY = 20_000
# Excel's own limit on a sheet's name.
SHEET_NAME_MAX = 31

Progress = Callable[[int, int], Awaitable[None]]


class _Sheet:
    """A write-only sheet with a bold, frozen, filtered header row."""

    def __init__(self, book: Workbook, t: Translator, title: str, headers: Sequence[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.sheet: WriteOnlyWorksheet = book.create_sheet(title[:SHEET_NAME_MAX])
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

    def append(self, values: Iterable[Any]) -> None:
        self.sheet.append(list(values))
        self.rows += 1

    def close(self) -> None:
        from openpyxl.utils import get_column_letter

        self.sheet.auto_filter.ref = f"A1:{get_column_letter(self.width)}{self.rows}"


def _date(t: Translator, value: datetime.date | datetime.datetime | None) -> tuple[str, str]:
    """(Jalali date as the reader writes it, ISO date)."""
    if value is None:
        return "", ""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(TEHRAN).date()
    return _day(value, t.locale)


@functools.lru_cache(maxsize=4096)
def _day(day: datetime.date, locale: str) -> tuple[str, str]:
    # A hundred thousand tasks share a few hundred due dates.
    return date_pair(day, locale)


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
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _summary(book, t, report)
    await _clusters(book, t, queries.cluster_rows(groups))
    since, until = report.period.bounds()
    await _submissions(book, t, queries.submission_rows(groups, since, until))
    total = await queries.task_total(groups)
    await _tasks(book, t, queries.task_rows(groups), total, progress)
    _kpis(book, t, kpis)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(book: Workbook, t: Translator, report: StatusReport) -> None:
    sheet = _Sheet(book, t, t.plain("report_sheets.summary"), _headers(t, "measure", "value"))
    r = report.total
    start, start_iso = _date(t, report.period.start)
    end, end_iso = _date(t, report.period.end)
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


async def _clusters(book: Workbook, t: Translator, rows: AsyncIterable[tuple[Any, ...]]) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.clusters"),
        _headers(t, "id", "name", "group", "product", "sector", "firms", "stage", "created",
                 "created_iso"),
    )  # fmt: skip
    async for cid, name, group, product, sector, firms, stage, created in rows:
        jalali_, iso = _date(t, created)
        sheet.append((cid, name, t.plain(f"working_groups.{group}"), product, sector, firms,
                      t.plain(f"cluster_stages.{stage}"), jalali_, iso))  # fmt: skip
    sheet.close()


async def _submissions(book: Workbook, t: Translator, rows: AsyncIterable[tuple[Any, ...]]) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.submissions"),
        _headers(t, "id", "kind", "title", "cluster", "group", "status", "event_at",
                 "event_at_iso", "actor", "action", "comment"),
    )  # fmt: skip
    async for sid, kind, title, cluster, group, status, at, actor, action, comment in rows:
        jalali_, iso = _date(t, at)
        sheet.append((sid, t.plain(f"submission_kinds.{kind}"), title, cluster,
                      t.plain(f"working_groups.{group}"),
                      t.plain(f"submission_statuses.{status}"), jalali_, iso, actor,
                      t.plain(f"event_actions.{action}"), comment or ""))  # fmt: skip
    sheet.close()


async def _tasks(
    book: Workbook,
    t: Translator,
    rows: AsyncIterable[tuple[Any, ...]],
    total: int,
    progress: Progress | None,
) -> None:
    sheet = _Sheet(
        book,
        t,
        t.plain("report_sheets.tasks"),
        _headers(t, "id", "title", "cluster", "group", "status", "start", "start_iso", "due",
                 "due_iso", "progress"),
    )  # fmt: skip
    groups: dict[str, str] = {}
    statuses: dict[str, str] = {}
    done = 0
    async for tid, title, cluster, group, status, start, due, share in rows:
        group_name = groups.get(group) or groups.setdefault(
            group, t.plain(f"working_groups.{group}")
        )
        status_name = statuses.get(status) or statuses.setdefault(
            status, t.plain(f"task_statuses.{status}")
        )
        start_j, start_iso = _date(t, start)
        due_j, due_iso = _date(t, due)
        sheet.append((tid, title, cluster, group_name, status_name, start_j, start_iso, due_j,
                      due_iso, round(float(share or 0))))  # fmt: skip
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            await progress(done, total)
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
    for cluster in table.clusters:
        group = t.plain(f"working_groups.{cluster.group}")
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
                sheet.append((cluster.name, group, fields[f], view.period_label(t, period),
                              period_start(period).isoformat(), figures[f], p.baseline,
                              p.target, horizon, p.achievement, behind))  # fmt: skip
            if not cluster.series and p.target is not None:
                sheet.append((cluster.name, group, fields[f], "", "", None, None, p.target,
                              horizon, None, t.plain("report_sheets.no")))  # fmt: skip
    sheet.close()

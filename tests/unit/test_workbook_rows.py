"""The reports workbook writes rows of plain values itself, faster than openpyxl's cell by cell;
a secretary opening the file must find in each cell exactly what openpyxl would have put there."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl import Workbook

from bot.ui import workbook

ROWS: list[tuple[Any, ...]] = [
    (1, "وظیفه «چرم» & <مبلمان>", "خوشه ۱۲", None, "", "۱۴۰۵/۰۹/۰۱", "2026-11-22", 50),
    (2, "  leading and trailing spaces  ", "tab\there", 0, -7, 12.5, 1e-7, 2**40),
    (3, "line\nbreak", "quotes \" and '", "a]]>b", 3.0, None, None, "last"),
    # bool and a 70-column row are not plain rows: openpyxl writes them its own way
    (4, True, False, "mixed"),
    tuple(range(70)),
]


def _written(with_fast_rows: bool) -> list[tuple[Any, ...]]:
    book = Workbook(write_only=True)
    if with_fast_rows:
        sheet = workbook._StreamedSheet(parent=book, title="rows")
        book._add_sheet(sheet)
    else:
        sheet = book.create_sheet("rows")
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    read = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    return [tuple(c.value for c in row) for row in read["rows"].iter_rows()]


def test_plain_rows_read_back_as_openpyxl_writes_them() -> None:
    assert _written(with_fast_rows=True) == _written(with_fast_rows=False)


def test_a_title_that_looks_like_a_formula_stays_text() -> None:
    book = Workbook(write_only=True)
    sheet = workbook._StreamedSheet(parent=book, title="rows")
    book._add_sheet(sheet)
    sheet.append((1, '=HYPERLINK("http://x")'))
    out = io.BytesIO()
    book.save(out)
    cell = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["rows"]["B1"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_control_characters_pasted_into_a_title_are_dropped_not_fatal() -> None:
    book = Workbook(write_only=True)
    sheet = workbook._StreamedSheet(parent=book, title="rows")
    book._add_sheet(sheet)
    sheet.append((1, "bad\x0bchar\x01s", "ok"))
    out = io.BytesIO()
    book.save(out)
    row = next(openpyxl.load_workbook(io.BytesIO(out.getvalue()))["rows"].iter_rows())
    assert [c.value for c in row] == [1, "badchars", "ok"]

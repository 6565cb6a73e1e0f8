"""Numbers people type or paste, and numbers in button data: a 5,000-digit paste gets the
step's own clear refusal (Python would refuse to convert it with a ValueError nobody
explains), and an id no database key can hold is refused before it reaches a query."""

from __future__ import annotations

import pytest

from bot.domain.clusters import MAX_FIRMS, parse_firm_count
from bot.domain.jalali import DateError, DateParseError, from_jalali, parse_date
from bot.domain.monitoring import parse_figure
from bot.domain.task_table import COLUMNS, TableErrors, parse_rows
from bot.domain.text import MAX_ID, InvalidInput, is_id, whole_number
from bot.middlewares import forged_button

HUGE = "9" * 5000
PERSIAN_HUGE = "۹" * 5000
TODAY = from_jalali(1405, 9, 2)


def reason(parse: object, *args: object) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse(*args)  # type: ignore[operator]
    return refused.value.reason


def test_a_whole_number_is_bounded_before_it_is_converted() -> None:
    assert whole_number("0042", "r", 100) == 42
    assert whole_number("100", "r", 100) == 100
    for text in ("101", "1000", HUGE, "", "12a", "٤٢", "-1"):
        assert reason(whole_number, text, "r", 100) == "r"


def test_database_ids_are_positive_and_fit_a_postgresql_integer() -> None:
    assert is_id("1") and is_id(str(MAX_ID))
    assert not any(is_id(t) for t in ("0", str(MAX_ID + 1), "9" * 30, HUGE, "", "x1"))


@pytest.mark.parametrize("text", [HUGE, PERSIAN_HUGE, "1" + "0" * 4400, str(MAX_FIRMS + 1)])
def test_a_pasted_giant_firm_count_gets_the_firm_count_refusal(text: str) -> None:
    assert reason(parse_firm_count, text) == "firm_count_invalid"


def test_a_pasted_giant_kpi_figure_is_too_large_and_a_negative_one_is_negative() -> None:
    assert reason(parse_figure, HUGE) == "figure_too_large"
    assert reason(parse_figure, PERSIAN_HUGE, "employees") == "figure_too_large"
    assert reason(parse_figure, "-" + HUGE) == "figure_negative"
    assert parse_figure("-0") == 0


def test_a_giant_number_of_days_ahead_is_out_of_range_not_a_crash() -> None:
    with pytest.raises(DateParseError) as refused:
        parse_date(f"{PERSIAN_HUGE} روز دیگر", TODAY)
    assert refused.value.reason is DateError.OUT_OF_RANGE
    with pytest.raises(DateParseError):
        parse_date(f"in {HUGE} days", TODAY)


def test_a_task_table_with_a_giant_id_or_progress_names_the_bad_cells() -> None:
    def row(**values: str) -> list[str | None]:
        return [values.get(c) for c in COLUMNS]

    with pytest.raises(TableErrors) as refused:
        parse_rows(
            list(COLUMNS),
            [row(id=HUGE, title="عنوان"), row(id="1", title="عنوان", progress=HUGE)],
            TODAY,
        )
    assert [(e.line, e.reason) for e in refused.value.errors] == [
        (2, "bad_id"),
        (3, "bad_progress"),
    ]


@pytest.mark.parametrize(
    ("data", "forged"),
    [
        ("clo:12", False),
        ("clp:0", False),
        ("rv:approve:7:1", False),
        (f"tk:{MAX_ID}", False),
        ("lang:fa", False),
        (None, False),
        ("clo:" + "9" * 30, True),
        (f"tk:{MAX_ID + 1}", True),
        ("tk:-" + "9" * 25, True),
        ("x:" + HUGE, True),
    ],
)
def test_button_data_with_a_number_no_id_can_be_is_forged(data: str | None, forged: bool) -> None:
    assert forged_button(data) is forged

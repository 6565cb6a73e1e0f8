"""Plan templates: the shipped files as read from the seeds, and every way a file can be wrong."""

from __future__ import annotations

import pytest

from bot.domain.agencies import AGENCIES
from bot.domain.templates import (
    SHIPPED_TEMPLATES_DIR,
    Phase,
    Template,
    TemplateError,
    TemplateItem,
    item_window,
    load_shipped,
    parse_template,
)


def _shipped(code: str) -> Template:
    return next(t for t in load_shipped() if t.code == code)


def _item(template: Template, code: str) -> TemplateItem:
    return next(i for i in template.items if i.code == code)


# --- the shipped templates ------------------------------------------------------------------------


def test_both_shipped_files_parse() -> None:
    templates = load_shipped()
    assert {t.code: t.kind for t in templates} == {
        "export-cluster-matrix": "matrix",
        "search-engine-plan": "phases",
    }
    assert sorted(p.name for p in SHIPPED_TEMPLATES_DIR.glob("*.toml")) == [
        "export_cluster_matrix.toml",
        "search_engine_plan.toml",
    ]
    for template in templates:
        for item in template.items:
            assert item.agencies or item.roles, item.code
            assert set(item.agencies) <= set(AGENCIES)


def test_the_matrix_has_the_seed_sub_processes_in_order() -> None:
    matrix = _shipped("export-cluster-matrix")
    assert [i.code for i in matrix.items] == [
        "F1-1", "F1-2", "F1-3", "F1-5", "F2-1", "F2-2", "F3-1", "F3-2", "F3-3", "F3-4", "F4",
        "F5-1", "F5-2", "F5-3", "F5-4", "F6-1", "F7", "F8", "F9-1", "F9-2", "F9-3", "F10",
        "F11", "F12", "F13",
    ]  # fmt: skip
    assert matrix.phases == ()
    for item in matrix.items:
        # The process code is the phase: F3-4 -> 3, F13 -> 13.
        assert item.phase == int(item.code[1:].split("-")[0])
        assert item_window(matrix, item) == (1, 3)
    assert _item(matrix, "F3-4").title == "ارزیابی طرح های توجیهی"
    assert _item(matrix, "F4").title == "فرهنگ سازی، آموزش و اطلاع رسانی"


def test_the_matrix_agencies_are_read_from_the_ticked_columns() -> None:
    matrix = _shipped("export-cluster-matrix")
    # The provincial commerce organisation (the provincial secretariat) and TPO evaluate plans.
    f34 = _item(matrix, "F3-4")
    assert (f34.agencies, f34.roles) == (("tpo",), ("secretary",))
    # "صدور پروانه تایید خوشه توسط TPO": TPO alone.
    f8 = _item(matrix, "F8")
    assert (f8.agencies, f8.roles) == (("tpo",), ())
    # Secretariat equipment: TPO alone.
    assert _item(matrix, "F1-5").agencies == ("tpo",)
    # The central working group: banks, ministries, chambers... but no governorates.
    f11 = _item(matrix, "F1-1")
    assert {"banks", "ministry_labour", "chamber_commerce", "tpo", "isipo"} <= set(f11.agencies)
    assert "governorates" not in f11.agencies and "strategic_deputy" not in f11.agencies
    # Initial evaluation: the ministry of commerce column is ticked as well as TPO's.
    assert set(_item(matrix, "F3-1").agencies) == {"ministry_commerce", "tpo"}
    # Provincial potential: the CDA column is ticked.
    assert "cda" in _item(matrix, "F3-2").roles
    # Programs: BDS (no code) and NDA/CDA are ticked.
    assert _item(matrix, "F9-1").roles == ("cda", "secretary")
    # Decided in the central working group: the working groups column and TPO.
    f11_ = _item(matrix, "F11")
    assert (f11_.agencies, f11_.roles) == (("tpo",), ("secretary",))
    # Resource allocation: every agency, but not BDS or the CDA.
    f12 = _item(matrix, "F12")
    assert {"governorates", "strategic_deputy", "economic_commission", "irib", "press"} <= set(
        f12.agencies
    )
    assert "cda" not in f12.roles
    # Execution: everyone.
    assert "cda" in _item(matrix, "F13").roles
    # No column of the matrix names these agencies.
    used = {a for i in matrix.items for a in i.agencies}
    assert used.isdisjoint({"chamber_industries_mines", "private_sector", "university"})


def test_the_search_engine_plan_has_four_phases_and_its_activities() -> None:
    plan = _shipped("search-engine-plan")
    assert "موتور جستجو" in plan.name
    assert [(p.number, p.start_month, p.end_month) for p in plan.phases] == [
        (1, 1, 3),
        (2, 3, 8),
        (3, 7, 24),
        (4, 19, 48),
    ]
    assert len(plan.items) == 40
    first = _item(plan, "1-1-1")
    assert first.title == "بررسی مبانی نظری توسعه خوشه جویشگر"
    assert item_window(plan, first) == (1, 3)
    recruit = _item(plan, "1-2-7")
    assert recruit.title == "جذب بازیگران و تشکیل گروه های کاری و ایجاد تفاهم نامه"
    assert recruit.output == "جذب بازیگران اصلی و تفاهم نامه شرکت ها"
    assert recruit.owner == "طرح جویشگر - عامل توسعه خوشه"
    assert recruit.roles == ("secretary", "cda")
    monitor = _item(plan, "3-7")
    assert monitor.title == "پایش و ارزیابی توسعه خوشه"
    assert (monitor.phase, item_window(plan, monitor)) == (3, (7, 24))
    assert _item(plan, "1-2-5").mechanism == "تحلیل سوات"
    assert _item(plan, "2-1").roles == ("cda",)
    assert item_window(plan, _item(plan, "4-4")) == (19, 48)
    assert [i.code for i in plan.items if i.phase == 2] == [f"2-{n}" for n in range(1, 8)]
    assert [i.code for i in plan.items if i.phase == 4] == [f"4-{n}" for n in range(1, 5)]


# --- item_window --------------------------------------------------------------------------------


def test_item_window_applies_the_defaults_and_keeps_what_the_file_says() -> None:
    plan = Template(
        "p", "p", "phases", None, 3, (Phase(1, "a", 4, 9),),
        (TemplateItem("a", "a", phase=1, roles=("cda",)),),
    )  # fmt: skip
    assert item_window(plan, TemplateItem("a", "a", phase=1)) == (4, 9)
    assert item_window(plan, TemplateItem("a", "a", phase=1, start_month=5)) == (5, 9)
    assert item_window(plan, TemplateItem("a", "a", phase=1, end_month=6)) == (4, 6)
    matrix = Template("m", "m", "matrix", None, 6, (), ())
    assert item_window(matrix, TemplateItem("a", "a", phase=3)) == (1, 6)
    assert item_window(matrix, TemplateItem("a", "a", start_month=2, end_month=12)) == (2, 12)


# --- errors -------------------------------------------------------------------------------------

GOOD = """\
code = "demo"
name = "نمونه"
kind = "phases"
source = "test"

[[phases]]
number = 1
title = "مرحله اول"
start_month = 1
end_month = 3

[[phases]]
number = 2
title = "مرحله دوم"
start_month = 3
end_month = 8

[[items]]
code = "1-1"
title = "فعالیت یک"
phase = 1
agencies = ["tpo"]

[[items]]
code = "2-1"
title = "فعالیت دو"
phase = 2
roles = ["cda"]
"""
# Line numbers in GOOD.
CODE, NAME, KIND = 1, 2, 3
PHASE_2 = 12
ITEM_1, ITEM_2 = 18, 24


def test_the_sample_is_good() -> None:
    template = parse_template(GOOD)
    assert [i.code for i in template.items] == ["1-1", "2-1"]
    assert template.default_months == 3
    assert GOOD.splitlines()[ITEM_2 - 1] == "[[items]]"
    assert GOOD.splitlines()[PHASE_2 - 1] == "[[phases]]"


def test_a_file_saved_by_a_windows_editor_is_read() -> None:
    windows = "\ufeff" + GOOD.replace("\n", "\r\n")
    assert parse_template(windows) == parse_template(GOOD)
    error = _error(windows.replace('roles = ["cda"]', 'roles = ["boss"]'))
    assert error.line == ITEM_2


def _error(text: str) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        parse_template(text)
    return caught.value


def test_an_error_reads_as_line_and_reason() -> None:
    text = GOOD.replace('roles = ["cda"]', 'agencies = ["foo"]').replace('"2-1"', '"F3-4"')
    error = _error(text)
    assert (error.line, error.reason) == (ITEM_2, "unknown agency 'foo' in item F3-4")
    assert str(error) == f"line {ITEM_2}: unknown agency 'foo' in item F3-4"


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        # TOML syntax, with the line the TOML reader names.
        ('name = "نمونه"', "name = ", NAME, "invalid TOML: Invalid value"),
        ('title = "فعالیت دو"', 'title = "فعالیت دو', ITEM_2 + 2, "invalid TOML"),
        # The top level.
        ('name = "نمونه"\n', "", None, "missing field 'name'"),
        ('name = "نمونه"', "name = 5", NAME, "field 'name' must be a string"),
        ('name = "نمونه"', 'name = "  "', NAME, "field 'name' is empty"),
        ('kind = "phases"', 'kind = "tree"', KIND, "unknown kind 'tree'"),
        ('code = "demo"', 'code = "Demo_1"', CODE, "code 'Demo_1' may use only lowercase"),
        ('code = "demo"', f'code = "{"x" * 41}"', CODE, "longer than 40 characters"),
        ('source = "test"', "owner = 'x'", 4, "unknown field 'owner'"),
        ('source = "test"', "default_months = 0", 4, "default_months 0 is outside 1..120"),
        # Phases.
        ("number = 2", "number = 1", PHASE_2, "duplicate phase number 1"),
        ("start_month = 3\nend_month = 8", "start_month = 9\nend_month = 8", PHASE_2,
         "start_month 9 is after end_month 8 in phase 2"),
        ("end_month = 8", "end_month = 121", PHASE_2, "end_month 121 is outside 1..120 in phase 2"),
        ('title = "مرحله دوم"\n', "", PHASE_2, "missing field 'title' in phase 2"),
        # Items.
        ('code = "2-1"', 'code = "1-1"', ITEM_2, "duplicate item code '1-1'"),
        ('roles = ["cda"]', 'roles = ["boss"]', ITEM_2,
         "unknown role 'boss' (expected one of cda, secretary, chair) in item 2-1"),
        ('roles = ["cda"]', 'roles = "cda"', ITEM_2, "field 'roles' must be a list of strings"),
        ('agencies = ["tpo"]', 'agencies = ["tpo", "foo"]', ITEM_1,
         "unknown agency 'foo' in item 1-1"),
        ('agencies = ["tpo"]', "agencies = []", ITEM_1,
         "no agencies and no roles: nobody would act on it in item 1-1"),
        ("phase = 2", "phase = 5", ITEM_2, "phase 5 is not one of the [[phases]] in item 2-1"),
        ("phase = 2", 'phase = "2"', ITEM_2, "field 'phase' must be a whole number in item 2-1"),
        ("phase = 2\n", "", ITEM_2, "missing field 'phase' in item 2-1"),
        ("phase = 2", "phase = 2\nstart_month = 0", ITEM_2, "start_month 0 is outside 1..120"),
        ("phase = 2", "phase = 2\nstart_month = true", ITEM_2,
         "field 'start_month' must be a whole number"),
        ("phase = 2", "phase = 2\nstart_month = 5\nend_month = 4", ITEM_2,
         "start_month 5 is after end_month 4 in item 2-1"),
        # The phase window (3..8) ends before the month the item starts.
        ("phase = 2", "phase = 2\nstart_month = 9", ITEM_2,
         "start_month 9 is after end_month 8 (with the defaults applied) in item 2-1"),
        ('title = "فعالیت دو"\n', "", ITEM_2, "missing field 'title' in item 2-1"),
        ('title = "فعالیت دو"', f'title = "{"ا" * 301}"', ITEM_2, "longer than 300 characters"),
        ('code = "2-1"', 'code = "2-1-a-very-long-code-of-more-than-32"', ITEM_2,
         "longer than 32 characters"),
        ('code = "2-1"\n', "", ITEM_2, "missing field 'code' in item #2"),
        ('roles = ["cda"]', 'agencys = ["tpo"]', ITEM_2, "unknown field 'agencys' in item 2-1"),
    ],
)  # fmt: skip
def test_each_mistake_is_reported_with_its_line(
    old: str, new: str, line: int | None, reason: str
) -> None:
    assert old in GOOD
    error = _error(GOOD.replace(old, new, 1) if old != "phase = 2" else _replace_last(old, new))
    assert error.line == line, error
    assert reason in error.reason, error


def _replace_last(old: str, new: str) -> str:
    head, _, tail = GOOD.rpartition(old)
    return head + new + tail


def test_template_level_mistakes() -> None:
    phases_in_matrix = GOOD.replace('kind = "phases"', 'kind = "matrix"')
    error = _error(phases_in_matrix)
    assert error.line == 6 and "matrix template has no [[phases]]" in error.reason

    no_phases = "\n".join(line for line in GOOD.splitlines()[:5] + GOOD.splitlines()[17:]).replace(
        "phase = 2", "phase = 1"
    )
    error = _error(no_phases)
    assert error.line is None and "needs at least one [[phases]]" in error.reason

    no_items = GOOD.split("[[items]]")[0]
    error = _error(no_items)
    assert (error.line, error.reason) == (None, "the template has no [[items]]")
    assert str(error) == "the template has no [[items]]"

    error = _error(GOOD.replace("[[items]]", "[items]", 1))
    assert error.line is not None and "invalid TOML" in error.reason

    error = _error('code = "x"\nname = "x"\nkind = "matrix"\nitems = 3\n')
    assert (error.line, error.reason) == (4, "'items' must be written as [[items]] tables")


def test_a_matrix_item_outside_the_default_window_is_refused() -> None:
    text = """\
code = "m"
name = "m"
kind = "matrix"
default_months = 3

[[items]]
code = "F1-1"
title = "t"
phase = 1
agencies = ["tpo"]

[[items]]
code = "F1-2"
title = "t"
start_month = 5
agencies = ["banks", "tpo", "banks"]
"""
    error = _error(text)
    assert error.line == 12
    assert error.reason == (
        "start_month 5 is after end_month 3 (with the defaults applied) in item F1-2"
    )
    fixed = parse_template(text.replace("start_month = 5", "start_month = 5\nend_month = 7"))
    assert fixed.items[1].agencies == ("banks", "tpo")  # duplicates are dropped
    assert item_window(fixed, fixed.items[1]) == (5, 7)
    assert fixed.items[1].phase is None  # a matrix item need not name its process


def test_a_broken_shipped_file_names_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD.replace("phase = 1", "phase = 9"), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_shipped(tmp_path)
    assert any("b.toml" in note for note in caught.value.__notes__)
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(TemplateError, match="used twice"):
        load_shipped(tmp_path)
    assert load_shipped(tmp_path / "missing") == []

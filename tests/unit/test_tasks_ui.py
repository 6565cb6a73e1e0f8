"""A task's line and card as people read them: the due date, and codes in Persian text."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from bot.config import Platform
from bot.domain.tasks import Task, TaskStatus
from bot.i18n import LRI, PDI, Catalogs, Translator, isolated_code
from bot.ui.tasks import TaskOpen, open_data, task_card, task_line

CATALOGS = Catalogs(Platform.TELEGRAM)
FA = CATALOGS.translator("fa")
EN = CATALOGS.translator("en")
# Monday 2 Azar 1405.
TODAY = datetime.date(2026, 11, 23)


def a_task(*, code: str | None = None, due_on: datetime.date | None = None) -> Task:
    return Task(
        id=12, code=code, title="نقشه خوشه", description=None, cluster_id=3,
        cluster_name="خوشه مبلمان تبریز", working_group="east_azarbaijan", submission_id=None,
        package_item_id=None, phase=None, start_on=None, due_on=due_on, status=TaskStatus.TODO,
        needs_assignee=False, created_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        version=1, assignees=(),
    )  # fmt: skip


# --- the due date -----------------------------------------------------------------------


def test_a_task_without_a_due_date_says_so_once_in_persian() -> None:
    line = task_line(FA, a_task(), TODAY)
    assert "بدون مهلت" in line
    assert "مهلت بدون مهلت" not in line


def test_a_task_without_a_due_date_says_so_once_in_english() -> None:
    line = task_line(EN, a_task(), TODAY)
    assert "no due date" in line
    assert "due no due date" not in line


@pytest.mark.parametrize(("t", "framed"), [(FA, "مهلت ۱۴۰۵/۰۹/۱۰"), (EN, "due 1405/09/10")])
def test_a_task_with_a_due_date_frames_the_date(t: Translator, framed: str) -> None:
    assert framed in task_line(t, a_task(due_on=datetime.date(2026, 12, 1)), TODAY)


# --- codes ----------------------------------------------------------------------------------


def test_a_code_is_one_left_to_right_unit_with_latin_digits_whatever_was_typed() -> None:
    assert isolated_code("EC-۱۴۰۵-۰۰۰۱") == f"{LRI}EC-1405-0001{PDI}"
    assert isolated_code("F3-4") == f"{LRI}F3-4{PDI}"
    # Marks pasted in with the code do not nest inside the isolate.
    assert isolated_code("\u200fF3-4\u200e") == f"{LRI}F3-4{PDI}"


@pytest.mark.parametrize("t", [FA, EN])
def test_a_tasks_code_reads_the_same_in_every_locale_on_its_line_and_card(t: Translator) -> None:
    task = a_task(code="F۳-۴", due_on=datetime.date(2026, 12, 1))
    isolated = f"{LRI}F3-4{PDI}"
    assert task_line(t, task, TODAY).startswith(isolated)
    assert isolated in task_card(t, task, TODAY)


def test_a_task_without_a_code_shows_its_number_in_the_readers_digits() -> None:
    assert task_line(FA, a_task(), TODAY).startswith("#۱۲ ")
    assert task_line(EN, a_task(), TODAY).startswith("#12 ")


def test_a_code_is_isolated_on_bale_too() -> None:
    bale = Catalogs(Platform.BALE).translator("fa")
    assert bale.code("EC-1405-0001") == f"{LRI}EC-1405-0001{PDI}"


# --- what the morning's reminders build directly ----------------------------------------------


def test_a_title_is_escaped_on_its_line_as_any_value_of_a_text() -> None:
    task = dataclasses.replace(a_task(), title="R&D <برنامه>")
    assert "R&amp;D &lt;برنامه&gt;" in task_line(FA, task, TODAY)
    bale = Catalogs(Platform.BALE).translator("fa")
    assert bale.escape(task.title) in task_line(bale, task, TODAY)


def test_an_open_button_written_directly_opens_the_same_task_as_one_packed() -> None:
    assert open_data(4821) == TaskOpen(task_id=4821).pack()
    assert TaskOpen.unpack(open_data(4821)).task_id == 4821

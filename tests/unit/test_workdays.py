"""Official holidays from the maintained source, the override file, closures and Thursdays."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from bot.domain.jalali import TEHRAN, from_jalali, jalali_parts
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.domain.schedule import GroupSchedule, ReminderKind, deliverable_at, task_reminders
from bot.domain.tasks import TaskStatus
from bot.domain.text import InvalidInput
from bot.domain.workdays import (
    Closure,
    Holiday,
    HolidayCalendar,
    HolidayOverrides,
    OfficialHolidays,
    Thursday,
    check_closure_days,
    clean_closure_reason,
    closure_scopes,
    closures_reaching,
    default_calendar,
    load_overrides,
    package_holidays,
)

j = from_jalali
DEFAULT = GroupSchedule()

# The official calendar of 1405 (تقویم رسمی ۱۴۰۵), Fridays not included.
OFFICIAL_1405 = {
    (1, 1): {"Nowruz", "Eid al-Fitr"},
    (1, 2): {"Nowruz Holiday", "Eid al-Fitr Holiday"},
    (1, 3): {"Nowruz Holiday"},
    (1, 4): {"Nowruz Holiday"},
    (1, 12): {"Islamic Republic Day"},
    (1, 13): {"Nature's Day"},
    (1, 25): {"Martyrdom of Imam Ja'far al-Sadiq"},
    (3, 6): {"Eid al-Adha"},
    (3, 14): {"Death of Imam Khomeini", "Eid al-Ghadir"},
    (3, 15): {"15 Khordad Uprising"},
    (4, 3): {"Tasua"},
    (4, 4): {"Ashura"},
    (5, 13): {"Arbaeen"},
    (5, 21): {"Death of Prophet Muhammad and Martyrdom of Hasan ibn Ali"},
    (5, 22): {"Martyrdom of Ali al-Rida"},
    (5, 30): {"Martyrdom of Hasan al-Askari"},
    (6, 8): {"Birthday of Muhammad and Imam Ja'far al-Sadiq"},
    (8, 22): {"Martyrdom of Fatima"},
    (10, 2): {"Birthday of Imam Ali"},
    (10, 16): {"Isra' and Mi'raj"},
    (11, 4): {"Birthday of Mahdi"},
    (11, 22): {"Islamic Revolution Day"},
    (12, 10): {"Martyrdom of Imam Ali"},
    (12, 19): {"Eid al-Fitr"},
    (12, 20): {"Eid al-Fitr Holiday"},
    (12, 29): {"Iranian Oil Industry Nationalization Day"},
}
# Every kind of official holiday, solar and lunar, that a year has.
EVERY_KIND = set().union(*OFFICIAL_1405.values())
SOLAR = {
    "Nowruz",
    "Nowruz Holiday",
    "Islamic Republic Day",
    "Nature's Day",
    "Death of Imam Khomeini",
    "15 Khordad Uprising",
    "Islamic Revolution Day",
    "Iranian Oil Industry Nationalization Day",
}


def by_day(year: int) -> dict[tuple[int, int], set[str]]:
    found: dict[tuple[int, int], set[str]] = {}
    for holiday in default_calendar().official.of_year(year):
        found.setdefault(jalali_parts(holiday.day)[1:], set()).add(holiday.en)
    return found


# --- the maintained source ------------------------------------------------------------------


def test_the_1405_holidays_are_the_official_calendar_s() -> None:
    assert by_day(1405) == OFFICIAL_1405


def test_tasua_and_ashura_1405_are_days_off_and_confirmed() -> None:
    calendar = default_calendar()
    for day in (j(1405, 4, 3), j(1405, 4, 4)):
        assert not calendar.is_working_day(day)
        assert not any(h.estimated for h in calendar.holidays_on(day))


def test_1406_has_every_kind_of_holiday_and_marks_the_lunar_ones_estimated() -> None:
    holidays = default_calendar().official.of_year(1406)
    assert {h.en for h in holidays} == EVERY_KIND
    assert len({h.day for h in holidays}) >= 24
    for holiday in holidays:
        assert holiday.estimated == (holiday.en not in SOLAR), holiday
        assert jalali_parts(holiday.day)[0] == 1406


def test_1405_marks_as_estimated_only_the_lunar_days_its_source_has_not_confirmed() -> None:
    estimated = {jalali_parts(h.day)[1:] for h in package_holidays(1405) if h.estimated}
    # The source confirms lunar dates up to the end of 2026; later ones are its estimates.
    assert estimated == {(10, 16), (11, 4), (12, 10), (12, 19), (12, 20)}


def test_persian_names_use_persian_digits() -> None:
    names = [h.fa for h in default_calendar().official.of_year(1405)]
    assert "قیام ۱۵ خرداد" in names
    assert not any(ch.isascii() and ch.isdigit() for name in names for ch in name)


# --- the override file ----------------------------------------------------------------------


def test_the_shipped_override_names_the_mourning_days_of_esfand_1404() -> None:
    (holiday,) = default_calendar().holidays_on(j(1404, 12, 12))
    assert holiday.en == "Public holiday (national mourning)"
    assert holiday.fa == "تعطیل عمومی (عزای عمومی)"


def source_of(*holidays: Holiday):
    def source(year: int) -> tuple[Holiday, ...]:
        return tuple(h for h in holidays if jalali_parts(h.day)[0] == year)

    return source


ASHURA = Holiday(j(1406, 3, 26), "عاشورا", "Ashura", estimated=True)
TASUA = Holiday(j(1406, 3, 25), "تاسوعا", "Tasua", estimated=True)


def test_an_override_adds_removes_and_renames_days(tmp_path: Path) -> None:
    path = tmp_path / "override.toml"
    path.write_text(
        """
[[remove]]
date = "1406/03/25"

[[rename]]
date = "۱۴۰۶/۰۳/۲۶"
fa = "عاشورای حسینی"
en = "Ashura (confirmed)"
estimated = false

[[add]]
date = "1406/03/27"
fa = "تعطیل به مناسبت عاشورا"
en = "Ashura holiday"
""",
        encoding="utf-8",
    )
    official = OfficialHolidays(load_overrides(path), source=source_of(ASHURA, TASUA))
    calendar = HolidayCalendar(official=official)
    assert calendar.is_working_day(j(1406, 3, 25))
    (renamed,) = calendar.holidays_on(j(1406, 3, 26))
    assert (renamed.en, renamed.fa, renamed.estimated) == (
        "Ashura (confirmed)",
        "عاشورای حسینی",
        False,
    )
    (added,) = calendar.holidays_on(j(1406, 3, 27))
    assert added.en == "Ashura holiday" and not added.estimated
    assert [h.en for h in official.of_year(1406)] == ["Ashura (confirmed)", "Ashura holiday"]


def test_a_rename_without_estimated_keeps_the_source_s_mark() -> None:
    overrides = HolidayOverrides(rename={ASHURA.day: ("عاشورا", "Ashura day", None)})
    (holiday,) = OfficialHolidays(overrides, source=source_of(ASHURA)).on(ASHURA.day)
    assert holiday.estimated and holiday.en == "Ashura day"


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('[[add]]\ndate = "1406/3/26"\nfa = "x"\n', ["add #1", "fa and en"]),
        ('[[add]]\ndate = "26/3/1406"\nfa = "x"\nen = "y"\n', ["add #1", "YYYY/MM/DD"]),
        ('[[remove]]\ndate = "1405/12/30"\n', ["remove #1", "does not exist"]),
        ('[[rename]]\ndate = "1405/01/02"\nfa = "روز 2"\nen = "x"\n', ["Persian digits"]),
        ('[[remove]]\ndate = "1405/01/02"\n[[rename]]\ndate = "1405/01/02"\nfa = "x"\nen = "y"\n',
         ["rename #1", "twice"]),
        ('[[add]]\ndate = "1405/01/02"\nfa = "x"\nen = "y"\nestimated = "yes"\n',
         ["estimated"]),
        ('[holidays]\n1404 = []\n', ["unknown section", "holidays"]),
        ("add = 3\n", ["array of tables"]),
        ("[[add]\n", ["not valid TOML"]),
    ],
)  # fmt: skip
def test_a_malformed_override_is_refused_naming_entry_and_reason(
    tmp_path: Path, content: str, fragments: list[str]
) -> None:
    path = tmp_path / "override.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_overrides(path)
    for fragment in fragments:
        assert fragment in str(caught.value)


# --- closures and Thursdays -------------------------------------------------------------------

SNOW = Closure(j(1405, 10, 6), j(1405, 10, 7), "برف سنگین", province="ardabil")
POLLUTION = Closure(j(1405, 9, 24), j(1405, 9, 24), "آلودگی هوا", province=None)


def test_a_province_s_closure_reaches_that_province_only_and_national_ones_everyone() -> None:
    assert closures_reaching("ardabil", [SNOW, POLLUTION]) == (SNOW, POLLUTION)
    assert closures_reaching("tehran", [SNOW, POLLUTION]) == (POLLUTION,)
    assert closures_reaching("central", [SNOW, POLLUTION]) == (POLLUTION,)


def test_a_closed_day_is_no_working_day_and_says_why() -> None:
    calendar = default_calendar().for_group([SNOW], Thursday.WORKING)
    assert not calendar.is_working_day(j(1405, 10, 6))
    assert calendar.closure_on(j(1405, 10, 7)) is SNOW
    assert default_calendar().is_working_day(j(1405, 10, 6))


def test_a_deadline_counted_in_working_days_skips_a_closure() -> None:
    # Sunday 6 Dey 1405 and Monday 7 Dey are closed for snow in Ardabil.
    calendar = default_calendar().for_group([SNOW], Thursday.WORKING)
    saturday = j(1405, 10, 5)
    assert calendar.add_working_days(saturday, 1) == j(1405, 10, 8)
    assert default_calendar().add_working_days(saturday, 1) == j(1405, 10, 6)


def reminders(
    calendar: HolidayCalendar, due_on: datetime.date, first: datetime.date, last: datetime.date
) -> list[tuple[datetime.date, ReminderKind]]:
    found = []
    today = first
    while today <= last:
        for due in task_reminders(due_on, TaskStatus.IN_PROGRESS, today, DEFAULT, calendar):
            found.append((today, due.kind))
        today += datetime.timedelta(days=1)
    return found


def test_a_task_due_on_ashura_1405_is_announced_before_tasua_and_overdue_after_the_weekend() -> (
    None
):
    # Ashura 1405 is Thursday 4 Tir, Tasua the Wednesday before, then a Friday.
    ashura = j(1405, 4, 4)
    assert ashura.weekday() == 3
    found = reminders(default_calendar(), ashura, j(1405, 4, 1), j(1405, 4, 6))
    assert found == [
        (j(1405, 4, 1), ReminderKind.TASK_BEFORE),
        (j(1405, 4, 2), ReminderKind.TASK_DUE),
        (j(1405, 4, 6), ReminderKind.TASK_OVERDUE),
        (j(1405, 4, 6), ReminderKind.TASK_ESCALATION),
    ]


def test_a_reminder_held_on_ashura_goes_out_the_next_working_morning() -> None:
    moment = datetime.datetime(2026, 6, 25, 10, 0, tzinfo=TEHRAN)
    assert jalali_parts(moment.date()) == (1405, 4, 4)
    delivered = deliverable_at(moment, DEFAULT, default_calendar())
    assert delivered == datetime.datetime(2026, 6, 27, 9, 0, tzinfo=TEHRAN)


def test_a_task_due_on_a_declared_closure_is_announced_the_working_day_before() -> None:
    calendar = default_calendar().for_group([SNOW], Thursday.WORKING)
    due = j(1405, 10, 7)  # Monday, closed like the Sunday before it
    found = reminders(calendar, due, j(1405, 10, 3), j(1405, 10, 8))
    # Three days before is a Friday, so Thursday warns; "due today" comes on Saturday.
    assert found == [
        (j(1405, 10, 3), ReminderKind.TASK_BEFORE),
        (j(1405, 10, 5), ReminderKind.TASK_DUE),
        (j(1405, 10, 8), ReminderKind.TASK_OVERDUE),
    ]
    unclosed = reminders(default_calendar(), due, j(1405, 10, 3), j(1405, 10, 8))
    assert (j(1405, 10, 7), ReminderKind.TASK_DUE) in unclosed
    moment = datetime.datetime(2026, 12, 27, 10, 0, tzinfo=TEHRAN)  # 6 Dey, closed
    assert deliverable_at(moment, DEFAULT, calendar) == datetime.datetime(
        2026, 12, 29, 9, 0, tzinfo=TEHRAN
    )


def test_thursday_off_is_a_weekend_day_and_half_closes_at_noon() -> None:
    thursday = j(1405, 9, 19)
    assert thursday.weekday() == 3
    off = default_calendar().for_group((), Thursday.OFF)
    half = default_calendar().for_group((), Thursday.HALF)
    assert not off.is_working_day(thursday) and not off.is_holiday(thursday)
    assert off.add_working_days(j(1405, 9, 18), 1) == j(1405, 9, 21)
    assert half.is_working_day(thursday)
    assert half.add_working_days(j(1405, 9, 18), 1) == thursday
    morning = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=TEHRAN)
    afternoon = datetime.datetime(2026, 12, 10, 13, 0, tzinfo=TEHRAN)
    assert jalali_parts(morning.date()) == (1405, 9, 19)
    assert deliverable_at(morning, DEFAULT, half) == morning
    assert deliverable_at(afternoon, DEFAULT, half) == datetime.datetime(
        2026, 12, 12, 9, 0, tzinfo=TEHRAN
    )


def test_days_off_lists_holidays_and_closures_in_order() -> None:
    calendar = default_calendar().for_group([POLLUTION], Thursday.WORKING)
    found = calendar.days_off(j(1405, 9, 20), j(1405, 10, 10))
    assert [(jalali_parts(d)[1:], closure is not None) for d, _, closure in found] == [
        ((9, 24), True),
        ((10, 2), False),
    ]


# --- who declares closures ------------------------------------------------------------------


def an_actor(
    group: str | None, role: Role = Role.MEMBER, *, superuser: bool = False
) -> Actor:
    member = None
    if group is not None:
        member = Member(
            id=1, user_id=1, full_name="x", agency_code="tpo", agency_other=None,
            working_group=group, phone=None, locale="fa", role=role,
            status=MemberStatus.APPROVED,
            applied_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )  # fmt: skip
    return Actor(user_id=1, display_name="x", member=member, is_superuser=superuser)


def test_a_superuser_closes_the_country_and_a_province_s_secretary_her_province() -> None:
    assert closure_scopes(an_actor(None, superuser=True)) == (None,)
    assert closure_scopes(an_actor("fars", Role.SECRETARY)) == ("fars",)
    assert closure_scopes(an_actor("fars", Role.SECRETARY, superuser=True)) == (None, "fars")


def test_members_chairs_and_the_central_secretary_declare_nothing() -> None:
    assert closure_scopes(an_actor("fars")) == ()
    assert closure_scopes(an_actor("fars", Role.CHAIR)) == ()
    # The central group is no province: a national closure is a superuser's.
    assert closure_scopes(an_actor("central", Role.SECRETARY)) == ()


@pytest.mark.parametrize(
    ("first", "last", "reason"),
    [
        ((1405, 9, 1), (1405, 9, 3), "closure_in_past"),
        ((1405, 9, 5), (1405, 9, 4), "closure_ends_before_it_starts"),
        ((1405, 9, 2), (1405, 10, 3), "closure_too_long"),
    ],
)
def test_a_closure_starts_today_or_later_and_lasts_a_month_at_most(
    first: tuple[int, int, int], last: tuple[int, int, int], reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_closure_days(j(*first), j(*last), j(1405, 9, 2))
    assert caught.value.reason == reason


def test_a_closure_of_today_or_of_a_month_is_fine() -> None:
    today = j(1405, 9, 2)
    assert check_closure_days(today, today, today) == (today, today)
    assert check_closure_days(today, j(1405, 10, 2), today) == (today, j(1405, 10, 2))


@pytest.mark.parametrize(("text", "reason"), [("", "closure_reason_too_short"),
                                              ("/start", "closure_reason_is_command"),
                                              ("x" * 301, "closure_reason_too_long")])  # fmt: skip
def test_a_closure_needs_a_real_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_closure_reason(text)
    assert caught.value.reason == reason
    assert clean_closure_reason("  آلودگی   هوا ") == "آلودگی هوا"

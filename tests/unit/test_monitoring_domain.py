"""The monitoring rules: figures as people type them, absurd jumps, narratives, periods, who."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import monitoring as rules
from bot.domain.clusters import Cluster, ClusterStage
from bot.domain.digits import to_persian_digits
from bot.domain.members import Actor, InvalidInput, Member, MemberStatus, Role
from bot.domain.monitoring import (
    KPI_FIELDS,
    MAX_FIGURES,
    clean_narrative,
    jump_warning,
    parse_figure,
)


def test_the_fields_are_seed_001s_kpis_in_order() -> None:
    assert KPI_FIELDS == (
        "firms",
        "networks",
        "bdsps",
        "employment",
        "sales_million_rials",
        "exports_usd",
    )
    assert set(MAX_FIGURES) == set(KPI_FIELDS) == set(rules.MIN_CHANGE)


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120", 120),
        ("۱۲۰", 120),
        ("١٢٠", 120),
        ("0", 0),
        ("۰", 0),
        ("12,500", 12_500),
        ("۱۲٬۵۰۰", 12_500),
        ("۱۲،۵۰۰", 12_500),
        ("12 500", 12_500),
        ("2,351,214", 2_351_214),
        ("  +45 ", 45),
        ("\u200f۴۵\u200e", 45),
        ("-0", 0),
    ],
)
def test_a_figure_is_read_in_any_digits_with_thousands_separators(text: str, value: int) -> None:
    assert parse_figure(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "صد",
        "12.5",
        "۱۲٫۵",
        "1e6",
        "12,50",
        "1,2,3",
        "1234,567",
        "12 کارگاه",
        "-",
        "۱۲/۵",
    ],
)
def test_what_is_not_a_whole_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_figure(text)
    assert error.value.reason == "figure_not_a_number"


@pytest.mark.parametrize("text", ["-5", "−5", "۵-", "- ۱۲٬۰۰۰", "–3"])
def test_a_negative_figure_is_refused_whichever_side_the_minus_is_on(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_figure(text)
    assert error.value.reason == "figure_negative"


def test_each_field_has_a_sane_upper_bound() -> None:
    assert parse_figure("1000000", "firms") == 1_000_000
    with pytest.raises(InvalidInput) as error:
        parse_figure("1000001", "firms")
    assert error.value.reason == "figure_too_large"
    # Money is allowed to be much larger than a head count.
    assert parse_figure("50,000,000,000", "exports_usd") == 50_000_000_000
    with pytest.raises(InvalidInput):
        parse_figure("50,000,000,000", "employment")
    with pytest.raises(InvalidInput) as error:
        parse_figure("9" * 30)
    assert error.value.reason == "figure_too_large"


def test_the_count_bounds_fit_a_32_bit_database_integer() -> None:
    for field in ("firms", "networks", "bdsps", "employment"):
        assert MAX_FIGURES[field] < 2**31


@given(st.integers(min_value=0, max_value=10**12))
def test_a_figure_written_with_persian_digits_and_separators_reads_back(value: int) -> None:
    assert parse_figure(to_persian_digits(rules.group_thousands(value, "٬"))) == value
    assert parse_figure(rules.group_thousands(value)) == value


# --- jumps --------------------------------------------------------------------------------------


def test_nothing_to_compare_with_means_no_warning() -> None:
    for field in KPI_FIELDS:
        assert jump_warning(field, None, 10**9) is None


@pytest.mark.parametrize(
    ("field", "previous", "value", "reason"),
    [
        # Counts and money: beyond three times, or below a third.
        ("firms", 120, 360, None),
        ("firms", 120, 361, "up"),
        ("firms", 120, 1200, "up"),
        ("firms", 120, 40, None),
        ("firms", 120, 39, "down"),
        ("sales_million_rials", 25_000, 250_000, "up"),
        ("sales_million_rials", 25_000, 2_500, "down"),
        ("exports_usd", 400_000, 1_000_000, None),
        ("exports_usd", 400_000, 4_000_000, "up"),
        ("bdsps", 6, 0, "down"),
        # Small bases: ordinary news, not a typo.
        ("networks", 1, 3, None),
        ("networks", 1, 4, "up"),
        ("networks", 0, 2, None),
        ("networks", 0, 5, "up"),
        ("bdsps", 2, 0, None),
        ("firms", 2, 9, None),
        # Employment: more than half either way.
        ("employment", 1000, 1500, None),
        ("employment", 1000, 1501, "employment_up"),
        ("employment", 1000, 500, None),
        ("employment", 1000, 499, "employment_down"),
        ("employment", 1000, 2500, "employment_up"),
        ("employment", 30, 46, None),  # +16 people: under the minimum change
        ("employment", 0, 40, "employment_up"),
    ],
)
def test_absurd_jumps_are_questioned(
    field: str, previous: int, value: int, reason: str | None
) -> None:
    assert jump_warning(field, previous, value) == reason


def test_every_reason_a_jump_gives_is_listed() -> None:
    assert {
        jump_warning("firms", 100, 1000),
        jump_warning("firms", 1000, 100),
        jump_warning("employment", 100, 1000),
        jump_warning("employment", 1000, 100),
    } == set(rules.JUMP_REASONS)


def test_an_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        jump_warning("profit", 1, 2)


def test_the_change_against_the_previous_period() -> None:
    assert rules.change_percent(None, 5) is None
    assert rules.change_percent(0, 5) is None
    assert rules.change_percent(200, 250) == 25
    assert rules.change_percent(200, 150) == -25
    assert rules.change_percent(3, 3) == 0
    # Half away from zero, not Python's half to even.
    assert rules.change_percent(400_000, 450_000) == 13
    assert rules.change_percent(400_000, 350_000) == -13
    assert rules.change_percent(3, 1) == -67


# --- narrative ----------------------------------------------------------------------------------


def test_a_narrative_keeps_its_lines_and_loses_stray_spaces_and_arabic_letters() -> None:
    text = "  دوره  آموزشی برگزار شد.\n\n\n\nنمایشگاه   كاشي  \u200f"
    assert clean_narrative(text) == "دوره آموزشی برگزار شد.\n\nنمایشگاه کاشی"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/cancel", "narrative_is_command"),
        ("ok", "narrative_too_short"),
        ("   \n  ", "narrative_too_short"),
        ("ا" * 2001, "narrative_too_long"),
    ],
)
def test_a_narrative_that_cannot_be_used_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as error:
        clean_narrative(text)
    assert error.value.reason == reason


def test_a_narrative_of_exactly_the_limits_is_accepted() -> None:
    assert clean_narrative("abc") == "abc"
    assert len(clean_narrative("ب" * 2000)) == 2000


# --- periods ------------------------------------------------------------------------------------


DEY_1 = datetime.date(2026, 12, 22)  # 1405/10/01


def test_the_current_period_is_the_jalali_month_or_quarter() -> None:
    assert rules.current_period(DEY_1, "monthly") == "1405-10"
    assert rules.current_period(DEY_1, "quarterly") == "1405-Q4"
    assert rules.current_period(datetime.date(2026, 12, 21), "monthly") == "1405-09"
    assert rules.current_period(datetime.date(2026, 12, 21), "quarterly") == "1405-Q3"
    assert rules.current_period(datetime.date(2027, 3, 21), "quarterly") == "1406-Q1"
    with pytest.raises(ValueError):
        rules.current_period(DEY_1, "weekly")


def test_a_period_starts_on_the_first_day_of_its_first_month() -> None:
    assert rules.period_start("1405-10") == DEY_1
    assert rules.period_start("1405-Q4") == DEY_1
    assert rules.period_start("1405-Q3") == datetime.date(2026, 9, 23)  # 1405/07/01
    assert rules.period_parts("1405-Q3") == (1405, None, 3)
    assert rules.period_parts("1405-09") == (1405, 9, None)


@pytest.mark.parametrize("label", ["1405-13", "1405-00", "1405-9", "1405-Q5", "Q4-1405", "", "x"])
def test_malformed_periods_are_not_periods(label: str) -> None:
    assert not rules.is_period(label)
    with pytest.raises(ValueError):
        rules.period_start(label)


def test_periods_sort_in_time_even_across_a_switch_to_quarters() -> None:
    labels = ["1405-Q4", "1405-09", "1406-01", "1405-10", "1404-Q1", "1405-11"]
    assert sorted(labels, key=rules.period_key) == [
        "1404-Q1",
        "1405-09",
        "1405-10",
        "1405-Q4",
        "1405-11",
        "1406-01",
    ]


# --- which clusters, and who reports ----------------------------------------------------------


def test_a_cluster_is_monitored_while_its_program_runs() -> None:
    assert rules.is_monitored(ClusterStage.DEVELOPMENT_RUNNING, False)
    assert rules.is_monitored(ClusterStage.LICENSED, True)
    assert not rules.is_monitored(ClusterStage.LICENSED, False)
    assert not rules.is_monitored(ClusterStage.FINISHED, True)
    assert not rules.is_monitored(ClusterStage.IDENTIFIED, True)


def _actor(member_id: int, role: Role = Role.MEMBER, group: str = "tehran") -> Actor:
    member = Member(
        id=member_id,
        user_id=member_id,
        full_name="x",
        agency_code="tpo",
        agency_other=None,
        working_group=group,
        phone=None,
        locale="fa",
        role=role,
        status=MemberStatus.APPROVED,
        applied_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    return Actor(user_id=member_id, display_name="x", member=member, is_superuser=False)


CLUSTER = Cluster(
    id=1,
    name="خوشه مبلمان تهران",
    working_group="tehran",
    product="مبلمان",
    sector="صنایع چوب",
    cda_member_id=7,
    firm_count=120,
    stage=ClusterStage.DEVELOPMENT_RUNNING,
)


def test_the_cda_and_the_groups_secretariat_report_and_nobody_else() -> None:
    assert rules.report_refusal(_actor(7), CLUSTER) is None
    assert rules.report_refusal(_actor(8, Role.SECRETARY), CLUSTER) is None
    assert rules.report_refusal(_actor(9, Role.CHAIR), CLUSTER) is None
    assert rules.report_refusal(_actor(8), CLUSTER) == "not_your_cluster"
    assert rules.report_refusal(_actor(8, Role.SECRETARY, "fars"), CLUSTER) == "not_your_cluster"
    assert rules.report_refusal(_actor(8, Role.MEMBER, "central"), CLUSTER) == "not_your_cluster"
    visitor = Actor(user_id=5, display_name="v", member=None, is_superuser=True)
    assert rules.report_refusal(visitor, CLUSTER) == "members_only"


def test_members_of_the_province_and_the_centre_and_the_cda_may_look() -> None:
    assert rules.view_refusal(_actor(8), CLUSTER) is None
    assert rules.view_refusal(_actor(8, Role.MEMBER, "central"), CLUSTER) is None
    assert rules.view_refusal(_actor(7, Role.MEMBER, "fars"), CLUSTER) is None  # the CDA
    assert rules.view_refusal(_actor(8, Role.MEMBER, "fars"), CLUSTER) == "not_your_cluster"
    nobody = Actor(user_id=5, display_name="v", member=None, is_superuser=False)
    assert rules.view_refusal(nobody, CLUSTER) == "members_only"


@pytest.mark.parametrize(
    ("period", "is_open"),
    [
        ("1405-09", True),  # the running month
        ("1405-08", True),  # late reports are welcome
        ("1405-Q3", True),  # the running quarter
        ("1405-10", False),  # early ones are not
        ("1405-Q4", False),
        ("1405-13", False),  # not a period at all
        ("1405-9", False),
        ("tomorrow", False),
    ],
)
def test_a_report_is_open_for_a_period_once_it_has_begun(period: str, is_open: bool) -> None:
    # 1405/09/02
    assert rules.is_open_period(period, datetime.date(2026, 11, 23)) is is_open

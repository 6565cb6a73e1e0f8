"""Tasks given to agencies and the reports on them: the domain rules alone."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.jalali import DateError, DateParseError, from_jalali, jalali_parts
from bot.domain.members import Actor, InvalidInput, Member, MemberStatus, Role
from bot.domain.tasks import (
    CHANGE_FOLD,
    NO_AGENCY,
    PROGRESS_STEP,
    Assignee,
    AssigneeState,
    BoardFilter,
    BoardPlace,
    LateTask,
    ListedTask,
    Report,
    Task,
    TaskRefused,
    TaskStatus,
    apply_report,
    board_page,
    cancel_refusal,
    change_window,
    clean_block_reason,
    clean_task_comment,
    clean_task_details,
    clean_task_title,
    days_left,
    in_view,
    input_refusal,
    is_overdue,
    late_agencies,
    listed_groups,
    manage_refusal,
    my_list_page,
    my_tasks_order,
    on_board,
    overall_progress,
    overall_status,
    overdue_by_agency,
    parse_due_date,
    phase_window,
    reassigned_shares,
    reopen_refusal,
    report_refusal,
    still_due,
    view_refusal,
)
from bot.domain.working_groups import CENTRAL

APPLIED = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
TODO = TaskStatus.TODO
IN_PROGRESS = TaskStatus.IN_PROGRESS
BLOCKED = TaskStatus.BLOCKED
DONE = TaskStatus.DONE
CANCELLED = TaskStatus.CANCELLED

# The representatives of the agencies a task was given to.
TPO_REP = 11
ISIPO_REP = 12
BANK_REP = 13


def j(year: int, month: int, day: int) -> datetime.date:
    return from_jalali(year, month, day)


def a_member(
    working_group: str = "east_azarbaijan",
    *,
    role: Role = Role.MEMBER,
    status: MemberStatus = MemberStatus.APPROVED,
    member_id: int = 1,
) -> Member:
    return Member(
        id=member_id,
        user_id=5000 + member_id,
        full_name="مریم رضایی",
        agency_code="tpo",
        agency_other=None,
        working_group=working_group,
        phone=None,
        locale="fa",
        role=role,
        status=status,
        applied_at=APPLIED,
    )


def someone(member: Member | None = None, *, superuser: bool = False) -> Actor:
    user_id = member.user_id if member else 9999
    return Actor(user_id=user_id, display_name="Someone", member=member, is_superuser=superuser)


def member_of(
    group: str,
    role: Role = Role.MEMBER,
    *,
    member_id: int = 1,
    status: MemberStatus = MemberStatus.APPROVED,
) -> Actor:
    return someone(a_member(group, role=role, member_id=member_id, status=status))


VISITOR = someone()
SUPERUSER = someone(superuser=True)
TABRIZ_SECRETARY = member_of("east_azarbaijan", Role.SECRETARY)
TABRIZ_CHAIR = member_of("east_azarbaijan", Role.CHAIR)
TABRIZ_MEMBER = member_of("east_azarbaijan")
CENTRAL_SECRETARY = member_of(CENTRAL, Role.SECRETARY)
CENTRAL_MEMBER = member_of(CENTRAL)
YAZD_SECRETARY = member_of("yazd", Role.SECRETARY)
YAZD_MEMBER = member_of("yazd")
# The TPO's man in Tehran, assigned a task of the Tabriz group.
TPO_IN_TEHRAN = member_of("tehran", member_id=TPO_REP)
TABRIZ_TPO = member_of("east_azarbaijan", member_id=TPO_REP)
TABRIZ_ISIPO = member_of("east_azarbaijan", member_id=ISIPO_REP)

ASSIGNEES = (TPO_REP, ISIPO_REP)


def share(status: TaskStatus, progress: int = 0, member_id: int = TPO_REP) -> AssigneeState:
    return AssigneeState(member_id=member_id, status=status, progress=progress)


def refused_report(call: Callable[[], AssigneeState]) -> str:
    with pytest.raises(TaskRefused) as caught:
        call()
    return caught.value.reason


def refused_input(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.reason


# --- an assignee's share ----------------------------------------------------------------------


def test_the_values_the_database_and_the_buttons_store_are_stable() -> None:
    assert [s.value for s in TaskStatus] == [
        "todo",
        "in_progress",
        "blocked",
        "done",
        "cancelled",
    ]
    assert [r.value for r in Report] == ["start", "progress", "done", "block"]
    assert PROGRESS_STEP == 25


def test_a_status_read_back_from_the_database_as_text_becomes_the_enum() -> None:
    state = AssigneeState(TPO_REP, "blocked", 50)  # type: ignore[arg-type]
    assert state.status is BLOCKED


def test_progress_outside_zero_to_a_hundred_is_a_bug_not_a_state() -> None:
    with pytest.raises(ValueError):
        share(IN_PROGRESS, 101)
    with pytest.raises(ValueError):
        share(IN_PROGRESS, -1)
    with pytest.raises(ValueError):
        AssigneeState(TPO_REP, "finished", 0)  # type: ignore[arg-type]


# --- reporting from the task card -------------------------------------------------------------


def test_the_tpo_representative_starts_work_on_a_new_task() -> None:
    assert apply_report(share(TODO), Report.START) == share(IN_PROGRESS, 0)


def test_starting_again_after_a_block_keeps_the_progress_already_reported() -> None:
    assert apply_report(share(BLOCKED, 50), Report.START) == share(IN_PROGRESS, 50)


def test_starting_twice_is_refused_so_the_secretary_is_not_notified_twice() -> None:
    assert refused_report(lambda: apply_report(share(IN_PROGRESS, 25), Report.START)) == (
        "already_started"
    )


def test_each_progress_tap_adds_a_quarter() -> None:
    state = share(IN_PROGRESS, 0)
    seen = []
    for _ in range(4):
        state = apply_report(state, Report.PROGRESS)
        seen.append(state.progress)
    assert seen == [25, 50, 75, 100]
    # Full progress is not the same as done: the assignee still says so explicitly.
    assert state.status is IN_PROGRESS


def test_progress_reported_without_pressing_start_starts_the_task() -> None:
    assert apply_report(share(TODO), Report.PROGRESS) == share(IN_PROGRESS, 25)


def test_progress_reported_on_a_blocked_task_unblocks_it() -> None:
    assert apply_report(share(BLOCKED, 25), Report.PROGRESS) == share(IN_PROGRESS, 50)


def test_progress_never_passes_a_hundred() -> None:
    # A share set by hand (e.g. carried over from a reassigned task) need not be a multiple.
    assert apply_report(share(IN_PROGRESS, 90), Report.PROGRESS) == share(IN_PROGRESS, 100)


def test_progress_at_a_hundred_is_refused() -> None:
    assert refused_report(lambda: apply_report(share(IN_PROGRESS, 100), Report.PROGRESS)) == (
        "progress_full"
    )
    assert refused_report(lambda: apply_report(share(BLOCKED, 100), Report.PROGRESS)) == (
        "progress_full"
    )


@pytest.mark.parametrize("status", [TODO, IN_PROGRESS, BLOCKED])
def test_reporting_done_completes_the_share_whatever_came_before(status: TaskStatus) -> None:
    assert apply_report(share(status, 25), Report.DONE) == share(DONE, 100)


def test_a_blocked_report_keeps_the_progress_so_far() -> None:
    assert apply_report(share(IN_PROGRESS, 75), Report.BLOCK) == share(BLOCKED, 75)
    assert apply_report(share(TODO), Report.BLOCK) == share(BLOCKED, 0)


def test_blocking_twice_is_refused() -> None:
    assert refused_report(lambda: apply_report(share(BLOCKED, 25), Report.BLOCK)) == (
        "already_blocked"
    )


@pytest.mark.parametrize("report", list(Report))
def test_nothing_can_be_reported_once_the_share_is_done(report: Report) -> None:
    assert refused_report(lambda: apply_report(share(DONE, 100), report)) == "already_done"


def test_a_report_concerns_only_the_assignee_who_made_it() -> None:
    after = apply_report(share(TODO, member_id=BANK_REP), Report.START)
    assert after.member_id == BANK_REP


@given(
    status=st.sampled_from([TODO, IN_PROGRESS, BLOCKED]),
    progress=st.integers(0, 100),
    report=st.sampled_from(list(Report)),
)
def test_no_report_ever_lowers_the_progress(
    status: TaskStatus, progress: int, report: Report
) -> None:
    try:
        after = apply_report(share(status, progress), report)
    except TaskRefused:
        return
    assert progress <= after.progress <= 100


# --- the task as a whole ----------------------------------------------------------------------


def test_a_cancelled_task_is_cancelled_whatever_its_assignees_reported() -> None:
    shares = [share(DONE, 100, TPO_REP), share(IN_PROGRESS, 50, ISIPO_REP)]
    assert overall_status(shares, cancelled=True) is CANCELLED
    assert overall_status([], cancelled=True) is CANCELLED


def test_a_task_nobody_holds_yet_is_still_to_do() -> None:
    assert overall_status([]) is TODO


def test_a_task_is_done_only_when_every_agency_is_done() -> None:
    assert overall_status([share(DONE, 100, TPO_REP), share(DONE, 100, ISIPO_REP)]) is DONE
    assert overall_status([share(DONE, 100, TPO_REP), share(TODO, 0, ISIPO_REP)]) is IN_PROGRESS


def test_one_blocked_agency_blocks_the_task_even_when_the_others_are_done() -> None:
    shares = [share(DONE, 100, TPO_REP), share(BLOCKED, 25, ISIPO_REP), share(TODO, 0, BANK_REP)]
    assert overall_status(shares) is BLOCKED


def test_a_task_is_in_progress_as_soon_as_one_agency_has_started() -> None:
    assert overall_status([share(TODO, 0, TPO_REP), share(IN_PROGRESS, 25, ISIPO_REP)]) is (
        IN_PROGRESS
    )


def test_a_task_nobody_has_started_is_still_to_do() -> None:
    assert overall_status([share(TODO, 0, TPO_REP), share(TODO, 0, ISIPO_REP)]) is TODO


def test_the_task_progress_is_the_mean_of_the_shares() -> None:
    shares = [share(DONE, 100, TPO_REP), share(IN_PROGRESS, 50, ISIPO_REP)]
    assert overall_progress(shares) == 75
    assert overall_progress([share(TODO)]) == 0
    assert overall_progress([]) == 0


def test_the_task_progress_rounds_halves_up_consistently() -> None:
    # One quarter out of two agencies is 12.5%, three quarters 37.5%: both round up.
    assert overall_progress([share(IN_PROGRESS, 25, TPO_REP), share(TODO, 0, ISIPO_REP)]) == 13
    assert overall_progress([share(IN_PROGRESS, 75, TPO_REP), share(TODO, 0, ISIPO_REP)]) == 38
    # A third: 33.3% rounds down.
    three = [share(IN_PROGRESS, 100, TPO_REP), share(TODO, 0, ISIPO_REP), share(TODO, 0, BANK_REP)]
    assert overall_progress(three) == 33


@given(st.lists(st.integers(0, 100), min_size=1, max_size=30))
def test_the_task_progress_lies_between_the_slowest_and_the_fastest_share(
    progresses: list[int],
) -> None:
    shares = [share(IN_PROGRESS, p, i) for i, p in enumerate(progresses)]
    assert min(progresses) <= overall_progress(shares) <= max(progresses)
    assert abs(overall_progress(shares) - sum(progresses) / len(progresses)) <= 0.5


def test_reminders_go_only_to_those_who_have_not_reported_done() -> None:
    shares = [
        share(DONE, 100, TPO_REP),
        share(BLOCKED, 25, ISIPO_REP),
        share(TODO, 0, BANK_REP),
    ]
    assert still_due(shares) == [ISIPO_REP, BANK_REP]
    assert still_due([share(DONE, 100, TPO_REP)]) == []
    assert still_due([]) == []


# --- who may report, manage and view ----------------------------------------------------------


def test_an_assignee_may_report_on_their_task() -> None:
    assert report_refusal(TABRIZ_TPO, ASSIGNEES, IN_PROGRESS) is None
    assert report_refusal(TABRIZ_ISIPO, ASSIGNEES, TODO) is None


def test_an_assignee_from_another_province_may_report_too() -> None:
    assert report_refusal(TPO_IN_TEHRAN, ASSIGNEES, BLOCKED) is None


def test_a_colleague_who_was_not_given_the_task_may_not_report_on_it() -> None:
    assert report_refusal(TABRIZ_MEMBER, ASSIGNEES, IN_PROGRESS) == "not_assignee"


def test_not_even_the_secretary_or_a_superuser_reports_for_an_agency() -> None:
    assert report_refusal(TABRIZ_SECRETARY, ASSIGNEES, IN_PROGRESS) == "not_assignee"
    assert report_refusal(SUPERUSER, ASSIGNEES, IN_PROGRESS) == "members_only"


def test_a_representative_who_is_no_longer_an_approved_member_may_not_report() -> None:
    replaced = member_of("east_azarbaijan", member_id=TPO_REP, status=MemberStatus.REJECTED)
    pending = member_of("east_azarbaijan", member_id=TPO_REP, status=MemberStatus.PENDING)
    assert report_refusal(replaced, ASSIGNEES, IN_PROGRESS) == "members_only"
    assert report_refusal(pending, ASSIGNEES, IN_PROGRESS) == "members_only"
    assert report_refusal(VISITOR, ASSIGNEES, IN_PROGRESS) == "members_only"


def test_nobody_reports_on_a_cancelled_task() -> None:
    assert report_refusal(TABRIZ_TPO, ASSIGNEES, CANCELLED) == "task_cancelled"


def test_the_secretariat_and_the_chair_manage_their_groups_tasks() -> None:
    assert manage_refusal(TABRIZ_SECRETARY, "east_azarbaijan") is None
    assert manage_refusal(TABRIZ_CHAIR, "east_azarbaijan") is None
    assert manage_refusal(SUPERUSER, "east_azarbaijan") is None


def test_members_and_other_secretariats_do_not_manage_a_groups_tasks() -> None:
    assert manage_refusal(TABRIZ_MEMBER, "east_azarbaijan") == "secretaries_only"
    assert manage_refusal(TABRIZ_TPO, "east_azarbaijan") == "secretaries_only"
    assert manage_refusal(YAZD_SECRETARY, "east_azarbaijan") == "secretaries_only"
    assert manage_refusal(CENTRAL_SECRETARY, "east_azarbaijan") == "secretaries_only"
    assert manage_refusal(VISITOR, "east_azarbaijan") == "secretaries_only"


def test_the_groups_members_the_centre_and_superusers_may_view_a_task() -> None:
    assert view_refusal(TABRIZ_MEMBER, "east_azarbaijan", ASSIGNEES) is None
    assert view_refusal(TABRIZ_SECRETARY, "east_azarbaijan", ASSIGNEES) is None
    assert view_refusal(CENTRAL_MEMBER, "east_azarbaijan", ASSIGNEES) is None
    assert view_refusal(SUPERUSER, "east_azarbaijan", ASSIGNEES) is None


def test_an_assignee_from_another_province_may_view_the_task_they_were_given() -> None:
    assert view_refusal(TPO_IN_TEHRAN, "east_azarbaijan", ASSIGNEES) is None
    assert view_refusal(TPO_IN_TEHRAN, "east_azarbaijan", [BANK_REP]) == "not_your_task"


def test_outsiders_may_not_view_a_task() -> None:
    assert view_refusal(YAZD_MEMBER, "east_azarbaijan", ASSIGNEES) == "not_your_task"
    assert view_refusal(YAZD_SECRETARY, "east_azarbaijan", ASSIGNEES) == "not_your_task"
    assert view_refusal(VISITOR, "east_azarbaijan", ASSIGNEES) == "not_your_task"
    rejected = member_of("tehran", member_id=TPO_REP, status=MemberStatus.REJECTED)
    assert view_refusal(rejected, "east_azarbaijan", ASSIGNEES) == "not_your_task"


def a_task(
    *shares: AssigneeState, group: str = "east_azarbaijan", status: TaskStatus = TODO
) -> Task:
    """A Tabriz task as the storage layer would build it, with these assignees' shares."""
    return Task(
        id=7, code=None, title="نقشه خوشه", description=None, cluster_id=3,
        cluster_name="خوشه مبلمان تبریز", working_group=group, submission_id=None,
        package_item_id=None, phase=None, start_on=None, due_on=None, status=status,
        needs_assignee=not shares, created_at=APPLIED, version=1,
        assignees=tuple(
            Assignee(s.member_id, 5000 + s.member_id, "نماینده", "fa", "tpo", s.status, s.progress)
            for s in shares
        ),
    )  # fmt: skip


def test_a_tasks_progress_and_assignees_come_from_its_shares() -> None:
    task = a_task(share(DONE, 100, TPO_REP), share(IN_PROGRESS, 25, ISIPO_REP))
    assert task.assignee_ids == {TPO_REP, ISIPO_REP}
    assert task.progress == 63
    assert task.assignees[1].state == share(IN_PROGRESS, 25, ISIPO_REP)


def test_the_card_buttons_that_ask_for_text_follow_whose_work_each_is() -> None:
    task = a_task(share(TODO, 0, TPO_REP))
    # Evidence and a block reason: the assignee's report.
    assert input_refusal(TABRIZ_TPO, "done", task) is None
    assert input_refusal(TABRIZ_TPO, "block", task) is None
    assert input_refusal(TABRIZ_SECRETARY, "done", task) == "not_assignee"
    assert input_refusal(TABRIZ_TPO, "done", a_task(share(TODO), status=CANCELLED)) == (
        "task_cancelled"
    )
    # A comment: anyone who sees the card.
    assert input_refusal(TABRIZ_MEMBER, "comment", task) is None
    assert input_refusal(YAZD_MEMBER, "comment", task) == "not_your_task"
    # Due date, title, details: the secretariat.
    for action in ("due", "title", "details"):
        assert input_refusal(TABRIZ_SECRETARY, action, task) is None
        assert input_refusal(TABRIZ_TPO, action, task) == "secretaries_only"
    assert input_refusal(TABRIZ_SECRETARY, "due", None) == "task_gone"


def test_the_secretariat_lists_cover_the_groups_it_manages_and_the_centre_sees_all() -> None:
    assert listed_groups(TABRIZ_SECRETARY) == ("east_azarbaijan",)
    assert listed_groups(TABRIZ_CHAIR) == ("east_azarbaijan",)
    assert listed_groups(CENTRAL_SECRETARY) is None
    assert listed_groups(SUPERUSER) is None
    assert listed_groups(TABRIZ_MEMBER) == ()
    assert listed_groups(VISITOR) == ()
    assert listed_groups(YAZD_SECRETARY) == ("yazd",)


@pytest.mark.parametrize("status", list(TaskStatus))
def test_the_open_view_leaves_out_exactly_the_closed_tasks(status: TaskStatus) -> None:
    assert in_view("open", status, None, TODAY) is not status.is_closed
    assert in_view("all", status, None, TODAY)


def test_the_overdue_view_shows_only_late_tasks() -> None:
    assert in_view("overdue", TODO, TODAY - datetime.timedelta(days=1), TODAY)
    assert not in_view("overdue", TODO, TODAY, TODAY)
    assert not in_view("overdue", DONE, TODAY - datetime.timedelta(days=1), TODAY)
    assert not in_view("overdue", TODO, None, TODAY)


# --- due dates --------------------------------------------------------------------------------

TODAY = j(1405, 9, 1)


def test_a_task_due_yesterday_and_still_open_is_overdue() -> None:
    for status in (TODO, IN_PROGRESS, BLOCKED):
        assert is_overdue(j(1405, 8, 30), status, TODAY)


def test_a_task_due_today_is_not_late_yet() -> None:
    assert not is_overdue(TODAY, IN_PROGRESS, TODAY)
    assert not is_overdue(j(1405, 9, 2), TODO, TODAY)


def test_finished_cancelled_and_undated_tasks_are_never_overdue() -> None:
    assert not is_overdue(j(1405, 1, 1), DONE, TODAY)
    assert not is_overdue(j(1405, 1, 1), CANCELLED, TODAY)
    assert not is_overdue(None, TODO, TODAY)


def test_days_left_counts_down_to_zero_on_the_due_day_and_below_after() -> None:
    assert days_left(j(1405, 9, 8), TODAY) == 7
    assert days_left(TODAY, TODAY) == 0
    assert days_left(j(1405, 8, 28), TODAY) == -3
    # Across Nowruz of a common year: 1404/12/28, 12/29, then 1405/01/01..05.
    assert days_left(j(1405, 1, 5), j(1404, 12, 28)) == 6


def test_my_tasks_puts_what_needs_me_most_first() -> None:
    tasks = {
        1: (j(1405, 9, 20), TODO),  # due later
        2: (None, IN_PROGRESS),  # undated
        3: (j(1405, 8, 1), DONE),  # finished long ago, past its date
        4: (j(1405, 8, 29), BLOCKED),  # overdue by two days
        5: (j(1405, 7, 15), IN_PROGRESS),  # overdue by more than a month
        6: (j(1405, 9, 3), TODO),  # due soon
        7: (TODAY, TODO),  # due today
        8: (None, CANCELLED),
        9: (j(1405, 9, 3), IN_PROGRESS),  # due the same day as 6
        10: (None, TODO),
    }
    order = sorted(tasks, key=lambda i: my_tasks_order(tasks[i][0], tasks[i][1], TODAY, i))
    assert order == [5, 4, 7, 6, 9, 1, 2, 10, 3, 8]


def test_a_finished_task_sinks_below_even_an_undated_one() -> None:
    done = my_tasks_order(j(1405, 1, 1), DONE, TODAY, 1)
    cancelled = my_tasks_order(j(1405, 1, 1), CANCELLED, TODAY, 2)
    undated = my_tasks_order(None, TODO, TODAY, 99)
    assert undated < done < cancelled


def _listed(
    task_id: int, due_on: datetime.date | None, status: TaskStatus, cluster_id: int
) -> ListedTask:
    return ListedTask(task_id, due_on, status, cluster_id, None, f"task {task_id}", 0)


def test_a_page_of_my_list_is_cut_from_the_whole_filtered_and_ordered_list() -> None:
    # Twenty open tasks of two clusters, due one a day from ten days ago, and two finished.
    places = [
        _listed(i, TODAY + datetime.timedelta(days=i - 10), TODO, 1 + i % 2) for i in range(20)
    ]
    places += [_listed(90, TODAY, DONE, 1), _listed(91, None, CANCELLED, 2)]

    first = my_list_page(places, "open", 0, TODAY, 0, 8)
    second = my_list_page(places, "open", 0, TODAY, 1, 8)
    last = my_list_page(places, "open", 0, TODAY, 99, 8)

    assert (first.total, first.pages, first.page) == (20, 3, 0)
    assert first.ids == tuple(range(8))  # the most overdue first
    assert second.ids == tuple(range(8, 16))
    assert (last.page, last.ids) == (2, tuple(range(16, 20)))  # a page past the end: the last
    overdue = my_list_page(places, "overdue", 0, TODAY, 0, 8)
    assert overdue.total == 10 and overdue.ids == tuple(range(8))
    of_cluster = my_list_page(places, "all", 2, TODAY, 0, 50)
    assert of_cluster.ids == (*range(1, 20, 2), 91)  # its open tasks, then the cancelled one
    empty = my_list_page([], "open", 0, TODAY, 3, 8)
    assert (empty.total, empty.pages, empty.page, empty.ids) == (0, 1, 0, ())
    # The page holds the listed tasks themselves, their lines' titles with them.
    assert [task.title for task in second.shown] == [f"task {i}" for i in range(8, 16)]


# --- plan templates: month windows -------------------------------------------------------------


def jalali_window(
    start: datetime.date, start_month: int, end_month: int
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    start_on, due_on = phase_window(start, start_month, end_month)
    return jalali_parts(start_on), jalali_parts(due_on)


def test_the_four_phases_of_the_search_engine_plan_started_at_nowruz_1405() -> None:
    start = j(1405, 1, 1)
    assert start == datetime.date(2026, 3, 21)
    assert jalali_window(start, 1, 3) == ((1405, 1, 1), (1405, 3, 31))
    assert jalali_window(start, 3, 8) == ((1405, 3, 1), (1405, 8, 30))
    assert jalali_window(start, 7, 24) == ((1405, 7, 1), (1406, 12, 29))
    # Four years of monitoring end on 30 Esfand: 1408 is a leap year.
    assert jalali_window(start, 19, 48) == ((1406, 7, 1), (1408, 12, 30))
    assert phase_window(start, 19, 48) == (datetime.date(2027, 9, 23), datetime.date(2030, 3, 20))


def test_the_first_month_begins_on_the_start_date_itself() -> None:
    start = j(1404, 12, 15)
    assert jalali_window(start, 1, 1) == ((1404, 12, 15), (1405, 1, 14))
    assert phase_window(start, 1, 1) == (datetime.date(2026, 3, 6), datetime.date(2026, 4, 3))


def test_a_month_of_the_first_half_of_the_year_has_thirty_one_days() -> None:
    start_on, due_on = phase_window(j(1405, 6, 1), 1, 1)
    assert jalali_parts(due_on) == (1405, 6, 31)
    assert (due_on - start_on).days + 1 == 31


def test_a_month_of_the_second_half_of_the_year_has_thirty_days() -> None:
    start_on, due_on = phase_window(j(1405, 7, 1), 1, 1)
    assert jalali_parts(due_on) == (1405, 7, 30)
    assert (due_on - start_on).days + 1 == 30


def test_esfand_has_thirty_days_in_the_leap_year_1403_and_twenty_nine_in_1404() -> None:
    leap_start, leap_due = phase_window(j(1403, 12, 1), 1, 1)
    common_start, common_due = phase_window(j(1404, 12, 1), 1, 1)
    assert jalali_parts(leap_due) == (1403, 12, 30)
    assert jalali_parts(common_due) == (1404, 12, 29)
    assert (leap_due - leap_start).days + 1 == 30
    assert (common_due - common_start).days + 1 == 29
    # Both end on the eve of Nowruz.
    assert leap_due == datetime.date(2025, 3, 20)
    assert common_due == datetime.date(2026, 3, 20)


def test_a_project_started_on_30_esfand_of_a_leap_year() -> None:
    start = j(1403, 12, 30)
    assert jalali_window(start, 1, 1) == ((1403, 12, 30), (1404, 1, 29))
    assert jalali_window(start, 2, 2) == ((1404, 1, 30), (1404, 2, 29))
    # 1404 has no 30 Esfand, so month 13 begins on the 29th and month 12 ends a day earlier.
    assert jalali_window(start, 1, 12) == ((1403, 12, 30), (1404, 12, 28))
    assert jalali_window(start, 13, 13) == ((1404, 12, 29), (1405, 1, 29))


def test_a_month_starting_on_the_last_day_of_a_common_esfand() -> None:
    assert jalali_window(j(1404, 12, 29), 1, 1) == ((1404, 12, 29), (1405, 1, 28))
    # The same start a year earlier lands on 29 Esfand of the leap year, not its last day.
    assert jalali_window(j(1402, 12, 29), 13, 13) == ((1403, 12, 29), (1404, 1, 28))


def test_a_start_on_the_thirty_first_is_clamped_to_the_shorter_months_after() -> None:
    start = j(1405, 6, 31)
    assert jalali_window(start, 1, 1) == ((1405, 6, 31), (1405, 7, 29))
    assert jalali_window(start, 2, 2) == ((1405, 7, 30), (1405, 8, 29))


def test_a_window_reaching_into_esfand_depends_on_the_leap_year() -> None:
    # The second month of a project started on 30 Bahman is Esfand, cut short in 1404.
    assert jalali_window(j(1403, 11, 30), 2, 2) == ((1403, 12, 30), (1404, 1, 29))
    assert jalali_window(j(1404, 11, 30), 2, 2) == ((1404, 12, 29), (1405, 1, 29))


@given(
    start=st.dates(datetime.date(2020, 1, 1), datetime.date(2035, 12, 31)),
    months=st.lists(st.integers(1, 12), min_size=1, max_size=6),
)
def test_consecutive_windows_meet_without_a_gap_or_an_overlap(
    start: datetime.date, months: list[int]
) -> None:
    first = 1
    previous_due: datetime.date | None = None
    for length in months:
        start_on, due_on = phase_window(start, first, first + length - 1)
        assert start_on <= due_on
        if previous_due is None:
            assert start_on == start
        else:
            assert start_on == previous_due + datetime.timedelta(days=1)
        previous_due = due_on
        first += length


def test_a_window_must_start_at_month_one_or_later_and_not_end_before_it_starts() -> None:
    start = j(1405, 1, 1)
    with pytest.raises(ValueError):
        phase_window(start, 0, 3)
    with pytest.raises(ValueError):
        phase_window(start, 8, 3)
    with pytest.raises(ValueError):
        phase_window(start, 3, 2)
    assert phase_window(start, 5, 5)[0] == j(1405, 5, 1)


# --- typing a due date ------------------------------------------------------------------------


def test_a_secretary_types_a_due_date_in_persian_digits() -> None:
    assert parse_due_date("۱۴۰۵/۰۹/۱۵", TODAY) == j(1405, 9, 15)
    assert parse_due_date("فردا", TODAY) == j(1405, 9, 2)


def test_today_is_an_acceptable_due_date() -> None:
    assert parse_due_date("امروز", TODAY) == TODAY
    assert parse_due_date("1405/09/01", TODAY) == TODAY


def test_a_due_date_already_past_is_refused() -> None:
    assert refused_input(lambda: parse_due_date("1405/08/30", TODAY)) == "due_in_past"
    assert refused_input(lambda: parse_due_date("۱ آذر ۱۴۰۴", TODAY)) == "due_in_past"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", DateError.EMPTY),
        ("whenever it suits", DateError.UNRECOGNIZED),
        ("1404/12/30", DateError.IMPOSSIBLE),
        ("1600/01/01", DateError.OUT_OF_RANGE),
    ],
)
def test_a_date_that_cannot_be_read_keeps_its_own_reason(text: str, reason: DateError) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_due_date(text, TODAY)
    assert caught.value.reason is reason
    assert not isinstance(caught.value, InvalidInput)


# --- what people type -------------------------------------------------------------------------


def test_a_task_title_is_normalised_to_one_line() -> None:
    assert clean_task_title("  تهيه  نقشه\nخوشه  ") == "تهیه نقشه خوشه"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/cancel", "task_title_is_command"),
        ("ab", "task_title_too_short"),
        ("\u200f  ab ", "task_title_too_short"),
        ("ب" * 301, "task_title_too_long"),
    ],
)
def test_unusable_task_titles(text: str, reason: str) -> None:
    assert refused_input(lambda: clean_task_title(text)) == reason


def test_task_title_limits_are_inclusive() -> None:
    assert clean_task_title("abc") == "abc"
    assert clean_task_title("ب" * 300) == "ب" * 300


def test_task_details_keep_their_paragraphs() -> None:
    typed = "مرحله اول:  مصاحبه\n\n\n\nمرحله دوم: پنل\u200f"
    assert clean_task_details(typed) == "مرحله اول: مصاحبه\n\nمرحله دوم: پنل"
    assert clean_task_details("x") == "x"
    assert clean_task_details("ب" * 3000) == "ب" * 3000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/start", "task_details_is_command"),
        ("\u200b\n \n", "task_details_too_short"),
        ("ب" * 3001, "task_details_too_long"),
    ],
)
def test_unusable_task_details(text: str, reason: str) -> None:
    assert refused_input(lambda: clean_task_details(text)) == reason


def test_a_comment_on_a_task_keeps_its_lines() -> None:
    assert clean_task_comment("نامه ارسال شد\nمنتظر پاسخ") == "نامه ارسال شد\nمنتظر پاسخ"
    assert clean_task_comment("ok") == "ok"
    assert clean_task_comment("ب" * 1000) == "ب" * 1000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/tasks", "task_comment_is_command"),
        ("x", "task_comment_too_short"),
        ("ب" * 1001, "task_comment_too_long"),
    ],
)
def test_unusable_task_comments(text: str, reason: str) -> None:
    assert refused_input(lambda: clean_task_comment(text)) == reason


def test_a_block_reason_is_one_line() -> None:
    assert clean_block_reason("بودجه  ابلاغ\nنشده") == "بودجه ابلاغ نشده"
    assert clean_block_reason("abc") == "abc"
    assert clean_block_reason("ب" * 500) == "ب" * 500


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/cancel", "block_reason_is_command"),
        ("نه", "block_reason_too_short"),
        ("ب" * 501, "block_reason_too_long"),
    ],
)
def test_unusable_block_reasons(text: str, reason: str) -> None:
    assert refused_input(lambda: clean_block_reason(text)) == reason


def test_an_overdue_task_is_late_for_the_agencies_that_have_not_reported_done() -> None:
    shares = [("tpo", TaskStatus.DONE), ("banks", TaskStatus.IN_PROGRESS), (None, TaskStatus.TODO)]
    assert late_agencies(shares) == ["", "banks"]
    assert late_agencies([("tpo", TaskStatus.DONE)]) == [""]
    assert late_agencies([]) == [""]


# --- tasks that change ---------------------------------------------------------------------------


def test_reassigning_keeps_the_shares_of_those_who_stay_and_starts_newcomers_at_to_do() -> None:
    done = AssigneeState(1, TaskStatus.DONE, 100)
    started = AssigneeState(2, TaskStatus.IN_PROGRESS, 50)
    shares = reassigned_shares([done, started], [1, 3, 3])
    assert shares == [done, AssigneeState(3, TaskStatus.TODO, 0)]
    assert overall_status(shares) is TaskStatus.IN_PROGRESS
    assert reassigned_shares([done], [1]) == [done]
    assert reassigned_shares([done, started], []) == []


def test_a_task_is_cancelled_once_a_done_one_never_and_only_a_cancelled_one_reopens() -> None:
    assert cancel_refusal(TaskStatus.TODO) is None
    assert cancel_refusal(TaskStatus.BLOCKED) is None
    assert cancel_refusal(TaskStatus.CANCELLED) == "task_cancelled"
    assert cancel_refusal(TaskStatus.DONE) == "task_already_done"
    assert reopen_refusal(TaskStatus.CANCELLED) is None
    assert reopen_refusal(TaskStatus.IN_PROGRESS) == "not_cancelled"


def test_changes_in_one_ten_minute_window_share_it_and_the_next_minute_starts_another() -> None:
    at = datetime.datetime(2026, 11, 23, 6, 31, 59, tzinfo=datetime.UTC)
    start, end = change_window(at)
    assert start == datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
    assert end - start == CHANGE_FOLD
    assert change_window(end - datetime.timedelta(seconds=1)) == (start, end)
    assert change_window(end)[0] == end


CREATED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def test_the_board_filters_combine_and_a_task_without_agency_is_found_under_none() -> None:
    today = from_jalali(1405, 9, 10)

    def task(status: TaskStatus, agencies: tuple[str | None, ...], cluster: int = 1) -> Task:
        people = tuple(
            Assignee(n, 100 + n, f"p{n}", "fa", code, status, 0) for n, code in enumerate(agencies)
        )
        return Task(
            id=1, code=None, title="t", description=None, cluster_id=cluster, cluster_name="c",
            working_group="tehran", submission_id=None, package_item_id=None, phase=None,
            start_on=None, due_on=from_jalali(1405, 9, 1), status=status,
            needs_assignee=not people, created_at=CREATED, version=1, assignees=people,
        )  # fmt: skip

    late = BoardPlace.of(task(TaskStatus.TODO, ("tpo", None)))
    assert on_board(late, BoardFilter("overdue"), today)
    assert on_board(late, BoardFilter("open", agency="tpo", cluster_id=1, member_id=1), today)
    assert on_board(late, BoardFilter("all", agency=NO_AGENCY), today)
    assert not on_board(late, BoardFilter("open", agency="banks"), today)
    assert not on_board(late, BoardFilter("open", cluster_id=2), today)
    assert not on_board(late, BoardFilter("open", member_id=7), today)
    assert not on_board(late, BoardFilter("blocked"), today)
    cancelled = BoardPlace.of(task(TaskStatus.CANCELLED, ()))
    assert not on_board(cancelled, BoardFilter("overdue"), today)
    assert not on_board(cancelled, BoardFilter("open"), today)
    assert on_board(cancelled, BoardFilter("cancelled", agency=NO_AGENCY), today)


def test_the_board_pages_its_tasks_most_urgent_first_and_a_page_past_the_end_is_the_last() -> None:
    today = from_jalali(1405, 9, 10)

    def place(
        task_id: int, due_day: int | None, status: TaskStatus = TaskStatus.TODO
    ) -> BoardPlace:
        due = from_jalali(1405, 9, due_day) if due_day is not None else None
        return BoardPlace(task_id, due, status, 1, frozenset({7}), frozenset({"tpo"}))

    places = [
        place(1, 20),
        place(2, 2),  # overdue
        place(3, None),
        place(4, 5, TaskStatus.DONE),
        place(5, 12),
        place(6, 1),  # the most overdue
    ]
    first = board_page(places, BoardFilter("open"), today, 0, 2)
    assert first.ids == (6, 2) and first.total == 5 and first.offset == 0
    assert board_page(places, BoardFilter("open"), today, 4, 2).ids == (3,)
    assert board_page(places, BoardFilter("all"), today, 4, 2).ids == (3, 4)

    # The list shrank since the button was drawn: the chat shows its last page, the API nothing.
    assert board_page(places, BoardFilter("open"), today, 8, 2, clamp=True).ids == (3,)
    assert board_page(places, BoardFilter("open"), today, 8, 2, clamp=True).offset == 4
    assert board_page(places, BoardFilter("open"), today, 8, 2).ids == ()
    assert board_page(places, BoardFilter("open", member_id=8), today, 0, 2, clamp=True).ids == ()


def test_overdue_counts_every_late_task_per_agency_and_names_only_the_oldest() -> None:
    day = datetime.date(2026, 11, 1)
    late = [
        LateTask(4, day + datetime.timedelta(days=3), ("tpo",)),
        LateTask(1, day + datetime.timedelta(days=5), ("banks", "tpo")),
        LateTask(2, day, ("banks",)),
        LateTask(3, day + datetime.timedelta(days=3), ("",)),
    ]
    parts = overdue_by_agency(late, shown=1)
    # Agencies in the order of their oldest late task; a task late for two counts for both.
    assert [(p.agency, p.count, p.shown) for p in parts] == [
        ("banks", 2, (2,)),
        ("", 1, (3,)),
        ("tpo", 2, (4,)),
    ]
    assert overdue_by_agency([], shown=5) == []

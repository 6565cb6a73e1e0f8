"""Plans, programs and support packages on their way to approval: the domain rules alone."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable

import pytest

from bot.domain.clusters import Cluster, ClusterStage
from bot.domain.members import Actor, InvalidInput, Member, MemberStatus, Role
from bot.domain.submissions import (
    ALLOWED_EXTENSIONS,
    KINDS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    PIPELINES,
    AcknowledgeResult,
    ApprovalEffect,
    AttachmentRefusal,
    Criterion,
    Decision,
    DecisionRule,
    DialogStep,
    KindSpec,
    ReviewLevel,
    RuleMode,
    SubmissionKind,
    SubmissionRefusal,
    SubmissionState,
    SubmissionStatus,
    Submitters,
    Tally,
    Transition,
    TransitionRefused,
    UnknownKind,
    Vote,
    attachment_refusal,
    author_refusal,
    clean_action,
    clean_comment,
    clean_note,
    clean_summary,
    clean_title,
    decide,
    license_number,
    parse_amount,
    parse_months,
    pressed_card_refusal,
    resubmit,
    review_refusal,
    reviewing_group,
    spec_for,
    submit_refusal,
    tally,
    vote_outcome,
    vote_refusal,
    waiting_days,
    withdraw,
)
from bot.domain.working_groups import CENTRAL
from bot.i18n import LOCALES, load_catalog

APPLIED = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
OPENED = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
CDA_MEMBER_ID = 77

PLAN = SubmissionKind.FEASIBILITY_PLAN
PROGRAM = SubmissionKind.DEVELOPMENT_PROGRAM
PACKAGE = SubmissionKind.SUPPORT_PACKAGE


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


def member_of(group: str, role: Role = Role.MEMBER, *, member_id: int = 1) -> Actor:
    return someone(a_member(group, role=role, member_id=member_id))


VISITOR = someone()
SUPERUSER = someone(superuser=True)
TABRIZ_SECRETARY = member_of("east_azarbaijan", Role.SECRETARY)
TABRIZ_CHAIR = member_of("east_azarbaijan", Role.CHAIR)
TABRIZ_MEMBER = member_of("east_azarbaijan")
CENTRAL_SECRETARY = member_of(CENTRAL, Role.SECRETARY)
CENTRAL_MEMBER = member_of(CENTRAL)
YAZD_SECRETARY = member_of("yazd", Role.SECRETARY)
YAZD_MEMBER = member_of("yazd")
THE_CDA = member_of("yazd", member_id=CDA_MEMBER_ID)


def tabriz_auto_parts(stage: ClusterStage = ClusterStage.IDENTIFIED) -> Cluster:
    return Cluster(
        id=10,
        name="قطعات خودرو تبریز",
        working_group="east_azarbaijan",
        product="قطعات خودرو",
        sector="industry",
        cda_member_id=CDA_MEMBER_ID,
        firm_count=240,
        stage=stage,
    )


def in_review(
    kind: SubmissionKind = PLAN, stage_index: int = 0, version: int = 1
) -> SubmissionState:
    return SubmissionState(kind, SubmissionStatus.IN_REVIEW, stage_index, version)


def after(state: SubmissionState, transition: Transition) -> SubmissionState:
    return SubmissionState(
        state.kind, transition.status, transition.stage_index, transition.version
    )


def refused_transition(call: Callable[[], Transition]) -> str:
    with pytest.raises(TransitionRefused) as caught:
        call()
    return caught.value.reason


def refused_input(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.reason


# --- one entry per kind ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SubmissionKind))
def test_every_kind_has_a_complete_entry(kind: SubmissionKind) -> None:
    spec = KINDS[kind]
    assert spec.dialog[-1] is DialogStep.ATTACHMENTS
    assert {DialogStep.TITLE, DialogStep.SUMMARY} <= set(spec.dialog)
    assert len(set(spec.dialog)) == len(spec.dialog)
    assert spec.optional <= set(spec.dialog)
    assert spec.stages and spec.stages[-1] is ReviewLevel.CENTRE
    assert spec.cluster_stages
    assert isinstance(spec.submitters, Submitters)
    assert isinstance(spec.on_approval, ApprovalEffect)
    assert spec.wrong_cluster_stage in {
        SubmissionRefusal.CLUSTER_NOT_ELIGIBLE,
        SubmissionRefusal.CLUSTER_NOT_LICENSED,
    }


def test_there_is_an_entry_for_every_kind_and_no_other() -> None:
    assert set(KINDS) == set(SubmissionKind)
    assert set(PIPELINES) == set(SubmissionKind)


class FutureKind(enum.StrEnum):
    GRANT = "grant_application"


@pytest.mark.parametrize("kind", ["grant_application", FutureKind.GRANT, "", None])
def test_a_kind_without_an_entry_is_an_error_not_a_support_package(kind: object) -> None:
    with pytest.raises(UnknownKind) as caught:
        spec_for(kind)
    assert caught.value.kind == kind
    with pytest.raises(UnknownKind):
        PIPELINES[kind]  # type: ignore[index]
    with pytest.raises(UnknownKind):
        submit_refusal(TABRIZ_SECRETARY, kind, tabriz_auto_parts(ClusterStage.LICENSED))  # type: ignore[arg-type]


def test_a_stored_submission_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        SubmissionState("grant_application", SubmissionStatus.IN_REVIEW, 0, 1)  # type: ignore[arg-type]


def test_an_entry_without_review_stages_or_without_a_title_is_refused() -> None:
    plan = KINDS[PLAN]
    with pytest.raises(ValueError):
        KindSpec(**{**plan.__dict__, "stages": ()})
    with pytest.raises(ValueError):
        KindSpec(**{**plan.__dict__, "dialog": (DialogStep.SUMMARY, DialogStep.ATTACHMENTS)})
    with pytest.raises(ValueError):
        KindSpec(**{**plan.__dict__, "optional": frozenset({DialogStep.ITEMS})})


def test_a_plan_asks_the_criteria_and_a_budget_it_may_skip() -> None:
    spec = KINDS[PLAN]
    assert spec.dialog == (
        DialogStep.TITLE,
        DialogStep.SUMMARY,
        DialogStep.CRITERIA,
        DialogStep.BUDGET,
        DialogStep.ATTACHMENTS,
    )
    assert spec.optional == {DialogStep.BUDGET}


def test_a_program_must_be_costed_and_says_how_long_it_runs() -> None:
    spec = KINDS[PROGRAM]
    assert spec.step_after(DialogStep.SUMMARY) is DialogStep.BUDGET
    assert spec.step_after(DialogStep.BUDGET) is DialogStep.DURATION
    assert spec.step_after(DialogStep.DURATION) is DialogStep.TARGETS
    assert spec.step_after(DialogStep.TARGETS) is DialogStep.ATTACHMENTS
    assert DialogStep.BUDGET not in spec.optional
    # its KPI targets may be left to the secretariat's /targets
    assert spec.optional == {DialogStep.TARGETS}
    assert not spec.asks(DialogStep.CRITERIA)


def test_a_package_names_its_program_first_and_lists_agencies_instead_of_a_budget() -> None:
    spec = KINDS[PACKAGE]
    assert spec.dialog[0] is DialogStep.PROGRAM
    assert spec.step_after(DialogStep.SUMMARY) is DialogStep.ITEMS
    assert not spec.asks(DialogStep.BUDGET)
    assert spec.step_after(DialogStep.ATTACHMENTS) is None


def test_each_kind_sets_its_own_effect_in_motion_when_finally_approved() -> None:
    assert KINDS[PLAN].on_approval is ApprovalEffect.LICENSE_CLUSTER
    assert KINDS[PROGRAM].on_approval is ApprovalEffect.DEVELOPMENT_RUNNING
    assert KINDS[PACKAGE].on_approval is ApprovalEffect.INSTRUCT_AGENCIES


def test_only_one_plan_at_a_time_is_open_for_a_cluster() -> None:
    assert [k for k, spec in KINDS.items() if spec.one_open_per_cluster] == [PLAN]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_refusal_has_a_text_in_both_languages(locale: str) -> None:
    catalog = load_catalog(locale)
    keys = {f"submission_refusals.{r}" for r in SubmissionRefusal}
    keys |= {f"submission_errors.{r}" for r in AttachmentRefusal}
    keys |= {f"package.{r}" for r in AcknowledgeResult}
    keys |= {f"dialog.no_clusters.{k}" for k in KINDS}
    keys |= {f"submission_kinds.{k}" for k in KINDS}
    assert sorted(keys - set(catalog)) == []


def test_refusals_compare_equal_to_the_keys_they_replace() -> None:
    # Audit rows and old callers keep the same words.
    assert SubmissionRefusal.NOT_YOUR_STAGE == "not_your_stage"
    assert refused_transition(lambda: resubmit(in_review(PLAN))) is SubmissionRefusal.NOT_RETURNED


# --- the pipelines ----------------------------------------------------------------------------


def test_plans_and_programs_go_through_the_province_then_the_centre() -> None:
    assert PIPELINES[PLAN] == (ReviewLevel.PROVINCE, ReviewLevel.CENTRE)
    assert PIPELINES[PROGRAM] == (ReviewLevel.PROVINCE, ReviewLevel.CENTRE)


def test_a_support_package_is_approved_by_the_centre_alone() -> None:
    assert PIPELINES[PACKAGE] == (ReviewLevel.CENTRE,)


def test_the_province_stage_is_reviewed_by_the_clusters_own_working_group() -> None:
    assert reviewing_group(ReviewLevel.PROVINCE, "east_azarbaijan") == "east_azarbaijan"
    assert reviewing_group(ReviewLevel.CENTRE, "east_azarbaijan") == CENTRAL


def test_a_cluster_of_the_central_group_is_reviewed_centrally_at_both_stages() -> None:
    assert reviewing_group(ReviewLevel.PROVINCE, CENTRAL) == CENTRAL
    assert reviewing_group(ReviewLevel.CENTRE, CENTRAL) == CENTRAL


def test_an_unknown_working_group_cannot_review_anything() -> None:
    with pytest.raises(ValueError):
        reviewing_group(ReviewLevel.PROVINCE, "atlantis")


def test_the_nine_criteria_of_article_seven_keep_the_decrees_order() -> None:
    assert [c.value for c in Criterion] == [
        "concentration",
        "products",
        "legal_entity",
        "export_share",
        "export_capacity",
        "value_added",
        "advantage",
        "networks",
        "social_capital",
    ]


def test_a_state_knows_its_level_and_whether_it_is_the_last_stage() -> None:
    at_province = in_review(PLAN, 0)
    at_centre = in_review(PLAN, 1)
    assert at_province.level is ReviewLevel.PROVINCE and not at_province.is_final_stage
    assert at_centre.level is ReviewLevel.CENTRE and at_centre.is_final_stage
    assert in_review(PACKAGE, 0).is_final_stage


def test_a_state_at_a_stage_the_pipeline_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError):
        in_review(PACKAGE, 1)
    with pytest.raises(ValueError):
        in_review(PLAN, -1)


def test_a_status_read_back_from_the_database_as_text_becomes_the_enum() -> None:
    state = SubmissionState("feasibility_plan", "returned", 0, 3)  # type: ignore[arg-type]
    assert state.kind is PLAN and state.status is SubmissionStatus.RETURNED
    assert state.is_open


# --- a feasibility plan from start to finish --------------------------------------------------


def test_given_a_feasibility_plan_approved_by_the_province_it_moves_to_the_centre() -> None:
    transition = decide(in_review(PLAN, 0, version=1), Decision.APPROVE)
    assert transition == Transition(SubmissionStatus.IN_REVIEW, 1, 2, "advanced")


def test_given_a_plan_approved_by_the_centre_it_is_finally_approved() -> None:
    transition = decide(in_review(PLAN, 1, version=2), Decision.APPROVE)
    assert transition == Transition(SubmissionStatus.APPROVED, 1, 3, "approved")


def test_a_plan_walks_the_whole_ladder_and_is_then_closed() -> None:
    state = in_review(PLAN)
    state = after(state, decide(state, Decision.APPROVE))
    assert (state.status, state.level) == (SubmissionStatus.IN_REVIEW, ReviewLevel.CENTRE)
    state = after(state, decide(state, Decision.APPROVE))
    assert state.status is SubmissionStatus.APPROVED
    assert not state.is_open
    assert refused_transition(lambda: decide(state, Decision.APPROVE)) == "closed"


def test_given_the_centre_returns_a_plan_the_resubmission_goes_back_to_the_centre() -> None:
    at_centre = in_review(PLAN, 1, version=2)
    returned = decide(at_centre, Decision.RETURN)
    assert returned == Transition(SubmissionStatus.RETURNED, 1, 3, "returned")

    back = resubmit(after(at_centre, returned))
    assert back == Transition(SubmissionStatus.IN_REVIEW, 1, 4, "resubmitted")


def test_given_the_province_returns_a_plan_it_comes_back_to_the_province() -> None:
    state = in_review(PLAN, 0)
    state = after(state, decide(state, Decision.RETURN))
    state = after(state, resubmit(state))
    assert state.status is SubmissionStatus.IN_REVIEW
    assert state.level is ReviewLevel.PROVINCE


def test_a_returned_plan_waits_for_its_author_and_cannot_be_decided_meanwhile() -> None:
    returned = SubmissionState(PLAN, SubmissionStatus.RETURNED, 0, 2)
    assert returned.is_open
    assert refused_transition(lambda: decide(returned, Decision.APPROVE)) == "not_in_review"


def test_a_plan_still_in_review_cannot_be_resubmitted() -> None:
    assert refused_transition(lambda: resubmit(in_review(PLAN))) == "not_returned"


def test_given_a_plan_rejected_by_the_province_it_is_closed_for_good() -> None:
    state = in_review(PLAN, 0)
    transition = decide(state, Decision.REJECT)
    assert transition == Transition(SubmissionStatus.REJECTED, 0, 2, "rejected")
    rejected = after(state, transition)
    assert not rejected.is_open
    assert refused_transition(lambda: decide(rejected, Decision.APPROVE)) == "closed"
    assert refused_transition(lambda: resubmit(rejected)) == "closed"
    assert refused_transition(lambda: withdraw(rejected)) == "closed"


@pytest.mark.parametrize("status", [SubmissionStatus.IN_REVIEW, SubmissionStatus.RETURNED])
def test_the_author_may_withdraw_a_plan_before_the_final_decision(
    status: SubmissionStatus,
) -> None:
    transition = withdraw(SubmissionState(PLAN, status, 1, 5))
    assert transition == Transition(SubmissionStatus.WITHDRAWN, 1, 6, "withdrawn")


@pytest.mark.parametrize(
    "status", [SubmissionStatus.APPROVED, SubmissionStatus.REJECTED, SubmissionStatus.WITHDRAWN]
)
def test_a_plan_cannot_be_withdrawn_after_it_was_closed(status: SubmissionStatus) -> None:
    closed = SubmissionState(PLAN, status, 1, 5)
    assert refused_transition(lambda: withdraw(closed)) == "closed"


def test_a_support_package_is_final_after_one_central_approval() -> None:
    transition = decide(in_review(PACKAGE, 0, version=1), Decision.APPROVE)
    assert transition == Transition(SubmissionStatus.APPROVED, 0, 2, "approved")


def test_every_move_bumps_the_version_by_exactly_one() -> None:
    state = in_review(PROGRAM, 0, version=7)
    for move in (
        lambda s: decide(s, Decision.RETURN),
        resubmit,
        lambda s: decide(s, Decision.APPROVE),
        withdraw,
    ):
        transition = move(state)
        assert transition.version == state.version + 1
        state = after(state, transition)
    assert state.version == 11


def test_a_state_without_a_positive_version_is_refused() -> None:
    with pytest.raises(ValueError):
        in_review(PLAN, version=0)


# --- who may submit ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SubmissionKind))
def test_a_visitor_may_not_submit_anything(kind: SubmissionKind) -> None:
    cluster = tabriz_auto_parts(ClusterStage.LICENSED)
    assert submit_refusal(VISITOR, kind, cluster) == "members_only"


def test_a_pending_applicant_is_not_yet_a_member_who_may_submit() -> None:
    pending = someone(a_member(status=MemberStatus.PENDING))
    assert submit_refusal(pending, PLAN, tabriz_auto_parts()) == "members_only"


@pytest.mark.parametrize("stage", [ClusterStage.IDENTIFIED, ClusterStage.FEASIBILITY_STUDIED])
def test_a_member_of_the_clusters_province_may_file_its_feasibility_plan(
    stage: ClusterStage,
) -> None:
    assert submit_refusal(TABRIZ_MEMBER, PLAN, tabriz_auto_parts(stage)) is None


@pytest.mark.parametrize(
    "stage",
    [ClusterStage.LICENSED, ClusterStage.DEVELOPMENT_RUNNING, ClusterStage.FINISHED],
)
def test_a_licensed_or_finished_cluster_gets_no_new_feasibility_plan(stage: ClusterStage) -> None:
    assert submit_refusal(TABRIZ_MEMBER, PLAN, tabriz_auto_parts(stage)) == "cluster_not_eligible"


def test_the_clusters_cda_may_file_although_registered_in_another_province() -> None:
    assert submit_refusal(THE_CDA, PLAN, tabriz_auto_parts()) is None
    assert submit_refusal(THE_CDA, PROGRAM, tabriz_auto_parts(ClusterStage.LICENSED)) is None


def test_a_central_member_may_file_for_any_provinces_cluster() -> None:
    assert submit_refusal(CENTRAL_MEMBER, PLAN, tabriz_auto_parts()) is None


def test_a_member_of_another_province_may_not_file_for_this_cluster() -> None:
    assert submit_refusal(YAZD_MEMBER, PLAN, tabriz_auto_parts()) == "not_your_cluster"
    licensed = tabriz_auto_parts(ClusterStage.LICENSED)
    assert submit_refusal(YAZD_SECRETARY, PROGRAM, licensed) == "not_your_cluster"


@pytest.mark.parametrize("stage", [ClusterStage.LICENSED, ClusterStage.DEVELOPMENT_RUNNING])
def test_a_development_program_is_filed_for_a_licensed_cluster(stage: ClusterStage) -> None:
    assert submit_refusal(TABRIZ_MEMBER, PROGRAM, tabriz_auto_parts(stage)) is None


@pytest.mark.parametrize(
    "stage",
    [ClusterStage.IDENTIFIED, ClusterStage.FEASIBILITY_STUDIED, ClusterStage.FINISHED],
)
def test_a_development_program_needs_a_licensed_cluster(stage: ClusterStage) -> None:
    refusal = submit_refusal(TABRIZ_MEMBER, PROGRAM, tabriz_auto_parts(stage))
    assert refusal == "cluster_not_licensed"


@pytest.mark.parametrize("actor", [TABRIZ_SECRETARY, TABRIZ_CHAIR, CENTRAL_SECRETARY])
def test_the_secretariat_of_the_province_or_the_centre_proposes_a_support_package(
    actor: Actor,
) -> None:
    assert submit_refusal(actor, PACKAGE, tabriz_auto_parts(ClusterStage.LICENSED)) is None


@pytest.mark.parametrize("actor", [TABRIZ_MEMBER, THE_CDA, CENTRAL_MEMBER, YAZD_SECRETARY])
def test_anyone_but_those_secretariats_may_not_propose_a_support_package(actor: Actor) -> None:
    cluster = tabriz_auto_parts(ClusterStage.DEVELOPMENT_RUNNING)
    assert submit_refusal(actor, PACKAGE, cluster) == "secretaries_only"


def test_a_support_package_needs_a_licensed_cluster_even_from_a_secretary() -> None:
    refusal = submit_refusal(TABRIZ_SECRETARY, PACKAGE, tabriz_auto_parts())
    assert refusal == "cluster_not_licensed"


def test_a_superuser_may_submit_anything_the_cluster_is_eligible_for() -> None:
    assert submit_refusal(SUPERUSER, PLAN, tabriz_auto_parts()) is None
    assert submit_refusal(SUPERUSER, PROGRAM, tabriz_auto_parts(ClusterStage.LICENSED)) is None
    assert submit_refusal(SUPERUSER, PACKAGE, tabriz_auto_parts(ClusterStage.LICENSED)) is None
    assert submit_refusal(SUPERUSER, PROGRAM, tabriz_auto_parts()) == "cluster_not_licensed"
    finished = tabriz_auto_parts(ClusterStage.FINISHED)
    assert submit_refusal(SUPERUSER, PLAN, finished) == "cluster_not_eligible"


# --- who may decide and vote ------------------------------------------------------------------


@pytest.mark.parametrize("actor", [TABRIZ_SECRETARY, TABRIZ_CHAIR, SUPERUSER])
def test_the_provinces_secretariat_decides_at_the_province_stage(actor: Actor) -> None:
    assert review_refusal(actor, in_review(PLAN, 0), "east_azarbaijan") is None


@pytest.mark.parametrize("actor", [CENTRAL_SECRETARY, YAZD_SECRETARY, VISITOR])
def test_nobody_else_decides_at_the_province_stage(actor: Actor) -> None:
    assert review_refusal(actor, in_review(PLAN, 0), "east_azarbaijan") == "not_your_stage"


def test_a_plain_member_of_the_deciding_group_is_told_the_decision_is_the_secretariats() -> None:
    # It is their group's stage, so "not your working group" would be untrue.
    assert review_refusal(TABRIZ_MEMBER, in_review(PLAN, 0), "east_azarbaijan") == "deciders_only"


def test_once_the_province_approved_only_the_centre_decides() -> None:
    at_centre = in_review(PLAN, 1)
    assert review_refusal(CENTRAL_SECRETARY, at_centre, "east_azarbaijan") is None
    assert review_refusal(TABRIZ_SECRETARY, at_centre, "east_azarbaijan") == "not_your_stage"


def test_the_centre_decides_both_stages_of_a_central_cluster() -> None:
    assert review_refusal(CENTRAL_SECRETARY, in_review(PLAN, 0), CENTRAL) is None
    assert review_refusal(CENTRAL_SECRETARY, in_review(PLAN, 1), CENTRAL) is None


@pytest.mark.parametrize(
    "status",
    [
        SubmissionStatus.RETURNED,
        SubmissionStatus.APPROVED,
        SubmissionStatus.REJECTED,
        SubmissionStatus.WITHDRAWN,
    ],
)
def test_a_submission_not_in_review_cannot_be_decided_or_voted_on(
    status: SubmissionStatus,
) -> None:
    state = SubmissionState(PLAN, status, 0, 2)
    assert review_refusal(TABRIZ_SECRETARY, state, "east_azarbaijan") == "already_decided"
    assert vote_refusal(TABRIZ_MEMBER, state, "east_azarbaijan") == "already_decided"


@pytest.mark.parametrize("actor", [TABRIZ_MEMBER, TABRIZ_SECRETARY, TABRIZ_CHAIR])
def test_any_member_of_the_stages_group_may_vote(actor: Actor) -> None:
    assert vote_refusal(actor, in_review(PLAN, 0), "east_azarbaijan") is None


def test_a_superuser_who_is_a_member_votes_at_any_stage() -> None:
    superuser = someone(a_member(working_group="yazd"), superuser=True)
    assert vote_refusal(superuser, in_review(PLAN, 0), "east_azarbaijan") is None


def test_members_of_other_groups_may_not_vote() -> None:
    state = in_review(PLAN, 0)
    for actor in (CENTRAL_MEMBER, YAZD_MEMBER):
        assert vote_refusal(actor, state, "east_azarbaijan") == "not_your_stage"


def test_who_is_not_an_approved_member_is_told_that_only_members_vote() -> None:
    # A vote is counted by member: a superuser who never registered has no vote to give.
    state = in_review(PLAN, 0)
    pending = someone(a_member(status=MemberStatus.PENDING))
    for actor in (SUPERUSER, VISITOR, pending):
        assert vote_refusal(actor, state, "east_azarbaijan") == "voters_only"


def test_at_the_centre_stage_the_central_members_vote_not_the_province() -> None:
    at_centre = in_review(PROGRAM, 1)
    assert vote_refusal(CENTRAL_MEMBER, at_centre, "east_azarbaijan") is None
    assert vote_refusal(TABRIZ_MEMBER, at_centre, "east_azarbaijan") == "not_your_stage"


def test_a_button_from_the_current_card_goes_through() -> None:
    assert pressed_card_refusal(in_review(PLAN, 0, version=3), 3) is None


def test_a_button_from_an_older_card_means_somebody_acted_first() -> None:
    assert pressed_card_refusal(in_review(PLAN, 1, version=3), 2) == "already_decided"


def test_a_button_newer_than_the_item_still_in_review_is_only_out_of_date() -> None:
    # Forged, or from a change rolled back: nobody has decided, so saying so would be untrue.
    assert pressed_card_refusal(in_review(PLAN, 0, version=3), 4) == "card_out_of_date"
    assert pressed_card_refusal(in_review(PLAN, 0, version=3), 99) == "card_out_of_date"


@pytest.mark.parametrize(
    "status", [SubmissionStatus.APPROVED, SubmissionStatus.REJECTED, SubmissionStatus.WITHDRAWN]
)
def test_any_button_on_a_closed_item_is_answered_with_the_decision(
    status: SubmissionStatus,
) -> None:
    state = SubmissionState(PLAN, status, 0, 3)
    assert pressed_card_refusal(state, 3) == "already_decided"
    assert pressed_card_refusal(state, 9) == "already_decided"


def test_only_the_author_may_withdraw_or_resubmit() -> None:
    author = member_of("east_azarbaijan", member_id=42)
    assert author_refusal(author, 42) is None
    assert author_refusal(TABRIZ_SECRETARY, 42) == "not_the_author"
    assert author_refusal(SUPERUSER, 42) == "not_the_author"
    assert author_refusal(VISITOR, 42) == "not_the_author"


def test_an_author_whose_membership_was_revoked_can_no_longer_act_as_author() -> None:
    revoked = someone(a_member(status=MemberStatus.REJECTED, member_id=42))
    assert author_refusal(revoked, 42) == "not_the_author"


# --- votes ------------------------------------------------------------------------------------

VOTE_RULE = DecisionRule(RuleMode.VOTE, quorum=3, deadline_days=7)
BEFORE_DEADLINE = OPENED + datetime.timedelta(days=6, hours=23)
AT_DEADLINE = OPENED + datetime.timedelta(days=7)


def test_votes_are_counted_by_kind() -> None:
    votes = [Vote.APPROVE, Vote.REJECT, Vote.APPROVE, Vote.ABSTAIN, Vote.APPROVE]
    assert tally(votes) == Tally(approve=3, reject=1, abstain=1)
    assert tally(iter(votes)).total == 5
    assert tally([]) == Tally(0, 0, 0)


def test_the_secretary_decides_alone_unless_a_group_chooses_to_vote() -> None:
    assert DecisionRule() == DecisionRule(RuleMode.SECRETARY, quorum=3, deadline_days=7)
    assert DecisionRule("vote", 2, 5).mode is RuleMode.VOTE  # type: ignore[arg-type]


@pytest.mark.parametrize(("quorum", "deadline_days"), [(0, 7), (51, 7), (3, 0), (3, 61), (-1, -1)])
def test_a_rule_with_a_quorum_or_deadline_out_of_range_is_refused(
    quorum: int, deadline_days: int
) -> None:
    with pytest.raises(ValueError):
        DecisionRule(RuleMode.VOTE, quorum=quorum, deadline_days=deadline_days)


def test_a_rule_at_the_edges_of_the_ranges_is_accepted() -> None:
    DecisionRule(RuleMode.VOTE, quorum=1, deadline_days=1)
    DecisionRule(RuleMode.VOTE, quorum=50, deadline_days=60)


def test_three_approvals_reach_the_quorum_and_approve_at_once() -> None:
    outcome = vote_outcome(VOTE_RULE, Tally(3, 1, 0), OPENED, OPENED)
    assert outcome is Decision.APPROVE


def test_two_approvals_are_not_enough_before_the_deadline() -> None:
    assert vote_outcome(VOTE_RULE, Tally(2, 0, 4), OPENED, BEFORE_DEADLINE) is None


def test_three_rejections_reach_the_quorum_and_reject_at_once() -> None:
    outcome = vote_outcome(VOTE_RULE, Tally(1, 3, 0), OPENED, OPENED)
    assert outcome is Decision.REJECT


def test_a_quorum_of_approvals_outvoted_by_rejections_does_not_approve() -> None:
    assert vote_outcome(VOTE_RULE, Tally(3, 4, 0), OPENED, OPENED) is Decision.REJECT


def test_both_sides_at_the_quorum_and_tied_decide_nothing_before_the_deadline() -> None:
    assert vote_outcome(VOTE_RULE, Tally(3, 3, 0), OPENED, BEFORE_DEADLINE) is None


def test_abstentions_never_decide_however_many() -> None:
    assert vote_outcome(VOTE_RULE, Tally(0, 0, 10), OPENED, BEFORE_DEADLINE) is None
    assert vote_outcome(VOTE_RULE, Tally(0, 0, 10), OPENED, AT_DEADLINE) is None


def test_at_the_deadline_the_majority_decides_without_a_quorum() -> None:
    assert vote_outcome(VOTE_RULE, Tally(2, 1, 3), OPENED, AT_DEADLINE) is Decision.APPROVE
    assert vote_outcome(VOTE_RULE, Tally(0, 1, 0), OPENED, AT_DEADLINE) is Decision.REJECT
    later = AT_DEADLINE + datetime.timedelta(days=30)
    assert vote_outcome(VOTE_RULE, Tally(1, 0, 0), OPENED, later) is Decision.APPROVE


def test_a_minute_before_the_deadline_the_majority_does_not_yet_decide() -> None:
    just_before = AT_DEADLINE - datetime.timedelta(minutes=1)
    assert vote_outcome(VOTE_RULE, Tally(2, 1, 0), OPENED, just_before) is None


@pytest.mark.parametrize("votes", [Tally(0, 0, 0), Tally(2, 2, 1), Tally(1, 1, 0)])
def test_a_tie_at_the_deadline_is_left_to_the_secretary(votes: Tally) -> None:
    assert vote_outcome(VOTE_RULE, votes, OPENED, AT_DEADLINE) is None


def test_a_quorum_of_one_decides_with_the_first_vote() -> None:
    rule = DecisionRule(RuleMode.VOTE, quorum=1, deadline_days=3)
    assert vote_outcome(rule, Tally(0, 1, 0), OPENED, OPENED) is Decision.REJECT


# --- attachments ------------------------------------------------------------------------------


def test_the_allowed_file_types_are_office_documents_pdfs_and_pictures() -> None:
    assert frozenset({"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"}) == (
        ALLOWED_EXTENSIONS
    )
    assert MAX_ATTACHMENT_BYTES == 20 * 1024 * 1024
    assert MAX_ATTACHMENTS == 10


@pytest.mark.parametrize(
    ("file_name", "mime_type"),
    [
        ("طرح توجیهی.pdf", "application/pdf"),
        ("PLAN.PDF", "application/pdf"),
        ("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("budget.xls", "application/vnd.ms-excel"),
        ("program.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("program.doc", "application/msword"),
        ("site.JPG", "image/jpeg"),
        ("site.jpeg", "image/jpeg"),
        ("map.png", "image/png"),
        ("plan.pdf", None),
        ("plan.pdf", "application/octet-stream"),
        ("plan.pdf", "Application/PDF; charset=binary"),
    ],
)
def test_a_document_of_an_allowed_type_is_accepted(file_name: str, mime_type: str | None) -> None:
    assert attachment_refusal(file_name, mime_type, 1_000_000) is None


@pytest.mark.parametrize(
    ("file_name", "mime_type"),
    [
        ("setup.exe", "application/x-msdownload"),
        ("setup.exe", None),
        ("plan.pdf.exe", "application/octet-stream"),
        ("archive.zip", "application/zip"),
        ("plan", "application/pdf"),
        (".pdf", "application/pdf"),
        ("plan.pdf", "application/x-msdownload"),
        ("photo.png", "image/jpeg"),
        ("budget.xlsx", "application/pdf"),
        (None, None),
        (None, "application/octet-stream"),
        (None, "application/zip"),
    ],
)
def test_anything_else_or_a_mime_type_that_disagrees_is_refused(
    file_name: str | None, mime_type: str | None
) -> None:
    assert attachment_refusal(file_name, mime_type, 1000) == "file_type"


def test_a_file_without_a_name_is_judged_by_its_mime_type() -> None:
    assert attachment_refusal(None, "image/jpeg", 1000) is None


def test_a_file_of_exactly_twenty_megabytes_is_accepted_and_one_byte_more_is_not() -> None:
    assert attachment_refusal("plan.pdf", "application/pdf", MAX_ATTACHMENT_BYTES) is None
    refusal = attachment_refusal("plan.pdf", "application/pdf", MAX_ATTACHMENT_BYTES + 1)
    assert refusal == "file_too_big"


def test_a_file_whose_size_telegram_did_not_report_is_accepted() -> None:
    assert attachment_refusal("plan.pdf", "application/pdf", None) is None


# --- amounts and durations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1250", 1250),
        ("۱۲۵۰", 1250),
        ("١٢٥٠", 1250),
        ("۱٬۲۵۰٬۰۰۰", 1_250_000),
        ("۱،۲۵۰،۰۰۰", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1 250 000", 1_250_000),
        ("1\u00a0250", 1250),
        ("  ۵۰۰  ", 500),
        ("1,000,000,000,000", 10**12),
    ],
)
def test_a_budget_is_read_in_any_digits_with_thousands_separators(typed: str, amount: int) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "0",
        "۰",
        "-5",
        "12.5",
        "۱۲٫۵",
        "2,5",
        "1,2,3",
        "1000000000001",
        "9" * 5000,
        "پانصد",
        "500 میلیون",
        "1e6",
    ],
)
def test_a_budget_that_is_not_a_positive_whole_number_in_range_is_refused(typed: str) -> None:
    assert refused_input(lambda: parse_amount(typed)) == "amount_invalid"


@pytest.mark.parametrize(("typed", "months"), [("1", 1), ("۱۸", 18), ("١٢٠", 120), (" 36 ", 36)])
def test_a_duration_in_months_is_read_in_any_digits(typed: str, months: int) -> None:
    assert parse_months(typed) == months


@pytest.mark.parametrize("typed", ["0", "121", "۱۲۱", "", "two", "1.5", "-3", "1000"])
def test_a_duration_outside_one_to_a_hundred_and_twenty_months_is_refused(typed: str) -> None:
    assert refused_input(lambda: parse_months(typed)) == "months_invalid"


# --- texts people type ------------------------------------------------------------------------


def test_a_title_is_tidied_and_stored_with_persian_letters() -> None:
    assert clean_title("  طرح   توجيهي خوشه ") == "طرح توجیهی خوشه"


@pytest.mark.parametrize(
    ("clean", "field", "shortest", "longest"),
    [
        (clean_title, "title", 3, 200),
        (clean_summary, "summary", 10, 3000),
        (clean_action, "action", 5, 1000),
        (clean_comment, "comment", 3, 1000),
    ],
)
def test_each_text_has_its_length_limits_and_refuses_commands(
    clean: Callable[[str], str], field: str, shortest: int, longest: int
) -> None:
    assert clean("ب" * shortest) == "ب" * shortest
    assert clean("ب" * longest) == "ب" * longest
    assert refused_input(lambda: clean("ب" * (shortest - 1))) == f"{field}_too_short"
    assert refused_input(lambda: clean("ب" * (longest + 1))) == f"{field}_too_long"
    assert refused_input(lambda: clean("/cancel")) == f"{field}_is_command"
    assert refused_input(lambda: clean("  /start now please")) == f"{field}_is_command"


def test_a_note_may_be_one_character_up_to_five_hundred() -> None:
    assert clean_note("ok") == "ok"
    assert clean_note("ب" * 500) == "ب" * 500
    assert refused_input(lambda: clean_note("ب" * 501)) == "note_too_long"
    assert refused_input(lambda: clean_note("/menu")) == "note_is_command"
    assert refused_input(lambda: clean_note(" \u200f ")) == "note_too_short"


def test_a_summary_keeps_its_paragraphs_but_not_stray_spaces() -> None:
    typed = "  بند اول   طرح \n\n\n\nبند دوم\u200f  \n"
    assert clean_summary(typed) == "بند اول طرح\n\nبند دوم"


def test_a_title_is_always_a_single_line() -> None:
    assert clean_title("خوشه\nمبلمان ملایر") == "خوشه مبلمان ملایر"


# --- licenses and waiting time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "sequence", "number"),
    [
        (1405, 7, "EC-1405-0007"),
        (1405, 1, "EC-1405-0001"),
        (1404, 9999, "EC-1404-9999"),
        (1406, 12345, "EC-1406-12345"),
    ],
)
def test_a_license_number_carries_the_jalali_year_and_a_padded_sequence(
    year: int, sequence: int, number: str
) -> None:
    assert license_number(year, sequence) == number


@pytest.mark.parametrize(("year", "sequence"), [(1405, 0), (1405, -1), (2026 - 2000, 1)])
def test_a_license_number_needs_a_positive_sequence_and_a_four_digit_year(
    year: int, sequence: int
) -> None:
    with pytest.raises(ValueError):
        license_number(year, sequence)


def test_waiting_time_counts_whole_days_since_the_stage_opened() -> None:
    assert waiting_days(OPENED, OPENED) == 0
    assert waiting_days(OPENED, OPENED + datetime.timedelta(hours=23, minutes=59)) == 0
    assert waiting_days(OPENED, OPENED + datetime.timedelta(days=3, hours=5)) == 3


def test_waiting_time_is_never_negative_when_clocks_disagree() -> None:
    assert waiting_days(OPENED, OPENED - datetime.timedelta(hours=2)) == 0

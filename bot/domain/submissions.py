"""Feasibility plans, development programs and support packages on their way to approval.

Seed 004 describes three items that climb the same ladder: a feasibility plan (F3-3, F3-4,
F6), a development program (F9) and a support package (F10, F11). The first two are reviewed
by the cluster's provincial working group and then by the central group; a support package
is proposed by a working group's secretariat and approved centrally. Everything here is pure:
the storage layer applies a `Transition` atomically (checking `version`), and the
presentation layer (bot/ui/submissions.py) turns refusal reasons into messages.

What each kind of item asks, who may file it, where it is reviewed and what its final
approval sets in motion is one entry of `KINDS` (a `KindSpec`); code asks the entry instead of
testing the kind, so a new kind is one entry plus its texts, and a kind without an entry is
an error (`UnknownKind`), never treated like another.

Refusal reasons are `SubmissionRefusal` members (the `*_refusal` functions, the services and
`TransitionRefused.reason`); a file is refused with an `AttachmentRefusal`. Their values are
the locale keys under `submission_refusals.` and `submission_errors.`.

`InvalidInput.reason` values (what a person typed cannot be used):
    amount_invalid, months_invalid,
    title_is_command, title_too_short, title_too_long,
    summary_is_command, summary_too_short, summary_too_long,
    note_is_command, note_too_short, note_too_long,
    action_is_command, action_too_short, action_too_long,
    comment_is_command, comment_too_short, comment_too_long
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.domain.clusters import Cluster, ClusterStage
from bot.domain.digits import strip_invisible, to_latin_digits
from bot.domain.members import Actor, can_manage_group
from bot.domain.text import InvalidInput, one_line, paragraphs
from bot.domain.working_groups import CENTRAL, is_working_group

__all__ = [
    "ALLOWED_EXTENSIONS",
    "KINDS",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "PIPELINES",
    "AcknowledgeResult",
    "ApprovalEffect",
    "Attachment",
    "AttachmentRefusal",
    "Content",
    "Criterion",
    "CriterionMark",
    "Decision",
    "DecisionRule",
    "DialogStep",
    "Event",
    "KindSpec",
    "License",
    "PackageItem",
    "ReviewLevel",
    "RuleMode",
    "Submission",
    "SubmissionKind",
    "SubmissionRefusal",
    "SubmissionState",
    "SubmissionStatus",
    "Submitters",
    "Tally",
    "Transition",
    "TransitionRefused",
    "UnknownKind",
    "Vote",
    "attachment_refusal",
    "author_refusal",
    "clean_action",
    "clean_comment",
    "clean_note",
    "clean_summary",
    "clean_title",
    "decide",
    "license_number",
    "parse_amount",
    "parse_months",
    "resubmit",
    "review_refusal",
    "reviewing_group",
    "spec_for",
    "stage_group",
    "submit_refusal",
    "tally",
    "vote_deadline_passed",
    "vote_outcome",
    "vote_refusal",
    "waiting_days",
    "withdraw",
]


class SubmissionKind(enum.StrEnum):
    FEASIBILITY_PLAN = "feasibility_plan"
    DEVELOPMENT_PROGRAM = "development_program"
    SUPPORT_PACKAGE = "support_package"


class SubmissionStatus(enum.StrEnum):
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ReviewLevel(enum.StrEnum):
    PROVINCE = "province"
    CENTRE = "centre"


class SubmissionRefusal(enum.StrEnum):
    """Why nothing happened; each value is a key under `submission_refusals.`."""

    # who may do what (this module)
    MEMBERS_ONLY = "members_only"
    CLUSTER_NOT_ELIGIBLE = "cluster_not_eligible"
    CLUSTER_NOT_LICENSED = "cluster_not_licensed"
    NOT_YOUR_CLUSTER = "not_your_cluster"
    SECRETARIES_ONLY = "secretaries_only"
    ALREADY_DECIDED = "already_decided"
    NOT_YOUR_STAGE = "not_your_stage"
    DECIDERS_ONLY = "deciders_only"
    VOTERS_ONLY = "voters_only"
    NOT_THE_AUTHOR = "not_the_author"
    # the state machine (TransitionRefused.reason)
    CLOSED = "closed"
    NOT_IN_REVIEW = "not_in_review"
    NOT_RETURNED = "not_returned"
    # what the services find in the database
    CLUSTER_GONE = "cluster_gone"
    PROGRAM_NOT_APPROVED = "program_not_approved"
    PLAN_ALREADY_OPEN = "plan_already_open"
    SUBMISSION_GONE = "submission_gone"
    NOT_VOTING = "not_voting"
    ALREADY_VOTED = "already_voted"
    VOTE_IN_PROGRESS = "vote_in_progress"
    NOT_YOURS_TO_SEE = "not_yours_to_see"
    CARD_OUT_OF_DATE = "card_out_of_date"


class AttachmentRefusal(enum.StrEnum):
    """Why a file is not attached; each value is a key under `submission_errors.`."""

    FILE_TYPE = "file_type"
    FILE_TOO_BIG = "file_too_big"
    TOO_MANY_FILES = "too_many_files"


class AcknowledgeResult(enum.StrEnum):
    """What pressing "Received" did; each value is a key under `package.`."""

    ACKNOWLEDGED = "acknowledged"
    NOT_YOUR_AGENCY = "not_your_agency"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    SUBMISSION_GONE = "submission_gone"


def reviewing_group(level: ReviewLevel, cluster_group: str) -> str:
    """The working group whose secretariat decides at this level.

    A cluster registered directly under the central group has no province to speak for it,
    so its "province" stage is the central group as well.
    """
    if not is_working_group(cluster_group):
        raise ValueError(f"unknown working group {cluster_group!r}")
    if level is ReviewLevel.CENTRE:
        return CENTRAL
    return cluster_group


class Criterion(enum.StrEnum):
    """The nine selection criteria of article 7, in the decree's order."""

    CONCENTRATION = "concentration"
    PRODUCTS = "products"
    LEGAL_ENTITY = "legal_entity"
    EXPORT_SHARE = "export_share"
    EXPORT_CAPACITY = "export_capacity"
    VALUE_ADDED = "value_added"
    ADVANTAGE = "advantage"
    NETWORKS = "networks"
    SOCIAL_CAPITAL = "social_capital"


class CriterionMark(enum.StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class Vote(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class RuleMode(enum.StrEnum):
    SECRETARY = "secretary"
    VOTE = "vote"


@dataclass(frozen=True)
class DecisionRule:
    """How a working group decides: its secretary alone, or a vote of its members."""

    mode: RuleMode = RuleMode.SECRETARY
    quorum: int = 3
    deadline_days: int = 7

    def __post_init__(self) -> None:
        # Rows come back from the database as plain strings; accept them, refuse nonsense.
        object.__setattr__(self, "mode", RuleMode(self.mode))
        if not 1 <= self.quorum <= 50:
            raise ValueError(f"quorum must be within 1..50, not {self.quorum}")
        if not 1 <= self.deadline_days <= 60:
            raise ValueError(f"deadline_days must be within 1..60, not {self.deadline_days}")


# --- what each kind of item is ----------------------------------------------------------------


class UnknownKind(ValueError):
    """A kind with no entry in `KINDS`: refused rather than handled like another kind."""

    def __init__(self, kind: object) -> None:
        super().__init__(f"unknown submission kind {kind!r}: it has no entry in KINDS")
        self.kind = kind


class DialogStep(enum.StrEnum):
    """The questions of the submit dialog, each asked only for kinds whose entry names it."""

    PROGRAM = "program"  # which approved development program the item builds on
    TITLE = "title"
    SUMMARY = "summary"
    CRITERIA = "criteria"  # the nine criteria of article 7, each a mark and a note
    BUDGET = "budget"
    DURATION = "duration"
    TARGETS = "targets"  # the program's KPI targets for its end (F14), recorded on approval
    ITEMS = "items"  # agency, then what it must do, repeated
    ATTACHMENTS = "attachments"


class Submitters(enum.StrEnum):
    """Who may file an item for a cluster."""

    # Members of the cluster's provincial group or of the central group, its CDA, superusers.
    CLUSTER_VOICES = "cluster_voices"
    # The secretariat or chair of the cluster's group or of the central group, superusers:
    # a working group proposes through its secretariat (F10).
    SECRETARIATS = "secretariats"


class ApprovalEffect(enum.StrEnum):
    """What the final approval of an item sets in motion."""

    LICENSE_CLUSTER = "license_cluster"  # F7, F8: the cluster is licensed, a license issued
    DEVELOPMENT_RUNNING = "development_running"  # F9: the cluster's program is under way
    INSTRUCT_AGENCIES = "instruct_agencies"  # F11, F12: each agency told its part, tasks made


@dataclass(frozen=True)
class KindSpec:
    """One kind's pipeline: its dialog, who may file it and for which clusters, its review
    stages and the effect of its final approval."""

    dialog: tuple[DialogStep, ...]
    # Steps a person may skip; the others must be answered (or kept).
    optional: frozenset[DialogStep]
    submitters: Submitters
    cluster_stages: frozenset[ClusterStage]
    # Why a cluster outside `cluster_stages` cannot have this kind filed for it.
    wrong_cluster_stage: SubmissionRefusal
    stages: tuple[ReviewLevel, ...]
    on_approval: ApprovalEffect
    # Only one of this kind may be open per cluster at a time.
    one_open_per_cluster: bool = False

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a kind needs at least one review stage")
        for required in (DialogStep.TITLE, DialogStep.SUMMARY, DialogStep.ATTACHMENTS):
            if required not in self.dialog:
                raise ValueError(f"every kind asks for {required}")
        if not self.optional <= set(self.dialog):
            raise ValueError("an optional step must be one of the dialog's steps")

    def asks(self, step: DialogStep) -> bool:
        return step in self.dialog

    def step_after(self, step: DialogStep) -> DialogStep | None:
        """The next question of the dialog, or None after the last (the preview)."""
        position = self.dialog.index(step) + 1
        return self.dialog[position] if position < len(self.dialog) else None


_PLAN_STAGES = frozenset({ClusterStage.IDENTIFIED, ClusterStage.FEASIBILITY_STUDIED})
_LICENSED_STAGES = frozenset({ClusterStage.LICENSED, ClusterStage.DEVELOPMENT_RUNNING})

KINDS: Mapping[SubmissionKind, KindSpec] = MappingProxyType(
    {
        # F3-3, then F3-4 and F6: the province evaluates the plan, the centre weighs it
        # nationally; approval licenses the cluster (F7, F8). One plan at a time per cluster:
        # a cluster has one license.
        SubmissionKind.FEASIBILITY_PLAN: KindSpec(
            dialog=(
                DialogStep.TITLE,
                DialogStep.SUMMARY,
                DialogStep.CRITERIA,
                DialogStep.BUDGET,
                DialogStep.ATTACHMENTS,
            ),
            # A feasibility plan may not have costed anything yet.
            optional=frozenset({DialogStep.BUDGET}),
            submitters=Submitters.CLUSTER_VOICES,
            cluster_stages=_PLAN_STAGES,
            wrong_cluster_stage=SubmissionRefusal.CLUSTER_NOT_ELIGIBLE,
            stages=(ReviewLevel.PROVINCE, ReviewLevel.CENTRE),
            on_approval=ApprovalEffect.LICENSE_CLUSTER,
            one_open_per_cluster=True,
        ),
        # F9-1..3: programs build on a license (F8 before F9) and follow the same two steps.
        SubmissionKind.DEVELOPMENT_PROGRAM: KindSpec(
            dialog=(
                DialogStep.TITLE,
                DialogStep.SUMMARY,
                DialogStep.BUDGET,
                DialogStep.DURATION,
                DialogStep.TARGETS,
                DialogStep.ATTACHMENTS,
            ),
            # A program may leave its targets to the secretariat's /targets.
            optional=frozenset({DialogStep.TARGETS}),
            submitters=Submitters.CLUSTER_VOICES,
            cluster_stages=_LICENSED_STAGES,
            wrong_cluster_stage=SubmissionRefusal.CLUSTER_NOT_LICENSED,
            stages=(ReviewLevel.PROVINCE, ReviewLevel.CENTRE),
            on_approval=ApprovalEffect.DEVELOPMENT_RUNNING,
        ),
        # F10, F11: a working group already stands behind the proposal, so only the centre
        # approves; approval instructs each named agency.
        SubmissionKind.SUPPORT_PACKAGE: KindSpec(
            dialog=(
                DialogStep.PROGRAM,
                DialogStep.TITLE,
                DialogStep.SUMMARY,
                DialogStep.ITEMS,
                DialogStep.ATTACHMENTS,
            ),
            optional=frozenset({DialogStep.PROGRAM}),
            submitters=Submitters.SECRETARIATS,
            cluster_stages=_LICENSED_STAGES,
            wrong_cluster_stage=SubmissionRefusal.CLUSTER_NOT_LICENSED,
            stages=(ReviewLevel.CENTRE,),
            on_approval=ApprovalEffect.INSTRUCT_AGENCIES,
        ),
    }
)


def spec_for(kind: object) -> KindSpec:
    """The entry of a kind; `UnknownKind` for anything that is not a kind with an entry."""
    try:
        return KINDS[SubmissionKind(kind)]
    except (ValueError, KeyError):
        raise UnknownKind(kind) from None


class _Pipelines(Mapping[SubmissionKind, tuple[ReviewLevel, ...]]):
    """Each kind's review stages, read from `KINDS`; an unknown kind raises `UnknownKind`."""

    def __getitem__(self, kind: SubmissionKind) -> tuple[ReviewLevel, ...]:
        return spec_for(kind).stages

    def __iter__(self) -> Iterator[SubmissionKind]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


PIPELINES: Mapping[SubmissionKind, tuple[ReviewLevel, ...]] = _Pipelines()


# --- the state machine ------------------------------------------------------------------------

_OPEN = frozenset({SubmissionStatus.IN_REVIEW, SubmissionStatus.RETURNED})


@dataclass(frozen=True)
class SubmissionState:
    """What the rules need to know about a submission; `version` guards concurrent writes."""

    kind: SubmissionKind
    status: SubmissionStatus
    stage_index: int
    version: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SubmissionKind(self.kind))
        object.__setattr__(self, "status", SubmissionStatus(self.status))
        if not 0 <= self.stage_index < len(spec_for(self.kind).stages):
            raise ValueError(f"stage {self.stage_index} does not exist for {self.kind}")
        if self.version < 1:
            raise ValueError(f"version starts at 1, not {self.version}")

    @property
    def level(self) -> ReviewLevel:
        return spec_for(self.kind).stages[self.stage_index]

    @property
    def is_final_stage(self) -> bool:
        return self.stage_index == len(spec_for(self.kind).stages) - 1

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN


class Outcome(enum.StrEnum):
    """Values of `Transition.outcome`; a StrEnum so they compare equal to plain strings."""

    ADVANCED = "advanced"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    RESUBMITTED = "resubmitted"


@dataclass(frozen=True)
class Transition:
    """The state a submission moves to, and what happened (for history and notifications)."""

    status: SubmissionStatus
    stage_index: int
    version: int
    outcome: Outcome


class TransitionRefused(Exception):
    """The submission is not in a state that allows this move; `reason` says why."""

    def __init__(self, reason: SubmissionRefusal) -> None:
        super().__init__(reason)
        self.reason = reason


def decide(state: SubmissionState, decision: Decision) -> Transition:
    """Apply a stage's decision.

    Approval at a stage that is not the last moves the item to the next stage, still in
    review. A returned item waits for its author at the same stage. Refused with "closed"
    once a final decision or withdrawal happened, and "not_in_review" while it is returned.
    """
    if not state.is_open:
        raise TransitionRefused(SubmissionRefusal.CLOSED)
    if state.status is not SubmissionStatus.IN_REVIEW:
        raise TransitionRefused(SubmissionRefusal.NOT_IN_REVIEW)
    version = state.version + 1
    if decision is Decision.APPROVE:
        if state.is_final_stage:
            return Transition(
                SubmissionStatus.APPROVED, state.stage_index, version, Outcome.APPROVED
            )
        return Transition(
            SubmissionStatus.IN_REVIEW, state.stage_index + 1, version, Outcome.ADVANCED
        )
    if decision is Decision.RETURN:
        return Transition(SubmissionStatus.RETURNED, state.stage_index, version, Outcome.RETURNED)
    if decision is Decision.REJECT:
        return Transition(SubmissionStatus.REJECTED, state.stage_index, version, Outcome.REJECTED)
    raise ValueError(f"unknown decision {decision!r}")


def withdraw(state: SubmissionState) -> Transition:
    """The author takes the item back; possible until a final decision ("closed" after)."""
    if not state.is_open:
        raise TransitionRefused(SubmissionRefusal.CLOSED)
    return Transition(
        SubmissionStatus.WITHDRAWN, state.stage_index, state.version + 1, Outcome.WITHDRAWN
    )


def resubmit(state: SubmissionState) -> Transition:
    """A returned item goes back to the stage that returned it, not to the start.

    The earlier stages already approved it; sending a centre's return back through the
    province would make them decide twice on the same question.
    """
    if not state.is_open:
        raise TransitionRefused(SubmissionRefusal.CLOSED)
    if state.status is not SubmissionStatus.RETURNED:
        raise TransitionRefused(SubmissionRefusal.NOT_RETURNED)
    return Transition(
        SubmissionStatus.IN_REVIEW, state.stage_index, state.version + 1, Outcome.RESUBMITTED
    )


# --- what is read back: plain values the storage layer builds ---------------------------------


@dataclass(frozen=True)
class Content:
    """What an author writes; the same shape for a first submission and a resubmission."""

    title: str
    summary: str
    details: dict[str, Any]
    budget_million_rials: int | None
    duration_months: int | None


@dataclass(frozen=True)
class Submission:
    id: int
    kind: SubmissionKind
    cluster_id: int
    cluster_name: str
    cluster_group: str
    program_id: int | None
    author_member_id: int
    author_user_id: int
    author_name: str
    author_locale: str
    title: str
    summary: str
    details: dict[str, Any]
    budget_million_rials: int | None
    duration_months: int | None
    status: SubmissionStatus
    stage_index: int
    stage_opened_at: datetime.datetime
    version: int
    created_at: datetime.datetime
    decided_at: datetime.datetime | None

    @property
    def state(self) -> SubmissionState:
        return SubmissionState(self.kind, self.status, self.stage_index, self.version)

    @property
    def spec(self) -> KindSpec:
        return spec_for(self.kind)


@dataclass(frozen=True)
class Attachment:
    id: int
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    actor_name: str
    action: str
    stage_index: int
    comment: str | None
    # A substitute's decision: the absent secretary's or chair's name.
    on_behalf_of_name: str | None = None


@dataclass(frozen=True)
class PackageItem:
    id: int
    submission_id: int
    position: int
    agency_code: str
    action: str
    acknowledged_at: datetime.datetime | None
    acknowledged_by_name: str | None


@dataclass(frozen=True)
class License:
    number: str
    cluster_id: int
    submission_id: int
    issued_at: datetime.datetime


def stage_group(submission: Submission) -> str:
    """The working group deciding on the submission at its current stage."""
    return reviewing_group(submission.state.level, submission.cluster_group)


# --- who may do what --------------------------------------------------------------------------


def _speaks_for_cluster(actor: Actor, cluster: Cluster) -> bool:
    if actor.is_superuser:
        return True
    if not actor.is_member or actor.member is None:
        return False
    if cluster.cda_member_id is not None and actor.member.id == cluster.cda_member_id:
        return True
    # The central group oversees every province, so its members may file for any cluster.
    return actor.working_group in (cluster.working_group, CENTRAL)


def _runs_a_secretariat_for(actor: Actor, cluster: Cluster) -> bool:
    return can_manage_group(actor, cluster.working_group) or can_manage_group(actor, CENTRAL)


_MAY_SUBMIT = {
    Submitters.CLUSTER_VOICES: (_speaks_for_cluster, SubmissionRefusal.NOT_YOUR_CLUSTER),
    Submitters.SECRETARIATS: (_runs_a_secretariat_for, SubmissionRefusal.SECRETARIES_ONLY),
}


def submit_refusal(
    actor: Actor, kind: SubmissionKind, cluster: Cluster
) -> SubmissionRefusal | None:
    """Why this person may not file this kind of item for this cluster, or None."""
    spec = spec_for(kind)
    if not actor.is_member and not actor.is_superuser:
        return SubmissionRefusal.MEMBERS_ONLY
    if cluster.stage not in spec.cluster_stages:
        return spec.wrong_cluster_stage
    may, refusal = _MAY_SUBMIT[spec.submitters]
    return None if may(actor, cluster) else refusal


def pressed_card_refusal(state: SubmissionState, version: int | None) -> SubmissionRefusal | None:
    """Why a button pressed on the card of `version` does nothing, or None if the card is current.

    An older card means somebody acted since it was posted; a card newer than the item (forged,
    or from a change that was rolled back) on an item still in review is only out of date.
    """
    if not state.is_open:
        return SubmissionRefusal.ALREADY_DECIDED
    if version is None or version == state.version:
        return None
    if version > state.version and state.status is SubmissionStatus.IN_REVIEW:
        return SubmissionRefusal.CARD_OUT_OF_DATE
    return SubmissionRefusal.ALREADY_DECIDED


def review_refusal(
    actor: Actor, state: SubmissionState, cluster_group: str
) -> SubmissionRefusal | None:
    """Why this person may not approve, return or reject at the item's current stage, or None."""
    if state.status is not SubmissionStatus.IN_REVIEW:
        return SubmissionRefusal.ALREADY_DECIDED
    group = reviewing_group(state.level, cluster_group)
    if can_manage_group(actor, group):
        return None
    if actor.is_member and actor.working_group == group:
        # It is their group's stage; what they lack is the secretary's or the chair's role.
        return SubmissionRefusal.DECIDERS_ONLY
    return SubmissionRefusal.NOT_YOUR_STAGE


def vote_refusal(
    actor: Actor, state: SubmissionState, cluster_group: str
) -> SubmissionRefusal | None:
    """Why this person may not vote at the item's current stage, or None."""
    if state.status is not SubmissionStatus.IN_REVIEW:
        return SubmissionRefusal.ALREADY_DECIDED
    # A vote is a member's (it is counted by member), so a superuser votes only as a member.
    if not actor.is_member:
        return SubmissionRefusal.VOTERS_ONLY
    if actor.is_superuser:
        return None
    if actor.working_group == reviewing_group(state.level, cluster_group):
        return None
    return SubmissionRefusal.NOT_YOUR_STAGE


def author_refusal(actor: Actor, author_member_id: int) -> SubmissionRefusal | None:
    """Withdrawing and resubmitting belong to the author alone, while still a member."""
    if actor.is_member and actor.member is not None and actor.member.id == author_member_id:
        return None
    return SubmissionRefusal.NOT_THE_AUTHOR


# --- votes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    approve: int
    reject: int
    abstain: int

    @property
    def total(self) -> int:
        return self.approve + self.reject + self.abstain


def tally(votes: Iterable[Vote]) -> Tally:
    counted = list(votes)
    return Tally(
        approve=sum(1 for v in counted if v is Vote.APPROVE),
        reject=sum(1 for v in counted if v is Vote.REJECT),
        abstain=sum(1 for v in counted if v is Vote.ABSTAIN),
    )


def vote_deadline_passed(
    rule: DecisionRule, opened_at: datetime.datetime, now: datetime.datetime
) -> bool:
    """A vote's time is up: from now on the majority, or on a tie the secretary, decides."""
    return rule.mode is RuleMode.VOTE and now >= opened_at + datetime.timedelta(
        days=rule.deadline_days
    )


def vote_outcome(
    rule: DecisionRule, votes: Tally, opened_at: datetime.datetime, now: datetime.datetime
) -> Decision | None:
    """What the vote has decided so far, or None while it is still open.

    Before the deadline a side wins as soon as it has `quorum` votes and more votes than
    the other side. From the deadline (`opened_at` + `deadline_days`) on, the simple
    majority of approvals against rejections decides, whatever the quorum. A tie at the
    deadline, including nobody voting, decides nothing: the stage's secretary (or chair)
    must then decide alone. Abstentions count towards neither side.
    """
    if votes.approve >= rule.quorum and votes.approve > votes.reject:
        return Decision.APPROVE
    # Symmetric with approval: a tie never decides, even when both sides reach the quorum.
    if votes.reject >= rule.quorum and votes.reject > votes.approve:
        return Decision.REJECT
    if vote_deadline_passed(rule, opened_at, now):
        if votes.approve > votes.reject:
            return Decision.APPROVE
        if votes.reject > votes.approve:
            return Decision.REJECT
    return None


# --- attachments ------------------------------------------------------------------------------

_MIME_BY_EXTENSION: MappingProxyType[str, str] = MappingProxyType(
    {
        "pdf": "application/pdf",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
    }
)
ALLOWED_EXTENSIONS: frozenset[str] = frozenset(_MIME_BY_EXTENSION)
_ALLOWED_MIME_TYPES = frozenset(_MIME_BY_EXTENSION.values())
# Some clients label every document this way; the extension then has to carry the check.
_GENERIC_MIME = "application/octet-stream"

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10


def _extension(file_name: str) -> str | None:
    name = strip_invisible(file_name).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return None
    return extension.lower()


def attachment_refusal(
    file_name: str | None, mime_type: str | None, size: int | None
) -> AttachmentRefusal | None:
    """Why a file cannot be attached to a submission, or None.

    Only office documents, PDFs and pictures are accepted: the reviewers open them on
    phones, and an executable named "plan.pdf.exe" must not reach them. Without a file
    name the mime type alone decides; a missing size is let through because Telegram
    sometimes omits it and its own 20 MB download limit still applies.
    """
    mime = mime_type.split(";", 1)[0].strip().lower() if mime_type else None
    if file_name is None or not file_name.strip():
        if mime not in _ALLOWED_MIME_TYPES:
            return AttachmentRefusal.FILE_TYPE
    else:
        extension = _extension(file_name)
        if extension is None or extension not in _MIME_BY_EXTENSION:
            return AttachmentRefusal.FILE_TYPE
        if mime and mime != _GENERIC_MIME and mime != _MIME_BY_EXTENSION[extension]:
            return AttachmentRefusal.FILE_TYPE
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        return AttachmentRefusal.FILE_TOO_BIG
    return None


# --- what people type -------------------------------------------------------------------------

MAX_AMOUNT = 10**12
# Grouped digits (1,250,000 or ۱٬۲۵۰٬۰۰۰ or 1 250 000) or a plain run of digits. Groups must
# be of three, so that "2,5" typed as a decimal is refused instead of read as 25.
_GROUP_SEPARATOR = r"(?:\s*[,،٬]\s*|\s+)"
_AMOUNT = re.compile(rf"[0-9]{{1,3}}(?:{_GROUP_SEPARATOR}[0-9]{{3}})+|[0-9]+")
_MONTHS = re.compile(r"[0-9]{1,3}")


def parse_amount(text: str) -> int:
    """A budget in million rials, as a positive whole number no larger than 10**12."""
    body = to_latin_digits(strip_invisible(text)).strip()
    if not _AMOUNT.fullmatch(body):
        raise InvalidInput("amount_invalid")
    digits = re.sub(r"[^0-9]", "", body)
    # Checked before int(): a thousand-digit paste must not cost a big-number conversion.
    if len(digits.lstrip("0")) > len(str(MAX_AMOUNT)):
        raise InvalidInput("amount_invalid")
    amount = int(digits)
    if not 1 <= amount <= MAX_AMOUNT:
        raise InvalidInput("amount_invalid")
    return amount


def parse_months(text: str) -> int:
    """A duration in months, 1..120 (ten years is the longest program the decree imagines)."""
    body = to_latin_digits(strip_invisible(text)).strip()
    if not _MONTHS.fullmatch(body):
        raise InvalidInput("months_invalid")
    months = int(body)
    if not 1 <= months <= 120:
        raise InvalidInput("months_invalid")
    return months


def clean_title(text: str) -> str:
    return one_line(text, "title", 3, 200)


def clean_summary(text: str) -> str:
    return paragraphs(text, "summary", 10, 3000)


def clean_note(text: str) -> str:
    return paragraphs(text, "note", 1, 500)


def clean_action(text: str) -> str:
    """What an agency must do under a support package (F11)."""
    return paragraphs(text, "action", 5, 1000)


def clean_comment(text: str) -> str:
    """A reviewer's reason, or what must change before the item comes back."""
    return paragraphs(text, "comment", 3, 1000)


# --- licenses and waiting time ----------------------------------------------------------------


def license_number(jalali_year: int, sequence: int) -> str:
    """F8: "EC-1405-0007"; EC for export cluster, then the Jalali year and its sequence."""
    if not 1000 <= jalali_year <= 9999:
        raise ValueError(f"a four-digit Jalali year is expected, not {jalali_year}")
    if sequence < 1:
        raise ValueError(f"license sequences start at 1, not {sequence}")
    return f"EC-{jalali_year}-{sequence:04d}"


def waiting_days(opened_at: datetime.datetime, now: datetime.datetime) -> int:
    """Whole days an item has waited at its stage; clock skew never makes it negative."""
    return max(0, (now - opened_at).days)

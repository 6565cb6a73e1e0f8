"""Database tables. Every change here needs a migration in `bot/storage/migrations/versions`."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(datetime.UTC)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


class Base(DeclarativeBase):
    pass


class WorkingGroupRow(Base):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The Telegram group chat bound with /link; one chat serves one working group.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_title: Mapped[str | None] = mapped_column(String(255))
    linked_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class MemberRow(Base):
    __tablename__ = "members"
    # Bale's user ids may collide with Telegram's, so identity includes the platform.
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_members_platform_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(100))
    agency_code: Mapped[str] = mapped_column(String(40))
    agency_other: Mapped[str | None] = mapped_column(String(120))
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    # A substitute's decision: the name of the secretary or chair they stood in for.
    decided_on_behalf_of_name: Mapped[str | None] = mapped_column(String(100))


class CardCopyRow(Base):
    """Where a card about some subject was posted, so every copy can be updated later."""

    __tablename__ = "card_copies"
    __table_args__ = (Index("ix_card_copies_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(5))


class AuditEventRow(Base):
    """Append-only record of decisions and of refused attempts."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict | None] = mapped_column(JSON)


class FsmStateRow(Base):
    """aiogram conversation state, so a dialog survives a restart without Redis."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


# --- clusters and submissions (issue: submissions and staged approvals) ---------------------


class ClusterRow(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(100))
    cda_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    firm_count: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class SubmissionRow(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    # A support package may be proposed for an approved development program.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # Kind-specific fields: the nine criteria of a feasibility plan, and so on.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    budget_million_rials: Mapped[int | None] = mapped_column(BigInteger)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage_index: Mapped[int] = mapped_column(Integer, default=0)
    stage_opened_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    # Bumped by every transition; buttons carry it, so a press on an old card is detected.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class AttachmentRow(Base):
    __tablename__ = "submission_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class SubmissionEventRow(Base):
    """Immutable history: who did what to a submission, when, and why."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    stage_index: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # A substitute's decision: whom they stood in for (bot/domain/substitutes.py).
    on_behalf_of_user_id: Mapped[int | None] = mapped_column(BigInteger)
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(100))


class VoteRow(Base):
    __tablename__ = "submission_votes"
    # One vote per member per round; a resubmission (new version) opens a new round.
    __table_args__ = (
        UniqueConstraint("submission_id", "version", "member_id", name="uq_votes_round_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    vote: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class ReviewRuleRow(Base):
    """How a working group decides: the secretary alone, or a vote with quorum and deadline."""

    __tablename__ = "review_rules"

    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    quorum: Mapped[int] = mapped_column(Integer)
    deadline_days: Mapped[int] = mapped_column(Integer)


class LicenseRow(Base):
    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    issued_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class LicenseCounterRow(Base):
    """Per Jalali year, the last license sequence number handed out."""

    __tablename__ = "license_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PackageItemRow(Base):
    """One agency's part of a support package, and its acknowledgement once communicated."""

    __tablename__ = "package_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    agency_code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(100))


class OutboxRow(Base):
    """A message to send or edit, written in the same transaction as the change it reports.

    Sent after commit; a restart sends what was not sent. `dedupe_key` makes it at most once.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # A subject's cards still to be sent (or being sent), for the edits of a decision.
        Index(
            "ix_outbox_unsent_cards",
            "card_subject",
            "card_subject_id",
            postgresql_where=text("card_subject IS NOT NULL AND sent_at IS NULL"),
            sqlite_where=text("card_subject IS NOT NULL AND sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # "send" a new message, or "edit" the card copy named by edit_message_id.
    method: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict | None] = mapped_column(JSON)
    edit_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # For cards: record where the sent copy landed, so later decisions can edit it.
    card_subject: Mapped[str | None] = mapped_column(String(32))
    card_subject_id: Mapped[int | None] = mapped_column(Integer)
    # An edit of a card that had no message id yet when the edit was queued: the card's row.
    # It is due once that card is sent, and edits the message the card became.
    edit_outbox_id: Mapped[int | None] = mapped_column(Integer)
    # Where a sent card landed.
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # Several bot processes share the outbox: a process claims a row until this moment, so
    # the others leave it alone; a crashed process's claim simply runs out.
    claimed_until: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))


# --- tasks and templates (issue: task tracker) ------------------------------------------------


class TaskTemplateRow(Base):
    """A plan template: seed 004's process matrix, seed 003's phase plan, or one imported."""

    __tablename__ = "task_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    # "matrix": sub-processes with the agencies that act; "phases": activities in month windows.
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class TemplateItemRow(Base):
    __tablename__ = "template_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("task_templates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    phase: Mapped[int | None] = mapped_column(Integer)
    start_month: Mapped[int | None] = mapped_column(Integer)
    end_month: Mapped[int | None] = mapped_column(Integer)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    # One task per agency item of an approved support package, at most.
    package_item_id: Mapped[int | None] = mapped_column(ForeignKey("package_items.id"), unique=True)
    template_item_id: Mapped[int | None] = mapped_column(ForeignKey("template_items.id"))
    phase: Mapped[int | None] = mapped_column(Integer)
    start_on: Mapped[datetime.date | None] = mapped_column(Date)
    due_on: Mapped[datetime.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Assigned to the secretary because the named agency has no representative yet.
    needs_assignee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskAssigneeRow(Base):
    """Each assignee reports their own status; the task is done when all of them are."""

    __tablename__ = "task_assignees"
    __table_args__ = (
        UniqueConstraint("task_id", "member_id", name="uq_task_assignee_member"),
        # A /tasks list reads from these alone (migration 0012); each also serves the
        # look-ups by its first column.
        Index("ix_task_assignees_member_task", "member_id", "task_id"),
        Index("ix_task_assignees_task_progress", "task_id", "progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    agency_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class TaskEventRow(Base):
    """Immutable history of a task: every change, comment and report."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)


class TaskAttachmentRow(Base):
    __tablename__ = "task_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    added_by_user_id: Mapped[int] = mapped_column(BigInteger)


# --- the scheduler (issue: reminders, escalations, meetings, monitoring, digests) -------------


class GroupSettingsRow(Base):
    """A working group's own reminder timing; absent means the defaults of GroupSchedule."""

    __tablename__ = "group_settings"

    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    reminder_days: Mapped[list] = mapped_column(JSON)
    quiet_start: Mapped[str] = mapped_column(String(5))
    quiet_end: Mapped[str] = mapped_column(String(5))
    morning: Mapped[str] = mapped_column(String(5))
    approval_days: Mapped[int] = mapped_column(Integer)
    monitoring: Mapped[str] = mapped_column(String(16))


class MemberMuteRow(Base):
    """A kind of reminder a member chose not to receive."""

    __tablename__ = "member_mutes"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)


class SnoozeRow(Base):
    """Reminders of one kind about one subject wait until `until` for this member."""

    __tablename__ = "snoozes"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "subject_id", name="uq_snooze_member_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class PlannerMarkRow(Base):
    """What the reminder planner has already done: "(kind, scope) planned for period".

    A pass reads the marks of today first and skips what they cover, so a pass with nothing
    new costs a few queries whatever the number of tasks. `watermark` is, for the incremental
    marks, the last task event (or task) id already looked at.
    """

    __tablename__ = "planner_marks"

    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class MeetingRow(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    starts_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str] = mapped_column(String(300))
    agenda: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class MeetingReplyRow(Base):
    __tablename__ = "meeting_replies"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_meeting_reply"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # "attending" or "not_attending"; a member may change their answer.
    answer: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class MeetingDecisionRow(Base):
    """A decision recorded after a meeting; it may become a task."""

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


class KpiReportRow(Base):
    """A cluster's monitoring figures (seed 001) for one Jalali month or quarter (F14)."""

    __tablename__ = "kpi_reports"
    __table_args__ = (UniqueConstraint("cluster_id", "period", name="uq_kpi_cluster_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    # "1405-09" for a month, "1405-Q3" for a quarter.
    period: Mapped[str] = mapped_column(String(16))
    firms: Mapped[int] = mapped_column(Integer)
    networks: Mapped[int] = mapped_column(Integer)
    bdsps: Mapped[int] = mapped_column(Integer)
    employment: Mapped[int] = mapped_column(Integer)
    sales_million_rials: Mapped[int] = mapped_column(BigInteger)
    exports_usd: Mapped[int] = mapped_column(BigInteger)
    narrative: Mapped[str | None] = mapped_column(Text)
    reported_by_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reported_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


# --- reports (issue: reports upward, KPI targets) ---------------------------------------------


class KpiTargetRow(Base):
    """Where a cluster's KPI should be (F14): at the program's end, or by the end of a year."""

    __tablename__ = "kpi_targets"
    __table_args__ = (
        UniqueConstraint("cluster_id", "field", "horizon", name="uq_kpi_target_horizon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    # One of bot.domain.monitoring.KPI_FIELDS.
    field: Mapped[str] = mapped_column(String(32))
    # "end" for the program's end, or a Jalali year ("1406").
    horizon: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(BigInteger)
    set_by_user_id: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())


# --- the calendar (issue 10): declared closures and each group's Thursday ----------------------


class ClosureRow(Base):
    """Days declared closed (air pollution, snow, mourning): a province's, or the country's."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_day: Mapped[datetime.date] = mapped_column(Date)
    # The scheduler loads the closures still to come or recent, by their last day.
    last_day: Mapped[datetime.date] = mapped_column(Date, index=True)
    # A working group's code (a province); None for the whole country.
    province: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    declared_by_user_id: Mapped[int] = mapped_column(BigInteger)
    declared_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    # A closure declared by mistake is lifted, not deleted: people were told about it.
    lifted_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class GroupWorkweekRow(Base):
    """A working group's Thursday: worked, half a day or off; absent means worked."""

    __tablename__ = "group_workweeks"

    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    thursday: Mapped[str] = mapped_column(String(16))


# --- people (issue 10): invitation links and agency changes -------------------------------------


class InvitationRow(Base):
    """An invitation link's code: whoever opens it registers into its working group."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    # Applications sent through the link: shown to the secretariat in /invites.
    uses: Mapped[int] = mapped_column(Integer, default=0)


class AgencyChangeRow(Base):
    """An approved member's request to represent another agency, until the secretariat
    decides; the member's row keeps the old agency meanwhile."""

    __tablename__ = "agency_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # The agency when asked, so the card still says what changed once it has.
    from_agency_code: Mapped[str] = mapped_column(String(40))
    from_agency_other: Mapped[str | None] = mapped_column(String(120))
    agency_code: Mapped[str] = mapped_column(String(40))
    agency_other: Mapped[str | None] = mapped_column(String(120))
    requested_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(100))


# --- substitutes (issue 10): who stands in for an absent secretary or chair --------------------


class SubstitutionRow(Base):
    """A secretary or chair away for some Jalali days, and who stands in for them meanwhile.

    The group and the role taken over are the absent person's own (read through the member),
    so a substitute never holds more than the absent person still does.
    """

    __tablename__ = "substitutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    absent_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    substitute_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    first_day: Mapped[datetime.date] = mapped_column(Date)
    last_day: Mapped[datetime.date] = mapped_column(Date)
    named_by_user_id: Mapped[int] = mapped_column(BigInteger)
    named_by_name: Mapped[str] = mapped_column(String(100))
    named_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    # Ended early (back from leave, named by mistake): kept, since people were told about it.
    ended_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    ended_by_user_id: Mapped[int | None] = mapped_column(BigInteger)

"""Meetings with replies and decisions; monitoring (KPI) reports per cluster and period.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:45:49.530214
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("working_group_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meetings_working_group_id"), ["working_group_id"], unique=False
        )

    op.create_table(
        "meeting_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "member_id", name="uq_meeting_reply"),
    )
    with op.batch_alter_table("meeting_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_replies_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "kpi_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("firms", sa.Integer(), nullable=False),
        sa.Column("networks", sa.Integer(), nullable=False),
        sa.Column("bdsps", sa.Integer(), nullable=False),
        sa.Column("employment", sa.Integer(), nullable=False),
        sa.Column("sales_million_rials", sa.BigInteger(), nullable=False),
        sa.Column("exports_usd", sa.BigInteger(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("reported_by_member_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cluster_id", "period", name="uq_kpi_cluster_period"),
    )
    with op.batch_alter_table("kpi_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_reports_cluster_id"), ["cluster_id"], unique=False)

    op.create_table(
        "meeting_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_decisions_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_decisions_meeting_id"))

    op.drop_table("meeting_decisions")
    with op.batch_alter_table("kpi_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_reports_cluster_id"))

    op.drop_table("kpi_reports")
    with op.batch_alter_table("meeting_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_replies_meeting_id"))

    op.drop_table("meeting_replies")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_working_group_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_starts_at"))

    op.drop_table("meetings")

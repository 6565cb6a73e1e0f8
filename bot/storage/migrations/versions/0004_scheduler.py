"""Reminder settings per working group, mutes, snoozes, and outbox claims for several processes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:40:36.450372
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_settings",
        sa.Column("working_group_id", sa.Integer(), nullable=False),
        sa.Column("reminder_days", sa.JSON(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=False),
        sa.Column("quiet_end", sa.String(length=5), nullable=False),
        sa.Column("morning", sa.String(length=5), nullable=False),
        sa.Column("approval_days", sa.Integer(), nullable=False),
        sa.Column("monitoring", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
        ),
        sa.PrimaryKeyConstraint("working_group_id"),
    )
    op.create_table(
        "member_mutes",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("member_id", "kind"),
    )
    op.create_table(
        "snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "kind", "subject_id", name="uq_snooze_member_subject"),
    )
    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snoozes_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_until")

    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snoozes_member_id"))

    op.drop_table("snoozes")
    op.drop_table("member_mutes")
    op.drop_table("group_settings")

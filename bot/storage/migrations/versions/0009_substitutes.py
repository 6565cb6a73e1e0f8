"""Substitutes: who stands in for an absent secretary or chair, and decisions taken for them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "substitutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absent_member_id", sa.Integer(), nullable=False),
        sa.Column("substitute_member_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("named_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("named_by_name", sa.String(length=100), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_user_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["absent_member_id"], ["members.id"]),
        sa.ForeignKeyConstraint(["substitute_member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_substitutions_absent_member_id"), ["absent_member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_substitutions_substitute_member_id"),
            ["substitute_member_id"],
            unique=False,
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decided_on_behalf_of_name", sa.String(length=100), nullable=True)
        )
    with op.batch_alter_table("submission_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of_user_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("on_behalf_of_name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission_events", schema=None) as batch_op:
        batch_op.drop_column("on_behalf_of_name")
        batch_op.drop_column("on_behalf_of_user_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("decided_on_behalf_of_name")
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_substitutions_substitute_member_id"))
        batch_op.drop_index(batch_op.f("ix_substitutions_absent_member_id"))
    op.drop_table("substitutions")

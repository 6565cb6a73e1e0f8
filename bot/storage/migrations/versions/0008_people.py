"""People: invitation links and agency changes waiting for the secretariat.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("working_group_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["working_group_id"], ["working_groups.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_working_group_id"), ["working_group_id"], unique=False
        )
    op.create_table(
        "agency_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_agency_code", sa.String(length=40), nullable=False),
        sa.Column("from_agency_other", sa.String(length=120), nullable=True),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("agency_other", sa.String(length=120), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agency_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_changes_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agency_changes_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_changes_status"))
        batch_op.drop_index(batch_op.f("ix_agency_changes_member_id"))
    op.drop_table("agency_changes")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_working_group_id"))
    op.drop_table("invitations")

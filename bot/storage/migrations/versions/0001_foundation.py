"""Working groups, members, card copies, audit events and conversation state.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows for the groups themselves are reference data, synced at start (storage/db.py).
    op.create_table(
        "working_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True, unique=True),
        sa.Column("chat_title", sa.String(255), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("agency_code", sa.String(40), nullable=False),
        sa.Column("agency_other", sa.String(120), nullable=True),
        sa.Column(
            "working_group_id", sa.Integer(), sa.ForeignKey("working_groups.id"), nullable=False
        ),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_name", sa.String(100), nullable=True),
        sa.UniqueConstraint("platform", "user_id", name="uq_members_platform_user"),
    )
    op.create_index("ix_members_working_group_id", "members", ["working_group_id"])
    op.create_index("ix_members_status", "members", ["status"])

    op.create_table(
        "card_copies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
    )
    op.create_index("ix_card_copies_subject", "card_copies", ["subject", "subject_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(32), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_events_actor_user_id", "audit_events", ["actor_user_id"])

    op.create_table(
        "fsm_states",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fsm_states")
    op.drop_index("ix_audit_events_actor_user_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_card_copies_subject", table_name="card_copies")
    op.drop_table("card_copies")
    op.drop_index("ix_members_status", table_name="members")
    op.drop_index("ix_members_working_group_id", table_name="members")
    op.drop_table("members")
    op.drop_table("working_groups")

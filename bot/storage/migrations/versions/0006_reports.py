"""KPI targets per cluster, KPI and horizon (the program's end or a Jalali year).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("horizon", sa.String(length=8), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("set_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cluster_id", "field", "horizon", name="uq_kpi_target_horizon"),
    )
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_targets_cluster_id"), ["cluster_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_targets_cluster_id"))
    op.drop_table("kpi_targets")

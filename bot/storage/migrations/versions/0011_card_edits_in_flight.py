"""A card decided while it is still being sent is edited once it lands.

`edit_outbox_id` names the card (its outbox row) an edit is for, when the card had no message
id yet; `sent_message_id` is where a sent card landed. The partial index finds a subject's
cards not sent yet without scanning the whole outbox.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UNSENT_CARD = sa.text("card_subject IS NOT NULL AND sent_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("edit_outbox_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sent_message_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_outbox_unsent_cards",
        "outbox",
        ["card_subject", "card_subject_id"],
        postgresql_where=UNSENT_CARD,
        sqlite_where=UNSENT_CARD,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent_cards", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("sent_message_id")
        batch.drop_column("edit_outbox_id")

"""A person's /tasks list is read from the indexes of task_assignees alone.

The list reads each of a member's tasks with its assignees' progress summed (bot/storage/
tasks.py, `_MEMBER_TASK_LINES`). With an index on member_id and one on task_id, each of those
rows was a second look-up in the table for the column the index lacked; (member_id, task_id)
and (task_id, progress) hold them, and serve every query the single-column indexes served,
as their first column. The same number of indexes is kept up on each write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 02:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_assignees_member_task", "task_assignees", ["member_id", "task_id"])
    op.create_index("ix_task_assignees_task_progress", "task_assignees", ["task_id", "progress"])
    op.drop_index("ix_task_assignees_member_id", table_name="task_assignees")
    op.drop_index("ix_task_assignees_task_id", table_name="task_assignees")


def downgrade() -> None:
    op.create_index("ix_task_assignees_task_id", "task_assignees", ["task_id"])
    op.create_index("ix_task_assignees_member_id", "task_assignees", ["member_id"])
    op.drop_index("ix_task_assignees_task_progress", table_name="task_assignees")
    op.drop_index("ix_task_assignees_member_task", table_name="task_assignees")

"""Tasks from the chat (F12, F13).

`router`: my list, the task card and its actions, new tasks, plan templates, overdue lists.
`table_router`: the task matrix and the task file (/matrix, /tasks_export, /tasks_import);
it is a router of its own because it sits after the reminders router: a /mute typed while
the import waits for a file is still /mute.

Sub-routers are included in the order the handlers had in one module, so a command typed in
the middle of a dialog meets the same handler as before (a text state registered earlier
still wins over a command registered later).
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.tasks import (
    board,
    card,
    editing,
    listing,
    matrix,
    new_task,
    notes,
    overdue,
    plan,
    reports,
    table_file,
)

__all__ = ["router", "table_router"]

router = Router(name="tasks")
router.include_routers(
    listing.router,
    card.router,
    reports.router,
    notes.router,
    editing.router,
    new_task.router,
    plan.router,
    overdue.router,
    board.router,
)

table_router = Router(name="task_table")
table_router.include_routers(matrix.router, table_file.router)

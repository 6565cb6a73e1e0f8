"""Submitting a feasibility plan, development program or support package, and following it.

steps.py asks the kind's questions in order; dialog.py takes the answers; preview.py sends,
edits or cancels; mine.py is /my and "Revise and resubmit". The package exposes one `router`.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.submissions import dialog, mine, preview

router = Router(name="submissions")
router.include_routers(dialog.router, preview.router, mine.router)

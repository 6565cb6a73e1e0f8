"""Reviewing submissions: decisions and votes (decisions.py), /inbox and /rules
(group_rules.py), and following one (views.py). The package exposes one `router`, and
`close_expired_votes` for the application's periodic job."""

from __future__ import annotations

from aiogram import Router

from bot.handlers.reviews import decisions, group_rules, views
from bot.handlers.reviews.decisions import close_expired_votes

__all__ = ["close_expired_votes", "router"]

router = Router(name="reviews")
router.include_routers(decisions.router, group_rules.router, views.router)

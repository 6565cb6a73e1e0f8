"""The cluster registry: list and search clusters, open a card, register and edit clusters.

registry.py is /clusters and the card; edit.py the card's Edit buttons; new.py /cluster_new;
cards.py shows a card. The package exposes one `router`.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.clusters import edit, new, registry

router = Router(name="clusters")
# The registry first: its "private chats only" answer must meet /cluster_new in a group.
router.include_routers(registry.router, edit.router, new.router)

"""The dashboard (Mini App): the page at /app/ and its JSON API at /api/, on the bot's own web
server (bot/web.py) whenever it runs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.webapp import api

if TYPE_CHECKING:
    from aiohttp import web

    from bot.app import App

log = logging.getLogger(__name__)


def add_webapp(web_app: web.Application, app: App) -> None:
    api.add_routes(web_app, app)
    try:
        from bot.webapp import pages
    except ImportError:
        # The page is optional for the API: a build without it still answers /api/.
        log.warning("the dashboard page (bot/webapp/pages.py) is missing; serving /api/ only")
        return
    pages.add_routes(web_app, app)

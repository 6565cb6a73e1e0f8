"""Command line: `python -m bot` runs the bot; `python -m bot db upgrade` migrates the schema."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations")
    return parser


async def _run(settings: Settings) -> None:
    from bot.app import create_app

    app = create_app(settings)
    try:
        await app.prepare()
        await app.run_polling()
    finally:
        await app.close()


async def _upgrade(settings: Settings) -> None:
    from bot.storage import db

    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(require_token=args.command != "db")
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    setup_logging([token])
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    try:
        asyncio.run(_run(settings))
    except TelegramUnauthorizedError:
        print(
            f"the Bot API at {settings.bot_api_url} refused BOT_TOKEN (401 Unauthorized)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except TelegramNetworkError as error:
        print(
            f"cannot reach the Bot API at {settings.bot_api_url}: {error.message}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: `python -m bot` runs the bot; `python -m bot db upgrade` migrates the schema;
`python -m bot template import FILE` stores a plan template, `python -m bot template list` lists
them."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import sys
from pathlib import Path

from bot.config import BotMode, ConfigError, Settings, load_settings
from bot.domain.templates import Template, TemplateError, parse_template
from bot.logs import setup_logging

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations")
    template = commands.add_parser("template", help="plan templates (see bot/templates/README.md)")
    template_actions = template.add_subparsers(dest="action", required=True)
    template_import = template_actions.add_parser(
        "import", help="check a TOML template and store it, replacing one with the same code"
    )
    template_import.add_argument("file", help="the template file (TOML, UTF-8)")
    template_actions.add_parser(
        "list", help="list the stored templates (the shipped ones are loaded first, as at start)"
    )
    return parser


# Collector thresholds once start-up is frozen (see _run).
GC_THRESHOLDS = (20_000, 20, 100)


async def _run(settings: Settings) -> None:
    from bot.app import create_app

    app = create_app(settings)
    try:
        await app.prepare()
        # What start-up built (aiogram's and pydantic's types, SQLAlchemy's mappers, the
        # texts: some 300,000 objects) lives as long as the process: moved out of the
        # collector's reach, so a full collection under a burst of updates walks only what the
        # updates made.
        gc.freeze()
        # With so little left to watch, Python's default thresholds (700, 10, 10) ran a full
        # collection every few hundred updates of a burst, each walking every update in hand:
        # a tenth of the bot's CPU time under load (bench, the gc module's callbacks). The
        # young generation is now collected every 20,000 allocations, the oldest rarely; what
        # an update leaves behind is freed by reference counting, not by these passes.
        gc.set_threshold(*GC_THRESHOLDS)
        if settings.bot_mode is BotMode.WEBHOOK:
            await app.run_webhook()
        else:
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


async def _import_template(settings: Settings, template: Template) -> bool:
    """Migrate, then store the template in one transaction; True when it replaced one."""
    from bot.storage import db
    from bot.storage.templates import TemplateRepository

    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        async with db.session_factory(engine)() as session, session.begin():
            repository = TemplateRepository(session)
            replaced = template.code in await repository.codes()
            await repository.save(template, datetime.datetime.now(datetime.UTC))
        return replaced
    finally:
        await engine.dispose()


async def _list_templates(settings: Settings) -> list[tuple[str, str, str, int]]:
    from bot.storage import db
    from bot.storage.templates import TemplateRepository

    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine)
        # As the bot does at start: a fresh database lists what /plan will offer.
        await db.sync_shipped_templates(engine)
        async with db.session_factory(engine)() as session:
            return await TemplateRepository(session).list()
    finally:
        await engine.dispose()


def _template_command(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    if args.action == "list":
        for code, name, kind, count in asyncio.run(_list_templates(settings)):
            print(f"{code}\t{kind}\t{count} items\t{name}")
        return 0
    try:
        template = parse_template(Path(args.file).read_text(encoding="utf-8"))
    except TemplateError as error:
        print(f"template error: {args.file}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"template error: {args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"template error: {args.file}: not UTF-8 text", file=sys.stderr)
        return 1
    try:
        replaced = asyncio.run(_import_template(settings, template))
    except SQLAlchemyError as error:
        print(f"template error: {args.file}: not saved: {error}", file=sys.stderr)
        return 1
    verb = "replaced" if replaced else "imported"
    print(f"template {template.code} {verb}: {len(template.items)} items")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(require_token=args.command not in ("db", "template"))
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    setup_logging([token], settings.log_level)
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "template":
        return _template_command(args, settings)
    return _run_bot(settings, token)


def _run_bot(settings: Settings, token: str) -> int:
    # Imported here: the maintenance commands above need neither aiogram nor its start-up time.
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    try:
        asyncio.run(_run(settings))
    except TelegramUnauthorizedError:
        print(
            f"the Bot API at {settings.bot_api_url} refused BOT_TOKEN (401 Unauthorized)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except TelegramNetworkError as error:
        reason = error.message.replace(token, "<redacted>") if token else error.message
        print(f"cannot reach the Bot API at {settings.bot_api_url}: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The migrations against the models, on every configured backend: from nothing to the newest
schema, all the way back, and up again, with nothing the models describe left out."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage import db
from bot.storage.models import Base


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _round_trip(connection: Connection) -> None:
    config = db.alembic_config(connection)
    head = ScriptDirectory.from_config(config).get_current_head()

    command.upgrade(config, "head")
    assert _revision(connection) == head
    assert _tables(connection) == set(Base.metadata.tables)

    command.downgrade(config, "base")
    assert _revision(connection) is None
    assert _tables(connection) == set()

    command.upgrade(config, "head")
    assert _revision(connection) == head
    # What `alembic check` compares: every table, column, index, constraint and type.
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


async def test_migrations_go_up_down_and_up_again_and_match_the_models(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_round_trip)
    finally:
        await engine.dispose()


async def test_the_bot_upgrade_leaves_nothing_for_autogenerate(database_url: str) -> None:
    # The path the bot takes at start (and `python -m bot db upgrade`), reference data included.
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine)
        await db.upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        assert diff == []
    finally:
        await engine.dispose()

"""Engine creation and schema upgrades."""

from __future__ import annotations

import datetime
import logging
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, make_url, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.domain.templates import SHIPPED_TEMPLATES_DIR, load_shipped
from bot.domain.working_groups import WORKING_GROUPS
from bot.storage.models import WorkingGroupRow
from bot.storage.pg_driver import LazyBeginDBAPI
from bot.storage.sqlite_driver import OneHopDBAPI
from bot.storage.templates import TemplateRepository

# Shipped inside the package (pyproject's package-data), found wherever the package is installed.
MIGRATIONS = files("bot.storage") / "migrations"

log = logging.getLogger(__name__)

# Page cache per SQLite connection, in KiB (SQLite's default is 2,000 KiB).
SQLITE_CACHE_KIB = 512


# Every connection is used through a session or `engine.connect()`/`begin()`, which end their
# transaction (commit, or a rollback when closed); the pool's own rollback on return would be
# a second one on every update: a database round trip, or a thread hop for aiosqlite.
_RESET_ON_RETURN = None


# SQLAlchemy's default is a pool of 5 with 10 more made on demand and closed when they come
# back to a pool already holding 5. In a burst of updates the connections came back faster
# than the updates waiting for one woke up to take them, so the pool closed them and opened
# new ones for the waiters: a PostgreSQL connection (TCP, start-up, authentication) per few
# updates, a quarter of a /help's CPU in the bench. Every connection the pool may have is
# kept instead; a burst beyond them waits its turn, as it did beyond 15.
DEFAULT_POOL_SIZE = 15


def create_engine(
    url: str, *, in_loop: bool = False, pool_size: int = DEFAULT_POOL_SIZE
) -> AsyncEngine:
    """`in_loop` (SQLite): single statements run in the event loop's thread, for engines
    whose statements are all small (bot/storage/sqlite_driver.py); PostgreSQL's driver has
    no thread. `pool_size`: the connections the engine keeps, opened as they are needed."""
    # An in-memory SQLite database is one connection (SQLAlchemy's StaticPool): no sizes.
    in_memory = make_url(url).database in (None, "", ":memory:")
    pool = {} if in_memory else {"pool_size": pool_size, "max_overflow": 0}
    if url.startswith("sqlite"):
        # SQLite serialises writers; wait for the lock instead of failing at once.
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            **pool,
            pool_reset_on_return=_RESET_ON_RETURN,
            # aiosqlite with one thread hop per statement instead of four.
            module=OneHopDBAPI(in_loop=in_loop),
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Each pooled connection keeps its own page cache (2 MB by default), a copy of
            # what the OS already caches of the file: with a full pool that was some 30 MB of
            # the process's memory for little speed.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        return engine
    # No ping before each checkout (a round trip on every update): a connection the server
    # dropped fails its first statement as "invalidated", SQLAlchemy then discards the pool's
    # older connections, and the update's unit of work retries on a fresh one
    # (bot/middlewares.py, UnitOfWorkMiddleware).
    if make_url(url).get_driver_name() == "asyncpg":
        # BEGIN only before the first statement that needs it (bot/storage/pg_driver.py): an
        # update that only reads makes one round trip instead of three.
        return create_async_engine(
            url, **pool, pool_reset_on_return=_RESET_ON_RETURN, module=LazyBeginDBAPI()
        )
    return create_async_engine(url, **pool, pool_reset_on_return=_RESET_ON_RETURN)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection) -> Config:
    """Alembic run on an open connection, with the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    before = _revision(connection)
    command.upgrade(alembic_config(connection), "head")
    after = _revision(connection)
    # One line for the operator; alembic's own account of each step is at DEBUG (bot/logs.py).
    if before == after:
        log.info("database schema up to date (migration %s)", after)
    else:
        log.info("database migrated from %s to %s", before or "an empty schema", after)
    _sync_working_groups(connection)


def _sync_working_groups(connection: Connection) -> None:
    # Working groups are reference data defined in code; adding one to the list adds its row.
    existing = set(connection.execute(select(WorkingGroupRow.code)).scalars())
    missing = [{"code": code} for code in WORKING_GROUPS if code not in existing]
    if missing:
        connection.execute(WorkingGroupRow.__table__.insert(), missing)


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration and sync reference data."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def sync_shipped_templates(engine: AsyncEngine) -> None:
    """Store every shipped plan template (bot/templates/*.toml) whose code the database lacks.

    A template already there is left alone, even when the shipped file changed: a secretariat
    may have re-imported its own version under the same code (`python -m bot template import`).
    """
    shipped = load_shipped()
    if not shipped:
        log.warning("no plan templates found in %s", SHIPPED_TEMPLATES_DIR)
        return
    async with session_factory(engine)() as session, session.begin():
        repository = TemplateRepository(session)
        present = await repository.codes()
        now = datetime.datetime.now(datetime.UTC)
        stored = []
        for template in shipped:
            if template.code not in present:
                await repository.save(template, now)
                stored.append(template.code)
                log.debug("plan template %s stored (%d items)", template.code, len(template.items))
    log.info(
        "plan templates: %d shipped, %s",
        len(shipped),
        f"{len(stored)} newly stored ({', '.join(stored)})" if stored else "all already stored",
    )

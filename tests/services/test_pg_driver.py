"""PostgreSQL through asyncpg with BEGIN sent only before the first statement that needs a
transaction (bot/storage/pg_driver.py): a unit of work that only reads makes no BEGIN and no
COMMIT, and one that writes is as atomic as before, with its locks held to the end."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import async_database_url
from bot.storage import db
from bot.storage.locks import try_job_lock
from bot.storage.pg_driver import needs_transaction

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL (PostgreSQL) is needed"
)


def test_only_a_plain_select_runs_before_the_transaction() -> None:
    assert not needs_transaction("SELECT members.id FROM members WHERE members.user_id = $1")
    assert not needs_transaction("\n  select count(*) from tasks")
    for statement in (
        "INSERT INTO notes (body) VALUES ($1)",
        "UPDATE outbox SET sent_at = $1 WHERE outbox.id = $2",
        "WITH candidates AS MATERIALIZED (SELECT id FROM outbox FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox SET claimed_by = $1",
        "SELECT tasks.id FROM tasks WHERE tasks.id = $1 FOR UPDATE",
        "SELECT tasks.id FROM tasks FOR NO KEY UPDATE",
        "SELECT tasks.id FROM tasks FOR SHARE",
        "SELECT pg_try_advisory_xact_lock($1)",
        "SELECT nextval('tasks_id_seq')",
        "DELETE FROM notes",
    ):
        assert needs_transaction(statement), statement


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    url = async_database_url(os.environ["TEST_DATABASE_URL"])
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS notes"))
        await connection.execute(
            text("CREATE TABLE notes (id serial primary key, body text unique)")
        )
    yield engine
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS notes"))
    await engine.dispose()


def server_statements(engine: AsyncEngine) -> list[str]:
    """Each statement SQLAlchemy runs, and whether a transaction was open when it began."""
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def statement(conn, cursor, operation, *args):  # type: ignore[no-untyped-def]
        raw = conn.connection.dbapi_connection
        seen.append(("in" if raw._transaction is not None else "out") + ": " + operation[:6])

    return seen


@needs_postgres
async def test_a_unit_of_work_that_only_reads_opens_no_transaction(engine: AsyncEngine) -> None:
    seen = server_statements(engine)
    async with db.session_factory(engine)() as session:
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar() == 0
        assert (await session.execute(text("SELECT 1"))).scalar() == 1
        raw = (await session.connection()).sync_connection.connection.dbapi_connection
        assert raw._transaction is None
        await session.commit()
    assert seen == ["out: SELECT", "out: SELECT"]


@needs_postgres
async def test_writes_after_reads_are_one_transaction_and_roll_back_together(
    engine: AsyncEngine,
) -> None:
    # Given a note already there
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('taken')"))
    seen = server_statements(engine)

    # When a unit of work reads, writes one note, then fails on a second (a duplicate)
    async with db.session_factory(engine)() as session:
        await session.execute(text("SELECT count(*) FROM notes"))
        await session.execute(text("INSERT INTO notes (body) VALUES ('first')"))
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO notes (body) VALUES ('taken')"))
        await session.rollback()

    # Then the first write is undone with it: the writes were in one transaction
    async with db.session_factory(engine)() as session:
        bodies = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
    assert bodies == ["taken"]
    assert seen[:3] == ["out: SELECT", "out: INSERT", "in: INSERT"]


@needs_postgres
async def test_an_advisory_lock_is_held_until_the_unit_of_work_ends(engine: AsyncEngine) -> None:
    sessions = db.session_factory(engine)
    async with sessions() as first, sessions() as second:
        # A pass that takes the job's lock holds it for its whole transaction...
        assert await try_job_lock(first, "bench-lock")
        assert not await try_job_lock(second, "bench-lock")
        await second.rollback()
        await first.commit()
        # ...and lets it go when that ends.
        assert await try_job_lock(second, "bench-lock")
        await second.commit()

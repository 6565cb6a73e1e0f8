"""SQLite through aiosqlite with one thread hop per statement (bot/storage/sqlite_driver.py):
what a statement returns is what sqlite3 returns, and it costs one trip to the database
thread instead of four; on the updates' engine (`in_loop`) a single statement costs none,
unless another connection holds the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import db, sqlite_driver


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hops.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("create table notes (id integer primary key, body text not null unique)")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call queued to a database thread, by name."""
    seen: list[str] = []
    queue = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def opened(engine: AsyncEngine, hops: list[str]) -> None:
    """A connection of the engine's pool opened (and its hops forgotten) before counting."""
    async with engine.connect() as connection:
        await connection.execute(text("select 1"))
    hops.clear()


async def test_a_read_is_one_hop_and_its_commit_none(engine: AsyncEngine, hops: list[str]) -> None:
    async with engine.connect() as connection:  # the connection is opened before counting
        await connection.execute(text("select 1"))
        await connection.commit()
    hops.clear()

    async with engine.connect() as connection:
        rows = (await connection.execute(text("select 1 as one, 'x' as letter"))).all()
        await connection.commit()

    assert [tuple(row) for row in rows] == [(1, "x")]
    assert hops == ["_run"]


async def test_a_write_is_one_hop_and_its_commit_another_and_it_is_kept(
    engine: AsyncEngine, hops: list[str]
) -> None:
    await opened(engine, hops)

    async with engine.connect() as connection:
        await connection.execute(text("insert into notes (body) values ('kept')"))
        await connection.commit()
    assert hops == ["_run", "commit"]

    async with engine.connect() as connection:
        await connection.execute(text("insert into notes (body) values ('dropped')"))
        await connection.rollback()
        bodies = (await connection.execute(text("select body from notes"))).scalars()
        assert list(bodies) == ["kept"]


async def test_inserts_updates_and_many_rows_report_what_sqlite_reports(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("insert into notes (body) values ('first')"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("insert into notes (body) values (:body)"),
            [{"body": "second"}, {"body": "third"}],
        )
        changed = await connection.execute(text("update notes set body = body || '!'"))
        assert changed.rowcount == 3
        bodies = (await connection.execute(text("select body from notes order by id"))).scalars()
        assert list(bodies) == ["first!", "second!", "third!"]


async def test_a_violated_constraint_is_sqlalchemys_integrity_error_and_nothing_is_kept(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("insert into notes (body) values ('once')"))

    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("insert into notes (body) values ('twice')"))
            await connection.execute(text("insert into notes (body) values ('once')"))

    async with engine.connect() as connection:
        bodies = (await connection.execute(text("select body from notes"))).scalars()
        assert list(bodies) == ["once"]


@pytest.fixture
async def update_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The updates' engine on the same file as `engine` (the background one)."""
    update_engine = db.create_engine(str(engine.url), in_loop=True)
    yield update_engine
    await update_engine.dispose()


async def test_on_the_updates_engine_a_statement_takes_no_hop_and_its_commit_one(
    update_engine: AsyncEngine, hops: list[str]
) -> None:
    await opened(update_engine, hops)

    async with update_engine.connect() as connection:
        await connection.execute(text("insert into notes (body) values ('kept')"))
        bodies = (await connection.execute(text("select body from notes"))).scalars()
        assert list(bodies) == ["kept"]  # its own write, read in the loop's thread
        await connection.commit()
        bodies = (await connection.execute(text("select body, id from notes"))).all()

    assert [tuple(row) for row in bodies] == [("kept", 1)]
    assert hops == ["commit"]  # the insert and the reads ran in the loop; the commit syncs


async def test_a_write_while_another_connection_holds_the_lock_waits_in_the_thread(
    engine: AsyncEngine, update_engine: AsyncEngine, hops: list[str]
) -> None:
    await opened(update_engine, hops)
    async with engine.connect() as writer:
        # The background engine holds the write lock, uncommitted.
        await writer.execute(text("insert into notes (body) values ('first')"))
        hops.clear()

        async def update_writes() -> None:
            async with update_engine.connect() as connection:
                await connection.execute(text("insert into notes (body) values ('second')"))
                await connection.commit()

        waiting = asyncio.create_task(update_writes())
        # Meanwhile the loop goes on: the refused write waits in the database thread.
        started = time.monotonic()
        await asyncio.sleep(0.2)
        assert time.monotonic() - started < 1.0
        assert not waiting.done()
        await writer.commit()
        await asyncio.wait_for(waiting, 10)

    # The refused insert, tried again in the thread; the two commits.
    assert sorted(hops) == ["_run", "commit", "commit"]
    async with update_engine.connect() as connection:
        bodies = (await connection.execute(text("select body from notes order by id"))).all()
        assert [body for (body,) in bodies] == ["first", "second"]
        # The lock is free again: the next write is back in the loop, and succeeds.
        hops.clear()
        await connection.execute(text("insert into notes (body) values ('third')"))
        await connection.commit()
    assert hops == ["commit"]


async def test_a_read_in_the_loop_does_not_wait_for_another_connections_write(
    engine: AsyncEngine, update_engine: AsyncEngine
) -> None:
    # The background engine holds the write lock, uncommitted; an update reads meanwhile.
    async with engine.connect() as writer:
        await writer.execute(text("insert into notes (body) values ('uncommitted')"))
        async with update_engine.connect() as reader:
            # Run in the loop's thread, a read that waited for the lock would hold the whole
            # loop (the engine waits up to 30 s for a lock): no wait_for could cut it short.
            started = time.monotonic()
            bodies = await reader.execute(text("select body from notes"))
            assert time.monotonic() - started < 1.0
            assert list(bodies.scalars()) == []
        await writer.commit()

    async with update_engine.connect() as reader:
        bodies = (await reader.execute(text("select body from notes"))).scalars()
        assert list(bodies) == ["uncommitted"]


async def test_a_broken_read_in_the_loop_is_sqlalchemys_error_and_the_connection_goes_on(
    update_engine: AsyncEngine,
) -> None:
    async with update_engine.connect() as connection:
        with pytest.raises(OperationalError):
            await connection.execute(text("select nothing from nowhere"))
        await connection.rollback()
        assert (await connection.execute(text("select count(*) from notes"))).scalar() == 0


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write the updates' engine tried in the loop and SQLite refused as locked."""
    seen: list[str] = []
    is_busy = sqlite_driver._is_busy

    def counted(error: sqlite3.OperationalError) -> bool:
        busy = is_busy(error)
        if busy:
            seen.append(str(error))
        return busy

    monkeypatch.setattr(sqlite_driver, "_is_busy", counted)
    return seen


async def test_a_burst_of_writing_updates_takes_turns_in_the_loop_without_a_refusal(
    update_engine: AsyncEngine, hops: list[str], refusals: list[str]
) -> None:
    await opened(update_engine, hops)
    order: list[str] = []

    async def update_writes(body: str) -> None:
        async with update_engine.connect() as connection:
            await connection.execute(text("insert into notes (body) values (:b)"), {"b": body})
            order.append(f"wrote {body}")
            # An update's reply goes out between its write and its commit.
            await asyncio.sleep(0.01)
            await connection.commit()
            order.append(f"committed {body}")

    await asyncio.gather(*(update_writes(f"n{n}") for n in range(10)))

    # Each writer waited for the one before it to commit, in the loop: none was refused
    # and sent to wait in its thread: no statement went there, only the ten commits (and
    # the opening of the pool's connections).
    assert refusals == []
    assert "_run" not in hops
    assert hops.count("commit") == 10
    # One writing transaction at a time: each write is followed by its own commit.
    assert len(order) == 20
    assert all(
        wrote.replace("wrote", "committed") == committed
        for wrote, committed in zip(order[::2], order[1::2], strict=True)
    )
    async with update_engine.connect() as connection:
        assert (await connection.execute(text("select count(*) from notes"))).scalar() == 10


async def test_a_writer_that_rolls_back_or_fails_lets_the_next_one_write(
    update_engine: AsyncEngine,
) -> None:
    async with update_engine.connect() as connection:
        await connection.execute(text("insert into notes (body) values ('once')"))
        await connection.commit()

    async with update_engine.connect() as connection:
        await connection.execute(text("insert into notes (body) values ('dropped')"))
        await connection.rollback()
    # The opening statement itself fails (the unique body): no transaction, nothing held.
    with pytest.raises(IntegrityError):
        async with update_engine.connect() as connection:
            await connection.execute(text("insert into notes (body) values ('once')"))
    async with update_engine.connect() as connection:
        # Abandoned uncommitted: the connection's close rolls back and lets go.
        await connection.execute(text("insert into notes (body) values ('abandoned')"))

    async with update_engine.connect() as connection:
        await asyncio.wait_for(
            connection.execute(text("insert into notes (body) values ('next')")), 2
        )
        await connection.commit()
        bodies = (await connection.execute(text("select body from notes order by id"))).all()
    assert [body for (body,) in bodies] == ["once", "next"]


async def test_a_writer_kept_waiting_past_the_lock_timeout_is_told_the_database_is_locked() -> None:
    turn = sqlite_driver.WriteTurn()
    holder, waiter = object(), object()
    await turn.take(holder, 1)
    await turn.take(holder, 1)  # the holder's later writes wait for nobody

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        await turn.take(waiter, 0.05)

    turn.give_back(waiter)  # not its turn: changes nothing
    with pytest.raises(sqlite3.OperationalError):
        await turn.take(waiter, 0.05)
    turn.give_back(holder)
    await asyncio.wait_for(turn.take(waiter, 1), 1)

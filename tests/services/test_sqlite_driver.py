"""SQLite through aiosqlite with one thread hop per statement (bot/storage/sqlite_driver.py):
what a statement returns is what sqlite3 returns, and it costs one trip to the database
thread instead of four."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import db


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
    async with engine.connect() as connection:
        await connection.execute(text("select 1"))
    hops.clear()

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

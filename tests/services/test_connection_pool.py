"""The engines' pools keep every connection they open (bot/storage/db.py): a burst of updates
wider than the pool takes turns on the same connections instead of closing and reopening them
(SQLAlchemy's default pool reopened 20 PostgreSQL connections per 480 uses in such bursts)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from bot.storage import db


@pytest.mark.parametrize("pool_size", [db.DEFAULT_POOL_SIZE, 4])
async def test_bursts_wider_than_the_pool_reuse_the_connections_it_opened(
    database_url: str, pool_size: int
) -> None:
    engine = db.create_engine(database_url, pool_size=pool_size)
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(1))

    async def update() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("select 1"))
            # Another update runs while this one holds its connection, as a reply goes out.
            await asyncio.sleep(0)

    try:
        for _ in range(3):
            await asyncio.gather(*(update() for _ in range(160)))
    finally:
        await engine.dispose()

    assert len(opened) == pool_size

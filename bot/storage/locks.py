"""Scheduled work once across processes: a PostgreSQL advisory lock held for the transaction.

Several bot processes run the same scheduler jobs every minute. The lock makes the passes of one
job take turns instead of racing for the same rows; the outbox's dedupe keys already make a
second pass harmless, so the lock is about not doing the work twice, not about correctness.
SQLite has no such lock and no second writer worth the name: on SQLite run one process.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def advisory_key(job: str) -> int:
    """A stable 32-bit key per job name: the same in every process and every release."""
    return zlib.crc32(f"cluster-bot:{job}".encode())


async def try_job_lock(session: AsyncSession, job: str) -> bool:
    """True when this transaction may run `job` now; the lock ends with the transaction, so a
    process killed mid-pass never leaves it held."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    held = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(job)}
    )
    return bool(held)

"""asyncpg with the transaction begun by the first statement that needs one.

SQLAlchemy's asyncpg adapter sends BEGIN (a round trip) before the first statement of every
connection checkout, and COMMIT (another) at the end. Most updates only read (/help, a /tasks
page, a task card): three round trips where one does. Here a plain SELECT while no transaction
is open runs on its own, as PostgreSQL runs any statement outside a transaction; the first
other statement (a write, a SELECT … FOR UPDATE, a call of one of PostgreSQL's own functions
such as an advisory lock) begins the transaction as before, and everything after it is in it.
Under READ COMMITTED, PostgreSQL's default and ours, each statement sees a snapshot of its own
inside a transaction or out, and a plain SELECT holds no row lock in either: the reads before
the first write see what they would have seen. A unit of work that only read has nothing to
commit, and its commit costs nothing.

Server-side cursors (streamed reads) need a transaction, and keep the adapter's own cursor.
Passed as the engine's DBAPI `module` (bot/storage/db.py), so the URL and dialect stay as they
are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)

# Locking reads, and calls of PostgreSQL's own functions (advisory locks, sequences):
# statements whose effect lasts until the transaction ends.
_HOLDS_SOMETHING = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY\s+SHARE)\b|\bPG_|\bNEXTVAL\b")


@lru_cache(maxsize=2048)
def needs_transaction(operation: str) -> bool:
    """Whether a statement must run inside the transaction (everything but a plain SELECT)."""
    if operation.lstrip()[:6].upper() != "SELECT":
        return True
    return _HOLDS_SOMETHING.search(operation.upper()) is not None


class _LazyBeginCursor(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        adapted = self._adapt_connection
        if adapted._transaction is not None or needs_transaction(operation):
            return await super()._prepare_and_execute(operation, parameters)
        # No transaction yet and a plain read: the adapter skips BEGIN for an autocommit
        # connection, so the connection is one for this statement. Statements on a connection
        # run one at a time (the adapter's mutex, one session), so nothing else sees it.
        level = adapted.isolation_level
        adapted.isolation_level = "autocommit"
        try:
            return await super()._prepare_and_execute(operation, parameters)
        finally:
            adapted.isolation_level = level


class _LazyBeginConnection(AsyncAdapt_asyncpg_connection):
    __slots__ = ()
    _cursor_cls = _LazyBeginCursor


class LazyBeginDBAPI(AsyncAdapt_asyncpg_dbapi):
    def __init__(self) -> None:
        super().__init__(asyncpg)

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_asyncpg_connection:
        adapted = super().connect(*arg, **kw)
        # The same connection (same slots); only the cursor it hands out differs.
        adapted.__class__ = _LazyBeginConnection
        return adapted

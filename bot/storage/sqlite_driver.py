"""aiosqlite with one thread hop per statement.

aiosqlite runs each sqlite3 call in its own thread, and SQLAlchemy's adapter makes four such
calls for every statement (open a cursor, execute, fetch, close the cursor). For the small
indexed queries of an update (the dialog state, the acting member, a task) each hop, a wake-up
of the other thread and back, costs more than the query itself. Here one function does all
four in the database thread and brings back the rows, the column description, the row count
and the last row id together. Statements, transactions and errors are exactly sqlite3's.

It uses aiosqlite's queue (`Connection._execute`) and raw connection (`_conn`), as SQLAlchemy's
own aiosqlite dialect does for its isolation-level setter. Passed as the engine's DBAPI
`module` (bot/storage/db.py), so the `sqlite+aiosqlite` URL and dialect stay as they are.

With `reads_in_loop`, a SELECT skips the hop altogether and runs in the event loop's thread:
an update's reads are indexed look-ups of a few rows, cheaper than waking the other thread
(and than the two threads taking turns with the GIL, which is what a burst of updates
measured). In WAL mode a read never waits for a writer's lock, so it cannot hold the loop
behind one; writes still go through the thread, where waiting for the lock blocks nobody.
The bot's background work (the scheduler's whole-morning reads, the dashboard's whole-country
board) keeps every statement in the thread (bot/app.py).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In the database thread: the whole statement, from cursor to closed cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor: each statement opens and closes its own sqlite3 one.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        # Every row is fetched at once, in the statement's one hop.
        return None

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._hop(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        return self._hop(operation, seq_of_parameters, many=True)

    def _hop(self, operation: Any, parameters: Any, *, many: bool) -> None:
        try:
            outcome = await_(self._run_async(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _run_async(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        async with self._adapt_connection._execute_mutex:
            connection: aiosqlite.Connection = self._connection
            return await connection._execute(_run, connection._conn, operation, parameters, many)


class _ReadInLoopCursor(_OneHopCursor):
    __slots__ = ()

    async def _run_async(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        if many or not _is_read(operation):
            return await super()._run_async(operation, parameters, many)
        async with self._adapt_connection._execute_mutex:
            return _run(self._connection._conn, operation, parameters, many)


def _is_read(operation: str) -> bool:
    # SQLAlchemy writes every SELECT it compiles with the keyword first.
    return operation[:6].upper() == "SELECT"


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor

    def _idle(self) -> bool:
        # sqlite3 opens a transaction only for a write: after reads alone there is nothing
        # to commit or roll back, and no hop is needed to say so. Read between statements,
        # when the database thread holds no work of this connection.
        raw: sqlite3.Connection | None = self._connection._connection
        return raw is not None and not raw.in_transaction

    def commit(self) -> None:
        if not self._idle():
            super().commit()

    def rollback(self) -> None:
        if not self._idle():
            super().rollback()


class _ReadInLoopConnection(_OneHopConnection):
    __slots__ = ()
    _cursor_cls = _ReadInLoopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, *, reads_in_loop: bool = False) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.reads_in_loop = reads_in_loop

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        if self.reads_in_loop:
            # sqlite3 refuses a connection made in another thread unless told it may be used
            # there; every use is still one at a time (the cursor's mutex, one session).
            kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        # The same connection (same slots); only the cursor it hands out differs.
        adapted.__class__ = _ReadInLoopConnection if self.reads_in_loop else _OneHopConnection
        return adapted

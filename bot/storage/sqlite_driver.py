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

With `in_loop`, the updates' engine skips the hop for single statements and runs them in the
event loop's thread: an update's statements are indexed look-ups and one-row writes, cheaper
than waking the other thread (and than the two threads taking turns with the GIL, which is
what a burst of updates measured: some 0.2 ms of the loop's time for each hop). A read never
waits there: in WAL mode a reader does not take the write lock. A write asks for the lock
without waiting (a busy timeout of zero for that one statement); when another connection
holds it, the statement goes through the thread after all and waits there, blocking nobody.
The engine's own writers take turns in the loop (`WriteTurn`), so that happens only when the
background engine or another process writes. The commit keeps its hop: it is where SQLite
syncs the file to disk. Batches (executemany) keep theirs too. The bot's background work (the
scheduler's whole-morning reads, the dashboard's whole-country board) keeps every statement in
the thread (bot/app.py).
"""

from __future__ import annotations

import asyncio
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


def _run_without_waiting(
    connection: sqlite3.Connection, operation: str, parameters: Any, wait_ms: int
) -> Outcome:
    """A write in the loop's thread: refused at once (SQLITE_BUSY) if another connection holds
    the write lock, instead of waiting for it there."""
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        return _run(connection, operation, parameters, False)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {wait_ms}")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or (
        "locked" in str(error)
    )


class _InLoopCursor(_OneHopCursor):
    __slots__ = ()

    async def _run_async(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        raw: sqlite3.Connection = self._connection._conn
        if _is_read(operation):
            if not many:
                async with self._adapt_connection._execute_mutex:
                    return _run(raw, operation, parameters, many)
            return await super()._run_async(operation, parameters, many)
        turn = self._write_turn()
        if not raw.in_transaction:
            # This statement opens a write transaction: after the engine's other writers.
            await turn.take(self._adapt_connection, self._wait_ms() / 1000)
        try:
            if many:
                return await super()._run_async(operation, parameters, many)
            return await self._write(raw, operation, parameters)
        finally:
            if not raw.in_transaction:
                # It failed before it opened one (or needed none): nothing is held.
                turn.give_back(self._adapt_connection)

    async def _write(self, raw: sqlite3.Connection, operation: Any, parameters: Any) -> Outcome:
        async with self._adapt_connection._execute_mutex:
            began = not raw.in_transaction
            try:
                return _run_without_waiting(raw, operation, parameters, self._wait_ms())
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            # Another engine or process holds the lock. The statement that opened the
            # transaction was refused: the transaction it opened holds nothing yet and is
            # dropped, so the thread starts it afresh and waits for the lock with the
            # snapshot of that moment, not of this one.
            if began and raw.in_transaction:
                raw.rollback()
            return await self._connection._execute(_run, raw, operation, parameters, False)

    def _wait_ms(self) -> int:
        return self._adapt_connection.dbapi.wait_ms  # type: ignore[no-any-return]

    def _write_turn(self) -> WriteTurn:
        return self._adapt_connection.dbapi.write_turn  # type: ignore[no-any-return]


class WriteTurn:
    """One writing transaction at a time among an engine's connections, waiting in the loop.

    SQLite lets one connection write at a time. When a burst of updates each writes a row,
    most of their first writes found the lock taken (four in ten of a burst of task cards):
    each was refused, rolled back and sent to its thread, where SQLite's busy handler polls
    the lock with sleeps of up to 100 ms. Here a writer waits for the one before it to
    commit or roll back, and goes on the moment it has; SQLite's lock is then free for it,
    but for another engine's or process's writer, which the refusal above still handles.
    Held from the statement that opens the transaction until it ends."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: object | None = None

    async def take(self, connection: object, timeout_s: float) -> None:
        if self._holder is connection:
            return
        lock = self._lock_of_this_loop()
        try:
            # A timer, not a task: a free lock is taken at once, without a wait.
            async with asyncio.timeout(timeout_s):
                await lock.acquire()
        except TimeoutError:
            # What SQLite says when its own wait for the lock runs out.
            raise sqlite3.OperationalError("database is locked") from None
        self._holder = connection

    def give_back(self, connection: object) -> None:
        if self._holder is connection and self._lock is not None:
            self._holder = None
            self._lock.release()

    def _lock_of_this_loop(self) -> asyncio.Lock:
        # An engine outlives an event loop in tests; a lock belongs to one loop.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop, self._holder = asyncio.Lock(), loop, None
        return self._lock


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


class _InLoopConnection(_OneHopConnection):
    __slots__ = ()
    _cursor_cls = _InLoopCursor

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.dbapi.write_turn.give_back(self)

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self.dbapi.write_turn.give_back(self)

    def _end_turn(self) -> None:
        if self._connection._connection is None or self._idle():
            self.dbapi.write_turn.give_back(self)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, *, in_loop: bool = False) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.in_loop = in_loop
        self.write_turn = WriteTurn()
        # How long a statement that goes through the thread waits for a lock: connect's
        # `timeout` (seconds, as sqlite3 takes it), restored after a write tried in the loop.
        self.wait_ms = 5000

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        if self.in_loop:
            # sqlite3 refuses a connection made in another thread unless told it may be used
            # there; every use is still one at a time (the cursor's mutex, one session).
            kw["check_same_thread"] = False
        self.wait_ms = int(float(kw.get("timeout", 5.0)) * 1000)
        adapted = super().connect(*arg, **kw)
        # The same connection (same slots); only the cursor it hands out differs.
        adapted.__class__ = _InLoopConnection if self.in_loop else _OneHopConnection
        return adapted

"""aiogram FSM storage in the project's database, so dialogs survive a restart without Redis.

Inside an update the state is read and written in the update's own transaction (see
bot/storage/uow.py), and read once: aiogram's FSM middleware, the visitor's language and the
dialog-step middleware all ask for it, and the handler usually asks again. The row read first is
remembered on the update's session (its `info`) for as long as its transaction lasts (a
rollback forgets it), and writes keep that copy current; the update holds its chat's lock
(bot/middlewares.py, ChatIsolationMiddleware), so nobody else changes the row meanwhile.
Plain Core statements: one small row needs no ORM bookkeeping.

What was committed is also known to the process, so an update reads nothing: this storage
serves one process only (its chat locks are in-process, `SimpleEventIsolation`; several
processes keep dialogs in Redis), so no one else writes these rows. The first read loads every
row (a row lives only while its dialog does, so they are few); from then on a key the process
does not know has no row. A value enters that memory when the transaction that wrote it has
committed; a rollback leaves it as it was. A savepoint rolled back inside a transaction that
wrote a key leaves it unknown which write stands: that key is read again. Writes do not trust
the memory either (an upsert, an unconditional delete), so it can never make one fail. Should
the rows ever outnumber `remembered`, the process keeps the most recently used and reads the
others one by one.
"""

from __future__ import annotations

import asyncio
import copy
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from bot.storage.dialects import upsert_insert
from bot.storage.models import FsmStateRow, utcnow
from bot.storage.uow import current_session

# (state, data) of a key as stored, or None when the key has no row.
Stored = tuple[str | None, dict[str, Any]] | None

_CACHE = "fsm_rows"
# The keys a transaction wrote, and the storage that keeps them once it commits.
_WRITTEN = "fsm_written"
# Keys the process remembers (a key is some 60 bytes, a dialog's data a few hundred).
REMEMBERED = 20_000
_TABLE = FsmStateRow.__table__
# Built once: read on every update, and building a statement costs more than running it.
_READ = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("fsm_key"))
_ALL = select(_TABLE.c.key, _TABLE.c.state, _TABLE.c.data)
_DELETE = delete(_TABLE).where(_TABLE.c.key == bindparam("fsm_key"))


class DatabaseStorage(BaseStorage):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], remembered: int = REMEMBERED
    ) -> None:
        self._sessions = sessions
        self._keys = DefaultKeyBuilder(with_destiny=True)
        # Committed values, most recently used last.
        self._committed: OrderedDict[str, Stored] = OrderedDict()
        self._remembered = remembered
        # Whether `_committed` holds every row (None: not loaded yet). Every read and write
        # waits for the load, so nothing commits a dialog step while the rows are read.
        self._complete: bool | None = None
        self._loading = asyncio.Lock()
        # Keys whose committed value the process cannot vouch for: read again when asked.
        self._unsure: set[str] = set()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        # Inside an update, share its transaction; outside one, use a short one of our own.
        shared = current_session.get()
        if shared is not None:
            yield shared
            return
        async with self._sessions() as session, session.begin():
            yield session

    @staticmethod
    def _cache(session: AsyncSession) -> dict[str, Stored]:
        """What this transaction read and wrote; a new transaction (after a commit or a
        rollback) starts empty."""
        transaction = session.sync_session.get_transaction()
        held = session.info.get(_CACHE)
        if held is None or held[0] is not transaction:
            held = session.info[_CACHE] = (transaction, {})
        return held[1]

    async def _stored(self, session: AsyncSession, name: str) -> Stored:
        cache = self._cache(session)
        if name in cache:
            return cache[name]
        if self._complete is None:
            await self._load(session)
        written_here = name in session.info.get(_WRITTEN, {})
        stored: Stored
        if not written_here and name not in self._unsure and name in self._committed:
            self._committed.move_to_end(name)
            stored = _copy(self._committed[name])
        elif not written_here and name not in self._unsure and self._complete:
            stored = None
        else:
            found = (await session.execute(_READ, {"fsm_key": name})).first()
            stored = None if found is None else (found.state, dict(found.data or {}))
            # What this transaction wrote is not committed yet: known once it is.
            if not written_here:
                self._unsure.discard(name)
                self._remember(name, _copy(stored))
        # Asked again now: the read itself may have begun the transaction.
        self._cache(session)[name] = stored
        return stored

    async def _load(self, session: AsyncSession) -> None:
        async with self._loading:
            if self._complete is not None:
                return
            rows = (await session.execute(_ALL.limit(self._remembered + 1))).all()
            if len(rows) > self._remembered:
                self._complete = False
                return
            for key, state, data in rows:
                self._committed[key] = (state, dict(data or {}))
            self._complete = True

    def _remember(self, name: str, stored: Stored) -> None:
        if stored is None and self._complete:
            # Known to have no row: nothing to keep.
            self._committed.pop(name, None)
            return
        self._committed[name] = stored
        self._committed.move_to_end(name)
        while len(self._committed) > self._remembered:
            self._committed.popitem(last=False)
            # Some rows are forgotten now: an unknown key may have one.
            self._complete = False

    def _written(self, session: AsyncSession, name: str) -> None:
        """Note that this transaction wrote `name`: remembered once it commits."""
        session.info.setdefault(_WRITTEN, {})[name] = self

    def committed(self, name: str, stored: Stored) -> None:
        self._remember(name, _copy(stored))

    def doubt(self, name: str) -> None:
        """A savepoint of a transaction that wrote this key was rolled back: which write
        stands is known only to the database."""
        self._committed.pop(name, None)
        self._unsure.add(name)

    async def _write(self, key: StorageKey, **values: Any) -> None:
        name = self._keys.build(key)
        async with self._session() as session:
            before = await self._stored(session, name)
            state, data = before if before is not None else (None, {})
            state = values.get("state", state)
            data = values.get("data", data)
            if state is None and not data:
                await session.execute(_DELETE, {"fsm_key": name})
                self._cache(session)[name] = None
                self._written(session, name)
                return
            row = {"state": state, "data": data, "updated_at": utcnow()}
            await session.execute(
                upsert_insert(session)(_TABLE)
                .values(key=name, **row)
                .on_conflict_do_update(index_elements=[_TABLE.c.key], set_=row)
            )
            self._cache(session)[name] = (state, copy.deepcopy(data))
            self._written(session, name)

    async def _read(self, key: StorageKey) -> Stored:
        async with self._session() as session:
            return await self._stored(session, self._keys.build(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        stored = await self._read(key)
        return stored[0] if stored else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        stored = await self._read(key)
        # A copy: the caller may change what it got without changing what is stored.
        return copy.deepcopy(stored[1]) if stored and stored[1] else {}

    async def close(self) -> None:
        # The engine belongs to the application, which disposes of it.
        return None


def _copy(stored: Stored) -> Stored:
    return None if stored is None else (stored[0], copy.deepcopy(stored[1]))


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    """What a transaction wrote is what the rows hold now: the storages remember it."""
    written = session.info.pop(_WRITTEN, None)
    if not written:
        return
    held = session.info.get(_CACHE)
    values = held[1] if held is not None else {}
    for name, storage in written.items():
        if name in values:
            storage.committed(name, values[name])


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session: Session, previous_transaction: SessionTransaction) -> None:
    written: dict[str, DatabaseStorage] | None = session.info.get(_WRITTEN)
    if not written:
        return
    if not previous_transaction.nested:
        # The whole transaction: the rows hold what they held, which the storages know.
        session.info.pop(_WRITTEN, None)
        return
    # A savepoint: some of the transaction's writes may stand, some not. This transaction
    # reads them from the database again, and so does the process, after it ends.
    held = session.info.get(_CACHE)
    for name, storage in written.items():
        if held is not None:
            held[1].pop(name, None)
        storage.doubt(name)

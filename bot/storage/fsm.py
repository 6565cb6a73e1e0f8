"""aiogram FSM storage in the project's database, so dialogs survive a restart without Redis.

Inside an update the state is read and written in the update's own transaction (see
bot/storage/uow.py), and read once: aiogram's FSM middleware, the visitor's language and the
dialog-step middleware all ask for it, and the handler usually asks again. The row read first is
remembered on the update's session (its `info`) for as long as its transaction lasts (a
rollback forgets it), and writes keep that copy current; the update holds its chat's lock
(bot/middlewares.py, ChatIsolationMiddleware), so nobody else changes the row meanwhile.
Plain Core statements: one small row needs no ORM bookkeeping.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import FsmStateRow, utcnow
from bot.storage.uow import current_session

# (state, data) of a key as stored, or None when the key has no row.
Stored = tuple[str | None, dict[str, Any]] | None

_CACHE = "fsm_rows"
_TABLE = FsmStateRow.__table__
# Built once: read on every update, and building a statement costs more than running it.
_READ = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("fsm_key"))
_INSERT = insert(_TABLE)
_UPDATE = update(_TABLE).where(_TABLE.c.key == bindparam("fsm_key"))
_DELETE = delete(_TABLE).where(_TABLE.c.key == bindparam("fsm_key"))


class DatabaseStorage(BaseStorage):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._keys = DefaultKeyBuilder(with_destiny=True)

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
        found = (await session.execute(_READ, {"fsm_key": name})).first()
        stored: Stored = None if found is None else (found.state, dict(found.data or {}))
        # Asked again now: the read itself may have begun the transaction.
        self._cache(session)[name] = stored
        return stored

    async def _write(self, key: StorageKey, **values: Any) -> None:
        name = self._keys.build(key)
        async with self._session() as session:
            before = await self._stored(session, name)
            state, data = before if before is not None else (None, {})
            state = values.get("state", state)
            data = values.get("data", data)
            if state is None and not data:
                if before is not None:
                    await session.execute(_DELETE, {"fsm_key": name})
                self._cache(session)[name] = None
                return
            row = {"state": state, "data": data, "updated_at": utcnow()}
            if before is None:
                await session.execute(_INSERT, {"key": name, **row})
            else:
                await session.execute(_UPDATE, {"fsm_key": name, **row})
            self._cache(session)[name] = (state, copy.deepcopy(data))

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

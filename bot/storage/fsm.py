"""aiogram FSM storage in the project's database, so dialogs survive a restart without Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import FsmStateRow, utcnow
from bot.storage.uow import current_session


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

    async def _write(self, key: StorageKey, **values: Any) -> None:
        name = self._keys.build(key)
        async with self._session() as session:
            row = await session.get(FsmStateRow, name, populate_existing=True)
            if row is None:
                row = FsmStateRow(key=name, state=None, data={})
                session.add(row)
            for field, value in values.items():
                setattr(row, field, value)
            row.updated_at = utcnow()
            if row.state is None and not row.data:
                await session.flush()
                await session.execute(delete(FsmStateRow).where(FsmStateRow.key == name))
                session.expunge(row)
            else:
                await session.flush()

    async def _read(self, key: StorageKey) -> FsmStateRow | None:
        async with self._session() as session:
            return await session.get(FsmStateRow, self._keys.build(key), populate_existing=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row and row.data else {}

    async def close(self) -> None:
        # The engine belongs to the application, which disposes of it.
        return None

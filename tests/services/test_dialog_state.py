"""Dialog state in the database (bot/storage/fsm.py), read the way an update reads it: in the
update's transaction, and not at all once the process has loaded the rows (it is the only
writer). A rolled-back dialog step leaves the state as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event

from bot.storage.fsm import DatabaseStorage
from tests.services.conftest import World

ALI = StorageKey(bot_id=1, chat_id=3001, user_id=3001)
SARA = StorageKey(bot_id=1, chat_id=2001, user_id=2001)


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = world.sessions.kw["bind"].sync_engine

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_person_in_no_dialog_costs_no_read_once_the_rows_are_loaded(world: World) -> None:
    storage = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        assert await storage.get_state(ALI) is None
        await uow.commit()
    with statements(world) as seen:
        async with world.uow() as uow:
            assert await storage.get_state(ALI) is None
            assert await storage.get_data(ALI) == {}
            await uow.commit()
    assert not [s for s in seen if "fsm_states" in s]


async def test_a_committed_step_is_known_and_a_rolled_back_one_is_not(world: World) -> None:
    storage = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        await storage.set_state(ALI, "Registration:name")
        await storage.set_data(ALI, {"locale": "fa"})
        await uow.commit()
    with statements(world) as seen:
        async with world.uow() as uow:
            assert await storage.get_state(ALI) == "Registration:name"
            data = await storage.get_data(ALI)
            data["changed"] = "by the caller"  # a copy: what is kept does not change
            await uow.commit()
    assert not [s for s in seen if "fsm_states" in s]

    # A step that fails is rolled back with everything else of its update.
    async with world.uow() as uow:
        await storage.set_state(ALI, "Registration:agency")
        await storage.update_data(ALI, {"name": "علی"})
        await uow.rollback()
    async with world.uow() as uow:
        assert await storage.get_state(ALI) == "Registration:name"
        assert await storage.get_data(ALI) == {"locale": "fa"}

    # Cleared and committed: known as cleared.
    async with world.uow() as uow:
        await storage.set_state(ALI, None)
        await storage.set_data(ALI, {})
        await uow.commit()
    async with world.uow() as uow:
        assert await storage.get_state(ALI) is None and await storage.get_data(ALI) == {}


async def test_a_restarted_process_reads_what_the_last_one_committed(world: World) -> None:
    before = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        await before.set_state(SARA, "Closure:dates")
        await uow.commit()
    after = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        assert await after.get_state(SARA) == "Closure:dates"


async def test_more_rows_than_the_process_keeps_are_read_one_by_one(world: World) -> None:
    people = [StorageKey(bot_id=1, chat_id=i, user_id=i) for i in (1, 2, 3)]
    before = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        for key in people:
            await before.set_state(key, "Registration:name")
        await uow.commit()

    # Restarted with room for two: the third is read when asked, and then known.
    storage = DatabaseStorage(world.sessions, remembered=2)
    with statements(world) as seen:
        async with world.uow() as uow:
            assert [await storage.get_state(key) for key in people] == ["Registration:name"] * 3
            assert await storage.get_state(people[2]) == "Registration:name"
            await uow.commit()
    reads = [s for s in seen if "fsm_states" in s]
    assert len(reads) == 1 + 3  # the load that found too many rows, then one per person
    with statements(world) as seen:
        async with world.uow() as uow:
            assert await storage.get_state(people[2]) == "Registration:name"  # still known
            assert await storage.get_state(StorageKey(bot_id=1, chat_id=9, user_id=9)) is None
    assert len([s for s in seen if "fsm_states" in s]) == 1  # the stranger: read


class _Refused(Exception):
    pass


async def test_a_savepoint_rolled_back_after_a_dialog_step_leaves_the_step_as_committed(
    world: World,
) -> None:
    storage = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        assert await storage.get_state(ALI) is None
        await uow.commit()

    # A step starts Ali's dialog, then a part of the same update fails inside a savepoint
    # (as a second vote does), and the update commits what stands.
    async with world.uow() as uow:
        await storage.set_state(ALI, "Registration:name")
        session = uow.members._session
        try:
            async with session.begin_nested():
                await storage.set_data(ALI, {"name": "inside the savepoint"})
                raise _Refused
        except _Refused:
            pass
        assert await storage.get_state(ALI) == "Registration:name"
        assert await storage.get_data(ALI) == {}
        await uow.commit()
    async with world.uow() as uow:
        assert await storage.get_state(ALI) == "Registration:name"
        assert await storage.get_data(ALI) == {}

    # The same with the dialog ended before the savepoint: ended it stays.
    async with world.uow() as uow:
        await storage.set_state(ALI, None)
        try:
            async with uow.members._session.begin_nested():
                await storage.set_state(ALI, "Registration:phone")
                raise _Refused
        except _Refused:
            pass
        await uow.commit()
    async with world.uow() as uow:
        assert await storage.get_state(ALI) is None
        # And the next step writes as ever (an insert where the memory may be wrong).
        await storage.set_state(ALI, "Registration:agency")
        await uow.commit()
    restarted = DatabaseStorage(world.sessions)
    async with world.uow() as uow:
        assert await restarted.get_state(ALI) == "Registration:agency"

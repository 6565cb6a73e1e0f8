"""Telegram's limits shared by the processes of one bot: two limiters on one Redis, as two
replicas have, book their slots from one account. Driven by a fake clock; nothing sleeps.

Needs TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import datetime
import os
import random
from collections.abc import AsyncIterator

import pytest

from bot.app import redis_client
from bot.outbox import MAX_RATE_WAIT
from bot.ratelimit import (
    GROUP_CHAT,
    OVERALL,
    PRIVATE_BURST,
    PRIVATE_CHAT,
    Limit,
    RateLimiter,
    Slot,
)
from bot.shared_limiter import RedisLimiter

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is needed for the shared limiter"
)

T0 = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
BOT_ID = 123456789
GROUP = -100500


@pytest.fixture
async def redis() -> AsyncIterator[object]:
    # The bot's own client: a burst waits for a free connection instead of failing.
    client = redis_client(os.environ["TEST_REDIS_URL"])
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


def within(times: list[datetime.datetime], limit: Limit) -> int:
    """The most sends that fall into any one window of the limit."""
    ordered = sorted(times)
    most = 0
    for i, start in enumerate(ordered):
        j = i
        while j < len(ordered) and ordered[j] < start + limit.period:
            j += 1
        most = max(most, j - i)
    return most


async def test_two_processes_booking_at_once_stay_under_every_limit_together(redis) -> None:  # type: ignore[no-untyped-def]
    first, second = RedisLimiter(redis, BOT_ID), RedisLimiter(redis, BOT_ID)
    # A morning's backlog from both processes' senders at once: one message to each of 240
    # people and 30 notices to one group (booked as the outbox does: a slot more than
    # MAX_RATE_WAIT away puts the message off), while three people who type quickly get eight
    # replies each (one at a time: a chat's updates are handled in turn). Each sender books,
    # waits for its slot, and takes 5 ms to send: its own clock moves as it goes.
    people = list(range(5001, 5241))
    talkers = [3001, 3002, 3003]
    bulk = [*people, *[GROUP] * 30]
    random.Random(12).shuffle(bulk)
    booked: list[tuple[int, datetime.datetime]] = []
    put_off: list[int] = []
    sending = datetime.timedelta(milliseconds=5)

    async def sender(limiter: RedisLimiter, chats: list[int]) -> None:
        now = T0
        for chat_id in chats:
            slot = await limiter.book(chat_id, now, within=MAX_RATE_WAIT)
            if slot.booked:
                booked.append((chat_id, now + slot.wait))
                now += slot.wait + sending
            else:
                put_off.append(chat_id)

    async def conversation(limiter: RedisLimiter, talker: int) -> None:
        now = T0
        for _ in range(8):
            slot = await limiter.book(talker, now, reply=True)
            assert slot.booked
            booked.append((talker, now + slot.wait))
            # The answer goes out; the person reads it and types the next message.
            now += slot.wait + datetime.timedelta(milliseconds=400)

    await asyncio.gather(
        sender(first, bulk[::2]),
        sender(second, bulk[1::2]),
        *(conversation(first if i % 2 else second, t) for i, t in enumerate(talkers)),
    )

    # Either process alone would have sent 29 a second: together they send no more.
    everything = [at for _, at in booked]
    assert within(everything, OVERALL) == OVERALL.count
    assert max(everything) - min(everything) >= datetime.timedelta(seconds=8)
    for talker in talkers:
        times = [at for chat, at in booked if chat == talker]
        assert len(times) == 8
        assert within(times, PRIVATE_BURST) == PRIVATE_BURST.count
    group = [at for chat, at in booked if chat == GROUP]
    assert within(group, GROUP_CHAT) == GROUP_CHAT.count
    # The group's notices past its 20 a minute were put off, not sent; every person got one.
    assert put_off == [GROUP] * (30 - GROUP_CHAT.count)
    assert sorted(chat for chat, _ in booked if chat in people) == people


async def test_the_shared_book_gives_the_same_waits_as_one_processs_book(redis) -> None:  # type: ignore[no-untyped-def]
    shared, local = RedisLimiter(redis, BOT_ID), RateLimiter()
    rng = random.Random(7)
    now = T0
    for _ in range(400):
        now += datetime.timedelta(milliseconds=rng.choice([0, 0, 5, 20, 300, 1100]))
        chat = rng.choice([3001, 3002, 3003, 4001, GROUP, -100600])
        reply = rng.random() < 0.3
        bound = rng.choice([None, datetime.timedelta(seconds=2)])
        expected = local.book(chat, now, reply=reply, within=bound)
        assert await shared.book(chat, now, reply=reply, within=bound) == expected


async def test_a_429_seen_by_one_process_pauses_the_other(redis) -> None:  # type: ignore[no-untyped-def]
    first, second = RedisLimiter(redis, BOT_ID), RedisLimiter(redis, BOT_ID)
    # Flood control on a person: the whole bot, in both processes, waits the time named.
    await first.throttled(3001, T0 + datetime.timedelta(seconds=7))
    assert await second.paused_for(None, T0) == datetime.timedelta(seconds=7)
    slot = await second.book(4001, T0, within=datetime.timedelta(seconds=2))
    assert slot == type(slot)(datetime.timedelta(seconds=7), booked=False)
    # A shorter pause learnt later does not cut the longer one short.
    await second.throttled(3002, T0 + datetime.timedelta(seconds=3))
    assert await first.paused_for(None, T0) == datetime.timedelta(seconds=7)
    # On a group, only that group waits.
    later = T0 + datetime.timedelta(seconds=8)
    await first.throttled(GROUP, later + datetime.timedelta(seconds=30))
    assert await second.paused_for(GROUP, later) == datetime.timedelta(seconds=30)
    assert await second.paused_for(-100600, later) == datetime.timedelta(0)
    assert (await second.book(4001, later)).wait == datetime.timedelta(0)


async def test_bots_sharing_one_redis_keep_separate_accounts_that_expire(redis) -> None:  # type: ignore[no-untyped-def]
    telegram, bale = RedisLimiter(redis, BOT_ID), RedisLimiter(redis, 987654321)
    assert (await telegram.book(3001, T0)).wait == datetime.timedelta(0)
    assert (await telegram.book(3001, T0)).wait == PRIVATE_CHAT.period
    # The other bot's person 3001 is another chat with its own limits.
    assert (await bale.book(3001, T0)).wait == datetime.timedelta(0)
    keys = sorted(k.decode() for k in await redis.keys("*"))
    assert keys == [
        "fsm:123456789:limit:chat:3001",
        "fsm:123456789:limit:overall",
        "fsm:987654321:limit:chat:3001",
        "fsm:987654321:limit:overall",
    ]
    for key in keys:
        ttl = await redis.pttl(key)
        # A few seconds past the last slot: nothing stays behind for good.
        assert 0 < ttl <= 5_000, (key, ttl)


async def test_with_redis_unreachable_a_process_keeps_its_own_book_meanwhile() -> None:
    # Nothing listens on port 1.
    away = redis_client("redis://127.0.0.1:1/0")
    limiter = RedisLimiter(away, BOT_ID)
    try:
        assert await limiter.book(3001, T0) == Slot(datetime.timedelta(0), booked=True)
        assert await limiter.book(3001, T0) == Slot(PRIVATE_CHAT.period, booked=True)
        await limiter.throttled(4001, T0 + datetime.timedelta(seconds=5))
        assert await limiter.paused_for(None, T0) == datetime.timedelta(seconds=5)
    finally:
        await away.aclose()

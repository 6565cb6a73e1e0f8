"""Telegram's sending limits as the outbox sender sees them: how long to wait before the next
message to a chat, asked of a limiter driven by a fake clock (nothing sleeps)."""

from __future__ import annotations

import datetime
import itertools

import pytest

from bot.ratelimit import Limit, RateLimiter
from tests.conftest import Clock

T0 = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
NO_WAIT = datetime.timedelta(0)

GROUP = -100500
OTHER_GROUP = -100600


def ms(milliseconds: float) -> datetime.timedelta:
    return datetime.timedelta(milliseconds=milliseconds)


def seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


def send(limiter: RateLimiter, clock: Clock, chat_id: int) -> datetime.timedelta:
    """Ask how long to wait, then send at once (the caller has waited): the wait asked."""
    wait = limiter.delay(chat_id, clock.now)
    limiter.record(chat_id, clock.now)
    return wait


def test_the_30th_message_within_a_second_waits_for_the_first_to_leave_the_window(
    clock: Clock,
) -> None:
    # Telegram allows 30 a second; 29 leaves a margin for its counting and ours to differ.
    limiter = RateLimiter()
    waits = []
    for chat_id in range(1, 30):  # twenty-nine different people, 10 ms apart
        waits.append(send(limiter, clock, chat_id))
        clock.now += ms(10)
    assert waits == [NO_WAIT] * 29

    clock.now = T0 + ms(500)
    assert limiter.delay(31, clock.now) == ms(500)  # the first went out at T0
    clock.now = T0 + seconds(1)
    assert limiter.delay(31, clock.now) == NO_WAIT
    limiter.record(31, clock.now)
    # Now the second (T0 + 10 ms) is the oldest of the last twenty-nine.
    assert limiter.delay(32, clock.now) == ms(10)


def test_a_second_message_to_the_same_person_waits_a_second_and_others_do_not(
    clock: Clock,
) -> None:
    limiter = RateLimiter()
    assert send(limiter, clock, 3001) == NO_WAIT

    assert limiter.delay(3001, clock.now) == seconds(1)
    assert limiter.delay(3002, clock.now) == NO_WAIT
    clock.now += ms(400)
    assert limiter.delay(3001, clock.now) == ms(600)
    clock.now = T0 + seconds(1)
    assert send(limiter, clock, 3001) == NO_WAIT
    assert limiter.delay(3001, clock.now) == seconds(1)


def test_the_21st_message_to_a_group_within_a_minute_waits_until_the_minute_has_passed(
    clock: Clock,
) -> None:
    limiter = RateLimiter()
    waits = []
    for _ in range(20):  # two seconds apart: a group has no per-second spacing of its own
        waits.append(send(limiter, clock, GROUP))
        clock.now += seconds(2)
    assert waits == [NO_WAIT] * 20

    assert clock.now == T0 + seconds(40)
    assert limiter.delay(GROUP, clock.now) == seconds(20)  # until T0 + 1 minute
    assert limiter.delay(OTHER_GROUP, clock.now) == NO_WAIT
    assert limiter.delay(3001, clock.now) == NO_WAIT

    clock.now = T0 + seconds(60)
    assert send(limiter, clock, GROUP) == NO_WAIT
    # The next slot opens when the second message (T0 + 2 s) leaves the minute.
    assert limiter.delay(GROUP, clock.now) == seconds(2)


def test_twenty_messages_to_a_group_at_once_are_allowed(clock: Clock) -> None:
    limiter = RateLimiter()
    assert [send(limiter, clock, GROUP) for _ in range(20)] == [NO_WAIT] * 20
    assert limiter.delay(GROUP, clock.now) == seconds(60)


def test_the_longest_of_the_applicable_waits_counts(clock: Clock) -> None:
    limiter = RateLimiter()
    for chat_id in range(1, 29):
        send(limiter, clock, chat_id)
    clock.now += ms(500)
    send(limiter, clock, 3001)
    clock.now += ms(100)
    # 3001: 900 ms for the person, 400 ms overall; somebody new: 400 ms overall only.
    assert limiter.delay(3001, clock.now) == ms(900)
    assert limiter.delay(4001, clock.now) == ms(400)


def test_a_clock_that_jumps_back_never_stalls_a_chat_for_longer_than_its_window(
    clock: Clock,
) -> None:
    limiter = RateLimiter()
    for _ in range(20):
        send(limiter, clock, GROUP)
    send(limiter, clock, 3001)

    clock.now -= datetime.timedelta(hours=1)
    assert limiter.delay(GROUP, clock.now) == seconds(60)
    assert limiter.delay(3001, clock.now) == seconds(1)


def test_limits_can_be_tuned_and_must_make_sense(clock: Clock) -> None:
    limiter = RateLimiter(
        overall=Limit(2, seconds(1)),
        private_chat=Limit(2, seconds(10)),
        group_chat=Limit(1, seconds(3)),
    )
    assert send(limiter, clock, GROUP) == NO_WAIT
    assert limiter.delay(GROUP, clock.now) == seconds(3)
    assert send(limiter, clock, 3001) == NO_WAIT
    assert limiter.delay(3002, clock.now) == seconds(1)  # two a second overall
    clock.now += seconds(1)
    assert send(limiter, clock, 3001) == NO_WAIT  # two per ten seconds for a person
    assert limiter.delay(3001, clock.now) == seconds(9)

    with pytest.raises(ValueError):
        Limit(0, seconds(1))
    with pytest.raises(ValueError):
        Limit(1, NO_WAIT)


def test_chats_that_went_quiet_are_forgotten(clock: Clock) -> None:
    limiter = RateLimiter()
    for chat_id in range(1, 2001):
        send(limiter, clock, chat_id)
        clock.now += ms(100)
    # Only the people written to within the last second can still be waited for.
    remembered = len(limiter._chats)
    assert remembered < 600
    assert limiter.delay(2000, clock.now) == ms(900)


def test_a_reply_to_a_person_who_types_quickly_may_use_a_short_burst(clock: Clock) -> None:
    limiter = RateLimiter()
    # Three quick replies go out at once; a fourth waits for the first to leave 3 s.
    assert [limiter.reserve(3001, clock.now, reply=True) for _ in range(3)] == [NO_WAIT] * 3
    assert limiter.delay(3001, clock.now, reply=True) == seconds(3)
    # A bulk message to that person keeps to one a second after the last one.
    assert limiter.delay(3001, clock.now) == seconds(1)
    assert limiter.delay(3002, clock.now, reply=True) == NO_WAIT


def test_a_reserved_slot_is_taken_at_once_so_two_callers_never_share_it(clock: Clock) -> None:
    limiter = RateLimiter()
    for chat_id in range(1, 30):
        limiter.reserve(chat_id, clock.now)
    # Both ask before either has sent: the second gets the slot after the first's.
    first = limiter.reserve(100, clock.now, reply=True)
    second = limiter.reserve(101, clock.now)
    assert first == seconds(1)
    assert second == seconds(1)  # the window's oldest entries are all at T0
    # The two booked slots count in the second from T0 + 1 s: twenty-seven more fit in it.
    clock.now += seconds(1)
    assert [limiter.reserve(c, clock.now) for c in range(200, 227)] == [NO_WAIT] * 27
    assert limiter.delay(300, clock.now) == seconds(1)


def test_flood_control_on_a_person_pauses_the_bot_and_on_a_group_only_that_group(
    clock: Clock,
) -> None:
    limiter = RateLimiter()
    limiter.throttled(GROUP, clock.now + seconds(20))
    assert limiter.delay(GROUP, clock.now) == seconds(20)
    assert limiter.delay(OTHER_GROUP, clock.now) == NO_WAIT
    assert limiter.delay(3001, clock.now, reply=True) == NO_WAIT

    limiter.throttled(3001, clock.now + seconds(7))
    assert limiter.delay(3002, clock.now) == seconds(7)
    assert limiter.delay(OTHER_GROUP, clock.now, reply=True) == seconds(7)
    assert limiter.paused_for(None, clock.now) == seconds(7)
    clock.now += seconds(7)
    assert limiter.delay(3002, clock.now) == NO_WAIT
    assert limiter.delay(GROUP, clock.now) == seconds(13)


def test_a_slot_further_away_than_the_caller_accepts_is_not_booked(clock: Clock) -> None:
    limiter = RateLimiter()
    assert limiter.book(3001, clock.now).booked
    slot = limiter.book(3001, clock.now, within=ms(500))
    assert (slot.wait, slot.booked) == (seconds(1), False)
    # Nothing was booked: the next asker who accepts a second gets that very slot.
    assert limiter.book(3001, clock.now, within=seconds(1)).wait == seconds(1)
    clock.now += seconds(1)
    assert limiter.delay(3001, clock.now) == seconds(1)


def test_a_bulk_backlog_that_reached_the_limit_goes_on_evenly_and_bursts_again_after_a_pause(
    clock: Clock,
) -> None:
    limiter = RateLimiter()
    # The first twenty-nine go at once; the 30th waits for the window, as ever.
    assert [limiter.reserve(i, clock.now, even=True) for i in range(1, 30)] == [NO_WAIT] * 29
    assert limiter.reserve(30, clock.now, even=True) == seconds(1)
    # From then on one slot (1/29 s) apart, not twenty-nine at once a second later: Telegram
    # counts arrivals, and a burst's edges reach it blurred by latency.
    clock.now += seconds(1)
    slot = seconds(1) / 29
    assert limiter.reserve(31, clock.now, even=True) == slot
    clock.now += slot
    assert limiter.reserve(32, clock.now, even=True) == slot
    # A reply to a person keeps the pace too: it goes one slot after the message already
    # booked (32, a slot from now), before any bulk message booked after it.
    assert limiter.reserve(9001, clock.now, reply=True) == 2 * slot
    assert limiter.reserve(33, clock.now, even=True) == 3 * slot
    # Quiet for a while: a few bulk messages go at once again.
    clock.now += seconds(3)
    assert [limiter.reserve(i, clock.now, even=True) for i in range(40, 45)] == [NO_WAIT] * 5


def test_at_the_limit_no_two_messages_go_closer_than_a_slot_whoever_they_are_for(
    clock: Clock,
) -> None:
    # Given a backlog of bulk messages, each booked a millisecond after the slot before it went
    # (as the outbox does), and a person's reply booked once a second in between
    limiter = RateLimiter()
    start = clock.now
    sends: list[datetime.datetime] = []
    next_reply = start + ms(500)
    for chat_id in range(1, 300):
        if clock.now >= next_reply:
            sends.append(clock.now + limiter.reserve(9000 + chat_id, clock.now, reply=True))
            next_reply += seconds(1)
        slot = clock.now + limiter.reserve(chat_id, clock.now, even=True)
        sends.append(slot)
        clock.now = slot + ms(1)

    # Then once the limit is reached (after the first second's burst), every message keeps a
    # slot (1/29 s) from the one before, so any 31 in a row span a second and a slot: room for
    # latency before Telegram (which counts 30 a second) sees too many in one second
    sends.sort()
    steady = [at for at in sends if at >= start + seconds(1)]
    gaps = [b - a for a, b in itertools.pairwise(steady)]
    assert min(gaps) >= seconds(1) / 29
    assert min(b - a for a, b in zip(steady, steady[30:], strict=False)) >= seconds(1) + ms(34)
    # and nothing is lost to it: about 29 a second, the replies included
    assert len(steady) / (steady[-1] - steady[0]).total_seconds() > 28.9

"""Telegram's limits shared by every process of one bot: the slots are booked in Redis.

The arithmetic is RateLimiter's (bot/ratelimit.py), done by one Lua script so that a booking is
atomic across processes: the script reads the overall window and the chat's window (sorted
sets of booked send times), the bot's and the group's 429 pause, works out the wait, and books
the slot in both windows, or, when the wait is longer than the caller accepts, books nothing
and reports the wait. Two processes asking at once get two different slots, never the same one.

Which limit applies to which chat comes from the same Limits as the in-process book. Times are
the callers' clocks, in microseconds since the epoch: the processes of one bot run on hosts
whose clocks agree (NTP; the replicas of docker-compose.yml share one host's), and the margin
below Telegram's 30 a second absorbs what little they disagree. The keys carry the bot id, as
the conversation-state keys do (a Telegram and a Bale bot may share one Redis), and expire
once they no longer matter: a chat's window shortly after its last booked slot has left it, a
pause once the longest pause honoured (MAX_PAUSE) has passed.

Redis unreachable: each process keeps its own book meanwhile (the in-process RateLimiter), so
the bot goes on sending at one process's pace instead of stopping; /healthz reports Redis down,
and a 429 that this earns pauses that process as usual.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import secrets
import time
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from bot.ratelimit import MAX_PAUSE, Limits, RateLimiter, Slot, is_group

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# While Redis is unreachable, say so at most this often (every send would otherwise).
_WARN_EVERY_SECONDS = 60.0
# Kept a little past the moment they stop mattering: a booking just then still sees them.
_GRACE_MS = 1000

# KEYS: overall window, chat window, bot pause, chat pause.
# ARGV: now, overall count, overall period, chat count, chat period, chat kept, chat quiet
# period (all µs but counts), within (µs, -1: no bound), member, max pause (µs), spacing (µs
# after the latest booked slot overall; 0: none).
_BOOK = """
local now = tonumber(ARGV[1])
local function wait_of(key, count, period)
  if redis.call('ZCARD', key) < count then return 0 end
  local entry = redis.call('ZRANGE', key, -count, -count, 'WITHSCORES')
  local wait = tonumber(entry[2]) + period - now
  if wait < 0 then return 0 end
  return math.min(wait, period)
end
local function paused(key)
  local untl = tonumber(redis.call('GET', key) or '0')
  local wait = untl - now
  if wait < 0 then return 0 end
  return math.min(wait, tonumber(ARGV[10]))
end
local wait = math.max(
  wait_of(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3])),
  wait_of(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5])),
  paused(KEYS[3]), paused(KEYS[4]))
local spacing = tonumber(ARGV[11])
if spacing > 0 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then
    wait = math.max(wait, math.min(tonumber(last[2]) + spacing - now, tonumber(ARGV[3])))
  end
end
local within = tonumber(ARGV[8])
if within >= 0 and wait > within then return {wait, 0} end
local slot = now + wait
local function keep(key, kept, quiet)
  redis.call('ZADD', key, slot, ARGV[9])
  redis.call('ZREMRANGEBYRANK', key, 0, -(kept + 1))
  local ttl = math.floor((wait + quiet) / 1000) + 1000
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
keep(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
keep(KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7]))
return {wait, 1}
"""

# KEYS: the pause; ARGV: until (µs), how long to keep the key (ms). A pause only grows.
_PAUSE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


def _micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // datetime.timedelta(microseconds=1)


def _us(span: datetime.timedelta) -> int:
    return span // datetime.timedelta(microseconds=1)


class RedisLimiter:
    """The Limiter of a bot whose processes share one Redis (REDIS_URL)."""

    def __init__(self, redis: Redis, bot_id: int, limits: Limits | None = None) -> None:
        self._redis = redis
        self.limits = limits if limits is not None else Limits()
        self._prefix = f"fsm:{bot_id}:limit:"
        self._book = redis.register_script(_BOOK)
        self._pause = redis.register_script(_PAUSE)
        # Members of the sorted sets must differ across processes: a random tag and a counter.
        self._tag = secrets.token_hex(6)
        self._counter = itertools.count()
        limits = self.limits
        self._own = RateLimiter(
            limits.overall, limits.private_chat, limits.group_chat, limits.private_burst
        )
        self._warned_at: float | None = None

    def _unreachable(self, error: RedisError) -> None:
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "rate limits: Redis unreachable (%s); this process keeps its own book meanwhile",
                type(error).__name__,
            )

    def _pause_key(self, chat_id: int | None) -> str:
        if chat_id is not None and is_group(chat_id):
            return f"{self._prefix}pause:{chat_id}"
        return self._prefix + "pause"

    async def book(
        self,
        chat_id: int,
        now: datetime.datetime,
        *,
        reply: bool = False,
        within: datetime.timedelta | None = None,
        even: bool = False,
    ) -> Slot:
        # `even`: a bulk message goes one slot (1/29 s) after the latest booked overall, always
        # (the in-process book does so only once the limit was reached): bursts of several
        # processes' backlogs reach Telegram with their edges blurred by latency, and two
        # bursts falling into one of its seconds earn a 429.
        limit = self.limits.of_chat(chat_id, reply=reply)
        overall = self.limits.overall
        try:
            wait, booked = await self._book(
                keys=[
                    self._prefix + "overall",
                    f"{self._prefix}chat:{chat_id}",
                    self._pause_key(None),
                    self._pause_key(chat_id),
                ],
                args=[
                    _micros(now),
                    overall.count,
                    _us(overall.period),
                    limit.count,
                    _us(limit.period),
                    self.limits.kept(chat_id),
                    _us(self.limits.quiet_after(chat_id)),
                    -1 if within is None else _us(within),
                    f"{self._tag}:{next(self._counter)}",
                    _us(MAX_PAUSE),
                    _us(overall.period / overall.count) if even else 0,
                ],
            )
        except RedisError as error:
            self._unreachable(error)
            return self._own.book(chat_id, now, reply=reply, within=within, even=even)
        return Slot(datetime.timedelta(microseconds=int(wait)), booked=bool(booked))

    async def throttled(self, chat_id: int, until: datetime.datetime) -> None:
        """A 429 for `chat_id`: the group, or (for a person) the whole bot, pauses in every
        process until `until` (see RateLimiter.throttled)."""
        # Kept as long as the longest pause honoured, whatever the callers' clocks say: an
        # expired pause is harmless (it lies in the past), one that vanished early is not.
        keep_ms = MAX_PAUSE // datetime.timedelta(milliseconds=1) + _GRACE_MS
        # Kept in this process too: it holds while Redis is away.
        self._own.throttled(chat_id, until)
        try:
            await self._pause(keys=[self._pause_key(chat_id)], args=[_micros(until), keep_ms])
        except RedisError as error:
            self._unreachable(error)

    async def paused_for(self, chat_id: int | None, now: datetime.datetime) -> datetime.timedelta:
        keys = [self._pause_key(None)]
        if chat_id is not None and is_group(chat_id):
            keys.append(self._pause_key(chat_id))
        try:
            values = await self._redis.mget(keys)
        except RedisError as error:
            self._unreachable(error)
            return self._own.paused_for(chat_id, now)
        until = max((int(v) for v in values if v is not None), default=0)
        wait = datetime.timedelta(microseconds=max(until - _micros(now), 0))
        return min(wait, MAX_PAUSE)

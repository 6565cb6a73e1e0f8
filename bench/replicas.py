"""`python -m bench.replicas`: one process against two, in webhook mode on PostgreSQL and Redis.

The database is seeded once (bench/seed.py). Then, against the project's fake Bot API:

1. throughput: the same bursts posted to one replica, then to two (the benchmark posts to them
   in turn, as Caddy's round robin does): /help from people the bot does not know and /tasks
   from members, each burst posted all at once. A webhook is answered once its update is
   handled (and the reply sent), so the POST's time is the update's latency: updates/s, p50
   and p99, and the ratio of two processes to one (target 1.6). The bot's own limits are lifted
   here (SEND_RATE, no flood control, no 429s from the fake): this measures what an update
   costs, not Telegram's ceiling;
2. delivery: a morning's reminders to every member (5,000) queued in the outbox and sent by
   both replicas together under Telegram-like limits (the fake answers 429 beyond 30/s, 1/s per
   person): messages/s from the first to the last (target 28; the bot's own limit is 29), 429
   answers and duplicates (target 0 each).

Results: bench/results/replicas.json (with the machine). The replicas' logs are beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.run import (
    MORNING,
    REPO,
    RESULTS,
    TOKEN,
    Replies,
    _percentile,
    machine,
    memory_mb,
    stop_process,
)
from bench.seed import Seeded, seed
from tests.fakebot import FakeBotAPI, FakeUser
from tests.fakebot.webhook import SECRET_HEADER

PUBLIC_URL = "https://bot.example.org/webhook"
SECRET = "bench-webhook-secret-0123456789"
ADMIN_ID = 1001
VISITOR_IDS = 40_000_000
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    def __init__(self, name: str, api: FakeBotAPI, url: str, redis_url: str) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = RESULTS / f"{name}.log"
        self.env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": api.base_url,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "ADMIN_IDS": str(ADMIN_ID),
            "BOT_MODE": "webhook",
            "WEBHOOK_URL": PUBLIC_URL,
            "WEBHOOK_SECRET": SECRET,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(self.port),
            "PYTHONPATH": str(REPO),
            "FLOOD_BURST": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, **extra: str) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"], env={**self.env, **extra}, cwd=REPO,
                stdout=log, stderr=log,
            )  # fmt: skip

    async def healthy(self, http: aiohttp.ClientSession) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited; see {self.log}")
        try:
            async with http.get(self.base + "/healthz") as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def peak_memory_mb(self) -> float | None:
        assert self.process is not None
        return memory_mb(self.process.pid)

    async def stop(self) -> None:
        if self.process is not None:
            await stop_process(self.process, grace=30.0)


async def start_all(api: FakeBotAPI, replicas: list[Replica], **extra: str) -> float:
    calls = len(api.calls_to("setWebhook"))
    started = time.monotonic()
    for replica in replicas:
        replica.start(**extra)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        deadline = started + 180
        while time.monotonic() < deadline:
            ready = [await r.healthy(http) for r in replicas]
            if all(ready) and len(api.calls_to("setWebhook")) >= calls + len(replicas):
                return round(time.monotonic() - started, 2)
            await asyncio.sleep(0.1)
    raise RuntimeError("the replicas did not start within 180 s")


class Poster:
    """Posts the fake's pending updates to the replicas in turn, all at once, as the Bot API
    posts to a proxy in front of them; an update answered 5xx is posted again to the next."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=120)
        )
        self.turn = 0

    async def close(self) -> None:
        await self.http.close()

    async def _post(self, targets: list[str], payload: dict[str, Any]) -> float | None:
        path = urlsplit(self.api._webhook_url).path
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        started = time.monotonic()
        for _ in range(10):
            target = targets[self.turn % len(targets)]
            self.turn += 1
            try:
                async with self.http.post(
                    target + path, data=json.dumps(payload), headers=headers
                ) as response:
                    await response.read()
                    if response.status == 200:
                        return time.monotonic() - started
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
        return None

    async def burst(self, targets: list[str], inject: list[Any]) -> dict[str, Any]:
        for action in inject:
            action()
        payloads = [update.payload for update in self.api._pending]
        self.api._pending.clear()
        started = time.monotonic()
        latencies = await asyncio.gather(*(self._post(targets, p) for p in payloads))
        seconds = time.monotonic() - started
        answered = [x for x in latencies if x is not None]
        if not answered:
            return {"updates": len(payloads), "answered": 0}
        return {
            "updates": len(payloads),
            "answered": len(answered),
            "seconds": round(seconds, 3),
            "updates_per_s": round(len(answered) / seconds, 1),
            "p50_ms": round(statistics.median(answered) * 1000, 1),
            "p99_ms": round(_percentile(answered, 0.99) * 1000, 1),
        }


def _help(api: FakeBotAPI, user_id: int) -> Any:
    user = FakeUser(id=user_id, first_name=f"U{user_id}")
    return lambda: api.text(user, "/help")


def _tasks(api: FakeBotAPI, user_id: int) -> Any:
    user = FakeUser(id=user_id, first_name=f"U{user_id}")
    return lambda: api.text(user, "/tasks")


async def throughput(
    api: FakeBotAPI, replicas: list[Replica], seeded: Seeded, count: int, offset: int
) -> dict[str, Any]:
    # SEND_RATE lifted: the figure is the cost of an update, not Telegram's 29 a second.
    result: dict[str, Any] = {"startup_s": await start_all(api, replicas, SEND_RATE="100000")}
    targets = [r.base for r in replicas]
    poster = Poster(api)
    members = [m for m in seeded.members if m[0] not in {s[0] for s in seeded.secretaries}]
    try:
        # Warm-up: every process's connections and caches, and the members' first message.
        await poster.burst(
            targets, [_help(api, VISITOR_IDS + offset + 900_000 + i) for i in range(40)]
        )
        await poster.burst(targets, [_help(api, u) for u, _, _ in members[:count]])
        result["help"] = await poster.burst(
            targets, [_help(api, VISITOR_IDS + offset + i) for i in range(count)]
        )
        result["tasks"] = await poster.burst(
            targets, [_tasks(api, u) for u, _, _ in members[:count]]
        )
        result["peak_memory_mb"] = [r.peak_memory_mb() for r in replicas]
    finally:
        await poster.close()
        for replica in replicas:
            await replica.stop()
    return result


async def delivery(
    api: FakeBotAPI, replicas: list[Replica], url: str, seeded: Seeded, count: int
) -> dict[str, Any]:
    """A morning's reminders to `count` members in the outbox, sent by every replica together
    under Telegram-like limits."""
    from bot.storage import db
    from bot.storage.outbox import OutgoingMessage
    from bot.storage.uow import UnitOfWork

    replies = Replies(api)
    recipients = [user_id for user_id, _, _ in seeded.members[:count]]
    api.users_started(recipients)
    api.enforce_rate_limits()
    refused_before = api.rate_limited
    startup = await start_all(api, replicas)
    texts = {user_id: f"یادآوری وظایف امروز برای {user_id}" for user_id in recipients}
    engine = db.create_engine(url)
    try:
        async with UnitOfWork(db.session_factory(engine), "telegram") as uow:
            now = datetime.datetime.now(datetime.UTC)
            await uow.outbox.enqueue_many(
                [(OutgoingMessage(f"bench:{u}", u, texts[u], "fa"), now) for u in recipients],
                now,
            )
            await uow.commit()
    finally:
        await engine.dispose()

    def delivered() -> int:
        return sum(1 for u in recipients if (u, texts[u]) in replies.sent_texts)

    deadline = time.monotonic() + count / 20 + 90
    while delivered() < count and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # anything sent twice would show now
    times = sorted(
        at
        for u in recipients
        for at in replies.at.get(u, ())
        if (u, texts[u]) in replies.sent_texts
    )
    duplicates = sum(
        n - 1 for (chat, _), n in replies.sent_texts.items() if n > 1 and chat in texts
    )
    result: dict[str, Any] = {
        "messages": count,
        "delivered": delivered(),
        "processes": len(replicas),
        "startup_s": startup,
        "answers_429": api.rate_limited - refused_before,
        "duplicates": duplicates,
        "peak_memory_mb": [r.peak_memory_mb() for r in replicas],
    }
    if len(times) > 1:
        result["messages_per_s"] = round((len(times) - 1) / (times[-1] - times[0]), 1)
    for replica in replicas:
        await replica.stop()
    api.allow_any_rate()
    return result


async def clear_redis(redis_url: str) -> None:
    """Only the bench bot's keys (its id leads them): the Redis may serve others too."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        bot_id = TOKEN.split(":")[0]
        async for key in redis.scan_iter(match=f"fsm:{bot_id}:*", count=1000):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def compare(
    api: FakeBotAPI, url: str, args: argparse.Namespace, seeded: Seeded, result: dict[str, Any]
) -> None:
    """One process, then two, `rounds` times in turn; the best round of each is kept (a busy
    machine slows one round or another, never speeds one up)."""
    rounds: dict[str, list[dict[str, Any]]] = {"one_process": [], "two_processes": []}
    offset = 0
    for round_ in range(args.rounds):
        for label, names in (("one_process", ["one"]), ("two_processes", ["two-a", "two-b"])):
            await clear_redis(args.redis)
            print(f"== throughput: {label.replace('_', ' ')}, round {round_ + 1}", flush=True)
            replicas = [Replica(f"replica-{n}", api, url, args.redis) for n in names]
            rounds[label].append(await throughput(api, replicas, seeded, args.burst, offset))
            offset += 100_000
    for label, runs in rounds.items():
        best: dict[str, Any] = {"rounds": len(runs)}
        for name in ("help", "tasks"):
            best[name] = max(runs, key=lambda r: r[name].get("updates_per_s") or 0)[name]
            best[name]["all_rounds_updates_per_s"] = [r[name].get("updates_per_s") for r in runs]
        best["startup_s"] = [r["startup_s"] for r in runs]
        best["peak_memory_mb"] = runs[-1]["peak_memory_mb"]
        result[label] = best
    result["ratio"] = {
        name: round(
            result["two_processes"][name]["updates_per_s"]
            / result["one_process"][name]["updates_per_s"],
            2,
        )
        for name in ("help", "tasks")
        if result["one_process"][name].get("updates_per_s")
        and result["two_processes"][name].get("updates_per_s")
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.config import async_database_url

    url = async_database_url(args.postgres)
    print(f"== seeding {args.members} members, {args.tasks} tasks on PostgreSQL", flush=True)
    started = time.monotonic()
    seeded = await seed(
        url, members=args.members, clusters=args.clusters, tasks=args.tasks,
        applicants=10, today=MORNING.date(), now=MORNING,
    )  # fmt: skip
    result: dict[str, Any] = {
        "machine": machine(),
        "backend": "postgresql",
        "members": args.members,
        "tasks": args.tasks,
        "burst": args.burst,
        "seed_s": round(time.monotonic() - started, 1),
    }
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    try:
        phases = args.phases.split(",")
        if "throughput" in phases:
            await compare(api, url, args, seeded, result)
        if "delivery" in phases:
            await clear_redis(args.redis)
            print(f"== delivery of {args.deliver} reminders by two processes", flush=True)
            two = [Replica(n, api, url, args.redis) for n in ("delivery-a", "delivery-b")]
            result["delivery"] = await delivery(api, two, url, seeded, args.deliver)
    finally:
        await api.stop()
        await clear_redis(args.redis)
    return result


def summarise(result: dict[str, Any]) -> str:
    lines = [f"replicas on PostgreSQL: {result['members']} members, {result['tasks']} tasks"]
    for label in ("one_process", "two_processes"):
        if label not in result:
            continue
        for name in ("help", "tasks"):
            f = result[label][name]
            lines.append(
                f"  {label:14} {name:6} {f.get('updates_per_s')} upd/s  p50 {f.get('p50_ms')} ms"
                f"  p99 {f.get('p99_ms')} ms  answered {f.get('answered')}/{f.get('updates')}"
                f"  (rounds: {f.get('all_rounds_updates_per_s')})"
            )
    lines.append(f"  ratio two/one: {json.dumps(result.get('ratio'))} (target >= 1.6)")
    d = result.get("delivery")
    if d:
        lines.append(
            f"  delivery by {d['processes']} processes {d['delivered']}/{d['messages']}:"
            f" {d.get('messages_per_s')} msg/s (target >= 28), 429s {d['answers_429']},"
            f" duplicates {d['duplicates']}"
        )
    lines.append(f"  machine: {json.dumps(result['machine'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replicas", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_DATABASE_URL", os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
        ),
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)),
    )
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=300, help="updates per throughput burst")
    parser.add_argument("--deliver", type=int, default=5000, help="reminders in the backlog")
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds (best kept)")
    parser.add_argument("--phases", default="throughput,delivery")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args))
    name = "replicas" if args.phases == "throughput,delivery" else f"replicas-{args.phases}"
    (RESULTS / f"{name.replace(',', '+')}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False)
    )
    print(summarise(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

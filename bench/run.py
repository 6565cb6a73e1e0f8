"""`make bench` (python -m bench): the real bot process against the project's fake Bot API.

For each backend and size: seed the database (bench/seed.py), then

1. throughput: bursts of /help, /tasks, a task card button and an approval button, each from
   distinct people at once, and the same burst of /help to a bare aiogram echo bot on the same
   fake (bench/echo.py); updates/s, p50/p99 from injection to the reply, and the ratio to the
   echo bot, in three rounds where the echo bot's burst and the bot's take turns (the round
   with the median ratio is reported, every round's ratio beside it). The bot's own limits are
   lifted here (SEND_RATE, no flood control, no 429s from the fake): this measures what an
   update costs, not Telegram's ceiling;
2. delivery: a morning's backlog of messages to the members in the outbox, sent by the bot
   under Telegram-like limits (the fake answers 429 beyond 30/s, 1/s per person with a burst
   of 3, 20/min per group); messages/s, 429 answers, duplicates, and the reply latency of
   visitors typing /help during the backlog;
3. the reminder pass as it is today (bench/tick.py, App.tick): the morning pass and a pass with
   nothing new, in a process of its own.

Start-up time (spawn to first getUpdates) and peak memory (VmHWM) of the bot process are
recorded. Results: bench/results/<backend>-<size>.json and bench/results/summary.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.seed import Seeded, seed
from tests.fakebot import FakeBotAPI, FakeUser
from tests.fakebot.server import CallContext

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
TOKEN = "123456789:BENCH-token-for-the-fake-api-0000"
ADMIN_ID = 1001
VISITOR_IDS = 30_000_000
# A Monday in Azar 1405, 09:05 in Tehran: just past the groups' default morning (09:00), when
# the day's reminders are due.
MORNING = datetime.datetime(2026, 11, 23, 5, 35, tzinfo=datetime.UTC)
# bench/tick.py starts here (08:00 in Tehran, nothing due yet), then passes at 09:05 (the
# morning's reminders) and 09:06 (nothing new).
BEFORE_MORNING = MORNING - datetime.timedelta(minutes=65)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


class Replies:
    """When the bot answered whom: every successful send, edit or callback answer, by chat."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.at: dict[int, list[float]] = {}
        self.sent_texts: dict[tuple[int, str], int] = {}
        # Every send or edit, whoever to: what Telegram's overall limit (and ours) counts.
        self.counted: list[float] = []
        for method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
            self._wrap(method)

    def _wrap(self, method: str) -> None:
        inner = self.api.handlers[method.lower()]

        async def recording(call: CallContext) -> Any:
            result = await inner(call)
            if method == "answerCallbackQuery":
                query = self.api._queries.get(str(call.params.get("callback_query_id")))
                chat = query.user_id if query is not None else 0
            else:
                chat = int(call.params.get("chat_id") or 0)
            self.at.setdefault(chat, []).append(time.monotonic())
            if method != "answerCallbackQuery":
                self.counted.append(self.at[chat][-1])
            if method == "sendMessage":
                key = (chat, str(call.params.get("text")))
                self.sent_texts[key] = self.sent_texts.get(key, 0) + 1
            return result

        self.api.register(method, recording)

    def first_after(self, chat: int, moment: float) -> float | None:
        for at in self.at.get(chat, ()):
            if at >= moment:
                return at
        return None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def burst(
    api: FakeBotAPI,
    replies: Replies,
    actions: list[tuple[int, Any]],
    timeout: float = 180,
    process: BotProcess | None = None,
    profile_as: str | None = None,
) -> dict[str, Any]:
    """Inject every action at once; wait for a reply to each person; measure (with `process`,
    also the CPU time the bot process spent per update: other load on the machine inflates it
    far less than the wall-clock figures)."""
    if process is not None and profile_as:
        await process.start_profile(profile_as)
    cpu_before = process.cpu_seconds() if process is not None else None
    started: dict[int, float] = {}
    for user_id, inject in actions:
        started[user_id] = time.monotonic()
        inject()
    deadline = time.monotonic() + timeout
    pending = dict(started)
    answered: dict[int, float] = {}
    while pending and time.monotonic() < deadline:
        for user_id, moment in list(pending.items()):
            at = replies.first_after(user_id, moment)
            if at is not None:
                answered[user_id] = at - moment
                del pending[user_id]
        await asyncio.sleep(0.005)
    cpu = None
    if process is not None and cpu_before is not None:
        cpu_after = process.cpu_seconds()
        if cpu_after is not None:
            cpu = cpu_after - cpu_before
        if profile_as:
            await process.stop_profile(profile_as)
    if not answered:
        return {"updates": len(actions), "answered": 0}
    total = max(started[u] + lat for u, lat in answered.items()) - min(started.values())
    latencies = list(answered.values())
    return {
        "updates": len(actions),
        "answered": len(answered),
        "seconds": round(total, 3),
        "updates_per_s": round(len(answered) / total, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        **({"cpu_ms_per_update": round(cpu * 1000 / len(answered), 2)} if cpu is not None else {}),
    }


class BotProcess:
    def __init__(self, name: str, module: str, env: dict[str, str]) -> None:
        self.name = name
        self.module = module
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log = RESULTS / f"{name}.log"
        # BENCH_PROFILE=<folder>: one profile of the bot per burst in <folder>. With
        # BENCH_PROFILER=py-spy (pip install py-spy), py-spy samples the running bot, every
        # thread (SQLite's too): <burst>.txt, collapsed stacks for flamegraph tools; by
        # default the bot runs under cProfile (bench/profiled.py): <burst>.prof for pstats.
        self.profiles = Path(env["BENCH_PROFILE"]) if env.get("BENCH_PROFILE") else None
        self.sampler = env.get("BENCH_PROFILER") == "py-spy"
        self._dumps = 0
        self._spy: subprocess.Popen[bytes] | None = None
        if self.profiles is not None and module == "bot":
            self.profiles.mkdir(parents=True, exist_ok=True)
            if not self.sampler:
                self.module = "bench.profiled"

    def cpu_seconds(self) -> float | None:
        """User and system CPU time of the process so far (/proc/<pid>/stat)."""
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime are the 14th and 15th fields; [0] here is the 3rd (state).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def profiled(self) -> bool:
        return self.profiles is not None and (self.sampler or self.module == "bench.profiled")

    async def start_profile(self, name: str) -> None:
        if not self.profiled:
            return
        assert self.process is not None and self.profiles is not None
        if self.sampler:
            py_spy = Path(sys.executable).with_name("py-spy")
            self._spy = subprocess.Popen(
                [str(py_spy), "record", "--pid", str(self.process.pid), "--threads",
                 "--rate", "250", "--nonblocking", "--format", "raw", "--output",
                 str(self.profiles / f"{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            # py-spy attaches in a moment; the burst must not start before it samples.
            await asyncio.sleep(1.0)
        else:
            os.kill(self.process.pid, signal.SIGUSR1)

    async def stop_profile(self, name: str) -> None:
        """Profiling off; waits until the profile is written, named after the burst."""
        if not self.profiled:
            return
        assert self.process is not None and self.profiles is not None
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)
            for _ in range(200):
                if self._spy.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            self._spy = None
            return
        os.kill(self.process.pid, signal.SIGUSR2)
        self._dumps += 1
        dump = self.profiles / f"{self._dumps}.prof"
        for _ in range(600):
            if dump.exists():
                await asyncio.sleep(0.2)
                dump.replace(self.profiles / f"{name}.prof")
                return
            await asyncio.sleep(0.05)

    async def start(self, api: FakeBotAPI) -> float:
        polls = api._get_updates_count
        started = time.monotonic()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module], env=self.env, cwd=REPO, stderr=log,
                stdout=log,
            )  # fmt: skip
        while api._get_updates_count == polls:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            await asyncio.sleep(0.01)
        return round(time.monotonic() - started, 2)

    def reminder_jobs(self) -> int:
        """How often the scheduler's reminder pass ran meanwhile: today it blocks the process
        for seconds at 100k tasks, which shows in every figure taken while it ran."""
        return self.log.read_text(errors="replace").count('Running job "App.reminders_job')

    def peak_memory_mb(self, field: str = "VmHWM") -> float | None:
        assert self.process is not None
        return memory_mb(self.process.pid, field)

    async def stop(self) -> None:
        if self.process is not None:
            await stop_process(self.process, grace=10.0)


def memory_mb(pid: int, field: str = "VmHWM") -> float | None:
    """A process's memory figure from /proc (VmHWM: its peak resident size), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


async def stop_process(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    for _ in range(int(grace / 0.05)):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.05)
    process.kill()
    process.wait()


def _bot_env(api: FakeBotAPI, url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": api.base_url,
        "DATABASE_URL": url,
        "ADMIN_IDS": str(ADMIN_ID),
        "POLLING_TIMEOUT": "1",
        "PYTHONPATH": str(REPO),
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


def _help(api: FakeBotAPI, user_id: int) -> tuple[int, Any]:
    user = FakeUser(id=user_id, first_name=f"U{user_id}")
    return user_id, lambda: api.text(user, "/help")


def _command(api: FakeBotAPI, user_id: int, text: str) -> tuple[int, Any]:
    user = FakeUser(id=user_id, first_name=f"U{user_id}")
    return user_id, lambda: api.text(user, text)


def _press(api: FakeBotAPI, user_id: int, data: str) -> tuple[int, Any]:
    user = FakeUser(id=user_id, first_name=f"U{user_id}")
    message = api.last_message_to(user_id)
    return user_id, lambda: api.callback(user, message, data)


# Each kind of update is measured this many times, the echo bot's burst and the bot's taking
# turns: the machine is shared, and a slow stretch that fell on only one side of a single
# pair moved a ratio by a third from run to run. The round with the median ratio is reported.
ROUNDS = 3
MEASURED = ("help", "tasks", "task_button")


async def throughput(
    api: FakeBotAPI, url: str, seeded: Seeded, count: int, rounds: int = ROUNDS
) -> tuple[dict[str, Any], dict[str, Any]]:
    replies = Replies(api)
    members = [m for m in seeded.members if m[0] not in {s[0] for s in seeded.secretaries}]
    members = members[:count]
    api.users_started(seeded.applicant_users)
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in ("echo_help", *MEASURED)}
    process: dict[str, Any] = {}
    for turn in range(rounds):
        # Fresh people each round for /help (a visitor's first message), the same members.
        visitors = VISITOR_IDS + turn * 10 * count
        echo = BotProcess("echo", "bench.echo", _bot_env(api, url))
        echo_startup = await echo.start(api)
        await burst(api, replies, [_help(api, visitors + 900_000 + i) for i in range(20)])
        measured["echo_help"].append(await burst(
            api, replies, [_help(api, visitors + 100_000 + i) for i in range(count)],
            process=echo,
        ))  # fmt: skip
        await echo.stop()

        bot = BotProcess(
            "bot-throughput", "bot", _bot_env(api, url, SEND_RATE="100000", FLOOD_BURST="0")
        )
        startup = await bot.start(api)
        if turn == 0:
            process = {"startup_s": startup, "echo_startup_s": echo_startup}
            # What the started process holds before any update: the peak's floor.
            process["memory_after_start_mb"] = bot.peak_memory_mb("VmRSS")
        # Warm-up: everyone involved writes once (Telegram lets a bot write only to them then).
        warm = [u for u, _, _ in members] + [u for u, _ in seeded.secretaries]
        await burst(api, replies, [_help(api, u) for u in warm])
        profile = turn == rounds - 1
        measured["help"].append(await burst(
            api, replies, [_help(api, visitors + 200_000 + i) for i in range(count)],
            process=bot, profile_as="help" if profile else None,
        ))  # fmt: skip
        tasks_commands = [_command(api, u, "/tasks") for u, _, _ in members]
        measured["tasks"].append(await burst(
            api, replies, tasks_commands, process=bot, profile_as="tasks" if profile else None
        ))  # fmt: skip
        task_presses = []
        for user_id, _, group in members:
            tasks = seeded.task_of_group[group]
            task_presses.append(_press(api, user_id, f"to:{tasks[user_id % len(tasks)]}"))
        measured["task_button"].append(await burst(
            api, replies, task_presses, process=bot,
            profile_as="task_button" if profile else None,
        ))  # fmt: skip
        if turn < rounds - 1:
            await bot.stop()
    # The approvals are decided once: a decided application cannot be approved again.
    approvals = []
    applicants = {group: [] for _, group in seeded.secretaries}  # type: dict[str, list[int]]
    for member_id, group in seeded.applicants:
        applicants[group].append(member_id)
    for user_id, group in seeded.secretaries:
        if applicants[group]:
            approvals.append(_press(api, user_id, f"appd:approve:{applicants[group].pop()}"))
    approval = await burst(api, replies, approvals, process=bot, profile_as="approval_button")
    process["peak_memory_mb"] = bot.peak_memory_mb()
    process["reminder_passes_meanwhile"] = bot.reminder_jobs()
    await bot.stop()
    return _rounds(measured, approval), process


def _rounds(measured: dict[str, list[dict[str, Any]]], approval: dict[str, Any]) -> dict[str, Any]:
    """Each kind's round with the median ratio to the echo bot's burst just before it, and
    every round's ratio beside it; the echo bot's median burst."""
    echo = measured["echo_help"]

    def rate(figures: dict[str, Any]) -> float:
        return float(figures.get("updates_per_s") or 0)

    results: dict[str, Any] = {"rounds": len(echo)}
    results["echo_help"] = sorted(echo, key=rate)[len(echo) // 2]
    for name in MEASURED:
        ratios = [
            round(rate(own) / rate(base), 3) if rate(base) else 0.0
            for own, base in zip(measured[name], echo, strict=True)
        ]
        median = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
        results[name] = {**measured[name][median], "ratio_to_echo": ratios[median],
                         "ratios_by_round": ratios}  # fmt: skip
    # Against the median echo burst: the approvals run once, after the last round.
    echo_rate = rate(results["echo_help"])
    results["approval_button"] = {
        **approval, "ratio_to_echo": round(rate(approval) / echo_rate, 3) if echo_rate else None
    }  # fmt: skip
    return results


async def delivery(api: FakeBotAPI, url: str, seeded: Seeded, count: int) -> dict[str, Any]:
    """A backlog of `count` messages to as many members, sent under Telegram-like limits."""
    from bot.storage import db
    from bot.storage.outbox import OutgoingMessage
    from bot.storage.uow import UnitOfWork

    replies = Replies(api)
    recipients = [user_id for user_id, _, _ in seeded.members[:count]]
    api.users_started(recipients)
    api.enforce_rate_limits()
    refused_before = api.rate_limited
    bot = BotProcess("bot-delivery", "bot", _bot_env(api, url))
    startup = await bot.start(api)
    texts = {user_id: f"یادآوری آزمایشی برای {user_id}" for user_id in recipients}
    engine = db.create_engine(url)
    try:
        async with UnitOfWork(db.session_factory(engine), "telegram") as uow:
            now = datetime.datetime.now(datetime.UTC)
            for user_id in recipients:
                await uow.outbox.enqueue(
                    OutgoingMessage(
                        key=f"bench:{user_id}", chat_id=user_id, text=texts[user_id], locale="fa"
                    ),
                    now,
                )
            await uow.commit()
    finally:
        await engine.dispose()
    # The fake Bot API runs in this process and notes each message's arrival when its loop
    # gets to it: a full collection here (68 ms over the seeded data, measured) held the
    # arrivals back and let them in bunched, which its 30-a-second window then refused.
    # Telegram's counter does not pause with our load generator; frozen, the seed is skipped.
    gc.collect()
    gc.freeze()
    queued_at = time.monotonic()
    # Visitors type /help during the backlog; each is measured.
    latencies: list[float] = []
    visitor = 0

    def delivered() -> int:
        return sum(1 for user_id in recipients if (user_id, texts[user_id]) in replies.sent_texts)

    deadline = queued_at + count / 20 + 60
    while delivered() < count and time.monotonic() < deadline:
        visitor += 1
        measured = await burst(api, replies, [_help(api, VISITOR_IDS + 500_000 + visitor)], 30)
        if measured.get("answered"):
            latencies.append(measured["p50_ms"])
        await asyncio.sleep(1.0)
    times = sorted(
        at
        for user_id in recipients
        for at in replies.at.get(user_id, ())
        if (user_id, texts[user_id]) in replies.sent_texts
    )
    duplicates = sum(
        n - 1 for (chat, text), n in replies.sent_texts.items() if n > 1 and chat in texts
    )
    result: dict[str, Any] = {
        "messages": count,
        "delivered": delivered(),
        "startup_s": startup,
        "answers_429": api.rate_limited - refused_before,
        "duplicates": duplicates,
        "visitor_replies": len(latencies),
        "visitor_reply_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "visitor_reply_max_ms": round(max(latencies), 1) if latencies else None,
        "peak_memory_mb": bot.peak_memory_mb(),
        "reminder_passes_meanwhile": bot.reminder_jobs(),
    }
    if len(times) > 1:
        # From the first message out to the last: the sustained rate, start-up excluded.
        result["messages_per_s"] = round((len(times) - 1) / (times[-1] - times[0]), 1)
        # The limiter's 29 a second counts the replies to the visitors too (about one a
        # second here): all the bot sent meanwhile, against the limit.
        counted = [at for at in replies.counted if times[0] <= at <= times[-1]]
        result["all_sends_per_s"] = round((len(counted) - 1) / (times[-1] - times[0]), 1)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        result["longest_gap_ms"] = round(max(gaps) * 1000, 1)
        # Where the sender stood still (seconds from the first message, and for how long):
        # slots a steady 29 a second would have used.
        result["stalls_over_300ms"] = [
            [round(a - times[0], 1), round((b - a) * 1000)]
            for a, b in itertools.pairwise(times)
            if b - a > 0.3
        ][:20]
    # What each 429 met: the arrivals of the full window, in ms before it (a bunch of them
    # close together is the fake noting them late, a steady 1/29 s pace is our limiter's).
    limits = api._rate_limits
    if limits is not None and times:
        result["refusals"] = [
            {
                "at_s": round(at - times[0], 3),
                "chat": chat,
                "window_ms_before": [round((at - t) * 1000, 1) for t in window],
            }
            for at, chat, window in limits.refusals
        ]
    await bot.stop()
    gc.unfreeze()
    api.allow_any_rate()
    return result


def reminder_pass(url: str, api: FakeBotAPI, timeout: float) -> dict[str, Any]:
    """The hook for the reminder-pass figures: App.tick as it is, in a process of its own."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.tick", url, api.base_url, BEFORE_MORNING.isoformat()],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:.0f} s"}
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": done.stderr.decode()[-500:]}
    return json.loads(lines[-1])


async def run_one(backend: str, url: str, tasks: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"== {backend}, {tasks} tasks: seeding", flush=True)
    started = time.monotonic()
    today = datetime.date(2026, 11, 23)
    seeded = await seed(
        url, members=args.members, clusters=args.clusters, tasks=tasks,
        applicants=args.burst, today=today, now=MORNING,
    )  # fmt: skip
    result: dict[str, Any] = {"backend": backend, "tasks": tasks, "members": args.members,
                              "clusters": args.clusters, "groups": 32,
                              "seed_s": round(time.monotonic() - started, 1)}  # fmt: skip
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    try:
        phases = args.phases.split(",")
        if "throughput" in phases:
            print(f"== {backend}, {tasks} tasks: throughput", flush=True)
            result["throughput"], result["bot_process"] = await throughput(
                api, url, seeded, args.burst
            )
        if "delivery" in phases:
            print(f"== {backend}, {tasks} tasks: delivery of {args.deliver}", flush=True)
            result["delivery"] = await delivery(api, url, seeded, args.deliver)
        if "reminders" in phases:
            print(f"== {backend}, {tasks} tasks: reminder pass (App.tick today)", flush=True)
            result["reminder_pass"] = reminder_pass(url, api, args.tick_timeout)
    finally:
        await api.stop()
    return result


def machine() -> dict[str, Any]:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, check=False).stdout.decode()
        except OSError:
            return ""

    lscpu = run("lscpu").splitlines()
    cpu = [line.split(":", 1)[1].strip() for line in lscpu if "Model name" in line]
    memory = [line.split()[1] for line in run("free", "-h").splitlines() if line.startswith("Mem:")]
    return {
        "nproc": run("nproc").strip(),
        "cpu": cpu[0] if cpu else platform.processor(),
        "memory": memory[0] if memory else "",
        "python": platform.python_version(),
    }


def summarise(result: dict[str, Any]) -> str:
    lines = [f"{result['backend']} {result['tasks']} tasks (seeded in {result['seed_s']} s)"]
    for name, figures in result.get("throughput", {}).items():
        if isinstance(figures, dict):
            lines.append(
                f"  {name:16} {figures.get('updates_per_s')} upd/s  p50 {figures.get('p50_ms')} ms"
                f"  p99 {figures.get('p99_ms')} ms  x echo {figures.get('ratio_to_echo', '-')}"
                f"  cpu {figures.get('cpu_ms_per_update')} ms/update"
                f"  answered {figures.get('answered')}/{figures.get('updates')}"
            )
    process = result.get("bot_process", {})
    lines.append(
        f"  bot start-up {process.get('startup_s')} s,"
        f" memory after start {process.get('memory_after_start_mb')} MB,"
        f" peak memory {process.get('peak_memory_mb')} MB,"
        f" reminder passes meanwhile {process.get('reminder_passes_meanwhile')}"
    )
    if "delivery" in result:
        d = result["delivery"]
        lines.append(
            f"  delivery {d.get('delivered')}/{d.get('messages')}: {d.get('messages_per_s')} msg/s"
            f" ({d.get('all_sends_per_s')} with the replies to visitors),"
            f" 429s {d.get('answers_429')}, duplicates {d.get('duplicates')},"
            f" visitor replies p50 {d.get('visitor_reply_p50_ms')} ms"
            f" max {d.get('visitor_reply_max_ms')} ms, peak memory {d.get('peak_memory_mb')} MB,"
            f" reminder passes meanwhile {d.get('reminder_passes_meanwhile')}"
        )
    lines.append(f"  reminder pass (App.tick today): {json.dumps(result.get('reminder_pass'))}")
    return "\n".join(lines)


def growth(args: argparse.Namespace) -> int:
    """The growth curve: the reminder pass (nothing new, and the morning's) at each size."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    from bot.config import async_database_url

    urls = {
        "sqlite": f"sqlite+aiosqlite:///{RESULTS / 'bench.db'}",
        "postgresql": async_database_url(args.postgres),
    }
    # BENCH_SIZES (or --sizes) when given, else the three sizes.
    given = "BENCH_SIZES" in os.environ or args.sizes != "100000"
    sizes = args.sizes if given else "10000,100000,1000000"
    args.phases = "reminders"
    # A morning at a million tasks plans ten times the reminder lines of one at 100k.
    args.tick_timeout = max(args.tick_timeout, 900)
    for backend in args.backends.split(","):
        points = []
        for size in sizes.split(","):
            result = asyncio.run(run_one(backend, urls[backend], int(size), args))
            point = {"tasks": result["tasks"], "seed_s": result["seed_s"]}
            point.update(result.get("reminder_pass") or {})
            points.append(point)
            print(f"  {backend} {size}: {json.dumps(point)}", flush=True)
        curve: dict[str, Any] = {"backend": backend, "machine": machine(), "points": points}
        idle = [p.get("idle_pass", {}).get("seconds") for p in points]
        if len(points) > 1 and all(idle):
            # Seconds per task from the smallest to the largest size relative to linear: under
            # 1 means the pass grows less than linearly.
            first, last = points[0], points[-1]
            curve["idle_growth_vs_linear"] = round(
                (idle[-1] / idle[0]) / (last["tasks"] / first["tasks"]), 4
            )
        (RESULTS / f"growth-{backend}.json").write_text(json.dumps(curve, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default=os.environ.get("BENCH_BACKENDS", "sqlite,postgresql"))
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "100000"),
                        help="task counts, e.g. 10000,100000,1000000")  # fmt: skip
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=160, help="updates per throughput burst")
    parser.add_argument("--deliver", type=int, default=int(os.environ.get("BENCH_DELIVER", 5000)),
                        help="messages in the delivery backlog (5000: every member)")  # fmt: skip
    parser.add_argument("--phases", default="throughput,delivery,reminders")
    parser.add_argument("--tick-timeout", type=float, default=150)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--growth", action="store_true", default=os.environ.get("BENCH_GROWTH") == "1",
        help="the reminder pass alone at each size (default 10k, 100k, 1M tasks):"
        " bench/results/growth-<backend>.json",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.growth:
        return growth(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    from bot.config import async_database_url

    urls = {
        "sqlite": f"sqlite+aiosqlite:///{RESULTS / 'bench.db'}",
        "postgresql": async_database_url(args.postgres),
    }
    summary: dict[str, Any] = {"machine": machine(), "runs": []}
    for backend in args.backends.split(","):
        for size in args.sizes.split(","):
            result = asyncio.run(run_one(backend, urls[backend], int(size), args))
            name = f"{backend}-{size}" + ("" if args.phases.count(",") == 2 else f"-{args.phases}")
            (RESULTS / f"{name.replace(',', '+')}.json").write_text(json.dumps(result, indent=2))
            summary["runs"].append(result)
            print(summarise(result), flush=True)
    (RESULTS / f"summary-{'+'.join(args.backends.split(','))}.json").write_text(
        json.dumps(summary, indent=2)
    )
    print(f"machine: {json.dumps(summary['machine'])}")
    return 0

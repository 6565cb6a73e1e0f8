"""`python -m bench.inprocess KIND`: the CPU one kind of update costs the bot itself, in-process.

The throughput phase (bench/run.py) measures the real process against the fake Bot API, with the
load generator, the fake server and the database sharing the machine's cores; on a shared
two-core machine its ratios move by a third from run to run. This drives the real dispatcher
(`create_app`, every middleware and router) with updates built in memory, against a database
the bench has seeded, and answers each Bot API call with a canned reply after building its
body and reading that reply as the real session does: what is left is the bot's own work per
update, without HTTP or polling. It prints the best of several passes of CPU time (all
threads: SQLite's commits count), per update.

KIND is `help` (a member's /help), `visitor` (a stranger's /help), `tasks` (/tasks) or
`button` (a member opening one of their task cards). The database is `bench/results/bench.db`
unless `--database-url` names another one the bench seeded (`python -m bench` leaves both).
With `--profile FILE`, the measured passes are also written as a cProfile dump. With
`--concurrent`, each pass hands the dispatcher all its updates at once, as polling does with a
burst: what the updates' competing for connections and for SQLite's write lock costs shows.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import time
from typing import Any

from sqlalchemy import select

RESULTS_DB = "sqlite+aiosqlite:///" + os.path.join(os.path.dirname(__file__), "results", "bench.db")
TOKEN = "123456789:AAH-in-process-bench-token-0000000000"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Bot", "username": "bench_bot"}
KINDS = ("help", "visitor", "tasks", "button")


def _canned(method: Any) -> str:
    """What the Bot API answers: the message sent (with its text) or True."""
    if type(method).__name__ in ("SendMessage", "EditMessageText"):
        chat_id = getattr(method, "chat_id", 0) or 0
        result: Any = {
            "message_id": 77, "date": 1764000000, "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": "U"},
            "text": getattr(method, "text", "") or "",
        }  # fmt: skip
    else:
        result = True
    return json.dumps({"ok": True, "result": result})


def _update(kind: str, number: int, user_id: int, task_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "fa"}
    chat = {"id": user_id, "type": "private", "first_name": f"U{user_id}"}
    if kind == "button":
        return {
            "update_id": number,
            "callback_query": {
                "id": str(number), "from": user, "chat_instance": "bench", "data": f"to:{task_id}",
                "message": {"message_id": 5, "date": 1764000000, "chat": chat, "from": BOT_USER,
                            "text": "list"},
            },
        }  # fmt: skip
    command = "/tasks" if kind == "tasks" else "/help"
    return {
        "update_id": number,
        "message": {
            "message_id": number, "date": 1764000000, "chat": chat, "from": user, "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }  # fmt: skip


async def _people(url: str, count: int) -> list[tuple[int, int]]:
    """(user id, one of their tasks) of approved members who hold tasks, in member order."""
    from bot.storage import db
    from bot.storage.models import MemberRow, TaskAssigneeRow

    engine = db.create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(MemberRow.user_id, TaskAssigneeRow.task_id)
                .join(TaskAssigneeRow, TaskAssigneeRow.member_id == MemberRow.id)
                .where(MemberRow.status == "approved")
                .order_by(MemberRow.id, TaskAssigneeRow.task_id)
            )
            first: dict[int, int] = {}
            for user_id, task_id in rows:
                first.setdefault(user_id, task_id)
                if len(first) == count:
                    break
    finally:
        await engine.dispose()
    return list(first.items())


async def measure(
    kind: str, url: str, people: int, passes: int, profile: str | None, concurrent: bool = False
) -> float:
    os.environ.update(
        BOT_TOKEN=TOKEN, DATABASE_URL=url, FLOOD_BURST="0", SEND_RATE="100000", POLLING_TIMEOUT="1"
    )
    os.environ.pop("REDIS_URL", None)
    from aiogram.types import Update

    from bot.__main__ import GC_THRESHOLDS
    from bot.app import create_app
    from bot.config import load_settings

    found = await _people(url, 2 * people)
    if kind == "visitor":
        found = [(900_000_000 + n, 0) for n in range(len(found))]
    app = create_app(load_settings())
    session = app.bot.session

    async def answer(bot: Any, method: Any, timeout: int | None = None) -> Any:
        session.build_form_data(bot, method)
        return session.check_response(bot, method, 200, _canned(method)).result

    session.make_request = answer  # type: ignore[method-assign]
    updates = [
        Update.model_validate(_update(kind, n, user, task), context={"bot": app.bot})
        for n, (user, task) in enumerate(found)
    ]
    warm, measured = updates[: len(updates) // 2], updates[len(updates) // 2 :]
    try:
        for update in warm:
            await app.dispatcher.feed_update(app.bot, update)
        # As the bot's own start-up does (bot/__main__.py).
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        profiler = cProfile.Profile() if profile else None
        best = float("inf")
        for _ in range(passes):
            gc.collect()
            if profiler is not None:
                profiler.enable()
            started = time.process_time()
            if concurrent:
                await asyncio.gather(
                    *(app.dispatcher.feed_update(app.bot, update) for update in measured)
                )
            else:
                for update in measured:
                    await app.dispatcher.feed_update(app.bot, update)
            best = min(best, time.process_time() - started)
            if profiler is not None:
                profiler.disable()
        if profiler is not None and profile:
            profiler.dump_stats(profile)
    finally:
        await app.close()
    return best / len(measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--database-url", default=RESULTS_DB)
    parser.add_argument("--people", type=int, default=300, help="updates per pass")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--profile", help="also write the passes as a cProfile dump here")
    parser.add_argument("--concurrent", action="store_true", help="each pass's updates at once")
    args = parser.parse_args(argv)
    from bot.config import async_database_url

    url = async_database_url(args.database_url)
    per_update = asyncio.run(
        measure(args.kind, url, args.people, args.passes, args.profile, args.concurrent)
    )
    print(f"{args.kind}: {per_update * 1e3:.3f} ms of CPU per update (best of {args.passes})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

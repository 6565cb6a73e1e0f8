"""One process that measures the reminder pass (`App.tick`): a pass before the groups' morning
(08:00, nothing due yet), the morning's pass that plans and queues the day's reminders
(09:05), then a pass with nothing new (09:06), with the statements each runs. Prints JSON;
`measure` is the hook the bench calls."""

from __future__ import annotations

import asyncio
import datetime
import gc
import json
import resource
import sys
import time

from sqlalchemy import event

from bot.app import create_app
from bot.config import Settings

TOKEN = "123456789:BENCH-token-for-the-fake-api-0000"


async def measure(database_url: str, api_url: str, moment: datetime.datetime) -> dict:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, bot_api_url=api_url, database_url=database_url
    )
    # `moment` is 08:00 in Tehran, before the groups' morning (09:00) when reminders go.
    passes = (
        ("before_morning_pass", moment),
        ("morning_pass", moment + datetime.timedelta(minutes=65)),
        ("idle_pass", moment + datetime.timedelta(minutes=66)),
    )
    now = [moment]
    app = create_app(settings, clock=lambda: now[0])
    # As the bot does once it is ready (bot/__main__.py): start-up's objects out of the
    # collector's reach, so the pass's full collections walk only what the pass made, not the
    # ~300,000 objects of the imports (which cost the morning 0.6 s here without it).
    gc.freeze()
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    result: dict[str, object] = {}
    try:
        for name, at in passes:
            now[0] = at
            statements[0] = 0
            started, cpu = time.perf_counter(), time.process_time()
            try:
                queued = await app.tick(wait=False)
                seconds = round(time.perf_counter() - started, 3)
                result[name] = {
                    "seconds": seconds,
                    # This process's CPU alone: steadier than the wall clock on a busy machine
                    # (the database's own work is not in it).
                    "cpu_seconds": round(time.process_time() - cpu, 3),
                    "queued": queued,
                    "statements": statements[0],
                }
            except Exception as error:  # the figure is the failure itself (e.g. PostgreSQL)
                result[name] = {
                    "seconds": round(time.perf_counter() - started, 3),
                    "error": f"{type(error).__name__}: {str(error)[:200]}",
                }
    finally:
        await app.engine.dispose()
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


if __name__ == "__main__":
    url, api, iso = sys.argv[1:4]
    print(json.dumps(asyncio.run(measure(url, api, datetime.datetime.fromisoformat(iso)))))

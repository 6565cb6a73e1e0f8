"""One process that measures the reminder pass as it is today (`App.tick`): the morning's pass
that queues reminders, then a pass with nothing new. Prints JSON. The lead reruns this after
the reminder-planning rewrite; `measure` is the hook the bench calls."""

from __future__ import annotations

import asyncio
import datetime
import json
import resource
import sys
import time

from bot.app import create_app
from bot.config import Settings

TOKEN = "123456789:BENCH-token-for-the-fake-api-0000"


async def measure(database_url: str, api_url: str, moment: datetime.datetime) -> dict:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, bot_api_url=api_url, database_url=database_url
    )
    app = create_app(settings, clock=lambda: moment)
    result: dict[str, object] = {}
    try:
        for name in ("morning_pass", "idle_pass"):
            started = time.perf_counter()
            try:
                queued = await app.tick(wait=False)
                seconds = round(time.perf_counter() - started, 3)
                result[name] = {"seconds": seconds, "queued": queued}
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

"""Stopping the bot in the middle of a scheduler pass is a shutdown, not an error."""

from __future__ import annotations

import asyncio
import datetime
import logging
import zoneinfo

import pytest

from scheduler.runner import build_scheduler


async def test_a_pass_cut_short_by_shutdown_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    started = asyncio.Event()

    async def slow_pass() -> None:
        started.set()
        await asyncio.sleep(3600)

    async def nothing() -> None:
        return None

    scheduler = build_scheduler(zoneinfo.ZoneInfo("Asia/Tehran"), slow_pass, nothing)
    caplog.set_level(logging.DEBUG)
    scheduler.start()
    try:
        # Given a reminder pass that is running
        scheduler.get_job("reminders").modify(next_run_time=datetime.datetime.now(datetime.UTC))
        scheduler.wakeup()
        await asyncio.wait_for(started.wait(), 5)
        # When the bot stops: the loop cancels what is still running
        running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    finally:
        scheduler.shutdown(wait=False)
    # Then nothing says an exception was raised, and no traceback is printed
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "raised an exception" not in caplog.text
    assert "pass stopped by shutdown" in caplog.text

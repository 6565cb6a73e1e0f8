"""APScheduler inside the bot process: it only says *when* to look; what is due, and what was
already sent, lives in the project's tables (the outbox), so the jobs are the same fixed set
at every start and several processes never send the same reminder twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

# How often the database is looked at. Reminders are timed to the minute at best, and a look
# costs a few queries.
REMINDER_MINUTES = 1
VOTE_SWEEP_MINUTES = 10

Job = Callable[[], Awaitable[object]]

log = logging.getLogger(__name__)


def stops_quietly(job: Job, name: str) -> Job:
    """A pass cut short because the bot is stopping is no error: APScheduler would log a
    CancelledError traceback as "Job raised an exception". Its work was in one transaction,
    rolled back, and the next start does it again."""

    async def run() -> object:
        try:
            return await job()
        except asyncio.CancelledError:
            log.debug("%s pass stopped by shutdown", name)
            return None

    return run


def build_scheduler(zone: ZoneInfo, reminders: Job, vote_sweep: Job) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=zone)
    # coalesce + one instance: after a pause (a laptop asleep, a slow run) one run catches up;
    # runs never overlap within a process.
    for job, minutes, name in (
        (reminders, REMINDER_MINUTES, "reminders"),
        (vote_sweep, VOTE_SWEEP_MINUTES, "vote-deadlines"),
    ):
        scheduler.add_job(
            stops_quietly(job, name),
            IntervalTrigger(minutes=minutes, timezone=zone),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=minutes * 60,
        )
    return scheduler

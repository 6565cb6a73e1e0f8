"""The calendar's use cases: each group's calendar, declaring and lifting closures, Thursdays.

Plain values in, an outcome out; the caller owns the transaction. The scheduler builds every
group's calendar from :func:`group_calendars` once per pass, with two queries in all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain import workdays
from bot.domain.jalali import TEHRAN, tehran_today
from bot.domain.members import Actor, can_manage_group
from bot.domain.workdays import Closure, HolidayCalendar, Thursday
from bot.storage.calendar import Reader
from bot.storage.meetings import Meeting
from bot.storage.uow import UnitOfWork

# Closures that ended this long ago still shape what the scheduler counts today: a KPI
# follow-up counts working days from the start of a quarter.
LOOK_BACK = datetime.timedelta(days=120)


class GroupCalendars:
    """Every working group's calendar, from closures and Thursdays loaded once."""

    def __init__(
        self,
        closures: list[Closure],
        thursdays: dict[str, Thursday],
        base: HolidayCalendar | None = None,
    ) -> None:
        self._closures = closures
        self._thursdays = thursdays
        self._base = base or workdays.default_calendar()
        self._built: dict[str | None, HolidayCalendar] = {}

    def of(self, working_group: str | None) -> HolidayCalendar:
        """A group's calendar; None is the country's (national closures only)."""
        if working_group not in self._built:
            self._built[working_group] = self._base.for_group(
                workdays.closures_reaching(working_group or "", self._closures),
                self._thursdays.get(working_group or "", Thursday.WORKING),
            )
        return self._built[working_group]


async def group_calendars(uow: UnitOfWork, today: datetime.date) -> GroupCalendars:
    closures = await uow.calendar.ending_from(today - LOOK_BACK)
    return GroupCalendars(closures, await uow.calendar.thursdays())


async def calendar_of(
    uow: UnitOfWork, working_group: str | None, today: datetime.date
) -> HolidayCalendar:
    """One group's calendar, for a handler answering one person."""
    return (await group_calendars(uow, today)).of(working_group)


@dataclass(frozen=True)
class ClosureDeclared:
    closure: Closure
    # Everyone it reaches, to be told (the declarer included: it confirms the notice).
    readers: list[Reader]
    # Meetings already set on the closed days, which their groups' members hear about.
    meetings: list[Meeting] = field(default_factory=list)


class NotAllowed(Exception):
    """The actor may not do this here; the handler says so."""


async def declare_closure(
    uow: UnitOfWork,
    *,
    actor: Actor,
    province: str | None,
    first: datetime.date,
    last: datetime.date,
    reason: str,
    today: datetime.date,
    now: datetime.datetime,
    zone: ZoneInfo = TEHRAN,
) -> ClosureDeclared:
    """Raises NotAllowed outside the actor's scopes, InvalidInput for bad days or reason."""
    if province not in workdays.closure_scopes(actor):
        raise NotAllowed
    first, last = workdays.check_closure_days(first, last, today)
    reason = workdays.clean_closure_reason(reason)
    closure = await uow.calendar.declare(first, last, province, reason, actor.user_id, now)
    await uow.audit.record(
        actor.user_id,
        "calendar.closure",
        "declared",
        "closure",
        closure.id,
        details={
            "province": province,
            "first": first.isoformat(),
            "last": last.isoformat(),
        },
        at=now,
    )
    groups = None if province is None else (province,)
    meetings = [
        m
        for m in await uow.meetings.upcoming(groups, now)
        if first <= tehran_today(m.starts_at, zone) <= last
    ]
    return ClosureDeclared(closure, await uow.calendar.readers(province), meetings)


@dataclass(frozen=True)
class ClosureLifted:
    # "lifted", or why not: "gone" (already lifted or never was), "not_allowed".
    result: str
    closure: Closure | None = None
    readers: tuple[Reader, ...] = ()


def may_lift(actor: Actor, closure: Closure) -> bool:
    return closure.province in workdays.closure_scopes(actor)


async def lift_closure(
    uow: UnitOfWork, *, actor: Actor, closure_id: int, now: datetime.datetime
) -> ClosureLifted:
    closure = await uow.calendar.get(closure_id)
    if closure is None:
        return ClosureLifted("gone")
    if not may_lift(actor, closure):
        return ClosureLifted("not_allowed", closure)
    if not await uow.calendar.lift(closure_id, now):
        return ClosureLifted("gone")
    await uow.audit.record(
        actor.user_id, "calendar.closure", "lifted", "closure", closure_id, at=now
    )
    return ClosureLifted("lifted", closure, tuple(await uow.calendar.readers(closure.province)))


@dataclass(frozen=True)
class DayOff:
    day: datetime.date
    holidays: tuple[workdays.Holiday, ...]
    closure: Closure | None


async def coming_days_off(
    uow: UnitOfWork, working_group: str | None, today: datetime.date, days: int
) -> list[DayOff]:
    """Holidays and closures from today for ``days`` days, for a reader's province."""
    calendar = await calendar_of(uow, working_group, today)
    last = today + datetime.timedelta(days=days)
    return [DayOff(d, named, closure) for d, named, closure in calendar.days_off(today, last)]


async def thursday_of(uow: UnitOfWork, working_group: str) -> Thursday:
    return (await uow.calendar.thursdays()).get(working_group, Thursday.WORKING)


async def set_thursday(
    uow: UnitOfWork,
    *,
    actor: Actor,
    working_group: str,
    thursday: Thursday,
    now: datetime.datetime,
) -> None:
    """Raises NotAllowed unless the actor runs this group's secretariat."""
    if not can_manage_group(actor, working_group):
        raise NotAllowed
    group_id = await uow.working_groups.id_of(working_group)
    await uow.calendar.set_thursday(group_id, thursday)
    await uow.audit.record(
        actor.user_id,
        "calendar.thursday",
        thursday.value,
        details={"working_group": working_group},
        at=now,
    )

"""Service functions for what a person controls about reminders: snoozing one, muting kinds,
and (the secretariat) a working group's timing.

Plain values in, an outcome out; the rules (mutable kinds, when a snooze ends, reading a
`/reminders` setting) come from bot/domain/schedule.py.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain import jalali
from bot.domain import schedule as timing
from bot.domain.members import Actor, managed_groups
from bot.domain.schedule import MUTABLE, GroupSchedule
from bot.domain.working_groups import WORKING_GROUPS
from bot.storage.uow import UnitOfWork


class SettingsRefusal(enum.StrEnum):
    """Why /reminders shows or changes nothing."""

    # Not of any working group's secretariat.
    SECRETARIES_ONLY = "secretaries_only"
    # Of several groups' (or none's own): the command must name the group.
    NAME_GROUP = "name_group"
    # The setting or its values cannot be read or are impossible.
    USAGE = "usage"


@dataclass(frozen=True)
class SnoozeOutcome:
    # False: the button is not one this person can use (not a member, an unknown kind or
    # choice); nothing was changed.
    snoozed: bool
    until: datetime.datetime | None = None


@dataclass(frozen=True)
class GroupSettings:
    refusal: SettingsRefusal | None
    working_group: str | None = None
    schedule: GroupSchedule | None = None
    # Whether the words changed the settings (otherwise they are only shown).
    changed: bool = False


async def snooze(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    subject_id: int,
    choice: str,
    now: datetime.datetime,
    zone: ZoneInfo,
) -> SnoozeOutcome:
    """Hold back one kind of reminder (about `subject_id`, 0 for all) until tomorrow morning
    or for a week, by the member's group's morning and working days."""
    if actor.member is None or kind not in MUTABLE:
        return SnoozeOutcome(False)
    schedule = await uow.reminders.schedule_of(actor.member.working_group)
    try:
        until = timing.snooze_until(choice, now, schedule, jalali.default_calendar(), zone)
    except ValueError:
        return SnoozeOutcome(False)
    await uow.reminders.snooze(actor.member.id, kind, subject_id, until)
    return SnoozeOutcome(True, until)


async def muted(uow: UnitOfWork, actor: Actor) -> set[str] | None:
    """The kinds this member has muted; None for someone who is not a member."""
    if actor.member is None:
        return None
    return await uow.reminders.muted(actor.member.id)


async def toggle_mute(uow: UnitOfWork, actor: Actor, kind: str) -> set[str] | None:
    """Mute the kind if it is heard, unmute it if muted; returns the kinds now muted, or None
    when the button cannot be used (not a member, not a mutable kind)."""
    if actor.member is None or kind not in MUTABLE:
        return None
    now_muted = await uow.reminders.muted(actor.member.id)
    await uow.reminders.set_muted(actor.member.id, kind, kind not in now_muted)
    return now_muted ^ {kind}


async def group_settings(uow: UnitOfWork, actor: Actor, words: list[str]) -> GroupSettings:
    """`/reminders [group] [<setting> <values>]`: show a group's timing, or change it first.

    `words` are the command's words with Latin digits. The group may be named first; without
    it, the secretary's own group.
    """
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        return GroupSettings(SettingsRefusal.SECRETARIES_ONLY)
    words = list(words)
    group = actor.working_group if actor.working_group in groups else None
    if words and words[0] in WORKING_GROUPS:
        group = words.pop(0)
    if group is None or group not in groups:
        return GroupSettings(SettingsRefusal.NAME_GROUP)
    schedule = await uow.reminders.schedule_of(group)
    if not words:
        return GroupSettings(None, group, schedule)
    try:
        schedule = timing.changed_schedule(schedule, words)
    except ValueError:
        return GroupSettings(SettingsRefusal.USAGE, group)
    await uow.reminders.set_schedule(await uow.working_groups.id_of(group), schedule)
    await uow.audit.record(
        actor.user_id, "reminders.set", "done", details={"working_group": group, "words": words}
    )
    return GroupSettings(None, group, schedule, changed=True)

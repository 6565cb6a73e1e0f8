"""What the scheduler sends: task reminders and escalations, waiting approvals, digests.

Each run looks at the database as it is *now* and queues what is due today in the outbox,
under keys of the form (kind, recipient, subject, period). Running twice, or in two
processes, or again after a restart, therefore queues nothing new: the outbox refuses a key
it already has. Timing rules (quiet hours, Fridays, holidays) come from bot/domain/schedule.py;
a message that may not go yet is queued with a `not_before` and sent when its time comes.

After downtime nothing floods: only what is due *today* is computed, so the warnings of the
missed days are not sent one by one; today's combined message already says what is overdue.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import jalali, outbox_keys
from bot.domain import monitoring as kpi_rules
from bot.domain import schedule as timing
from bot.domain import submissions as submission_rules
from bot.domain import tasks as task_rules
from bot.domain.members import MemberStatus, Role
from bot.domain.reports import Preset, Ranked, ReportPeriod
from bot.domain.schedule import (
    MUTE_APPROVALS,
    MUTE_DIGEST,
    MUTE_ESCALATIONS,
    MUTE_MEETINGS,
    MUTE_PACKAGES,
    MUTE_TASKS,
    Due,
    GroupSchedule,
    ReminderKind,
)
from bot.domain.submissions import stage_group
from bot.domain.tasks import Task, TaskStatus
from bot.domain.workdays import HolidayCalendar
from bot.domain.working_groups import CENTRAL, WORKING_GROUPS
from bot.i18n import Catalogs, Translator
from bot.services import meetings as meeting_service
from bot.services import monitoring as monitoring_service
from bot.services import reports as report_service
from bot.services.calendar import GroupCalendars, group_calendars
from bot.services.members import review_chats
from bot.storage.outbox import OutgoingMessage
from bot.storage.reminder_queries import (
    DueAssignment,
    Mark,
    MemberRange,
    ReminderQueries,
    WaitingInstruction,
    chunks,
)
from bot.storage.uow import UnitOfWork
from bot.ui import meetings as meeting_ui
from bot.ui import monitoring as monitoring_ui
from bot.ui import reports as report_ui
from bot.ui.dashboard import dashboard_markup
from bot.ui.reminders import Snooze, add_snooze_buttons
from bot.ui.submissions import PackageAck, SubmissionView, kind_name
from bot.ui.tasks import TaskLines, TaskOpen, open_data, task_label, task_line

# A reminder lists this many items and says how many more there are: one message must stay
# under Telegram's 4096 characters, and /tasks shows the rest.
MAX_LISTED = 15
# Open buttons in a combined reminder.
MAX_TASK_BUTTONS = 8
# The morning pass reads and renders the reminders of members holding about this many task
# shares together (a few hundred members at 100,000 tasks): the shares the pass holds at
# once, one read per batch.
_SHARE_BATCH = 15_000
# Not yet looked up (None is a found answer: nothing to remind).
_UNKNOWN = object()
# The pass shares the event loop with the outbox sender and with every person's update. Its
# CPU work (a morning renders thousands of reminders, some two seconds in all) goes in slices
# of about this many seconds, with the loop let run between them: a reminder's slot or a
# reply waits for a slice, never for the whole pass.
_SLICE = 0.01
# The morning's reminders are written in statements of this many rows (a slice each).
_WRITE_ROWS = 500


async def _in_chunks(ids: list[int]) -> AsyncIterator[list[int]]:
    for part in chunks(ids):
        yield part


@dataclass
class _MemberDues:
    user_id: int
    locale: str
    working_group: str
    # Each due share with what it is reminded as, in the order the reminder lists them.
    items: list[tuple[DueAssignment, ReminderKind]] = field(default_factory=list)


class _ReminderParts:
    """The pieces of task reminders one language shares across all members of a pass."""

    def __init__(self, t: Translator, today: datetime.date) -> None:
        self.t = t
        self.lines = TaskLines(t, today)
        self._kind_labels: dict[ReminderKind, str] = {}
        self.snooze_row = [
            {
                "text": t(f"reminders.snooze_{choice}"),
                "callback_data": Snooze(kind=MUTE_TASKS, subject_id=0, choice=choice).pack(),
            }
            for choice in ("tomorrow", "week")
        ]
        self._buttons: dict[int, dict[str, str]] = {}
        self._lines: dict[tuple[int, ReminderKind], str] = {}
        self._open = t.template("tasks.open", plain=True)
        self._headers: dict[int, str] = {}

    def kind_label(self, kind: ReminderKind) -> str:
        label = self._kind_labels.get(kind)
        if label is None:
            label = self._kind_labels[kind] = self.t(f"reminder_kinds.{kind.value}")
        return label

    def header(self, count: int) -> str:
        header = self._headers.get(count)
        if header is None:
            header = self._headers[count] = self.t("reminders.tasks_header", count=count)
        return header

    def line(self, task: DueAssignment, kind: ReminderKind) -> str:
        """The task's line in a reminder; a task with several assignees is rendered once."""
        key = (task.task_id, kind)
        line = self._lines.get(key)
        if line is None:
            rendered = self.lines.line(
                task.task_id, task.code, task.title, task.due_on, task.status, task.progress
            )
            line = self._lines[key] = self.kind_label(kind) + " " + rendered
        return line

    def button(self, task: DueAssignment) -> dict[str, str]:
        button = self._buttons.get(task.task_id)
        if button is None:
            # As t.plain("tasks.open", ...) and TaskOpen(...).pack() give it, built directly.
            label = self.lines.label(task.task_id, task.code)
            button = self._buttons[task.task_id] = {
                "text": self._open.format(code=label, title=task.title[:30]),
                "callback_data": open_data(task.task_id),
            }
        return button

    def forget_tasks(self) -> None:
        """Drop what was built for tasks: the next batch of members has tasks of its own."""
        self._buttons.clear()
        self._lines.clear()
        self.lines.forget_tasks()


# Marks of the planner (bot/storage/reminder_queries.py): "(kind, scope) done for period".
_TASKS = "tasks"
_TASK_EVENTS = "task-events"
_TASK_ROWS = "task-rows"
_MONITORING = "monitoring"
_DIGEST = "digest"
_APPROVAL = "approval"
_PACKAGE = "package"
_ALL = "*"


class ReminderRun:
    """One pass of the scheduler over the database, in one unit of work.

    The pass is planned, not recomputed: the task reminders of a group for a day are queued
    once, at the group's morning, by one set-based query, and a mark says so; after that
    only tasks created or changed since (task ids and task events above a watermark) are
    looked at, for the members concerned. A pass with nothing new costs a few queries,
    whatever the number of tasks.
    """

    def __init__(
        self, uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
    ) -> None:
        self.uow = uow
        self.catalogs = catalogs
        self.settings = settings
        self.now = now
        # Every group's calendar (closures, Thursdays), loaded at the start of the pass.
        self._calendars = GroupCalendars([], {})
        self.today = jalali.tehran_today(now, settings.zone)
        self._schedules: dict[str, GroupSchedule] = {}
        self._marks: dict[Mark, int | None] = {}
        self._new_marks: dict[Mark, int | None] = {}
        self._reminder_parts: dict[str, _ReminderParts] = {}
        # What a task due on a day of a group is reminded as today (None: nothing).
        self._task_kinds: dict[tuple[str, datetime.date], ReminderKind | None] = {}
        self._slice_from = time.perf_counter()
        self.queued = 0

    @property
    def planner(self) -> ReminderQueries:
        return self.uow.reminders.planner

    def calendar_of(self, working_group: str | None) -> HolidayCalendar:
        return self._calendars.of(working_group)

    async def _breathe(self) -> None:
        """Let the event loop run if this pass has held it for a slice (see `_SLICE`)."""
        if time.perf_counter() - self._slice_from >= _SLICE:
            await asyncio.sleep(0)
            self._slice_from = time.perf_counter()

    async def schedule(self, working_group: str) -> GroupSchedule:
        if working_group not in self._schedules:
            self._schedules[working_group] = GroupSchedule()
        return self._schedules[working_group]

    def _marked(self, kind: str, scope: str, period: str | None = None) -> bool:
        mark = Mark(kind, scope, period or self.today.isoformat())
        return mark in self._marks or mark in self._new_marks

    def _mark(self, kind: str, scope: str, watermark: int | None = None, period: str = "") -> None:
        self._new_marks[Mark(kind, scope, period or self.today.isoformat())] = watermark

    def _deliverable_today(self, group: str, schedule: GroupSchedule) -> bool:
        """Whether a message due now could still go out today (not a Friday, a holiday, the
        quiet evening or a closed afternoon)."""
        zone = self.settings.zone
        moment = timing.deliverable_at(self.now, schedule, self.calendar_of(group), zone)
        return jalali.tehran_today(moment, zone) == self.today

    async def _queue(
        self,
        key: str,
        chat_id: int,
        locale: str,
        text: str,
        markup: dict | None,
        at: datetime.datetime,
        schedule: GroupSchedule,
        *,
        group: str | None = None,
        may_wait_days: bool = False,
    ) -> bool:
        """Queue what is due by now, for the first moment the group may be messaged; True
        when it is in the outbox now (queued here or before), False when held back.

        Nothing is built before it is due (a reminder built at midnight for the morning would
        still list a task finished at 8). A reminder that could only go out on a later day
        (due at 22:00, or on a Friday) is not queued at all: that day's own run says what is
        due then, so nothing arrives twice and stale news never piles up into a morning
        flood. Only the weekly digest may wait for the next working morning.
        """
        if at > self.now:
            return False
        zone = self.settings.zone
        not_before = timing.deliverable_at(self.now, schedule, self.calendar_of(group), zone)
        if not may_wait_days and jalali.tehran_today(not_before, zone) != self.today:
            return False
        message = OutgoingMessage(
            key=key, chat_id=chat_id, text=text, locale=locale, reply_markup=markup
        )
        if await self.uow.outbox.enqueue(message, self.now, not_before=not_before):
            self.queued += 1
        return True

    def morning(self, schedule: GroupSchedule) -> datetime.datetime:
        """Today at the group's morning hour, when news that is not urgent goes out."""
        local = datetime.datetime.combine(self.today, schedule.morning, tzinfo=self.settings.zone)
        return local.astimezone(datetime.UTC)

    async def run(self) -> int:
        self._calendars = await group_calendars(self.uow, self.today)
        self._schedules = await self.uow.reminders.all_schedules()
        self._marks = await self.planner.marks([self.today.isoformat()])
        await self.tasks()
        await self.approvals()
        await self.packages()
        await self.meetings()
        await self.digests()
        await self.monitoring()
        await self.planner.set_marks(self._new_marks.items(), self.now)
        return self.queued

    # --- tasks ----------------------------------------------------------------------------

    async def tasks(self) -> None:
        """Plan each group's task reminders once, at its morning; then follow the changes."""
        today = self.today.isoformat()
        events = self._marks.get(Mark(_TASK_EVENTS, _ALL, today))
        rows = self._marks.get(Mark(_TASK_ROWS, _ALL, today))
        if events is None or rows is None:
            # The day's first pass: what exists now is covered by the mornings still to come.
            events, rows = await self.planner.latest_change()
            self._mark(_TASK_EVENTS, _ALL, events)
            self._mark(_TASK_ROWS, _ALL, rows)
        planned = [g for g in WORKING_GROUPS if self._marked(_TASKS, g)]
        members, new_events, new_rows = await self.planner.changed_assignees(events, rows, planned)
        if (new_events, new_rows) != (events, rows):
            self._mark(_TASK_EVENTS, _ALL, new_events)
            self._mark(_TASK_ROWS, _ALL, new_rows)
        if members:
            await self._plan_tasks(planned, members)
        due = []
        for group in WORKING_GROUPS:
            schedule = await self.schedule(group)
            if group in planned or self.morning(schedule) > self.now:
                continue
            # Marked even when nothing can go out today: later passes today would find the
            # same (a Friday, the quiet evening), and tomorrow has its own mark.
            self._mark(_TASKS, group)
            if self._deliverable_today(group, schedule):
                due.append(group)
        if due:
            await self._plan_tasks(due, None)
            for group in due:
                await self._escalate(group)

    async def _plan_tasks(self, groups: list[str], member_ids: set[int] | None) -> None:
        """Queue today's combined reminder of every member owing a due task in `groups` (only
        of `member_ids` when given, and only those without one yet today).

        Member range by member range (about `_SHARE_BATCH` shares each), or a chunk of
        `member_ids` at a time: each batch's due shares are read and rendered, and dropped
        before the next, so the pass holds one batch whatever the number of tasks. A member's
        shares all come in their batch, so their one reminder still lists every due task.

        The reminders are written once all are built. On SQLite the first write takes the
        database's one write lock until the pass commits, and the sender must write to send
        (its claims and marks): written batch by batch, the lock would be held through all
        the rendering, and the sender would stand still for it."""
        # Groups with the same calendar and lead days share due dates: one condition each.
        dated: dict[frozenset[datetime.date], list[str]] = defaultdict(list)
        for group in groups:
            schedule = await self.schedule(group)
            calendar = self.calendar_of(group)
            if not calendar.is_working_day(self.today):
                continue
            dated[timing.task_reminder_dates(self.today, schedule, calendar)].append(group)
        if not dated:
            return
        buckets = [(chosen, dates) for dates, chosen in dated.items()]
        # A reminder lists its tasks bucket by bucket, each in task order.
        bucket_of = {group: i for i, (chosen, _) in enumerate(buckets) for group in chosen}
        held = await self.planner.not_wanting_tasks(self.now)
        if member_ids is None:
            batches: AsyncIterator[MemberRange | list[int]] = self.planner.member_batches(
                _SHARE_BATCH
            )
        else:
            batches = _in_chunks(sorted(member_ids))
        # At most one reminder per member, whatever the number of tasks.
        reminders: list[tuple[OutgoingMessage, datetime.datetime]] = []
        async for batch in batches:
            found = await self.planner.due_assignments(
                buckets, self.today, batch, held, between_parts=self._breathe
            )
            entries = await self._member_dues(found, bucket_of)
            if member_ids is not None and entries:
                queued = await self.planner.queued_keys(
                    outbox_keys.task_reminders(e.user_id, self.today) for e in entries
                )
                entries = [
                    e
                    for e in entries
                    if outbox_keys.task_reminders(e.user_id, self.today) not in queued
                ]
            for parts in self._reminder_parts.values():
                parts.forget_tasks()
            reminders += await self._remind_members(entries)
            await self._breathe()
        for part in chunks(reminders, _WRITE_ROWS):
            self.queued += await self.uow.outbox.enqueue_many(part, self.now)
            await self._breathe()

    async def _member_dues(
        self, found: list[DueAssignment], bucket_of: dict[str, int]
    ) -> list[_MemberDues]:
        """The batch's shares gathered by member, each with what it is reminded as today."""
        kinds = self._task_kinds
        members: dict[int, _MemberDues] = {}
        mixed: set[int] = set()
        for number, row in enumerate(found):
            if number % 512 == 0:
                await self._breathe()
            key = (row.working_group, row.due_on)
            kind = kinds.get(key, _UNKNOWN)
            if kind is _UNKNOWN:
                kind = kinds[key] = self._task_kind(row.working_group, row.due_on)
            if kind is None:
                continue
            entry = members.get(row.member_id)
            if entry is None:
                entry = members[row.member_id] = _MemberDues(
                    row.user_id, row.locale, row.working_group
                )
            elif entry.items[-1][0].working_group != row.working_group:
                mixed.add(row.member_id)
            entry.items.append((row, kind))
        for member_id in mixed:
            # Tasks of several buckets: in bucket order, as separate reads would give them.
            entry = members[member_id]
            entry.items.sort(key=lambda item: bucket_of[item[0].working_group])
            entry.working_group = entry.items[0][0].working_group
        return list(members.values())

    def _task_kind(self, group: str, due_on: datetime.date) -> ReminderKind | None:
        """What a task due on `due_on` is reminded as today (the domain's timing)."""
        dues = timing.task_reminders(
            due_on,
            TaskStatus.TODO,
            self.today,
            self._schedules.get(group, GroupSchedule()),
            self.calendar_of(group),
            self.settings.zone,
        )
        for due in dues:
            if due.kind is not ReminderKind.TASK_ESCALATION:
                return due.kind
        return None

    def _member_reminder(self, entry: _MemberDues) -> OutgoingMessage:
        """One member's combined reminder of the day. The keyboard is written as the Bot
        API's dict directly: aiogram's builder copies itself on every button, which at the
        morning's thousands of reminders costs more than the database. What many members
        share (a task's line and button, the kinds' labels, the snooze row) is built once
        per language."""
        t = self.catalogs.translator(entry.locale)
        parts = self._parts(t)
        listed = entry.items[:MAX_LISTED]
        # One message per member per day, however many tasks: a flood teaches people to mute.
        lines = [parts.header(len(entry.items))]
        for task, kind in listed:
            lines.append(parts.line(task, kind))
        if len(entry.items) > MAX_LISTED:
            lines.append(t("reminders.and_more", count=len(entry.items) - MAX_LISTED))
        rows: list[list[dict[str, str]]] = [
            [parts.button(task)] for task, _ in listed[:MAX_TASK_BUTTONS]
        ]
        rows.append(parts.snooze_row)
        return OutgoingMessage(
            key=outbox_keys.task_reminders(entry.user_id, self.today),
            chat_id=entry.user_id,
            text=t.join(lines),
            locale=t.locale,
            reply_markup={"inline_keyboard": rows},
        )

    def _parts(self, t: Translator) -> _ReminderParts:
        parts = self._reminder_parts.get(t.locale)
        if parts is None:
            parts = self._reminder_parts[t.locale] = _ReminderParts(t, self.today)
        return parts

    async def _remind_members(
        self, entries: list[_MemberDues]
    ) -> list[tuple[OutgoingMessage, datetime.datetime]]:
        """The members' reminders, each for the first moment its group may be messaged today
        (none for a group that cannot be messaged today)."""
        zone = self.settings.zone
        moments: dict[str, datetime.datetime | None] = {}
        built: list[tuple[OutgoingMessage, datetime.datetime]] = []
        for entry in entries:
            await self._breathe()
            group = entry.working_group
            if group not in moments:
                schedule = await self.schedule(group)
                moment = timing.deliverable_at(self.now, schedule, self.calendar_of(group), zone)
                due = self.morning(schedule) <= self.now
                today = jalali.tehran_today(moment, zone) == self.today
                moments[group] = moment if due and today else None
            not_before = moments[group]
            if not_before is not None:
                built.append((self._member_reminder(entry), not_before))
        return built

    async def _escalate(self, group: str) -> None:
        """Weekly, the secretary and the chair hear what is overdue in their group."""
        label = timing.task_escalation_week(self.today, self.calendar_of(group))
        if label is None:
            return
        count, first = await self.planner.overdue(group, self.today, MAX_LISTED)
        if not count:
            return
        overdue = await self.uow.tasks.by_ids(first)
        schedule = await self.schedule(group)
        recipients = await self.uow.members.with_role(group, Role.SECRETARY)
        recipients += await self.uow.members.with_role(group, Role.CHAIR)
        label = self.today.isoformat()
        for member in {m.user_id: m for m in recipients}.values():
            if await self._hold(member.user_id, MUTE_ESCALATIONS):
                continue
            t = self.catalogs.translator(member.locale)
            builder = InlineKeyboardBuilder()
            for task in overdue[:MAX_TASK_BUTTONS]:
                builder.button(
                    text=t.plain("tasks.open", code=task_label(t, task), title=task.title[:30]),
                    callback_data=TaskOpen(task_id=task.id),
                )
            add_snooze_buttons(builder, t, MUTE_ESCALATIONS)
            builder.adjust(*([1] * min(len(overdue), MAX_TASK_BUTTONS)), 2)
            lines = [
                t(
                    "reminders.escalation_header",
                    group=t(f"working_groups.{group}"),
                    count=count,
                )
            ]
            lines += [task_line(t, task, self.today) for task in overdue]
            if count > MAX_LISTED:
                lines.append(t("reminders.and_more", count=count - MAX_LISTED))
            await self._queue(
                outbox_keys.escalation(group, label, member.user_id),
                member.user_id,
                t.locale,
                t.join(lines),
                builder.as_markup().model_dump(exclude_none=True),
                self.morning(schedule),
                schedule,
                group=group,
            )

    # --- approvals ------------------------------------------------------------------------

    async def approvals(self) -> None:
        """Each reminder about a waiting submission is settled once: a mark per submission,
        version and period, so later passes skip it without looking up its reviewers."""
        candidates = []
        for submission in await self.uow.submissions.in_review():
            group = stage_group(submission)
            schedule = await self.schedule(group)
            for due in timing.approval_reminders(submission.stage_opened_at, self.now, schedule):
                period = f"{submission.id}:v{submission.version}:{due.period}"
                candidates.append((submission, group, schedule, due, period))
        if not candidates:
            return
        settled = await self.planner.marks([c[4] for c in candidates])
        for submission, group, schedule, due, period in candidates:
            if Mark(_APPROVAL, _ALL, period) in settled:
                continue
            if due.at > self.now or not self._deliverable_today(group, schedule):
                continue
            if due.kind is ReminderKind.APPROVAL_WAITING:
                chats = await review_chats(self.uow, group, self.settings.admin_ids)
            else:
                chairs = await self.uow.members.with_role(group, Role.CHAIR)
                chats = [(m.user_id, m.locale) for m in chairs] or [
                    (admin, None) for admin in sorted(self.settings.admin_ids)
                ]
            done = True
            for chat_id, locale in chats:
                hold = None
                if chat_id > 0:
                    hold = await self._hold(chat_id, MUTE_APPROVALS, submission.id)
                if hold is not None:
                    done &= hold == "muted"
                    continue
                t = self.catalogs.translator(locale or self.settings.default_locale)
                builder = InlineKeyboardBuilder()
                builder.button(
                    text=t("reminders.open_submission"),
                    callback_data=SubmissionView(action="card", submission_id=submission.id),
                )
                if chat_id > 0:
                    add_snooze_buttons(builder, t, MUTE_APPROVALS, submission.id)
                    builder.adjust(1, 2)
                text = t(
                    f"reminders.{due.kind.value}",
                    kind=kind_name(t, submission.kind),
                    title=submission.title,
                    cluster=submission.cluster_name,
                    days=submission_rules.waiting_days(submission.stage_opened_at, self.now),
                )
                done &= await self._queue(
                    outbox_keys.approval_reminder(
                        submission.id, submission.version, due.period, chat_id
                    ),
                    chat_id,
                    t.locale,
                    text,
                    builder.as_markup().model_dump(exclude_none=True),
                    due.at,
                    schedule,
                    group=group,
                )
            if done:
                self._mark(_APPROVAL, _ALL, period=period)

    # --- support-package instructions nobody acknowledged (F11) -----------------------------

    async def packages(self) -> None:
        """An instruction no representative acknowledged: after N working days (the group's
        approval days) its representatives are reminded; after 2N the province's secretariat
        hears of it. Each settles once (a mark per item and period)."""
        shortest = min(
            [s.approval_days for s in self._schedules.values()] + [GroupSchedule().approval_days]
        )
        # N working days after the day it went out are N calendar days at least, so it went
        # out more than N - 1 days ago: older instructions only, in SQL.
        before = self.now - datetime.timedelta(days=shortest - 1)
        candidates = []
        for item in await self.planner.unacknowledged(before):
            schedule = await self.schedule(item.working_group)
            calendar = self.calendar_of(item.working_group)
            communicated_on = jalali.tehran_today(item.communicated_at, self.settings.zone)
            for due in timing.package_reminders(
                communicated_on, self.today, schedule, calendar, self.settings.zone
            ):
                candidates.append((item, schedule, due, f"{item.item_id}:{due.period}"))
        if not candidates:
            return
        settled = await self.planner.marks([c[3] for c in candidates])
        for item, schedule, due, period in candidates:
            if Mark(_PACKAGE, _ALL, period) in settled:
                continue
            if due.at > self.now or not self._deliverable_today(item.working_group, schedule):
                continue
            if due.kind is ReminderKind.PACKAGE_WAITING:
                done = await self._remind_representatives(item, schedule, due)
            else:
                done = await self._escalate_package(item, schedule, due)
            if done:
                self._mark(_PACKAGE, _ALL, period=period)

    def _package_text(self, t: Translator, item: WaitingInstruction, due: Due) -> str:
        return t(
            f"reminders.{due.kind.value}",
            title=item.title,
            cluster=item.cluster_name,
            agency=t(f"agencies.{item.agency_code}"),
            action=item.action,
            days=t.digits(due.period.removeprefix("after-")),
        )

    async def _remind_representatives(
        self, item: WaitingInstruction, schedule: GroupSchedule, due: Due
    ) -> bool:
        groups = tuple(dict.fromkeys((item.working_group, CENTRAL)))
        done = True
        for person in await self.uow.members.representatives(item.agency_code, groups):
            hold = await self._hold(person.user_id, MUTE_PACKAGES, item.item_id)
            if hold is not None:
                done &= hold == "muted"
                continue
            t = self.catalogs.translator(person.locale)
            builder = InlineKeyboardBuilder()
            builder.button(
                text=t("package.acknowledge"), callback_data=PackageAck(item_id=item.item_id)
            )
            add_snooze_buttons(builder, t, MUTE_PACKAGES, item.item_id)
            builder.adjust(1, 2)
            done &= await self._queue(
                outbox_keys.package_reminder(item.item_id, due.period, person.user_id),
                person.user_id,
                t.locale,
                self._package_text(t, item, due),
                builder.as_markup().model_dump(exclude_none=True),
                due.at,
                schedule,
                group=item.working_group,
            )
        return done

    async def _escalate_package(
        self, item: WaitingInstruction, schedule: GroupSchedule, due: Due
    ) -> bool:
        done = True
        for chat_id, locale in await review_chats(
            self.uow, item.working_group, self.settings.admin_ids
        ):
            hold = await self._hold(chat_id, MUTE_ESCALATIONS) if chat_id > 0 else None
            if hold is not None:
                done &= hold == "muted"
                continue
            t = self.catalogs.translator(locale or self.settings.default_locale)
            builder = InlineKeyboardBuilder()
            builder.button(
                text=t("reminders.open_package"),
                callback_data=SubmissionView(action="card", submission_id=item.submission_id),
            )
            if chat_id > 0:
                add_snooze_buttons(builder, t, MUTE_ESCALATIONS)
            builder.adjust(1, 2)
            done &= await self._queue(
                outbox_keys.package_escalation(item.item_id, due.period, chat_id),
                chat_id,
                t.locale,
                self._package_text(t, item, due),
                builder.as_markup().model_dump(exclude_none=True),
                due.at,
                schedule,
                group=item.working_group,
            )
        return done

    async def _hold(self, user_id: int, kind: str, subject_id: int = 0) -> str | None:
        """ "muted" or "snoozed" when this person does not want this reminder now, else None.
        A snoozed one-off reminder comes once the snooze is over; a muted one never does."""
        member = await self.uow.members.by_user(user_id)
        if member is None:
            return None
        if kind in await self.uow.reminders.muted(member.id):
            return "muted"
        for subject in dict.fromkeys((subject_id, 0)):
            until = await self.uow.reminders.snoozed_until(member.id, kind, subject)
            if until is not None and until > self.now:
                return "snoozed"
        return None

    async def _muted_user(self, user_id: int, kind: str) -> bool:
        member = await self.uow.members.by_user(user_id)
        return member is not None and kind in await self.uow.reminders.muted(member.id)

    # --- monitoring (F14) -------------------------------------------------------------------

    async def monitoring(self) -> None:
        """KPI prompts on a period's first working day to each monitored cluster's CDA (to the
        secretary when the cluster has none); while the period's report is missing, a reminder
        on its 5th working day and an escalation to the secretary and the chair on the 10th."""
        # Prompts and follow-ups fall on a few days of a period: on the others no cluster is
        # loaded at all. On those days a cluster whose messages are settled is marked.
        active: set[str] = set()
        for group in WORKING_GROUPS:
            schedule = await self.schedule(group)
            calendar = self.calendar_of(group)
            period = kpi_rules.current_period(self.today, schedule.monitoring)
            if self.morning(schedule) > self.now or not self._deliverable_today(group, schedule):
                continue
            if timing.monitoring_periods(self.today, schedule, calendar) == period or (
                timing.monitoring_followups(kpi_rules.period_start(period), self.today, calendar)
            ):
                active.add(group)
        if not active:
            return
        for cluster in await monitoring_service.monitoring_candidates(self.uow):
            if cluster.working_group not in active or self._marked(_MONITORING, str(cluster.id)):
                continue
            schedule = await self.schedule(cluster.working_group)
            period = kpi_rules.current_period(self.today, schedule.monitoring)
            calendar = self.calendar_of(cluster.working_group)
            prompt = timing.monitoring_periods(self.today, schedule, calendar) == period
            followup = timing.monitoring_followups(
                kpi_rules.period_start(period), self.today, calendar
            )
            if not prompt and followup is None:
                continue
            if not await monitoring_service.is_monitored(self.uow, cluster):
                continue
            if await self.uow.kpis.get(cluster.id, period) is not None:
                self._mark(_MONITORING, str(cluster.id))
                continue
            cda = None
            if cluster.cda_member_id is not None:
                cda = await self.uow.members.get(cluster.cda_member_id)
                if cda is not None and cda.status is not MemberStatus.APPROVED:
                    cda = None
            secretaries = await self.uow.members.with_role(cluster.working_group, Role.SECRETARY)
            chairs = await self.uow.members.with_role(cluster.working_group, Role.CHAIR)
            if followup is ReminderKind.MONITORING_ESCALATION:
                kind, recipients = "escalation", secretaries + chairs
            else:
                kind = "prompt" if prompt else "reminder"
                recipients = [cda] if cda is not None else (secretaries or chairs)
            # Nobody to tell yet (no secretary): looked at again when someone is.
            settled = bool(recipients)
            for member in {m.user_id: m for m in recipients}.values():
                t = self.catalogs.translator(member.locale)
                personal = kind == "escalation" or cda is None
                key = outbox_keys.kpi_prompt(
                    kind, cluster.id, period, member.user_id if personal else None
                )
                markup = monitoring_ui.report_button(t, cluster.id, period)
                settled &= await self._queue(
                    key,
                    member.user_id,
                    t.locale,
                    monitoring_ui.notice(t, kind, cluster, period, has_cda=cda is not None),
                    markup.model_dump(exclude_none=True),
                    self.morning(schedule),
                    schedule,
                    group=cluster.working_group,
                )
            if settled:
                self._mark(_MONITORING, str(cluster.id))

    # --- meetings ------------------------------------------------------------------------------

    async def meetings(self) -> None:
        """The evening before and an hour before, to everyone invited who did not decline.

        Queued directly, not through `_queue`: quiet hours and Fridays must not hold back a
        reminder of a meeting, or it would arrive after the meeting. A reminder is due from
        its moment until what it announces begins (fold_catch_up: the evening one stops at
        the hour one); its key makes it go once.
        """
        zone = self.settings.zone
        due = await meeting_service.reminders_due(self.uow, self.now, zone)
        invited: dict[int, set[int]] = defaultdict(set)
        for reminder in due:
            invited[reminder.meeting.id].add(reminder.member.id)
        # Those who muted meeting reminders, or snoozed this meeting's: one query a meeting.
        held = {
            meeting_id: await self.planner.held(members, MUTE_MEETINGS, meeting_id, self.now)
            for meeting_id, members in invited.items()
        }
        for reminder in due:
            meeting_id = reminder.meeting.id
            if reminder.member.id in held[meeting_id]:
                continue
            if await meeting_ui.queue_reminder(self.uow, self.catalogs, reminder, zone, self.now):
                self.queued += 1

    # --- the Saturday digest ----------------------------------------------------------------

    async def digests(self) -> None:
        due: list[tuple[str, str, GroupSchedule]] = []
        for group in WORKING_GROUPS:
            schedule = await self.schedule(group)
            period = timing.digest_due(self.now, schedule, self.settings.zone)
            # Due all Saturday from the morning on: once settled, later runs skip the group
            # before loading anything.
            if period is None or self._marked(_DIGEST, group):
                continue
            self._mark(_DIGEST, group)
            if await self.uow.outbox.has_prefix(outbox_keys.digest_prefix(group, period)):
                continue
            if await self.uow.members.in_group(group, MemberStatus.APPROVED):
                due.append((group, period, schedule))
        if not due:
            return
        waiting = await self.uow.submissions.in_review()
        tasks = await self.uow.tasks.of_groups(None)
        trends, ranking = await self._digest_reports([g for g, _, _ in due])
        for group, period, schedule in due:
            await self._digest(group, period, schedule, waiting, tasks, trends, ranking)

    async def _digest_reports(
        self, groups: list[str]
    ) -> tuple[dict[str, report_service.WeeklyTrend], list[Ranked]]:
        """Each group's overdue trend against last week; the week's provinces ranking, for
        the central group only."""
        zone = self.settings.zone
        trends = await report_service.weekly_trends(self.uow, groups, self.now, zone)
        if CENTRAL not in groups:
            return trends, []
        week = ReportPeriod(Preset.CUSTOM, self.today - datetime.timedelta(days=6), self.today)
        report = await report_service.status_report(self.uow, None, week, self.now, zone)
        return trends, report.ranking

    async def _digest(
        self,
        group: str,
        period: str,
        schedule: GroupSchedule,
        waiting: list,
        tasks: list[Task],
        trends: dict[str, report_service.WeeklyTrend] | None = None,
        ranking: list[Ranked] | None = None,
    ) -> None:
        week_ago = self.now - datetime.timedelta(days=7)
        week_ahead = self.today + datetime.timedelta(days=7)
        pending = [s for s in waiting if stage_group(s) == group]
        new = [s for s in pending if s.stage_opened_at >= week_ago]
        mine = [x for x in tasks if x.working_group == group]
        due_soon = [
            x for x in mine
            if x.due_on and self.today <= x.due_on <= week_ahead
            and not x.status.is_closed
        ]  # fmt: skip
        late = [x for x in mine if task_rules.is_overdue(x.due_on, x.status, self.today)]
        # Monitored clusters of this group whose report for the running period has not come.
        monitored = await monitoring_service.monitored_clusters(self.uow, group)
        period_now = kpi_rules.current_period(self.today, schedule.monitoring)
        missing = await self.uow.kpis.missing([c.id for c in monitored], period_now)
        by_agency: dict[str, int] = defaultdict(int)
        for task in late:
            for agency in task_rules.late_agencies(
                (a.agency_code, a.status) for a in task.assignees
            ):
                by_agency[agency] += 1
        chats = await review_chats(self.uow, group, self.settings.admin_ids)
        for chat_id, locale in chats:
            if chat_id > 0 and await self._muted_user(chat_id, MUTE_DIGEST):
                continue
            t = self.catalogs.translator(locale or self.settings.default_locale)
            agency_lines = [
                t(
                    "reminders.digest_agency",
                    agency=t(f"agencies.{a}") if a else t("tasks.no_agency"),
                    count=n,
                )
                for a, n in sorted(by_agency.items(), key=lambda kv: -kv[1])
            ]
            text = t(
                "reminders.digest",
                group=t(f"working_groups.{group}"),
                new=len(new),
                pending=len(pending),
                due=len(due_soon),
                overdue=len(late),
                missing=len(missing),
                agencies=t.join(agency_lines) if agency_lines else t("reminders.digest_no_overdue"),
            )
            extra = []
            if trends and group in trends:
                trend = trends[group]
                extra.append(report_ui.trend_line(t, trend.overdue_now, trend.overdue_week_ago,
                                                  trend.trend))  # fmt: skip
            if group == CENTRAL and ranking:
                extra.append(report_ui.digest_ranking(t, ranking))
            if extra:
                text = t.join([text, *extra], "\n\n")
            await self._queue(
                outbox_keys.digest(group, period, chat_id),
                chat_id,
                t.locale,
                text,
                # The week's numbers in full, a tap away (private chats only: see ui.dashboard).
                dashboard_markup(t, self.settings.webapp_url, chat_id),
                self.morning(schedule),
                schedule,
                group=group,
                may_wait_days=True,
            )


async def run_reminders(
    uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
) -> int:
    """Queue everything due now; returns how many new messages were queued."""
    return await ReminderRun(uow, catalogs, settings, now).run()


# Past this, a reminder the bot could not send is news no longer (bot/domain/schedule.py).
STALE_AFTER = datetime.timedelta(hours=36)


async def fold_stale_reminders(
    uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
) -> int:
    """After downtime: reminders queued long ago and never sent are not sent one by one.

    Each recipient gets one catch-up message instead, saying how many were missed and where
    to look now; meeting reminders whose meeting has passed are simply dropped. Returns how
    many stale messages were folded.
    """
    stale = await uow.outbox.unsent_older_than(now - STALE_AFTER, outbox_keys.STALE_PREFIXES)
    missed: dict[tuple[int, str], int] = defaultdict(int)
    for message in stale:
        await uow.outbox.mark_failed(message.id, now, "stale after downtime; folded")
        if not outbox_keys.is_meeting_reminder(message.key):
            missed[(message.chat_id, message.locale)] += 1
    today = jalali.tehran_today(now, settings.zone)
    for (chat_id, locale), count in missed.items():
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.catch_up(chat_id, today),
                chat_id=chat_id,
                text=t("reminders.catch_up", count=count),
                locale=t.locale,
            ),
            now,
        )
    return len(stale)

"""Unit of work: one session and one transaction, with the repositories that share it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.jalali import tehran_today
from bot.storage.calendar import CalendarRepository
from bot.storage.clusters import ClusterRepository
from bot.storage.meetings import MeetingRepository
from bot.storage.monitoring import KpiRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.reports import ReportQueries
from bot.storage.repositories import (
    AgencyChangeRepository,
    AuditRepository,
    CardRepository,
    InvitationRepository,
    MemberRepository,
    WorkingGroupRepository,
)
from bot.storage.submissions import SubmissionRepository
from bot.storage.substitutes import SubstitutionRepository
from bot.storage.tasks import TaskRepository
from bot.storage.templates import TemplateRepository

# The session of the unit of work handling the current update, if any. Conversation state
# (storage/fsm.py) is written through it so that it commits or rolls back with the update;
# a second connection would also deadlock on SQLite, which allows one writer at a time.
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


def _wall_clock_today() -> datetime.date:
    return tehran_today(datetime.datetime.now(datetime.UTC))


class UnitOfWork:
    """Opened once per update by middleware; commits only when the handler succeeded."""

    members: MemberRepository
    working_groups: WorkingGroupRepository
    cards: CardRepository
    audit: AuditRepository
    outbox: OutboxRepository
    clusters: ClusterRepository
    submissions: SubmissionRepository
    tasks: TaskRepository
    reminders: ReminderRepository
    templates: TemplateRepository
    meetings: MeetingRepository
    kpis: KpiRepository
    reports: ReportQueries
    calendar: CalendarRepository
    invitations: InvitationRepository
    agency_changes: AgencyChangeRepository
    substitutes: SubstitutionRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        platform: str,
        *,
        today: Callable[[], datetime.date] | None = None,
    ) -> None:
        self._sessions = sessions
        self._platform = platform
        self._session: AsyncSession | None = None
        # The Tehran day of the update or pass, for what depends on it (who stands in for an
        # absent secretary); the bot's clock where it has one, the wall clock otherwise.
        self.today: Callable[[], datetime.date] = today or _wall_clock_today

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self._token = current_session.set(self._session)
        self.members = MemberRepository(self._session, self._platform, self.today)
        self.working_groups = WorkingGroupRepository(self._session)
        self.cards = CardRepository(self._session)
        self.audit = AuditRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.clusters = ClusterRepository(self._session)
        self.submissions = SubmissionRepository(self._session)
        self.tasks = TaskRepository(self._session)
        self.reminders = ReminderRepository(self._session)
        self.templates = TemplateRepository(self._session)
        self.meetings = MeetingRepository(self._session)
        self.kpis = KpiRepository(self._session)
        self.reports = ReportQueries(self._session)
        self.calendar = CalendarRepository(self._session, self._platform)
        self.invitations = InvitationRepository(self._session, self._platform)
        self.agency_changes = AgencyChangeRepository(self._session)
        self.substitutes = SubstitutionRepository(self._session, self._platform)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._session is not None
        current_session.reset(self._token)
        if exc_type is not None:
            await self._session.rollback()
        await self._session.close()
        self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()

    async def rollback(self) -> None:
        assert self._session is not None
        await self._session.rollback()

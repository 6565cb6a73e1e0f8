"""The service tier: use cases run against a real, migrated database (SQLite, and PostgreSQL
when TEST_DATABASE_URL is set, through tests/conftest.py's `database_url`), without a bot.

A story opens one unit of work per step, as the bot does per update, and commits it."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Platform
from bot.domain.clusters import Cluster, ClusterStage
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.storage import db
from bot.storage.repositories import Application
from bot.storage.uow import UnitOfWork

# 1405/09/02 10:00 in Tehran, a Monday.
MONDAY_10 = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
# Ids of people who are in no working group but run the bot.
SUPERUSER_ID = 1001


@dataclass
class World:
    """The database of one story."""

    sessions: async_sessionmaker[AsyncSession]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, Platform.TELEGRAM.value)

    async def member(
        self,
        user_id: int,
        name: str,
        working_group: str = "tehran",
        *,
        role: Role = Role.MEMBER,
        status: MemberStatus = MemberStatus.APPROVED,
        locale: str = "fa",
    ) -> Member:
        async with self.uow() as uow:
            member = await uow.members.save_application(
                user_id,
                None,
                Application(
                    full_name=name,
                    agency_code="tpo",
                    agency_other=None,
                    working_group=working_group,
                    phone=None,
                    locale=locale,
                ),
                await uow.working_groups.id_of(working_group),
                MONDAY_10 - datetime.timedelta(days=30),
            )
            if status is not MemberStatus.PENDING:
                await uow.members.update_fields(member.id, status=status.value)
            await uow.members.set_role(member.id, role)
            await uow.commit()
            fresh = await uow.members.get(member.id)
        assert fresh is not None
        return fresh

    async def actor(self, member: Member) -> Actor:
        """The member as the bot sees them on their next update."""
        async with self.uow() as uow:
            fresh = await uow.members.get(member.id)
        assert fresh is not None
        return Actor(member.user_id, fresh.full_name, fresh, is_superuser=False)

    async def cluster(
        self,
        name: str,
        working_group: str = "tehran",
        *,
        stage: ClusterStage = ClusterStage.IDENTIFIED,
        cda: Member | None = None,
    ) -> Cluster:
        async with self.uow() as uow:
            cluster = await uow.clusters.create(
                name=name,
                working_group=working_group,
                product="مبلمان",
                sector="صنایع چوب",
                firm_count=120,
                cda_member_id=cda.id if cda else None,
                now=MONDAY_10 - datetime.timedelta(days=30),
                stage=stage,
            )
            await uow.commit()
        return cluster


def superuser() -> Actor:
    return Actor(SUPERUSER_ID, "Admin", None, is_superuser=True)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = db.create_engine(database_url)
    await db.upgrade(engine)
    yield World(db.session_factory(engine))
    await engine.dispose()

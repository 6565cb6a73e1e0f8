"""Database tables. Every change here needs a migration in `bot/storage/migrations/versions`."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(datetime.UTC)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


class Base(DeclarativeBase):
    pass


class WorkingGroupRow(Base):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The Telegram group chat bound with /link; one chat serves one working group.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_title: Mapped[str | None] = mapped_column(String(255))
    linked_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class MemberRow(Base):
    __tablename__ = "members"
    # Bale's user ids may collide with Telegram's, so identity includes the platform.
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_members_platform_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(100))
    agency_code: Mapped[str] = mapped_column(String(40))
    agency_other: Mapped[str | None] = mapped_column(String(120))
    working_group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(100))


class CardCopyRow(Base):
    """Where a card about some subject was posted, so every copy can be updated later."""

    __tablename__ = "card_copies"
    __table_args__ = (Index("ix_card_copies_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(5))


class AuditEventRow(Base):
    """Append-only record of decisions and of refused attempts."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict | None] = mapped_column(JSON)


class FsmStateRow(Base):
    """aiogram conversation state, so a dialog survives a restart without Redis."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

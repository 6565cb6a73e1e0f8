"""The outbox: messages written in the transaction of the change they report, sent after commit.

A row is due while it is neither sent nor failed and its `not_before` has passed. Its
`dedupe_key` is unique, so enqueuing the same message twice (a retried update, a second
process) stores it once and it is sent at most once.

Several processes may send from one outbox: a sender first claims due rows for a lease
(`claim_due`), and only the claimant sends them. Marking a row sent, failed or to retry later
ends the claim; a crashed sender's claims simply run out.

A decision can come while its card is still on its way (queued, or sent and not marked yet):
the card has no message id to edit. Its edit then names the card's row (`edit_outbox_id`): a
card nobody has taken yet is simply rewritten, and otherwise the edit waits until the card is
sent and then edits the message it became.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.dialects import dialect_of, upsert_insert
from bot.storage.models import OutboxRow

MAX_KEY_LENGTH = 200
# The width of outbox.claimed_by.
MAX_WORKER_LENGTH = 64
# Error descriptions are kept for diagnosis; a bounded length keeps a runaway one harmless.
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class OutgoingMessage:
    # e.g. f"review-card:{submission_id}:{version}:{chat_id}"; the same key is sent at most once.
    key: str
    chat_id: int
    # Already rendered for the platform: HTML on Telegram, plain text on Bale.
    text: str
    locale: str
    # InlineKeyboardMarkup.model_dump(exclude_none=True), or None for no keyboard.
    reply_markup: dict[str, Any] | None = None
    # Set: edit that message (a card copy) instead of sending a new one.
    edit_message_id: int | None = None
    # Set instead: edit the card that outbox row sends, which has no message id yet.
    edit_outbox_id: int | None = None
    # Both set: after a successful send, record a card copy so later decisions can edit it.
    card_subject: str | None = None
    card_subject_id: int | None = None

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > MAX_KEY_LENGTH:
            raise ValueError(f"outbox key must have 1 to {MAX_KEY_LENGTH} characters")
        if (self.card_subject is None) != (self.card_subject_id is None):
            raise ValueError("card_subject and card_subject_id go together")
        if self.edit_message_id is not None and self.edit_outbox_id is not None:
            raise ValueError("an edit names a message or a card on its way, not both")

    @property
    def is_edit(self) -> bool:
        return self.edit_message_id is not None or self.edit_outbox_id is not None


@dataclass(frozen=True, kw_only=True)
class PendingMessage(OutgoingMessage):
    """A due message as loaded from the outbox."""

    id: int
    # Failed deliveries so far; drives the backoff.
    attempts: int


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Messages stored through this repository (its unit of work): none, nothing to wake.
        self.queued = 0

    async def enqueue(
        self,
        message: OutgoingMessage,
        now: datetime.datetime,
        not_before: datetime.datetime | None = None,
    ) -> bool:
        """Store the message in the current transaction; False if its key is already there.

        `not_before` holds a message back, e.g. a reminder until the end of quiet hours.
        """
        if message.edit_outbox_id is not None and await self._rewrite_card(message, now):
            return True
        statement = (
            self._insert()(OutboxRow)
            .values(
                dedupe_key=message.key,
                chat_id=message.chat_id,
                method="edit" if message.is_edit else "send",
                text=message.text,
                reply_markup=message.reply_markup,
                edit_message_id=message.edit_message_id,
                edit_outbox_id=message.edit_outbox_id,
                card_subject=message.card_subject,
                card_subject_id=message.card_subject_id,
                locale=message.locale,
                created_at=now,
                not_before=not_before or now,
                attempts=0,
            )
            # A duplicate is not an error, and must not break the caller's transaction.
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        result = await self._session.execute(statement)
        stored = bool(result.rowcount)  # type: ignore[attr-defined]
        self.queued += stored
        return stored

    async def _rewrite_card(self, edit: OutgoingMessage, now: datetime.datetime) -> bool:
        """A card no sender has taken yet goes out as the edit would show it: one message, no
        edit after it. False when it is being sent (or gone): the edit waits for it."""
        return await self._rewrite_if_untaken(
            edit, now, OutboxRow.id == edit.edit_outbox_id, OutboxRow.method == "send"
        )

    async def _rewrite_if_untaken(
        self, message: OutgoingMessage, now: datetime.datetime, *which: ColumnElement[bool]
    ) -> bool:
        """The rows `which` names take the message's text and keyboard, while unsent and
        unclaimed; whether one did."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                *which, OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None), _unclaimed(now)
            )
            .values(text=message.text, reply_markup=message.reply_markup, locale=message.locale)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def enqueue_many(
        self, messages: list[tuple[OutgoingMessage, datetime.datetime]], now: datetime.datetime
    ) -> int:
        """Store many new messages (each with its `not_before`) in a few statements; keys
        already there are skipped. Returns how many were stored. For the morning's reminders:
        thousands of single inserts cost seconds.

        One compiled statement executed with the list of rows: the driver's executemany (in
        pages of "insertmanyvalues"), not a fresh multi-row VALUES compiled per batch, which
        cost more than the database did. RETURNING counts the rows really stored."""
        if not messages:
            return 0
        rows = [
            {
                "dedupe_key": message.key,
                "chat_id": message.chat_id,
                "method": "edit" if message.is_edit else "send",
                "text": message.text,
                "reply_markup": message.reply_markup,
                "edit_message_id": message.edit_message_id,
                "edit_outbox_id": message.edit_outbox_id,
                "card_subject": message.card_subject,
                "card_subject_id": message.card_subject_id,
                "locale": message.locale,
                "created_at": now,
                "not_before": not_before,
                "attempts": 0,
            }
            for message, not_before in messages
        ]
        table = OutboxRow.__table__
        statement = (
            self._insert()(table)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        stored = len((await self._session.execute(statement, rows)).all())
        self.queued += stored
        return stored

    def _insert(self) -> Any:
        return upsert_insert(self._session)

    def _dialect(self) -> str:
        return dialect_of(self._session)

    async def due(self, now: datetime.datetime, limit: int = 50) -> list[PendingMessage]:
        """Unsent, not failed messages whose time has come, oldest first, claimed or not.

        For looking only: a sender must send what `claim_due` gave it."""
        rows = await self._session.scalars(
            select(OutboxRow).where(*_due(now)).order_by(OutboxRow.id).limit(limit)
        )
        return await self._loaded(rows.all())

    async def claim_due(
        self,
        now: datetime.datetime,
        worker: str,
        lease: datetime.timedelta,
        limit: int = 50,
    ) -> list[PendingMessage]:
        """Claim up to `limit` due messages nobody holds a live claim on for `worker` until
        `now + lease`, and return those, oldest first. Concurrent callers never get the same
        row; the claim becomes visible to them when the caller commits, which it must do at
        once (before sending)."""
        if not worker or len(worker) > MAX_WORKER_LENGTH:
            raise ValueError(f"a worker id must have 1 to {MAX_WORKER_LENGTH} characters")
        if lease <= datetime.timedelta(0):
            raise ValueError("a claim needs a positive lease")
        claim = {"claimed_until": now + lease, "claimed_by": worker}
        claimable = (*_due(now), _unclaimed(now))
        dialect = self._dialect()
        if dialect == "postgresql":
            # Rows another transaction is claiming right now are skipped, not waited for; a row
            # claimed and committed meanwhile is re-checked against the WHERE and left out.
            # The candidates are a MATERIALIZED CTE: as `id IN (subquery)` the planner may run
            # the subquery more than once, and SKIP LOCKED then yields new rows each time (they
            # are locked by the first run), claiming more than `limit`.
            candidates = (
                select(OutboxRow.id)
                .where(*claimable)
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .cte("candidates")
                .prefix_with("MATERIALIZED")
            )
            rows = await self._session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id == candidates.c.id, *claimable)
                .values(**claim)
                .returning(OutboxRow)
                .execution_options(synchronize_session=False)
            )
            return sorted(await self._loaded(rows.all()), key=lambda m: m.id)
        if dialect == "sqlite":
            # One statement: SQLite runs it under its single write lock, so the rows it picks
            # are the rows it claims, and no other process's claim can come in between.
            candidates = select(OutboxRow.id).where(*claimable).order_by(OutboxRow.id).limit(limit)
            rows = await self._session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_(candidates.scalar_subquery()), *claimable)
                .values(**claim)
                .returning(OutboxRow)
                .execution_options(synchronize_session=False, populate_existing=True)
            )
            return sorted(await self._loaded(rows.all()), key=lambda m: m.id)
        raise NotImplementedError(f"outbox does not support the {dialect} dialect")

    async def _loaded(self, rows: Sequence[OutboxRow]) -> list[PendingMessage]:
        """The rows as messages; an edit that waited for its card gets the card's message."""
        waiting = [row.edit_outbox_id for row in rows if row.edit_outbox_id is not None]
        landed: dict[int, int] = {}
        if waiting:
            # At most one claim's worth of ids (`limit`).
            found = await self._session.execute(
                select(OutboxRow.id, OutboxRow.sent_message_id).where(OutboxRow.id.in_(waiting))
            )
            landed = {card_id: message_id for card_id, message_id in found.all()}
        return [_pending(row, landed) for row in rows]

    async def edits_wait_for(self, card_ids: list[int]) -> bool:
        """Whether an edit waits for one of these cards (the ids of one batch of marks)."""
        if not card_ids:
            return False
        found = await self._session.execute(
            select(OutboxRow.id)
            .where(
                OutboxRow.edit_outbox_id.in_(card_ids),
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
            )
            .limit(1)
        )
        return found.first() is not None

    async def release(self, message_ids: list[int], worker: str) -> None:
        """Give up `worker`'s claims on these messages unsent, so any sender may take them."""
        if not message_ids:
            return
        await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(message_ids),
                OutboxRow.claimed_by == worker,
                OutboxRow.sent_at.is_(None),
            )
            .values(claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )

    async def mark_sent(self, message_id: int, now: datetime.datetime) -> None:
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == message_id).values(sent_at=now, **_NO_CLAIM)
        )

    async def mark_sent_many(self, sent: list[tuple[int, datetime.datetime, int | None]]) -> None:
        """Mark these messages sent, each at its own moment and with the message id it got
        (None for an edit), in one executemany: the sender marks what it sent in batches, not
        with a transaction per message."""
        if not sent:
            return
        table = OutboxRow.__table__
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                sent_at=bindparam("sent_at"),
                sent_message_id=bindparam("landed_as"),
                **_NO_CLAIM,
            ),
            [
                {"row_id": row_id, "sent_at": at, "landed_as": landed_as}
                for row_id, at, landed_as in sent
            ],
        )

    async def retry_later(
        self,
        message_id: int,
        not_before: datetime.datetime,
        error: str | None,
        *,
        count_attempt: bool = True,
    ) -> None:
        """Try again from `not_before`; `count_attempt=False` for throttling, which is not the
        message's fault and must not bring it closer to being given up. `error=None` keeps the
        last error as it is (a postponement that is no failure)."""
        values: dict[str, Any] = {"not_before": not_before, **_NO_CLAIM}
        if error is not None:
            values["last_error"] = _clip(error)
        if count_attempt:
            values["attempts"] = OutboxRow.attempts + 1
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == message_id).values(**values)
        )

    async def mark_failed(self, message_id: int, now: datetime.datetime, error: str) -> None:
        """Give up: the recipient is unreachable or the message was rejected. Edits waiting for
        it (it was a card) have nothing to edit, and go with it."""
        await self._session.execute(
            update(OutboxRow)
            .where(
                or_(
                    OutboxRow.id == message_id,
                    (OutboxRow.edit_outbox_id == message_id) & OutboxRow.sent_at.is_(None),
                )
            )
            .values(
                failed_at=now,
                last_error=_clip(error),
                attempts=OutboxRow.attempts + 1,
                **_NO_CLAIM,
            )
        )

    async def fail_unsent_to(self, chat_id: int, now: datetime.datetime, error: str) -> int:
        """Give up everything still waiting for a chat that cannot be reached."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.chat_id == chat_id,
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
            )
            .values(failed_at=now, last_error=_clip(error), **_NO_CLAIM)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def rewrite_unsent(self, message: OutgoingMessage, now: datetime.datetime) -> bool:
        """Give a queued message new text and keyboard while no sender has it yet; False once
        it is sent, failed or being sent. Lets several changes fold into one notice."""
        return await self._rewrite_if_untaken(message, now, OutboxRow.dedupe_key == message.key)

    async def has_prefix(self, prefix: str) -> bool:
        """Whether any message whose key starts so was ever queued."""
        found = await self._session.execute(
            select(OutboxRow.id)
            .where(OutboxRow.dedupe_key.startswith(prefix, autoescape=True))
            .limit(1)
        )
        return found.first() is not None

    async def unsent_older_than(
        self, before: datetime.datetime, key_prefixes: tuple[str, ...]
    ) -> list[PendingMessage]:
        """Unsent messages queued before `before` whose keys start with one of the prefixes."""
        rows = await self._session.execute(
            select(OutboxRow)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.created_at < before,
                or_(*(OutboxRow.dedupe_key.startswith(p, autoescape=True) for p in key_prefixes)),
            )
            .order_by(OutboxRow.id)
        )
        return [_pending(row) for row in rows.scalars()]

    async def unsent_count(self) -> int:
        """Messages still to be sent (failed ones are not counted)."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
        )
        return int(count or 0)


_NO_CLAIM: dict[str, Any] = {"claimed_until": None, "claimed_by": None}


_CARD = aliased(OutboxRow, name="card")


def _due(now: datetime.datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxRow.sent_at.is_(None),
        OutboxRow.failed_at.is_(None),
        OutboxRow.not_before <= now,
        # An edit of a card on its way waits until the card has landed.
        or_(
            OutboxRow.edit_outbox_id.is_(None),
            exists().where(
                _CARD.id == OutboxRow.edit_outbox_id, _CARD.sent_message_id.is_not(None)
            ),
        ),
    )


def _unclaimed(now: datetime.datetime) -> ColumnElement[bool]:
    # A claim holds until its moment; from then on anyone may claim the row again.
    return or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now)


def _pending(row: OutboxRow, landed: dict[int, int] | None = None) -> PendingMessage:
    return PendingMessage(
        id=row.id,
        attempts=row.attempts,
        key=row.dedupe_key,
        chat_id=row.chat_id,
        text=row.text,
        locale=row.locale,
        reply_markup=row.reply_markup,
        edit_message_id=_edited_message(row, landed or {}),
        card_subject=row.card_subject,
        card_subject_id=row.card_subject_id,
    )


def _edited_message(row: OutboxRow, landed: dict[int, int]) -> int | None:
    if row.method != "edit":
        return None
    if row.edit_outbox_id is not None:
        return landed.get(row.edit_outbox_id)
    return row.edit_message_id


def _clip(error: str) -> str:
    return error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"

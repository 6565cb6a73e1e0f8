"""How a submission looks in a chat, and the messages its changes send.

Rendering lives here; every outgoing message is queued in the outbox of the update's unit of
work, so it commits with the change it reports and is sent after the commit.
"""

from __future__ import annotations

import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import submissions as rules
from bot.domain.members import MemberStatus
from bot.domain.submissions import Criterion, SubmissionKind, SubmissionStatus
from bot.domain.working_groups import CENTRAL
from bot.i18n import Catalogs, Markup, Translator
from bot.services import members as member_service
from bot.services import submissions as service
from bot.storage.outbox import OutgoingMessage
from bot.storage.submissions import License, PackageItem, Submission
from bot.storage.uow import UnitOfWork

# Card copies are recorded per stage ("submission/0", "submission/1"): only copies posted for
# the current stage carry decision buttons; earlier stages' copies just show the state.
CARD_SUBJECT = "submission"


def card_subject(stage_index: int) -> str:
    return f"{CARD_SUBJECT}/{stage_index}"


# Telegram allows 4096 characters; a card keeps the summary short and offers "Details".
SUMMARY_ON_CARD = 700
NOTE_ON_CARD = 90
ITEMS_ON_CARD = 8
COMMENT_ON_CARD = 300


class Review(CallbackData, prefix="rv"):
    action: str  # approve | return | reject | vote_approve | vote_reject | vote_abstain
    submission_id: int
    version: int


class SubmissionView(CallbackData, prefix="sv"):
    action: str  # details | files | timeline | license | withdraw | resubmit
    submission_id: int


class PackageAck(CallbackData, prefix="ack"):
    item_id: int


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_name(t: Translator, kind: SubmissionKind) -> Markup:
    return t(f"submission_kinds.{kind.value}")


def stage_name(t: Translator, submission: Submission) -> Markup:
    level = submission.state.level
    group = rules.reviewing_group(level, submission.cluster_group)
    return t(
        "cards.stage",
        level=t(f"review_levels.{level.value}"),
        group=t(f"working_groups.{group}"),
    )


def criteria_lines(t: Translator, details: dict, *, full: bool) -> list[str]:
    lines = []
    marks = details.get("criteria") or {}
    for number, criterion in enumerate(Criterion, start=1):
        entry = marks.get(criterion.value)
        if not entry:
            continue
        note = entry.get("note") or ""
        lines.append(
            t(
                "cards.criterion",
                number=number,
                criterion=t(f"criteria.{criterion.value}"),
                mark=t(f"criterion_marks.{entry['mark']}"),
                note=(note if full else _short(note, NOTE_ON_CARD)) if note else "",
            )
        )
    return lines


def content_lines(
    t: Translator,
    kind: SubmissionKind,
    summary: str,
    details: dict,
    budget: int | None,
    duration: int | None,
    items: list[tuple[str, str]],
    *,
    full: bool,
) -> list[str]:
    """The author's content, shared by the preview, the review card and the details view."""
    lines = [t("cards.summary", summary=summary if full else _short(summary, SUMMARY_ON_CARD))]
    if kind is SubmissionKind.FEASIBILITY_PLAN:
        lines.append(t("cards.criteria_header"))
        lines.extend(criteria_lines(t, details, full=full))
    if budget is not None:
        lines.append(t("cards.budget", amount=budget))
    if duration is not None:
        lines.append(t("cards.duration", months=duration))
    shown = items if full else items[:ITEMS_ON_CARD]
    for position, (agency, action) in enumerate(shown, start=1):
        lines.append(
            t(
                "cards.item",
                number=position,
                agency=t(f"agencies.{agency}"),
                action=action if full else _short(action, 200),
            )
        )
    if len(shown) < len(items):
        lines.append(t("cards.more_items", count=len(items) - len(shown)))
    return lines


def render_card(
    t: Translator,
    submission: Submission,
    *,
    items: list[PackageItem],
    attachments: int,
    rule: rules.DecisionRule,
    tally: rules.Tally | None,
    last_event: tuple[str, str, str | None] | None,
    now_days: int,
) -> Markup:
    lines = [
        t("cards.header", kind=kind_name(t, submission.kind), number=submission.id),
        t("cards.title", title=submission.title),
        t(
            "cards.cluster",
            cluster=submission.cluster_name,
            province=t(f"working_groups.{submission.cluster_group}"),
        ),
        t("cards.author", name=submission.author_name),
        *content_lines(
            t,
            submission.kind,
            submission.summary,
            submission.details,
            submission.budget_million_rials,
            submission.duration_months,
            [(i.agency_code, i.action) for i in items],
            full=False,
        ),
        t("cards.attachments", count=attachments),
    ]
    if submission.status is SubmissionStatus.IN_REVIEW:
        lines.append(stage_name(t, submission))
        lines.append(t("cards.waiting", since=t.moment(submission.stage_opened_at), days=now_days))
        if rule.mode is rules.RuleMode.VOTE:
            shown = tally or rules.Tally(0, 0, 0)
            lines.append(
                t(
                    "cards.tally",
                    approve=shown.approve,
                    reject=shown.reject,
                    abstain=shown.abstain,
                    quorum=rule.quorum,
                )
            )
    else:
        lines.append(t(f"submission_statuses.{submission.status.value}"))
    if last_event is not None:
        name, at, comment = last_event
        lines.append(t("cards.last_event", name=name, at=at))
        if comment:
            lines.append(t("cards.comment", comment=_short(comment, COMMENT_ON_CARD)))
    return t.join(lines)


def review_keyboard(
    t: Translator,
    submission: Submission,
    rule: rules.DecisionRule,
    attachments: int,
    stage_index: int,
    vote_closed: bool = False,
) -> InlineKeyboardMarkup:
    """Decision buttons only on a copy posted for the stage that is open now.

    In a vote, members vote until the deadline; a vote that ended tied is the secretary's to
    decide, so the card then offers the secretary's buttons instead.
    """
    builder = InlineKeyboardBuilder()
    open_here = (
        submission.status is SubmissionStatus.IN_REVIEW and stage_index == submission.stage_index
    )
    sid, version = submission.id, submission.version
    voting = rule.mode is rules.RuleMode.VOTE and not vote_closed
    if open_here and voting:
        for action in ("vote_approve", "vote_reject", "vote_abstain"):
            builder.button(
                text=t(f"review_buttons.{action}"),
                callback_data=Review(action=action, submission_id=sid, version=version),
            )
    if open_here:
        actions = ("return",) if voting else ("approve", "return", "reject")
        for action in actions:
            builder.button(
                text=t(f"review_buttons.{action}"),
                callback_data=Review(action=action, submission_id=sid, version=version),
            )
    builder.button(
        text=t("review_buttons.details"),
        callback_data=SubmissionView(action="details", submission_id=sid),
    )
    if attachments:
        builder.button(
            text=t("review_buttons.files", count=attachments),
            callback_data=SubmissionView(action="files", submission_id=sid),
        )
    builder.button(
        text=t("review_buttons.timeline"),
        callback_data=SubmissionView(action="timeline", submission_id=sid),
    )
    builder.adjust(3)
    return builder.as_markup()


class CardPrinter:
    """Renders a submission for any reader and queues the messages a change causes."""

    def __init__(
        self, uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
    ) -> None:
        self.uow = uow
        self.catalogs = catalogs
        self.settings = settings
        self.now = now

    async def card(
        self, t: Translator, submission: Submission, stage_index: int | None = None
    ) -> tuple[Markup, InlineKeyboardMarkup]:
        """The card as a reader sees it; `stage_index` is the stage the copy was posted for."""
        uow = self.uow
        items = await uow.submissions.items(submission.id)
        attachments = len(await uow.submissions.attachments(submission.id))
        group = service.stage_group(submission)
        rule = await uow.submissions.rule_for(group)
        tally = (
            await service.tally_of(uow, submission) if rule.mode is rules.RuleMode.VOTE else None
        )
        events = await uow.submissions.events(submission.id)
        decisive = [e for e in events if e.action in DECISIVE_EVENTS]
        last = None
        if decisive:
            e = decisive[-1]
            name = t("cards.the_vote") if e.actor_name == service.VOTE_ACTOR else e.actor_name
            last = (t(f"event_actions.{e.action}") + " — " + name, t.moment(e.at), e.comment)
        text = render_card(
            t,
            submission,
            items=items,
            attachments=attachments,
            rule=rule,
            tally=tally,
            last_event=last,
            now_days=rules.waiting_days(submission.stage_opened_at, self.now),
        )
        stage = submission.stage_index if stage_index is None else stage_index
        closed = rules.vote_deadline_passed(rule, submission.stage_opened_at, self.now)
        return text, review_keyboard(t, submission, rule, attachments, stage, closed)

    async def queue_review_cards(self, submission: Submission) -> None:
        """Post the card to the group reviewing the current stage."""
        group = service.stage_group(submission)
        chats = await member_service.review_chats(self.uow, group, self.settings.admin_ids)
        rule = await self.uow.submissions.rule_for(group)
        if rule.mode is rules.RuleMode.VOTE:
            # Every member votes, so every member gets the card.
            for member in await self.uow.members.in_group(group, MemberStatus.APPROVED):
                chats.append((member.user_id, member.locale))
        seen: set[int] = set()
        for chat_id, locale in chats:
            if chat_id in seen:
                continue
            seen.add(chat_id)
            t = self.catalogs.translator(locale or self.settings.default_locale)
            text, markup = await self.card(t, submission)
            await self.uow.outbox.enqueue(
                OutgoingMessage(
                    key=f"card:{submission.id}:v{submission.version}:{chat_id}",
                    chat_id=chat_id,
                    text=text,
                    locale=t.locale,
                    reply_markup=markup.model_dump(exclude_none=True),
                    card_subject=card_subject(submission.stage_index),
                    card_subject_id=submission.id,
                ),
                self.now,
            )

    async def queue_card_updates(self, submission: Submission, round_key: str = "") -> None:
        """Every copy of the card, wherever it was posted, shows the current state."""
        for stage_index in range(len(rules.PIPELINES[submission.kind])):
            copies = await self.uow.cards.copies(card_subject(stage_index), submission.id)
            for copy in copies:
                t = self.catalogs.translator(copy.locale)
                text, markup = await self.card(t, submission, stage_index)
                where = f"{copy.chat_id}:{copy.message_id}"
                key = f"edit:{submission.id}:v{submission.version}{round_key}:{where}"
                await self.uow.outbox.enqueue(
                    OutgoingMessage(
                        key=key,
                        chat_id=copy.chat_id,
                        text=text,
                        locale=copy.locale,
                        reply_markup=markup.model_dump(exclude_none=True),
                        edit_message_id=copy.message_id,
                    ),
                    self.now,
                )

    async def queue_to_author(
        self, submission: Submission, key: str, text_key: str, **values: object
    ) -> None:
        t = self.catalogs.translator(submission.author_locale)
        builder = InlineKeyboardBuilder()
        if submission.status is SubmissionStatus.RETURNED:
            builder.button(
                text=t("my.resubmit"),
                callback_data=SubmissionView(action="resubmit", submission_id=submission.id),
            )
        builder.button(
            text=t("review_buttons.timeline"),
            callback_data=SubmissionView(action="timeline", submission_id=submission.id),
        )
        text = t(text_key, kind=kind_name(t, submission.kind), title=submission.title, **values)
        await self.uow.outbox.enqueue(
            OutgoingMessage(
                key=f"author:{submission.id}:v{submission.version}:{key}",
                chat_id=submission.author_user_id,
                text=text,
                locale=t.locale,
                reply_markup=builder.as_markup().model_dump(exclude_none=True),
            ),
            self.now,
        )

    async def queue_license(self, submission: Submission, license_: License) -> None:
        t = self.catalogs.translator(submission.author_locale)
        await self.uow.outbox.enqueue(
            OutgoingMessage(
                key=f"license:{license_.number}",
                chat_id=submission.author_user_id,
                text=license_text(t, submission, license_),
                locale=t.locale,
            ),
            self.now,
        )

    async def queue_package(self, submission: Submission, items: list[PackageItem]) -> None:
        """F11: each named agency's representatives get their part and must acknowledge it."""
        groups = tuple(dict.fromkeys((submission.cluster_group, CENTRAL)))
        unreached: list[PackageItem] = []
        for item in items:
            people = await self.uow.members.representatives(item.agency_code, groups)
            if not people:
                unreached.append(item)
            for person in people:
                t = self.catalogs.translator(person.locale)
                builder = InlineKeyboardBuilder()
                builder.button(
                    text=t("package.acknowledge"), callback_data=PackageAck(item_id=item.id)
                )
                await self.uow.outbox.enqueue(
                    OutgoingMessage(
                        key=f"package:{item.id}:{person.user_id}",
                        chat_id=person.user_id,
                        text=t(
                            "package.instruction",
                            agency=t(f"agencies.{item.agency_code}"),
                            cluster=submission.cluster_name,
                            title=submission.title,
                            action=item.action,
                        ),
                        locale=t.locale,
                        reply_markup=builder.as_markup().model_dump(exclude_none=True),
                    ),
                    self.now,
                )
        if unreached:
            await self._flag_unreached(submission, unreached)

    async def _flag_unreached(self, submission: Submission, items: list[PackageItem]) -> None:
        # Nobody represents these agencies yet: the secretariat must deliver them by hand.
        chats = await member_service.review_chats(
            self.uow, submission.cluster_group, self.settings.admin_ids
        )
        for chat_id, locale in chats:
            t = self.catalogs.translator(locale or self.settings.default_locale)
            agencies = t.join([t(f"agencies.{i.agency_code}") for i in items], t("cards.separator"))
            await self.uow.outbox.enqueue(
                OutgoingMessage(
                    key=f"package-unreached:{submission.id}:{chat_id}",
                    chat_id=chat_id,
                    text=t("package.unreached", title=submission.title, agencies=agencies),
                    locale=t.locale,
                ),
                self.now,
            )


DECISIVE_EVENTS = frozenset(
    {"advanced", "approved", "returned", "rejected", "withdrawn", "resubmitted"}
)


def license_text(t: Translator, submission: Submission, license_: License) -> Markup:
    return t(
        "license.text",
        number=t.digits(license_.number),
        cluster=submission.cluster_name,
        province=t(f"working_groups.{submission.cluster_group}"),
        date=t.date(t.today(license_.issued_at), long=True),
        title=submission.title,
    )

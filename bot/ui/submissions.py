"""How a submission looks in a chat, and the messages its changes send.

The presentation of submissions, shared by the handlers, the scheduler and a future web
dashboard: the buttons' callback data, the card and its keyboard, the details, timeline,
license, /my and /inbox views, and `CardPrinter`, which turns a service outcome into outbox
messages. Every message is queued in the outbox of the caller's unit of work, so it commits
with the change it reports and is sent after the commit; every key comes from
bot/domain/outbox_keys.py.
"""

from __future__ import annotations

import datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.config import Settings
from bot.domain import outbox_keys
from bot.domain import submissions as rules
from bot.domain.clusters import Cluster
from bot.domain.members import Actor, MemberStatus, can_manage_group
from bot.domain.monitoring import KPI_FIELDS
from bot.domain.submissions import (
    Criterion,
    CriterionMark,
    DialogStep,
    License,
    Outcome,
    PackageItem,
    Submission,
    SubmissionKind,
    SubmissionRefusal,
    SubmissionStatus,
    spec_for,
    stage_group,
)
from bot.domain.working_groups import CENTRAL
from bot.i18n import Catalogs, Markup, Translator
from bot.services import members as member_service
from bot.services import submissions as service
from bot.services import tasks as task_service
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from bot.ui import reports as reports_ui
from bot.ui.builder import InlineKeyboardBuilder
from bot.ui.members import on_behalf_of
from bot.ui.tasks import tell_assignees

# Card copies are recorded per stage ("submission/0", "submission/1"): only copies posted for
# the current stage carry decision buttons; earlier stages' copies just show the state.
CARD_SUBJECT = "submission"

# Telegram allows 4096 characters; a card keeps the summary short and offers "Details".
SUMMARY_ON_CARD = 700
NOTE_ON_CARD = 90
ITEMS_ON_CARD = 8
COMMENT_ON_CARD = 300
INBOX_LINES = 30
MY_LINES = 10

# The events that change what a card says; votes and acknowledgements do not.
DECISIVE_EVENTS = frozenset(
    {
        Outcome.ADVANCED,
        Outcome.APPROVED,
        Outcome.RETURNED,
        Outcome.REJECTED,
        Outcome.WITHDRAWN,
        Outcome.RESUBMITTED,
    }
)


def card_subject(stage_index: int) -> str:
    return f"{CARD_SUBJECT}/{stage_index}"


# --- callback data -------------------------------------------------------------------------------


class Review(CallbackData, prefix="rv"):
    action: str  # approve | return | reject | vote_approve | vote_reject | vote_abstain
    submission_id: int
    version: int


class SubmissionView(CallbackData, prefix="sv"):
    action: str  # card | details | files | timeline | license | withdraw | resubmit
    submission_id: int


class PackageAck(CallbackData, prefix="ack"):
    item_id: int


class KindPick(CallbackData, prefix="sk"):
    kind: str


class ClusterPick(CallbackData, prefix="sc"):
    cluster_id: int


class ProgramPick(CallbackData, prefix="sp"):
    program_id: int  # 0: for the cluster as a whole


class MarkPick(CallbackData, prefix="cr"):
    index: int
    mark: str


class Step(CallbackData, prefix="sn"):
    # keep | skip | more_items | items_done | files_done | send | edit | cancel
    action: str


# --- names ---------------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_name(t: Translator, kind: SubmissionKind) -> Markup:
    return t(f"submission_kinds.{kind.value}")


def stage_name(t: Translator, submission: Submission) -> Markup:
    level = submission.state.level
    return t(
        "cards.stage",
        level=t(f"review_levels.{level.value}"),
        group=t(f"working_groups.{stage_group(submission)}"),
    )


def actor_name(t: Translator, name: str, on_behalf_of_name: str | None = None) -> Markup | str:
    """Who acted; a decision the members' vote made is the vote's; a substitute's says for
    whom they acted."""
    if name == service.VOTE_ACTOR:
        return t("cards.the_vote")
    return on_behalf_of(t, name, on_behalf_of_name)


# --- the author's content ------------------------------------------------------------------------


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
    if spec_for(kind).asks(DialogStep.CRITERIA):
        lines.append(t("cards.criteria_header"))
        lines.extend(criteria_lines(t, details, full=full))
    if budget is not None:
        lines.append(t("cards.budget", amount=budget))
    if duration is not None:
        lines.append(t("cards.duration", months=duration))
    if details.get("targets"):
        lines.append(t("cards.targets", targets=targets_line(t, details["targets"])))
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


def targets_line(t: Translator, targets: dict[str, int]) -> Markup:
    """A program's KPI targets in the order of the KPIs: "firms 150، employment 1,200"."""
    return t.join(
        [
            t(
                "cards.target",
                field=t(f"kpi_fields.{field}"),
                value=reports_ui.number(t, targets[field]),
            )
            for field in KPI_FIELDS
            if field in targets
        ],
        t.plain("cards.target_separator"),
    )


def details_text(t: Translator, submission: Submission, items: list[PackageItem]) -> Markup:
    """Everything the author wrote, in full (the "Full text" button)."""
    lines = [
        t("cards.header", kind=kind_name(t, submission.kind), number=submission.id),
        t("cards.title", title=submission.title),
        *content_lines(
            t,
            submission.kind,
            submission.summary,
            submission.details,
            submission.budget_million_rials,
            submission.duration_months,
            [(i.agency_code, i.action) for i in items],
            full=True,
        ),
    ]
    return t.join(lines)


def timeline_text(t: Translator, submission: Submission, events: list[rules.Event]) -> Markup:
    lines = [t("timeline.header", number=submission.id, title=submission.title)]
    for event in events:
        lines.append(
            t(
                "timeline.line",
                at=t.moment(event.at),
                name=actor_name(t, event.actor_name, event.on_behalf_of_name),
                action=t(f"event_actions.{event.action}"),
            )
        )
        # An acknowledgement's comment is the item's position, not something anybody wrote.
        if event.comment and event.action != "acknowledged":
            lines.append(t("cards.comment", comment=event.comment))
    return t.join(lines)


def license_text(t: Translator, submission: Submission, license_: License) -> Markup:
    return t(
        "license.text",
        number=t.code(license_.number),
        cluster=submission.cluster_name,
        province=t(f"working_groups.{submission.cluster_group}"),
        date=t.date(t.today(license_.issued_at), long=True),
        title=submission.title,
    )


def has_license(submission: Submission) -> bool:
    """Whether the "License" button has something to show."""
    return (
        submission.spec.on_approval is rules.ApprovalEffect.LICENSE_CLUSTER
        and submission.status is SubmissionStatus.APPROVED
    )


# --- the review card -----------------------------------------------------------------------------


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


def decides_in(actor: Actor, submission: Submission, *, private_chat: bool) -> bool:
    """Whether a card shown to `actor` in this chat carries the deciding buttons: a group
    chat's copy is the secretariat's too; privately, only to whom the stage's decision falls."""
    return not private_chat or can_manage_group(actor, stage_group(submission))


def review_keyboard(
    t: Translator,
    submission: Submission,
    rule: rules.DecisionRule,
    attachments: int,
    stage_index: int,
    vote_closed: bool = False,
    may_decide: bool = True,
) -> InlineKeyboardMarkup:
    """Decision buttons only on a copy posted for the stage that is open now.

    In a vote, members vote until the deadline; a vote that ended tied is the secretary's to
    decide, so the card then offers the secretary's buttons instead. A copy for a reader who
    only votes (`may_decide` false: a plain member's private chat) carries the vote buttons
    alone; returning, approving and rejecting are the secretary's and the chair's.
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
    if open_here and may_decide:
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


# --- the submit dialog's buttons -----------------------------------------------------------------


def step_buttons(t: Translator, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(text=t(f"dialog.{action}"), callback_data=Step(action=action))
    builder.adjust(2)
    return builder.as_markup()


def kind_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in rules.KINDS:
        builder.button(text=kind_name(t, kind), callback_data=KindPick(kind=kind.value))
    builder.adjust(1)
    return builder.as_markup()


def cluster_keyboard(t: Translator, clusters: list[Cluster]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for cluster in clusters:
        label = t.plain(
            "dialog.cluster_button",
            name=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
        )
        builder.button(text=label, callback_data=ClusterPick(cluster_id=cluster.id))
    builder.adjust(1)
    return builder.as_markup()


def program_keyboard(t: Translator, programs: list[Submission]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for program in programs:
        builder.button(text=program.title, callback_data=ProgramPick(program_id=program.id))
    builder.button(text=t("dialog.whole_cluster"), callback_data=ProgramPick(program_id=0))
    builder.adjust(1)
    return builder.as_markup()


def criterion_keyboard(t: Translator, index: int, *, keep: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for mark in CriterionMark:
        builder.button(
            text=t(f"criterion_marks.{mark.value}"),
            callback_data=MarkPick(index=index, mark=mark.value),
        )
    if keep:
        builder.button(text=t("dialog.keep_criteria"), callback_data=Step(action="keep"))
    builder.adjust(3)
    return builder.as_markup()


def preview_text(
    t: Translator,
    kind: SubmissionKind,
    cluster_name: str,
    content: rules.Content,
    items: list[tuple[str, str]],
    attachments: int,
) -> Markup:
    lines = [
        t("dialog.preview_header", kind=kind_name(t, kind), cluster=cluster_name),
        t("cards.title", title=content.title),
        *content_lines(
            t,
            kind,
            content.summary,
            content.details,
            content.budget_million_rials,
            content.duration_months,
            items,
            full=False,
        ),
        t("cards.attachments", count=attachments),
    ]
    return t.join(lines)


# --- /my and /inbox ------------------------------------------------------------------------------


def my_line(t: Translator, submission: Submission) -> tuple[Markup, InlineKeyboardMarkup]:
    status = t(f"submission_statuses.{submission.status.value}")
    if submission.status is SubmissionStatus.IN_REVIEW:
        level = submission.state.level
        status = t("my.at_stage", level=t(f"review_levels.{level.value}"))
    sid = submission.id
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("review_buttons.details"),
        callback_data=SubmissionView(action="details", submission_id=sid),
    )
    builder.button(
        text=t("review_buttons.timeline"),
        callback_data=SubmissionView(action="timeline", submission_id=sid),
    )
    if submission.status is SubmissionStatus.RETURNED:
        builder.button(
            text=t("my.resubmit"),
            callback_data=SubmissionView(action="resubmit", submission_id=sid),
        )
    if submission.state.is_open:
        builder.button(
            text=t("my.withdraw"),
            callback_data=SubmissionView(action="withdraw", submission_id=sid),
        )
    if has_license(submission):
        builder.button(
            text=t("my.license"),
            callback_data=SubmissionView(action="license", submission_id=sid),
        )
    builder.adjust(2)
    text = t(
        "my.line",
        number=sid,
        kind=kind_name(t, submission.kind),
        title=submission.title,
        cluster=submission.cluster_name,
        status=status,
        since=t.moment(submission.created_at),
    )
    return text, builder.as_markup()


def inbox_view(
    t: Translator, waiting: list[Submission], now: datetime.datetime
) -> tuple[Markup, InlineKeyboardMarkup]:
    lines = []
    builder = InlineKeyboardBuilder()
    for submission in waiting[:INBOX_LINES]:
        lines.append(
            t(
                "inbox.line",
                number=submission.id,
                kind=kind_name(t, submission.kind),
                title=submission.title,
                cluster=submission.cluster_name,
                days=rules.waiting_days(submission.stage_opened_at, now),
            )
        )
        builder.button(
            text=t("inbox.open", number=submission.id),
            callback_data=SubmissionView(action="card", submission_id=submission.id),
        )
    builder.adjust(4)
    text = t("inbox.header", count=len(waiting), lines=t.join(lines))
    return text, builder.as_markup()


def rule_text(t: Translator, group: str, rule: rules.DecisionRule) -> str:
    key = "rules.vote" if rule.mode is rules.RuleMode.VOTE else "rules.secretary"
    return (
        t(key, group=t(f"working_groups.{group}"), quorum=rule.quorum, days=rule.deadline_days)
        + "\n\n"
        + t("rules.usage")
    )


async def refusal_text(
    uow: UnitOfWork, t: Translator, reason: str, submission: Submission | None
) -> str:
    """Why nothing happened; for an old card, who acted on it and what it says now."""
    if reason == SubmissionRefusal.ALREADY_DECIDED and submission is not None:
        events = [
            e for e in await uow.submissions.events(submission.id) if e.action in DECISIVE_EVENTS
        ]
        if events:
            last = events[-1]
            return t(
                "submission_refusals.already_decided_by",
                name=actor_name(t, last.actor_name, last.on_behalf_of_name),
                at=t.moment(last.at),
                status=t(f"submission_statuses.{submission.status.value}"),
            )
    return t(f"submission_refusals.{reason}")


# --- the messages a change sends -----------------------------------------------------------------


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
        self,
        t: Translator,
        submission: Submission,
        stage_index: int | None = None,
        *,
        may_decide: bool = True,
    ) -> tuple[Markup, InlineKeyboardMarkup]:
        """The card as a reader sees it; `stage_index` is the stage the copy was posted for,
        `may_decide` whether the chat it goes to decides (see `review_keyboard`)."""
        uow = self.uow
        items = await uow.submissions.items(submission.id)
        attachments = len(await uow.submissions.attachments(submission.id))
        rule = await uow.submissions.rule_for(stage_group(submission))
        tally = (
            await service.tally_of(uow, submission) if rule.mode is rules.RuleMode.VOTE else None
        )
        events = await uow.submissions.events(submission.id)
        decisive = [e for e in events if e.action in DECISIVE_EVENTS]
        last = None
        if decisive:
            e = decisive[-1]
            name = actor_name(t, e.actor_name, e.on_behalf_of_name)
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
        keyboard = review_keyboard(t, submission, rule, attachments, stage, closed, may_decide)
        return text, keyboard

    async def queue_review_cards(self, submission: Submission) -> None:
        """Post the card to the group reviewing the current stage."""
        group = stage_group(submission)
        chats = await member_service.review_chats(self.uow, group, self.settings.admin_ids)
        deciders = {chat_id for chat_id, _ in chats} | self.settings.admin_ids
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
            text, markup = await self.card(t, submission, may_decide=chat_id in deciders)
            await self.uow.outbox.enqueue(
                OutgoingMessage(
                    key=outbox_keys.submission_card(submission.id, submission.version, chat_id),
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
        chats = await member_service.review_chats(
            self.uow, stage_group(submission), self.settings.admin_ids
        )
        deciders = {chat_id for chat_id, _ in chats} | self.settings.admin_ids
        for stage_index in range(len(submission.spec.stages)):
            copies = await self.uow.cards.copies(card_subject(stage_index), submission.id)
            for copy in copies:
                t = self.catalogs.translator(copy.locale)
                text, markup = await self.card(
                    t, submission, stage_index, may_decide=copy.chat_id in deciders
                )
                key = outbox_keys.submission_card_edit(
                    submission.id, submission.version, round_key, copy.chat_id, copy.ref
                )
                await self.uow.outbox.enqueue(
                    OutgoingMessage(
                        key=key,
                        chat_id=copy.chat_id,
                        text=text,
                        locale=copy.locale,
                        reply_markup=markup.model_dump(exclude_none=True),
                        edit_message_id=copy.message_id,
                        edit_outbox_id=copy.outbox_id,
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
                key=outbox_keys.submission_author(submission.id, submission.version, key),
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
                key=outbox_keys.license_issued(license_.number),
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
                        key=outbox_keys.package_item(item.id, person.user_id),
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
                    key=outbox_keys.package_unreached(submission.id, chat_id),
                    chat_id=chat_id,
                    text=t("package.unreached", title=submission.title, agencies=agencies),
                    locale=t.locale,
                ),
                self.now,
            )

    async def announce(self, outcome: service.Outcome, comment: str | None) -> None:
        """What a done outcome means for everyone but the person who caused it: card copies,
        the next stage's cards, the author's notice, the license and the package's parts."""
        submission = outcome.submission
        assert submission is not None
        if outcome.result == "voted":
            # Live tally on every copy; the key changes with each vote so each update is sent.
            total = outcome.tally.total if outcome.tally else 0
            await self.queue_card_updates(submission, round_key=f":n{total}")
            return
        if outcome.result == "vote_tied":
            # Nobody decided: the copies now carry the secretary's buttons.
            await self.queue_card_updates(submission, round_key=":tied")
            return
        await self.queue_card_updates(submission)
        if outcome.result == Outcome.ADVANCED:
            await self.queue_review_cards(submission)
            t = self.catalogs.translator(submission.author_locale)
            group = t(f"working_groups.{stage_group(submission)}")
            await self.queue_to_author(
                submission, "advanced", "reviews.author_advanced", group=group
            )
        elif outcome.result == Outcome.APPROVED:
            await self.queue_to_author(submission, "approved", "reviews.author_approved")
            if outcome.license is not None:
                await self.queue_license(submission, outcome.license)
            if outcome.items:
                await self.queue_package(submission, outcome.items)
        elif outcome.result in (Outcome.RETURNED, Outcome.REJECTED):
            await self.queue_to_author(
                submission,
                outcome.result,
                f"reviews.author_{outcome.result}",
                comment=comment or "-",
            )


async def announce_outcome(
    outcome: service.Outcome,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    now: datetime.datetime,
    comment: str | None,
) -> None:
    """What a decision means for everyone else, wherever it was made (a card's button, the
    dashboard, a vote's deadline): every copy of the card redrawn, the author and the next
    stage told, and an approved package's tasks made and their assignees told."""
    submission = outcome.submission
    assert submission is not None
    await CardPrinter(uow, catalogs, settings, now).announce(outcome, comment)
    if (
        outcome.result == rules.Outcome.APPROVED
        and submission.spec.on_approval is rules.ApprovalEffect.INSTRUCT_AGENCIES
        and outcome.items
    ):
        # F12: each agency's part becomes a task for that agency's representatives.
        created = await task_service.tasks_from_package(uow, submission, outcome.items, now)
        for task in created:
            await tell_assignees(uow, catalogs, task, now)

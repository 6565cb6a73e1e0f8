"""Members as people see them: the applicant's dialog and preview, the application card with
its decision buttons, the profile, member lists with role buttons, /help, and the notices
that follow a decision or an appointment.

Views take a Translator and plain values and return text and keyboards; notifiers turn a
service outcome into outbox messages (keys from bot.domain.outbox_keys), so the handlers, the
scheduler and a future dashboard render a member the same way.
"""

from __future__ import annotations

import datetime
import hashlib

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import outbox_keys
from bot.domain.members import Actor, Member, MemberStatus, Role, help_topics
from bot.i18n import Catalogs, Markup, Translator
from bot.services.members import DecisionOutcome
from bot.storage.outbox import OutgoingMessage
from bot.storage.repositories import Application
from bot.storage.uow import UnitOfWork

# The card copies of one application are found again by this subject and the member's id.
CARD_SUBJECT = "application"


# --- callback data ---------------------------------------------------------------------------


class ConfirmApplication(CallbackData, prefix="app"):
    action: str  # send | edit | cancel


class ApplicationDecision(CallbackData, prefix="appd"):
    action: str  # approve | reject
    member_id: int


class ProfileField(CallbackData, prefix="prof"):
    field: str  # name | agency | phone | language


class AppointRole(CallbackData, prefix="role"):
    member_id: int
    role: str


# --- the applicant's dialog ------------------------------------------------------------------


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("registration.share_phone"), request_contact=True)],
            [KeyboardButton(text=t("registration.skip_phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("send", "edit", "cancel"):
        builder.button(text=t(f"buttons.{action}"), callback_data=ConfirmApplication(action=action))
    builder.adjust(1, 2)
    return builder.as_markup()


def application_preview(t: Translator, application: Application) -> Markup:
    return t("registration.preview", details=application_lines(t, application))


def agency_name(t: Translator, code: str, other: str | None) -> str:
    return other if other else t(f"agencies.{code}")


def application_lines(t: Translator, application: Application | Member) -> Markup:
    phone = t.digits(application.phone) if application.phone else t("profile.no_phone")
    return t(
        "registration.details",
        name=application.full_name,
        agency=agency_name(t, application.agency_code, application.agency_other),
        group=t(f"working_groups.{application.working_group}"),
        phone=phone,
    )


# --- the card the secretariat sees -----------------------------------------------------------


def application_card(t: Translator, member: Member) -> Markup:
    details = application_lines(t, member)
    username = f"@{member.username}" if member.username else "-"
    card = t(
        "cards.application",
        details=details,
        username=username,
        user_id=t.digits(str(member.user_id)),
        applied=t.moment(member.applied_at),
    )
    if member.status is MemberStatus.APPROVED and member.decided_at:
        outcome = t(
            "cards.approved_by", name=decider_name(t, member), at=t.moment(member.decided_at)
        )
        return Markup(f"{card}\n\n{outcome}")
    if member.status is MemberStatus.REJECTED and member.decided_at:
        outcome = t(
            "cards.rejected_by",
            name=decider_name(t, member),
            at=t.moment(member.decided_at),
            reason=member.rejection_reason or "-",
        )
        return Markup(f"{card}\n\n{outcome}")
    return card


def on_behalf_of(t: Translator, name: str, absent_name: str | None) -> Markup | str:
    """Who acted, and for whom when a substitute acted for an absent secretary or chair."""
    if not absent_name:
        return name
    return t("cards.on_behalf_of", name=name, absent=absent_name)


def decider_name(t: Translator, member: Member) -> Markup | str:
    return on_behalf_of(t, member.decided_by_name or "-", member.decided_on_behalf_of_name)


def decision_keyboard(t: Translator, member: Member) -> InlineKeyboardMarkup | None:
    if member.status is not MemberStatus.PENDING:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("buttons.approve"),
        callback_data=ApplicationDecision(action="approve", member_id=member.id),
    )
    builder.button(
        text=t("buttons.reject"),
        callback_data=ApplicationDecision(action="reject", member_id=member.id),
    )
    return builder.as_markup()


def refusal_text(t: Translator, outcome: DecisionOutcome) -> Markup:
    """Why a press of Approve or Reject decided nothing."""
    applicant = outcome.applicant
    if outcome.result != "already_decided":
        return t(f"decisions.{outcome.result}")
    if applicant is None or applicant.decided_at is None:
        # Decided and then withdrawn or re-applied between the press and this answer.
        return t("decisions.already_decided_plain")
    return t(
        "decisions.already_decided",
        name=decider_name(t, applicant),
        at=t.moment(applicant.decided_at),
    )


def decision_notice(t: Translator, member: Member) -> Markup:
    """What the applicant is told once the secretariat has decided."""
    if member.status is MemberStatus.APPROVED:
        return t("decisions.you_are_approved", group=t(f"working_groups.{member.working_group}"))
    return t("decisions.you_are_rejected", reason=member.rejection_reason or "-")


# --- profile, member lists, help -------------------------------------------------------------


def profile_text(t: Translator, member: Member) -> str:
    return t(
        "profile.card",
        details=application_lines(t, member),
        role=t(f"roles.{member.role.value}"),
        status=t(f"statuses.{member.status.value}"),
    )


def profile_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for field in ("name", "agency", "phone", "language"):
        builder.button(text=t(f"profile.edit_{field}"), callback_data=ProfileField(field=field))
    builder.adjust(2)
    return builder.as_markup()


def member_list(t: Translator, code: str, people: list[Member]) -> Markup:
    group = t(f"working_groups.{code}")
    if not people:
        return t("members.none", group=group)
    lines = [
        t(
            "members.line",
            number=i,
            name=m.full_name,
            role=t(f"roles.{m.role.value}"),
            agency=agency_name(t, m.agency_code, m.agency_other),
        )
        for i, m in enumerate(people, start=1)
    ]
    return t("members.header", group=group, count=len(people), lines=t.join(lines))


def role_keyboard(t: Translator, people: list[Member]) -> InlineKeyboardMarkup:
    """For each member, a button per role they do not have yet."""
    builder = InlineKeyboardBuilder()
    for member in people:
        for role in Role:
            if role is not member.role:
                builder.button(
                    text=t.plain(
                        "members.make", name=member.full_name, role=t(f"roles.{role.value}")
                    ),
                    callback_data=AppointRole(member_id=member.id, role=role.value),
                )
    builder.adjust(2)
    return builder.as_markup()


def help_text(t: Translator, actor: Actor) -> Markup:
    return t.join([t(f"help.{topic}") for topic in help_topics(actor)], "\n\n")


# --- notifiers: outbox messages that follow an outcome ---------------------------------------


def _markup(keyboard: InlineKeyboardMarkup | None) -> dict | None:
    return keyboard.model_dump(exclude_none=True) if keyboard is not None else None


async def post_cards(
    uow: UnitOfWork,
    catalogs: Catalogs,
    member: Member,
    chats: list[tuple[int, str]],
    now: datetime.datetime,
) -> None:
    """Queue the card for each chat; the outbox sends it after the commit and remembers where
    each copy landed, so that the decision can update them all."""
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                # The moment makes each posting its own: /pending may post a card again.
                key=outbox_keys.application_card(member.id, now, chat_id),
                chat_id=chat_id,
                text=application_card(t, member),
                locale=t.locale,
                reply_markup=_markup(decision_keyboard(t, member)),
                card_subject=CARD_SUBJECT,
                card_subject_id=member.id,
            ),
            now,
        )


async def refresh_cards(
    uow: UnitOfWork, catalogs: Catalogs, member: Member, now: datetime.datetime
) -> None:
    """Every copy of the card shows the application as it is now."""
    for copy in await uow.cards.copies(CARD_SUBJECT, member.id):
        t = catalogs.translator(copy.locale)
        text = application_card(t, member)
        digest = hashlib.sha1(text.encode()).hexdigest()[:16]
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.application_edit(copy.chat_id, copy.message_id, digest),
                chat_id=copy.chat_id,
                text=text,
                locale=copy.locale,
                reply_markup=_markup(decision_keyboard(t, member)),
                edit_message_id=copy.message_id,
            ),
            now,
        )


async def announce_decision(
    uow: UnitOfWork, catalogs: Catalogs, member: Member, now: datetime.datetime
) -> None:
    """Every copy of the card shows the decision, and the applicant is told once."""
    await refresh_cards(uow, catalogs, member, now)
    t = catalogs.translator(member.locale)
    decided = member.decided_at.isoformat() if member.decided_at else now.isoformat()
    await uow.outbox.enqueue(
        OutgoingMessage(
            key=outbox_keys.application_decision(member.id, decided),
            chat_id=member.user_id,
            text=decision_notice(t, member),
            locale=t.locale,
        ),
        now,
    )


async def tell_appointed(
    uow: UnitOfWork, catalogs: Catalogs, member: Member, now: datetime.datetime
) -> None:
    """The member hears of their new role, in their own language."""
    t = catalogs.translator(member.locale)
    await uow.outbox.enqueue(
        OutgoingMessage(
            key=outbox_keys.role_change(member.id, member.role.value, now),
            chat_id=member.user_id,
            text=t(
                "members.you_are_now",
                role=t(f"roles.{member.role.value}"),
                group=t(f"working_groups.{member.working_group}"),
            ),
            locale=t.locale,
        ),
        now,
    )

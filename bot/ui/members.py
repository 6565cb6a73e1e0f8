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
import logging

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.config import Platform
from bot.domain import outbox_keys
from bot.domain.members import Actor, Member, MemberStatus, Role, help_topics
from bot.i18n import Catalogs, Markup, Translator
from bot.services.members import DecisionOutcome, waiting_agency_changes, waiting_for
from bot.storage.outbox import OutgoingMessage
from bot.storage.repositories import AgencyChange, Application, Invitation
from bot.storage.uow import UnitOfWork
from bot.ui.builder import InlineKeyboardBuilder

log = logging.getLogger(__name__)

# The card copies of one application are found again by this subject and the member's id.
CARD_SUBJECT = "application"
# ... and those of a member's change of agency by this subject and the change's id.
AGENCY_CHANGE_SUBJECT = "agency_change"


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


class RevokeInvitation(CallbackData, prefix="invr"):
    invitation_id: int


class AgencyChangeDecision(CallbackData, prefix="agcd"):
    action: str  # approve | reject
    change_id: int


class JoinAsMember(CallbackData, prefix="join"):
    """A superuser who wants to submit, vote or have tasks registers like anyone else."""


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


def profile_text(t: Translator, member: Member, agency_change: AgencyChange | None = None) -> str:
    card = t(
        "profile.card",
        details=application_lines(t, member),
        role=t(f"roles.{member.role.value}"),
        status=t(f"statuses.{member.status.value}"),
        user_id=t.digits(str(member.user_id)),
    )
    if agency_change is not None and agency_change.status is MemberStatus.PENDING:
        wanted = agency_name(t, agency_change.agency_code, agency_change.agency_other)
        return f"{card}\n{t('profile.agency_change_waiting', agency=wanted)}"
    return card


def superuser_profile_text(t: Translator, user_id: int) -> Markup:
    """A superuser who is not a member has no profile, but needs their id (ADMIN_IDS)."""
    return t("profile.superuser", user_id=t.digits(str(user_id)))


def join_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.plain("start.join_as_member"), callback_data=JoinAsMember())
    return builder.as_markup()


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


# --- invitation links ------------------------------------------------------------------------

# Where a start parameter opens the bot; Bale copies Telegram's deep links on its own domain.
_LINK_BASES = {Platform.TELEGRAM: "https://t.me", Platform.BALE: "https://ble.ir"}


def invitation_link(platform: Platform, bot_username: str, code: str) -> str:
    return f"{_LINK_BASES[platform]}/{bot_username}?start={code}"


def invitation_created(t: Translator, invitation: Invitation, link: str) -> Markup:
    return t(
        "invitations.created",
        group=t(f"working_groups.{invitation.working_group}"),
        link=link,
    )


def invitation_list(t: Translator, invitations: list[Invitation], links: dict[int, str]) -> Markup:
    if not invitations:
        return t("invitations.none")
    lines = [
        t(
            "invitations.line",
            number=i,
            group=t(f"working_groups.{inv.working_group}"),
            by=inv.created_by_name,
            at=t.moment(inv.created_at),
            requests=t("invitations.requests", count=inv.uses),
            link=links[inv.id],
        )
        for i, inv in enumerate(invitations, start=1)
    ]
    return t("invitations.header", count=len(invitations), lines=t.join(lines, "\n\n"))


def revoke_keyboard(t: Translator, invitations: list[Invitation]) -> InlineKeyboardMarkup | None:
    if not invitations:
        return None
    builder = InlineKeyboardBuilder()
    for i, inv in enumerate(invitations, start=1):
        builder.button(
            text=t.plain("invitations.revoke", number=i),
            callback_data=RevokeInvitation(invitation_id=inv.id),
        )
    builder.adjust(2)
    return builder.as_markup()


# --- a member's change of agency -------------------------------------------------------------


def agency_change_card(t: Translator, member: Member, change: AgencyChange) -> Markup:
    card = t(
        "agency_change.card",
        name=member.full_name,
        group=t(f"working_groups.{member.working_group}"),
        old=agency_name(t, change.from_agency_code, change.from_agency_other),
        new=agency_name(t, change.agency_code, change.agency_other),
        at=t.moment(change.requested_at),
    )
    if change.status is MemberStatus.PENDING or change.decided_at is None:
        return card
    key = (
        "cards.approved_by"
        if change.status is MemberStatus.APPROVED
        else "agency_change.rejected_by"
    )
    if change.decided_by_name is None:
        # Replaced by a newer request of the member's own before anyone decided.
        return Markup(f"{card}\n\n{t('agency_change.superseded')}")
    return Markup(
        f"{card}\n\n{t(key, name=change.decided_by_name, at=t.moment(change.decided_at))}"
    )


def agency_change_keyboard(t: Translator, change: AgencyChange) -> InlineKeyboardMarkup | None:
    if change.status is not MemberStatus.PENDING:
        return None
    builder = InlineKeyboardBuilder()
    for action in ("approve", "reject"):
        builder.button(
            text=t(f"buttons.{action}"),
            callback_data=AgencyChangeDecision(action=action, change_id=change.id),
        )
    return builder.as_markup()


async def post_agency_change_cards(
    uow: UnitOfWork,
    catalogs: Catalogs,
    member: Member,
    change: AgencyChange,
    chats: list[tuple[int, str]],
    now: datetime.datetime,
    *,
    waited: bool = False,
) -> None:
    """`waited`: the card of a change that reached nobody, now delivered once per reviewer."""
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        key = (
            outbox_keys.waiting_agency_change(change.id, chat_id)
            if waited
            else outbox_keys.agency_change_card(change.id, chat_id)
        )
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=key,
                chat_id=chat_id,
                text=agency_change_card(t, member, change),
                locale=t.locale,
                reply_markup=_markup(agency_change_keyboard(t, change)),
                card_subject=AGENCY_CHANGE_SUBJECT,
                card_subject_id=change.id,
            ),
            now,
        )


async def announce_agency_change(
    uow: UnitOfWork,
    catalogs: Catalogs,
    member: Member,
    change: AgencyChange,
    now: datetime.datetime,
) -> None:
    """Every copy of the card shows the decision, and the member is told once."""
    await refresh_agency_change_cards(uow, catalogs, member, change, now)
    t = catalogs.translator(member.locale)
    approved = change.status is MemberStatus.APPROVED
    await uow.outbox.enqueue(
        OutgoingMessage(
            key=outbox_keys.agency_change_decision(change.id),
            chat_id=member.user_id,
            text=t(
                "agency_change.you_are_approved" if approved else "agency_change.you_are_rejected",
                agency=agency_name(t, change.agency_code, change.agency_other),
            ),
            locale=t.locale,
        ),
        now,
    )


async def refresh_agency_change_cards(
    uow: UnitOfWork,
    catalogs: Catalogs,
    member: Member,
    change: AgencyChange,
    now: datetime.datetime,
) -> None:
    for copy in await uow.cards.copies(AGENCY_CHANGE_SUBJECT, change.id):
        t = catalogs.translator(copy.locale)
        text = agency_change_card(t, member, change)
        digest = hashlib.sha1(text.encode()).hexdigest()[:16]
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.agency_change_edit(copy.chat_id, copy.ref, digest),
                chat_id=copy.chat_id,
                text=text,
                locale=copy.locale,
                reply_markup=_markup(agency_change_keyboard(t, change)),
                edit_message_id=copy.message_id,
                edit_outbox_id=copy.outbox_id,
            ),
            now,
        )


# --- who can review, and applications that reached nobody ------------------------------------


async def reachable(bot: Bot, chat_ids: list[int]) -> list[int]:
    """The chats the bot can write to now. A chat action shows nothing lasting, and Telegram
    answers 403 for a user who never started the bot, exactly as a message would."""
    found: list[int] = []
    for chat_id in chat_ids:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramAPIError:
            continue
        found.append(chat_id)
    return found


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
    *,
    waited: bool = False,
) -> None:
    """Queue the card for each chat; the outbox sends it after the commit and remembers where
    each copy landed, so that the decision can update them all. `waited`: the card of an
    application that reached nobody, now delivered once per reviewer."""
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        key = (
            outbox_keys.waiting_application(member.id, member.applied_at, chat_id)
            if waited
            # The moment makes each posting its own: /pending may post a card again.
            else outbox_keys.application_card(member.id, now, chat_id)
        )
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=key,
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
                key=outbox_keys.application_edit(copy.chat_id, copy.ref, digest),
                chat_id=copy.chat_id,
                text=text,
                locale=copy.locale,
                reply_markup=_markup(decision_keyboard(t, member)),
                edit_message_id=copy.message_id,
                edit_outbox_id=copy.outbox_id,
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


async def confirm_appointment(
    uow: UnitOfWork, t: Translator, chat_id: int, member: Member, now: datetime.datetime
) -> None:
    """ "X is now secretary", to whoever appointed them. Through the outbox, so it is sent only
    once the role is committed: the new secretary may act the moment the appointer says so."""
    await uow.outbox.enqueue(
        OutgoingMessage(
            key=outbox_keys.appointment_confirmed(member.id, member.role.value, now, chat_id),
            chat_id=chat_id,
            text=t(
                "members.appointed",
                name=member.full_name,
                role=t(f"roles.{member.role.value}"),
            ),
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


async def deliver_waiting(
    uow: UnitOfWork,
    catalogs: Catalogs,
    reviewer: Actor,
    chat_id: int,
    locale: str,
    now: datetime.datetime,
    working_group: str | None = None,
) -> int:
    """Applications and changes of agency that reached nobody go to this reviewer (or, for a
    linked group chat, to that group's chat) now; returns how many."""
    waiting = [
        m
        for m in await waiting_for(uow, reviewer, CARD_SUBJECT)
        if working_group is None or m.working_group == working_group
    ]
    for member in waiting:
        await post_cards(uow, catalogs, member, [(chat_id, locale)], now, waited=True)
        await tell_applicant_delivered(uow, catalogs, member, now)
    changes = [
        (member, change)
        for member, change in await waiting_agency_changes(uow, reviewer, AGENCY_CHANGE_SUBJECT)
        if working_group is None or member.working_group == working_group
    ]
    for member, change in changes:
        await post_agency_change_cards(
            uow, catalogs, member, change, [(chat_id, locale)], now, waited=True
        )
    return len(waiting) + len(changes)


async def tell_applicant_delivered(
    uow: UnitOfWork, catalogs: Catalogs, member: Member, now: datetime.datetime
) -> None:
    t = catalogs.translator(member.locale)
    await uow.outbox.enqueue(
        OutgoingMessage(
            key=outbox_keys.application_delivered(member.id, member.applied_at),
            chat_id=member.user_id,
            text=t("registration.delivered", group=t(f"working_groups.{member.working_group}")),
            locale=t.locale,
        ),
        now,
    )


async def check_reviewers_at_start(
    bot: Bot,
    uow: UnitOfWork,
    catalogs: Catalogs,
    superusers: frozenset[int],
    default_locale: str,
    now: datetime.datetime,
) -> list[int]:
    """Say in the log who can review applications, hand what waited to the superusers who can
    be reached, and return those superusers. Superusers are probed only when something waits,
    so an ordinary start sends nothing."""
    if not superusers:
        log.warning(
            "ADMIN_IDS is empty: applications to a working group with no secretary and no "
            "linked group wait until a secretary is appointed or a group is linked"
        )
    waiting = await uow.members.pending_without_card(CARD_SUBJECT)
    changes = await uow.agency_changes.pending_without_card(AGENCY_CHANGE_SUBJECT)
    if not waiting and not changes:
        return []
    reached = await reachable(bot, sorted(superusers))
    for user_id in sorted(superusers - set(reached)):
        log.warning(
            "superuser %s cannot be reached (never started the bot?): applications wait "
            "until a reviewer sends /start",
            user_id,
        )
    if not reached:
        for count, what in (
            (len(waiting), "application(s)"),
            (len(changes), "change(s) of agency"),
        ):
            if count:
                log.warning("%d %s wait: nobody who can review them can be reached", count, what)
    for user_id in reached:
        superuser = await uow.members.by_user(user_id)
        actor = Actor(user_id, superuser.full_name if superuser else "", superuser, True)
        locale = superuser.locale if superuser else default_locale
        await deliver_waiting(uow, catalogs, actor, user_id, locale, now)
    return reached

"""Members, roles and who may do what.

Every permission question the bot asks goes through the functions here, so that a button
pressed in a group chat, a forged callback and a typed command all meet the same rules.
"""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass

from bot.domain.agencies import OTHER, is_agency
from bot.domain.digits import strip_invisible, to_latin_digits
from bot.domain.text import InvalidInput, one_line
from bot.domain.working_groups import CENTRAL, is_working_group


class Role(enum.StrEnum):
    MEMBER = "member"
    SECRETARY = "secretary"
    CHAIR = "chair"


class MemberStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Member:
    id: int
    user_id: int
    full_name: str
    agency_code: str
    agency_other: str | None
    working_group: str
    phone: str | None
    locale: str
    role: Role
    status: MemberStatus
    applied_at: datetime.datetime
    rejection_reason: str | None = None
    decided_at: datetime.datetime | None = None
    decided_by_name: str | None = None
    username: str | None = None
    # Set when the decision was a substitute's: the name of the person they stood in for.
    decided_on_behalf_of_name: str | None = None


@dataclass(frozen=True)
class ActingRole:
    """A role someone holds today as another person's substitute (bot/domain/substitutes.py)."""

    working_group: str
    role: Role
    for_user_id: int
    for_name: str


@dataclass(frozen=True)
class Actor:
    """The person behind an update, as far as permissions are concerned."""

    user_id: int
    display_name: str
    member: Member | None
    is_superuser: bool
    # Today's substitutions: the secretary's or chair's roles this person stands in for.
    acting: tuple[ActingRole, ...] = ()

    @property
    def is_member(self) -> bool:
        return self.member is not None and self.member.status is MemberStatus.APPROVED

    @property
    def working_group(self) -> str | None:
        return self.member.working_group if self.is_member and self.member else None

    def has_role(self, role: Role, working_group: str) -> bool:
        return self.holds_role(role, working_group) or (
            self.is_member
            and any(a.role is role and a.working_group == working_group for a in self.acting)
        )

    def holds_role(self, role: Role, working_group: str) -> bool:
        """The role as their own, not as anybody's substitute."""
        return (
            self.is_member
            and self.member is not None
            and self.member.working_group == working_group
            and self.member.role is role
        )


OFFICER_ROLES = (Role.SECRETARY, Role.CHAIR)


def acting_for(actor: Actor, working_group: str) -> ActingRole | None:
    """Whose substitute this person acts as when managing this group, or None when they act in
    their own right (their own role there, or a superuser's)."""
    if actor.is_superuser or any(actor.holds_role(r, working_group) for r in OFFICER_ROLES):
        return None
    if not actor.is_member:
        return None
    # The secretary's stand-in acts for the secretary before the chair's does.
    for role in OFFICER_ROLES:
        for acting in actor.acting:
            if acting.working_group == working_group and acting.role is role:
                return acting
    return None


def can_manage_group(actor: Actor, working_group: str) -> bool:
    """Review registrations, link the group chat, list members: the secretariat's work.

    The chair may do it too: the chair is who decides when the secretary is stuck.
    """
    return (
        actor.is_superuser
        or actor.has_role(Role.SECRETARY, working_group)
        or actor.has_role(Role.CHAIR, working_group)
    )


def can_see_all(actor: Actor) -> bool:
    """The central group oversees every province; a superuser sees everything."""
    return actor.is_superuser or (actor.is_member and actor.working_group == CENTRAL)


def can_view_group(actor: Actor, working_group: str) -> bool:
    return can_see_all(actor) or (actor.is_member and actor.working_group == working_group)


def can_appoint(actor: Actor) -> bool:
    return actor.is_superuser


def managed_groups(actor: Actor, all_groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(g for g in all_groups if can_manage_group(actor, g))


def help_topics(actor: Actor) -> tuple[str, ...]:
    """The sections of /help this person should see, in order."""
    if not actor.is_member and not actor.is_superuser:
        if actor.member is not None and actor.member.status is MemberStatus.PENDING:
            return ("pending",)
        return ("visitor",)
    member = actor.member if actor.is_member else None
    # A superuser need not be a member: their basics say how to join, not how to register.
    topics = ["member"] if member is not None else ["superuser_basics"]
    acting = {a.role for a in actor.acting} if member is not None else set()
    if member is not None and (member.role is Role.CHAIR or Role.CHAIR in acting):
        topics.append("chair")
    if actor.is_superuser or (
        member is not None and (member.role in OFFICER_ROLES or acting & set(OFFICER_ROLES))
    ):
        topics.append("secretary")
    if actor.is_superuser:
        topics.append("superuser")
    return tuple(topics)


# --- what people type during registration -------------------------------------------------

_LETTER = re.compile(r"[^\W\d_]")


def clean_full_name(text: str) -> str:
    name = one_line(text, "name", 3, 100)
    if len(_LETTER.findall(name)) < 3:
        raise InvalidInput("name_too_short")
    if any(ch.isdigit() for ch in name):
        raise InvalidInput("name_has_digits")
    return name


def clean_agency_name(text: str) -> str:
    name = one_line(text, "agency", 0, 120)
    if len(_LETTER.findall(name)) < 2:
        raise InvalidInput("agency_too_short")
    return name


def clean_phone(text: str) -> str:
    """Normalise a phone number to +<country><number>; Iranian numbers may be typed locally."""
    raw = to_latin_digits(strip_invisible(text)).strip()
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    # People often keep the trunk zero after the country code: +98 0912 ...
    if digits.startswith("+980"):
        digits = "+98" + digits[4:]
    if re.fullmatch(r"09\d{9}", digits):
        digits = "+98" + digits[1:]
    elif re.fullmatch(r"98\d{10}", digits):
        digits = "+" + digits
    elif re.fullmatch(r"9\d{9}", digits):
        digits = "+98" + digits
    if not re.fullmatch(r"\+\d{8,15}", digits):
        raise InvalidInput("phone_invalid")
    return digits


def check_agency(code: str) -> str:
    if not is_agency(code):
        raise InvalidInput("agency_unknown")
    return code


def check_working_group(code: str) -> str:
    if not is_working_group(code):
        raise InvalidInput("working_group_unknown")
    return code


def agency_needs_name(code: str) -> bool:
    return code == OTHER


# --- deciding on a registration ---------------------------------------------------------


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


def decision_refusal(actor: Actor, applicant: Member | None) -> str | None:
    """Why this actor may not decide on this application now, or None if they may.

    The storage layer re-checks "still pending" atomically; this answers the common cases
    with a precise message before any write.
    """
    if applicant is None:
        return "application_gone"
    if not can_manage_group(actor, applicant.working_group):
        return "not_your_group"
    if applicant.status is not MemberStatus.PENDING:
        return "already_decided"
    return None


def clean_reason(text: str) -> str:
    return one_line(text, "reason", 3, 500)


def review_recipients(
    secretary_ids: list[int],
    superuser_ids: frozenset[int],
    linked_chat: int | None,
    requester: int | None = None,
) -> list[int]:
    """Private chats that get a card about a new application.

    The group's secretaries always do; when the group has neither a secretary nor a linked
    chat, the superusers do, so that no application waits where nobody can see it. A request
    of a secretary's own (`requester`) goes to the other secretaries; with none, to the
    superusers, linked chat or not: who there could decide it is not known.
    """
    others = [i for i in dict.fromkeys(secretary_ids) if i != requester]
    if others or (linked_chat is not None and requester not in secretary_ids):
        return others
    return sorted(superuser_ids)


# --- command menus -------------------------------------------------------------------------

# Every command a menu may show, in the order menus show them.
MENU_COMMANDS = (
    "start",
    "help",
    "profile",
    "language",
    "pending",
    "invite",
    "invites",
    "members",
    "clusters",
    "submit",
    "my",
    "inbox",
    "rules",
    "tasks",
    "overdue",
    "board",
    "matrix",
    "plan",
    "meeting",
    "meetings",
    "report",
    "kpis",
    "targets",
    "mute",
    "reminders",
    "holidays",
    "date",
    "substitute",
    "substitutes",
    "cancel",
)

VISITOR_MENU = frozenset({"start", "help", "language", "date"})
MEMBER_MENU = VISITOR_MENU | {
    "profile", "members", "clusters", "submit", "my", "tasks", "matrix", "meetings",
    "report", "kpis", "mute", "holidays", "cancel",
}  # fmt: skip
SECRETARIAT_MENU = MEMBER_MENU | {
    "pending", "invite", "invites", "inbox", "rules", "overdue", "board", "plan", "meeting",
    "reminders", "substitute", "substitutes", "targets",
}  # fmt: skip
# A superuser who is not a member cannot submit, report or have tasks of their own.
SUPERUSER_MENU = SECRETARIAT_MENU - {"submit", "my", "tasks", "report", "mute"}


class MenuTier(enum.StrEnum):
    VISITOR = "visitor"
    MEMBER = "member"
    SECRETARIAT = "secretariat"
    SUPERUSER = "superuser"
    SUPERUSER_MEMBER = "superuser_member"


_TIER_COMMANDS: dict[MenuTier, frozenset[str]] = {
    MenuTier.VISITOR: VISITOR_MENU,
    MenuTier.MEMBER: MEMBER_MENU,
    MenuTier.SECRETARIAT: SECRETARIAT_MENU,
    MenuTier.SUPERUSER: SUPERUSER_MENU,
    MenuTier.SUPERUSER_MEMBER: SECRETARIAT_MENU,
}


def menu_tier(member: Member | None, is_superuser: bool) -> MenuTier:
    """Which menu this person's client shows: only what they can use now. Applicants and
    rejected applicants see the visitor's menu."""
    approved = member is not None and member.status is MemberStatus.APPROVED
    if is_superuser:
        return MenuTier.SUPERUSER_MEMBER if approved else MenuTier.SUPERUSER
    if not approved or member is None:
        return MenuTier.VISITOR
    if member.role in (Role.SECRETARY, Role.CHAIR):
        return MenuTier.SECRETARIAT
    return MenuTier.MEMBER


def menu_commands(tier: MenuTier) -> tuple[str, ...]:
    chosen = _TIER_COMMANDS[tier]
    return tuple(c for c in MENU_COMMANDS if c in chosen)


# A command whose menu line differs by tier: the secretariat's /report also reaches the group's
# report upward (/report group), which a member's menu must not offer.
_TIER_DESCRIPTIONS: dict[MenuTier, dict[str, str]] = {
    MenuTier.SECRETARIAT: {"report": "report_secretariat"},
    MenuTier.SUPERUSER_MEMBER: {"report": "report_secretariat"},
}


def menu_description_key(tier: MenuTier, command: str) -> str:
    """The key under `commands.` of the command's line in this tier's menu."""
    return _TIER_DESCRIPTIONS.get(tier, {}).get(command, command)


# --- invitations -----------------------------------------------------------------------------

# Telegram's start parameter allows A-Z, a-z, 0-9, _ and -, up to 64 characters.
_INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{8,64}")
INVITE_PREFIX = "inv_"


def is_invite_code(start_parameter: str) -> bool:
    return start_parameter.startswith(INVITE_PREFIX) and bool(
        _INVITE_CODE.fullmatch(start_parameter)
    )


def invitation_refusal(actor: Actor, working_group: str) -> str | None:
    """Why this actor may not invite into or revoke invitations of this group, or None."""
    if not is_working_group(working_group):
        return "working_group_unknown"
    if not can_manage_group(actor, working_group):
        return "secretaries_only"
    return None


# --- a member's change of agency -------------------------------------------------------------


def agency_change_needs_approval(member: Member) -> bool:
    """An approved member represents their agency in the group: the secretariat vouched for
    that, so a change waits for them. An applicant's change only corrects the application."""
    return member.status is MemberStatus.APPROVED


def agency_change_refusal(actor: Actor, member: Member | None, still_pending: bool) -> str | None:
    if member is None:
        return "application_gone"
    if not can_manage_group(actor, member.working_group):
        return "not_your_group"
    # Whom a member represents is vouched for by someone else: a secretary's or a chair's own
    # change waits for another reviewer (a superuser answers for the whole system).
    if member.user_id == actor.user_id and not actor.is_superuser:
        return "own_change"
    if not still_pending:
        return "already_decided"
    return None

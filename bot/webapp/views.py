"""The dashboard's JSON: plain dicts from domain values, in the member's language (the
`bot/ui/` of the API: handlers never shape a response themselves)."""

from __future__ import annotations

from typing import Any

from bot.domain.members import Actor, can_manage_group, can_see_all
from bot.i18n import Translator
from bot.platform import PlatformProfile

Json = dict[str, Any]


def text_direction(locale: str) -> str:
    return "rtl" if locale == "fa" else "ltr"


def me(actor: Actor, t: Translator, profile: PlatformProfile, webapp_url: str | None) -> Json:
    member = actor.member if actor.is_member else None
    # A superuser need not be a member: they manage every group and belong to none.
    group = member.working_group if member is not None else None
    return {
        "id": member.id if member is not None else None,
        "user_id": actor.user_id,
        "full_name": actor.display_name,
        "role": member.role.value if member is not None else None,
        "role_label": t.plain(f"roles.{member.role.value}") if member is not None else None,
        "working_group": group,
        "working_group_name": t.plain(f"working_groups.{group}") if group else None,
        "language": t.locale,
        "dir": text_direction(t.locale),
        "platform": profile.platform.value,
        "can_manage": actor.is_superuser or (group is not None and can_manage_group(actor, group)),
        "can_see_all": can_see_all(actor),
        "is_superuser": actor.is_superuser,
        "webapp_url": webapp_url,
    }

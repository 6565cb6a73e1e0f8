"""Who is asking: the Mini App's signed launch data, checked the platform's way.

The page sends `Authorization: tma <initData>` with every request: the query string the
messenger handed it, signed with a key only the messenger and this bot know (derived from the
bot token). The signature proves who opened the page and when; the age limit
(WEBAPP_MAX_AGE) bounds how long a copied header stays useful, which the signature alone (and
aiogram's helper) does not.
"""

from __future__ import annotations

import datetime
import enum
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from bot.platform import PlatformProfile

SCHEME = "tma"
# Clocks differ a little between the messenger's servers and ours; a launch "from the future"
# by more than this was not made by the messenger.
CLOCK_SKEW = datetime.timedelta(minutes=5)


class Refusal(enum.StrEnum):
    MISSING = "missing"
    FORGED = "forged"
    STALE = "stale"
    UNKNOWN_MEMBER = "unknown_member"


class LaunchRejected(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Launch:
    """What the signed launch data says about the person who opened the page."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    auth_date: datetime.datetime


def init_data_of(authorization: str | None) -> str:
    """The launch data in an Authorization header, or MISSING."""
    if not authorization:
        raise LaunchRejected(Refusal.MISSING)
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != SCHEME or not value.strip():
        raise LaunchRejected(Refusal.MISSING)
    return value.strip()


def verify_launch(
    profile: PlatformProfile,
    bot_token: str,
    init_data: str,
    now: datetime.datetime,
    max_age: datetime.timedelta,
) -> Launch:
    """The launch, when the messenger signed it for this bot and it is fresh enough."""
    if not profile.webapp_signature_ok(bot_token, init_data):
        raise LaunchRejected(Refusal.FORGED)
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    try:
        auth_date = datetime.datetime.fromtimestamp(int(fields["auth_date"]), datetime.UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        # Signed but not a person's launch (e.g. no user): nobody to act for.
        raise LaunchRejected(Refusal.FORGED) from None
    if now - auth_date > max_age or auth_date - now > CLOCK_SKEW:
        raise LaunchRejected(Refusal.STALE)
    return Launch(
        user_id=user_id,
        first_name=str(user.get("first_name") or ""),
        last_name=user.get("last_name"),
        username=user.get("username"),
        language_code=user.get("language_code"),
        auth_date=auth_date,
    )

"""What differs between Telegram and Bale, which copies Telegram's Bot API imperfectly.

Every difference the bot acts on lives here, as data on the profile or a pure function of it;
docs/bale.md says where each Bale fact comes from and which ones are inferred.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.middlewares.base import BaseMiddleware
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.config import Platform
from bot.i18n import bale_safe

log = logging.getLogger(__name__)

# What Telegram allows in setWebhook's secret_token, and so what we allow in any webhook secret.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# A secret that stands alone in a URL must resist guessing: it is the only credential.
MIN_PATH_SECRET_LENGTH = 32
# Telegram's limit for a /start payload; Bale documents the same link shape.
_START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{0,64}")
# Telegram sends the secret_token back in this header on every webhook request.
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class PlatformProfile:
    platform: Platform
    # Bale reads every text as Markdown and has no HTML mode: send plain text there.
    parse_mode: ParseMode | None
    # Bale has no setMyCommands; calling it would only produce errors at start.
    set_commands: bool
    # Where a user opens the bot with a /start payload.
    deep_link_host: str
    # Ports setWebhook accepts in its URL.
    webhook_ports: frozenset[int]
    # Bale's setWebhook takes a URL only, so the secret has to travel inside the URL.
    webhook_secret_in_path: bool
    # Bale: a callback_query_id starting with this comes from a client that cannot show
    # answerCallbackQuery texts; None where every client shows them.
    old_client_query_prefix: str | None
    # Bale delivers no my_chat_member updates: the bot learns it joined a group only from
    # the service message listing it among new_chat_members.
    greets_from_join_message: bool
    # Bale does not document Contact.user_id, so a shared contact may carry none.
    contact_may_lack_user_id: bool
    # Mini Apps: the URL-fragment parameter that carries the signed launch data, and the key
    # the bot token is hashed with to make the launch data's HMAC secret (docs/webapp-api.md).
    webapp_data_param: str = "tgWebAppData"
    webapp_secret_label: bytes = b"WebAppData"

    def accepts_contact(
        self, contact_user_id: int | None, sender_id: int, *, private_chat: bool, forwarded: bool
    ) -> bool:
        """Whether a shared contact is the sender's own phone number.

        With a user id the answer is exact. Without one (Bale), a contact is taken as the
        sender's own only where nothing else is plausible: sent, not forwarded, in the private
        chat where the bot has just offered its "share my number" button.
        """
        if contact_user_id is not None:
            return contact_user_id == sender_id
        return self.contact_may_lack_user_id and private_chat and not forwarded

    def is_old_client_query(self, query_id: str) -> bool:
        prefix = self.old_client_query_prefix
        return prefix is not None and query_id.startswith(prefix)

    def webapp_signature_ok(self, bot_token: str, init_data: str) -> bool:
        """Whether the Mini App's launch data was signed by the messenger for this bot: the
        hex HMAC-SHA256 of its sorted `key=value` lines (all but `hash`), keyed with
        HMAC-SHA256(key=webapp_secret_label, msg=bot_token)."""
        try:
            pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return False
        fields = dict(pairs)
        # A repeated key would let the signed value and the value we read differ.
        if len(fields) != len(pairs):
            return False
        received = fields.pop("hash", None)
        if not received:
            return False
        check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
        secret = hmac.new(self.webapp_secret_label, bot_token.encode(), hashlib.sha256).digest()
        expected = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, received.lower())

    def deep_link(self, bot_username: str, payload: str = "") -> str:
        """The link that opens a private chat with the bot and sends /start <payload>."""
        if not _START_PAYLOAD.fullmatch(payload):
            raise ValueError("a start payload is up to 64 of A-Z, a-z, 0-9, _ and -")
        link = f"https://{self.deep_link_host}/{quote(bot_username.lstrip('@'))}"
        return f"{link}?start={payload}" if payload else link

    def webhook(self, public_url: str, secret: str) -> WebhookEndpoint:
        """How webhook mode registers itself and what it listens on, for this platform.

        `public_url` is where the platform reaches our web server (e.g.
        https://bot.example.org/webhook); `secret` proves a request came from the platform.
        Telegram gets the secret as setWebhook's secret_token and sends it back in a header;
        Bale has no secret_token, so the secret becomes the URL's last path segment.
        """
        parts = urlsplit(public_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("the webhook URL must be an https:// URL with a host")
        if parts.query or parts.fragment:
            raise ValueError("the webhook URL must not carry a query or a fragment")
        port = parts.port or 443
        if port not in self.webhook_ports:
            allowed = ", ".join(str(p) for p in sorted(self.webhook_ports))
            raise ValueError(f"{self.platform.value} delivers webhooks only to ports {allowed}")
        if not _SECRET_SHAPE.fullmatch(secret):
            raise ValueError("the webhook secret is 1-256 of A-Z, a-z, 0-9, _ and -")
        path = parts.path.rstrip("/") or ""
        if not self.webhook_secret_in_path:
            return WebhookEndpoint(public_url, path or "/", secret_token=secret, path_secret=None)
        if len(secret) < MIN_PATH_SECRET_LENGTH:
            raise ValueError(
                f"on {self.platform.value} the secret is the webhook's only credential: "
                f"use at least {MIN_PATH_SECRET_LENGTH} characters"
            )
        path = f"{path}/{secret}"
        url = parts._replace(path=path).geturl()
        return WebhookEndpoint(url, path, secret_token=None, path_secret=secret)


@dataclass(frozen=True)
class WebhookEndpoint:
    """setWebhook's arguments (`url`, `secret_token`) and the route our server must serve."""

    url: str
    path: str
    secret_token: str | None
    path_secret: str | None

    def is_authentic(self, request_path: str, headers: dict[str, str]) -> bool:
        """Whether a POST to our server came from the platform (constant-time comparisons)."""
        if self.secret_token is not None:
            sent = next(
                (v for k, v in headers.items() if k.lower() == TELEGRAM_SECRET_HEADER.lower()), ""
            )
            return hmac.compare_digest(sent.encode(), self.secret_token.encode())
        return hmac.compare_digest(request_path.rstrip("/").encode(), self.path.encode())


PROFILES: dict[Platform, PlatformProfile] = {
    Platform.TELEGRAM: PlatformProfile(
        Platform.TELEGRAM,
        ParseMode.HTML,
        set_commands=True,
        deep_link_host="t.me",
        webhook_ports=frozenset({443, 80, 88, 8443}),
        webhook_secret_in_path=False,
        old_client_query_prefix=None,
        greets_from_join_message=False,
        contact_may_lack_user_id=False,
    ),
    Platform.BALE: PlatformProfile(
        Platform.BALE,
        None,
        set_commands=False,
        deep_link_host="ble.ir",
        webhook_ports=frozenset({443, 88}),
        webhook_secret_in_path=True,
        old_client_query_prefix="1",
        greets_from_join_message=True,
        contact_may_lack_user_id=True,
    ),
}


# --- answers old Bale clients cannot show --------------------------------------------------


class OldClientAnswers:
    """Turns callback answers an old Bale client would never show into ordinary messages.

    Handlers answer button presses with `query.answer(text)` everywhere; rather than teach each
    one about old clients, the dispatcher remembers where each old-client press came from
    (`update_middleware`) and the bot's session, seeing the answerCallbackQuery go out
    (`request_middleware`), sends its text as a message to that chat as well.
    """

    def __init__(self, profile: PlatformProfile) -> None:
        self._profile = profile
        # query id -> (chat id, message id to reply to in a group, or None)
        self._origins: dict[str, tuple[int, int | None]] = {}

    @property
    def update_middleware(self) -> BaseMiddleware:
        return _RememberOrigin(self)

    @property
    def request_middleware(self) -> BaseRequestMiddleware:
        return _CopyAnswer(self)

    def remember(self, query: CallbackQuery) -> bool:
        if not self._profile.is_old_client_query(query.id):
            return False
        message = query.message
        if isinstance(message, Message) and message.chat.type != "private":
            self._origins[query.id] = (message.chat.id, message.message_id)
        else:
            # Pressed in the private chat (or on a message too old to be described): the
            # private chat with the presser is where the answer belongs.
            self._origins[query.id] = (query.from_user.id, None)
        return True

    def forget(self, query_id: str) -> None:
        self._origins.pop(query_id, None)

    async def copy(self, bot: Bot, method: AnswerCallbackQuery) -> None:
        origin = self._origins.pop(method.callback_query_id, None)
        if origin is None or not method.text:
            return
        chat_id, reply_to = origin
        try:
            await bot.send_message(
                chat_id,
                # Answers are plain text; as a message, Bale would read them as Markdown.
                bale_safe(method.text),
                reply_to_message_id=reply_to,
                allow_sending_without_reply=True,
            )
        except TelegramAPIError as error:
            log.warning("could not repeat a button answer to chat %s: %s", chat_id, error)


class _RememberOrigin(BaseMiddleware):
    def __init__(self, answers: OldClientAnswers) -> None:
        self._answers = answers

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery) or not self._answers.remember(event):
            return await handler(event, data)
        try:
            return await handler(event, data)
        finally:
            # An answer never sent (or sent empty) leaves nothing to repeat.
            self._answers.forget(event.id)


class _CopyAnswer(BaseRequestMiddleware):
    def __init__(self, answers: OldClientAnswers) -> None:
        self._answers = answers

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            await self._answers.copy(bot, method)
        return response

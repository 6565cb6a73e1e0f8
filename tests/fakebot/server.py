"""A fake Telegram Bot API server for tests.

The real bot talks HTTP to this server (aiogram: ``TelegramAPIServer.from_base(fake.base_url)``),
so the whole stack (aiogram serialisation, filters, middlewares, error handling) is exercised.
Behaviour mimics Telegram closely enough that bots which work here fail on Telegram only rarely:
errors use Telegram's status codes and wording, because bots branch on both.

Synchronisation:

* ``drain()`` for a bot polling with ``handle_as_tasks=False`` (in-process or not): it returns
  once the bot asked for updates with an offset past every injected update, i.e. after the
  handlers for all of them finished. Updates Telegram would not deliver (outside the bot's
  ``allowed_updates``, or dropped with ``drop_pending_updates``) count as handled.
* ``wait_for_message()`` when nothing tells us the bot is done (other polling modes,
  background jobs): it polls the recorded messages every 10 ms.

Bale mode (``FakeBotAPI(platform="bale")`` or ``as_bale()`` before the bot starts) behaves
as Bale documents its copy of the API (docs/bale.md): no ``parse_mode`` (refused), every text read
as Bale's Markdown (markers need a space around them; no escape character), no
``setMyCommands``, no ``my_chat_member`` (joining a group is a ``new_chat_members`` message), no
supergroups, contacts without ``user_id``, old clients whose ``callback_query_id`` starts with
``1`` and who never see a callback answer, and ``setWebhook`` with a URL only. What Bale would
render as formatting from the bot's text, and backslashes it would show, are collected in
``markup_surprises`` rather than refused, because Bale sends such messages.

Known simplifications: lengths are counted in code points; MarkdownV2/Markdown are accepted
unchecked and rendered as-is; a bare ``&`` in HTML is rejected (Telegram is lenient there);
inline mode, channels, media groups and forum topics are not modelled.
"""

import asyncio
import html
import itertools
import json
import logging
import mimetypes
import re
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession

JsonDict = dict[str, Any]

logger = logging.getLogger(__name__)

# Telegram's documented limits.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
MAX_POLL_TIMEOUT = 50

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# Update types Telegram delivers when the bot never set allowed_updates (or set it to []).
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)


# --------------------------------------------------------------------------------------------
# Public data classes
# --------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "fa"


@dataclass
class FakeChat:
    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None


@dataclass
class SentMessage:
    """The current state of a message the bot sent; edits are applied to this object in place."""

    message_id: int
    chat_id: int
    text: str | None  # as the bot sent it, i.e. still with HTML markup
    caption: str | None
    parse_mode: str | None
    reply_markup: dict | None
    kind: str  # "text" | "document" | "photo"
    document_name: str | None
    content: bytes | None = field(repr=False)
    edits: int = 0
    deleted: bool = False
    # Extras beyond the documented API, useful for assertions and for rendering the message.
    mime_type: str | None = None
    file_id: str | None = None
    reply_to_message_id: int | None = None
    entities: list[JsonDict] | None = field(default=None, repr=False)
    date: int = field(default=0, repr=False)
    edit_date: int | None = field(default=None, repr=False)
    # Bale mode: the text as the reader sees it, Markdown markers consumed.
    rendered: str | None = field(default=None, repr=False)

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of inline buttons in order; url buttons give (text, url).

        Reply-keyboard buttons give (text, text) because pressing one sends its text.
        """
        markup = self.reply_markup or {}
        result: list[tuple[str, str]] = []
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                result.append((str(button.get("text", "")), _inline_button_value(button)))
        for row in markup.get("keyboard") or []:
            for button in row:
                label = button if isinstance(button, str) else str(button.get("text", ""))
                result.append((label, label))
        return result

    def button(self, text_part: str) -> str:
        for label, value in self.buttons():
            if text_part in label:
                return value
        raise AssertionError(
            f"no button containing {text_part!r} in message #{self.message_id} "
            f"to chat {self.chat_id}; buttons: {self.buttons()!r}"
        )

    def plain(self) -> str:
        """Text or caption without HTML markup, for readable assertions."""
        body = self.text if self.text is not None else self.caption
        if body is None:
            return ""
        if self.rendered is not None:
            return self.rendered
        if (self.parse_mode or "").lower() != "html":
            return body
        try:
            return parse_html(body)[0]
        except EntityParseError:
            # Only reachable for messages Telegram would have rejected; still give something usable.
            return html.unescape(re.sub(r"<[^>]*>", "", body))

    def describe(self) -> str:
        state = " (deleted)" if self.deleted else ""
        edits = f" edits={self.edits}" if self.edits else ""
        name = f" [{self.document_name}]" if self.document_name else ""
        buttons = f" buttons={self.buttons()!r}" if self.buttons() else ""
        return f"#{self.message_id} {self.kind}{name}{edits}{state}: {self.plain()!r}{buttons}"


@dataclass
class ApiCall:
    method: str
    params: dict
    ok: bool
    error: str | None
    result: Any


@dataclass
class CallContext:
    """What a method handler gets: decoded params plus uploaded files keyed by form field name."""

    method: str
    params: JsonDict
    files: dict[str, "UploadedFile"]
    request: web.Request | None = None


@dataclass
class UploadedFile:
    filename: str
    content: bytes
    content_type: str | None = None


Handler = Callable[[CallContext], Awaitable[Any]]


class ApiError(Exception):
    """Raised by method handlers; becomes Telegram's error envelope."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------------------------
# Telegram-style HTML parsing
# --------------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    pass


ALLOWED_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "span", "tg-spoiler", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_RE = re.compile(
    r"""\s+([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
_START_TAG_END_RE = re.compile(r"\s*>")
_END_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output, because Telegram's entity offsets are UTF-16
    language: str | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    # Telegram reports HTML errors as UTF-8 byte offsets.
    return len(text[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram's HTML subset into (plain text, message entities) or raise EntityParseError.

    Stricter than Telegram in one respect, on purpose: a bare ``&`` is an error, so bots are
    pushed to escape user-provided text (html.escape) instead of relying on lenient parsing.
    """
    out: list[str] = []
    out_len = 0  # UTF-16 length of the output so far
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match is None or decoded is None:
                offset = _byte_offset(text, i)
                raise EntityParseError(
                    f'Unescaped "&" or unsupported HTML entity at byte offset {offset}'
                )
            out.append(decoded)
            out_len += utf16_len(decoded)
            i = match.end()
            continue
        if ch != "<":
            out.append(ch)
            out_len += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        offset = _byte_offset(text, i)
        if text.startswith("</", i):
            end = _END_TAG_RE.match(text, i)
            if end is None:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = end.group(1).lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
            if stack[-1].name != name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].name}>", '
                    f'found "</{name}>"'
                )
            tag = stack.pop()
            entity = _close_tag(tag, stack, out_len)
            if entity is not None:
                entities.append(entity)
            i = end.end()
            continue
        name_match = _TAG_NAME_RE.match(text, i + 1)
        if name_match is None:
            raise EntityParseError(f'Unsupported start tag "" at byte offset {offset}')
        name = name_match.group(0).lower()
        if name not in ALLOWED_HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        pos = name_match.end()
        attrs: dict[str, str] = {}
        while attr := _ATTR_RE.match(text, pos):
            value = attr.group(2) or ""
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            attrs[attr.group(1).lower()] = html.unescape(value)
            pos = attr.end()
        close = _START_TAG_END_RE.match(text, pos)
        if close is None:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        stack.append(_OpenTag(name=name, attrs=attrs, start=out_len))
        i = close.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(tag: _OpenTag, stack: list[_OpenTag], out_len: int) -> JsonDict | None:
    length = out_len - tag.start
    code_class = tag.attrs.get("class", "")
    if (
        tag.name == "code"
        and stack
        and stack[-1].name == "pre"
        and code_class.startswith("language-")
    ):
        # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
        stack[-1].language = code_class.removeprefix("language-")
        return None
    if length <= 0:
        return None  # Telegram drops empty entities
    entity: JsonDict = {"offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity.update(type="text_link", url=href)
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=tag.attrs["emoji-id"])
    else:
        entity["type"] = _SIMPLE_ENTITY_TYPES[tag.name]
        if tag.name == "pre" and tag.language:
            entity["language"] = tag.language
    return entity


# --------------------------------------------------------------------------------------------
# Bale's Markdown, as far as it is documented
# --------------------------------------------------------------------------------------------


@dataclass
class MarkupSurprise:
    """Something in a text the bot sent to Bale that the reader would not see as written."""

    text: str
    problem: str


_BALE_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BALE_EMPHASIS = {"*": "bold", "_": "italic"}


def _bale_closer(text: str, marker: str, start: int) -> int:
    """Index of the marker closing an emphasis opened just before `start`, or -1."""
    j = start
    while (j := text.find(marker, j)) != -1:
        if not text[j - 1].isspace() and (j + 1 == len(text) or text[j + 1].isspace()):
            return j
        j += 1
    return -1


def parse_bale_markdown(text: str) -> tuple[str, list[JsonDict], list[str]]:
    """(what the reader sees, formatting entities, problems) for a text Bale reads as Markdown.

    The documented rules: ``*bold*`` and ``_italic_`` open after a space (or the start) and close
    before a space (or the end); ``[text](url)`` is a link; triple backticks fence a block. No
    escape character is documented, so a backslash stays visible: listed as a problem.
    """
    out: list[str] = []
    entities: list[JsonDict] = []
    problems: list[str] = []
    i, n = 0, len(text)

    def emit(kind: str, inner: str, **extra: Any) -> None:
        offset = utf16_len("".join(out))
        entities.append({"type": kind, "offset": offset, "length": utf16_len(inner), **extra})
        out.append(inner)

    while i < n:
        ch = text[i]
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end != -1:
                emit("pre", text[i + 3 : end])
                i = end + 3
                continue
        if ch == "[" and (link := _BALE_LINK_RE.match(text, i)):
            emit("text_link", link.group(1), url=link.group(2))
            i = link.end()
            continue
        opens = (i == 0 or text[i - 1].isspace()) and i + 1 < n and not text[i + 1].isspace()
        if ch in _BALE_EMPHASIS and opens and text[i + 1] != ch:
            end = _bale_closer(text, ch, i + 1)
            if end > i + 1:
                emit(_BALE_EMPHASIS[ch], text[i + 1 : end])
                i = end + 1
                continue
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*[]`\\":
            problems.append(f"a backslash before {text[i + 1]!r} is shown to the reader")
        out.append(ch)
        i += 1
    for entity in entities:
        problems.append(f"Bale would format part of it as {entity['type']}")
    return "".join(out), entities, problems


# --------------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------------

# Form bodies carry everything as strings; these tell which strings hold JSON, ints or bools.
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "scope", "commands", "allowed_updates",
        "link_preview_options", "reply_parameters", "media", "results", "options", "permissions",
        "menu_button", "explanation_entities", "question_entities", "reaction",
    }
)  # fmt: skip
_INT_FIELDS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
        "message_thread_id", "cache_time", "user_id", "from_chat_id", "max_connections",
        "duration", "width", "height", "until_date",
    }
)  # fmt: skip
_BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast",
    }
)  # fmt: skip
_INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)  # fmt: skip


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value  # handlers report it the way Telegram does
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. chat_id="@channelname"
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _inline_button_value(button: JsonDict) -> str:
    for key in _INLINE_BUTTON_ACTIONS:
        value = button.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("url"), str):
            return str(value["url"])  # web_app / login_url
    return ""


def _opt_int(params: JsonDict, key: str) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{key}" must be a valid Number') from None


def _opt_str(params: JsonDict, key: str) -> str | None:
    value = params.get(key)
    return None if value is None else str(value)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _user_json(user: FakeUser) -> JsonDict:
    data: JsonDict = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(user, key)
        if value is not None:
            data[key] = value
    return data


# --------------------------------------------------------------------------------------------
# Server state helpers
# --------------------------------------------------------------------------------------------


@dataclass
class _PendingUpdate:
    update_id: int
    type: str
    payload: JsonDict
    delivered: int = 0  # how many getUpdates responses carried it


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes = field(repr=False)
    size: int


@dataclass
class _CallbackQuery:
    user_id: int
    chat_id: int
    message_id: int
    answered: bool = False
    # Bale: a client too old to show callback answers (its query ids start with "1").
    old_client: bool = False


class _RateLimits:
    """Sliding windows over real time, per chat and overall (see enforce_rate_limits)."""

    _COUNTED = ("send", "edit", "copy", "forward")

    def __init__(self, overall: int, private: int, burst: int, group_minute: int) -> None:
        self.overall = overall
        self.private = private
        self.burst = burst
        self.group_minute = group_minute
        self.refused = 0
        # When each refusal came, to which chat, and the arrivals of the window that was full.
        self.refusals: list[tuple[float, int, tuple[float, ...]]] = []
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = defaultdict(deque)

    def check(self, method: str, params: JsonDict) -> None:
        name = method.lower()
        if not name.startswith(self._COUNTED) or name == "sendchataction":
            return
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        now = time.monotonic()
        while self._all and self._all[0] <= now - 1.0:
            self._all.popleft()
        window = 60.0 if chat_id < 0 else float(self.burst) / self.private
        allowed = self.group_minute if chat_id < 0 else self.burst
        chat = self._chats[chat_id]
        while chat and chat[0] <= now - window:
            chat.popleft()
        if len(self._all) >= self.overall:
            self.refusals.append((now, chat_id, tuple(self._all)))
            self._refuse(self._all[0] + 1.0 - now)
        if len(chat) >= allowed:
            self.refusals.append((now, chat_id, tuple(chat)))
            self._refuse(chat[0] + window - now)
        self._all.append(now)
        chat.append(now)

    def _refuse(self, wait: float) -> None:
        self.refused += 1
        retry_after = max(1, int(wait + 0.999))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )


@dataclass
class _InjectedFailure:
    status: int
    description: str
    retry_after: int | None


class FakeBotAPI:
    """In-process fake of the Telegram Bot API HTTP interface (see module docstring)."""

    def __init__(
        self,
        token: str = "123456789:TEST-token-for-the-fake-api-0000",
        bot_username: str = "cluster_test_bot",
        platform: str = "telegram",
    ) -> None:
        self.platform = "telegram"
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = " ".join(p.capitalize() for p in bot_username.split("_") if p)
        self.calls: list[ApiCall] = []
        # Method names are case-insensitive on Telegram, hence lower-case keys.
        self.handlers: dict[str, Handler] = {}
        self._register_default_handlers()

        self._base_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = False

        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._started_users: set[int] = set()  # wrote to the bot in private
        self._blocked_users: set[int] = set()
        self._member_of: set[int] = set()  # group ids the bot is in

        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._pending: list[_PendingUpdate] = []
        self._dropped_updates: list[_PendingUpdate] = []
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._poll_generation = 0
        self._get_updates_count = 0
        self._last_offset: int | None = None
        self._last_poll_at: float | None = None
        self._wake = asyncio.Event()
        self._webhook_url = ""

        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._sent: dict[tuple[int, int], SentMessage] = {}
        self._sent_order: list[SentMessage] = []
        self._user_messages: dict[tuple[int, int], JsonDict] = {}

        self._file_counter = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}

        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._queries: dict[str, _CallbackQuery] = {}
        self._callback_answers: list[tuple[int, JsonDict]] = []

        self._failures: dict[str, deque[_InjectedFailure]] = defaultdict(deque)
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        # Awaited by drain() once every update is confirmed: a bot that sends from a task of
        # its own (an outbox sender) registers "wait until you are idle" here.
        self.drain_hooks: list[Callable[[], Awaitable[object]]] = []
        # Telegram-like flood control (enforce_rate_limits), off unless asked for.
        self._rate_limits: _RateLimits | None = None

        self._old_clients: set[int] = set()
        self._old_query_ids = itertools.count(1_000_000_000_000_000_001)
        self.markup_surprises: list[MarkupSurprise] = []
        self.webhook_secret_token: str | None = None
        if platform == "bale":
            self.as_bale()
        elif platform != "telegram":
            raise ValueError(f"unknown platform {platform!r}")

    def as_bale(self) -> "FakeBotAPI":
        """Behave like Bale's Bot API from now on (see the module docstring)."""
        self.platform = "bale"
        for method in ("setMyCommands", "getMyCommands", "deleteMyCommands"):
            # Bale has no command menu methods: they answer like any unknown method.
            self.handlers.pop(method.lower(), None)
        return self

    @property
    def is_bale(self) -> bool:
        return self.platform == "bale"

    def use_old_client(self, user: FakeUser) -> None:
        """Bale: this user's client predates callback answers; it never shows one."""
        self._old_clients.add(user.id)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        # Uploads can be large (Telegram allows 50 MB); aiohttp's default body cap is 1 MB.
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        self._stopping = False

    async def stop(self) -> None:
        if self._runner is None:
            return
        # Release long-polling getUpdates so shutdown does not wait for their timeouts.
        self._stopping = True
        self._notify()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> "FakeBotAPI":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeBotAPI.start() has not been awaited")
        return self._base_url

    def register(self, method: str, handler: Handler) -> None:
        """Add or replace a Bot API method; the handler raises ApiError to fail."""
        self.handlers[method.lower()] = handler

    def _register_default_handlers(self) -> None:
        table: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            # Cosmetic startup calls some bots make; accepting them keeps startup working.
            "setMyDescription": self._accept,
            "setMyShortDescription": self._accept,
            "setMyName": self._accept,
            "setChatMenuButton": self._accept,
        }
        for method, handler in table.items():
            self.register(method, handler)

    # ---------------------------------------------------------------- injecting updates

    def text(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        reply_to: SentMessage | None = None,
    ) -> int:
        content: JsonDict = {"text": text}
        command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
        if command:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            ]
        if reply_to is not None:
            content["reply_to_message"] = self._message_json(self._own_message(reply_to))
        return self._inject_message(user, chat, content)

    def contact(
        self,
        user: FakeUser,
        phone_number: str,
        *,
        own: bool = True,
        forwarded_from: FakeUser | None = None,
    ) -> int:
        # Somebody else's contact gets a user id far from any the tests are likely to use.
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": user.first_name if own else "Someone",
            "user_id": user.id if own else user.id + 7_000_000_000,
        }
        if self.is_bale:
            # Bale does not document Contact.user_id; assume the worst: it never comes.
            del contact["user_id"]
        if own and user.last_name:
            contact["last_name"] = user.last_name
        body: JsonDict = {"contact": contact}
        if forwarded_from is not None:
            body["forward_origin"] = {
                "type": "user",
                "date": int(time.time()) - 60,
                "sender_user": _user_json(forwarded_from),
            }
        return self._inject_message(user, None, body)

    def document(
        self,
        user: FakeUser,
        file_name: str,
        content: bytes,
        mime_type: str,
        *,
        chat: FakeChat | None = None,
        caption: str | None = None,
        declared_size: int | None = None,
    ) -> int:
        stored = self._store_file(content, file_name, mime_type, "documents", declared_size)
        body: JsonDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.size,
            }
        }
        if caption is not None:
            body["caption"] = caption
        return self._inject_message(user, chat, body)

    def photo(
        self,
        user: FakeUser,
        content: bytes,
        *,
        chat: FakeChat | None = None,
        caption: str | None = None,
    ) -> int:
        stored = self._store_file(content, None, "image/jpeg", "photos", None)
        body: JsonDict = {"photo": [self._photo_size(stored)]}
        if caption is not None:
            body["caption"] = caption
        return self._inject_message(user, chat, body)

    def callback(self, user: FakeUser, message: SentMessage, data: str) -> int:
        stored = self._own_message(message)
        if stored.deleted:
            raise AssertionError(f"cannot press a button on deleted message {stored.describe()}")
        self._users[user.id] = user
        if stored.chat_id == user.id:
            self._mark_started(user.id)
        old_client = self.is_bale and user.id in self._old_clients
        query_id = str(next(self._old_query_ids if old_client else self._query_ids))
        self._queries[query_id] = _CallbackQuery(
            user.id, stored.chat_id, stored.message_id, old_client=old_client
        )
        payload: JsonDict = {
            "id": query_id,
            "from": _user_json(user),
            "message": self._message_json(stored),
            "chat_instance": str(abs(stored.chat_id) * 31 + 7),
            "data": data,
        }
        return self._push_update("callback_query", payload)

    def bot_added_to_group(self, chat: FakeChat, by: FakeUser) -> int:
        if self.is_bale:
            # No my_chat_member on Bale: the group's service message is all the bot gets.
            return self.join_message(chat, by)
        self._users[by.id] = by
        self._chats[chat.id] = chat
        self._member_of.add(chat.id)
        bot = self._bot_user_json()
        payload: JsonDict = {
            "chat": self._chat_json(chat.id),
            "from": _user_json(by),
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot},
        }
        return self._push_update("my_chat_member", payload)

    def join_message(
        self, chat: FakeChat, by: FakeUser, joined: list[FakeUser] | None = None
    ) -> int:
        """The group's "X added Y" service message; without `joined`, the bot was added.
        Telegram sends it besides my_chat_member when the bot is added; Bale sends only it."""
        members = [_user_json(u) for u in joined] if joined else [self._bot_user_json()]
        return self._inject_message(by, chat, {"new_chat_members": members})

    def block_user(self, user_id: int) -> None:
        """Later sends to this user fail with 403 until the user writes to the bot again."""
        self._blocked_users.add(user_id)

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        self._failures[method.lower()].append(_InjectedFailure(status, description, retry_after))

    def enforce_rate_limits(
        self,
        overall: int = 30,
        per_private_chat: int = 1,
        private_burst: int = 3,
        per_group_minute: int = 20,
    ) -> None:
        """Answer 429 (with retry_after) as Telegram does when messages go out faster than
        `overall` a second, `per_private_chat` a second to a person (beyond a burst of
        `private_burst`), or `per_group_minute` a minute to a group. Real time, for
        benchmarks; `rate_limited` counts the refusals."""
        self._rate_limits = _RateLimits(overall, per_private_chat, private_burst, per_group_minute)

    def allow_any_rate(self) -> None:
        """Stop enforcing rate limits (see enforce_rate_limits)."""
        self._rate_limits = None

    def users_started(self, user_ids: Iterable[int]) -> None:
        """These people wrote to the bot once (so it may write to them), without an update."""
        for user_id in user_ids:
            self._mark_started(user_id)

    @property
    def rate_limited(self) -> int:
        return self._rate_limits.refused if self._rate_limits is not None else 0

    # ---------------------------------------------------------------- reading results

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._sent_order if m.chat_id == chat_id and not m.deleted]

    def last_message_to(self, chat_id: int) -> SentMessage:
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}; {self._sent_summary()}")
        return messages[-1]

    def all_messages(self) -> list[SentMessage]:
        """Everything the bot sent, deleted messages included, in order."""
        return list(self._sent_order)

    def callback_answers(self, user_id: int) -> list[dict]:
        """Answers the user saw: on Bale, an old client shows none (see unseen_answers)."""
        return [
            dict(params)
            for uid, params in self._callback_answers
            if uid == user_id and not params.get("_unseen")
        ]

    def unseen_answers(self, user_id: int) -> list[str]:
        """Texts of callback answers sent to an old Bale client, which showed nothing."""
        return [
            str(params.get("text") or "")
            for uid, params in self._callback_answers
            if uid == user_id and params.get("_unseen") and params.get("text")
        ]

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids nobody answered; Telegram clients show a spinner for those."""
        return [qid for qid, query in self._queries.items() if not query.answered]

    def errors(self) -> list[ApiCall]:
        return [call for call in self.calls if not call.ok]

    def menu(self, chat_id: int | None = None, language_code: str = "") -> list[str]:
        """The command names setMyCommands left for a private chat's scope (or the default
        scope), as a client in that language would show them."""
        scope = {"type": "default"} if chat_id is None else {"type": "chat", "chat_id": chat_id}
        key = (json.dumps(scope, sort_keys=True), language_code)
        return [str(c["command"]) for c in self._commands.get(key, [])]

    def menu_descriptions(self, chat_id: int) -> list[str]:
        key = (json.dumps({"type": "chat", "chat_id": chat_id}, sort_keys=True), "")
        return [str(c["description"]) for c in self._commands.get(key, [])]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    # ---------------------------------------------------------------- synchronisation

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until the bot confirmed (via getUpdates offset) every injected update.

        Requires polling with handle_as_tasks=False: only then does the next getUpdates mean
        the previous batch has been fully handled.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._pending:
            if loop.time() >= deadline:
                raise TimeoutError(self._drain_report(timeout))
            await asyncio.sleep(0.005)
        for hook in list(self.drain_hooks):
            await asyncio.wait_for(hook(), max(deadline - loop.time(), 0.1))

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> SentMessage:
        """Return the newest message to chat_id matching predicate, polling until one exists."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in reversed(self.messages_to(chat_id)):
                if predicate is None or predicate(message):
                    return message
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"no message to chat {chat_id} matched within {timeout}s; "
                    f"{self._sent_summary(chat_id)}; rejected calls: {self._errors_summary()}"
                )
            await asyncio.sleep(0.01)

    def _drain_report(self, timeout: float) -> str:
        pending = ", ".join(
            f"{u.update_id} ({u.type}, delivered {u.delivered}x)" for u in self._pending
        )
        if self._last_poll_at is None:
            last_poll = "never"
        else:
            last_poll = f"{asyncio.get_running_loop().time() - self._last_poll_at:.2f}s ago"
        return (
            f"drain timed out after {timeout}s: updates not confirmed by the bot: {pending}. "
            f"getUpdates calls: {self._get_updates_count}, last offset {self._last_offset}, "
            f"last at {last_poll}. Is the bot polling this server with handle_as_tasks=False, "
            f"and did a handler hang or crash? Rejected calls: {self._errors_summary()}"
        )

    def _sent_summary(self, chat_id: int | None = None) -> str:
        messages = [m for m in self._sent_order if chat_id is None or m.chat_id == chat_id]
        if not messages:
            where = "anywhere" if chat_id is None else f"to chat {chat_id}"
            return f"nothing was sent {where}"
        lines = "\n".join(f"  chat {m.chat_id} {m.describe()}" for m in messages[-20:])
        return f"sent messages (last {min(len(messages), 20)}):\n{lines}"

    def _errors_summary(self) -> str:
        errors = self.errors()
        if not errors:
            return "none"
        return "; ".join(f"{c.method}: {c.error}" for c in errors[-10:])

    # ---------------------------------------------------------------- update plumbing

    def _notify(self) -> None:
        # A fresh Event per generation lets every current waiter wake exactly once.
        self._wake.set()
        self._wake = asyncio.Event()

    def _push_update(self, update_type: str, payload: JsonDict) -> int:
        update_id = next(self._update_ids)
        self._last_update_id = update_id
        self._pending.append(
            _PendingUpdate(update_id, update_type, {"update_id": update_id, update_type: payload})
        )
        self._notify()
        return update_id

    def _inject_message(self, user: FakeUser, chat: FakeChat | None, content: JsonDict) -> int:
        chat = chat or FakeChat(id=user.id, type="private")
        if self.is_bale and chat.type not in ("private", "group", "channel"):
            raise AssertionError(f"Bale has no {chat.type!r} chats: use type='group'")
        self._users[user.id] = user
        self._chats[chat.id] = chat
        if chat.type == "private":
            self._mark_started(user.id)
        else:
            self._member_of.add(chat.id)  # it could not see the message otherwise
        message_id = next(self._message_ids[chat.id])
        message: JsonDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_json(chat.id),
            "from": _user_json(user),
            **content,
        }
        self._user_messages[(chat.id, message_id)] = message
        return self._push_update("message", message)

    def _mark_started(self, user_id: int) -> None:
        # Writing to a bot you blocked requires unblocking it first, so a message unblocks.
        self._started_users.add(user_id)
        self._blocked_users.discard(user_id)

    def _own_message(self, message: SentMessage) -> SentMessage:
        stored = self._sent.get((message.chat_id, message.message_id))
        if stored is None:
            raise AssertionError(f"{message!r} was not sent by the bot through this fake")
        return stored

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [u for u in self._pending if u.update_id >= offset]

    def _drop_unwanted(self) -> None:
        # Telegram never delivers updates outside allowed_updates; they count as handled.
        allowed = self._allowed_updates
        keep: list[_PendingUpdate] = []
        for update in self._pending:
            wanted = (
                update.type not in DEFAULT_UPDATE_TYPES_EXCLUDED
                if allowed is None
                else update.type in allowed
            )
            if wanted:
                keep.append(update)
            else:
                logger.info(
                    "dropping update %s (%s): not in allowed_updates", update.update_id, update.type
                )
                self._dropped_updates.append(update)
        self._pending = keep

    # ---------------------------------------------------------------- JSON builders

    def _bot_user_json(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat_json(self, chat_id: int) -> JsonDict:
        chat = self._chats.get(chat_id)
        if chat is None and chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        if chat is None or chat.type == "private":
            data: JsonDict = {"id": chat_id, "type": "private"}
            user = self._users.get(chat_id)
            data["first_name"] = user.first_name if user else "User"
            if user and user.last_name:
                data["last_name"] = user.last_name
            if user and user.username:
                data["username"] = user.username
            return data
        return {"id": chat.id, "type": chat.type, "title": chat.title or f"Group {chat.id}"}

    def _photo_size(self, stored: _StoredFile) -> JsonDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": stored.size,
        }

    def _render(
        self, text: str, parse_mode: str | None, entities: list[JsonDict] | None
    ) -> tuple[str, list[JsonDict]]:
        mode = (parse_mode or "").lower()
        if self.is_bale:
            if mode:
                raise bad_request("parse_mode is not supported")
            # Bale documents only mention and bot_command entities, so formatting found in the
            # text is not reported back; markup_surprises records it instead.
            return parse_bale_markdown(text)[0], []
        if mode == "html":
            try:
                return parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        if mode in ("markdown", "markdownv2"):
            return text, []  # accepted unchecked; see module docstring
        if mode:
            raise bad_request("unsupported parse_mode")
        return text, list(entities or [])

    def _message_json(self, message: SentMessage) -> JsonDict:
        data: JsonDict = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_json(message.chat_id),
            "from": self._bot_user_json(),
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.kind == "text" and message.text is not None:
            plain, entities = self._render(message.text, message.parse_mode, message.entities)
            data["text"] = plain
            if entities:
                data["entities"] = entities
        elif message.caption is not None:
            plain, entities = self._render(message.caption, message.parse_mode, message.entities)
            data["caption"] = plain
            if entities:
                data["caption_entities"] = entities
        stored = self._files.get(message.file_id or "")
        if message.kind == "document" and stored is not None:
            data["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": stored.size,
            }
        elif message.kind == "photo" and stored is not None:
            data["photo"] = [self._photo_size(stored)]
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            # Only inline keyboards are part of a message; reply keyboards belong to the chat.
            data["reply_markup"] = message.reply_markup
        if message.reply_to_message_id is not None:
            replied = self._user_messages.get((message.chat_id, message.reply_to_message_id))
            if replied is not None:
                data["reply_to_message"] = replied
        return data

    def _store_file(
        self,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        folder: str,
        declared_size: int | None,
    ) -> _StoredFile:
        number = next(self._file_counter)
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            extension = ".jpg"
        stored = _StoredFile(
            file_id=f"FAKEFILE{number:06d}-{folder}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            content=content,
            size=declared_size if declared_size is not None else len(content),
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # ---------------------------------------------------------------- HTTP layer

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        raw: JsonDict = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON body") from None
                if isinstance(body, dict):
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            value.filename, value.file.read(), value.content_type
                        )
                    else:
                        raw[key] = value
        return {key: _decode_value(key, value) for key, value in raw.items()}, files

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: JsonDict = {}
        try:
            params, files = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            failures = self._failures.get(method.lower())
            if failures:
                failure = failures.popleft()
                extra = {"retry_after": failure.retry_after} if failure.retry_after else None
                raise ApiError(failure.status, failure.description, extra)
            if self._rate_limits is not None:
                self._rate_limits.check(method, params)
            handler = self.handlers.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(CallContext(method, params, files, request))
        except ApiError as exc:
            if _client_gone(request):
                # Nobody reads this answer (e.g. a long poll abandoned by a stopped bot), so
                # recording it would only put noise into errors().
                return web.json_response({"ok": False}, status=exc.status)
            self.calls.append(ApiCall(method, params, False, exc.description, None))
            logger.info("fake Bot API rejected %s: %s", method, exc.description)
            body: JsonDict = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.status)
        except Exception as exc:
            # A bug in the fake itself: make it loud in the test output, not a silent hang.
            logger.exception("fake Bot API crashed in %s", method)
            description = f"Internal Server Error: fake crashed: {exc!r}"
            self.calls.append(ApiCall(method, params, False, description, None))
            return web.json_response(
                {"ok": False, "error_code": 500, "description": description}, status=500
            )
        self.calls.append(ApiCall(method, params, True, None, result))
        return web.json_response({"ok": True, "result": result})

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ---------------------------------------------------------------- shared checks

    def _chat_id(self, params: JsonDict, key: str = "chat_id") -> int:
        value = params.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        if isinstance(value, int):
            return value
        text = str(value)
        if text.lstrip("-").isdigit():
            return int(text)
        if text.startswith("@"):
            for chat in self._chats.values():
                user = self._users.get(chat.id)
                if user is not None and user.username and f"@{user.username}" == text:
                    return chat.id
        raise bad_request("chat not found")

    def _check_can_send(self, chat_id: int) -> None:
        if chat_id > 0:
            if chat_id in self._blocked_users:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat_id not in self._started_users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat_id not in self._member_of:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")

    def _note_surprises(self, text: str) -> None:
        if self.is_bale:
            for problem in parse_bale_markdown(text)[2]:
                self.markup_surprises.append(MarkupSurprise(text, problem))

    def _check_text(self, text: str | None, parse_mode: str | None, entities: Any) -> None:
        if not text:
            raise bad_request("message text is empty")
        self._note_surprises(text)
        plain, _ = self._render(text, parse_mode, entities)
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")

    def _check_caption(self, caption: str | None, parse_mode: str | None, entities: Any) -> None:
        if caption is None:
            return
        self._note_surprises(caption)
        plain, _ = self._render(caption, parse_mode, entities)
        if len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")

    def _check_markup(self, markup: Any, *, inline_only: bool = False) -> dict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "should be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif inline_only:
            raise bad_request("inline keyboard expected")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if not any(key in button for key in _INLINE_BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_target(self, params: JsonDict, chat_id: int) -> int | None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        message_id = _opt_int(params, "reply_to_message_id")
        if isinstance(reply, dict):
            message_id = _opt_int(reply, "message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat_id):
                return None  # cross-chat replies are not modelled
        if message_id is None:
            return None
        exists = (chat_id, message_id) in self._user_messages or (
            (chat_id, message_id) in self._sent and not self._sent[(chat_id, message_id)].deleted
        )
        if exists:
            return message_id
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")

    def _rerender(self, message: SentMessage) -> None:
        body = message.text if message.text is not None else message.caption
        if self.is_bale and body is not None:
            message.rendered = parse_bale_markdown(body)[0]

    def _record_sent(self, message: SentMessage) -> JsonDict:
        self._rerender(message)
        self._sent[(message.chat_id, message.message_id)] = message
        self._sent_order.append(message)
        return self._message_json(message)

    def _editable(self, params: JsonDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not modelled
        chat_id = self._chat_id(params)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._sent.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        if chat_id in self._blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return message

    # ---------------------------------------------------------------- method handlers

    async def _accept(self, call: CallContext) -> bool:
        return True

    async def _get_me(self, call: CallContext) -> JsonDict:
        return {
            **self._bot_user_json(),
            "can_join_groups": True,
            # Tests inject every group message, so say so instead of claiming privacy mode.
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: CallContext) -> list[JsonDict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = min(max(_opt_int(params, "timeout") or 0, 0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            # Like Telegram, the setting sticks until a later request changes it; [] = default.
            self._allowed_updates = frozenset(allowed) if allowed else None
        loop = asyncio.get_running_loop()
        self._get_updates_count += 1
        self._last_offset = offset
        self._last_poll_at = loop.time()
        if offset is not None:
            self._confirm(offset)
        # Telegram answers an older concurrent getUpdates with 409; wake it to do so.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = loop.time() + timeout
        while True:
            self._drop_unwanted()
            batch = self._pending[:limit]
            if batch or self._stopping:
                for update in batch:
                    update.delivered += 1
                return [update.payload for update in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            wake = self._wake
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)
            if generation != self._poll_generation and not self._stopping:
                raise ApiError(409, GET_UPDATES_CONFLICT)

    async def _send_message(self, call: CallContext) -> JsonDict:
        params = call.params
        chat_id = self._chat_id(params)
        text = _opt_str(params, "text")
        parse_mode = _opt_str(params, "parse_mode")
        self._check_text(text, parse_mode, params.get("entities"))
        markup = self._check_markup(params.get("reply_markup"))
        self._check_can_send(chat_id)
        reply_to = self._reply_target(params, chat_id)
        message = SentMessage(
            message_id=next(self._message_ids[chat_id]),
            chat_id=chat_id,
            text=text,
            caption=None,
            parse_mode=parse_mode,
            reply_markup=markup,
            kind="text",
            document_name=None,
            content=None,
            reply_to_message_id=reply_to,
            entities=params.get("entities") if not parse_mode else None,
            date=int(time.time()),
        )
        return self._record_sent(message)

    async def _send_document(self, call: CallContext) -> JsonDict:
        return await self._send_media(call, "document")

    async def _send_photo(self, call: CallContext) -> JsonDict:
        return await self._send_media(call, "photo")

    async def _send_media(self, call: CallContext, kind: str) -> JsonDict:
        params = call.params
        chat_id = self._chat_id(params)
        caption = _opt_str(params, "caption")
        parse_mode = _opt_str(params, "parse_mode")
        self._check_caption(caption, parse_mode, params.get("caption_entities"))
        markup = self._check_markup(params.get("reply_markup"))
        stored = self._input_file(call, kind)
        self._check_can_send(chat_id)
        reply_to = self._reply_target(params, chat_id)
        message = SentMessage(
            message_id=next(self._message_ids[chat_id]),
            chat_id=chat_id,
            text=None,
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            kind=kind,
            document_name=stored.file_name,
            content=stored.content,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
            reply_to_message_id=reply_to,
            entities=params.get("caption_entities") if not parse_mode else None,
            date=int(time.time()),
        )
        return self._record_sent(message)

    def _input_file(self, call: CallContext, field_name: str) -> _StoredFile:
        """Resolve an upload (attach://key or a direct file part), a known file_id, or a URL."""
        folder = "documents" if field_name == "document" else f"{field_name}s"
        value = call.params.get(field_name)
        upload = call.files.get(field_name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            if len(upload.content) > MAX_UPLOAD_SIZE:
                raise ApiError(413, "Request Entity Too Large")
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename)[0] or mime
            if field_name == "photo":
                mime = mime if mime and mime.startswith("image/") else "image/jpeg"
            return self._store_file(upload.content, upload.filename, mime, folder, None)
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"https?://", value):
                name = value.rstrip("/").rsplit("/", 1)[-1] or None
                return self._store_file(b"", name, mimetypes.guess_type(value)[0], folder, None)
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {field_name} in the request")

    async def _edit_message_text(self, call: CallContext) -> JsonDict:
        params = call.params
        message = self._editable(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text = _opt_str(params, "text")
        parse_mode = _opt_str(params, "parse_mode")
        entities = params.get("entities") if not parse_mode else None
        self._check_text(text, parse_mode, entities)
        assert text is not None
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        old = self._render(message.text or "", message.parse_mode, message.entities)
        new = self._render(text, parse_mode, entities)
        # Telegram compares the rendered result; omitting reply_markup removes the keyboard.
        if old == new and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text, message.parse_mode, message.entities = text, parse_mode, entities
        message.reply_markup = markup
        return self._mark_edited(message)

    async def _edit_message_caption(self, call: CallContext) -> JsonDict:
        params = call.params
        message = self._editable(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption = _opt_str(params, "caption")
        parse_mode = _opt_str(params, "parse_mode")
        entities = params.get("caption_entities") if not parse_mode else None
        self._check_caption(caption, parse_mode, entities)
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        old = self._render(message.caption or "", message.parse_mode, message.entities)
        new = self._render(caption or "", parse_mode, entities)
        if old == new and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.caption, message.parse_mode, message.entities = caption, parse_mode, entities
        message.reply_markup = markup
        return self._mark_edited(message)

    async def _edit_message_reply_markup(self, call: CallContext) -> JsonDict:
        message = self._editable(call.params)
        markup = self._check_markup(call.params.get("reply_markup"), inline_only=True)
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.reply_markup = markup
        return self._mark_edited(message)

    def _mark_edited(self, message: SentMessage) -> JsonDict:
        self._rerender(message)
        message.edits += 1
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _delete_message(self, call: CallContext) -> bool:
        chat_id = self._chat_id(call.params)
        message_id = _opt_int(call.params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        sent = self._sent.get((chat_id, message_id))
        if sent is not None and not sent.deleted:
            sent.deleted = True
            return True
        if self._user_messages.pop((chat_id, message_id), None) is not None:
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, call: CallContext) -> bool:
        query_id = _opt_str(call.params, "callback_query_id") or ""
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = _opt_str(call.params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer: JsonDict = {"text": None, "show_alert": False, **call.params}
        if query.old_client:
            answer["_unseen"] = True
        self._callback_answers.append((query.user_id, answer))
        return True

    async def _get_file(self, call: CallContext) -> JsonDict:
        stored = self._files.get(_opt_str(call.params, "file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), _opt_str(params, "language_code") or ""

    async def _set_my_commands(self, call: CallContext) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(call.params)] = commands
        return True

    async def _delete_my_commands(self, call: CallContext) -> bool:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    async def _get_my_commands(self, call: CallContext) -> list[JsonDict]:
        return self._commands.get(self._commands_key(call.params), [])

    async def _set_webhook(self, call: CallContext) -> bool:
        url = _opt_str(call.params, "url") or ""
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        allowed_ports = {443, 88} if self.is_bale else {443, 80, 88, 8443}
        if url and (urlsplit(url).port or 443) not in allowed_ports:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                if not self.is_bale
                else "bad webhook: only ports 443 and 88 are allowed"
            )
        self._webhook_url = url
        # Bale's setWebhook documents no secret_token: whatever is passed is ignored.
        self.webhook_secret_token = None if self.is_bale else _opt_str(call.params, "secret_token")
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    async def _delete_webhook(self, call: CallContext) -> bool:
        self._webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, call: CallContext) -> JsonDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _send_chat_action(self, call: CallContext) -> bool:
        chat_id = self._chat_id(call.params)
        if not _opt_str(call.params, "action"):
            raise bad_request("action is empty")
        self._check_can_send(chat_id)
        return True

    async def _get_chat(self, call: CallContext) -> JsonDict:
        chat_id = self._chat_id(call.params)
        if chat_id not in self._chats and chat_id not in self._member_of:
            raise bad_request("chat not found")
        return {
            **self._chat_json(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


# --------------------------------------------------------------------------------------------
# aiogram conveniences for tests
# --------------------------------------------------------------------------------------------


def fast_session(base_url: str, **kwargs: Any) -> "AiohttpSession":
    """An aiogram session for the fake whose close() skips aiogram's 250 ms SSL grace sleep."""
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    class _FastCloseSession(AiohttpSession):
        async def close(self) -> None:
            # Plain HTTP to localhost: there is no SSL shutdown worth waiting for.
            if self._session is not None and not self._session.closed:
                await self._session.close()

    return _FastCloseSession(api=TelegramAPIServer.from_base(base_url), **kwargs)


@asynccontextmanager
async def running_dispatcher(
    dispatcher: "Dispatcher", bot: "Bot", **polling_kwargs: Any
) -> AsyncIterator[asyncio.Task[None]]:
    """Poll in the background in the mode drain() relies on; stop cleanly on exit."""
    polling_kwargs.setdefault("handle_as_tasks", False)
    polling_kwargs.setdefault("handle_signals", False)
    polling_kwargs.setdefault("close_bot_session", False)
    task = asyncio.create_task(dispatcher.start_polling(bot, **polling_kwargs))
    try:
        yield task
    finally:
        while not task.done():
            try:
                await dispatcher.stop_polling()
                break
            except RuntimeError:
                # "Polling is not started" yet: the task has not reached its loop; retry.
                await asyncio.sleep(0.005)
        await task

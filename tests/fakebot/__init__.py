"""Fake Telegram Bot API server for driving the real bot in tests."""

from .server import (
    ApiCall,
    ApiError,
    CallContext,
    EntityParseError,
    FakeBotAPI,
    FakeChat,
    FakeUser,
    MarkupSurprise,
    SentMessage,
    UploadedFile,
    fast_session,
    parse_bale_markdown,
    parse_html,
    running_dispatcher,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "CallContext",
    "EntityParseError",
    "FakeBotAPI",
    "FakeChat",
    "FakeUser",
    "MarkupSurprise",
    "SentMessage",
    "UploadedFile",
    "fast_session",
    "parse_bale_markdown",
    "parse_html",
    "running_dispatcher",
]

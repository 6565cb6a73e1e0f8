"""The platform profiles: what the bot does differently on Bale, as plain functions."""

from __future__ import annotations

import pytest

from bot.config import Platform
from bot.i18n import LOCALES, Catalogs, placeholders
from bot.platform import MIN_PATH_SECRET_LENGTH, PROFILES
from tests.fakebot import parse_bale_markdown

TELEGRAM = PROFILES[Platform.TELEGRAM]
BALE = PROFILES[Platform.BALE]
SECRET = "s" * MIN_PATH_SECRET_LENGTH


# --- webhooks -------------------------------------------------------------------------------


def test_on_telegram_the_webhook_secret_travels_in_a_header() -> None:
    endpoint = TELEGRAM.webhook("https://bot.example.org/webhook", SECRET)
    assert endpoint.url == "https://bot.example.org/webhook"
    assert endpoint.secret_token == SECRET and endpoint.path == "/webhook"
    assert endpoint.is_authentic("/webhook", {"x-telegram-bot-api-secret-token": SECRET})
    assert not endpoint.is_authentic("/webhook", {"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert not endpoint.is_authentic("/webhook", {})


def test_on_bale_the_webhook_secret_is_the_last_path_segment() -> None:
    endpoint = BALE.webhook("https://bot.example.org:88/webhook/", SECRET)
    assert endpoint.url == f"https://bot.example.org:88/webhook/{SECRET}"
    assert endpoint.secret_token is None
    assert endpoint.path == f"/webhook/{SECRET}"
    assert endpoint.is_authentic(f"/webhook/{SECRET}", {})
    # Bale sends no header, and a header would prove nothing: only the path counts.
    assert not endpoint.is_authentic("/webhook/guess", {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert not endpoint.is_authentic("/webhook", {})


def test_a_bare_host_gets_the_secret_as_its_whole_path_on_bale() -> None:
    assert (
        BALE.webhook("https://bot.example.org", SECRET).url == f"https://bot.example.org/{SECRET}"
    )


@pytest.mark.parametrize(
    ("profile", "url", "reason"),
    [
        (BALE, "https://bot.example.org:8443/hook", "ports 88, 443"),
        (TELEGRAM, "https://bot.example.org:8080/hook", "ports 80, 88, 443, 8443"),
        (BALE, "http://bot.example.org/hook", "https://"),
        (TELEGRAM, "https://bot.example.org/hook?k=v", "query"),
    ],
)
def test_webhook_urls_the_platform_would_refuse_are_refused_here(
    profile: object, url: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        profile.webhook(url, SECRET)  # type: ignore[attr-defined]


def test_a_short_or_odd_secret_is_refused_where_it_is_the_only_credential() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        BALE.webhook("https://bot.example.org/hook", "short")
    assert TELEGRAM.webhook("https://bot.example.org/hook", "short").secret_token == "short"
    with pytest.raises(ValueError, match="A-Z"):
        TELEGRAM.webhook("https://bot.example.org/hook", "has space")


# --- deep links, contacts, old clients -----------------------------------------------------


def test_deep_links_use_each_platforms_host() -> None:
    assert TELEGRAM.deep_link("cluster_bot", "join_42") == "https://t.me/cluster_bot?start=join_42"
    assert BALE.deep_link("@cluster_bot", "join_42") == "https://ble.ir/cluster_bot?start=join_42"
    assert BALE.deep_link("cluster_bot") == "https://ble.ir/cluster_bot"
    with pytest.raises(ValueError, match="64"):
        BALE.deep_link("cluster_bot", "not allowed!")


def test_a_contact_with_a_user_id_must_be_the_senders_own_everywhere() -> None:
    for profile in (TELEGRAM, BALE):
        assert profile.accepts_contact(7, 7, private_chat=True, forwarded=False)
        assert not profile.accepts_contact(8, 7, private_chat=True, forwarded=False)


def test_a_contact_without_a_user_id_is_taken_only_on_bale_sent_in_private() -> None:
    assert BALE.accepts_contact(None, 7, private_chat=True, forwarded=False)
    assert not BALE.accepts_contact(None, 7, private_chat=True, forwarded=True)
    assert not BALE.accepts_contact(None, 7, private_chat=False, forwarded=False)
    assert not TELEGRAM.accepts_contact(None, 7, private_chat=True, forwarded=False)


def test_only_bale_query_ids_starting_with_1_are_old_clients() -> None:
    assert BALE.is_old_client_query("1234") and not BALE.is_old_client_query("4123")
    assert not TELEGRAM.is_old_client_query("1234")


# --- the texts themselves ------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_no_text_carries_markdown_that_bale_would_format(locale: str) -> None:
    catalogs = Catalogs(Platform.BALE)
    t = catalogs.translator(locale)
    formatted = []
    for key in sorted(catalogs.keys(locale)):
        values = {name: "x" for name in placeholders(catalogs.template(locale, key))}
        text = t(key, **values)
        plain, entities, problems = parse_bale_markdown(text)
        if entities or problems or plain != text:
            formatted.append(f"{key}: {problems}")
    assert formatted == []

"""Bale settings: naming the platform is enough, and a token never goes to the other service."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BALE_API_URL, TELEGRAM_API_URL, ConfigError, Platform, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BOT_TOKEN", "BOT_PLATFORM", "BOT_API_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_bale_alone_picks_bales_bot_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    settings = load_settings(bot_token=TOKEN, _env_file=None)
    assert settings.bot_platform is Platform.BALE
    assert settings.bot_api_url == BALE_API_URL == "https://tapi.bale.ai"


def test_telegram_by_default_keeps_telegrams_bot_api() -> None:
    assert load_settings(bot_token=TOKEN, _env_file=None).bot_api_url == TELEGRAM_API_URL


def test_a_bot_api_of_ones_own_is_kept_on_either_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    assert load_settings(bot_token=TOKEN, _env_file=None).bot_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("platform", "url", "named"),
    [("bale", TELEGRAM_API_URL, "telegram"), ("telegram", BALE_API_URL, "bale")],
)
def test_the_other_platforms_bot_api_is_refused_without_echoing_the_token(
    monkeypatch: pytest.MonkeyPatch, platform: str, url: str, named: str
) -> None:
    monkeypatch.setenv("BOT_PLATFORM", platform)
    monkeypatch.setenv("BOT_API_URL", url)
    with pytest.raises(ConfigError) as caught:
        load_settings(bot_token=TOKEN, _env_file=None)
    message = str(caught.value)
    assert f"{named}'s Bot API" in message and "wrong service" in message
    assert TOKEN not in message and TOKEN.split(":")[1] not in message

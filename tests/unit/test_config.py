"""Configuration an operator writes, and what the entry point says when it is wrong."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from bot.config import ConfigError, Platform, load_settings
from bot.logs import RedactingFormatter

ROOT = Path(__file__).resolve().parents[2]
GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
# A real-looking secret with a typo (a space) that must never be echoed back.
TYPO_TOKEN = "123456789:AAHdqTcvCH1vGWJx fSeofSAs0K5PALDsaw"
SETTINGS_VARIABLES = (
    "BOT_TOKEN",
    "BOT_PLATFORM",
    "BOT_API_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "ADMIN_IDS",
    "DEFAULT_LOCALE",
    "TIMEZONE",
    "POLLING_TIMEOUT",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's shell or .env; relative paths land in tmp."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)


def load(**values: object):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, **values)


def config_error(**values: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load(**values)
    return str(caught.value)


# --- the token -------------------------------------------------------------------------------


def test_a_missing_token_is_explained_in_one_line_naming_bot_token() -> None:
    message = config_error()
    assert "BOT_TOKEN" in message
    assert "\n" not in message


def test_a_malformed_token_is_refused_without_repeating_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load(bot_token=TYPO_TOKEN)
    message = str(caught.value)
    assert "BOT_TOKEN" in message
    assert "\n" not in message
    assert "AAHdqTcvCH1vGWJx" not in message


def test_even_a_full_traceback_of_the_refusal_does_not_show_the_token() -> None:
    with pytest.raises(ConfigError) as caught:
        load(bot_token=TYPO_TOKEN)
    printed = "".join(traceback.format_exception(caught.value))
    assert "AAHdqTcvCH1vGWJx" not in printed


def test_a_malformed_token_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "12345:short")
    with pytest.raises(ConfigError) as caught:
        load()
    assert "BOT_TOKEN" in str(caught.value)
    assert "12345:short" not in str(caught.value)


def test_a_well_formed_token_is_kept_secret_and_trimmed() -> None:
    settings = load(bot_token=f"  {GOOD_TOKEN}\n")
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)


def test_database_maintenance_needs_no_token() -> None:
    settings = load(require_token=False)
    assert settings.bot_token is None


def test_a_malformed_token_is_refused_even_when_none_is_required() -> None:
    with pytest.raises(ConfigError):
        load(require_token=False, bot_token="12345:short")


# --- superusers ------------------------------------------------------------------------------


def test_admin_ids_may_be_separated_by_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2 3")
    assert load(bot_token=GOOD_TOKEN).admin_ids == frozenset({1, 2, 3})


def test_a_single_admin_id_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1001")
    assert load(bot_token=GOOD_TOKEN).admin_ids == frozenset({1001})


def test_no_admin_ids_means_no_superusers() -> None:
    assert load(bot_token=GOOD_TOKEN).admin_ids == frozenset()


@pytest.mark.parametrize("typed", ["abc", "1, two", "@admin"])
def test_admin_ids_that_are_not_numbers_are_refused(
    monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    monkeypatch.setenv("ADMIN_IDS", typed)
    with pytest.raises(ConfigError) as caught:
        load(bot_token=GOOD_TOKEN)
    assert "ADMIN_IDS" in str(caught.value)


# --- where the Bot API and the database are --------------------------------------------------


def test_the_default_api_is_telegrams() -> None:
    settings = load(bot_token=GOOD_TOKEN)
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.bot_platform is Platform.TELEGRAM


def test_a_trailing_slash_on_the_api_url_is_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_API_URL", "https://tapi.bale.ai/")
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    settings = load(bot_token=GOOD_TOKEN)
    assert settings.bot_api_url == "https://tapi.bale.ai"
    assert settings.bot_platform is Platform.BALE


@pytest.mark.parametrize("url", ["tapi.bale.ai", "ftp://example.org", ""])
def test_an_api_url_that_is_not_http_is_refused(url: str) -> None:
    message = config_error(bot_token=GOOD_TOKEN, bot_api_url=url)
    assert "BOT_API_URL" in message


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("postgresql://bot:pw@db:5432/cluster", "postgresql+asyncpg://bot:pw@db:5432/cluster"),
        ("postgres://bot:pw@db/cluster", "postgresql+asyncpg://bot:pw@db/cluster"),
        ("postgresql+asyncpg://bot@db/cluster", "postgresql+asyncpg://bot@db/cluster"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_a_database_url_as_people_write_it_gets_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, written: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", written)
    assert load(bot_token=GOOD_TOKEN).database_url == used


def test_the_folder_of_a_sqlite_database_is_created(tmp_path: Path) -> None:
    load(require_token=False, database_url="sqlite:///var/state/bot.db")
    assert (tmp_path / "var" / "state").is_dir()


def test_the_default_database_lives_in_a_data_folder_next_to_where_the_bot_runs(
    tmp_path: Path,
) -> None:
    settings = load(require_token=False)
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert (tmp_path / "data").is_dir()


# --- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_persian_and_english_are_the_possible_default_languages(locale: str) -> None:
    assert load(bot_token=GOOD_TOKEN, default_locale=locale).default_locale == locale


@pytest.mark.parametrize("locale", ["de", "FA", "fa_IR", ""])
def test_any_other_default_language_is_refused(locale: str) -> None:
    assert "DEFAULT_LOCALE" in config_error(bot_token=GOOD_TOKEN, default_locale=locale)


# --- the entry point -------------------------------------------------------------------------


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS_VARIABLES}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_starting_without_a_token_says_so_in_one_line_and_exits_with_2(tmp_path: Path) -> None:
    result = run_bot(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_starting_with_a_malformed_token_does_not_print_it(tmp_path: Path) -> None:
    result = run_bot(tmp_path, BOT_TOKEN="12345:short")
    assert result.returncode == 2
    assert "12345:short" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_a_malformed_token_in_the_env_file_is_not_printed_either(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TYPO_TOKEN}\n", encoding="utf-8")
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr
    assert "AAHdqTcvCH1vGWJx" not in result.stderr + result.stdout


def test_the_database_can_be_created_before_any_token_exists(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    result = run_bot(tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert database.is_file()
    connection = sqlite3.connect(database)
    try:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        tables = {row[0] for row in connection.execute(query)}
        groups = {row[0] for row in connection.execute("SELECT code FROM working_groups")}
    finally:
        connection.close()
    assert "members" in tables
    assert {"central", "tehran", "yazd"} <= groups


# --- logs --------------------------------------------------------------------------------------


def _record_with_secret(secret: str) -> logging.LogRecord:
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{secret}/getMe failed")
    except RuntimeError:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "aiogram.event", logging.ERROR, __file__, 1, "request to bot%s failed", (secret,), exc_info
    )


def test_the_token_never_reaches_the_log_even_inside_an_exception() -> None:
    formatter = RedactingFormatter([GOOD_TOKEN], "%(levelname)s %(name)s: %(message)s")
    text = formatter.format(_record_with_secret(GOOD_TOKEN))
    assert GOOD_TOKEN not in text
    assert "request to bot<redacted> failed" in text
    assert "https://api.telegram.org/bot<redacted>/getMe" in text
    assert "Traceback" in text


def test_an_empty_secret_redacts_nothing() -> None:
    formatter = RedactingFormatter(["", GOOD_TOKEN], "%(message)s")
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "all good", None, None)
    assert formatter.format(record) == "all good"

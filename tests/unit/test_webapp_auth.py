"""The Mini App's launch data: signed by the messenger for this bot, fresh, and a person's."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

import pytest
from aiogram.utils.web_app import check_webapp_signature

from bot.config import ConfigError, Platform, Settings, load_settings
from bot.platform import PROFILES
from bot.webapp.auth import LaunchRejected, Refusal, init_data_of, verify_launch

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"
NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
DAY = datetime.timedelta(seconds=86400)
TELEGRAM = PROFILES[Platform.TELEGRAM]
BALE = PROFILES[Platform.BALE]


def signed(fields: dict[str, str], token: str = TOKEN, label: bytes = b"WebAppData") -> str:
    """Launch data signed as the platforms document it, written out step by step."""
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(label, token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def launch(user_id: int = 3001, at: datetime.datetime = NOW, **extra: str) -> dict[str, str]:
    user = {"id": user_id, "first_name": "علی", "username": "ali_k", "language_code": "fa"}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
        **extra,
    }


def test_launch_data_signed_for_this_bot_names_the_person() -> None:
    data = signed(launch())

    found = verify_launch(TELEGRAM, TOKEN, data, NOW, DAY)

    assert (found.user_id, found.first_name, found.username) == (3001, "علی", "ali_k")
    assert found.auth_date == NOW


def test_our_check_agrees_with_aiograms_on_telegram_data() -> None:
    data = signed(launch(start_param="board"))
    tampered = data.replace("3001", "3002")

    assert TELEGRAM.webapp_signature_ok(TOKEN, data) is check_webapp_signature(TOKEN, data) is True
    assert TELEGRAM.webapp_signature_ok(TOKEN, tampered) is False
    assert check_webapp_signature(TOKEN, tampered) is False


@pytest.mark.parametrize(
    "data",
    [
        signed(launch(), token="987654321:another-bots-token-000000"),
        signed(launch()).replace("hash=", "hash=0"),
        urlencode(launch()),  # no hash at all
        signed(launch()) + "&user=%7B%22id%22%3A1%7D",  # a second user after the signed one
        "not a query string",
        "",
    ],
    ids=["other-token", "bad-hash", "no-hash", "repeated-key", "garbage", "empty"],
)
def test_anything_not_signed_for_this_bot_is_forged(data: str) -> None:
    with pytest.raises(LaunchRejected) as refused:
        verify_launch(TELEGRAM, TOKEN, data, NOW, DAY)
    assert refused.value.reason is Refusal.FORGED


def test_signed_data_without_a_person_is_refused() -> None:
    fields = launch()
    del fields["user"]

    with pytest.raises(LaunchRejected) as refused:
        verify_launch(TELEGRAM, TOKEN, signed(fields), NOW, DAY)

    assert refused.value.reason is Refusal.FORGED


def test_launch_data_older_than_the_limit_or_from_the_future_is_stale() -> None:
    old = signed(launch(at=NOW - DAY - datetime.timedelta(seconds=1)))
    just_in_time = signed(launch(at=NOW - DAY))
    ahead = signed(launch(at=NOW + datetime.timedelta(minutes=10)))
    slightly_ahead = signed(launch(at=NOW + datetime.timedelta(minutes=1)))

    for data in (old, ahead):
        with pytest.raises(LaunchRejected) as refused:
            verify_launch(TELEGRAM, TOKEN, data, NOW, DAY)
        assert refused.value.reason is Refusal.STALE
    assert verify_launch(TELEGRAM, TOKEN, just_in_time, NOW, DAY).user_id == 3001
    assert verify_launch(TELEGRAM, TOKEN, slightly_ahead, NOW, DAY).user_id == 3001


def test_a_shorter_limit_refuses_sooner() -> None:
    hour_old = signed(launch(at=NOW - datetime.timedelta(hours=1)))

    with pytest.raises(LaunchRejected):
        verify_launch(TELEGRAM, TOKEN, hour_old, NOW, datetime.timedelta(minutes=30))


def test_bale_launch_data_is_checked_as_bale_documents_it() -> None:
    # docs.bale.ai/miniapp: the same scheme as Telegram's, keyed by the Bale bot's token.
    bale_token = "1234567890:bale-bot-token-for-tests-000000"
    data = signed(launch(user_id=700123), token=bale_token)

    assert verify_launch(BALE, bale_token, data, NOW, DAY).user_id == 700123
    with pytest.raises(LaunchRejected):
        verify_launch(BALE, TOKEN, data, NOW, DAY)
    assert BALE.webapp_data_param == "tgWebAppData"


def test_a_known_vector() -> None:
    """A fixed example (its hash computed once from the documented formula, for the data
    check string 'auth_date=1763879400\\nquery_id=AAH1\\nuser={"id":3001,"first_name":"Ali"}'),
    so a change to the algorithm cannot pass by changing both sides."""
    data = (
        "auth_date=1763879400"
        "&query_id=AAH1"
        "&user=%7B%22id%22%3A3001%2C%22first_name%22%3A%22Ali%22%7D"
        "&hash=2bfc42af848af90164f216cf2ca809a4d11607aaf6504fbd995c1efa525a74eb"
    )
    assert TELEGRAM.webapp_signature_ok(TOKEN, data)
    assert BALE.webapp_signature_ok(TOKEN, data)
    assert not TELEGRAM.webapp_signature_ok(TOKEN, data.replace("Ali", "Ala"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("tma abc=1", "abc=1"), ("TMA  abc=1 ", "abc=1")],
)
def test_the_authorization_header_carries_the_launch_data(header: str, expected: str) -> None:
    assert init_data_of(header) == expected


@pytest.mark.parametrize("header", [None, "", "tma", "tma ", "Bearer abc=1", "abc=1"])
def test_a_missing_or_other_authorization_is_missing(header: str | None) -> None:
    with pytest.raises(LaunchRejected) as refused:
        init_data_of(header)
    assert refused.value.reason is Refusal.MISSING


# --- the settings ---------------------------------------------------------------------------


def test_webapp_settings_default_to_no_button_and_a_day() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.webapp_url is None
    assert settings.webapp_max_age == 86400


def test_webapp_url_must_be_https_and_the_age_sensible() -> None:
    ok = load_settings(require_token=False, _env_file=None, webapp_url=" https://bot.example/app/ ")
    assert ok.webapp_url == "https://bot.example/app/"
    with pytest.raises(ConfigError, match="WEBAPP_URL"):
        load_settings(require_token=False, _env_file=None, webapp_url="http://bot.example/app/")
    with pytest.raises(ConfigError, match="WEBAPP_MAX_AGE"):
        load_settings(require_token=False, _env_file=None, webapp_max_age=10)

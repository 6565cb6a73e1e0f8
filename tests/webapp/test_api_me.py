"""Opening the dashboard: who the page is talking to, and who it refuses."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable

import aiohttp

from bot.config import Settings
from bot.domain.members import MemberStatus, Role
from bot.webapp.api import API_BURST, API_RATE
from tests.conftest import ALI, JOHN, SARA, Clock, RunningBot, given_member
from tests.e2e.test_webhook import local, webhook_bot, webhook_settings
from tests.fakebot import FakeBotAPI
from tests.fakebot.webhook import WebhookDelivery
from tests.webapp.conftest import WebApp, init_data


async def test_a_member_opening_the_dashboard_is_told_who_they_are(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")

    status, body = await webapp.get("/api/me", SARA.id)

    assert status == 200, body
    assert body["full_name"] == "سارا تهرانی"
    assert body["role"] == "secretary" and body["role_label"] == "دبیر"
    assert body["working_group"] == "tehran" and body["working_group_name"] == "تهران"
    assert body["language"] == "fa" and body["dir"] == "rtl"
    assert body["platform"] == "telegram"
    assert body["can_manage"] is True and body["can_see_all"] is False
    assert body["webapp_url"] == "https://dashboard.example/app/"


async def test_an_english_member_gets_english_left_to_right(webapp: WebApp) -> None:
    await given_member(webapp.bot, JOHN, "fars", locale="en", name="John Smith")

    status, body = await webapp.get("/api/me", JOHN.id)

    assert status == 200, body
    assert body["language"] == "en" and body["dir"] == "ltr"
    assert body["role_label"] == "member" and body["can_manage"] is False


async def test_no_launch_data_is_refused(webapp: WebApp) -> None:
    status, body = await webapp.get("/api/me")
    assert (status, body) == (401, {"error": "unauthorized", "reason": "missing"})


async def test_launch_data_signed_with_another_token_is_refused(webapp: WebApp) -> None:
    await given_member(webapp.bot, ALI, "tehran")
    forged = init_data(ALI.id, token="987654321:someone-elses-token-0000")

    status, body = await webapp.get("/api/me", headers={"Authorization": f"tma {forged}"})

    assert (status, body["reason"]) == (401, "forged")


async def test_launch_data_with_another_user_put_in_is_refused(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    genuine = init_data(ALI.id)
    # Ali's signed data with Sara's id swapped in: the signature no longer matches.
    tampered = genuine.replace(f"%22id%22%3A{ALI.id}", f"%22id%22%3A{SARA.id}")
    assert tampered != genuine

    status, body = await webapp.get("/api/me", headers={"Authorization": f"tma {tampered}"})

    assert (status, body["reason"]) == (401, "forged")


async def test_launch_data_older_than_the_limit_is_refused(webapp: WebApp) -> None:
    await given_member(webapp.bot, ALI, "tehran")
    day_and_a_bit = webapp.clock.now - datetime.timedelta(seconds=86400 + 60)
    fresh_enough = webapp.clock.now - datetime.timedelta(seconds=86400 - 60)

    stale_status, stale = await webapp.get(
        "/api/me", headers={"Authorization": f"tma {init_data(ALI.id, auth_date=day_and_a_bit)}"}
    )
    ok_status, _ = await webapp.get(
        "/api/me", headers={"Authorization": f"tma {init_data(ALI.id, auth_date=fresh_enough)}"}
    )

    assert (stale_status, stale["reason"]) == (401, "stale")
    assert ok_status == 200


async def test_someone_who_is_not_an_approved_member_is_refused(webapp: WebApp) -> None:
    await given_member(webapp.bot, ALI, "tehran", status=MemberStatus.PENDING)

    pending_status, pending = await webapp.get("/api/me", ALI.id)
    stranger_status, stranger = await webapp.get("/api/me", 777777)

    assert (pending_status, pending["reason"]) == (401, "unknown_member")
    assert (stranger_status, stranger["reason"]) == (401, "unknown_member")


async def test_on_bale_the_member_is_found_by_their_bale_id(bale_webapp: WebApp) -> None:
    await given_member(bale_webapp.bot, ALI, "tehran", name="علی کریمی")

    status, body = await bale_webapp.get("/api/me", ALI.id)
    forged, refused = await bale_webapp.get(
        "/api/me",
        headers={"Authorization": f"tma {init_data(ALI.id, token='1:another-bale-bot-0000000')}"},
    )

    assert status == 200, body
    assert body["platform"] == "bale" and body["full_name"] == "علی کریمی"
    assert (forged, refused["reason"]) == (401, "forged")


async def test_in_webhook_mode_the_same_server_answers_the_dashboard(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = webhook_settings(make_settings, webapp_url="https://bot.example.org/app/")
    async with (
        webhook_bot(settings, fake_api, clock) as app,
        WebhookDelivery(fake_api, [local(settings)]),
    ):
        task = asyncio.current_task()
        assert task is not None
        dashboard = WebApp(RunningBot(app, fake_api, task), local(settings), clock)
        await given_member(dashboard.bot, ALI, "tehran", name="علی کریمی")

        status, body = await dashboard.get("/api/me", ALI.id)

    assert status == 200 and body["full_name"] == "علی کریمی"


async def test_a_flood_of_calls_from_one_page_is_refused_while_others_are_answered(
    webapp: WebApp,
) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(webapp.bot, ALI, "tehran")

    # A stuck page (or a script) asks again and again, with the clock standing still.
    statuses = [(await webapp.get("/api/me", SARA.id))[0] for _ in range(API_BURST)]
    assert statuses == [200] * API_BURST
    status, body = await webapp.get("/api/me", SARA.id)
    assert status == 429
    assert body == {
        "error": "too_fast",
        "message": "درخواست‌ها خیلی تند پشت سر هم رسید. لحظه‌ای صبر کنید و دوباره امتحان کنید.",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.get(webapp.base_url + "/api/me", headers=webapp.headers(SARA.id)) as reply,
    ):
        assert reply.status == 429 and reply.headers["Retry-After"] == "1"

    # Someone else is answered meanwhile, and Sara again once the moment has passed.
    assert (await webapp.get("/api/me", ALI.id))[0] == 200
    webapp.clock.now += datetime.timedelta(seconds=1 / API_RATE)
    assert (await webapp.get("/api/me", SARA.id))[0] == 200

"""The pipeline, decisions and applications from the dashboard: the chat's rules and its
exactly-once guarantee against a press on the chat's card at the same moment."""

from __future__ import annotations

import asyncio

from bot.domain.members import MemberStatus, Role
from tests.conftest import ALI, JOHN, MINA, SARA, given_member
from tests.e2e.helpers import MARYAM, given_cluster, press, submit_feasibility_plan, with_button
from tests.webapp.conftest import WebApp

ADVANCED = "در استان تأیید و به مرکز فرستاده شد"


async def _submitted_plan(webapp: WebApp) -> int:
    bot = webapp.bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    async with bot.uow() as uow:
        waiting = await uow.submissions.in_review()
    return waiting[0].id


async def test_the_pipeline_shows_what_waits_and_the_author_follows_it(webapp: WebApp) -> None:
    submission_id = await _submitted_plan(webapp)
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)

    status, pipeline = await webapp.get("/api/pipeline", SARA.id)
    _, fars = await webapp.get("/api/pipeline", MINA.id)
    member, _ = await webapp.get("/api/pipeline", ALI.id)
    _, mine = await webapp.get("/api/submissions/mine", ALI.id)

    assert status == 200
    province = next(s for s in pipeline["stages"] if s["stage"] == "province")
    card = province["submissions"][0]
    assert card["id"] == submission_id and card["title"] == "طرح توجیهی خوشه مبلمان"
    assert card["can_decide"] is True and card["decisions"] == ["approve", "return", "reject"]
    assert card["age_days"] == 0 and card["kind_label"] == "طرح توجیهی"
    assert all(not s["submissions"] for s in fars["stages"])
    assert member == 403
    assert [s["id"] for s in mine["submissions"]] == [submission_id]
    assert [e["action"] for e in mine["submissions"][0]["timeline"]] == ["submitted"]


async def test_approving_from_the_dashboard_redraws_the_chat_card_and_tells_the_author(
    webapp: WebApp,
) -> None:
    submission_id = await _submitted_plan(webapp)
    card = with_button(webapp.bot, SARA.id, "تأیید")
    _, pipeline = await webapp.get("/api/pipeline", SARA.id)
    seen = pipeline["stages"][0]["submissions"][0]["version"]
    decision = {"decision": "approve", "version": seen}

    status, body = await webapp.post(
        f"/api/submissions/{submission_id}/decision", SARA.id, decision
    )
    # The same press again (a double tap, a retry): the item has moved on since that version.
    again, second = await webapp.post(
        f"/api/submissions/{submission_id}/decision", SARA.id, decision
    )
    await webapp.bot.api.drain()

    assert status == 200 and body["ok"] is True, body
    assert ADVANCED in card.plain()
    assert again == 409 and "سارا تهرانی" in second["message"]
    assert sum("بررسی مرکز" in m.plain() for m in webapp.bot.api.messages_to(ALI.id)) == 1


async def test_a_return_needs_a_comment_and_another_province_cannot_decide(webapp: WebApp) -> None:
    submission_id = await _submitted_plan(webapp)
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)

    bare, refusal = await webapp.post(
        f"/api/submissions/{submission_id}/decision", SARA.id, {"decision": "return"}
    )
    other, _ = await webapp.post(
        f"/api/submissions/{submission_id}/decision",
        MINA.id,
        {"decision": "reject", "note": "این طرح کامل نیست."},
    )
    member, told = await webapp.post(
        f"/api/submissions/{submission_id}/decision", ALI.id, {"decision": "approve"}
    )

    assert bare == 400 and refusal["message"]
    assert other == 404
    assert member == 403 and told["message"]


async def test_a_decision_from_the_dashboard_and_a_press_in_the_chat_decide_once(
    webapp: WebApp,
) -> None:
    submission_id = await _submitted_plan(webapp)
    bot = webapp.bot
    card = with_button(bot, SARA.id, "تأیید")

    async def press_in_chat() -> None:
        bot.api.callback(SARA, card, card.button("تأیید"))
        await bot.api.drain()

    _, pipeline = await webapp.get("/api/pipeline", SARA.id)
    seen = pipeline["stages"][0]["submissions"][0]["version"]

    (status, _), _ = await asyncio.gather(
        webapp.post(
            f"/api/submissions/{submission_id}/decision",
            SARA.id,
            {"decision": "approve", "version": seen},
        ),
        press_in_chat(),
    )
    await bot.app.outbox.idle()
    await bot.api.drain()

    async with bot.uow() as uow:
        events = await uow.submissions.events(submission_id)
        submission = await uow.submissions.get(submission_id)
    assert [e.action for e in events].count("advanced") == 1
    assert submission is not None and submission.stage_index == 1
    assert status in (200, 409)
    assert sum("بررسی مرکز" in m.plain() for m in bot.api.messages_to(ALI.id)) == 1
    assert ADVANCED in card.plain()


async def test_the_secretary_sees_members_and_approves_an_application(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    john = await given_member(
        webapp.bot, JOHN, "tehran", status=MemberStatus.PENDING, locale="en", name="John Smith"
    )
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)

    status, listed = await webapp.get("/api/members", SARA.id)
    fars, _ = await webapp.get("/api/members?group=tehran", MINA.id)
    other, _ = await webapp.post(
        f"/api/applications/{john.id}/decision", MINA.id, {"decision": "approve"}
    )
    approved, body = await webapp.post(
        f"/api/applications/{john.id}/decision", SARA.id, {"decision": "approve"}
    )
    twice, _ = await webapp.post(
        f"/api/applications/{john.id}/decision", SARA.id, {"decision": "reject", "note": "تکراری"}
    )
    await webapp.bot.app.outbox.idle()

    assert status == 200
    assert "علی کریمی" in {m["full_name"] for m in listed["members"]}
    assert [a["full_name"] for a in listed["applications"]] == ["John Smith"]
    assert fars == 403 and other == 404
    assert approved == 200 and body["ok"] is True
    assert twice == 409
    assert any("approved" in m.plain().lower() for m in webapp.bot.api.messages_to(JOHN.id))


async def test_the_central_secretariat_sees_every_province_side_by_side(webapp: WebApp) -> None:
    await given_member(webapp.bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    await given_cluster(webapp.bot, "خوشه فرش شیراز", group="fars")

    status, country = await webapp.get("/api/country", MARYAM.id)
    refused, _ = await webapp.get("/api/country", SARA.id)
    _, tehran = await webapp.get("/api/clusters?group=tehran", MARYAM.id)
    _, saras = await webapp.get("/api/clusters", SARA.id)

    assert status == 200 and refused == 403
    by_code = {g["code"]: g for g in country["groups"]}
    assert by_code["tehran"]["clusters"] == 1 and by_code["fars"]["clusters"] == 1
    assert by_code["fars"]["name"] == "فارس"
    assert [c["name"] for c in tehran["clusters"]] == ["خوشه مبلمان تهران"]
    assert [c["name"] for c in saras["clusters"]] == ["خوشه مبلمان تهران"]


async def test_the_central_secretariat_reads_a_provinces_members_but_does_not_decide_there(
    webapp: WebApp,
) -> None:
    await given_member(webapp.bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    john = await given_member(webapp.bot, JOHN, "tehran", status=MemberStatus.PENDING, locale="en")

    status, tehran = await webapp.get("/api/members?group=tehran", MARYAM.id)
    decided, refusal = await webapp.post(
        f"/api/applications/{john.id}/decision", MARYAM.id, {"decision": "approve"}
    )

    assert status == 200 and tehran["working_group"] == "tehran"
    assert [m["full_name"] for m in tehran["members"]] == ["علی کریمی"]
    assert decided == 403 and refusal["message"]


async def test_two_decisions_from_the_dashboard_at_once_decide_once(webapp: WebApp) -> None:
    submission_id = await _submitted_plan(webapp)
    _, pipeline = await webapp.get("/api/pipeline", SARA.id)
    seen = pipeline["stages"][0]["submissions"][0]["version"]
    path = f"/api/submissions/{submission_id}/decision"

    answers = await asyncio.gather(
        webapp.post(path, SARA.id, {"decision": "approve", "version": seen}),
        webapp.post(path, SARA.id, {"decision": "reject", "version": seen, "note": "ناقص است."}),
    )
    await webapp.bot.app.outbox.idle()

    assert sorted(status for status, _ in answers) == [200, 409]
    async with webapp.bot.uow() as uow:
        actions = [e.action for e in await uow.submissions.events(submission_id)]
    assert actions.count("advanced") + actions.count("rejected") == 1

"""A member's tasks and the secretariat's board from the dashboard: the same rules, services
and notices as the chat's task card."""

from __future__ import annotations

import datetime

from bot.domain.members import Role
from tests.conftest import ALI, JOHN, MINA, REZA, SARA, given_member
from tests.e2e.helpers import given_cluster
from tests.webapp.conftest import WebApp, given_task

DUE = datetime.date(2026, 12, 1)  # 1405/09/10, a week after the tests' clock starts
LATE = datetime.date(2026, 11, 20)  # 1405/08/29, before it


async def test_a_member_sees_their_tasks_with_jalali_due_dates(webapp: WebApp) -> None:
    ali = await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)
    late_id = await given_task(webapp.bot, "جلسه با اتاق", cluster, ali, due_on=LATE)

    status, body = await webapp.get("/api/tasks/mine", ALI.id)

    assert status == 200, body
    by_id = {t["id"]: t for t in body["tasks"]}
    assert set(by_id) == {task_id, late_id}
    task = by_id[task_id]
    assert task["title"] == "شناسایی بنگاه‌ها" and task["cluster_name"] == "خوشه مبلمان تهران"
    assert task["due_on"] == "2026-12-01" and "۱۴۰۵" in task["due_jalali"]
    assert task["overdue"] is False and task["days_left"] == 8
    assert task["status"] == "todo" and task["assignee_name"] == "علی کریمی"
    assert by_id[late_id]["overdue"] is True and "۳" in by_id[late_id]["status_label"]


async def test_a_member_marks_a_task_done_from_the_dashboard_and_the_secretariat_hears(
    webapp: WebApp,
) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)

    started, _ = await webapp.post(f"/api/tasks/{task_id}/actions", ALI.id, {"action": "start"})
    no_note, refusal = await webapp.post(
        f"/api/tasks/{task_id}/actions", ALI.id, {"action": "done"}
    )
    done, body = await webapp.post(
        f"/api/tasks/{task_id}/actions",
        ALI.id,
        {"action": "done", "note": "فهرست ۴۰ بنگاه تهیه شد"},
    )
    await webapp.bot.app.outbox.idle()

    assert started == 200
    assert no_note == 400 and refusal["message"]
    assert done == 200, body
    assert body["ok"] is True and body["task"]["status"] == "done"
    told = webapp.bot.api.last_message_to(SARA.id).plain()
    assert "شناسایی بنگاه‌ها" in told
    status, detail = await webapp.get(f"/api/tasks/{task_id}", ALI.id)
    assert status == 200
    assert [h["action"] for h in detail["history"]] == ["created", "start", "done"]
    assert detail["history"][-1]["comment"] == "فهرست ۴۰ بنگاه تهیه شد"
    assert "done" in detail["actions"] and "reassign" not in detail["actions"]


async def test_a_blocked_report_from_the_dashboard_tells_the_secretary_why(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)

    status, _ = await webapp.post(
        f"/api/tasks/{task_id}/actions", ALI.id, {"action": "blocked", "note": "منتظر نامه وزارت"}
    )
    await webapp.bot.app.outbox.idle()

    assert status == 200
    assert "منتظر نامه وزارت" in webapp.bot.api.last_message_to(SARA.id).plain()


async def test_someone_else_cannot_report_on_a_task_and_is_told_as_in_chat(webapp: WebApp) -> None:
    ali = await given_member(webapp.bot, ALI, "tehran")
    await given_member(webapp.bot, JOHN, "tehran", locale="en")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)

    status, body = await webapp.post(f"/api/tasks/{task_id}/actions", JOHN.id, {"action": "start"})

    assert status == 403
    assert body == {"error": "not_assignee", "message": "You are not responsible for this task."}


async def test_a_task_of_another_province_is_not_found(webapp: WebApp) -> None:
    ali = await given_member(webapp.bot, ALI, "tehran")
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)

    read, _ = await webapp.get(f"/api/tasks/{task_id}", MINA.id)
    acted, _ = await webapp.post(
        f"/api/tasks/{task_id}/actions", MINA.id, {"action": "comment", "note": "سلام"}
    )

    assert (read, acted) == (404, 404)


async def test_one_provinces_secretary_cannot_read_anothers_board(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    reza = await given_member(webapp.bot, REZA, "fars", name="رضا شیرازی")
    tehran = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    shiraz = await given_cluster(webapp.bot, "خوشه فرش شیراز", group="fars")
    tehran_task = await given_task(webapp.bot, "کار تهران", tehran, ali, due_on=DUE)
    fars_task = await given_task(webapp.bot, "کار فارس", shiraz, reza, due_on=DUE)

    own, board = await webapp.get("/api/board?status=all", MINA.id)
    other, _ = await webapp.get("/api/board?status=all&group=tehran", MINA.id)
    picked, by_cluster = await webapp.get(f"/api/board?status=all&cluster={tehran.id}", MINA.id)
    member, _ = await webapp.get("/api/board", ALI.id)

    assert own == 200
    assert [t["id"] for t in board["tasks"]] == [fars_task] and board["total"] == 1
    flat = repr(board)
    assert "کار تهران" not in flat and "علی کریمی" not in flat and "خوشه مبلمان تهران" not in flat
    assert other == 403
    assert picked == 200
    assert tehran_task not in [t["id"] for t in by_cluster["tasks"]]
    assert member == 403


async def test_the_secretary_filters_the_board_and_reschedules_tasks_in_bulk(
    webapp: WebApp,
) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    john = await given_member(webapp.bot, JOHN, "tehran", name="John Smith", locale="en")
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    late = await given_task(webapp.bot, "جلسه با اتاق", cluster, ali, due_on=LATE)
    on_time = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, john, due_on=DUE)
    shiraz = await given_cluster(webapp.bot, "خوشه فرش شیراز", group="fars")
    fars_task = await given_task(webapp.bot, "کار فارس", shiraz, due_on=DUE)

    _, overdue = await webapp.get("/api/board?overdue=1", SARA.id)
    _, johns = await webapp.get(f"/api/board?assignee={john.id}", SARA.id)
    status, bulk = await webapp.post(
        "/api/board/bulk",
        SARA.id,
        {"task_ids": [late, on_time, fars_task], "action": "due", "due_on": "۱۴۰۵/۰۹/۲۰"},
    )
    await webapp.bot.app.outbox.idle()

    assert [t["id"] for t in overdue["tasks"]] == [late]
    assert [t["id"] for t in johns["tasks"]] == [on_time]
    assert {f["value"] for f in overdue["facets"]["assignees"]} == {ali.id, john.id}
    assert status == 200
    assert bulk["results"][:2] == [{"id": late, "ok": True}, {"id": on_time, "ok": True}]
    assert bulk["results"][2]["ok"] is False and bulk["results"][2]["error"] == "task_gone"
    _, after = await webapp.get(f"/api/tasks/{late}", SARA.id)
    assert after["task"]["due_on"] == "2026-12-11" and after["task"]["overdue"] is False


async def test_the_secretary_reassigns_in_bulk_and_the_newcomer_is_told(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    john = await given_member(webapp.bot, JOHN, "tehran", locale="en")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    first = await given_task(webapp.bot, "جلسه با اتاق", cluster, ali, due_on=DUE)
    second = await given_task(webapp.bot, "شناسایی بنگاه‌ها", cluster, ali, due_on=DUE)

    _, picker = await webapp.get("/api/members/assignable", SARA.id)
    status, bulk = await webapp.post(
        "/api/board/bulk",
        SARA.id,
        {"task_ids": [first, second], "action": "reassign", "assignee_id": john.id},
    )
    await webapp.bot.app.outbox.idle()

    assert {m["value"] for m in picker["members"]} >= {ali.id, john.id}
    assert status == 200 and all(r["ok"] for r in bulk["results"])
    told = [m.plain() for m in webapp.bot.api.messages_to(JOHN.id)]
    assert any("جلسه با اتاق" in m for m in told) and any("شناسایی بنگاه‌ها" in m for m in told)
    _, johns = await webapp.get("/api/tasks/mine", JOHN.id)
    assert {t["id"] for t in johns["tasks"]} == {first, second}


async def test_the_secretary_reschedules_reassigns_cancels_and_reopens_one_task(
    webapp: WebApp,
) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    john = await given_member(webapp.bot, JOHN, "tehran", locale="en")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    task_id = await given_task(webapp.bot, "جلسه با اتاق", cluster, ali, due_on=DUE)
    path = f"/api/tasks/{task_id}/actions"

    _, detail = await webapp.get(f"/api/tasks/{task_id}", SARA.id)
    due, _ = await webapp.post(path, SARA.id, {"action": "due", "due_on": "2026-12-15"})
    moved, body = await webapp.post(
        path, SARA.id, {"action": "reassign", "assignee_ids": [ali.id, john.id]}
    )
    cancelled, _ = await webapp.post(path, SARA.id, {"action": "cancel", "note": "دیگر لازم نیست"})
    again, refusal = await webapp.post(path, SARA.id, {"action": "cancel", "note": "دوباره"})
    reopened, after = await webapp.post(path, SARA.id, {"action": "reopen"})
    by_member, _ = await webapp.post(path, ALI.id, {"action": "reopen"})
    await webapp.bot.app.outbox.idle()

    assert {"reassign", "due", "cancel"} <= set(detail["actions"])
    assert (due, moved, cancelled, reopened) == (200, 200, 200, 200)
    assert {a["id"] for a in body["task"]["assignees"]} == {ali.id, john.id}
    assert again == 403 and refusal["error"] == "task_cancelled"
    assert after["task"]["status"] == "todo" and after["task"]["due_on"] == "2026-12-15"
    assert by_member == 403
    assert any("جلسه با اتاق" in m.plain() for m in webapp.bot.api.messages_to(JOHN.id))

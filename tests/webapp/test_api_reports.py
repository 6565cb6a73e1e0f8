"""What the dashboard shows of a cluster and a period: the matrix, the reports and charts of
/report, the date picker's days off, and the page's own texts."""

from __future__ import annotations

import datetime

from bot.domain.members import Role
from bot.domain.tasks import AssigneeState, TaskStatus
from tests.conftest import ALI, JOHN, MINA, SARA, given_member
from tests.e2e.helpers import given_cluster
from tests.webapp.conftest import WebApp, given_task

DUE = datetime.date(2026, 12, 1)
LATE = datetime.date(2026, 11, 20)


async def _coded(webapp: WebApp, task_id: int, code: str) -> None:
    async with webapp.bot.uow() as uow:
        task = await uow.tasks.get(task_id)
        assert task is not None
        assert await uow.tasks.update(task_id, task.version, code=code)
        await uow.commit()


async def test_the_matrix_colours_each_agency_and_sub_process(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran", agency="tpo")
    john = await given_member(webapp.bot, JOHN, "tehran", agency="ministry_commerce", locale="en")
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY)
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    late = await given_task(webapp.bot, "شناسایی", cluster, ali, due_on=LATE)
    shared = await given_task(webapp.bot, "تحلیل بازار", cluster, ali, john, due_on=DUE)
    await _coded(webapp, late, "F1-1")
    await _coded(webapp, shared, "F1-2")
    async with webapp.bot.uow() as uow:
        now = webapp.clock.now
        await uow.tasks.set_assignee_state(
            shared, AssigneeState(john.id, TaskStatus.DONE, 100), now
        )
        await uow.commit()

    status, matrix = await webapp.get(f"/api/matrix?cluster={cluster.id}", SARA.id)
    hidden, _ = await webapp.get(f"/api/matrix?cluster={cluster.id}", MINA.id)

    assert status == 200, matrix
    assert matrix["cluster"] == {"id": cluster.id, "name": "خوشه مبلمان تهران"}
    assert [s["code"] for s in matrix["subprocesses"]] == ["F1-1", "F1-2"]
    assert {a["code"] for a in matrix["agencies"]} == {"tpo", "ministry_commerce"}
    cells = {(c["agency"], c["subprocess"]): c for c in matrix["cells"]}
    assert cells[("tpo", "F1-1")]["status"] == "overdue"
    assert cells[("tpo", "F1-1")]["task_ids"] == [late]
    assert cells[("tpo", "F1-2")]["task_ids"] == [shared]
    assert ("ministry_commerce", "F1-1") not in cells
    assert hidden == 404


async def test_the_report_of_a_jalali_period_is_the_chats_report(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    await given_task(webapp.bot, "شناسایی", cluster, ali, due_on=LATE)

    status, report = await webapp.get("/api/reports?period=this_month", SARA.id)
    custom, ranged = await webapp.get(
        "/api/reports?period=custom&from=1405/09/01&to=۱۴۰۵/۰۹/۳۰", SARA.id
    )
    backwards, _ = await webapp.get(
        "/api/reports?period=custom&from=1405/09/10&to=1405/09/01", SARA.id
    )
    member, _ = await webapp.get("/api/reports", ALI.id)

    assert status == 200, report
    assert report["total"]["clusters"] == 1 and report["total"]["overdue"] == 1
    assert report["period"]["from"] == "2026-11-22" and "۱۴۰۵" in report["period"]["from_jalali"]
    assert "<b>" not in report["text"] and "خوشه مبلمان تهران" in report["text"]
    assert custom == 200 and ranged["period"]["to"] == "2026-12-21"
    assert backwards == 400
    assert member == 403


async def test_the_reports_charts_are_png_images(webapp: WebApp) -> None:
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(webapp.bot, ALI, "tehran")
    cluster = await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    await given_task(webapp.bot, "شناسایی", cluster, ali, due_on=LATE)

    funnel, image = await webapp.get("/api/reports/chart/funnel.png?period=this_month", SARA.id)
    overdue, bars = await webapp.get("/api/reports/chart/overdue.png", SARA.id)
    unknown, _ = await webapp.get("/api/reports/chart/pie.png", SARA.id)
    unsigned, _ = await webapp.get("/api/reports/chart/funnel.png")

    assert funnel == 200 and image[:8] == b"\x89PNG\r\n\x1a\n"
    assert overdue == 200 and bars[:4] == b"\x89PNG"
    assert unknown == 404 and unsigned == 401


async def test_the_date_picker_knows_the_days_off(webapp: WebApp) -> None:
    await given_member(webapp.bot, ALI, "tehran")

    status, body = await webapp.get("/api/holidays?from=2026-11-23&to=2026-12-31", ALI.id)
    too_long, _ = await webapp.get("/api/holidays?from=2026-01-01&to=2027-12-31", ALI.id)

    assert status == 200
    kinds = {d["on"]: d["kind"] for d in body["days"]}
    assert kinds["2026-11-27"] == "weekend"  # a Friday
    assert all(d["jalali"] for d in body["days"])
    assert too_long == 400


async def test_the_page_gets_its_texts_in_the_members_language(webapp: WebApp) -> None:
    await given_member(webapp.bot, ALI, "tehran")
    await given_member(webapp.bot, JOHN, "tehran", locale="en")

    _, persian = await webapp.get("/api/texts", ALI.id)
    _, english = await webapp.get("/api/texts", JOHN.id)

    assert (persian["language"], persian["dir"]) == ("fa", "rtl")
    assert (english["language"], english["dir"]) == ("en", "ltr")
    assert persian["texts"] and persian["texts"].keys() == english["texts"].keys()
    assert persian["texts"] != english["texts"]
    assert all(not key.startswith("webapp.") for key in persian["texts"])

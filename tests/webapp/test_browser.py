"""The dashboard in a real browser: the system's headless chromium, driven by Playwright, opens
the page as the messenger does (launch data in the URL fragment) against the real bot and its
API, and the chat side is watched on the fake Bot API.

Skipped only where /usr/bin/chromium is absent; CI installs it (.ci/run).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import async_playwright, expect

from bot.domain.jalali import from_jalali
from bot.domain.members import MemberStatus, Role
from tests.conftest import ALI, JOHN, MINA, SARA, given_member
from tests.e2e.helpers import (
    LEILA,
    MARYAM,
    given_cluster,
    new_task,
    press,
    say,
    submit_feasibility_plan,
    with_button,
)
from tests.webapp.conftest import WebApp

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# `UPDATE_DOCS_SCREENSHOTS=1 pytest tests/webapp/test_browser.py` refreshes the two pictures
# the README shows; an ordinary run leaves the tracked files alone.
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"
# A phone held upright, as most members open the dashboard.
PHONE = {"width": 390, "height": 800}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium on this machine (CI installs it)"
)


@dataclass
class Browser:
    """One chromium for the story; every page it opens records the requests it makes."""

    chromium: Any
    requests: list[str] = field(default_factory=list)

    async def open(
        self,
        url: str,
        *,
        viewport: dict[str, int] = PHONE,
        now: datetime.datetime | None = None,
    ) -> Any:
        context = await self.chromium.new_context(viewport=viewport, device_scale_factor=2)
        if now is not None:
            # The browser's "today" (the date picker's) is the bot's, not the machine's.
            await context.clock.set_fixed_time(now)
        page = await context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.requests.append(f"pageerror: {error}"))
        await page.goto(url)
        return page


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield Browser(chromium)
        finally:
            await chromium.close()


async def screenshot(page: Any, name: str, *, docs: str | None = None) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.evaluate("document.fonts.ready")
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    if docs is not None and UPDATE_DOCS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / docs)


def assert_only_our_server(browser: Browser, webapp: WebApp) -> None:
    errors = [r for r in browser.requests if r.startswith("pageerror")]
    assert errors == []
    ours = (webapp.base_url + "/", f"blob:{webapp.base_url}/")
    elsewhere = [r for r in browser.requests if not r.startswith(ours)]
    assert elsewhere == []
    assert browser.requests, "the page made no request at all"


async def tehran_board(webapp: WebApp) -> None:
    """Sara's Tehran group: a furniture cluster, two tasks, one for Ali and one for Leila."""
    await given_member(webapp.bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    await given_member(webapp.bot, LEILA, "tehran", name="لیلا احمدی", agency="chamber_commerce")
    await given_cluster(webapp.bot, "خوشه مبلمان تهران")
    await new_task(webapp.bot, "تهیه نقشه خوشه", "۱۴۰۵/۱۰/۲۰", "علی کریمی")
    await new_task(webapp.bot, "برگزاری جلسه اعتمادسازی", "۱۴۰۵/۰۹/۳۰", "لیلا احمدی")


async def test_a_member_marks_their_task_done_from_the_dashboard_and_the_chat_hears_of_it(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)
    told_before = len(webapp.bot.api.messages_to(SARA.id))
    # Ali has the task's card open in the chat.
    await say(webapp.bot, ALI, "/tasks")
    await press(webapp.bot, ALI, "تهیه نقشه خوشه")
    chat_card = webapp.bot.api.last_message_to(ALI.id)
    assert "وضعیت: انجام‌نشده" in chat_card.plain()

    page = await browser.open(webapp.launch_url(ALI.id, first_name="Ali"))
    card = page.locator("#my-tasks .task", has_text="تهیه نقشه خوشه")
    await card.wait_for()
    assert "مهلت ۱۴۰۵/۱۰/۲۰" in await card.inner_text()
    # Only Ali's own task is on his list.
    assert await page.locator("#my-tasks .task").count() == 1
    await screenshot(page, "01-my-tasks", docs="miniapp-tasks.png")

    await card.click()
    await page.locator(".task-detail").wait_for()
    await screenshot(page, "02-task")
    await page.locator("button[data-action=done]").click()
    await page.locator("#sheet textarea").fill("صورت‌جلسه شماره ۱۲ پیوست شد")
    await screenshot(page, "03-task-done-note")
    await page.locator("#sheet button.send").click()
    await page.locator("#toast", has_text="ثبت شد").wait_for()
    await page.locator(".task-detail .badge.st-done").wait_for()
    assert "علی کریمی: انجام شد را اعلام کرد" in await page.locator(".history").inner_text()

    # The chat side: the secretariat is told the task is done, through the same outbox.
    notice = await webapp.bot.api.wait_for_message(
        SARA.id, lambda m: "را همه مسئولان انجام دادند" in m.plain()
    )
    assert "تهیه نقشه خوشه" in notice.plain()
    assert len(webapp.bot.api.messages_to(SARA.id)) > told_before
    # The card Ali had open in the chat now shows the task done.
    await webapp.bot.app.outbox.idle()
    assert chat_card.edits == 1
    assert "تهیه نقشه خوشه" in chat_card.plain()
    assert "وضعیت: ✅ انجام شد — پیشرفت ۱۰۰٪" in chat_card.plain()
    assert_only_our_server(browser, webapp)


async def test_a_refusal_shows_the_chats_own_words(webapp: WebApp, browser: Browser) -> None:
    await tehran_board(webapp)

    page = await browser.open(webapp.launch_url(ALI.id))
    await page.locator("#my-tasks .task").first.click()
    await page.locator("button[data-action=start]").click()
    await page.locator("#toast", has_text="ثبت شد").wait_for()
    await page.locator(".task-detail .badge.st-in_progress").wait_for()
    await page.locator("button[data-action=start]").click()

    refusal = page.locator("#toast.error")
    await refusal.wait_for()
    assert await refusal.inner_text() == "این وظیفه را پیش‌تر شروع کرده‌اید."
    # A note left empty is not sent at all.
    await page.locator("button[data-action=blocked]").click()
    await page.locator("#sheet button.send").click()
    assert "خالی" in await page.locator("#sheet .picker-note").inner_text()
    assert_only_our_server(browser, webapp)


async def test_a_secretary_filters_the_board_and_opens_the_matrix(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)

    page = await browser.open(webapp.launch_url(SARA.id, first_name="Sara"))
    await page.locator("#tab-board").click()
    tasks = page.locator("#board-tasks .task")
    await expect(tasks).to_have_count(2)

    await page.locator("#filter-assignee").select_option(label="لیلا احمدی")
    await expect(tasks).to_have_count(1)
    assert "برگزاری جلسه اعتمادسازی" in await page.locator("#board-tasks").inner_text()
    await page.locator("#filter-assignee").select_option(value="")
    await expect(tasks).to_have_count(2)
    await page.locator("#board-tasks .pick-task").first.check()
    await page.locator("#bulk").wait_for()
    await screenshot(page, "04-board", docs="miniapp-board.png")

    await page.locator("#tab-matrix").click()
    await page.locator("#matrix").wait_for()
    await screenshot(page, "05-matrix")
    cells = page.locator("#matrix td.cell:not(.none)")
    assert await cells.count() >= 1
    await cells.first.click()
    await page.locator(".task-detail").wait_for()
    # "Back" returns to the matrix the task was opened from.
    await page.locator("a.back").click()
    await page.locator("#view[data-ready=matrix] #matrix").wait_for()
    assert_only_our_server(browser, webapp)


async def test_a_secretary_moves_due_dates_with_the_jalali_picker_and_reassigns_in_bulk(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)
    page = await browser.open(webapp.launch_url(SARA.id), now=webapp.clock.now)
    await page.locator("#tab-board").click()
    await page.locator("#board-tasks .task").first.wait_for()
    await page.locator("#select-all").check()
    assert "۲ انتخاب‌شده" in await page.locator("#selected-count").inner_text()

    # The picker opens on today's month (Azar 1405) and goes on to Bahman.
    await page.locator("#bulk .date-button").click()
    picker = page.locator("#sheet")
    assert "آذر ۱۴۰۵" in await picker.locator(".picker-title").inner_text()
    past = picker.locator(f"button[data-date='{from_jalali(1405, 9, 1).isoformat()}']")
    assert await past.is_disabled()  # before today: not offered
    await picker.locator(".next-month").click()
    await picker.locator(".next-month").click()
    assert "بهمن ۱۴۰۵" in await picker.locator(".picker-title").inner_text()
    # 22 Bahman, an official holiday, is marked with its name (from /api/holidays).
    holiday = picker.locator(f"button[data-date='{from_jalali(1405, 11, 22).isoformat()}']")
    await expect(holiday).to_have_attribute("title", re.compile(".+"))
    assert "holiday" in (await holiday.get_attribute("class") or "")
    await picker.locator(f"button[data-date='{from_jalali(1405, 11, 15).isoformat()}']").click()
    await screenshot(page, "13-date-picker")
    await picker.locator("button.pick").click()
    assert await page.locator("#bulk output").inner_text() == "۱۴۰۵/۱۱/۱۵"
    await page.locator("#bulk-due").click()
    await page.locator("#toast", has_text="۲ وظیفه تغییر کرد").wait_for()

    async with webapp.bot.uow() as uow:
        moved = [await uow.tasks.get(task_id) for task_id in (1, 2)]
    assert [t.due_on for t in moved if t is not None] == [from_jalali(1405, 11, 15)] * 2

    # Leila's task goes to Ali, who is told of it in the chat.
    await page.locator("#board-tasks .task", has_text="برگزاری جلسه").locator(".pick-task").check()
    await page.locator("#bulk-reassign").click()
    await page.locator("#bulk-assignee").select_option(label="علی کریمی")
    await page.locator("#sheet button.apply").click()
    await page.locator("#toast", has_text="۱ وظیفه تغییر کرد").wait_for()
    notice = await webapp.bot.api.wait_for_message(
        ALI.id, lambda m: "برگزاری جلسه اعتمادسازی" in m.plain() and "وظیفه تازه" in m.plain()
    )
    assert notice is not None
    assert_only_our_server(browser, webapp)


async def test_a_secretary_approves_from_the_pipeline_and_the_chat_card_follows(
    webapp: WebApp, browser: Browser
) -> None:
    bot = webapp.bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    chat_card = with_button(bot, SARA.id, "تأیید")

    page = await browser.open(webapp.launch_url(SARA.id, first_name="Sara"))
    await page.locator("#tab-pipeline").click()
    card = page.locator("#pipeline [data-stage=province] .submission")
    await card.wait_for()
    assert "طرح توجیهی خوشه مبلمان" in await card.inner_text()
    assert "۰ روز در این مرحله" in await card.inner_text()
    await screenshot(page, "06-pipeline")

    await card.locator("button[data-decision=approve]").click()
    await page.locator("#sheet button.yes").click()
    await page.locator("#toast").wait_for()
    await bot.app.outbox.idle()

    # The chat's card for the same item is redrawn, and the author is told once.
    assert "در استان تأیید و به مرکز فرستاده شد" in chat_card.plain()
    assert sum("بررسی مرکز" in m.plain() for m in bot.api.messages_to(ALI.id)) == 1
    await page.locator("#pipeline [data-stage=province] .submission").wait_for(state="detached")
    assert_only_our_server(browser, webapp)

    # Ali follows his plan from "my submissions": its timeline has the province's decision.
    mine = await browser.open(webapp.launch_url(ALI.id))
    await mine.locator("#tab-submissions").click()
    plan = mine.locator(".submission", has_text="طرح توجیهی خوشه مبلمان")
    await plan.wait_for()
    await expect(plan.locator(".history li")).to_have_count(2)
    await screenshot(mine, "14-my-submissions")


async def test_a_secretary_reads_the_reports_and_approves_an_applicant(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)
    await given_member(
        webapp.bot, JOHN, "tehran", status=MemberStatus.PENDING, locale="en", name="John Smith"
    )

    page = await browser.open(webapp.launch_url(SARA.id, first_name="Sara"))
    await page.locator("#tab-reports").click()
    await page.locator("#report-text").wait_for()
    assert (await page.locator("#report-text").inner_text()).strip()
    await page.locator("#report-charts img").first.wait_for()
    widths = await page.locator("#report-charts img").evaluate_all(
        "images => images.map(i => i.naturalWidth)"
    )
    assert widths and all(w > 0 for w in widths)
    await screenshot(page, "07-reports")
    await page.locator("#report-period").select_option("last_month")
    await page.locator("#report-text").wait_for()

    await page.locator("#tab-members").click()
    application = page.locator(".application", has_text="John Smith")
    await application.wait_for()
    assert "علی کریمی" in await page.locator("#members").inner_text()
    await screenshot(page, "08-members")
    await application.locator("button[data-decision=approve]").click()
    await page.locator("#toast").wait_for()
    await application.wait_for(state="detached")
    await webapp.bot.app.outbox.idle()
    assert any("approved" in m.plain().lower() for m in webapp.bot.api.messages_to(JOHN.id))
    assert_only_our_server(browser, webapp)


async def test_the_central_secretariat_sees_the_country_and_opens_a_provinces_board(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)
    await given_member(webapp.bot, MINA, "fars", role=Role.SECRETARY, name="مینا فارسی")
    await given_member(webapp.bot, MARYAM, "central", role=Role.SECRETARY, name="مریم مرکزی")

    page = await browser.open(webapp.launch_url(MARYAM.id, first_name="Maryam"))
    await page.locator("#tab-country").click()
    tehran = page.locator("#country .province[data-group=tehran]")
    await tehran.wait_for()
    assert await page.locator("#country .province").count() > 2
    assert "تهران" in await tehran.inner_text()
    await screenshot(page, "10-country")

    await tehran.click()
    await page.locator("#view[data-ready=board]").wait_for()
    assert await page.locator("#group").input_value() == "tehran"
    tasks = page.locator("#board-tasks .task")
    await tasks.first.wait_for()
    assert await tasks.count() == 2
    await page.locator("#group").select_option("fars")
    await page.locator("#board-tasks").wait_for(state="detached")
    assert_only_our_server(browser, webapp)


async def test_the_page_is_persian_right_to_left_in_the_shipped_font(
    webapp: WebApp, browser: Browser
) -> None:
    await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")

    page = await browser.open(webapp.launch_url(ALI.id))
    await page.locator("#view[data-ready=tasks]").wait_for()
    await page.evaluate("document.fonts.ready")

    assert await page.evaluate("document.documentElement.dir") == "rtl"
    assert await page.evaluate("document.dir") == "rtl"
    assert await page.evaluate("document.documentElement.lang") == "fa"
    family = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Vazirmatn"') or family.startswith("Vazirmatn")
    assert await page.evaluate("document.fonts.check('16px Vazirmatn', 'وظایف')")
    loaded = await page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Vazirmatn') && f.status === 'loaded')"
        ".length"
    )
    assert loaded >= 1
    fonts = [r for r in browser.requests if r.endswith("/fonts/Vazirmatn-Regular.ttf")]
    assert fonts and all(r.startswith(webapp.base_url + "/app/static/") for r in fonts)
    assert "وظایف من" in await page.locator("#tabs").inner_text()
    assert_only_our_server(browser, webapp)


async def test_the_page_takes_the_messengers_theme_and_fits_a_small_phone_and_a_desktop(
    webapp: WebApp, browser: Browser
) -> None:
    await tehran_board(webapp)
    dark = json.dumps({"bg_color": "#17212b", "text_color": "#f5f5f5", "button_color": "#5288c1"})
    themed = f"{webapp.launch_url(SARA.id)}&tgWebAppThemeParams={quote(dark)}"

    small = await browser.open(themed, viewport={"width": 360, "height": 740})
    await small.locator("#tab-board").click()
    await small.locator("#board-tasks .task").first.wait_for()
    # Nothing wider than the phone: the page never scrolls sideways (the tabs scroll alone).
    assert await small.evaluate("document.documentElement.scrollWidth") <= 360
    # The body's shade (a color-mix of the theme's colours), read back as red, green, blue.
    background = await small.evaluate(
        """() => {
            const pen = document.createElement("canvas").getContext("2d");
            pen.fillStyle = getComputedStyle(document.body).backgroundColor;
            pen.fillRect(0, 0, 1, 1);
            return [...pen.getImageData(0, 0, 1, 1).data].slice(0, 3);
        }"""
    )
    card = await small.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert card == "rgb(23, 33, 43)"
    assert sum(background) < 3 * 80, background  # dark, as the theme asked
    await screenshot(small, "11-dark-360")

    wide = await browser.open(webapp.launch_url(SARA.id), viewport={"width": 1280, "height": 800})
    await wide.locator("#tab-board").click()
    await wide.locator("#board-tasks .task").first.wait_for()
    boxes = await wide.locator("#board-tasks .task").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect().top)"
    )
    assert len(boxes) == 2 and boxes[0] == boxes[1]  # side by side on a desktop
    await screenshot(wide, "12-desktop-board")
    assert_only_our_server(browser, webapp)


async def test_an_english_member_reads_english_left_to_right(
    webapp: WebApp, browser: Browser
) -> None:
    await given_member(webapp.bot, JOHN, "fars", locale="en", name="John Smith")

    page = await browser.open(webapp.launch_url(JOHN.id, language_code="en"))
    await page.locator("#view[data-ready=tasks]").wait_for()

    assert await page.evaluate("document.dir") == "ltr"
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert "My tasks" in await page.locator("#tabs").inner_text()
    assert "You have no open tasks." in await page.locator("#view").inner_text()
    assert_only_our_server(browser, webapp)


async def test_stale_launch_data_tells_the_reader_to_open_the_dashboard_from_the_bot_again(
    webapp: WebApp, browser: Browser
) -> None:
    await given_member(webapp.bot, ALI, "tehran", name="علی کریمی")
    long_ago = webapp.clock.now.timestamp() - 2 * 86400

    page = await browser.open(webapp.launch_url(ALI.id, auth_date=int(long_ago)))
    message = page.locator("#fatal")
    await message.wait_for()

    assert "دوباره از دکمهٔ ربات باز کنید" in await message.inner_text()
    assert await page.locator("#tabs").is_hidden()
    await screenshot(page, "09-stale")


async def test_on_bale_the_page_works_from_the_fragment_without_bales_script(
    bale_webapp: WebApp, browser: Browser
) -> None:
    await given_member(bale_webapp.bot, ALI, "tehran", name="علی کریمی")

    page = await browser.open(bale_webapp.launch_url(ALI.id))
    await page.locator("#view[data-ready=tasks]").wait_for()

    assert await page.locator("#who").inner_text() == "علی کریمی"
    # The launch data came with the URL: Bale's script was never needed, nor asked for.
    assert_only_our_server(browser, bale_webapp)


async def test_on_bale_without_launch_data_the_page_tries_bales_script_and_says_what_to_do(
    bale_webapp: WebApp, browser: Browser
) -> None:
    context = await browser.chromium.new_context(viewport=PHONE)
    page = await context.new_page()
    asked: list[str] = []

    # Bale's script does not load (no network here, and none in CI): the page must still
    # tell the reader what to do rather than hang.
    async def refuse(route: Any) -> None:
        asked.append(route.request.url)
        await route.abort()

    await page.route("https://tapi.bale.ai/**", refuse)
    await page.goto(f"{bale_webapp.base_url}/app/")
    message = page.locator("#fatal")
    await message.wait_for()

    assert "از داخل ربات" in await message.inner_text()
    assert asked == ["https://tapi.bale.ai/miniapp.js?3"]

"""The working group's report as a secretary meets it: /report کارگروه, a Jalali preset or a
typed range, the text, then charts and the workbook; /targets; and /report alone still files
the monitoring figures.

The clock starts on Monday 1405/09/02 (2026-11-23) at 10:00 Tehran time.
"""

from __future__ import annotations

import datetime
import io

import openpyxl

from bot.domain.clusters import ClusterStage
from bot.domain.members import Role
from bot.domain.monitoring import KPI_FIELDS
from tests.conftest import ADMIN, ALI, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import LEILA, MARYAM, given_cluster, new_task, press, say, tehran

NOW = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)


async def test_a_secretary_gets_this_months_report_with_charts_and_a_workbook(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_cluster(bot, "خوشه مبلمان تهران", stage=ClusterStage.DEVELOPMENT_RUNNING)
    await given_cluster(bot, "خوشه فرش تهران")
    await given_cluster(bot, "خوشه خرمای فارس", group="fars")

    asked = await say(bot, SARA, "/report کارگروه")
    assert "گزارش وضعیت تهران" in asked and "کدام دوره" in asked
    await press(bot, SARA, "این ماه")
    # The chat showed "typing…" while the report was being put together
    assert [c.params.get("action") for c in bot.api.calls_to("sendChatAction")] == ["typing"]
    text = bot.api.last_message_to(SARA.id).plain()
    assert "دوره: این ماه (۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰)" in text
    # Fars's cluster is not Tehran's business
    assert "(همه: ۲)" in text
    assert "• شناسایی‌شده: ۱" in text and "• در حال اجرای طرح توسعه: ۱" in text
    assert "۰ گزارش از ۱ گزارش مورد انتظار رسیده است (۰٪)" in text

    await press(bot, SARA, "نمودارها")
    chooser = bot.api.last_message_to(SARA.id)
    assert "کدام نمودارِ تهران" in chooser.plain()
    # A province's secretariat has no provinces to compare
    assert [label for label, _ in chooser.buttons()] == [
        "🏗 خوشه‌ها بر پایه مرحله (قیف)",
        "⏰ وظایف معوق به تفکیک دستگاه",
        "📈 روند یک شاخص در برابر هدف",
    ]
    await press(bot, SARA, "قیف")
    photos = [m for m in bot.api.messages_to(SARA.id) if m.kind == "photo"]
    assert len(photos) == 1
    assert photos[0].content and photos[0].content[:8] == b"\x89PNG\r\n\x1a\n"
    assert photos[0].plain() == (
        "خوشه‌ها بر پایه مرحله — تهران\nدوره: این ماه (۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰)"
    )
    await press(bot, SARA, "وظایف معوق به تفکیک دستگاه")
    assert "داده‌ای نیست" in bot.api.last_message_to(SARA.id).plain()  # nothing overdue yet

    await press(bot, SARA, "پرونده Excel")
    actions = [c.params.get("action") for c in bot.api.calls_to("sendChatAction")]
    assert actions == ["typing", "upload_photo", "upload_photo", "upload_photo", "upload_document"]
    sent = bot.api.last_message_to(SARA.id)
    assert sent.kind == "document" and sent.document_name == "report-2026-11-22-2026-12-21.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(sent.content or b""))
    assert len(list(book["خوشه‌ها"].iter_rows())) == 1 + 2


async def test_a_custom_range_and_the_country_view_for_a_superuser(bot: RunningBot) -> None:
    await given_cluster(bot, "خوشه مبلمان تهران", stage=ClusterStage.DEVELOPMENT_RUNNING)
    await given_cluster(bot, "خوشه خرمای فارس", group="fars")
    bot.api.text(ADMIN, "/help")
    await bot.api.drain()

    assert "کل کشور" in await say(bot, ADMIN, "/report status")
    await press(bot, ADMIN, "بازه دلخواه")
    assert "پایان دوره پیش از آغاز" in await say(bot, ADMIN, "1405/06/31 تا 1405/01/01")
    text = await say(bot, ADMIN, "1405/01/01 تا 1405/09/30")
    assert "بازه دلخواه (۱۴۰۵/۰۱/۰۱ تا ۱۴۰۵/۰۹/۳۰)" in text
    messages = "\n".join(m.plain() for m in bot.api.messages_to(ADMIN.id)[-4:])
    assert "رتبه‌بندی استان‌ها" in messages
    assert "— تهران —" in messages and "— فارس —" in messages
    # the country's charts also compare the provinces
    await press(bot, ADMIN, "نمودارها")
    await press(bot, ADMIN, "مقایسه استان‌ها")
    photo = bot.api.last_message_to(ADMIN.id)
    assert photo.kind == "photo" and photo.plain().startswith("امتیاز استان‌ها — بازه دلخواه")


async def test_members_do_not_get_the_groups_report_and_report_alone_files_kpis(
    bot: RunningBot,
) -> None:
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران", stage=ClusterStage.DEVELOPMENT_RUNNING)
    async with bot.uow() as uow:
        await uow.clusters.update_fields(cluster.id, cda_member_id=ali.id)
        await uow.commit()

    assert "دبیر، رئیس کارگروه یا مدیر ربات" in await say(bot, LEILA, "/report کارگروه")
    assert "(۱ از ۶)" in await say(bot, ALI, "/report")


async def test_the_secretary_sets_a_clusters_targets_and_sees_them_in_the_kpi_table(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_cluster(bot, "خوشه مبلمان تهران", stage=ClusterStage.DEVELOPMENT_RUNNING)

    await say(bot, SARA, "/targets مبلمان")
    await press(bot, SARA, "خوشه مبلمان تهران")
    await press(bot, SARA, "پایان برنامه")
    assert "شش عدد لازم است" in await say(bot, SARA, "۱۵۰ ۳")
    assert "«x» عدد درستی نیست" in await say(bot, SARA, "۱۵۰ ۳ ۶ ۱۲۰۰ ۳۰٬۰۰۰ x")
    assert "اهداف «خوشه مبلمان تهران» برای پایان برنامه ثبت شد" in await say(
        bot, SARA, "۱۵۰ ۳ ۶ ۱۲۰۰ ۳۰٬۰۰۰ ۵۰۰۰۰۰"
    )
    await say(bot, SARA, "/report کارگروه")
    await press(bot, SARA, "امسال")
    await press(bot, SARA, "شاخص‌ها و اهداف")
    text = bot.api.last_message_to(SARA.id).plain()
    assert "هدف برای پایان برنامه" in text
    assert "• تعداد بنگاه‌ها: مبنا —، هدف ۱۵۰، اکنون —" in text


async def test_the_saturday_digest_adds_the_trend_and_for_the_centre_the_ranking(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="banks")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")

    def digests(user_id: int) -> list[str]:
        return [m.plain() for m in bot.api.messages_to(user_id) if "خلاصه هفته" in m.plain()]

    tehran(clock, 7, 9, 10)  # Saturday 1405/09/07: the task is overdue; a week ago it was new
    await bot.app.tick()
    await bot.app.tick()
    (sara,) = digests(SARA.id)
    assert "روند: ۱ وظیفه معوق، هفته پیش ۰ — بدتر از هفته پیش" in sara
    assert "رتبه استان‌ها" not in sara
    (maryam,) = digests(MARYAM.id)
    assert "رتبه استان‌ها در این هفته" in maryam
    assert "۱. تهران (۰٪)" in maryam


async def test_a_kpis_trend_is_chosen_by_kpi_then_cluster_and_drawn_against_its_target(
    bot: RunningBot,
) -> None:
    sara = await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    furniture = await given_cluster(
        bot, "خوشه مبلمان تهران", stage=ClusterStage.DEVELOPMENT_RUNNING
    )
    carpets = await given_cluster(bot, "خوشه فرش تهران", stage=ClusterStage.DEVELOPMENT_RUNNING)
    async with bot.uow() as uow:
        for cluster, employment in ((furniture, (100, 130)), (carpets, (50, 52))):
            for period, figure in zip(("1405-07", "1405-08"), employment, strict=True):
                figures = {f: 10 for f in KPI_FIELDS} | {"employment": figure}
                await uow.kpis.save(cluster.id, period, figures, None, sara.id, NOW)
        await uow.commit()
    await say(bot, SARA, "/targets فرش")
    await press(bot, SARA, "خوشه فرش تهران")
    await press(bot, SARA, "پایان برنامه")
    await say(bot, SARA, "۱۵۰ ۳ ۶ ۱۲۰۰ ۳۰۰۰۰ ۵۰۰۰۰۰")

    await say(bot, SARA, "/report کارگروه")
    await press(bot, SARA, "امسال")
    await press(bot, SARA, "نمودارها")
    await press(bot, SARA, "روند یک شاخص")
    assert "روند کدام شاخص" in bot.api.last_message_to(SARA.id).plain()
    await press(bot, SARA, "اشتغال")
    clusters = bot.api.last_message_to(SARA.id)
    # the clusters with monitoring reports (none falls behind: no program has started)
    assert [label for label, _ in clusters.buttons()] == ["خوشه فرش تهران", "خوشه مبلمان تهران"]
    await press(bot, SARA, "خوشه فرش تهران")
    photo = bot.api.last_message_to(SARA.id)
    assert photo.kind == "photo" and photo.content
    assert photo.plain() == "اشتغال (نفر) — خوشه فرش تهران\nدوره: امسال (۱۴۰۵/۰۱/۰۱ تا ۱۴۰۵/۱۲/۲۹)"


async def test_a_programs_kpi_targets_become_the_clusters_targets_when_it_is_approved(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)

    await say(bot, ALI, "/submit")
    await press(bot, ALI, "برنامه عملیاتی")
    await press(bot, ALI, "خوشه کاشی")
    await say(bot, ALI, "برنامه توسعه صادرات کاشی")
    await say(bot, ALI, "آموزش، بازاریابی مشترک و حضور در نمایشگاه‌های خارجی.")
    await say(bot, ALI, "۵۰۰")
    assert "بنگاه=۱۵۰ اشتغال=۱۲۰۰" in await say(bot, ALI, "۱۸")
    assert "«سود=۱۰»: کدام شاخص؟" in await say(bot, ALI, "سود=۱۰")
    await say(bot, ALI, "بنگاه=۱۵۰ اشتغال=۱۲۰۰")
    await press(bot, ALI, "تمام")
    preview = bot.api.last_message_to(ALI.id).plain()
    assert "اهداف شاخص‌ها برای پایان برنامه: تعداد بنگاه‌ها ۱۵۰، اشتغال (نفر) ۱٬۲۰۰" in preview
    await press(bot, ALI, "ارسال")
    await press(bot, SARA, "تأیید")
    await press(bot, MARYAM, "تأیید")

    await say(bot, SARA, "/report کارگروه")
    await press(bot, SARA, "امسال")
    await press(bot, SARA, "شاخص‌ها و اهداف")
    text = bot.api.last_message_to(SARA.id).plain()
    assert "هدف برای پایان برنامه" in text
    assert "• تعداد بنگاه‌ها: مبنا —، هدف ۱۵۰، اکنون —" in text
    assert "• اشتغال (نفر): مبنا —، هدف ۱٬۲۰۰، اکنون —" in text

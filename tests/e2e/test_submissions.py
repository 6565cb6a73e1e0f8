"""The three pipelines end to end: feasibility plan to license, development program with a
return and a withdrawal, support package to the agencies' acknowledgement, and votes."""

from __future__ import annotations

from bot.domain.clusters import ClusterStage
from bot.domain.members import Role
from bot.domain.submissions import SubmissionStatus
from bot.i18n import LRI, PDI
from bot.ui.submissions import Review
from tests.conftest import (
    ALI,
    MINA,
    REZA,
    SARA,
    TEHRAN_CHAT,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.helpers import (
    HASSAN,
    LEILA,
    MARYAM,
    given_cluster,
    last_answer,
    press,
    say,
    submit_feasibility_plan,
    with_button,
)


async def status_of(bot: RunningBot, submission_id: int) -> SubmissionStatus:
    async with bot.uow() as uow:
        submission = await uow.submissions.get(submission_id)
    assert submission is not None
    return submission.status


async def test_a_feasibility_plan_goes_from_submission_through_province_and_centre_to_a_license(
    bot: RunningBot,
) -> None:
    # Given a Tehran secretary with a linked chat, the central secretary, and Ali, a member
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY, name="مریم مرکزی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")

    # When Ali fills in the plan, with the nine criteria and an attachment
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    preview = bot.api.last_message_to(ALI.id).plain()
    assert "طرح توجیهی خوشه مبلمان" in preview
    assert "۱. تمرکز جغرافیایی بنگاه‌ها: ✅ دارد ۱۲۰ کارگاه" in preview
    assert "بودجه: ۲۵۰۰ میلیون ریال" in preview
    assert "پیوست‌ها: ۱" in preview
    await press(bot, ALI, "ارسال")
    assert "در بررسی تهران است" in bot.api.last_message_to(ALI.id).plain()

    # Then the province sees the card in its chat and privately
    group_card = with_button(bot, TEHRAN_CHAT.id, "تأیید")
    sara_card = with_button(bot, SARA.id, "تأیید")
    assert "بررسی کارگروه استان" in sara_card.plain()
    assert "خوشه مبلمان تهران" in group_card.plain()

    # When Sara approves, the plan moves to the centre and Ali is told
    await press(bot, SARA, "تأیید", chat_id=TEHRAN_CHAT.id)
    assert last_answer(bot, SARA) == "تأیید شد و برای بررسی مرکز فرستاده شد."
    for card in (group_card, sara_card):
        assert card.buttons() and all(not d.startswith("rv:") for _, d in card.buttons())
        assert "در استان تأیید و به مرکز فرستاده شد — سارا تهرانی" in card.plain()
    assert "اکنون در بررسی مرکز است" in bot.api.last_message_to(ALI.id).plain()
    centre_card = with_button(bot, MARYAM.id, "تأیید")
    assert "بررسی دبیرخانه مرکز" in centre_card.plain()

    # When the centre approves, the cluster is licensed and Ali receives the license
    await press(bot, MARYAM, "تأیید")
    assert last_answer(bot, MARYAM) == "تأیید نهایی ثبت شد."
    license_message = bot.api.last_message_to(ALI.id).plain()
    assert "پروانه خوشه" in license_message
    # One left-to-right unit, Latin digits, in the Persian message as everywhere else.
    assert f"{LRI}EC-1405-0001{PDI}" in license_message
    assert "۲ آذر ۱۴۰۵" in license_message
    async with bot.uow() as uow:
        licensed = await uow.clusters.get(cluster.id)
    assert licensed is not None and licensed.stage is ClusterStage.LICENSED

    # And the license can be shown again from /my, with the whole history
    await say(bot, ALI, "/my")
    await press(bot, ALI, "پروانه")
    assert f"{LRI}EC-1405-0001{PDI}" in bot.api.last_message_to(ALI.id).plain()
    await press(bot, ALI, "سابقه")
    history = bot.api.last_message_to(ALI.id).plain()
    assert "علی کریمی: ارسال شد" in history
    assert "سارا تهرانی: در استان تأیید" in history
    assert "مریم مرکزی: تأیید شد" in history
    assert not bot.api.errors(), bot.api.errors()


async def test_a_program_is_returned_revised_resubmitted_and_then_withdrawn(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)

    await say(bot, ALI, "/submit")
    await press(bot, ALI, "برنامه عملیاتی")
    await press(bot, ALI, "خوشه کاشی")
    await say(bot, ALI, "برنامه توسعه صادرات کاشی")
    await say(bot, ALI, "آموزش، بازاریابی مشترک و حضور در نمایشگاه‌های خارجی.")
    assert "به عدد" in await say(bot, ALI, "چهل")
    assert "مدت اجرا" in await say(bot, ALI, "12,000")
    assert "عددی از ۱ تا ۱۲۰" in await say(bot, ALI, "۲۰۰")
    await say(bot, ALI, "۱۸")
    assert "اهداف شاخص‌های برنامه" in bot.api.last_message_to(ALI.id).plain()
    await press(bot, ALI, "رد شدن")
    await press(bot, ALI, "تمام")
    await press(bot, ALI, "ارسال")

    # Sara returns it with what must change
    await press(bot, SARA, "برگشت")
    assert "چه چیزی" in bot.api.last_message_to(SARA.id).plain()
    await say(bot, SARA, "بودجه آموزش را جدا کنید")
    notice = bot.api.last_message_to(ALI.id)
    assert "برای اصلاح برگشت داده شد" in notice.plain()
    assert "بودجه آموزش را جدا کنید" in notice.plain()

    # Ali revises the summary only, keeping the rest, and resubmits into the same stage
    await press(bot, ALI, "اصلاح و ارسال دوباره")
    await press(bot, ALI, "بدون تغییر")
    await say(bot, ALI, "آموزش (۳۰۰ میلیون)، بازاریابی مشترک و نمایشگاه‌ها.")
    await press(bot, ALI, "بدون تغییر")
    await press(bot, ALI, "بدون تغییر")
    await press(bot, ALI, "رد شدن")
    await press(bot, ALI, "تمام")
    preview = bot.api.last_message_to(ALI.id).plain()
    assert "برنامه توسعه صادرات کاشی" in preview and "۱۸ ماه" in preview
    await press(bot, ALI, "ارسال")
    assert "دوباره در بررسی تهران است" in bot.api.last_message_to(ALI.id).plain()
    new_card = with_button(bot, SARA.id, "تأیید")
    assert "آموزش (۳۰۰ میلیون)" in new_card.plain()
    approve = new_card.button("تأیید")

    # Then Ali withdraws it; the card loses its buttons
    await say(bot, ALI, "/my")
    await press(bot, ALI, "پس گرفتن")
    assert last_answer(bot, ALI) == "پس گرفته شد."
    assert all(not d.startswith("rv:") for _, d in new_card.buttons())
    assert "پس گرفته شد" in new_card.plain()
    bot.api.callback(SARA, new_card, approve)
    await bot.api.drain()
    assert "علی کریمی" in last_answer(bot, SARA) and "پس گرفته شد" in last_answer(bot, SARA)


async def test_double_presses_forged_buttons_and_stale_cards_change_nothing(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, REZA, "fars", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    card = with_button(bot, SARA.id, "تأیید")
    approve = card.button("تأیید")
    submission_id = Review.unpack(approve).submission_id

    # Sara presses Approve twice before the card updates
    bot.api.callback(SARA, card, approve)
    bot.api.callback(SARA, card, approve)
    await bot.api.drain()
    answers = [a.get("text") for a in bot.api.callback_answers(SARA.id)]
    assert answers[-2] == "تأیید شد و برای بررسی مرکز فرستاده شد."
    assert "قدیمی است: سارا تهرانی" in answers[-1]
    moved = [m for m in bot.api.messages_to(ALI.id) if "در بررسی مرکز" in m.plain()]
    assert len(moved) == 1
    centre_cards = [m for m in bot.api.messages_to(MARYAM.id) if "شماره" in m.plain()]
    assert len(centre_cards) == 1

    # Reza (Fars) and Sara (province, not centre) forge the centre's approve button
    centre_approve = with_button(bot, MARYAM.id, "تأیید").button("تأیید")
    for intruder in (REZA, SARA):
        bot.api.callback(intruder, bot.api.last_message_to(intruder.id), centre_approve)
        await bot.api.drain()
        assert last_answer(bot, intruder) == "بررسی این مرحله با کارگروه شما نیست."
    async with bot.uow() as uow:
        assert ("submission.approve", "not_your_stage") in await uow.audit.for_actor(REZA.id)
    assert await status_of(bot, submission_id) is SubmissionStatus.IN_REVIEW

    # Maryam rejects with a reason; Ali is told why
    await press(bot, MARYAM, "رد")
    await say(bot, MARYAM, "با اولویت‌های ملی سازگار نیست")
    assert "با اولویت‌های ملی سازگار نیست" in bot.api.last_message_to(ALI.id).plain()
    assert await status_of(bot, submission_id) is SubmissionStatus.REJECTED


async def test_when_the_group_votes_the_quorum_decides_and_the_tally_is_live(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا")
    await given_member(bot, MINA, "fars", name="مینا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    assert "رأی می‌دهند" in await say(bot, SARA, "/rules vote ۲ ۷")

    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    leila_card = with_button(bot, LEILA.id, "موافقم")
    sara_card = with_button(bot, SARA.id, "موافقم")

    await press(bot, LEILA, "موافقم")
    assert last_answer(bot, LEILA) == "رأی شما ثبت شد."
    assert "موافق ۱، مخالف ۰، ممتنع ۰" in sara_card.plain()
    await press(bot, LEILA, "مخالفم")
    assert last_answer(bot, LEILA) == "شما در این دور رأی داده‌اید."
    bot.api.callback(MINA, bot.api.last_message_to(MINA.id), leila_card.button("موافقم"))
    await bot.api.drain()
    assert last_answer(bot, MINA) == "بررسی این مرحله با کارگروه شما نیست."

    await press(bot, SARA, "ممتنع")
    assert "موافق ۱، مخالف ۰، ممتنع ۱" in leila_card.plain()
    await press(bot, ALI, "موافقم")
    # The second approval reaches the quorum: the plan moves to the centre.
    assert "رأی اعضا" in sara_card.plain()
    assert with_button(bot, MARYAM.id, "تأیید")
    assert "اکنون در بررسی مرکز است" in bot.api.last_message_to(ALI.id).plain()


async def test_a_support_package_is_approved_and_communicated_to_each_agency(
    bot: RunningBot,
) -> None:
    await given_member(
        bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="governorates"
    )
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY, name="مریم مرکزی")
    hassan = await given_member(bot, HASSAN, "tehran", name="حسن توسعه")
    assert hassan.agency_code == "tpo"
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="chamber_commerce")
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)

    # A plain member may not propose a package
    await say(bot, ALI, "/submit")
    await press(bot, ALI, "بسته حمایتی")
    assert "کار دبیرخانه است" in bot.api.last_message_to(ALI.id).plain()

    await say(bot, SARA, "/submit")
    await press(bot, SARA, "بسته حمایتی")
    await press(bot, SARA, "خوشه کاشی")
    await say(bot, SARA, "بسته حمایت صادراتی کاشی")
    await say(bot, SARA, "حمایت از حضور در نمایشگاه و تسهیلات سرمایه در گردش.")
    await press(bot, SARA, "سازمان توسعه تجارت ایران")
    await say(bot, SARA, "تأمین غرفه در دو نمایشگاه خارجی")
    await press(bot, SARA, "دستگاه دیگر")
    await press(bot, SARA, "بانک‌ها و مؤسسات مالی")
    await say(bot, SARA, "تسهیلات سرمایه در گردش با نرخ ترجیحی")
    await press(bot, SARA, "تمام")
    await press(bot, SARA, "تمام")
    await press(bot, SARA, "ارسال")

    # A package has a single, central stage (F11)
    await press(bot, MARYAM, "تأیید")
    assert last_answer(bot, MARYAM) == "تأیید نهایی ثبت شد."

    # Then the TPO representative gets his part and acknowledges it, once
    instruction = with_button(bot, HASSAN.id, "دریافت شد")
    acknowledge = instruction.button("دریافت شد")
    assert "تأمین غرفه در دو نمایشگاه خارجی" in instruction.plain()
    assert "تسهیلات" not in instruction.plain()
    await press(bot, HASSAN, "دریافت شد")
    assert last_answer(bot, HASSAN) == "دریافت ثبت شد."
    assert "دریافت تأیید شد؛ توسط حسن توسعه" in instruction.plain()
    assert instruction.buttons() == []
    # The banks have no representative: the secretariat is told to deliver it by hand
    sara_saw = [m.plain() for m in bot.api.messages_to(SARA.id)]
    assert any("نماینده ندارند" in text and "بانک‌ها و مؤسسات مالی" in text for text in sara_saw)
    # F12: each agency's part became a task; the unrepresented one is held by the secretary
    assert any("وظیفه تازه برای شما" in m.plain() for m in bot.api.messages_to(HASSAN.id))
    async with bot.uow() as uow:
        tasks = await uow.tasks.of_groups(None)
    by_title = {t.title: t for t in tasks}
    tpo_task = by_title["تأمین غرفه در دو نمایشگاه خارجی"]
    bank_task = by_title["تسهیلات سرمایه در گردش با نرخ ترجیحی"]
    assert {a.name for a in tpo_task.assignees} >= {"حسن توسعه"}
    assert bank_task.needs_assignee and [a.name for a in bank_task.assignees] == ["سارا تهرانی"]
    # A replayed press is answered, and somebody from another agency cannot acknowledge
    bot.api.callback(HASSAN, instruction, acknowledge)
    await bot.api.drain()
    assert last_answer(bot, HASSAN) == "دریافت این ابلاغ پیش‌تر تأیید شده است."
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), acknowledge)
    await bot.api.drain()
    assert last_answer(bot, ALI) == "این ابلاغ برای دستگاه شما نیست."


async def test_wrong_and_oversized_files_are_refused_and_the_dialog_goes_on(
    bot: RunningBot,
) -> None:
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)
    await say(bot, ALI, "/submit")
    await press(bot, ALI, "برنامه عملیاتی")
    await press(bot, ALI, "خوشه کاشی")
    await say(bot, ALI, "برنامه کاشی")
    await say(bot, ALI, "برنامه سه‌ساله توسعه صادرات کاشی.")
    await say(bot, ALI, "۵۰۰")
    await say(bot, ALI, "۱۲")
    await press(bot, ALI, "رد شدن")

    bot.api.document(ALI, "setup.exe", b"MZ", "application/x-msdownload")
    await bot.api.drain()
    assert "پذیرفته نیست" in bot.api.last_message_to(ALI.id).plain()
    bot.api.document(ALI, "big.pdf", b"%PDF", "application/pdf", declared_size=25 * 1024 * 1024)
    await bot.api.drain()
    assert "بیش از ۲۰ مگابایت" in bot.api.last_message_to(ALI.id).plain()
    bot.api.document(
        ALI,
        "budget.xlsx",
        b"PK",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    await bot.api.drain()
    assert "(۱ پیوست)" in bot.api.last_message_to(ALI.id).plain()
    await press(bot, ALI, "تمام")
    assert "پیوست‌ها: ۱" in bot.api.last_message_to(ALI.id).plain()


async def test_a_second_feasibility_plan_for_the_same_cluster_waits_for_the_first(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")

    await submit_feasibility_plan(bot, LEILA, "خوشه مبلمان تهران")
    await press(bot, LEILA, "ارسال")

    assert "طرح توجیهی در جریان است" in last_answer(bot, LEILA)
    async with bot.uow() as uow:
        assert await uow.submissions.get(2) is None


async def test_button_labels_show_names_as_typed_not_escaped(bot: RunningBot) -> None:
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه چرم & کفش <تبریز>")
    await say(bot, ALI, "/submit")
    await press(bot, ALI, "طرح توجیهی")
    labels = [label for label, _ in bot.api.last_message_to(ALI.id).buttons()]
    assert "خوشه چرم & کفش <تبریز> (تهران)" in labels

"""The task matrix and the task file: /matrix for members, /tasks_export and /tasks_import for
the secretariat, all or nothing on a bad file, and refusals."""

from __future__ import annotations

import datetime
import io

import openpyxl

from bot.domain.jalali import from_jalali
from bot.domain.members import Member, Role
from bot.domain.tasks import AssigneeState, TaskStatus
from bot.storage.tasks import NewTask
from bot.ui.tasks import MatrixPick
from tests.conftest import ALI, MINA, SARA, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, press, say
from tests.fakebot import FakeUser, SentMessage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
# The bot's today is 1405/09/02.
PAST = from_jalali(1405, 8, 20)
LATER = from_jalali(1405, 9, 30)


async def given_task(
    bot: RunningBot,
    cluster_id: int,
    title: str,
    *people: Member,
    status: TaskStatus = TaskStatus.TODO,
    due: datetime.date | None = None,
) -> int:
    async with bot.uow() as uow:
        task_id = await uow.tasks.create(
            NewTask(title=title, cluster_id=cluster_id, due_on=due, needs_assignee=not people),
            0,
            NOW,
        )
        for person in people:
            await uow.tasks.add_assignee(task_id, person.id, person.agency_code, NOW)
            if status is not TaskStatus.TODO:
                progress = 100 if status is TaskStatus.DONE else 25
                state = AssigneeState(person.id, status, progress)
                await uow.tasks.set_assignee_state(task_id, state, NOW)
        if status is not TaskStatus.TODO:
            assert await uow.tasks.update(task_id, 1, status=status)
        await uow.commit()
    return task_id


async def tehran(bot: RunningBot) -> tuple[Member, Member, int]:
    """Sara runs the Tehran secretariat; Ali (TPO) and Leila (banks) are members."""
    await given_member(
        bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="governorates"
    )
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی", agency="tpo")
    leila = await given_member(bot, LEILA, "tehran", name="لیلا احمدی", agency="banks")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    return ali, leila, cluster.id


async def titles(bot: RunningBot) -> dict[int, str]:
    async with bot.uow() as uow:
        return {t.id: t.title for t in await uow.tasks.of_groups(None)}


def last_document(bot: RunningBot, user: FakeUser) -> SentMessage:
    sent = bot.api.last_message_to(user.id)
    assert sent.kind == "document", sent.describe()
    assert sent.content is not None
    return sent


def sheet_rows(content: bytes, sheet: str | None = None) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


async def send_file(bot: RunningBot, user: FakeUser, name: str, content: bytes, mime: str) -> str:
    bot.api.document(user, name, content, mime)
    await bot.api.drain()
    return bot.api.last_message_to(user.id).plain()


async def test_a_member_sees_the_matrix_of_their_cluster_by_agency_with_an_excel_copy(
    bot: RunningBot,
) -> None:
    ali, leila, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali, due=LATER)
    await given_task(
        bot, cluster_id, "برگزاری جلسه", ali, leila, status=TaskStatus.IN_PROGRESS, due=PAST
    )
    await given_task(bot, cluster_id, "گزارش بانکی", leila, status=TaskStatus.DONE, due=PAST)
    await given_task(bot, cluster_id, "دعوت از بنگاه‌ها", status=TaskStatus.BLOCKED)
    other = await given_cluster(bot, "خوشه فرش کاشان")
    await given_task(bot, other.id, "وظیفه خوشه دیگر", ali)

    await say(bot, ALI, "/matrix")
    await press(bot, ALI, "خوشه مبلمان تهران")

    text = bot.api.messages_to(ALI.id)[-2].plain()
    assert "ماتریس وظایف خوشه مبلمان تهران (تهران)، ۴ وظیفه" in text
    lines = text.splitlines()
    assert "بانک‌ها و مؤسسات مالی: ⏳ ۰ ▶️ ۱ ⛔ ۰ ✅ ۱ ✖️ ۰ ⚠️ ۱ Σ ۲" in lines
    assert "سازمان توسعه تجارت ایران: ⏳ ۱ ▶️ ۱ ⛔ ۰ ✅ ۰ ✖️ ۰ ⚠️ ۱ Σ ۲" in lines
    assert "بدون دستگاه: ⏳ ۰ ▶️ ۰ ⛔ ۱ ✅ ۰ ✖️ ۰ ⚠️ ۰ Σ ۱" in lines
    assert "کل خوشه: ⏳ ۱ ▶️ ۱ ⛔ ۱ ✅ ۱ ✖️ ۰ ⚠️ ۱ Σ ۴" in lines

    sent = last_document(bot, ALI)
    assert sent.document_name == f"matrix-{cluster_id}-1405-09-02.xlsx"
    assert "ماتریس و فهرست وظایف خوشه مبلمان تهران، ۱۴۰۵/۰۹/۰۲" in sent.plain()
    assert sent.content is not None
    book = openpyxl.load_workbook(io.BytesIO(sent.content))
    assert book.sheetnames == ["ماتریس", "وظایف"]
    matrix = sheet_rows(sent.content, "ماتریس")
    assert matrix[0] == [
        "دستگاه", "انجام‌نشده", "در حال انجام", "⛔ متوقف", "✅ انجام شد", "لغو شده", "معوق", "جمع",
    ]  # fmt: skip
    assert matrix[1:] == [
        ["بانک‌ها و مؤسسات مالی", 0, 1, 0, 1, 0, 1, 2],
        ["سازمان توسعه تجارت ایران", 1, 1, 0, 0, 0, 1, 2],
        ["بدون دستگاه", 0, 0, 1, 0, 0, 0, 1],
        ["کل خوشه", 1, 1, 1, 1, 0, 1, 4],
    ]
    listed = sheet_rows(sent.content, "وظایف")
    assert listed[0][:3] == ["شناسه", "کد", "عنوان"]
    assert [row[2] for row in listed[1:]] == [
        "تهیه نقشه خوشه", "برگزاری جلسه", "گزارش بانکی", "دعوت از بنگاه‌ها",
    ]  # fmt: skip
    assert listed[2][8:] == [
        "1405/08/20",
        "2026-11-11",
        "in_progress",
        "25",
        "علی کریمی; لیلا احمدی",
        "tpo; banks",
    ]


async def test_people_outside_the_province_do_not_see_its_matrix(bot: RunningBot) -> None:
    ali, _, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali)
    await given_member(bot, MINA, "fars", name="مینا فارسی")

    assert "خوشه‌ای برای نمایش پیدا نشد" in await say(bot, MINA, "/matrix")
    forged = MatrixPick(cluster_id=cluster_id).pack()
    bot.api.callback(MINA, bot.api.last_message_to(MINA.id), forged)
    await bot.api.drain()
    assert bot.api.last_message_to(MINA.id).plain() == "این خوشه به کارگروه شما مربوط نیست."
    assert all(m.kind == "text" for m in bot.api.messages_to(MINA.id))


async def test_an_exported_file_edited_and_imported_updates_the_task_and_adds_new_ones(
    bot: RunningBot,
) -> None:
    ali, leila, cluster_id = await tehran(bot)
    first = await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali, due=LATER)
    second = await given_task(bot, cluster_id, "برگزاری جلسه", ali, leila, due=PAST)

    await say(bot, SARA, "/tasks_export")
    sent = last_document(bot, SARA)
    assert sent.document_name == "tasks-1405-09-02.xlsx"
    assert "۲ وظیفه از کارگروه‌های شما" in sent.plain()
    assert sent.content is not None

    book = openpyxl.load_workbook(io.BytesIO(sent.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "شناسه", "کد", "عنوان", "شرح", "خوشه", "استان", "شروع", "شروع (میلادی)", "مهلت",
        "مهلت (میلادی)", "وضعیت", "پیشرفت", "مسئولان", "دستگاه‌ها",
    ]  # fmt: skip
    # Beside each Jalali date its ISO date, which Excel can sort and compute with.
    dues = {row[0].value: (row[8].value, row[9].value) for row in sheet.iter_rows(min_row=2)}
    assert dues[str(second)] == ("1405/08/20", "2026-11-11")
    assert dues[str(first)] == ("1405/09/30", "2026-12-21")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == str(second):
            row[2].value = "برگزاری جلسه اعتمادسازی با بنگاه‌ها"
    sheet.append(
        [
            "",
            "",
            "پیگیری وام بانکی",
            "",
            "خوشه مبلمان تهران",
            "",
            "",
            "",
            "۱۴۰۵/۱۰/۱۵",
            "",
            "",
            "",
            "لیلا احمدی",
        ]
    )
    edited = io.BytesIO()
    book.save(edited)

    asked = await say(bot, SARA, "/tasks_import")
    assert "پرونده Excel (xlsx) یا CSV" in asked
    answer = await send_file(bot, SARA, "tasks.xlsx", edited.getvalue(), XLSX)
    assert answer == "پرونده وارد شد: ۱ وظیفه تازه ساخته شد و ۱ وظیفه به‌روز شد."

    assert await titles(bot) == {
        first: "تهیه نقشه خوشه",
        second: "برگزاری جلسه اعتمادسازی با بنگاه‌ها",
        3: "پیگیری وام بانکی",
    }
    async with bot.uow() as uow:
        changed = await uow.tasks.get(second)
        created = await uow.tasks.get(3)
        history = await uow.tasks.events(second)
        untouched = await uow.tasks.events(first)
    assert changed is not None and changed.due_on == PAST and len(changed.assignees) == 2
    assert created is not None and created.due_on == from_jalali(1405, 10, 15)
    assert [(a.name, a.agency_code) for a in created.assignees] == [("لیلا احمدی", "banks")]
    assert [(e.actor_name, e.action) for e in history] == [("سارا تهرانی", "imported")]
    assert untouched == []

    # The dialog is over: a file now is just a file.
    assert "پرونده وارد شد" not in await send_file(bot, SARA, "again.xlsx", b"x", XLSX)


async def test_a_file_with_bad_lines_changes_nothing_and_names_every_bad_line(
    bot: RunningBot,
) -> None:
    ali, _, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali, due=LATER)
    await given_task(bot, cluster_id, "برگزاری جلسه", ali)
    before = await titles(bot)

    csv_text = (
        "id;title;details;cluster;due;assignees\n"
        "1;عنوان تازه برای نقشه;;خوشه مبلمان تهران;1405/09/30;علی کریمی\n"
        "2;برگزاری جلسه;;خوشه مبلمان تهران;1405/13/40;علی کریمی\n"
        ";وظیفه تازه;;خوشه مبلمان تهران;1405/10/01;بهرام ناشناس\n"
    )
    await say(bot, SARA, "/tasks_import")
    answer = await send_file(
        bot, SARA, "tasks.csv", b"\xef\xbb\xbf" + csv_text.encode(), "text/csv"
    )

    assert "هیچ تغییری ثبت نشد؛ ۲ ایراد در پرونده هست" in answer
    assert "سطر ۳، ستون «مهلت»: تاریخ «۱۴۰۵/۱۳/۴۰» خوانده نشد" in answer
    assert "سطر ۴، ستون «مسئولان»: «بهرام ناشناس» عضو تأییدشده کارگروه این خوشه نیست." in answer
    assert "سطر ۲" not in answer
    assert await titles(bot) == before
    async with bot.uow() as uow:
        assert await uow.tasks.events(1) == []

    # Still waiting for a file: the corrected one goes through.
    fixed = csv_text.replace("1405/13/40", "1405/10/20").replace("بهرام ناشناس", "علی کریمی")
    answer = await send_file(bot, SARA, "tasks.csv", fixed.encode(), "text/csv")
    assert answer == "پرونده وارد شد: ۱ وظیفه تازه ساخته شد و ۲ وظیفه به‌روز شد."
    assert (await titles(bot))[1] == "عنوان تازه برای نقشه"


async def test_a_file_naming_an_agency_person_or_cluster_that_does_not_exist_changes_nothing(
    bot: RunningBot,
) -> None:
    ali, _, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali, due=LATER)
    before = await titles(bot)

    csv_text = (
        "id,title,details,cluster,province,due,assignees,agencies\n"
        "1,عنوان تازه,,خوشه فرش تهران,tehran,1405/09/30,علی کریمی,tpo\n"
        ",وظیفه دیگر,,خوشه مبلمان تهران,tehran,1405/09/30,بهرام ناشناس,tpo\n"
        ",وظیفه تازه,,خوشه مبلمان تهران,tehran,1405/10/01,علی کریمی,tpoo\n"
    )
    await say(bot, SARA, "/tasks_import")
    answer = await send_file(bot, SARA, "tasks.csv", csv_text.encode(), "text/csv")

    assert "هیچ تغییری ثبت نشد؛ ۳ ایراد در پرونده هست" in answer
    assert "سطر ۲، ستون «خوشه»: خوشه «خوشه فرش تهران» در کارگروه‌های شما پیدا نشد." in answer
    assert "سطر ۳، ستون «مسئولان»: «بهرام ناشناس» عضو تأییدشده کارگروه این خوشه نیست." in answer
    assert "سطر ۴، ستون «دستگاه‌ها»: دستگاهی با کد «tpoo» نیست" in answer
    assert await titles(bot) == before
    async with bot.uow() as uow:
        assert await uow.tasks.events(1) == []


async def test_an_existing_task_named_with_a_stranger_as_assignee_is_refused(
    bot: RunningBot,
) -> None:
    ali, _, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali, due=LATER)
    before = await titles(bot)

    csv_text = (
        "id,title,details,cluster,due,assignees\n"
        "1,عنوان تازه,,خوشه مبلمان تهران,1405/09/30,علی کریمی; بهرام ناشناس\n"
    )
    await say(bot, SARA, "/tasks_import")
    answer = await send_file(bot, SARA, "tasks.csv", csv_text.encode(), "text/csv")

    assert "سطر ۲، ستون «مسئولان»: «بهرام ناشناس» عضو تأییدشده کارگروه این خوشه نیست." in answer
    assert await titles(bot) == before


async def test_members_who_are_not_secretaries_cannot_export_or_import(bot: RunningBot) -> None:
    ali, _, cluster_id = await tehran(bot)
    await given_task(bot, cluster_id, "تهیه نقشه خوشه", ali)

    assert "فقط از دبیر" in await say(bot, ALI, "/tasks_export")
    assert "فقط از دبیر" in await say(bot, ALI, "/tasks_import")
    csv_text = "id,title,details,cluster,due,assignees\n1,ربوده شد,,,,\n"
    await send_file(bot, ALI, "tasks.csv", csv_text.encode(), "text/csv")
    assert all(m.kind == "text" for m in bot.api.messages_to(ALI.id))
    assert (await titles(bot))[1] == "تهیه نقشه خوشه"
    async with bot.uow() as uow:
        audit = await uow.audit.for_actor(ALI.id)
    assert ("tasks.export", "secretaries_only") in audit
    assert ("tasks.import", "secretaries_only") in audit


async def test_only_small_excel_and_csv_files_are_taken(bot: RunningBot) -> None:
    await tehran(bot)
    await say(bot, SARA, "/tasks_import")

    answer = await send_file(bot, SARA, "setup.exe", b"MZ\x90\x00", "application/x-msdownload")
    assert answer == "فقط پرونده xlsx یا csv پذیرفته می‌شود؛ «setup.exe» از این نوع نیست."
    bot.api.document(SARA, "big.xlsx", b"PK", XLSX, declared_size=6 * 1024 * 1024)
    await bot.api.drain()
    assert "بزرگ‌تر از ۵ مگابایت" in bot.api.last_message_to(SARA.id).plain()
    answer = await send_file(bot, SARA, "renamed.xlsx", b"this is no workbook", XLSX)
    assert "«renamed.xlsx» خوانده نشد" in answer
    assert "منتظر پرونده xlsx یا csv" in await say(bot, SARA, "سلام")

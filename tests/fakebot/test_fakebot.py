"""Self-tests: a real aiogram Bot drives the fake Bot API over HTTP."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fakebot import FakeBotAPI, FakeChat, FakeUser, fast_session, running_dispatcher

pytestmark = pytest.mark.asyncio

ALI = FakeUser(id=1001, first_name="Ali", username="ali")
SARA = FakeUser(id=1002, first_name="Sara")
GROUP = FakeChat(id=-100500, type="supergroup", title="Cluster ops")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = Bot(fake.token, session=fast_session(fake.base_url))
    try:
        yield bot
    finally:
        await bot.session.close()


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


async def test_get_me(bot: Bot, fake: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.id == fake.bot_id == 123456789
    assert me.is_bot
    assert me.username == "cluster_test_bot"
    assert me.can_join_groups
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_plain_aiogram_session_works_too(fake: FakeBotAPI) -> None:
    # The exact construction the project uses in production code, not the test helper.
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    async with Bot(fake.token, session=session) as bot:
        assert (await bot.get_me()).username == fake.bot_username


async def test_wrong_token_and_unknown_method(fake: FakeBotAPI) -> None:
    wrong = Bot("42:wrong-token", session=fast_session(fake.base_url))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await wrong.session.close()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}/bot{fake.token}/noSuchMethod", data={"a": "1"}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    assert [c.error for c in fake.errors()] == ["Unauthorized", "Not Found: method not found"]


async def test_json_and_get_bodies_are_accepted(fake: FakeBotAPI) -> None:
    fake.text(ALI, "hi")
    url = f"{fake.base_url}/bot{fake.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    async with aiohttp.ClientSession() as http:
        payload = {"chat_id": ALI.id, "text": "json", "reply_markup": markup}
        async with http.post(url, json=payload) as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["reply_markup"] == markup
        async with http.get(url, params={"chat_id": str(ALI.id), "text": "query"}) as resp:
            assert resp.status == 200
    assert [m.text for m in fake.messages_to(ALI.id)] == ["json", "query"]
    assert fake.messages_to(ALI.id)[0].button("OK") == "ok"


async def test_send_edit_delete(bot: Bot, fake: FakeBotAPI) -> None:
    fake.text(ALI, "hello")
    sent = await bot.send_message(
        ALI.id,
        "<b>Status</b>: 3 &lt; 5 😀 <i>ok</i>",
        parse_mode="HTML",
        reply_markup=keyboard(("Refresh 🔄", "refresh"), ("Close", "close")),
    )
    # The bot gets what Telegram returns: plain text plus UTF-16 entities, so html_text works.
    assert sent.text == "Status: 3 < 5 😀 ok"
    assert sent.html_text == "<b>Status</b>: 3 &lt; 5 😀 <i>ok</i>"
    message = fake.last_message_to(ALI.id)
    assert message.plain() == "Status: 3 < 5 😀 ok"
    assert message.buttons() == [("Refresh 🔄", "refresh"), ("Close", "close")]
    assert message.button("Refresh") == "refresh"
    with pytest.raises(AssertionError, match="Refresh"):
        message.button("Nope")

    await bot.edit_message_text("Done", chat_id=ALI.id, message_id=sent.message_id)
    assert message.text == "Done"
    assert message.edits == 1
    assert message.reply_markup is None  # an edit without reply_markup drops the keyboard
    await bot.edit_message_reply_markup(
        chat_id=ALI.id, message_id=sent.message_id, reply_markup=keyboard(("Again", "again"))
    )
    assert message.buttons() == [("Again", "again")]
    assert message.edits == 2

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Done",
            chat_id=ALI.id,
            message_id=sent.message_id,
            reply_markup=keyboard(("Again", "again")),
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALI.id, message_id=999)

    assert await bot.delete_message(ALI.id, sent.message_id)
    assert fake.messages_to(ALI.id) == []
    with pytest.raises(AssertionError, match="Done"):
        fake.last_message_to(ALI.id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALI.id, sent.message_id)


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("x" * 4097, None, "message is too long"),
        ("<b>" + "x" * 4096 + "</b>", "HTML", None),  # the limit applies after parsing
        ("", None, "message text is empty"),
        ("<b> </b>", "HTML", "message text is empty"),
        ("<b>bold", "HTML", "can't parse entities"),
        ("<b><i>x</b></i>", "HTML", "can't parse entities"),
        ("1 < 2", "HTML", "can't parse entities"),
        ("Tom & Jerry", "HTML", "can't parse entities"),
        ("<div>x</div>", "HTML", "can't parse entities"),
        ("<span>x</span>", "HTML", "can't parse entities"),
        ("1 < 2 & Tom", None, None),  # no parse_mode: nothing to parse
        ('<a href="https://e.com/?a=1&amp;b=2">x</a> &#128512; &quot;q&quot;', "HTML", None),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "HTML", None),
        ('<pre><code class="language-python">x = 1</code></pre>', "HTML", None),
        ("*unchecked* _markdown", "MarkdownV2", None),
    ],
)
async def test_text_validation(
    bot: Bot, fake: FakeBotAPI, text: str, parse_mode: str | None, error: str | None
) -> None:
    fake.text(ALI, "hi")
    if error is None:
        await bot.send_message(ALI.id, text, parse_mode=parse_mode)
        assert fake.last_message_to(ALI.id).text == text
    else:
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.send_message(ALI.id, text, parse_mode=parse_mode)
        assert fake.messages_to(ALI.id) == []


async def test_caption_and_button_limits(bot: Bot, fake: FakeBotAPI) -> None:
    fake.text(ALI, "hi")
    doc = BufferedInputFile(b"data", filename="a.txt")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(ALI.id, doc, caption="x" * 1025)
    await bot.send_document(ALI.id, doc, caption="x" * 1024)
    # 64 bytes is fine, 33 Persian letters (66 bytes in UTF-8) are not.
    await bot.send_message(ALI.id, "ok", reply_markup=keyboard(("a", "x" * 64)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALI.id, "no", reply_markup=keyboard(("a", "س" * 33)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.edit_message_reply_markup(
            chat_id=ALI.id,
            message_id=fake.last_message_to(ALI.id).message_id,
            reply_markup=keyboard(("a", "x" * 65)),
        )
    assert [m.kind for m in fake.messages_to(ALI.id)] == ["document", "text"]


async def test_forbidden_cases(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(SARA.id, "hi")
    fake.text(SARA, "/start", chat=GROUP)  # writing in a group does not start a private chat
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(SARA.id, "hi")
    await bot.send_message(GROUP.id, "group ok")
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the group chat"):
        await bot.send_message(-42, "hi")

    fake.text(ALI, "/start")
    await bot.send_message(ALI.id, "welcome")
    fake.block_user(ALI.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALI.id, "still there?")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_document(ALI.id, BufferedInputFile(b"x", filename="x.txt"))
    fake.text(ALI, "/start")  # writing again means the user unblocked the bot
    await bot.send_message(ALI.id, "welcome back")
    assert [m.text for m in fake.messages_to(ALI.id)] == ["welcome", "welcome back"]
    assert len(fake.errors()) == 5


async def test_injected_failures(bot: Bot, fake: FakeBotAPI) -> None:
    fake.text(ALI, "hi")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    fake.fail_next("sendMessage", 500, "Internal Server Error")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(ALI.id, "one")
    assert info.value.retry_after == 7
    with pytest.raises(TelegramServerError):
        await bot.send_message(ALI.id, "two")
    await bot.send_message(ALI.id, "three")
    assert [m.text for m in fake.messages_to(ALI.id)] == ["three"]
    assert [c.ok for c in fake.calls_to("sendMessage")] == [False, False, True]


async def test_answer_callback_query_rejections(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")
    fake.text(ALI, "hi")
    sent = await bot.send_message(ALI.id, "pick", reply_markup=keyboard(("A", "a")))
    fake.callback(ALI, fake.last_message_to(ALI.id), "a")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "a"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert fake.unanswered_callbacks() == [query.id]
    await bot.answer_callback_query(query.id, text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id, text="again")
    assert fake.callback_answers(ALI.id) == [
        {"callback_query_id": query.id, "text": "ok", "show_alert": False}
    ]
    assert fake.unanswered_callbacks() == []


async def test_document_round_trip(bot: Bot, fake: FakeBotAPI) -> None:
    payload = bytes(range(256)) * 40
    fake.document(ALI, "report.pdf", payload, "application/pdf", caption="monthly")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.file_size, update.message.caption) == (
        "report.pdf",
        len(payload),
        "monthly",
    )
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None and downloaded.read() == payload

    # Upload from the bot: the fake keeps bytes and name, and the file can be fetched back.
    sent = await bot.send_document(
        ALI.id,
        BufferedInputFile(b"a,b\n1,2\n", filename="export.csv"),
        caption="<b>CSV</b>",
        parse_mode="HTML",
    )
    stored = fake.last_message_to(ALI.id)
    assert (stored.kind, stored.document_name, stored.content) == (
        "document",
        "export.csv",
        b"a,b\n1,2\n",
    )
    assert stored.plain() == "CSV"
    assert sent.document is not None and sent.caption == "CSV"
    again = await bot.download(sent.document.file_id)
    assert again is not None and again.read() == b"a,b\n1,2\n"

    photo = await bot.send_photo(ALI.id, BufferedInputFile(b"\x89PNG...", filename="chart.png"))
    assert photo.photo and fake.last_message_to(ALI.id).kind == "photo"

    # Big files: declared size without big bytes, and Telegram's 20 MB getFile limit.
    fake.document(ALI, "huge.zip", b"small", "application/zip", declared_size=30 * 1024 * 1024)
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    big = updates[-1].message
    assert big is not None and big.document is not None
    assert big.document.file_size == 30 * 1024 * 1024
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(big.document.file_id)


async def test_long_poll_wakes_on_injection_and_offset_confirms(bot: Bot, fake: FakeBotAPI) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    first = fake.text(ALI, "wake up")
    updates = await poll
    assert loop.time() - started < 1
    assert [u.update_id for u in updates] == [first]
    assert (await bot.get_updates(timeout=0))[0].update_id == first  # not confirmed yet
    assert await bot.get_updates(offset=first + 1, timeout=0) == []
    fake.text(ALI, "a")
    fake.text(ALI, "b")
    assert len(await bot.get_updates(limit=1, timeout=0)) == 1


async def test_concurrent_get_updates_conflict(bot: Bot, fake: FakeBotAPI) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    newer = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await older
    assert await newer == []


async def test_commands_webhook_and_misc(bot: Bot, fake: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="شروع")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []

    await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)
    fake.text(ALI, "pending")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == []

    fake.text(ALI, "hi")
    assert await bot.send_chat_action(ALI.id, "typing")
    chat = await bot.get_chat(ALI.id)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Ali", "ali")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(555)


async def test_dispatcher_echo_with_drain(bot: Bot, fake: FakeBotAPI) -> None:
    dp = Dispatcher()

    @dp.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer(f"welcome {message.from_user.first_name if message.from_user else ''}")

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await asyncio.sleep(0.05)  # drain must wait for slow handlers, not just for delivery
        await message.reply(message.text)

    @dp.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None and message.from_user is not None
        own = message.contact.user_id == message.from_user.id
        await message.answer(f"{message.contact.phone_number} own={own}")

    async with running_dispatcher(dp, bot):
        fake.text(ALI, "/start")
        fake.text(ALI, "سلام")
        fake.contact(ALI, "+989121234567")
        fake.contact(ALI, "+989120000000", own=False)
        await fake.drain(timeout=3)
        assert [m.plain() for m in fake.messages_to(ALI.id)] == [
            "welcome Ali",
            "سلام",
            "+989121234567 own=True",
            "+989120000000 own=False",
        ]
        assert fake.messages_to(ALI.id)[1].reply_to_message_id is not None

        fake.text(ALI, "again")
        reply = await fake.wait_for_message(ALI.id, lambda m: m.text == "again", timeout=3)
        assert reply.kind == "text"
    assert fake.errors() == []


async def test_callback_press_answered_by_handler(bot: Bot, fake: FakeBotAPI) -> None:
    dp = Dispatcher()

    @dp.message(Command("menu"))
    async def menu(message: Message) -> None:
        await message.answer("Menu", reply_markup=keyboard(("Nodes", "nodes"), ("Jobs", "jobs")))

    @dp.callback_query(F.data == "nodes")
    async def nodes(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("3 nodes up", reply_markup=query.message.reply_markup)
        await query.answer("refreshed", show_alert=True)

    async with running_dispatcher(dp, bot):
        fake.text(ALI, "/menu")
        await fake.drain()
        menu_message = fake.last_message_to(ALI.id)
        fake.callback(ALI, menu_message, menu_message.button("Nodes"))
        await fake.drain()
    assert menu_message.plain() == "3 nodes up"
    assert menu_message.edits == 1
    assert menu_message.button("Jobs") == "jobs"
    answers = fake.callback_answers(ALI.id)
    assert [(a["text"], a["show_alert"]) for a in answers] == [("refreshed", True)]
    assert fake.callback_answers(SARA.id) == []


async def test_group_commands_and_my_chat_member(bot: Bot, fake: FakeBotAPI) -> None:
    dp = Dispatcher()

    @dp.my_chat_member()
    async def added(event: ChatMemberUpdated) -> None:
        await bot.send_message(event.chat.id, f"thanks {event.from_user.first_name}")

    @dp.message(Command("status"))
    async def status(message: Message) -> None:
        await message.answer("all good")

    async with running_dispatcher(dp, bot):
        fake.bot_added_to_group(GROUP, by=SARA)
        fake.text(SARA, "/status@cluster_test_bot", chat=GROUP)
        fake.text(SARA, "/status@other_bot", chat=GROUP)  # aiogram must ignore this one
        await fake.drain()
    assert [m.text for m in fake.messages_to(GROUP.id)] == ["thanks Sara", "all good"]
    entities = [c.result for c in fake.calls_to("getUpdates") if c.result]
    command = next(u["message"] for batch in entities for u in batch if "message" in u)
    assert command["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len("/status@cluster_test_bot")}
    ]


async def test_allowed_updates_filter_counts_as_drained(bot: Bot, fake: FakeBotAPI) -> None:
    dp = Dispatcher()

    @dp.message()
    async def any_message(message: Message) -> None:
        await message.answer("got it")

    async with running_dispatcher(dp, bot):
        # Only message handlers exist, so aiogram asks for ["message"] and Telegram drops this.
        fake.bot_added_to_group(GROUP, by=SARA)
        fake.text(ALI, "hi")
        await fake.drain()
    assert [m.text for m in fake.messages_to(ALI.id)] == ["got it"]
    assert fake.messages_to(GROUP.id) == []


async def test_drain_times_out_helpfully_without_a_poller(fake: FakeBotAPI) -> None:
    update_id = fake.text(ALI, "nobody listens")
    with pytest.raises(TimeoutError, match=rf"{update_id} \(message, delivered 0x\)"):
        await fake.drain(timeout=0.1)
    with pytest.raises(TimeoutError, match="nothing was sent"):
        await fake.wait_for_message(ALI.id, timeout=0.05)

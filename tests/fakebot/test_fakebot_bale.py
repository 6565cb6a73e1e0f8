"""Self-tests for the fake's Bale mode: a plain aiogram Bot meets Bale as documented."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fakebot import (
    FakeBotAPI,
    FakeChat,
    FakeUser,
    fast_session,
    parse_bale_markdown,
    running_dispatcher,
)

ALI = FakeUser(id=1001, first_name="Ali", username="ali")
SARA = FakeUser(id=1002, first_name="Sara")
GROUP = FakeChat(id=-500, type="group", title="Cluster ops")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(platform="bale")
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


@pytest.mark.parametrize(
    ("text", "seen", "kinds"),
    [
        ("a *bold* word", "a bold word", ["bold"]),
        ("*start* and _end_", "start and end", ["bold", "italic"]),
        ("ali_karimi and /cluster_new or /tasks_export", None, []),
        ("2*3*4 = 24", None, []),
        ("a * b * c", None, []),
        ("see [the site](https://example.org)", "see the site", ["text_link"]),
        ("```block```", "block", ["pre"]),
        ("a \u200c*not bold*\u200c b", None, []),
        ("no ]\u200c(link)", None, []),
    ],
)
def test_bale_markdown_needs_a_space_around_its_markers(
    text: str, seen: str | None, kinds: list[str]
) -> None:
    plain, entities, _ = parse_bale_markdown(text)
    assert plain == (seen if seen is not None else text)
    assert [e["type"] for e in entities] == kinds


def test_a_backslash_is_no_escape_on_bale_and_is_reported() -> None:
    plain, entities, problems = parse_bale_markdown(r"ali\_karimi")
    assert plain == r"ali\_karimi" and entities == []
    assert problems == ["a backslash before '_' is shown to the reader"]


async def test_parse_mode_is_refused_and_markup_is_recorded_as_a_surprise(
    bot: Bot, fake: FakeBotAPI
) -> None:
    fake.text(ALI, "hi")
    with pytest.raises(TelegramBadRequest, match="parse_mode"):
        await bot.send_message(ALI.id, "<b>x</b>", parse_mode="HTML")
    sent = await bot.send_message(ALI.id, "Hello *Ali*")
    assert sent.text == "Hello Ali"
    assert fake.last_message_to(ALI.id).plain() == "Hello Ali"
    assert [s.problem for s in fake.markup_surprises] == ["Bale would format part of it as bold"]


async def test_there_is_no_command_menu_and_the_webhook_takes_a_url_only(
    bot: Bot, fake: FakeBotAPI
) -> None:
    with pytest.raises(TelegramNotFound):
        await bot.set_my_commands([BotCommand(command="start", description="Start")])
    with pytest.raises(TelegramBadRequest, match="443 and 88"):
        await bot.set_webhook("https://bot.example.org:8443/hook")
    assert await bot.set_webhook("https://bot.example.org:88/hook/s3cret", secret_token="ignored")
    assert fake.webhook_secret_token is None
    assert (await bot.get_webhook_info()).url == "https://bot.example.org:88/hook/s3cret"


async def test_joining_a_group_is_a_message_and_supergroups_do_not_exist(
    bot: Bot, fake: FakeBotAPI
) -> None:
    dp = Dispatcher()
    joined: list[int] = []

    @dp.my_chat_member()
    async def never(event: object) -> None:
        raise AssertionError("Bale sends no my_chat_member")

    @dp.message(F.new_chat_members)
    async def added(message: Message) -> None:
        joined.extend(user.id for user in message.new_chat_members or [])

    async with running_dispatcher(dp, bot):
        fake.bot_added_to_group(GROUP, by=SARA)
        await fake.drain()
    assert joined == [fake.bot_id]
    with pytest.raises(AssertionError, match="no 'supergroup'"):
        fake.text(SARA, "hi", chat=FakeChat(id=-100700, type="supergroup"))


async def test_contacts_carry_no_user_id(bot: Bot, fake: FakeBotAPI) -> None:
    dp = Dispatcher()
    seen: list[tuple[int | None, bool]] = []

    @dp.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        seen.append((message.contact.user_id, message.forward_origin is not None))

    async with running_dispatcher(dp, bot):
        fake.contact(ALI, "+989121234567")
        fake.contact(ALI, "+989120000000", own=False, forwarded_from=SARA)
        await fake.drain()
    assert seen == [(None, False), (None, True)]


async def test_an_old_client_gets_ids_starting_with_1_and_sees_no_answer(
    bot: Bot, fake: FakeBotAPI
) -> None:
    dp = Dispatcher()
    ids: list[str] = []

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        ids.append(query.id)
        await query.answer("done")

    fake.use_old_client(SARA)
    fake.text(ALI, "hi")
    fake.text(SARA, "hi")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    for user in (ALI, SARA):
        await bot.send_message(user.id, "press", reply_markup=markup)
    async with running_dispatcher(dp, bot):
        for user in (ALI, SARA):
            message = fake.last_message_to(user.id)
            fake.callback(user, message, "go")
        await fake.drain()
    assert not ids[0].startswith("1") and ids[1].startswith("1")
    assert [a["text"] for a in fake.callback_answers(ALI.id)] == ["done"]
    assert fake.callback_answers(SARA.id) == []
    assert fake.unseen_answers(SARA.id) == ["done"]

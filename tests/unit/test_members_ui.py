"""The members' presentation layer on its own: what the secretariat's card and buttons say for
each state of an application, and which outbox messages a decision or an appointment queues.
No bot and no database: the notifiers get a unit of work that only records."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, cast

from bot.config import Platform
from bot.domain import outbox_keys
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.i18n import Catalogs
from bot.storage.outbox import OutgoingMessage
from bot.storage.repositories import CardCopy
from bot.storage.uow import UnitOfWork
from bot.ui import members as ui

CATALOGS = Catalogs(Platform.TELEGRAM)
FA = CATALOGS.translator("fa")
EN = CATALOGS.translator("en")
APPLIED = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
DECIDED = APPLIED + datetime.timedelta(hours=2)
NOW = DECIDED + datetime.timedelta(minutes=1)

ALI = Member(
    id=7,
    user_id=3001,
    full_name="علی کریمی",
    agency_code="tpo",
    agency_other=None,
    working_group="tehran",
    phone="+989121234567",
    locale="fa",
    role=Role.MEMBER,
    status=MemberStatus.PENDING,
    applied_at=APPLIED,
    username="ali_k",
)
APPROVED = dataclasses.replace(
    ALI, status=MemberStatus.APPROVED, decided_at=DECIDED, decided_by_name="سارا تهرانی"
)


class _Outbox:
    def __init__(self) -> None:
        self.queued: list[OutgoingMessage] = []

    async def enqueue(self, message: OutgoingMessage, now: datetime.datetime) -> None:
        self.queued.append(message)


class _Cards:
    def __init__(self, copies: list[CardCopy]) -> None:
        self._copies = copies

    async def copies(self, subject: str, subject_id: int) -> list[CardCopy]:
        assert subject == ui.CARD_SUBJECT
        return self._copies if subject_id == ALI.id else []


class _RecordingUnitOfWork:
    def __init__(self, copies: list[CardCopy] | None = None) -> None:
        self.outbox = _Outbox()
        self.cards = _Cards(copies or [])


def _recording(copies: list[CardCopy] | None = None) -> tuple[UnitOfWork, _Outbox]:
    uow = _RecordingUnitOfWork(copies)
    return cast(UnitOfWork, uow), uow.outbox


def _buttons(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    if markup is None:
        return []
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


# --- the card ------------------------------------------------------------------------------


def test_a_pending_application_is_shown_with_approve_and_reject_for_that_applicant() -> None:
    card = ui.application_card(FA, ALI)
    assert "علی کریمی" in card
    assert "@ali_k" in card
    assert "۳۰۰۱" in card and "3001" not in card
    keyboard = ui.decision_keyboard(FA, ALI)
    assert keyboard is not None
    pressed = [
        ui.ApplicationDecision.unpack(b.callback_data or "") for row in keyboard.inline_keyboard
        for b in row
    ]  # fmt: skip
    assert [(p.action, p.member_id) for p in pressed] == [("approve", 7), ("reject", 7)]


def test_a_decided_application_says_who_decided_and_offers_no_buttons() -> None:
    card = ui.application_card(EN, APPROVED)
    assert card.startswith(ui.application_card(EN, ALI))
    assert "سارا تهرانی" in card.removeprefix(ui.application_card(EN, ALI))
    assert ui.decision_keyboard(EN, APPROVED) is None

    rejected = dataclasses.replace(
        APPROVED, status=MemberStatus.REJECTED, rejection_reason="No such agency <here>"
    )
    assert "No such agency &lt;here&gt;" in ui.application_card(EN, rejected)
    assert ui.decision_keyboard(EN, rejected) is None


def test_a_typed_agency_name_replaces_the_agency_list_in_every_view() -> None:
    other = dataclasses.replace(APPROVED, agency_code="other", agency_other="Guild of Weavers")
    assert "Guild of Weavers" in ui.application_lines(EN, other)
    assert "Guild of Weavers" in ui.member_list(EN, "tehran", [other])


def test_help_shows_each_section_the_person_may_use_in_order() -> None:
    secretary = dataclasses.replace(APPROVED, role=Role.SECRETARY)
    actor = Actor(user_id=3001, display_name="Ali", member=secretary, is_superuser=False)
    assert ui.help_text(EN, actor) == EN.join([EN("help.member"), EN("help.secretary")], "\n\n")


# --- notifiers -------------------------------------------------------------------------------


async def test_new_application_cards_are_keyed_per_posting_and_recorded_as_copies() -> None:
    uow, outbox = _recording()
    await ui.post_cards(uow, CATALOGS, ALI, [(-100500, "fa"), (2001, "en")], NOW)
    assert [m.key for m in outbox.queued] == [
        outbox_keys.application_card(ALI.id, NOW, -100500),
        outbox_keys.application_card(ALI.id, NOW, 2001),
    ]
    assert {(m.card_subject, m.card_subject_id) for m in outbox.queued} == {("application", 7)}
    assert outbox.queued[1].text == ui.application_card(EN, ALI)
    assert [label for label, _ in _buttons(outbox.queued[1].reply_markup)] == [
        EN("buttons.approve"),
        EN("buttons.reject"),
    ]


async def test_a_decision_updates_every_copy_and_tells_the_applicant_once() -> None:
    copies = [CardCopy(-100500, 40, "fa"), CardCopy(2001, 41, "en")]
    uow, outbox = _recording(copies)
    await ui.announce_decision(uow, CATALOGS, APPROVED, NOW)
    await ui.announce_decision(uow, CATALOGS, APPROVED, NOW + datetime.timedelta(minutes=5))

    edits = [m for m in outbox.queued if m.is_edit]
    assert [(m.chat_id, m.edit_message_id) for m in edits] == [(-100500, 40), (2001, 41)] * 2
    assert all(_buttons(m.reply_markup) == [] for m in edits)
    # The same content gives the same key, so the outbox edits each copy once.
    assert len({m.key for m in edits}) == 2
    told = [m for m in outbox.queued if not m.is_edit]
    assert {m.key for m in told} == {outbox_keys.application_decision(7, DECIDED.isoformat())}
    assert told[0].chat_id == ALI.user_id
    assert told[0].text == FA("decisions.you_are_approved", group=FA("working_groups.tehran"))


async def test_an_appointed_member_is_told_in_their_own_language() -> None:
    john = dataclasses.replace(APPROVED, locale="en", role=Role.SECRETARY)
    uow, outbox = _recording()
    await ui.tell_appointed(uow, CATALOGS, john, NOW)
    [notice] = outbox.queued
    assert notice.key == outbox_keys.role_change(7, "secretary", NOW)
    assert notice.locale == "en"
    assert notice.text == EN(
        "members.you_are_now", role=EN("roles.secretary"), group=EN("working_groups.tehran")
    )


def test_the_secretariats_help_names_the_groups_report_and_targets() -> None:
    for t, group_word in ((EN, "/report group"), (CATALOGS.translator("fa"), "/report کارگروه")):
        text = t("help.secretary")
        assert group_word in text and "/targets" in text
        assert group_word in t("help.superuser")

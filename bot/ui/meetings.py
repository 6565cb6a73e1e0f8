"""How meetings look: button data, the meeting card, keyboards, and the notices queued in the
outbox (invitations, and the reminders before a meeting), shared by the handlers and the
scheduler."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.config import Settings
from bot.domain import jalali, outbox_keys
from bot.domain import meetings as rules
from bot.domain.clusters import Cluster
from bot.domain.meetings import Answer, Decision, Meeting, Reply
from bot.domain.schedule import MUTE_MEETINGS, ReminderKind
from bot.i18n import Catalogs, Markup, Translator
from bot.services.meetings import ChangeOutcome, Invitation, MeetingReminder, MeetingReplies
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from bot.ui.builder import InlineKeyboardBuilder
from bot.ui.reminders import with_snooze

# Buttons that turn decisions into tasks, at most, under one summary.
MAX_DECISION_BUTTONS = 20


class MeetingReply(CallbackData, prefix="mr"):
    meeting_id: int
    answer: str  # attending | not_attending


class MeetingAct(CallbackData, prefix="ma"):
    # replies | decisions | done | move | place | agenda | cancel | cancel_yes
    action: str
    meeting_id: int


class DecisionTask(CallbackData, prefix="mdt"):
    decision_id: int


class MeetingPick(CallbackData, prefix="mp"):
    field: str  # confirm | cluster | skip
    value: int


# --- lines and cards ----------------------------------------------------------------------------


def when(t: Translator, moment: datetime.datetime, zone: ZoneInfo) -> Markup:
    """Weekday, Jalali date and wall-clock time: "Thursday 1405/09/05 10:00"."""
    local = jalali.to_tehran(moment, zone)
    day = jalali.format_date(local.date(), t.locale, weekday=True)
    return Markup(f"{day} {t.digits(local.strftime('%H:%M'))}")


def meeting_card(
    t: Translator,
    meeting: Meeting,
    zone: ZoneInfo,
    replies: list[Reply] | None = None,
    *,
    names: bool = False,
    unanswered: list[str] | None = None,
) -> Markup:
    """The meeting; with `replies`, how many (and, with `names`, who) answered what."""
    lines = [
        t("meetings.card_header", group=t(f"working_groups.{meeting.working_group}")),
        t("meetings.card_when", when=when(t, meeting.starts_at, zone)),
        t("meetings.card_place", place=meeting.place),
        t("meetings.card_agenda", agenda=meeting.agenda),
    ]
    if meeting.cancelled:
        lines.append(t("meetings.card_cancelled"))
    if replies is not None:
        lines.append("")
        counts = rules.tally(r.answer for r in replies)
        for answer in Answer:
            label = t(f"meeting_answers.{answer.value}")
            who = [r.name for r in replies if r.answer is answer]
            if names and who:
                lines.append(
                    t(
                        "meetings.reply_names",
                        answer=label,
                        count=counts[answer],
                        names=_names(t, who),
                    )
                )
            else:
                lines.append(t("meetings.reply_count", answer=label, count=counts[answer]))
        if unanswered is not None:
            if names and unanswered:
                lines.append(
                    t(
                        "meetings.unanswered_names",
                        count=len(unanswered),
                        names=_names(t, unanswered),
                    )
                )
            else:
                lines.append(t("meetings.unanswered_count", count=len(unanswered)))
    return t.join(lines)


def _names(t: Translator, names: list[str]) -> Markup:
    return t.join([t.escape(n) for n in names], t("cards.separator"))


def replies_card(t: Translator, listed: MeetingReplies, zone: ZoneInfo) -> Markup:
    """The meeting with every reply, by name, for the secretariat."""
    return meeting_card(
        t, listed.meeting, zone, listed.replies, names=True, unanswered=listed.unanswered
    )


def draft_meeting(
    working_group: str,
    starts_at: datetime.datetime,
    place: str,
    agenda: str,
    now: datetime.datetime,
) -> Meeting:
    """The meeting as the preview shows it, before it is saved."""
    return Meeting(
        id=0,
        working_group=working_group,
        starts_at=starts_at,
        place=place,
        agenda=agenda,
        created_by_user_id=0,
        created_at=now,
        cancelled_at=None,
    )


# --- keyboards ----------------------------------------------------------------------------------


def _answer_buttons(builder: InlineKeyboardBuilder, t: Translator, meeting_id: int) -> None:
    for answer in Answer:
        builder.button(
            text=t(f"meeting_answers.{answer.value}"),
            callback_data=MeetingReply(meeting_id=meeting_id, answer=answer.value),
        )


def reply_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _answer_buttons(builder, t, meeting_id)
    builder.adjust(2)
    return builder.as_markup()


def preview_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.send"), callback_data=MeetingPick(field="confirm", value=1))
    builder.button(text=t("dialog.cancel"), callback_data=MeetingPick(field="confirm", value=0))
    return builder.as_markup()


def listed_card(
    t: Translator,
    listed: MeetingReplies,
    zone: ZoneInfo,
    *,
    user_id: int,
    working_group: str | None,
    now: datetime.datetime,
) -> tuple[Markup, InlineKeyboardMarkup]:
    """A meeting as /meetings shows it: its members answer it, its secretariat sees who
    answered and, once it has begun, records its decisions."""
    meeting = listed.meeting
    lines = [
        meeting_card(
            t, meeting, zone, listed.replies, names=listed.manages, unanswered=listed.unanswered
        )
    ]
    builder = InlineKeyboardBuilder()
    sizes = []
    started = now >= meeting.starts_at
    if not started and working_group == meeting.working_group:
        mine = listed.answer_of(user_id)
        if mine is not None:
            lines.append(t("meetings.your_answer", answer=t(f"meeting_answers.{mine.value}")))
        _answer_buttons(builder, t, meeting.id)
        sizes.append(2)
    if listed.manages:
        builder.button(
            text=t("meetings.button_replies"),
            callback_data=MeetingAct(action="replies", meeting_id=meeting.id),
        )
        sizes.append(1)
        if not started and not meeting.cancelled:
            for action in ("move", "place", "agenda", "cancel"):
                builder.button(
                    text=t(f"meetings.button_{action}"),
                    callback_data=MeetingAct(action=action, meeting_id=meeting.id),
                )
            sizes += [3, 1]
        if started:
            if listed.decisions:
                lines.append(t("meetings.decisions_count", count=listed.decisions))
            builder.button(
                text=t("meetings.button_decisions"),
                callback_data=MeetingAct(action="decisions", meeting_id=meeting.id),
            )
            sizes.append(1)
    builder.adjust(*sizes)
    return t.join(lines), builder.as_markup()


def done_keyboard(
    t: Translator, meeting_id: int, decision: Decision | None = None
) -> InlineKeyboardMarkup:
    """Under each recorded decision: make it a task now, or finish recording."""
    builder = InlineKeyboardBuilder()
    if decision is not None:
        builder.button(
            text=t("meetings.button_make_task", position=decision.position),
            callback_data=DecisionTask(decision_id=decision.id),
        )
    builder.button(
        text=t("meetings.button_done"),
        callback_data=MeetingAct(action="done", meeting_id=meeting_id),
    )
    builder.adjust(1)
    return builder.as_markup()


def decisions_summary(
    t: Translator, meeting: Meeting, decisions: list[Decision], zone: ZoneInfo
) -> tuple[Markup, InlineKeyboardMarkup]:
    """Every decision, with its task if it has one, and a button for each that has none."""
    lines = [
        t(
            "meetings.decisions_header",
            when=when(t, meeting.starts_at, zone),
            count=len(decisions),
        )
    ]
    for d in decisions:
        if d.task_id is None:
            lines.append(t("meetings.decision_line", position=d.position, text=d.text))
        else:
            lines.append(
                t("meetings.decision_line_task", position=d.position, text=d.text, task=d.task_id)
            )
    builder = InlineKeyboardBuilder()
    for d in [d for d in decisions if d.task_id is None][:MAX_DECISION_BUTTONS]:
        builder.button(
            text=t("meetings.button_make_task", position=d.position),
            callback_data=DecisionTask(decision_id=d.id),
        )
    builder.adjust(2)
    return t.join(lines), builder.as_markup()


def cluster_keyboard(t: Translator, clusters: list[Cluster]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=MeetingPick(field="cluster", value=c.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def skip_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("dialog.skip"), callback_data=MeetingPick(field="skip", value=0))
    return builder.as_markup()


def task_details(t: Translator, meeting: Meeting, decision: Decision, zone: ZoneInfo) -> str:
    """A decision's task details. Plain text: the task card and the Excel export escape it."""
    return t.plain(
        "meetings.task_details",
        group=t(f"working_groups.{meeting.working_group}"),
        when=when(t, meeting.starts_at, zone),
        decision=decision.text,
    )


# --- notifiers ----------------------------------------------------------------------------------


async def queue_invitations(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    invitation: Invitation,
    now: datetime.datetime,
) -> int:
    """Queue the invitation to every approved member, in their language, and to the group's
    chat; returns how many members were invited."""
    meeting = invitation.meeting
    chats: list[tuple[int, str]] = [(m.user_id, m.locale) for m in invitation.members]
    if invitation.group_chat is not None:
        chats.append((invitation.group_chat, settings.default_locale))
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.meeting(
                    ReminderKind.MEETING_INVITE.value, meeting.id, meeting.starts_at, chat_id
                ),
                chat_id=chat_id,
                text=t("meetings.invitation", card=meeting_card(t, meeting, settings.zone)),
                locale=t.locale,
                reply_markup=reply_keyboard(t, meeting.id).model_dump(exclude_none=True),
            ),
            now,
        )
    return len(invitation.members)


async def queue_reminder(
    uow: UnitOfWork,
    catalogs: Catalogs,
    reminder: MeetingReminder,
    zone: ZoneInfo,
    now: datetime.datetime,
) -> bool:
    """Queue one reminder before a meeting; False if it was queued before."""
    meeting, member = reminder.meeting, reminder.member
    t = catalogs.translator(member.locale)
    text = t(
        f"meetings.{reminder.kind.value}",
        group=t(f"working_groups.{meeting.working_group}"),
        when=when(t, meeting.starts_at, zone),
        place=meeting.place,
    )
    message = OutgoingMessage(
        key=outbox_keys.meeting(reminder.kind.value, meeting.id, meeting.starts_at, member.user_id),
        chat_id=member.user_id,
        text=text,
        locale=t.locale,
        # Snoozable like every reminder (MUTE_MEETINGS, this meeting only).
        reply_markup=with_snooze(t, reply_keyboard(t, meeting.id), MUTE_MEETINGS, meeting.id)
        .model_dump(exclude_none=True),
    )
    return await uow.outbox.enqueue(message, now)


def cancel_confirm_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("meetings.button_cancel_yes"),
        callback_data=MeetingAct(action="cancel_yes", meeting_id=meeting_id),
    )
    return builder.as_markup()


async def queue_change_notices(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    outcome: ChangeOutcome,
    now: datetime.datetime,
) -> int:
    """Tell everyone invited (the approved members and the group's chat), once, that the
    meeting was cancelled, moved (answer again) or edited (answers kept); returns how many
    members were told."""
    invitation = outcome.invitation
    if invitation is None or not outcome.change:
        return 0
    meeting = invitation.meeting
    chats: list[tuple[int, str]] = [(m.user_id, m.locale) for m in invitation.members]
    if invitation.group_chat is not None:
        chats.append((invitation.group_chat, settings.default_locale))
    content = "\n".join((meeting.starts_at.isoformat(), meeting.place, meeting.agenda))
    for chat_id, locale in chats:
        t = catalogs.translator(locale)
        card = meeting_card(t, meeting, settings.zone)
        markup = None
        if outcome.change == "cancelled":
            text = t("meetings.cancelled_notice", card=card)
        elif outcome.change == "moved":
            assert outcome.before is not None
            text = t(
                "meetings.moved_notice",
                before=when(t, outcome.before.starts_at, settings.zone),
                card=card,
            )
            markup = reply_keyboard(t, meeting.id).model_dump(exclude_none=True)
        else:
            text = t("meetings.edited_notice", card=card)
        await uow.outbox.enqueue(
            OutgoingMessage(
                key=outbox_keys.meeting_changed(meeting.id, outcome.change, now, content, chat_id),
                chat_id=chat_id,
                text=text,
                locale=t.locale,
                reply_markup=markup,
            ),
            now,
        )
    return len(invitation.members)

"""Working-group meetings: the invitation, the replies, the decisions and the tasks they become.

Dialogs, top to bottom:
    /meeting -> (working group, for a superuser) -> Jalali date -> HH:MM -> place or link
        -> agenda -> preview: Send / Cancel                                  (new.py)
    invitation -> Attending / Not attending (members of the meeting's group; may be changed)
    /meetings -> a card per meeting -> Replies (secretariat)                 (replies.py)
    /meetings -> Record decisions (secretariat, once the meeting has begun)
        -> one decision per message -> Done
    decision -> Make a task -> cluster -> due date (or skip) -> members, Save (decisions.py)
    /meetings -> Move (date, time) / Place / Agenda / Cancel (confirm), before it begins;
        everyone invited is told once, and a move asks them again           (changes.py)

The invitation goes privately to every approved member of the group, in their language, and
to the group's linked chat; the scheduler (scheduler/reminders.py) reminds those who did not
decline, the evening before and an hour before.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.meetings import changes, decisions, new, replies

router = Router(name="meetings")
router.include_routers(new.router, replies.router, decisions.router, changes.router)

__all__ = ["router"]

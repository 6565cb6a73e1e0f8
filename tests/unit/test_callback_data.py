"""Every button's data fits Telegram's 64-byte limit, even with the longest codes and ids."""

from __future__ import annotations

from bot.domain.agencies import AGENCIES, OTHER
from bot.domain.members import Role
from bot.domain.working_groups import WORKING_GROUPS
from bot.ui.keyboards import AgencyPick, GroupPick, LanguagePick
from bot.ui.members import ApplicationDecision, AppointRole, ConfirmApplication, ProfileField

BIGGEST_ID = 2**63 - 1


def _fits(data: str) -> bool:
    return len(data.encode()) <= 64


def test_every_button_the_bot_builds_fits_in_64_bytes() -> None:
    packed = [
        *(
            GroupPick(purpose=p, code=c).pack()
            for p in ("reg", "link", "mem")
            for c in WORKING_GROUPS
        ),
        *(AgencyPick(code=c).pack() for c in (*AGENCIES, OTHER)),
        *(LanguagePick(code=c).pack() for c in ("fa", "en")),
        *(
            ApplicationDecision(action=a, member_id=BIGGEST_ID).pack()
            for a in ("approve", "reject")
        ),
        *(AppointRole(member_id=BIGGEST_ID, role=r.value).pack() for r in Role),
        *(ConfirmApplication(action=a).pack() for a in ("send", "edit", "cancel")),
        *(ProfileField(field=f).pack() for f in ("name", "agency", "phone", "language")),
    ]
    too_long = [data for data in packed if not _fits(data)]
    assert too_long == []


def test_the_longest_template_code_still_fits_a_button() -> None:
    from bot.domain.templates import MAX_CODE
    from bot.ui.tasks import PlanPick

    assert _fits(PlanPick(field="template", value="x" * MAX_CODE).pack())

"""People rules without a bot: who sees which menu, what an invitation code looks like, who
decides on a change of agency, and the invitation link on each platform."""

from __future__ import annotations

import pytest

from bot.config import Platform
from bot.domain.members import (
    MENU_COMMANDS,
    MemberStatus,
    MenuTier,
    Role,
    agency_change_needs_approval,
    agency_change_refusal,
    invitation_refusal,
    is_invite_code,
    menu_commands,
    menu_description_key,
    menu_tier,
)
from bot.ui.members import invitation_link
from tests.unit.test_members import SUPERUSER, VISITOR, a_member, secretary_of, someone


@pytest.mark.parametrize("status", [None, MemberStatus.PENDING, MemberStatus.REJECTED])
def test_strangers_and_applicants_see_only_what_they_can_use(status: MemberStatus | None) -> None:
    member = a_member(status=status) if status else None
    tier = menu_tier(member, is_superuser=False)
    assert tier is MenuTier.VISITOR
    assert menu_commands(tier) == ("start", "help", "language", "date")


def test_a_member_sees_member_commands_and_not_the_secretariats() -> None:
    commands = set(menu_commands(menu_tier(a_member(), is_superuser=False)))
    assert {"profile", "submit", "my", "tasks", "cancel"} <= commands
    assert not {"pending", "invite", "invites", "inbox", "rules", "plan"} & commands


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.CHAIR])
def test_secretaries_and_chairs_also_see_the_secretariats_commands(role: Role) -> None:
    tier = menu_tier(a_member(role=role), is_superuser=False)
    assert tier is MenuTier.SECRETARIAT
    assert {"pending", "invite", "invites", "inbox", "submit"} <= set(menu_commands(tier))


def test_a_superuser_without_membership_has_no_member_only_commands() -> None:
    commands = set(menu_commands(menu_tier(None, is_superuser=True)))
    assert {"pending", "members", "invite", "rules", "profile"} <= commands
    assert not {"submit", "my", "tasks", "report", "mute"} & commands
    # ...but one who registered has them too.
    member_commands = set(menu_commands(menu_tier(a_member(), is_superuser=True)))
    assert {"submit", "my", "tasks", "pending"} <= member_commands


def test_the_secretariat_and_superusers_find_targets_and_the_groups_report_in_the_menu() -> None:
    member = menu_tier(a_member(), is_superuser=False)
    assert "targets" not in menu_commands(member)
    assert menu_description_key(member, "report") == "report"  # filing only
    for tier in (
        menu_tier(a_member(role=Role.SECRETARY), is_superuser=False),
        menu_tier(a_member(), is_superuser=True),
    ):
        assert {"targets", "report"} <= set(menu_commands(tier))
        assert menu_description_key(tier, "report") == "report_secretariat"
    assert "targets" in menu_commands(menu_tier(None, is_superuser=True))


def test_every_menu_keeps_the_one_order_of_all_commands() -> None:
    for tier in MenuTier:
        commands = menu_commands(tier)
        assert list(commands) == sorted(commands, key=MENU_COMMANDS.index)
        assert commands[0] == "start"


@pytest.mark.parametrize(
    ("parameter", "valid"),
    [
        ("inv_AbCdEf12_-xy", True),
        ("inv_short", True),
        ("inv_", False),
        ("AbCdEf1234567", False),  # not ours: some other deep link
        ("inv_has space", False),
        ("inv_" + "a" * 61, False),  # over Telegram's 64 characters
    ],
)
def test_an_invitation_code_is_ours_and_fits_a_start_parameter(parameter: str, valid: bool) -> None:
    assert is_invite_code(parameter) is valid


def test_only_that_groups_secretariat_or_a_superuser_invites() -> None:
    assert invitation_refusal(secretary_of("tehran"), "tehran") is None
    assert invitation_refusal(SUPERUSER, "fars") is None
    assert invitation_refusal(secretary_of("fars"), "tehran") == "secretaries_only"
    assert invitation_refusal(someone(a_member()), "tehran") == "secretaries_only"
    assert invitation_refusal(VISITOR, "tehran") == "secretaries_only"
    assert invitation_refusal(SUPERUSER, "atlantis") == "working_group_unknown"


def test_only_an_approved_members_change_of_agency_waits_for_approval() -> None:
    assert agency_change_needs_approval(a_member())
    assert not agency_change_needs_approval(a_member(status=MemberStatus.PENDING))


def test_a_change_of_agency_is_decided_once_by_the_members_own_secretariat() -> None:
    member = a_member("tehran")
    assert agency_change_refusal(secretary_of("tehran"), member, still_pending=True) is None
    assert agency_change_refusal(SUPERUSER, member, still_pending=True) is None
    assert agency_change_refusal(secretary_of("fars"), member, True) == "not_your_group"
    assert agency_change_refusal(someone(a_member()), member, True) == "not_your_group"
    assert agency_change_refusal(secretary_of("tehran"), member, False) == "already_decided"
    assert agency_change_refusal(secretary_of("tehran"), None, True) == "application_gone"


def test_a_secretarys_or_chairs_own_change_of_agency_is_decided_by_someone_else() -> None:
    sara = a_member("tehran", role=Role.SECRETARY, user_id=2001)
    assert agency_change_refusal(someone(sara), sara, True) == "own_change"
    chair = a_member("tehran", role=Role.CHAIR, user_id=2002, member_id=2)
    assert agency_change_refusal(someone(chair), chair, True) == "own_change"
    assert agency_change_refusal(someone(chair), sara, True) is None
    # A superuser who is also a member answers for the whole system, their own change too.
    admin = a_member("tehran", user_id=1001, member_id=3)
    assert agency_change_refusal(someone(admin, superuser=True), admin, True) is None


def test_the_invitation_link_follows_the_platform() -> None:
    assert (
        invitation_link(Platform.TELEGRAM, "cluster_bot", "inv_abc123xyz")
        == "https://t.me/cluster_bot?start=inv_abc123xyz"
    )
    assert (
        invitation_link(Platform.BALE, "cluster_bot", "inv_abc123xyz")
        == "https://ble.ir/cluster_bot?start=inv_abc123xyz"
    )


def test_the_people_buttons_fit_telegrams_64_bytes() -> None:
    from bot.ui.keyboards import GroupPick
    from bot.ui.members import AgencyChangeDecision, JoinAsMember, RevokeInvitation

    biggest = 2**63 - 1
    packed = [
        RevokeInvitation(invitation_id=biggest).pack(),
        *(AgencyChangeDecision(action=a, change_id=biggest).pack() for a in ("approve", "reject")),
        JoinAsMember().pack(),
        *(GroupPick(purpose="inv", code=c).pack() for c in ("tehran", "kohgiluyeh_boyerahmad")),
    ]
    assert [data for data in packed if len(data.encode()) > 64] == []

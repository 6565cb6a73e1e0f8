"""The cluster registry's rules alone: what people type, who sees and edits which cluster,
which stages may be set by hand, and how names are searched."""

from __future__ import annotations

import datetime

import pytest

from bot.domain.clusters import (
    Cluster,
    ClusterStage,
    can_manage_cluster,
    can_view_cluster,
    check_cluster_group,
    clean_cluster_name,
    clean_product,
    clean_sector,
    creatable_groups,
    name_matches,
    parse_firm_count,
    settable_stages,
    stage_refusal,
    visible_groups,
)
from bot.domain.members import Actor, InvalidInput, Member, MemberStatus, Role
from bot.domain.working_groups import CENTRAL, PROVINCES
from bot.i18n import LOCALES, load_catalog
from bot.ui.clusters import (
    EDIT_BUTTONS,
    ERROR_KEYS,
    STAGE_KEYS,
    CdaPageTurn,
    CdaPick,
    ClusterEdit,
    ClusterFormAction,
    ClusterOpen,
    ClusterPage,
    ClusterStagePick,
)
from bot.ui.keyboards import GroupPick

ZWNJ = "\u200c"


def person(
    working_group: str | None = "tehran",
    role: Role = Role.MEMBER,
    status: MemberStatus = MemberStatus.APPROVED,
    *,
    superuser: bool = False,
) -> Actor:
    member = None
    if working_group is not None:
        member = Member(
            id=1,
            user_id=10,
            full_name="سارا تهرانی",
            agency_code="tpo",
            agency_other=None,
            working_group=working_group,
            phone=None,
            locale="fa",
            role=role,
            status=status,
            applied_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        )
    return Actor(user_id=10, display_name="x", member=member, is_superuser=superuser)


def a_cluster(working_group: str = "tehran", stage: ClusterStage = ClusterStage.IDENTIFIED):
    return Cluster(
        id=1,
        name="خوشه فرش دستباف",
        working_group=working_group,
        product="فرش",
        sector="صنایع‌دستی",
        cda_member_id=None,
        firm_count=120,
        stage=stage,
    )


def reason(check, text: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        check(text)
    return refused.value.reason


# --- what people type -----------------------------------------------------------------------


def test_a_cluster_name_is_normalised_persian() -> None:
    assert clean_cluster_name("  خوشه   مبلمان ملاير\u200f ") == "خوشه مبلمان ملایر"
    assert clean_cluster_name("خوشه ك") == "خوشه ک"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("/clusters", "cluster_name_is_command"),
        ("فر", "cluster_name_too_short"),
        ("  ab \u200b ", "cluster_name_too_short"),
        ("خ" * 201, "cluster_name_too_long"),
    ],
)
def test_a_cluster_name_that_cannot_be_used_is_refused_with_a_reason(text: str, why: str) -> None:
    assert reason(clean_cluster_name, text) == why


def test_names_at_the_limits_are_accepted() -> None:
    assert clean_cluster_name("abc") == "abc"
    assert len(clean_cluster_name("خ" * 200)) == 200


@pytest.mark.parametrize(
    ("clean", "prefix", "longest"),
    [(clean_product, "product", 200), (clean_sector, "sector", 100)],
)
def test_product_and_sector_take_two_letters_up_to_their_limit(clean, prefix, longest) -> None:  # type: ignore[no-untyped-def]
    assert clean("فرش") == "فرش"
    assert clean("IT") == "IT"
    assert clean("ي" * longest) == "ی" * longest
    assert reason(clean, "ف") == f"{prefix}_too_short"
    assert reason(clean, "ف" * (longest + 1)) == f"{prefix}_too_long"
    assert reason(clean, "/start") == f"{prefix}_is_command"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("120", 120),
        ("۱۲۰", 120),
        ("١٢٠", 120),
        (" ۱۲۰ ", 120),
        ("1,200", 1200),
        ("۱٬۲۰۰", 1200),
        ("1 000 000", 1_000_000),
        ("1", 1),
    ],
)
def test_a_firm_count_is_read_in_any_digits(text: str, count: int) -> None:
    assert parse_firm_count(text) == count


@pytest.mark.parametrize("text", ["0", "۰", "1000001", "-5", "12.5", "صد", "", "١٢x", "²"])
def test_a_firm_count_that_is_not_a_count_of_firms_is_refused(text: str) -> None:
    assert reason(parse_firm_count, text) == "firm_count_invalid"


def test_a_cluster_lies_in_a_province_not_in_the_central_group() -> None:
    assert check_cluster_group("fars") == "fars"
    assert reason(check_cluster_group, CENTRAL) == "cluster_group_unknown"
    assert reason(check_cluster_group, "atlantis") == "cluster_group_unknown"


# --- who sees and edits a cluster -----------------------------------------------------------


def test_members_of_the_province_and_of_the_central_group_see_a_cluster() -> None:
    tehran_cluster = a_cluster("tehran")
    assert can_view_cluster(person("tehran"), tehran_cluster)
    assert can_view_cluster(person(CENTRAL), tehran_cluster)
    assert can_view_cluster(person(None, superuser=True), tehran_cluster)
    assert not can_view_cluster(person("fars"), tehran_cluster)
    assert not can_view_cluster(person("fars", Role.SECRETARY), tehran_cluster)
    assert not can_view_cluster(person("tehran", status=MemberStatus.PENDING), tehran_cluster)
    assert not can_view_cluster(person("tehran", status=MemberStatus.REJECTED), tehran_cluster)
    assert not can_view_cluster(person(None), tehran_cluster)


def test_the_secretariat_of_the_province_or_of_the_centre_manages_its_clusters() -> None:
    assert can_manage_cluster(person("tehran", Role.SECRETARY), "tehran")
    assert can_manage_cluster(person("tehran", Role.CHAIR), "tehran")
    assert can_manage_cluster(person(CENTRAL, Role.SECRETARY), "tehran")
    assert can_manage_cluster(person(None, superuser=True), "fars")
    assert not can_manage_cluster(person("tehran", Role.MEMBER), "tehran")
    assert not can_manage_cluster(person(CENTRAL, Role.MEMBER), "tehran")
    assert not can_manage_cluster(person("fars", Role.SECRETARY), "tehran")
    assert not can_manage_cluster(person("tehran", Role.SECRETARY, MemberStatus.PENDING), "tehran")


def test_who_lists_which_provinces() -> None:
    assert visible_groups(person("tehran")) == ("tehran",)
    assert visible_groups(person(CENTRAL)) is None
    assert visible_groups(person(None, superuser=True)) is None
    assert visible_groups(person(None)) == ()
    assert visible_groups(person("tehran", status=MemberStatus.PENDING)) == ()


def test_a_provincial_secretary_registers_clusters_in_their_province_only() -> None:
    assert creatable_groups(person("tehran", Role.SECRETARY)) == ("tehran",)
    assert creatable_groups(person("tehran", Role.MEMBER)) == ()
    assert creatable_groups(person(CENTRAL, Role.CHAIR)) == PROVINCES
    assert creatable_groups(person(None, superuser=True)) == PROVINCES
    assert creatable_groups(person(None)) == ()


# --- stages ---------------------------------------------------------------------------------


def test_a_secretary_sets_any_stage_but_licensed_which_comes_with_the_license() -> None:
    secretary = person("tehran", Role.SECRETARY)
    assert ClusterStage.LICENSED not in settable_stages(secretary)
    assert set(settable_stages(secretary)) == set(ClusterStage) - {ClusterStage.LICENSED}
    cluster = a_cluster("tehran", ClusterStage.DEVELOPMENT_RUNNING)
    assert stage_refusal(secretary, cluster, ClusterStage.IDENTIFIED) is None
    assert stage_refusal(secretary, cluster, ClusterStage.FINISHED) is None
    assert stage_refusal(secretary, cluster, ClusterStage.LICENSED) == "stage_needs_license"


def test_only_a_superuser_may_set_licensed_by_hand() -> None:
    admin = person(None, superuser=True)
    assert settable_stages(admin) == tuple(ClusterStage)
    assert stage_refusal(admin, a_cluster(), ClusterStage.LICENSED) is None


def test_someone_who_does_not_manage_the_cluster_sets_no_stage() -> None:
    for outsider in (person("fars", Role.SECRETARY), person("tehran", Role.MEMBER)):
        assert stage_refusal(outsider, a_cluster("tehran"), ClusterStage.FINISHED) == "not_allowed"


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["فرش", "خوشه فرش", "دستباف", "  فرش   دستباف ", "فرش دستباف", "خوشه"],
)
def test_a_name_is_found_by_any_part_of_it(query: str) -> None:
    assert name_matches("خوشه فرش دستباف", query)


def test_arabic_letter_forms_case_and_zero_width_joiners_do_not_matter() -> None:
    assert name_matches("خوشه کاشی یزد", "كاشي")
    assert name_matches("خوشه كاشي يزد", "کاشی")
    assert name_matches("Tabriz auto parts", "AUTO")
    assert name_matches(f"خوشه کفش{ZWNJ}دوزی", "کفش دوزی")
    assert name_matches("خوشه کفش دوزی", f"کفش{ZWNJ}دوزی")


def test_a_name_that_does_not_contain_the_words_does_not_match() -> None:
    assert not name_matches("خوشه فرش دستباف", "مبلمان")
    assert not name_matches("خوشه فرش دستباف", "دستباف فرش")


# --- every rule has words in both languages -------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_stage_and_every_refusal_has_a_text(locale: str) -> None:
    catalog = load_catalog(locale)
    assert set(STAGE_KEYS) == set(ClusterStage)
    assert sorted(k for k in [*STAGE_KEYS.values(), *ERROR_KEYS.values()] if k not in catalog) == []


def test_every_reason_the_cluster_rules_give_has_a_text() -> None:
    given = {
        reason(clean, text)
        for clean in (clean_cluster_name, clean_product, clean_sector)
        for text in ("/x", "a", "x" * 300)
    }
    given |= {reason(parse_firm_count, "0"), reason(check_cluster_group, CENTRAL)}
    secretary = person("tehran", Role.SECRETARY)
    given |= {
        stage_refusal(secretary, a_cluster(), ClusterStage.LICENSED),
        stage_refusal(person("fars"), a_cluster(), ClusterStage.FINISHED),
    }  # type: ignore[arg-type]
    assert len(given) == 13
    assert sorted(given - set(ERROR_KEYS)) == []


# --- every button fits Telegram's 64 bytes ----------------------------------------------------


def test_every_cluster_button_fits_in_64_bytes_even_with_the_longest_values() -> None:
    biggest = 2**63 - 1
    longest_inline_search = "ش" * 20  # 40 bytes: longer searches go by a hash instead
    packed = [
        ClusterPage(page=biggest, key=longest_inline_search).pack(),
        ClusterPage(page=biggest, key="#0123456789").pack(),
        ClusterOpen(cluster_id=biggest).pack(),
        *(ClusterEdit(cluster_id=biggest, field=field).pack() for field, _ in EDIT_BUTTONS),
        *(ClusterStagePick(cluster_id=biggest, stage=s.value).pack() for s in ClusterStage),
        CdaPick(cluster_id=biggest, member_id=biggest).pack(),
        CdaPageTurn(cluster_id=biggest, page=biggest).pack(),
        *(ClusterFormAction(action=a).pack() for a in ("skip", "save", "cancel")),
        *(GroupPick(purpose="clu", code=code).pack() for code in PROVINCES),
    ]
    assert [data for data in packed if len(data.encode()) > 64] == []

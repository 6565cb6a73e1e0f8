"""How the cluster registry looks: the buttons' callback data, the list, the card and its
Edit buttons, the stage and CDA pickers, and the texts behind each refusal. Shared by the
handlers and by other features that name a cluster's stage."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.clusters import Cluster, ClusterRefusal, ClusterStage, settable_stages
from bot.domain.members import Actor
from bot.i18n import Markup, Translator
from bot.services.clusters import CLUSTERS_PER_PAGE, CdaChoices, ClusterListPage
from bot.ui.builder import InlineKeyboardBuilder

# --- callback data -------------------------------------------------------------------------------


class ClusterPage(CallbackData, prefix="clp"):
    page: int
    # "" for no search, the search words when short, or "#<hash>" of words kept in FSM data.
    key: str


class ClusterOpen(CallbackData, prefix="clo"):
    cluster_id: int


class ClusterEdit(CallbackData, prefix="cle"):
    cluster_id: int
    field: str  # name | product | sector | firms | cda | stage


class ClusterStagePick(CallbackData, prefix="cls"):
    cluster_id: int
    stage: str


class CdaPick(CallbackData, prefix="cda"):
    cluster_id: int  # 0: the cluster being registered with /cluster_new
    member_id: int  # 0: no development agent


class CdaPageTurn(CallbackData, prefix="cdap"):
    cluster_id: int  # 0: the cluster being registered
    page: int


class ClusterFormAction(CallbackData, prefix="clf"):
    action: str  # skip | save | cancel


# --- texts built from codes ----------------------------------------------------------------------

STAGE_KEYS: dict[ClusterStage, str] = {
    ClusterStage.IDENTIFIED: "cluster_stages.identified",
    ClusterStage.FEASIBILITY_STUDIED: "cluster_stages.feasibility_studied",
    ClusterStage.LICENSED: "cluster_stages.licensed",
    ClusterStage.DEVELOPMENT_RUNNING: "cluster_stages.development_running",
    ClusterStage.FINISHED: "cluster_stages.finished",
}

# What the domain and the service say when they refuse, and the text the person reads.
ERROR_KEYS: dict[str, str] = {
    "cluster_name_is_command": "cluster_errors.cluster_name_is_command",
    "cluster_name_too_short": "cluster_errors.cluster_name_too_short",
    "cluster_name_too_long": "cluster_errors.cluster_name_too_long",
    "product_is_command": "cluster_errors.product_is_command",
    "product_too_short": "cluster_errors.product_too_short",
    "product_too_long": "cluster_errors.product_too_long",
    "sector_is_command": "cluster_errors.sector_is_command",
    "sector_too_short": "cluster_errors.sector_too_short",
    "sector_too_long": "cluster_errors.sector_too_long",
    "firm_count_invalid": "cluster_errors.firm_count_invalid",
    "cluster_group_unknown": "cluster_errors.cluster_group_unknown",
    ClusterRefusal.NOT_ALLOWED: "cluster_errors.not_allowed_edit",
    ClusterRefusal.NOT_FOUND: "cluster_errors.not_found",
    ClusterRefusal.CDA_NOT_ELIGIBLE: "cluster_errors.cda_not_eligible",
    ClusterRefusal.STAGE_NEEDS_LICENSE: "cluster_errors.stage_needs_license",
}

# The card's Edit buttons: (callback field, label).
EDIT_BUTTONS = (
    ("name", "clusters.edit_name"),
    ("product", "clusters.edit_product"),
    ("sector", "clusters.edit_sector"),
    ("firms", "clusters.edit_firms"),
    ("cda", "clusters.edit_cda"),
    ("stage", "clusters.edit_stage"),
)


def stage_name(t: Translator, stage: ClusterStage) -> Markup:
    """A stage as the reader calls it; for other features' cards too."""
    return t(STAGE_KEYS[stage])


def error_text(t: Translator, reason: str) -> Markup:
    return t(ERROR_KEYS[reason])


def _firms(t: Translator, count: int | None) -> Markup:
    return t("clusters.firms", count=count) if count is not None else t("clusters.firms_unknown")


def _label(t: Translator, number: int, name: str) -> str:
    """A button's text: not markup, so the name goes in as it is (only shortened)."""
    short = name if len(name) <= 48 else name[:47] + "…"
    return f"{t.digits(str(number))}. {short}"


def _turns(t: Translator, page: int, pages: int) -> list[tuple[str, int]]:
    """The Previous and Next buttons a page needs, with the page each one opens."""
    turns = []
    if page > 0:
        turns.append((t("clusters.previous"), page - 1))
    if page + 1 < pages:
        turns.append((t("clusters.next"), page + 1))
    return turns


# --- the list ------------------------------------------------------------------------------------


def list_view(
    t: Translator, found: ClusterListPage, query: str | None, token: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of clusters with a button each and Previous/Next; `token` stands for the search
    in the page buttons."""
    if not found.clusters:
        if query:
            return t("clusters.none_found", query=query), None
        return t("clusters.none"), None
    first = found.page * CLUSTERS_PER_PAGE + 1
    lines = [
        t(
            "clusters.line",
            number=number,
            name=cluster.name,
            group=t(f"working_groups.{cluster.working_group}"),
            product=cluster.product,
            stage=stage_name(t, cluster.stage),
            firms=_firms(t, cluster.firm_count),
        )
        for number, cluster in enumerate(found.clusters, start=first)
    ]
    header = (
        t("clusters.header_search", query=query, total=found.total)
        if query
        else t("clusters.header", total=found.total)
    )
    footer = t("clusters.page", page=found.page + 1, pages=found.pages)
    builder = InlineKeyboardBuilder()
    for number, cluster in enumerate(found.clusters, start=first):
        builder.button(
            text=_label(t, number, cluster.name), callback_data=ClusterOpen(cluster_id=cluster.id)
        )
    builder.adjust(1)
    turns = _turns(t, found.page, found.pages)
    if turns:
        builder.row(
            *(
                InlineKeyboardButton(
                    text=label, callback_data=ClusterPage(page=target, key=token).pack()
                )
                for label, target in turns
            )
        )
    return t.join([header, *lines, footer], "\n\n"), builder.as_markup()


# --- the card ------------------------------------------------------------------------------------


def cluster_details(t: Translator, cluster: Cluster | None = None, **values: object) -> Markup:
    """The fields of a cluster (or of the one being registered, given as values)."""
    if cluster is not None:
        values = {
            "name": cluster.name,
            "working_group": cluster.working_group,
            "product": cluster.product,
            "sector": cluster.sector,
            "firm_count": cluster.firm_count,
            "cda_name": cluster.cda_name if cluster.cda_member_id is not None else None,
            "stage": cluster.stage,
        }
    firms = values.get("firm_count")
    cda = values.get("cda_name")
    return t(
        "clusters.details",
        name=str(values["name"]),
        group=t(f"working_groups.{values['working_group']}"),
        product=str(values["product"]),
        sector=str(values["sector"]),
        firms=firms if isinstance(firms, int) else t("clusters.unknown"),
        cda=str(cda) if cda else t("clusters.no_cda"),
        stage=stage_name(t, ClusterStage(str(values.get("stage") or ClusterStage.IDENTIFIED))),
    )


def card_text(t: Translator, cluster: Cluster) -> Markup:
    return t("clusters.card", details=cluster_details(t, cluster))


def card_keyboard(
    t: Translator, cluster: Cluster, *, manageable: bool
) -> InlineKeyboardMarkup | None:
    """Edit buttons for those who manage the cluster; nothing for the others."""
    if not manageable:
        return None
    builder = InlineKeyboardBuilder()
    for field, key in EDIT_BUTTONS:
        builder.button(text=t(key), callback_data=ClusterEdit(cluster_id=cluster.id, field=field))
    builder.adjust(2)
    return builder.as_markup()


def stage_keyboard(t: Translator, actor: Actor, cluster: Cluster) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for stage in settable_stages(actor):
        label = stage_name(t, stage)
        builder.button(
            text=f"✓ {label}" if stage is cluster.stage else label,
            callback_data=ClusterStagePick(cluster_id=cluster.id, stage=stage.value),
        )
    builder.adjust(1)
    return builder.as_markup()


def cda_keyboard(t: Translator, choices: CdaChoices, cluster_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in choices.members:
        builder.button(
            text=member.full_name, callback_data=CdaPick(cluster_id=cluster_id, member_id=member.id)
        )
    builder.adjust(1)
    turns = _turns(t, choices.page, choices.pages)
    if turns:
        builder.row(
            *(
                InlineKeyboardButton(
                    text=label,
                    callback_data=CdaPageTurn(cluster_id=cluster_id, page=target).pack(),
                )
                for label, target in turns
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=t("clusters.cda_none"),
            callback_data=CdaPick(cluster_id=cluster_id, member_id=0).pack(),
        )
    )
    return builder.as_markup()


# --- /cluster_new's buttons ----------------------------------------------------------------------


def skip_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("clusters.skip"), callback_data=ClusterFormAction(action="skip"))
    return builder.as_markup()


def save_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("clusters.save"), callback_data=ClusterFormAction(action="save"))
    builder.button(text=t("buttons.cancel"), callback_data=ClusterFormAction(action="cancel"))
    return builder.as_markup()

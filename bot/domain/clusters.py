"""Clusters: firms of one product or service concentrated in one region (seed 004, F3 and F7).

What a person types about a cluster, who may see and change one, and which stages a person may
set by hand. Pure rules: no aiogram, no SQLAlchemy.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.domain.digits import normalize_persian, strip_invisible, to_latin_digits
from bot.domain.members import Actor, can_manage_group, can_see_all, can_view_group
from bot.domain.text import InvalidInput, one_line, whole_number
from bot.domain.working_groups import CENTRAL, PROVINCES


class ClusterRefusal(enum.StrEnum):
    """Why the registry did nothing. bot/ui/clusters.py gives each its text (ERROR_KEYS): a
    refusal to edit and one to view read differently."""

    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    CDA_NOT_ELIGIBLE = "cda_not_eligible"
    STAGE_NEEDS_LICENSE = "stage_needs_license"


class ClusterStage(enum.StrEnum):
    IDENTIFIED = "identified"
    FEASIBILITY_STUDIED = "feasibility_studied"
    LICENSED = "licensed"
    DEVELOPMENT_RUNNING = "development_running"
    FINISHED = "finished"


@dataclass(frozen=True)
class Cluster:
    id: int
    name: str
    working_group: str
    product: str
    sector: str
    cda_member_id: int | None
    firm_count: int | None
    stage: ClusterStage
    cda_name: str | None = None


# The fields a secretariat edits on a cluster's card; the stage has its own rule below.
EDITABLE_FIELDS = ("name", "product", "sector", "firm_count", "cda_member_id")

MAX_FIRMS = 1_000_000


# --- what people type ------------------------------------------------------------------------


def clean_cluster_name(text: str) -> str:
    """E.g. "خوشه مبلمان ملایر"."""
    return one_line(text, "cluster_name", 3, 200)


def clean_product(text: str) -> str:
    """The product or service the cluster's firms make, e.g. "مبلمان"."""
    return one_line(text, "product", 2, 200)


def clean_sector(text: str) -> str:
    """The economic sector: industry, agriculture, handicrafts, services, ..."""
    return one_line(text, "sector", 2, 100)


# Thousands separators people type: comma, Arabic thousands separator, Persian comma, spaces.
_SEPARATORS = re.compile(r"[,\u066c\u060c\s]")


def parse_firm_count(text: str) -> int:
    """Number of firms in the cluster, typed with Latin, Persian or Arabic-Indic digits."""
    raw = _SEPARATORS.sub("", to_latin_digits(strip_invisible(text)))
    return check_firm_count(whole_number(raw, "firm_count_invalid", MAX_FIRMS))


def check_firm_count(count: int) -> int:
    if not 1 <= count <= MAX_FIRMS:
        raise InvalidInput("firm_count_invalid")
    return count


def check_cluster_group(code: str) -> str:
    """A cluster lies in a province; the central group oversees clusters but holds none."""
    if code not in PROVINCES:
        raise InvalidInput("cluster_group_unknown")
    return code


# --- who may do what -------------------------------------------------------------------------


def can_view_cluster(actor: Actor, cluster: Cluster) -> bool:
    """Superusers, approved members of the central group, approved members of its province."""
    return can_view_group(actor, cluster.working_group)


def can_manage_cluster(actor: Actor, working_group: str) -> bool:
    """Create and edit the clusters of a province: its secretariat or chair, the central
    secretariat or chair (who own the national cluster database), and superusers."""
    return can_manage_group(actor, working_group) or can_manage_group(actor, CENTRAL)


def visible_groups(actor: Actor) -> tuple[str, ...] | None:
    """Whose clusters the actor may list: None means every province."""
    if can_see_all(actor):
        return None
    if actor.is_member and actor.working_group is not None:
        return (actor.working_group,)
    return ()


def creatable_groups(actor: Actor) -> tuple[str, ...]:
    """The provinces the actor may register a cluster in; more than one means they pick."""
    return tuple(code for code in PROVINCES if can_manage_cluster(actor, code))


def settable_stages(actor: Actor) -> tuple[ClusterStage, ...]:
    """The stages a person may set by hand on a cluster they manage.

    A secretariat may move a cluster to any stage, backwards too (a mistaken entry, a study
    that has to be redone), except LICENSED: a cluster is licensed when the trade promotion
    organisation issues its license (F8), and the license record with its number is what sets
    that stage. Setting it by hand would show a licensed cluster that has no license; only a
    superuser may do it, to repair data (e.g. a license issued before the bot existed).
    """
    if actor.is_superuser:
        return tuple(ClusterStage)
    return tuple(stage for stage in ClusterStage if stage is not ClusterStage.LICENSED)


def stage_refusal(actor: Actor, cluster: Cluster, stage: ClusterStage) -> ClusterRefusal | None:
    """Why this actor may not set this stage on this cluster by hand, or None if they may."""
    if not can_manage_cluster(actor, cluster.working_group):
        return ClusterRefusal.NOT_ALLOWED
    if stage not in settable_stages(actor):
        return ClusterRefusal.STAGE_NEEDS_LICENSE
    return None


# --- search ----------------------------------------------------------------------------------


def search_key(text: str) -> str:
    """Text as search compares it: Persian letter forms, case, and a zero-width non-joiner
    typed as a space (or not) do not matter."""
    return " ".join(normalize_persian(text).replace("\u200c", " ").casefold().split())


def name_matches(name: str, query: str) -> bool:
    return search_key(query) in search_key(name)

"""Clusters: firms of one product or service concentrated in one region (seed 004, F3 and F7)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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

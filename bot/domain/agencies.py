"""Executive agencies and bodies that take part in cluster development (seed 004, page 3).

Codes are stable identifiers; names live in the locale files under `agencies.<code>`.
"""

from __future__ import annotations

OTHER = "other"

AGENCIES: tuple[str, ...] = (
    "strategic_deputy",
    "economic_commission",
    "ministry_commerce",
    "ministry_industries",
    "ministry_labour",
    "ministry_cooperatives",
    "tpo",
    "isipo",
    "chamber_cooperatives",
    "chamber_commerce",
    "chamber_industries_mines",
    "irib",
    "press",
    "governorates",
    "export_guarantee_fund",
    "banks",
    "private_sector",
    "provincial_units",
    "university",
)


def is_agency(code: str) -> bool:
    return code in AGENCIES or code == OTHER

"""The working groups: the central group and one per province.

Codes are stable identifiers stored in the database and in button data; the names people
read live in the locale files under `working_groups.<code>`.
"""

from __future__ import annotations

CENTRAL = "central"

# Ordered as a Persian reader expects them (alphabetical in Persian), which is also the
# order the registration keyboard shows.
PROVINCES: tuple[str, ...] = (
    "east_azarbaijan",
    "west_azarbaijan",
    "ardabil",
    "isfahan",
    "alborz",
    "ilam",
    "bushehr",
    "tehran",
    "chaharmahal_bakhtiari",
    "south_khorasan",
    "razavi_khorasan",
    "north_khorasan",
    "khuzestan",
    "zanjan",
    "semnan",
    "sistan_baluchestan",
    "fars",
    "qazvin",
    "qom",
    "kurdistan",
    "kerman",
    "kermanshah",
    "kohgiluyeh_boyerahmad",
    "golestan",
    "gilan",
    "lorestan",
    "mazandaran",
    "markazi",
    "hormozgan",
    "hamadan",
    "yazd",
)

WORKING_GROUPS: tuple[str, ...] = (CENTRAL, *PROVINCES)


def is_working_group(code: str) -> bool:
    return code in WORKING_GROUPS

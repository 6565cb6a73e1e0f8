"""Digit and letter normalisation for text typed by Persian-speaking users.

Phones in Iran produce a mix of ASCII, Persian and Arabic-Indic digits and of
Persian and Arabic letter forms; everything that compares or parses user text
goes through these helpers first so that those variants never matter.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = "0123456789"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

_TO_PERSIAN = str.maketrans(_ASCII_DIGITS + _ARABIC_INDIC_DIGITS, _PERSIAN_DIGITS * 2)
_TO_LATIN = str.maketrans(_PERSIAN_DIGITS + _ARABIC_INDIC_DIGITS, _ASCII_DIGITS * 2)

# Arabic keyboards (and some Windows layouts) emit these code points for
# letters that look identical to their Persian counterparts.
_ARABIC_TO_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


# Direction marks and zero-width characters that copy-paste from Persian apps carries along;
# invisible, so a person cannot see why their input was refused.
INVISIBLE_MARKS = re.compile("[\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")


def strip_invisible(text: str) -> str:
    return INVISIBLE_MARKS.sub("", text)


def to_persian_digits(text: str) -> str:
    """Render ASCII and Arabic-Indic digits as Persian digits."""
    return text.translate(_TO_PERSIAN)


def to_latin_digits(text: str) -> str:
    """Turn Persian and Arabic-Indic digits into ASCII digits."""
    return text.translate(_TO_LATIN)


def normalize_persian(text: str) -> str:
    """Unify Arabic letter variants with Persian ones and collapse whitespace."""
    return " ".join(strip_invisible(text).translate(_ARABIC_TO_PERSIAN_LETTERS).split())

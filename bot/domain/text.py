"""What people type: one home for the checks every free-text field shares.

Each field's limits stay with its feature (a task title, a meeting's agenda); how a value is
normalised and how a bad one is refused is the same everywhere, so it lives here once.
`InvalidInput.reason` names a locale message, usually `<field>_is_command`, `<field>_too_short`
or `<field>_too_long`.
"""

from __future__ import annotations

import re

from bot.domain.digits import normalize_persian, strip_invisible


class InvalidInput(ValueError):
    """What a person typed cannot be used; `reason` names a locale message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_command(value: str) -> bool:
    """A person who taps a command mid-conversation wants the command, not to save "/cancel"."""
    return value.lstrip().startswith("/")


def normalize_multiline(text: str) -> str:
    """Details, agendas and comments have paragraphs worth keeping; `normalize_persian` alone
    would fold them into one line. Runs of blank lines shrink to one."""
    lines = [normalize_persian(line) for line in strip_invisible(text).splitlines()]
    paragraphs = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", paragraphs)


# The largest id a database key holds (PostgreSQL's integer): a larger one names nothing.
MAX_ID = 2**31 - 1


def whole_number(digits: str, reason: str, maximum: int) -> int:
    """ASCII digits as a number no larger than `maximum`, else `InvalidInput(reason)`. The
    length is checked before converting: a pasted 5,000-digit number is refused at no cost
    (Python refuses to convert more than 4,300 digits, with a ValueError nobody explains)."""
    if not digits.isascii() or not digits.isdigit():
        raise InvalidInput(reason)
    if len(digits.lstrip("0")) > len(str(maximum)):
        raise InvalidInput(reason)
    value = int(digits)
    if value > maximum:
        raise InvalidInput(reason)
    return value


def is_id(token: str) -> bool:
    """Whether `token` (from button data, a table cell) can be a database id at all."""
    try:
        return whole_number(token, "id", MAX_ID) > 0
    except InvalidInput:
        return False


def check_length(value: str, field: str, shortest: int, longest: int) -> str:
    """`value` if it is no command and its length is within bounds, else `InvalidInput`
    with the reason `<field>_is_command`, `<field>_too_short` or `<field>_too_long`."""
    if looks_like_command(value):
        raise InvalidInput(f"{field}_is_command")
    if len(value) < shortest:
        raise InvalidInput(f"{field}_too_short")
    if len(value) > longest:
        raise InvalidInput(f"{field}_too_long")
    return value


def one_line(text: str, field: str, shortest: int, longest: int) -> str:
    return check_length(normalize_persian(text), field, shortest, longest)


def paragraphs(text: str, field: str, shortest: int, longest: int) -> str:
    return check_length(normalize_multiline(text), field, shortest, longest)

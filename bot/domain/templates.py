"""Plan templates: seed 004's task matrix and seed 003's phase plan, as TOML files.

A template is a list of items (sub-processes or activities), each with the agencies and roles
that act on it and the months, counted from a project's start, in which it happens. A
secretariat writes or edits one as a TOML file (see `bot/templates/README.md` for the format)
and imports it with `python -m bot template import FILE`; the shipped ones live in the package's
`bot/templates/` folder. Everything here is pure: `parse_template` checks a file completely and
says, with a line number, what is wrong, so that nothing half-valid reaches the database.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from bot.domain.agencies import AGENCIES

__all__ = [
    "KINDS",
    "MAX_MONTH",
    "ROLES",
    "SHIPPED_TEMPLATES_DIR",
    "Phase",
    "Template",
    "TemplateError",
    "TemplateItem",
    "item_window",
    "load_shipped",
    "parse_template",
]

KINDS = ("matrix", "phases")
# Who acts when no agency does: the cluster development agent, the working group's secretary
# or its chair (the same words as bot.domain.members.Role, plus the CDA).
ROLES = ("cda", "secretary", "chair")
# Ten years, the longest program the decree imagines (as parse_months in submissions.py).
MAX_MONTH = 120
# A template is picked with a button that carries its code; Telegram's 64 bytes of button
# data leave room for 40.
MAX_CODE = 40
MAX_ITEM_CODE = 32
MAX_NAME = 300
MAX_TITLE = 300
DEFAULT_MONTHS = 3

# Inside the package, so that an installed wheel carries them (see pyproject's package-data).
SHIPPED_TEMPLATES_DIR: Traversable = files("bot") / "templates"

_CODE = re.compile(r"[a-z0-9-]+")
_TOP_FIELDS = frozenset({"code", "name", "kind", "source", "default_months", "phases", "items"})
_PHASE_FIELDS = frozenset({"number", "title", "start_month", "end_month"})
_ITEM_FIELDS = frozenset(
    {
        "code",
        "title",
        "description",
        "phase",
        "start_month",
        "end_month",
        "agencies",
        "roles",
        "mechanism",
        "owner",
        "output",
    }
)
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


@dataclass(frozen=True)
class Phase:
    number: int
    title: str
    start_month: int
    end_month: int


@dataclass(frozen=True)
class TemplateItem:
    code: str
    title: str
    description: str | None = None
    # Matrix: the process number (F3-4 -> 3); phases: the number of a Phase of the template.
    phase: int | None = None
    # As written in the file; `item_window` applies the defaults.
    start_month: int | None = None
    end_month: int | None = None
    agencies: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    mechanism: str | None = None
    owner: str | None = None
    output: str | None = None


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    kind: str
    source: str | None
    default_months: int
    phases: tuple[Phase, ...]
    items: tuple[TemplateItem, ...]

    def phase(self, number: int | None) -> Phase | None:
        return next((p for p in self.phases if p.number == number), None)


class TemplateError(ValueError):
    """A template file cannot be used; `line` (1-based) points at the offending entry."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line = line
        self.reason = reason


def item_window(template: Template, item: TemplateItem) -> tuple[int, int]:
    """The months (from a project's start, 1-based, inclusive) an item really gets.

    A phase plan's item defaults to its phase's window; a matrix item to months 1 to
    `default_months`. A month given in the file wins over the default.
    """
    phase = template.phase(item.phase) if template.kind == "phases" else None
    if phase is not None:
        default_start, default_end = phase.start_month, phase.end_month
    else:
        default_start, default_end = 1, template.default_months
    start = item.start_month if item.start_month is not None else default_start
    end = item.end_month if item.end_month is not None else default_end
    return start, end


# --- parsing ------------------------------------------------------------------------------------


def _header_lines(text: str, name: str) -> list[int]:
    """1-based line numbers of the `[[name]]` headers, in order."""
    header = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]")
    return [n for n, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def _top_key_line(text: str, key: str) -> int | None:
    """The line where a top-level key is set (before the first table header)."""
    pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=")
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            return None
        if pattern.match(line):
            return n
    return None


class _Entry:
    """One table of the file (the top level, a [[phases]] or an [[items]] entry) being read."""

    def __init__(self, data: dict[str, Any], line: int | None, label: str, text: str = "") -> None:
        self.data = data
        self.line = line
        self.label = label  # " in item F3-4", " in phase 2", or "" for the top level
        self._text = text  # set for the top level, to find the line of each key

    def fail(self, reason: str, key: str | None = None) -> TemplateError:
        line = self.line
        if key is not None and self._text:
            line = _top_key_line(self._text, key) or line
        return TemplateError(line, reason + self.label)

    def check_fields(self, allowed: frozenset[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(f"unknown field {key!r}", key)

    def string(self, key: str, *, required: bool, longest: int | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing field {key!r}")
            return None
        if not isinstance(value, str):
            raise self.fail(f"field {key!r} must be a string", key)
        value = value.strip()
        if not value:
            if required:
                raise self.fail(f"field {key!r} is empty", key)
            return None
        if longest is not None and len(value) > longest:
            raise self.fail(f"field {key!r} is longer than {longest} characters", key)
        return value

    def integer(self, key: str, *, required: bool) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing field {key!r}")
            return None
        # bool is an int in Python; `phase = true` is a mistake, not phase 1.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"field {key!r} must be a whole number", key)
        return value

    def month(self, key: str, *, required: bool) -> int | None:
        value = self.integer(key, required=required)
        if value is not None and not 1 <= value <= MAX_MONTH:
            raise self.fail(f"{key} {value} is outside 1..{MAX_MONTH}", key)
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"field {key!r} must be a list of strings", key)
        return [v.strip() for v in value]

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{key!r} must be written as [[{key}]] tables", key)
        return value


def _check_window(entry: _Entry, start: int, end: int, defaulted: bool = False) -> None:
    if start > end:
        note = " (with the defaults applied)" if defaulted else ""
        raise entry.fail(f"start_month {start} is after end_month {end}{note}")


def _toml_error(error: tomllib.TOMLDecodeError, text: str) -> TemplateError:
    message = str(error)
    found = _TOML_LINE.search(message)
    line: int | None = None
    if found is not None:
        line = int(found.group(1)) if found.group(1) else max(1, len(text.splitlines()))
        message = (message[: found.start()] + message[found.end() :]).strip()
    return TemplateError(line, f"invalid TOML: {message}")


def _parse_phase(entry: _Entry) -> Phase:
    entry.check_fields(_PHASE_FIELDS)
    number = entry.integer("number", required=True)
    assert number is not None
    if number < 1:
        raise entry.fail(f"phase number {number} must be 1 or more")
    entry.label = f" in phase {number}"
    title = entry.string("title", required=True, longest=MAX_TITLE)
    start = entry.month("start_month", required=True)
    end = entry.month("end_month", required=True)
    assert title is not None and start is not None and end is not None
    _check_window(entry, start, end)
    return Phase(number, title, start, end)


def _parse_item(
    entry: _Entry, kind: str, phases: dict[int, Phase], default_months: int
) -> TemplateItem:
    code = entry.data.get("code")
    if isinstance(code, str) and code.strip():
        entry.label = f" in item {code.strip()}"
    entry.check_fields(_ITEM_FIELDS)
    code = entry.string("code", required=True, longest=MAX_ITEM_CODE)
    title = entry.string("title", required=True, longest=MAX_TITLE)
    assert code is not None and title is not None
    phase = entry.integer("phase", required=kind == "phases")
    if phase is not None:
        if kind == "phases" and phase not in phases:
            raise entry.fail(f"phase {phase} is not one of the [[phases]]")
        if phase < 1:
            raise entry.fail(f"phase {phase} must be 1 or more")
    start = entry.month("start_month", required=False)
    end = entry.month("end_month", required=False)
    if kind == "phases" and phase is not None:
        default_start, default_end = phases[phase].start_month, phases[phase].end_month
    else:
        default_start, default_end = 1, default_months
    _check_window(
        entry,
        start if start is not None else default_start,
        end if end is not None else default_end,
        defaulted=start is None or end is None,
    )
    agencies = entry.strings("agencies")
    for agency in agencies:
        if agency not in AGENCIES:
            raise entry.fail(f"unknown agency {agency!r}")
    roles = entry.strings("roles")
    for role in roles:
        if role not in ROLES:
            raise entry.fail(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if not agencies and not roles:
        raise entry.fail("no agencies and no roles: nobody would act on it")
    return TemplateItem(
        code=code,
        title=title,
        description=entry.string("description", required=False),
        phase=phase,
        start_month=start,
        end_month=end,
        agencies=tuple(dict.fromkeys(agencies)),
        roles=tuple(dict.fromkeys(roles)),
        mechanism=entry.string("mechanism", required=False),
        owner=entry.string("owner", required=False),
        output=entry.string("output", required=False),
    )


def parse_template(text: str) -> Template:
    """Read and check a template file; raises `TemplateError` at the first problem."""
    # Windows editors (Notepad) start UTF-8 files with a byte order mark; TOML does not allow it.
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(error, text) from None
    top = _Entry(data, None, "", text)
    top.check_fields(_TOP_FIELDS)

    code = top.string("code", required=True, longest=MAX_CODE)
    assert code is not None
    if not _CODE.fullmatch(code):
        raise top.fail(
            f"code {code!r} may use only lowercase latin letters, digits and '-'", "code"
        )
    name = top.string("name", required=True, longest=MAX_NAME)
    assert name is not None
    kind = top.string("kind", required=True)
    if kind not in KINDS:
        raise top.fail(f'unknown kind {kind!r} (expected "matrix" or "phases")', "kind")
    source = top.string("source", required=False)
    default_months = top.integer("default_months", required=False)
    if default_months is None:
        default_months = DEFAULT_MONTHS
    elif not 1 <= default_months <= MAX_MONTH:
        raise top.fail(
            f"default_months {default_months} is outside 1..{MAX_MONTH}", "default_months"
        )

    phase_tables = top.tables("phases")
    phase_lines = _header_lines(text, "phases")
    if kind == "matrix" and phase_tables:
        line = phase_lines[0] if phase_lines else _top_key_line(text, "phases")
        raise TemplateError(line, 'a matrix template has no [[phases]] (use kind = "phases")')
    if kind == "phases" and not phase_tables:
        raise TemplateError(None, 'a template of kind "phases" needs at least one [[phases]]')
    phases: dict[int, Phase] = {}
    for index, table in enumerate(phase_tables):
        line = phase_lines[index] if index < len(phase_lines) else None
        phase = _parse_phase(_Entry(table, line, f" in phase #{index + 1}"))
        if phase.number in phases:
            raise TemplateError(line, f"duplicate phase number {phase.number}")
        phases[phase.number] = phase

    item_tables = top.tables("items")
    if not item_tables:
        raise TemplateError(None, "the template has no [[items]]")
    item_lines = _header_lines(text, "items")
    items: list[TemplateItem] = []
    seen: set[str] = set()
    for index, table in enumerate(item_tables):
        line = item_lines[index] if index < len(item_lines) else None
        item = _parse_item(
            _Entry(table, line, f" in item #{index + 1}"), kind, phases, default_months
        )
        if item.code in seen:
            raise TemplateError(line, f"duplicate item code {item.code!r}")
        seen.add(item.code)
        items.append(item)

    return Template(
        code=code,
        name=name,
        kind=kind,
        source=source,
        default_months=default_months,
        phases=tuple(sorted(phases.values(), key=lambda p: p.number)),
        items=tuple(items),
    )


def load_shipped(directory: Traversable | Path = SHIPPED_TEMPLATES_DIR) -> list[Template]:
    """Every `*.toml` template in the shipped folder, in file-name order.

    A broken shipped file is a bug of the release, not of a user: the error propagates, with
    the file named in its notes.
    """
    if not directory.is_dir():
        return []
    templates: list[Template] = []
    codes: set[str] = set()
    shipped = [entry for entry in directory.iterdir() if entry.name.endswith(".toml")]
    for path in sorted(shipped, key=lambda entry: entry.name):
        try:
            template = parse_template(path.read_text(encoding="utf-8"))
        except TemplateError as error:
            error.add_note(f"in {path}")
            raise
        if template.code in codes:
            raise TemplateError(None, f"{path.name}: template code {template.code!r} is used twice")
        codes.add(template.code)
        templates.append(template)
    return templates

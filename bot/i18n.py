"""Texts from `bot/locales/<locale>/*.toml`, rendered for one reader (locale) and one platform.

Templates may use <b>, <i> and <code> for emphasis only: the Bale profile strips them, so a
message must read correctly without them. Values put into a template are escaped for the
platform, so a name like "A & B <Co>" can never break a send, and a name like "*Ali*" is never
turned into bold by Bale (see `bale_safe`).
"""

from __future__ import annotations

import datetime
import functools
import html
import re
import string
import tomllib
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Platform
from bot.domain import jalali
from bot.domain.digits import strip_invisible, to_latin_digits, to_persian_digits

# Inside the package, so that an installed wheel carries its texts; read through
# importlib.resources so that nothing depends on where the package was installed or on the cwd.
LOCALES_DIR: Traversable = files("bot") / "locales"
LOCALES = ("fa", "en")


def client_locale(language_code: str | None, default: str) -> str:
    """The language a person's app reports ("en-US" is "en"), when the bot speaks it."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LOCALES else default


_TAG = re.compile(r"</?(?:b|i|u|code)>")
# Zero-width non-joiner: invisible next to punctuation, and a character Persian text already
# uses, so it survives copy and paste without surprising anyone.
ZWNJ = "\u200c"
_EMPHASIS_RUN = re.compile(r"[*_]+")


def bale_safe(text: str) -> str:
    """`text` as Bale shows it literally: whatever would form formatting is broken, nothing else.

    Bale reads every message as Markdown and documents no escape character (a backslash
    would be shown to the reader). Its markers need a space around them: `*bold*` opens after
    a space or the start and closes before a space or the end, `_italic_` likewise; links are
    `[text](url)` and blocks are fenced with three backticks. So a ZWNJ goes between a marker
    and the space (or edge) beside it, between `]` and `(`, and between backticks; a marker
    inside a word (`ali_karimi`, `/cluster_new`) forms nothing and is left alone.
    """

    def breaking(match: re.Match[str]) -> str:
        start, end = match.span()
        before = "" if start > 0 and not text[start - 1].isspace() else ZWNJ
        after = "" if end < len(text) and not text[end].isspace() else ZWNJ
        return f"{before}{match.group(0)}{after}"

    broken = _EMPHASIS_RUN.sub(breaking, text)
    return broken.replace("](", f"]{ZWNJ}(").replace("``", f"`{ZWNJ}`").replace("``", f"`{ZWNJ}`")


# Unicode isolates (LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE): inside Persian text the
# bidirectional algorithm would otherwise reorder a code's parts ("EC-1405-0001" read as
# "0001-1405-EC"); isolated, the code is one left-to-right unit whatever surrounds it.
LRI = "\u2066"
PDI = "\u2069"


def isolated_code(code: str) -> str:
    """A code (license number EC-1405-0001, task code F3-4) as it is shown in every message.

    Latin digits in every locale: a code is an identifier people copy, search for and type into
    other systems, so it is one string everywhere (message, database, spreadsheet), and Latin
    digits sit naturally beside the Latin letters codes carry. Spreadsheets get the plain code
    (no isolates): a cell is its own unit, and an invisible character would break search and
    re-import.
    """
    return f"{LRI}{to_latin_digits(strip_invisible(code))}{PDI}"


@functools.lru_cache(maxsize=4096)
def _number(value: int, persian: bool) -> str:
    """An integer in a text, in the reader's digits. Cached: counts, percentages and ids
    repeat across the thousands of lines of a reminder pass, and the digit translation is
    what each of them cost."""
    text = str(value)
    return to_persian_digits(text) if persian else text


class Markup(str):
    """Already-rendered text: inserted into another template without escaping again."""


# CLDR plural categories the catalogs use. English has "one" and "other"; Persian says
# "۳ روز" as "۱ روز" (the noun stays singular after a number), so its texts are plain strings,
# which are the one form for every count.
PLURAL_FORMS = frozenset({"one", "other"})


class Plural(str):
    """A text with a form for each plural category, chosen by its `count` placeholder.

    Written in TOML as a table, `firms = { one = "{count} firm", other = "{count} firms" }`.
    As a string it is its `other` form, so checks that read every text (placeholders, tags,
    digits) read it too; `forms` holds them all.
    """

    forms: dict[str, str]

    def __new__(cls, forms: dict[str, str]) -> Plural:
        text = super().__new__(cls, forms["other"])
        text.forms = dict(forms)
        return text

    def form(self, locale: str, count: object) -> str:
        return self.forms.get(plural_category(locale, count), self.forms["other"])


def plural_category(locale: str, count: object) -> str:
    """English (CLDR): "one" for exactly 1, "other" for any other number, 0 included.
    Persian: "other" always (see PLURAL_FORMS)."""
    if locale == "en" and count == 1 and not isinstance(count, bool):
        return "one"
    return "other"


def _is_plural(table: dict[str, Any]) -> bool:
    return bool(table) and "other" in table and set(table) <= PLURAL_FORMS


def _choose(template: str, locale: str, values: dict[str, Any]) -> str:
    if not isinstance(template, Plural):
        return template
    if "count" not in values:
        raise KeyError(f"the text {template!r} has plural forms and needs a count")
    return template.form(locale, values["count"])


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and _is_plural(value):
            flat[key] = Plural({form: str(text) for form, text in value.items()})
        elif isinstance(value, dict):
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = str(value)
    return flat


def _toml_files(directory: Traversable | Path) -> list[Traversable | Path]:
    if not directory.is_dir():
        return []
    found = [entry for entry in directory.iterdir() if entry.name.endswith(".toml")]
    return sorted(found, key=lambda entry: entry.name)


def load_catalog(locale: str, directory: Traversable | Path = LOCALES_DIR) -> dict[str, str]:
    """All `<directory>/<locale>/*.toml` files merged; one file per feature, keys never shared."""
    catalog: dict[str, str] = {}
    for path in _toml_files(directory / locale):
        with path.open("rb") as file:
            entries = _flatten(tomllib.load(file))
        clash = catalog.keys() & entries.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another file: {sorted(clash)}")
        catalog.update(entries)
    if not catalog:
        raise FileNotFoundError(f"no texts for locale {locale!r} in {directory / locale}")
    return catalog


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogs:
    """All locales, loaded once at start."""

    def __init__(
        self,
        platform: Platform,
        directory: Traversable | Path = LOCALES_DIR,
        zone: ZoneInfo = jalali.TEHRAN,
    ) -> None:
        self.platform = platform
        self.zone = zone
        self._catalogs = {locale: load_catalog(locale, directory) for locale in LOCALES}
        # A translator holds nothing that changes: one per locale, not one per update.
        self._translators: dict[str, Translator] = {}

    def translator(self, locale: str) -> Translator:
        known = locale if locale in self._catalogs else "fa"
        translator = self._translators.get(known)
        if translator is None:
            translator = self._translators[known] = Translator(known, self)
        return translator

    def template(self, locale: str, key: str) -> str:
        return self._catalogs[locale][key]

    def keys(self, locale: str) -> set[str]:
        return set(self._catalogs[locale])


class Translator:
    def __init__(self, locale: str, catalogs: Catalogs) -> None:
        self.locale = locale
        self._catalogs = catalogs

    @cached_property
    def _html(self) -> bool:
        return self._catalogs.platform is Platform.TELEGRAM

    def _value(self, value: Any) -> str:
        if isinstance(value, Markup):
            return str(value)
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, int):
            return _number(value, self.locale == "fa")
        if isinstance(value, float):
            text = str(value)
            return to_persian_digits(text) if self.locale == "fa" else text
        return self.escape(str(value))

    def escape(self, text: str) -> str:
        if self._html:
            return html.escape(text, quote=False)
        return bale_safe(text)

    def __call__(self, key: str, **values: Any) -> Markup:
        template = _choose(self._catalogs.template(self.locale, key), self.locale, values)
        if not self._html:
            template = _TAG.sub("", template)
        return Markup(template.format(**{k: self._value(v) for k, v in values.items()}))

    def template(self, key: str, *, plain: bool = False) -> str:
        """The text of `key` (one without plural forms) as this platform shows it, or as a
        button shows it with `plain`: for a text rendered thousands of times in one pass, with
        `str.format` and values already made safe (`escape`, `number`, Markup), which is what
        calling the translator does for each of them."""
        chosen = self._catalogs.template(self.locale, key)
        if isinstance(chosen, Plural):
            raise KeyError(f"the text {key!r} has plural forms: call the translator with a count")
        return _TAG.sub("", chosen) if plain or not self._html else chosen

    def number(self, value: int) -> Markup:
        """An integer as the translator renders it in a text (the reader's digits)."""
        return Markup(_number(value, self.locale == "fa"))

    def plain(self, key: str, **values: Any) -> str:
        """For button labels and pop-up alerts, which Telegram shows as typed: no markup, and
        values as they are (escaping would show "&amp;" to the reader)."""
        chosen = _choose(self._catalogs.template(self.locale, key), self.locale, values)
        template = _TAG.sub("", chosen)
        rendered = {
            k: (to_persian_digits(str(v)) if self.locale == "fa" else str(v))
            if isinstance(v, int | float) and not isinstance(v, bool)
            else str(v)
            for k, v in values.items()
        }
        return template.format(**rendered)

    def digits(self, text: str) -> Markup:
        """Numbers inside free text (phone numbers, ids) in the reader's digits."""
        return Markup(self.escape(to_persian_digits(text) if self.locale == "fa" else text))

    def code(self, code: str) -> Markup:
        """A code as one left-to-right unit with Latin digits (see `isolated_code`)."""
        return Markup(self.escape(isolated_code(code)))

    def date(self, day: datetime.date, *, long: bool = False) -> Markup:
        return Markup(jalali.format_date(day, self.locale, long=long))

    def moment(self, moment: datetime.datetime) -> Markup:
        return Markup(jalali.format_datetime(moment, self.locale, self._catalogs.zone))

    def today(self, now: datetime.datetime) -> datetime.date:
        """The calendar date people in the configured zone see at `now`."""
        return jalali.tehran_today(now, self._catalogs.zone)

    def join(self, parts: list[str], separator: str = "\n") -> Markup:
        return Markup(separator.join(parts))

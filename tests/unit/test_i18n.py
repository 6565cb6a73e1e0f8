"""Texts rendered for one reader on one platform: escaping, digits and Jalali dates."""

from __future__ import annotations

import datetime

import pytest

from bot.config import Platform
from bot.i18n import Catalogs, Markup, Translator

TELEGRAM = Catalogs(Platform.TELEGRAM)
BALE = Catalogs(Platform.BALE)

# Monday 2 Azar 1405.
AZAR_2 = datetime.date(2026, 11, 23)
# 06:30 UTC is 10:00 in Tehran (+03:30, no daylight saving since 2022).
MORNING_UTC = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)


def on_telegram(locale: str = "en") -> Translator:
    return TELEGRAM.translator(locale)


def on_bale(locale: str = "en") -> Translator:
    return BALE.translator(locale)


def details(t: Translator, name: str) -> Markup:
    return t(
        "registration.details",
        name=name,
        agency="Chamber of Commerce",
        group="Tehran",
        phone=t.digits("+989121234567"),
    )


# --- Telegram (HTML) ---------------------------------------------------------------------


def test_an_agency_named_with_html_characters_cannot_break_a_telegram_message() -> None:
    text = on_telegram()("start.welcome_back", name="A & B <Co>")
    assert text == "Welcome back, A &amp; B &lt;Co&gt;. Send /help to see what you can do."


def test_the_templates_own_emphasis_survives_on_telegram() -> None:
    text = on_telegram()("registration.preview", details="A & B <Co>")
    assert text.startswith("<b>Your membership request</b>\nA &amp; B &lt;Co&gt;\n")


def test_quotes_in_a_name_are_left_alone_on_telegram() -> None:
    assert 'O\'Brien "Jr"' in on_telegram()("start.welcome_back", name='O\'Brien "Jr"')


def test_a_rendered_text_placed_inside_another_is_not_escaped_twice() -> None:
    t = on_telegram()
    inner = details(t, "A & B")
    assert isinstance(inner, Markup)
    outer = t("registration.preview", details=inner)
    assert "Name: A &amp; B\n" in outer
    assert "&amp;amp;" not in outer


def test_plain_text_that_merely_looks_escaped_is_still_escaped() -> None:
    # Only Markup is trusted; a name someone typed as "&amp;" must show as typed.
    assert "&amp;amp;" in on_telegram()("start.welcome_back", name="&amp;")


# --- Bale (no HTML, reads Markdown) -------------------------------------------------------


def test_the_templates_emphasis_tags_are_dropped_on_bale() -> None:
    text = on_bale()("registration.preview", details="x")
    assert text.startswith("Your membership request\nx\n")
    assert "<b>" not in text and "</b>" not in text


def test_markdown_in_a_name_is_broken_with_invisible_joiners_on_bale_not_backslashes() -> None:
    # Bale documents no escape character: a backslash would be shown to the reader.
    text = on_bale()("start.welcome_back", name="sara_sec *VIP* [x](y) ```z```")
    assert "\\" not in text
    assert "sara_sec \u200c*VIP*\u200c [x]\u200c(y) `\u200c`\u200c`z`\u200c`\u200c`." in text
    # Nothing else changes: without the joiners the reader sees the name exactly as typed.
    assert "Welcome back, sara_sec *VIP* [x](y) ```z```." in text.replace("\u200c", "")


def test_html_characters_in_a_name_are_shown_as_typed_on_bale() -> None:
    assert "A & B <Co>" in on_bale()("start.welcome_back", name="A & B <Co>")


def test_a_rendered_text_placed_inside_another_is_not_escaped_twice_on_bale() -> None:
    t = on_bale()
    outer = t("registration.preview", details=details(t, "sara_sec"))
    assert "Name: sara_sec\n" in outer
    # Already-broken markers are not broken a second time.
    marked = t("registration.preview", details=details(t, "*VIP*"))
    assert "Name: \u200c*VIP*\u200c\n" in marked


def test_persian_emphasis_is_dropped_on_bale_too() -> None:
    assert "<b>" not in on_bale("fa")("help.visitor")
    assert on_telegram("fa")("help.visitor").startswith("<b>")


# --- numbers ---------------------------------------------------------------------------------


def test_a_count_is_shown_with_persian_digits_to_a_persian_reader() -> None:
    assert on_telegram("fa")("pending.header", count=12).startswith("۱۲ ")


def test_a_count_is_shown_with_ascii_digits_to_an_english_reader() -> None:
    assert on_telegram("en")("pending.header", count=12).startswith("12 requests ")


def test_persian_digits_are_used_on_bale_as_well() -> None:
    assert on_bale("fa")("pending.header", count=3).startswith("۳ ")


def test_a_phone_number_is_shown_in_the_readers_digits() -> None:
    assert on_telegram("fa").digits("+989121234567") == "+۹۸۹۱۲۱۲۳۴۵۶۷"
    assert on_telegram("en").digits("+989121234567") == "+989121234567"


def test_a_yes_or_no_value_is_text_not_a_number() -> None:
    assert "True" in on_telegram("fa")("start.welcome_back", name=True)


# --- dates -----------------------------------------------------------------------------------


def test_a_date_is_shown_in_the_jalali_calendar() -> None:
    assert on_telegram("en").date(AZAR_2) == "1405/09/02"
    assert on_telegram("fa").date(AZAR_2) == "۱۴۰۵/۰۹/۰۲"


def test_a_long_date_names_the_jalali_month() -> None:
    assert on_telegram("en").date(AZAR_2, long=True) == "2 Azar 1405"
    assert on_telegram("fa").date(AZAR_2, long=True) == "۲ آذر ۱۴۰۵"


def test_a_moment_stored_in_utc_is_shown_in_tehran_time() -> None:
    assert on_telegram("en").moment(MORNING_UTC) == "1405/09/02 10:00"
    assert on_telegram("fa").moment(MORNING_UTC) == "۱۴۰۵/۰۹/۰۲ ۱۰:۰۰"


def test_a_moment_just_before_midnight_utc_is_already_the_next_day_in_tehran() -> None:
    late = datetime.datetime(2026, 11, 22, 21, 0, tzinfo=datetime.UTC)
    assert on_telegram("en").moment(late) == "1405/09/02 00:30"


def test_a_date_inside_a_card_is_not_escaped() -> None:
    t = on_telegram("en")
    text = t("cards.approved_by", name="Sara", at=t.moment(MORNING_UTC))
    assert text == "✅ Approved by Sara on 1405/09/02 10:00"


# --- locales ---------------------------------------------------------------------------------


@pytest.mark.parametrize("catalogs", [TELEGRAM, BALE], ids=["telegram", "bale"])
def test_a_reader_with_an_unknown_language_reads_persian(catalogs: Catalogs) -> None:
    t = catalogs.translator("de")
    assert t.locale == "fa"
    assert t("buttons.approve") == "✅ تأیید"


def test_joined_parts_keep_their_own_escaping() -> None:
    t = on_telegram()
    joined = t.join([t("start.welcome_back", name="A & B"), t("common.cancelled")], "\n\n")
    assert joined == "Welcome back, A &amp; B. Send /help to see what you can do.\n\nCancelled."
    assert isinstance(joined, Markup)


# --- plural forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "text"),
    [(1, "⚠️ 1 day overdue"), (0, "⚠️ 0 days overdue"), (2, "⚠️ 2 days overdue"),
     (21, "⚠️ 21 days overdue")],
)  # fmt: skip
def test_english_says_one_day_and_many_days(count: int, text: str) -> None:
    assert on_telegram("en")("tasks.overdue_by", count=count) == text


def test_persian_keeps_the_noun_singular_after_any_number() -> None:
    t = on_telegram("fa")
    assert t("tasks.overdue_by", count=1) == "⚠️ ۱ روز تأخیر"
    assert t("tasks.overdue_by", count=5) == "⚠️ ۵ روز تأخیر"


def test_button_labels_and_alerts_choose_the_plural_form_too() -> None:
    assert on_bale("en").plain("clusters.firms", count=1) == "1 firm"
    assert on_bale("en").plain("clusters.firms", count=40) == "40 firms"
    assert on_bale("fa").plain("clusters.firms", count=40) == "۴۰ بنگاه"


def test_a_text_with_plural_forms_needs_its_count() -> None:
    with pytest.raises(KeyError, match="count"):
        on_telegram("en")("clusters.firms")

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.digits import normalize_persian, to_latin_digits, to_persian_digits


def test_a_date_typed_in_ascii_is_shown_with_persian_digits() -> None:
    assert to_persian_digits("1405/09/01") == "۱۴۰۵/۰۹/۰۱"


def test_arabic_indic_digits_from_an_arabic_keyboard_are_shown_as_persian() -> None:
    assert to_persian_digits("٠١٢٣٤٥٦٧٨٩") == "۰۱۲۳۴۵۶۷۸۹"


def test_persian_digits_leave_letters_and_punctuation_alone() -> None:
    assert to_persian_digits("جلسه ساعت 14:30") == "جلسه ساعت ۱۴:۳۰"


def test_persian_and_arabic_indic_digits_become_ascii_for_parsing() -> None:
    assert to_latin_digits("۱۴۰۵/۰۹/۰۱") == "1405/09/01"
    assert to_latin_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_latin_digits("abc 123") == "abc 123"


def test_arabic_yeh_and_kaf_become_persian_letters() -> None:
    assert normalize_persian("علي") == "علی"
    assert normalize_persian("مصطفى") == "مصطفی"
    assert normalize_persian("كتاب") == "کتاب"


def test_whitespace_runs_collapse_and_ends_are_stripped() -> None:
    assert normalize_persian("  خوشه \t  فرش\n دستباف  ") == "خوشه فرش دستباف"


def test_normalisation_keeps_zwnj_inside_words() -> None:
    assert normalize_persian("می\u200cروم") == "می\u200cروم"


@given(st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩/-"))
def test_digit_conversions_round_trip(text: str) -> None:
    latin = to_latin_digits(text)
    assert to_latin_digits(to_persian_digits(latin)) == latin
    assert to_persian_digits(text) == to_persian_digits(latin)


@given(st.text())
def test_normalize_persian_is_idempotent(text: str) -> None:
    once = normalize_persian(text)
    assert normalize_persian(once) == once

"""Normalisation shared by the classifier and the crisis guard."""
from __future__ import annotations

from hypothesis import given, strategies as st

from nlu.text import fold, has_letters, normalize, tokens


def test_lowercases_and_collapses_whitespace() -> None:
    assert normalize("  Äiti   KAATUI\n\tnyt ") == "äiti kaatui nyt"


def test_nfkc_and_control_characters() -> None:
    assert normalize("ﬁ２") == "fi2"
    assert normalize("ko\u200bti\u00adhoito\x00") == "kotihoito"
    assert normalize("a\x07b\u202ec") == "abc"
    assert normalize("Ä") == normalize("A\u0308") == "ä"  # composed and decomposed alike


def test_folding_variant() -> None:
    assert normalize("Mamma BEHÖVER hjälp på hälsostationen", fold_diacritics=True) == (
        "mamma behover hjalp pa halsostationen")
    assert fold("äöå") == "aoa"
    assert normalize("äöå") == "äöå"


def test_empty_and_none_like_input() -> None:
    assert normalize("") == ""
    assert normalize("   \n ") == ""


def test_tokens_and_letters() -> None:
    assert tokens("kela-kortti, 112! en osaa") == ["kela-kortti", "112", "en", "osaa"]
    assert has_letters("mummo 85") and not has_letters("112 😀 !!")


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_clean(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert "  " not in once and once == once.strip()
    assert normalize(once, fold_diacritics=True) == fold(once)

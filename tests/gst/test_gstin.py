"""GSTIN validation against gstin-vectors.tsv and the rules of gst.md §1."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.gst.gstin import (
    GstinKind,
    InvalidGstin,
    check_character,
    check_gstin,
    is_valid_gstin,
    normalise_gstin,
    parse_gstin,
)
from app.gst.states import all_states
from tests.gst.reference_data import load_vectors

VECTORS = load_vectors()
ALNUM = string.digits + string.ascii_uppercase


def _label(text: str) -> str:
    verdict = check_gstin(text)
    if verdict.is_regular:
        return "valid"
    return "special" if verdict.valid else "invalid"


def test_vector_file_is_not_empty() -> None:
    labels = {row["label"] for row in VECTORS}
    assert labels == {"valid", "invalid", "special"}
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("row", VECTORS, ids=[row["gstin"] for row in VECTORS])
def test_every_vector_gets_its_label(row: dict[str, str]) -> None:
    gstin, label = row["gstin"], row["label"]
    assert _label(gstin) == label, row["reason"]
    verdict = check_gstin(gstin)
    if label == "invalid":
        assert verdict.problem
        with pytest.raises(InvalidGstin):
            parse_gstin(gstin)
        with pytest.raises(InvalidGstin):
            parse_gstin(gstin, allow_special=True)
    elif label == "valid":
        parsed = parse_gstin(gstin)
        assert parsed.value == gstin
        assert parsed.kind is GstinKind.REGULAR
        assert parsed.state_code == gstin[:2]
        assert parsed.pan == gstin[2:12]
        assert verdict.problem is None
    else:
        with pytest.raises(InvalidGstin, match="not a regular GSTIN"):
            parse_gstin(gstin)
        parsed = parse_gstin(gstin, allow_special=True)
        assert parsed.kind is not GstinKind.REGULAR
        assert parsed.state_code == gstin[:2]


@pytest.mark.parametrize(
    ("gstin", "kind"),
    [
        ("0717UNO00211UN2", GstinKind.UIN),
        ("9917SGP29001OST", GstinKind.OIDAR),
        ("19AAACI1681G1DV", GstinKind.TDS),
        ("29AABCF8078M1C8", GstinKind.TCS),
    ],
)
def test_special_examples_of_gst_md_are_recognised(gstin: str, kind: GstinKind) -> None:
    # The examples of gst.md §1.3, each "checksum OK".
    verdict = check_gstin(gstin)
    assert verdict.valid
    assert verdict.kind is kind
    assert not is_valid_gstin(gstin)


def test_worked_example_check_character() -> None:
    # gst.md §1.2: contributions sum to 221, 221 mod 36 = 5, so (36 - 5) = 31 -> V.
    assert check_character("27AAPFU0939F1Z") == "V"


def test_wrong_check_character_names_the_right_one() -> None:
    with pytest.raises(InvalidGstin, match="check character should be V"):
        parse_gstin("27AAPFU0939F1ZO")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("", "empty"),
        ("27AAPFU0939F1Z", "15 characters, this one has 14"),
        ("27AAPFU0939F1Z*", "letters A-Z and digits 0-9"),
        ("00AAPFU0939F1ZV", "00 is not a GST state code"),
        ("96AAPFU0939F1ZV", "96 is not a GST state code"),
        ("27AAPFU0939F0ZV", "13th character"),
        ("27AAPFU0939F1YV", "14th character must be Z"),
        ("27AAPF00939F1ZV", "must be a PAN"),
    ],
)
def test_faults_are_named(text: str, fault: str) -> None:
    assert fault in (check_gstin(text).problem or "")
    with pytest.raises(InvalidGstin, match=fault):
        parse_gstin(text)


def test_input_is_normalised() -> None:
    parsed = parse_gstin(" 27aapfu-0939 f1zv\t")
    assert parsed.value == "27AAPFU0939F1ZV"
    assert str(parsed) == "27AAPFU0939F1ZV"


GSTIN_STATE_CODES = sorted(state.code for state in all_states() if state.in_gstin)


@st.composite
def regular_gstins(draw: st.DrawFn) -> str:
    letters = st.sampled_from(string.ascii_uppercase)
    digits = st.sampled_from(string.digits)
    body = (
        draw(st.sampled_from(GSTIN_STATE_CODES))
        + "".join(draw(letters) for _ in range(5))
        + "".join(draw(digits) for _ in range(4))
        + draw(letters)
        + draw(st.sampled_from(ALNUM[1:]))
        + "Z"
    )
    return body + check_character(body)


@given(st.text(alphabet=ALNUM.lower() + ALNUM + " -\t", max_size=30))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_gstin(text)
    assert normalise_gstin(once) == once
    assert " " not in once and "-" not in once and once == once.upper()


@given(regular_gstins())
def test_generated_gstins_are_valid(gstin: str) -> None:
    assert is_valid_gstin(gstin)
    assert parse_gstin(gstin.lower()).value == gstin


@given(regular_gstins(), st.integers(min_value=0, max_value=14), st.sampled_from(ALNUM))
def test_any_single_substitution_is_caught(gstin: str, position: int, new: str) -> None:
    # Luhn mod 36 detects every single-character substitution (gst.md §1.2).
    if gstin[position] == new:
        return
    altered = gstin[:position] + new + gstin[position + 1 :]
    assert not is_valid_gstin(altered)

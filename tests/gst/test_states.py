"""The state master against gst.md §1.4."""

from __future__ import annotations

import pytest

from app.gst.states import (
    UnknownState,
    all_states,
    find_state,
    is_gstin_state_code,
    state_by_code,
    state_by_name,
    state_tax_head,
)
from tests.gst.reference_data import load_vectors


def test_codes_are_those_of_the_portal_list() -> None:
    codes = {state.code for state in all_states()}
    # gst.md §1.4: 01-38, plus 96 (POS only), 97 and 99.
    assert codes == {f"{n:02d}" for n in range(1, 39)} | {"96", "97", "99"}


def test_codes_names_and_short_codes_are_unique() -> None:
    states = all_states()
    for attribute in ("code", "name", "short_code"):
        values = [getattr(state, attribute) for state in states]
        assert len(values) == len(set(values)), attribute


def test_utgst_flag() -> None:
    flagged = {state.code for state in all_states() if state.utgst}
    # gst.md §1.4 lists 04, 26, 31, 35, 38 and 97; 25 (Daman and Diu before the 2020 merger)
    # was also a UT without legislature.
    assert flagged == {"04", "25", "26", "31", "35", "38", "97"}
    for code in ("07", "34", "01"):  # UTs with a legislature use SGST
        assert state_tax_head(code) == "SGST"
    assert state_tax_head("04") == "UTGST"


def test_96_never_opens_a_gstin() -> None:
    assert not is_gstin_state_code("96")
    assert is_gstin_state_code("97") and is_gstin_state_code("99")


def test_every_valid_vector_state_is_known() -> None:
    for row in load_vectors():
        if row["label"] == "valid":
            assert state_by_code(row["gstin"][:2]).in_gstin


@pytest.mark.parametrize(
    "text",
    ["27", "MH", "mh", "Maharashtra", " maharashtra ", "MAHARASHTRA"],
)
def test_find_state(text: str) -> None:
    assert find_state(text).code == "27"


def test_lookups() -> None:
    assert state_by_code(7).name == "Delhi"
    assert state_by_code("7").code == "07"
    assert state_by_name("Jammu & Kashmir").code == "01"
    assert state_by_name("Orissa").code == "21"
    assert state_by_name("andhra pradesh").code == "37"
    assert find_state("Andaman and Nicobar Islands").utgst


@pytest.mark.parametrize("text", ["47", "XX", "Atlantis", ""])
def test_unknown_state(text: str) -> None:
    with pytest.raises(UnknownState):
        find_state(text)

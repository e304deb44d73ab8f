"""Place of supply (gst.md §2.2) and intra/inter-state (gst.md §2.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.gst.gstin import InvalidGstin
from app.gst.place_of_supply import (
    SupplyKind,
    SupplyType,
    is_inter_state,
    place_of_supply,
    supply_type,
    tax_heads,
)
from app.gst.states import UnknownState, all_states

KARNATAKA_BUYER = "29AABCF8078M2ZW"  # a valid vector from gstin-vectors.tsv


@pytest.mark.parametrize("kind", list(SupplyKind))
def test_b2b_is_the_recipients_gstin_state(kind: SupplyKind) -> None:
    pos = place_of_supply(
        seller_state="27", kind=kind, recipient_gstin=KARNATAKA_BUYER, delivery_state="33"
    )
    assert pos.state_code == "29"


def test_b2b_with_a_bad_gstin_is_refused() -> None:
    with pytest.raises(InvalidGstin):
        place_of_supply(seller_state="27", recipient_gstin="29AABCF8078M2ZX")


def test_b2b_uin_holder_counts_as_registered() -> None:
    pos = place_of_supply(seller_state="27", recipient_gstin="0717UNO00211UN2")
    assert pos.state_code == "07"


def test_b2c_goods_delivery_then_billing_then_seller() -> None:
    both = place_of_supply(seller_state="27", billing_state="29", delivery_state="33")
    assert both.state_code == "33"  # Circular 209/3/2024: delivery address wins
    billing = place_of_supply(seller_state="27", billing_state="29")
    assert billing.state_code == "29"
    walk_in = place_of_supply(seller_state="27")
    assert walk_in.state_code == "27"
    assert "supplier" in walk_in.rule


def test_b2c_services_address_on_record_else_supplier() -> None:
    services = SupplyKind.SERVICES
    assert place_of_supply(seller_state="27", kind=services, billing_state="07").state_code == "07"
    assert place_of_supply(seller_state="27", kind=services).state_code == "27"


def test_export_is_other_countries_and_inter_state() -> None:
    pos = place_of_supply(seller_state="27", export=True)
    assert pos.state_code == "96"
    assert is_inter_state("27", pos.state_code)


def test_unknown_states_are_refused() -> None:
    with pytest.raises(UnknownState):
        place_of_supply(seller_state="47")
    with pytest.raises(UnknownState):
        place_of_supply(seller_state="27", billing_state="47")


def test_sez_is_inter_state_even_in_the_same_state() -> None:
    assert supply_type("27", "27") is SupplyType.INTRA_STATE
    assert supply_type("27", "27", to_sez=True) is SupplyType.INTER_STATE
    assert tax_heads("27", "27", to_sez=True) == ("IGST",)


def test_tax_heads() -> None:
    assert tax_heads("27", "27") == ("CGST", "SGST")
    assert tax_heads("04", "04") == ("CGST", "UTGST")
    assert tax_heads("07", "07") == ("CGST", "SGST")  # Delhi has a legislature
    assert tax_heads("27", "29") == ("IGST",)


CODES = sorted(state.code for state in all_states() if state.code != "96")


@given(st.sampled_from(CODES), st.sampled_from(CODES))
def test_intra_exactly_when_states_match(seller: str, pos: str) -> None:
    assert (supply_type(seller, pos) is SupplyType.INTRA_STATE) == (seller == pos)

"""Place of supply and intra/inter-state (gst.md §2.1-2.2; IGST Act ss.7, 8, 10, 12).

Only the general rules a small-business invoice needs: B2B goes to the registered recipient's
state, B2C to the address recorded on the invoice, else the supplier's own state. The many
special service rules of IGST Act s.12(3)-(14) (immovable property, events, transport...) are
left to the user, who can always set the place of supply on the invoice by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.gst.gstin import parse_gstin
from app.gst.states import OTHER_COUNTRIES, state_by_code


class SupplyKind(StrEnum):
    GOODS = "goods"
    SERVICES = "services"


class SupplyType(StrEnum):
    """Spelled as gst-cases.json spells its ``supply`` field."""

    INTRA_STATE = "intra-state"
    INTER_STATE = "inter-state"


@dataclass(frozen=True)
class PlaceOfSupply:
    """The decided place of supply and the rule that decided it (shown to the user)."""

    state_code: str
    rule: str


def place_of_supply(
    *,
    seller_state: str,
    kind: SupplyKind = SupplyKind.GOODS,
    recipient_gstin: str | None = None,
    billing_state: str | None = None,
    delivery_state: str | None = None,
    export: bool = False,
) -> PlaceOfSupply:
    """Decide the place of supply of an outward supply.

    ``recipient_gstin`` makes it B2B (a UIN or other special ID counts as registered).
    ``billing_state``/``delivery_state`` are state codes from the addresses on the invoice.
    """
    state_by_code(seller_state)  # refuse an unknown seller state early
    if export:
        # IGST Act s.13 / s.11: recipient outside India; GSTR-1 reports POS 96.
        return PlaceOfSupply(OTHER_COUNTRIES, "export: place of supply outside India")
    if recipient_gstin:
        code = parse_gstin(recipient_gstin, allow_special=True).state_code
        if kind is SupplyKind.GOODS:
            # s.10(1)(a)/(b): the registered (billed) recipient's state, also for bill-to/ship-to.
            return PlaceOfSupply(code, "IGST Act s.10(1): registered recipient's state")
        return PlaceOfSupply(code, "IGST Act s.12(2)(a): registered recipient's location")
    if kind is SupplyKind.GOODS:
        return _b2c_goods(seller_state, billing_state, delivery_state)
    if billing_state:
        code = state_by_code(billing_state).code
        return PlaceOfSupply(code, "IGST Act s.12(2)(b)(i): recipient's address on record")
    return PlaceOfSupply(
        state_by_code(seller_state).code,
        "IGST Act s.12(2)(b)(ii): no recipient address, so the supplier's location",
    )


def _b2c_goods(
    seller_state: str, billing_state: str | None, delivery_state: str | None
) -> PlaceOfSupply:
    if delivery_state:
        # CBIC Circular 209/3/2024-GST: the delivery address wins over the billing address.
        code = state_by_code(delivery_state).code
        return PlaceOfSupply(code, "IGST Act s.10(1)(ca): delivery address on the invoice")
    if billing_state:
        code = state_by_code(billing_state).code
        return PlaceOfSupply(code, "IGST Act s.10(1)(ca): recipient's address on the invoice")
    return PlaceOfSupply(
        state_by_code(seller_state).code,
        "IGST Act s.10(1)(ca): no recipient address recorded, so the supplier's location",
    )


def supply_type(seller_state: str, place_of_supply: str, *, to_sez: bool = False) -> SupplyType:
    """Intra-state when the supplier's state is the place of supply (IGST Act ss.7-8).

    Supplies to an SEZ unit or developer, and exports (POS 96), are always inter-state
    (IGST Act s.7(5)).
    """
    seller = state_by_code(seller_state).code
    pos = state_by_code(place_of_supply).code
    if to_sez or pos == OTHER_COUNTRIES or seller != pos:
        return SupplyType.INTER_STATE
    return SupplyType.INTRA_STATE


def is_inter_state(seller_state: str, place_of_supply: str, *, to_sez: bool = False) -> bool:
    """True when IGST applies."""
    return supply_type(seller_state, place_of_supply, to_sez=to_sez) is SupplyType.INTER_STATE


def tax_heads(seller_state: str, place_of_supply: str, *, to_sez: bool = False) -> tuple[str, ...]:
    """The tax heads on the invoice: ("IGST",), ("CGST", "SGST") or ("CGST", "UTGST")."""
    if is_inter_state(seller_state, place_of_supply, to_sez=to_sez):
        return ("IGST",)
    return ("CGST", state_by_code(place_of_supply).state_tax_head)

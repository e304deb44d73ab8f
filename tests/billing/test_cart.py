"""The counter's cart, pure: lines keyed by item, keyboard edits, totals, holding, returns."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.billing.cart import Cart, CartCustomer, CartTerms, return_cart
from app.billing.model import (
    Counterparty,
    DocKind,
    DocStatus,
    DocumentId,
    PartyId,
    PaymentMode,
    PostedDocument,
    PostedLine,
    Tender,
)
from app.errors import ValidationError
from app.gst import (
    InvoiceLine,
    Rounding,
    SellerScheme,
    TaxInvoiceInput,
    compute_invoice_tax,
)
from app.inventory.model import ItemId
from app.inventory.queries import ItemRow
from app.money import ZERO, D

DAY = date(2025, 6, 10)
MAHARASHTRA = CartTerms(seller_state="27", place_of_supply="27")


def item(n: int, price: str = "40", rate: str = "18", unit: str = "NOS") -> ItemRow:
    return ItemRow(
        id=ItemId(n),
        name=f"Item {n}",
        sku=None,
        unit=unit,
        hsn="3401",
        gst_rate=D(rate),
        mrp=None,
        sale_price=D(price),
        purchase_price=ZERO,
        group="",
        reorder_level=ZERO,
        reorder_qty=ZERO,
        lead_time_days=7,
        batch_tracked=False,
        serial_tracked=False,
        scale_plu=None,
        active=True,
    )


def test_a_second_scan_adds_one_to_the_line() -> None:
    cart = Cart()
    soap, rice = item(1), item(2, "450", "5")
    assert cart.add_scan(soap) == 0
    assert cart.add_scan(rice) == 1
    assert cart.add_scan(soap) == 0
    assert [(line.item_id, line.qty) for line in cart.lines] == [(1, D("2")), (2, D("1"))]
    totals = cart.totals(MAHARASHTRA)
    assert totals is not None
    # 2 x 40 incl. 18%: taxable 67.80, CGST = SGST 6.10; 450 incl. 5%: 428.57 + 10.71 x 2.
    assert (totals.taxable, totals.cgst, totals.grand_total) == (D("496.37"), D("16.81"), D("530"))


def test_keyboard_edits_and_their_refusals() -> None:
    cart = Cart()
    cart.add_scan(item(1))
    cart.set_quantity(0, D("3"))
    cart.set_price(0, D("35.50"))
    cart.set_discount(0, D("10"))
    line = cart.lines[0]
    assert (line.qty, line.unit_price, line.discount_pct) == (D("3"), D("35.50"), D("10"))
    assert line.amount == D("95.85")  # 106.50 less 10.65
    with pytest.raises(ValidationError, match="more than zero"):
        cart.set_quantity(0, D("0"))
    with pytest.raises(ValidationError, match="rupees and paise"):
        cart.set_price(0, D("1.005"))
    with pytest.raises(ValidationError, match="between 0% and 100%"):
        cart.set_discount(0, D("101"))
    with pytest.raises(ValidationError, match="Choose a line"):
        cart.set_quantity(4, D("1"))
    cart.remove(0)
    assert cart.empty and cart.totals(MAHARASHTRA) is None
    with pytest.raises(ValidationError, match="empty"):
        cart.to_draft(MAHARASHTRA, DAY)


def test_scale_labels_carry_weight_or_price() -> None:
    cart = Cart()
    apples = item(7, "120", "0", unit="KGS")
    cart.add_scale(apples, quantity=D("0.755"))
    cart.add_scale(apples, amount=D("50.00"))  # 50 / 120 = 0.41666 -> 0.417 kg
    assert cart.lines[0].qty == D("1.172")
    free = item(8, "0", "0", unit="KGS")
    with pytest.raises(ValidationError, match="no sale price"):
        cart.add_scale(free, amount=D("10"))


def test_draft_for_a_walk_in_with_a_phone_and_for_a_composition_dealer() -> None:
    cart = Cart()
    cart.add_scan(item(1))
    cart.customer = CartCustomer(phone="9876543210")
    tenders = (Tender(PaymentMode.CASH, D("40")),)
    draft = cart.to_draft(MAHARASHTRA, DAY, tenders)
    assert draft.kind is DocKind.SALES_INVOICE and draft.tenders == tenders
    assert draft.walk_in == Counterparty("Cash Sale", phone="9876543210")
    assert draft.lines[0].price_includes_tax and draft.lines[0].item_id == 1
    composition = replace(MAHARASHTRA, scheme=SellerScheme.COMPOSITION)
    assert cart.to_draft(composition, DAY).kind is DocKind.BILL_OF_SUPPLY
    cart.customer = CartCustomer(party_id=PartyId(4), name="Rao Stores")
    assert cart.to_draft(MAHARASHTRA, DAY).party_id == 4


def test_a_held_bill_that_cannot_be_read_says_so() -> None:
    with pytest.raises(ValidationError, match="ring it up again"):
        Cart.from_json('{"lines": [{"qty": 1.5}]}')


# Properties -------------------------------------------------------------------------------

PRICES = st.decimals(min_value="0", max_value="9999.99", places=2)
QUANTITIES = st.decimals(min_value="0.001", max_value="500", places=3)
RATES = st.sampled_from(["0", "5", "12", "18", "28"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("scan"), st.integers(0, 5)),
        st.tuples(st.just("qty"), st.integers(0, 7), QUANTITIES),
        st.tuples(st.just("price"), st.integers(0, 7), PRICES),
        st.tuples(st.just("discount"), st.integers(0, 7), st.decimals("0", "100", places=2)),
        st.tuples(st.just("remove"), st.integers(0, 7)),
    ),
    max_size=30,
)
TERMS = st.builds(
    CartTerms,
    seller_state=st.just("27"),
    place_of_supply=st.sampled_from(["27", "29", "07"]),
    rounding=st.sampled_from(list(Rounding)),
)


@settings(max_examples=150, deadline=None)
@given(
    ops=OPS,
    catalogue=st.lists(st.tuples(PRICES, RATES), min_size=6, max_size=6),
    terms=TERMS,
)
def test_cart_totals_are_the_tax_rules_over_its_lines(
    ops: list[tuple], catalogue: list[tuple[Decimal, str]], terms: CartTerms
) -> None:
    items = [item(n + 1, str(price), rate) for n, (price, rate) in enumerate(catalogue)]
    cart = Cart()
    # An independent model of the lines: [item, qty, price, discount], in order of first scan.
    model: list[list] = []
    for op in ops:
        kind, index = op[0], op[1]
        if kind == "scan":
            cart.add_scan(items[index])
            row = next((r for r in model if r[0] is items[index]), None)
            if row is None:
                model.append([items[index], D("1"), items[index].sale_price, ZERO])
            else:
                row[1] += 1
        elif index >= len(model):
            edits = {
                "qty": cart.set_quantity,
                "price": cart.set_price,
                "discount": cart.set_discount,
            }
            with pytest.raises(ValidationError, match="Choose a line"):
                if kind == "remove":
                    cart.remove(index)
                else:
                    edits[kind](index, D("1"))
        elif kind == "qty":
            cart.set_quantity(index, op[2])
            model[index][1] = op[2]
        elif kind == "price":
            cart.set_price(index, op[2])
            model[index][2] = op[2]
        elif kind == "discount":
            cart.set_discount(index, op[2])
            model[index][3] = op[2]
        else:
            cart.remove(index)
            del model[index]

    assert [(line.item_id, line.qty, line.unit_price) for line in cart.lines] == [
        (r[0].id, r[1], r[2]) for r in model
    ]
    totals = cart.totals(terms)
    if not model:
        assert totals is None
        return
    expected = compute_invoice_tax(
        TaxInvoiceInput(
            seller_state="27",
            place_of_supply=terms.place_of_supply,
            lines=tuple(
                InvoiceLine(r[1], r[2], r[0].gst_rate, r[3], price_includes_tax=True) for r in model
            ),
            rounding=terms.rounding,
        )
    )
    assert totals == expected
    assert totals.grand_total == totals.taxable + totals.total_tax + totals.round_off
    if terms.place_of_supply == "27":
        assert totals.igst == 0
    else:
        assert totals.cgst == totals.sgst == 0
    assert Cart.from_json(cart.to_json()) == cart


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(st.tuples(QUANTITIES, PRICES, RATES), min_size=1, max_size=5),
    name=st.text(max_size=20),
    phone=st.text(alphabet="0123456789", max_size=12),
)
def test_json_round_trip_keeps_every_figure(
    lines: list[tuple[Decimal, Decimal, str]], name: str, phone: str
) -> None:
    cart = Cart(customer=CartCustomer(PartyId(3), name, phone, "29AABCR1718E1ZL", "29"))
    for n, (qty, price, rate) in enumerate(lines):
        cart.add_scan(item(n + 1, str(price), rate), qty)
    text = cart.to_json()
    back = Cart.from_json(text)
    assert back == cart
    assert all(isinstance(line.qty, Decimal) for line in back.lines)
    stored = json.loads(text)["lines"]
    assert all(isinstance(row["qty"], str) and isinstance(row["unit_price"], str) for row in stored)


# Returns ------------------------------------------------------------------------------------


def sold(kind: DocKind = DocKind.SALES_INVOICE) -> PostedDocument:
    def posted_line(n: int, qty: str, price: str) -> PostedLine:
        return PostedLine(
            line_no=n,
            item_id=n,
            description=f"Item {n}",
            hsn="3401",
            uqc="NOS",
            qty=D(qty),
            unit_price=D(price),
            price_includes_tax=True,
            discount_pct=D("5"),
            gross=ZERO,
            discount=ZERO,
            taxable=ZERO,
            gst_rate=D("18"),
            cess_rate=ZERO,
            cgst=ZERO,
            sgst=ZERO,
            igst=ZERO,
            cess=ZERO,
        )

    return PostedDocument(
        id=DocumentId(11),
        kind=kind,
        number="INV/2526/0007",
        doc_date=DAY,
        party_id=None,
        counterparty=Counterparty("Cash Sale", phone="9876543210"),
        place_of_supply="27",
        seller_state="27",
        seller_scheme=SellerScheme.REGULAR,
        reverse_charge=False,
        inter_state=False,
        state_tax_head="SGST",
        lines=(posted_line(1, "3", "40"), posted_line(2, "1", "450")),
        taxable=ZERO,
        cgst=ZERO,
        sgst=ZERO,
        igst=ZERO,
        cess=ZERO,
        round_off=ZERO,
        grand_total=ZERO,
    )


def test_return_against_a_bill_refers_to_it_at_its_prices() -> None:
    refund = (Tender(PaymentMode.CASH, D("76")),)
    draft = return_cart(
        sold(), {1: D("2")}, DAY, already_returned={1: D("1")}, reason=" Torn ", tenders=refund
    )
    assert draft.kind is DocKind.CREDIT_NOTE and draft.original_id == 11
    assert draft.walk_in == Counterparty("Cash Sale", phone="9876543210")
    assert draft.reason == "Torn" and draft.tenders == refund
    (line,) = draft.lines
    assert (line.item_id, line.qty, line.unit_price, line.discount_pct) == (
        1,
        D("2"),
        D("40"),
        D("5"),
    )
    assert line.price_includes_tax and line.gst_rate == D("18")


def test_return_cannot_exceed_what_was_sold_less_earlier_returns() -> None:
    with pytest.raises(ValidationError, match=r"2 can come back at most \(3 sold, 1 returned"):
        return_cart(sold(), {1: D("3")}, DAY, already_returned={1: D("1")})
    with pytest.raises(ValidationError, match="no line 9"):
        return_cart(sold(), {9: D("1")}, DAY)
    with pytest.raises(ValidationError, match="how many"):
        return_cart(sold(), {1: ZERO}, DAY)
    with pytest.raises(ValidationError, match="against a sale"):
        return_cart(sold(DocKind.PURCHASE_BILL), {1: D("1")}, DAY)
    with pytest.raises(ValidationError, match="cancelled"):
        return_cart(replace(sold(), status=DocStatus.CANCELLED), {1: D("1")}, DAY)

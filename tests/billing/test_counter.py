"""Held bills and cash shifts on a real encrypted company."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.billing.cart import Cart, CartCustomer, CartTerms, return_cart
from app.billing.counter import (
    close_shift,
    current_shift,
    held_bills,
    hold_bill,
    open_shift,
    original_for_return,
    resume_bill,
    returned_quantities,
    shift_summary,
)
from app.billing.model import PaymentMode, Tender
from app.billing.service import post_document
from app.billing.tables import held_bills as held_table
from app.billing.tables import shifts
from app.errors import AccessDenied, Conflict, NotFound, ValidationError
from app.inventory import queries as stock_queries
from app.inventory.model import ItemDraft
from app.inventory.service import add_item
from app.inventory.settings import inventory_settings
from app.ledger.checks import check_books
from app.money import D
from app.storage.access import Role
from app.storage.audit import entries_for
from app.storage.company import Company, open_with_key
from app.storage.users import add_user

DAY = date(2025, 6, 10)
TERMS = CartTerms(seller_state="27", place_of_supply="27")


def stocked(company: Company) -> list[stock_queries.ItemRow]:
    add_item(
        company,
        ItemDraft(
            "Soap", hsn="3401", gst_rate=D("18"), sale_price=D("40"), barcodes=("8901030865275",)
        ),
    )
    add_item(company, ItemDraft("Rice 5 kg", hsn="1006", gst_rate=D("5"), sale_price=D("450")))
    with company.reader() as conn:
        scale = inventory_settings(conn).scale
        found = stock_queries.scan(conn, "8901030865275", scale)
        assert found is not None
        return [found.item, stock_queries.item_by_name(conn, "Rice 5 kg")]


def test_a_held_bill_survives_closing_and_reopening_the_company(company: Company) -> None:
    soap, rice = stocked(company)
    cart = Cart(customer=CartCustomer(name="Meena", phone="9876543210"))
    cart.add_scan(soap)
    cart.add_scan(soap)
    cart.add_scan(rice)
    cart.set_discount(1, D("5"))
    held = hold_bill(company, "  Meena   fetching bag ", cart)
    folder, key = company.folder, company.database_key
    company.close()

    reopened = open_with_key(folder, key, "owner")
    try:
        with reopened.reader() as conn:
            (listed,) = held_bills(conn)
        assert (listed.id, listed.label, listed.lines) == (held, "Meena fetching bag", 2)
        assert listed.shelf_total == D("507.50")  # 80 + 427.50
        back = resume_bill(reopened, held)
        assert back == cart
        with reopened.reader() as conn:
            assert held_bills(conn) == []
        with pytest.raises(NotFound, match="no longer on hold"):
            resume_bill(reopened, held)
        # It posts like any cart.
        posted = post_document(
            reopened, back.to_draft(TERMS, DAY, (Tender(PaymentMode.CASH, D("600")),))
        )
        assert posted.change == D("92")  # 80 + 427.50 = 507.50 -> 508
        assert check_books(reopened).ok
        with reopened.reader() as conn:
            assert [int(i) for i, _ in entries_for(conn, "bill.resume")] == [held]
            assert [d["lines"] for _, d in entries_for(conn, "bill.hold")] == [2]
    finally:
        reopened.close()


def test_holding_needs_lines_and_the_right_to_bill(company: Company) -> None:
    soap, _ = stocked(company)
    with pytest.raises(ValidationError, match="nothing to hold"):
        hold_bill(company, "x", Cart())
    add_user(company, "audit", Role.AUDITOR, "auditor-pass-1")
    cart = Cart()
    cart.add_scan(soap)
    with pytest.raises(AccessDenied):
        hold_bill(company.as_user("audit"), "x", cart)
    with company.reader() as conn:
        assert conn.execute(select(func.count()).select_from(held_table)).scalar() == 0


def test_shift_close_sets_the_count_against_cash_sales_and_refunds(company: Company) -> None:
    add_user(company, "ravi", Role.CASHIER, "cashier-pass-1")
    till = company.as_user("ravi")
    soap, rice = stocked(company)
    with till.reader() as conn:
        assert current_shift(conn) is None
    shift = open_shift(till, D("1000"))
    with pytest.raises(Conflict, match="still open"):
        open_shift(till, D("5"))

    cart = Cart()
    cart.add_scan(rice)  # 450
    post_document(
        till, cart.to_draft(TERMS, DAY, (Tender(PaymentMode.CASH, D("500")),))
    )  # 50 change
    cart = Cart()
    cart.add_scan(soap)
    cart.add_scan(soap)  # 80
    sale = post_document(
        till,
        cart.to_draft(
            TERMS, DAY, (Tender(PaymentMode.UPI, D("50")), Tender(PaymentMode.CASH, D("30")))
        ),
    ).document
    with till.reader() as conn:
        original = original_for_return(conn, sale.number.lower())
        assert original.id == sale.id
        earlier = returned_quantities(conn, original)
    assert earlier == {}
    refund = return_cart(original, {1: D("1")}, DAY, tenders=(Tender(PaymentMode.CASH, D("40")),))
    post_document(till, refund)
    with till.reader() as conn:
        assert returned_quantities(conn, original) == {1: D("1")}
        preview = shift_summary(conn, shift)
    assert (preview.cash_sales, preview.cash_refunds, preview.upi) == (D("480"), D("40"), D("50"))
    assert preview.expected == D("1440") and preview.bills == 2

    with pytest.raises(ValidationError, match=r"short by 20\.00 \(expected 1440\.00"):
        close_shift(till, D("1420"))
    with till.reader() as conn:
        assert current_shift(conn) == shift  # nothing written
    report = close_shift(till, D("1420"), "  Gave 20 extra change to a regular ")
    assert (report.expected, report.counted, report.difference) == (D("1440"), D("1420"), D("-20"))
    assert "The drawer is short by 20.00." in report.explained()
    with till.reader() as conn:
        assert current_shift(conn) is None
        row = conn.execute(select(shifts)).mappings().one()
    assert (row["expected_cash"], row["counted_cash"], row["close_note"]) == (
        D("1440"),
        D("1420"),
        "Gave 20 extra change to a regular",
    )
    with pytest.raises(NotFound, match="No shift is open"):
        close_shift(till, D("0"))
    # A new shift counts only what happens after it opened.
    second = open_shift(till, D("1420"))
    assert close_shift(till, D("1420")).shift == second
    assert check_books(company).ok


def test_returns_stop_at_what_was_sold(company: Company) -> None:
    soap, _ = stocked(company)
    cart = Cart()
    cart.add_scan(soap, D("3"))
    sale = post_document(
        company, cart.to_draft(TERMS, DAY, (Tender(PaymentMode.CASH, D("120")),))
    ).document
    cash = (Tender(PaymentMode.CASH, D("80")),)
    post_document(company, return_cart(sale, {1: D("2")}, DAY, tenders=cash))
    with company.reader() as conn:
        back = returned_quantities(conn, sale)
        with pytest.raises(NotFound, match="no sale numbered"):
            original_for_return(conn, "INV/9999/0001")
    with pytest.raises(ValidationError, match="1 can come back at most"):
        return_cart(sale, {1: D("2")}, DAY, already_returned=back)

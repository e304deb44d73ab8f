"""Pure inventory rules: barcodes, scale codes, item checks, entries, valuation by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.errors import ValidationError
from app.inventory.barcodes import (
    BarcodeKind,
    InvalidBarcode,
    ScaleEmbeds,
    ScaleFormat,
    barcode_kind,
    gs1_check_digit,
    lookup_forms,
    make_scale_barcode,
    read_scale_barcode,
)
from app.inventory.model import (
    GodownId,
    ItemDraft,
    ItemId,
    Move,
    MoveKind,
    StockEntry,
    UnitConversion,
    ValuationMethod,
    entry_problems,
    hsn_problem,
    is_expired,
    item_problems,
    to_base,
)
from app.inventory.valuation import ValuedMove, Valuer, replay
from app.money import D


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("4006381333931", BarcodeKind.EAN13),  # the GS1 textbook example
        ("8901030865275", BarcodeKind.EAN13),  # an Indian (890) product code
        ("036000291452", BarcodeKind.UPCA),
        ("96385074", BarcodeKind.EAN8),
        ("SKU-00042/B", BarcodeKind.CODE128),
        ("12345", BarcodeKind.CODE128),
    ],
)
def test_barcode_kinds(code: str, kind: BarcodeKind) -> None:
    assert barcode_kind(code) is kind


@pytest.mark.parametrize("code", ["4006381333932", "036000291453", "96385075"])
def test_wrong_check_digit_is_refused_with_the_right_one(code: str) -> None:
    with pytest.raises(InvalidBarcode) as caught:
        barcode_kind(code)
    assert f"should be {gs1_check_digit(code[:-1])}" in str(caught.value)


@pytest.mark.parametrize("code", ["", " 123", "12\t3", "X" * 49, "चाय"])
def test_unscannable_barcodes_are_refused(code: str) -> None:
    with pytest.raises(InvalidBarcode):
        barcode_kind(code)


def test_upc_a_read_as_ean13_finds_the_stored_form() -> None:
    assert lookup_forms("0036000291452") == ("0036000291452", "036000291452")
    assert lookup_forms("036000291452") == ("036000291452", "0036000291452")
    assert lookup_forms("ABC") == ("ABC",)


def test_scale_barcode_with_weight_round_trips() -> None:
    fmt = ScaleFormat(prefix="21", plu_digits=5, value_digits=5, value_decimals=3)
    code = make_scale_barcode("00123", D("1.235"), fmt)
    assert code.startswith("210012301235") and len(code) == 13
    assert barcode_kind(code) is BarcodeKind.EAN13
    reading = read_scale_barcode(code, fmt)
    assert reading is not None
    assert (reading.plu, reading.quantity, reading.amount) == ("00123", D("1.235"), None)


def test_scale_barcode_with_price() -> None:
    fmt = ScaleFormat(
        prefix="2", plu_digits=6, value_digits=5, embeds=ScaleEmbeds.PRICE, value_decimals=2
    )
    fmt.check()
    code = make_scale_barcode("004711", D("245.50"), fmt)
    reading = read_scale_barcode(code, fmt)
    assert reading is not None and reading.amount == D("245.50") and reading.quantity is None
    assert read_scale_barcode("4006381333931", fmt) is None  # not a scale code
    with pytest.raises(InvalidBarcode):
        read_scale_barcode(code[:-1] + str((int(code[-1]) + 1) % 10), fmt)


def test_scale_format_must_fill_twelve_digits_under_prefix_2() -> None:
    assert ScaleFormat().problems() == []
    assert any("add up to 12" in p for p in ScaleFormat(plu_digits=4).problems())
    assert any("start with 2" in p for p in ScaleFormat(prefix="31").problems())
    with pytest.raises(ValidationError):
        ScaleFormat(prefix="2x").check()


def _draft(**changes: object) -> ItemDraft:
    base: dict[str, object] = {
        "name": "Parle-G 100g",
        "unit": "PCS",
        "hsn": "19053100",
        "gst_rate": D("18"),
        "mrp": D("10.00"),
        "sale_price": D("10.00"),
        "purchase_price": D("8.50"),
        "barcodes": ("8901719101038",),
    }
    return ItemDraft(**{**base, **changes})  # type: ignore[arg-type]


def test_a_good_item_has_no_problems() -> None:
    assert item_problems(_draft()) == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"name": "  "}, "needs a name"),
        ({"unit": "PKT"}, "not a GST unit code"),
        ({"hsn": "190"}, "4, 6 or 8 digits"),
        ({"hsn": "99831"}, "4, 6 or 8 digits"),
        ({"hsn": "9983"}, "service codes"),
        ({"gst_rate": D("15")}, "not a GST rate"),
        ({"sale_price": D("10.50")}, "above the MRP"),
        ({"purchase_price": D("1.005")}, "two decimals"),
        ({"barcodes": ("8901719101039",)}, "last digit should be"),
        ({"barcodes": ("ABC", "ABC")}, "listed twice"),
        ({"conversions": (UnitConversion("BOX", D("0")),)}, "positive number"),
        ({"conversions": (UnitConversion("PCS", D("2")),)}, "other than the base unit"),
        ({"reorder_level": D("-1")}, "cannot be negative"),
        ({"serial_tracked": True, "unit": "KGS"}, "counted unit"),
        ({"scale_plu": "12a"}, "PLU"),
        ({"prices": (("Retail", D("9")), ("retail", D("8")))}, "given twice"),
    ],
)
def test_item_problems_name_what_to_fix(changes: dict[str, object], fragment: str) -> None:
    problems = item_problems(_draft(**changes))
    assert any(fragment in p for p in problems), problems


def test_hsn_rules() -> None:
    assert hsn_problem("") is None
    assert hsn_problem("1905") is None
    assert hsn_problem("998314") is None
    assert hsn_problem("19053100") is None
    assert hsn_problem("1905310") is not None


def test_units_convert_to_the_base_unit() -> None:
    box = (UnitConversion("BOX", D("12")), UnitConversion("DOZ", D("12")))
    assert to_base(D("2"), "BOX", "PCS", box) == D("24")
    assert to_base(D("5"), "PCS", "PCS", box) == D("5")
    with pytest.raises(ValidationError, match="counted in PCS, BOX, DOZ"):
        to_base(D("1"), "KGS", "PCS", box)


def _entry(kind: MoveKind, *moves: Move) -> StockEntry:
    return StockEntry(kind, date(2025, 5, 1), "test", "1", moves)


def test_entry_directions_values_and_serials() -> None:
    item, godown = ItemId(1), GodownId(1)
    assert entry_problems(_entry(MoveKind.PURCHASE, Move(item, godown, D("2"), D("10")))) == []
    assert any(
        "moves stock out only" in p
        for p in entry_problems(_entry(MoveKind.SALE, Move(item, godown, D("2"))))
    )
    assert any(
        "needs the value" in p
        for p in entry_problems(_entry(MoveKind.PURCHASE, Move(item, godown, D("2"))))
    )
    assert any(
        "costed by valuation" in p
        for p in entry_problems(_entry(MoveKind.ADJUSTMENT, Move(item, godown, D("-2"), D("5"))))
    )
    assert any(
        "one serial number per unit" in p
        for p in entry_problems(
            _entry(MoveKind.PURCHASE, Move(item, godown, D("2"), D("5"), serials=("A",)))
        )
    )
    assert any(
        "three decimal places" in p
        for p in entry_problems(_entry(MoveKind.PURCHASE, Move(item, godown, D("0.0001"), D("1"))))
    )
    unbalanced = _entry(
        MoveKind.TRANSFER, Move(item, godown, D("-2")), Move(item, GodownId(2), D("1"))
    )
    assert any("take out of one godown" in p for p in entry_problems(unbalanced))


def test_goods_may_be_sold_on_their_expiry_date_not_after() -> None:
    assert not is_expired(date(2025, 5, 1), date(2025, 5, 1))
    assert is_expired(date(2025, 5, 1), date(2025, 5, 2))
    assert not is_expired(None, date(2099, 1, 1))


def _run(method: ValuationMethod, *moves: tuple[str, str | None]) -> tuple[Valuer, list[Decimal]]:
    valuer, effects = replay(
        (ValuedMove(i, D(q), D(v) if v else None) for i, (q, v) in enumerate(moves)), method
    )
    return valuer, list(effects.values())


def test_fifo_by_hand() -> None:
    # 10 @ 10.00, 10 @ 12.00; sell 15: 10 x 10 + 5 x 12 = 160; left 5 @ 12 = 60
    valuer, effects = _run(ValuationMethod.FIFO, ("10", "100"), ("10", "120"), ("-15", None))
    assert effects == [D("100"), D("120"), D("-160.00")]
    assert (valuer.qty, valuer.value) == (D("5.000"), D("60.00"))


def test_average_by_hand() -> None:
    # 10 @ 10.00 + 10 @ 12.00 = 220 for 20; sell 15 at 11.00 = 165; left 55
    valuer, effects = _run(ValuationMethod.AVERAGE, ("10", "100"), ("10", "120"), ("-15", None))
    assert effects == [D("100"), D("120"), D("-165.00")]
    assert (valuer.qty, valuer.value) == (D("5.000"), D("55.00"))


def test_average_rounds_each_issue_and_empties_to_zero() -> None:
    # 3 for 10.00: each third is 3.33 (3.333.. rounded), the last one takes what is left
    valuer, effects = _run(
        ValuationMethod.AVERAGE, ("3", "10"), ("-1", None), ("-1", None), ("-1", None)
    )
    assert effects[1:] == [D("-3.33"), D("-3.34"), D("-3.33")]
    assert (valuer.qty, valuer.value) == (D("0.000"), D("0.00"))


def test_negative_stock_is_valued_at_the_last_cost_and_trued_up_by_the_receipt() -> None:
    valuer, effects = _run(ValuationMethod.FIFO, ("2", "20"), ("-5", None), ("10", "150"))
    # 2 from stock (20) + 3 short at the last cost 10 each (30)
    assert effects[1] == D("-50.00")
    # the receipt of 10 @ 15 fills the 3 short: what is left, 7, is worth 105
    assert (valuer.qty, valuer.value) == (D("7.000"), D("105.00"))
    assert effects[2] == D("135.00")  # 150 less the 15 the short units cost more


def test_returns_come_back_at_the_running_cost() -> None:
    valuer, effects = _run(ValuationMethod.AVERAGE, ("4", "100"), ("-2", None), ("1", None))
    assert effects == [D("100"), D("-50.00"), D("25.00")]
    assert valuer.value == D("75.00")

"""GSTR-3B from posted documents: a golden month derived by hand, the JSON text, the summary
with drill-down, and hypothesis properties over random months."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.billing.model import DocKind, DocStatus, Export, PostedDocument
from app.errors import ValidationError
from app.gst import InvalidGstin, SellerScheme, Taxability
from app.gst.periods import month_period, parse_period
from app.reports.gstr3b import gstr3b, gstr3b_json, gstr3b_summary
from tests.reports.gst3b_documents import OUR_GSTIN, Line, document, gstin

JUNE = month_period(2025, 6)
TEMPLATE = Path("/work/shared/reference/gstr1-samples/india-compliance-gstr3b-template.json")

PUNE_BUYER = gstin("27", "AAACP1234C")
BENGALURU_BUYER = gstin("29", "AAACB5678D")
SURAT_SUPPLIER = gstin("24", "AAFCS4321K")
MUMBAI_SUPPLIER = gstin("27", "AAFCM8765L")
UN_BODY = "0717UNO00157UNJ"  # a UIN from gstin-vectors.tsv


def golden_month() -> dict[str, PostedDocument]:
    """June 2025 of a Pune trader, each document's figures worked out in its comment."""
    day = date(2025, 6, 10)
    s1 = document(  # B2B intra: 10 x 1000 at 18% = 10,000; CGST 900 + SGST 900
        DocKind.SALES_INVOICE, "INV/1", day, Line("1000", qty="10"), party_gstin=PUNE_BUYER
    )
    docs = {
        "s1": s1,
        # B2C intra, tax-inclusive: 2 x 2360 = 4720 / 1.18 = 4,000; CGST 360 + SGST 360
        "s2": document(
            DocKind.SALES_INVOICE,
            "INV/2",
            day,
            Line("2360", qty="2", inclusive=True),
            party="Cash Sale",
        ),
        # B2B inter to Karnataka: 5 x 2000 at 12% = 10,000; IGST 1,200
        "s3": document(
            DocKind.SALES_INVOICE,
            "INV/3",
            day,
            Line("2000", qty="5", rate="12"),
            party_gstin=BENGALURU_BUYER,
        ),
        # B2C inter to Gujarat: 5,000 at 18%; IGST 900 (also 3.2 unregistered, POS 24)
        "s4": document(
            DocKind.SALES_INVOICE, "INV/4", day, Line("5000"), party="Mehta", party_state="24"
        ),
        # Export under LUT: 100 x 300 = 30,000, no tax (3.1(b))
        "s5": document(
            DocKind.SALES_INVOICE,
            "INV/5",
            day,
            Line("300", qty="100"),
            party="Gulf Imports",
            export=Export(with_payment=False, port_code="INNSA1"),
        ),
        # Credit note on INV/1: 2 x 1000 at 18% = 2,000; CGST 180 + SGST 180, subtracted
        "s6": document(
            DocKind.CREDIT_NOTE,
            "CN/1",
            date(2025, 6, 20),
            Line("1000", qty="2"),
            party_gstin=PUNE_BUYER,
            original=s1,
        ),
        # Nil-rated vegetables: 50 x 40 = 2,000 (3.1(c))
        "s7": document(
            DocKind.BILL_OF_SUPPLY,
            "BOS/1",
            day,
            Line("40", qty="50", rate="0", hsn="0702", taxability=Taxability.NIL_RATED),
            party="Cash Sale",
        ),
        # Sale to a UN body in Delhi: 1,000 at 18%, IGST 180 (3.1(a) and 3.2 UIN, POS 07)
        "s8": document(
            DocKind.SALES_INVOICE,
            "INV/6",
            day,
            Line("1000"),
            party="UN Office",
            party_gstin=UN_BODY,
        ),
        # Advocate's fee under reverse charge, intra: 10,000 at 18%; CGST 900 + SGST 900
        # owed by us (3.1(d)) and claimed back (4A(3))
        "p1": document(
            DocKind.PURCHASE_BILL,
            "ADV/7",
            day,
            Line("10000", hsn="998212", uqc="OTH", description="Legal services"),
            party="Adv. Kulkarni",
            reverse_charge=True,
        ),
        # Ordinary purchase from Gujarat: 100 x 250 at 18% = 25,000; IGST 4,500 (4A(5))
        "p2": document(
            DocKind.PURCHASE_BILL,
            "GJ/88",
            day,
            Line("250", qty="100"),
            party="Surat Supplies",
            party_gstin=SURAT_SUPPLIER,
        ),
        # Return of 10 of those: 2,500, IGST 450 off 4A(5)
        "p3": document(
            DocKind.PURCHASE_RETURN,
            "DN/1",
            date(2025, 6, 25),
            Line("250", qty="10"),
            party="Surat Supplies",
            party_gstin=SURAT_SUPPLIER,
        ),
        # Staff lunch, blocked by s.17(5): 5,000 at 5%; CGST 125 + SGST 125 in 4A(5),
        # reversed in 4B(1)
        "p4": document(
            DocKind.PURCHASE_BILL,
            "HOT/3",
            day,
            Line("5000", rate="5", hsn="996331", description="Catering"),
            party="Hotel Shreyas",
            party_gstin=MUMBAI_SUPPLIER,
            itc_eligible=False,
        ),
        # From a composition dealer in Pune: 4 x 2,000 = 8,000 without tax (table 5 GST, intra)
        "p5": document(
            DocKind.PURCHASE_BILL,
            "C/12",
            day,
            Line("2000", qty="4", rate="0"),
            party="Small Shop",
            scheme=SellerScheme.COMPOSITION,
        ),
        # Diesel, outside GST: 3,000 (table 5 NONGST, intra)
        "p6": document(
            DocKind.PURCHASE_BILL,
            "HP/9",
            day,
            Line("100", qty="30", rate="0", hsn="2710", taxability=Taxability.NON_GST),
            party="Fuel Station",
        ),
        # Ignored: a cancelled invoice and one dated in July
        "x1": document(
            DocKind.SALES_INVOICE,
            "INV/7",
            day,
            Line("9999"),
            party_gstin=PUNE_BUYER,
            status=DocStatus.CANCELLED,
        ),
        "x2": document(
            DocKind.SALES_INVOICE,
            "INV/8",
            date(2025, 7, 1),
            Line("7777"),
            party_gstin=PUNE_BUYER,
        ),
    }
    return docs


def d(text: str) -> Decimal:
    return Decimal(text)


def heads(i: str = "0.00", c: str = "0.00", s: str = "0.00", cs: str = "0.00") -> dict[str, Any]:
    return {"iamt": d(i), "camt": d(c), "samt": d(s), "csamt": d(cs)}


ZERO_HEADS = heads()

GOLDEN = {
    "gstin": OUR_GSTIN,
    "ret_period": "062025",
    "sup_details": {
        # 10,000 + 4,000 + 10,000 + 5,000 + 1,000 - 2,000 = 28,000
        # IGST 1,200 + 900 + 180 = 2,280; CGST (and SGST) 900 + 360 - 180 = 1,080
        "osup_det": {"txval": d("28000.00"), **heads("2280.00", "1080.00", "1080.00")},
        "osup_zero": {"txval": d("30000.00"), "iamt": d("0.00"), "csamt": d("0.00")},
        "osup_nil_exmp": {"txval": d("2000.00")},
        "isup_rev": {"txval": d("10000.00"), **heads(c="900.00", s="900.00")},
        "osup_nongst": {"txval": d("0.00")},
    },
    "inter_sup": {
        "unreg_details": [{"pos": "24", "txval": d("5000.00"), "iamt": d("900.00")}],
        "comp_details": [],
        "uin_details": [{"pos": "07", "txval": d("1000.00"), "iamt": d("180.00")}],
    },
    "eco_dtls": {
        "eco_sup": {"txval": d("0.00"), **ZERO_HEADS},
        "eco_reg_sup": {"txval": d("0.00")},
    },
    "itc_elg": {
        "itc_avl": [
            {"ty": "IMPG", **ZERO_HEADS},
            {"ty": "IMPS", **ZERO_HEADS},
            {"ty": "ISRC", **heads(c="900.00", s="900.00")},
            {"ty": "ISD", **ZERO_HEADS},
            # 4,500 - 450 IGST; the blocked 125 + 125
            {"ty": "OTH", **heads("4050.00", "125.00", "125.00")},
        ],
        "itc_rev": [{"ty": "RUL", **heads(c="125.00", s="125.00")}, {"ty": "OTH", **ZERO_HEADS}],
        # IGST 4,050; CGST (and SGST) 900 + 125 - 125 = 900
        "itc_net": heads("4050.00", "900.00", "900.00"),
        "itc_inelg": [{"ty": "RUL", **ZERO_HEADS}, {"ty": "OTH", **ZERO_HEADS}],
    },
    "inward_sup": {
        "isup_details": [
            {"ty": "GST", "inter": d("0.00"), "intra": d("8000.00")},
            {"ty": "NONGST", "inter": d("0.00"), "intra": d("3000.00")},
        ]
    },
}


def test_golden_month_matches_hand_derived_figures() -> None:
    assert gstr3b(OUR_GSTIN, JUNE, list(golden_month().values())) == GOLDEN


def test_golden_documents_carry_the_figures_their_comments_claim() -> None:
    docs = golden_month()
    assert (docs["s2"].taxable, docs["s2"].cgst, docs["s2"].sgst) == (
        d("4000.00"),
        d("360.00"),
        d("360.00"),
    )
    assert docs["s8"].inter_state and docs["s8"].place_of_supply == "07"
    assert docs["p1"].grand_total == d("10000.00")  # the advocate is paid without the tax
    assert docs["p5"].total_tax == 0 and docs["p5"].taxable == d("8000.00")


def _keys(value: Any) -> Any:
    """The shape of a JSON value: nested key sets, lists by their first element."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return None


def test_shape_is_the_portal_template() -> None:
    if not TEMPLATE.exists():
        pytest.skip("shared reference notes are not on this machine")
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    ours = gstr3b(OUR_GSTIN, JUNE, [])
    assert _keys(ours) == _keys(template)
    # the same rows of table 4 in the same order
    for key in ("itc_avl", "itc_rev", "itc_inelg"):
        rows = [row["ty"] for row in ours["itc_elg"][key]]
        assert rows == [row["ty"] for row in template["itc_elg"][key]]


def test_json_text_has_two_decimal_numbers() -> None:
    text = gstr3b_json(gstr3b(OUR_GSTIN, JUNE, list(golden_month().values())))
    assert '"txval":28000.00' in text
    assert '"iamt":4050.00' in text
    assert '"ret_period":"062025"' in text
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed["sup_details"]["osup_det"]["camt"] == Decimal("1080.00")
    assert "\\u0000" not in text


def test_summary_rows_point_at_their_documents() -> None:
    docs = golden_month()
    summary = gstr3b_summary(OUR_GSTIN, JUNE, list(docs.values()))
    outward = summary.row("3.1(a)")
    assert outward.taxable == d("28000.00") and outward.igst == d("2280.00")
    assert set(outward.document_ids) == {docs[k].id for k in ("s1", "s2", "s3", "s4", "s6", "s8")}
    assert summary.row("3.1(b)").document_ids == (docs["s5"].id,)
    assert summary.row("3.1(d)").document_ids == (docs["p1"].id,)
    assert summary.row("4A(5)").document_ids == (docs["p2"].id, docs["p4"].id, docs["p3"].id)
    assert summary.row("4B(1)").document_ids == (docs["p4"].id,)
    assert summary.row("4A(5)").taxable is None  # table 4 has no value column
    assert summary.row("5 GST intra").document_ids == (docs["p5"].id,)
    assert summary.row("3.2 24").taxable == d("5000.00")
    ignored = {docs["x1"].id, docs["x2"].id}
    assert not any(ignored & set(row.document_ids) for row in summary.rows)
    table = summary.table()
    assert table.title == f"GSTR-3B {OUR_GSTIN} June 2025"
    assert "28,000.00" in table.text()


def test_quarter_period_and_documents_outside_it() -> None:
    q1 = parse_period("2025-Q1")  # April to June 2025
    docs = [
        document(DocKind.SALES_INVOICE, "A/1", date(2025, 4, 1), Line("100")),
        document(DocKind.SALES_INVOICE, "A/2", date(2025, 6, 30), Line("100")),
        document(DocKind.SALES_INVOICE, "A/3", date(2025, 3, 31), Line("100")),
        document(DocKind.QUOTATION, "Q/1", date(2025, 5, 1), Line("100")),
    ]
    data = gstr3b(OUR_GSTIN, q1, docs)
    assert data["ret_period"] == "062025"
    assert data["sup_details"]["osup_det"]["txval"] == d("200.00")


def test_outward_reverse_charge_carries_no_tax_for_us() -> None:
    doc = document(
        DocKind.SALES_INVOICE,
        "GTA/1",
        date(2025, 6, 2),
        Line("10000", rate="5", hsn="996511", description="Road transport"),
        party_gstin=PUNE_BUYER,
        reverse_charge=True,
    )
    data = gstr3b(OUR_GSTIN, JUNE, [doc])
    assert data["sup_details"]["osup_det"] == {"txval": d("0.00"), **ZERO_HEADS}
    assert data["sup_details"]["osup_nil_exmp"]["txval"] == d("10000.00")


def test_imports_go_to_their_own_rows() -> None:
    day = date(2025, 6, 5)
    software = document(  # import of services: IGST under reverse charge
        DocKind.PURCHASE_BILL,
        "US-1",
        day,
        Line("20000", hsn="997331", uqc="OTH", description="Licence"),
        party="Foreign Soft",
        party_state="96",
        reverse_charge=True,
    )
    machine = document(  # import of goods: IGST paid on the bill of entry
        DocKind.PURCHASE_BILL,
        "BOE-77",
        day,
        Line("50000", hsn="8479"),
        party="Customs",
        party_state="96",
    )
    data = gstr3b(OUR_GSTIN, JUNE, [software, machine])
    rows = {row["ty"]: row for row in data["itc_elg"]["itc_avl"]}
    assert rows["IMPS"]["iamt"] == d("3600.00")
    assert rows["IMPG"]["iamt"] == d("9000.00")
    assert rows["ISRC"]["iamt"] == d("0.00")
    assert data["sup_details"]["isup_rev"]["iamt"] == d("3600.00")


def test_return_larger_than_the_months_credit_is_a_reversal() -> None:
    supplier = dict(party="Surat Supplies", party_gstin=SURAT_SUPPLIER)
    returned = document(DocKind.PURCHASE_RETURN, "DN/9", date(2025, 6, 3), Line("1000"), **supplier)
    bought = document(DocKind.PURCHASE_BILL, "GJ/90", date(2025, 6, 4), Line("400"), **supplier)
    data = gstr3b(OUR_GSTIN, JUNE, [returned, bought])
    itc = data["itc_elg"]
    assert itc["itc_avl"][4]["iamt"] == d("0.00")  # 72 - 180 would be negative
    assert itc["itc_rev"][1]["iamt"] == d("108.00")
    assert itc["itc_net"]["iamt"] == d("-108.00")


def test_refusals() -> None:
    with pytest.raises(ValidationError, match="Set the company's GSTIN"):
        gstr3b("", JUNE, [])
    with pytest.raises(InvalidGstin, match="check character"):
        gstr3b("27AAPFU0939F1ZX", JUNE, [])
    composition_sale = document(
        DocKind.BILL_OF_SUPPLY,
        "B/1",
        date(2025, 6, 1),
        Line("100", rate="0"),
        scheme=SellerScheme.COMPOSITION,
    )
    with pytest.raises(ValidationError, match="composition"):
        gstr3b(OUR_GSTIN, JUNE, [composition_sale])


# --- properties ---------------------------------------------------------------------------------

_STATES = ("27", "27", "24", "29", "07")
_RATES = ("0", "5", "12", "18", "28", "40")

lines = st.builds(
    Line,
    price=st.decimals("0.01", "99999.99", places=2).map(str),
    qty=st.decimals("0.001", "500", places=3).map(str),
    rate=st.sampled_from(_RATES),
    hsn=st.sampled_from(("8471", "998212", "0702")),
    discount_pct=st.sampled_from(("0", "0", "10", "12.5")),
    cess_rate=st.sampled_from(("0", "0", "0", "12")),
    inclusive=st.booleans(),
    taxability=st.sampled_from(
        (Taxability.TAXABLE,) * 5 + (Taxability.NIL_RATED, Taxability.EXEMPT, Taxability.NON_GST)
    ),
)


@st.composite
def documents(draw: st.DrawFn) -> PostedDocument:
    kind = draw(
        st.sampled_from(
            (
                DocKind.SALES_INVOICE,
                DocKind.SALES_INVOICE,
                DocKind.CREDIT_NOTE,
                DocKind.DEBIT_NOTE,
                DocKind.PURCHASE_BILL,
                DocKind.PURCHASE_BILL,
                DocKind.PURCHASE_RETURN,
            )
        )
    )
    state = draw(st.sampled_from(_STATES))
    registered = draw(st.booleans())
    special = draw(st.sampled_from(("none", "none", "none", "export", "sez", "rcm")))
    export = None
    if special == "export" and kind.outward:
        export = Export(with_payment=draw(st.booleans()))
    composition = not kind.outward and draw(st.integers(0, 5)) == 0
    return document(
        kind,
        "X/1",
        draw(st.dates(date(2025, 5, 25), date(2025, 7, 5))),
        *draw(st.lists(lines, min_size=1, max_size=4)),
        party_gstin=gstin(state) if registered or special == "sez" else None,
        party_state=state,
        export=export,
        to_sez=special == "sez" and kind.outward,
        reverse_charge=special == "rcm" and not composition,
        scheme=SellerScheme.COMPOSITION if composition else SellerScheme.REGULAR,
        itc_eligible=draw(st.integers(0, 3)) > 0,
        status=DocStatus.CANCELLED if draw(st.integers(0, 9)) == 0 else DocStatus.POSTED,
    )


def _counted(doc: PostedDocument) -> bool:
    return not doc.cancelled and doc.doc_date in JUNE


@settings(max_examples=150, deadline=None)
@given(st.lists(documents(), max_size=12))
def test_outward_tax_is_the_signed_tax_of_taxable_domestic_documents(
    docs: list[PostedDocument],
) -> None:
    data = gstr3b(OUR_GSTIN, JUNE, docs)
    det = data["sup_details"]["osup_det"]
    reported = sum(det[h] for h in ("iamt", "camt", "samt", "csamt"))
    expected = sum(
        (
            doc.sign * doc.total_tax
            for doc in docs
            if _counted(doc)
            and doc.kind.outward
            and doc.export is None
            and not doc.to_sez
            and not doc.reverse_charge
        ),
        Decimal(0),
    )
    assert reported == expected
    # Every rupee of outward value lands in exactly one of 3.1(a), (b), (c), (e).
    sup = data["sup_details"]
    boxes = ("osup_det", "osup_zero", "osup_nil_exmp", "osup_nongst")
    value = sum(sup[box]["txval"] for box in boxes)
    assert value == sum(
        (doc.sign * doc.taxable for doc in docs if _counted(doc) and doc.kind.outward),
        Decimal(0),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(documents(), max_size=12))
def test_net_itc_is_available_less_reversed(docs: list[PostedDocument]) -> None:
    itc = gstr3b(OUR_GSTIN, JUNE, docs)["itc_elg"]
    for head in ("iamt", "camt", "samt", "csamt"):
        available = sum(row[head] for row in itc["itc_avl"])
        reversed_ = sum(row[head] for row in itc["itc_rev"])
        assert itc["itc_net"][head] == available - reversed_
        assert all(row[head] >= 0 for row in (*itc["itc_avl"], *itc["itc_rev"]))
    # Net credit is the signed tax on eligible purchases, however the rows were balanced.
    eligible = sum(
        (
            doc.sign * doc.total_tax
            for doc in docs
            if _counted(doc) and not doc.kind.outward and doc.itc_eligible
        ),
        Decimal(0),
    )
    net = itc["itc_net"]
    assert net["iamt"] + net["camt"] + net["samt"] + net["csamt"] == eligible

"""GSTR-1 JSON: a hand-checked demo month, the schema, the B2CL limit by date, and properties."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from app import config
from app.billing.model import DocKind, DocStatus, Export, PostedDocument
from app.errors import ValidationError
from app.gst import InvalidGstin, SellerScheme, Taxability
from app.gst.periods import parse_period
from app.money import D
from app.reports.gstr1 import (
    Section,
    UnplaceableDocument,
    b2cl_limit,
    gstr1,
    gstr1_json,
    gstr1_summary,
    validate_gstr1,
    write_gstr1,
)
from tests.gst.reference_data import DATA
from tests.reports.gst_documents import (
    SELLER_GSTIN,
    Item,
    cancelled,
    credit_note,
    debit_note,
    gstin,
    invoice,
    post,
)

SAMPLES = DATA  # a copy of reference/gstr1-samples, checked by tests/gst/test_reference_copies
APRIL = parse_period("2025-04")

KARNATAKA_BUYER = gstin("29", "AABCR1718E")
MUMBAI_BUYER = gstin("27", "AAACC1234C")
SEZ_UNIT = gstin("27", "AAACS5555S")


def _day(d: int) -> date:
    return date(2025, 4, d)


def demo_month() -> list[PostedDocument]:
    """Sharma Traders (Maharashtra, 27) in April 2025: one or more documents per table."""
    laptop = Item("5000", qty="2", hsn="8471")
    inv1 = invoice(
        "INV/25-26/001",
        _day(2),
        laptop,
        Item("1000", rate="5", hsn="4820"),
        buyer_gstin=KARNATAKA_BUYER,
    )
    inv2 = invoice(
        "INV/25-26/002",
        _day(3),
        Item("250", rate="12", qty="10", hsn="0902", uqc="KGS"),
        buyer_gstin=MUMBAI_BUYER,
    )
    inv3 = invoice(  # GTA service under reverse charge: the buyer pays the tax
        "INV/25-26/003",
        _day(5),
        Item("25000", rate="5", hsn="996511", uqc="NA", description="Freight"),
        buyer_gstin=MUMBAI_BUYER,
        reverse_charge=True,
    )
    inv4 = invoice("INV/25-26/004", _day(8), Item("150000", hsn="8471"), buyer_state="24")
    inv5 = invoice("INV/25-26/005", _day(10), Item("400", qty="2", hsn="8471"), buyer_state="24")
    inv6 = invoice(
        "INV/25-26/006",
        _day(12),
        Item("1000", hsn="8471"),
        Item("20", qty="10", rate="0", hsn="0401", uqc="LTR", taxability=Taxability.EXEMPT),
    )
    inv7 = invoice("INV/25-26/007", _day(15), Item("100", qty="3", hsn="8471"))
    cn1 = credit_note("CN/25-26/001", _day(20), inv1, Item("5000", hsn="8471"))
    cn2 = credit_note("CN/25-26/002", _day(21), inv4, Item("10000", hsn="8471"))
    cn3 = credit_note("CN/25-26/003", _day(22), inv7, Item("100", hsn="8471"))
    exp1 = invoice(
        "EXP/25-26/001",
        _day(24),
        Item("50000", hsn="84713010"),
        export=Export(True, "INNSA1", "1234567", _day(26)),
    )
    exp2 = invoice(
        "EXP/25-26/002", _day(25), Item("2500", qty="4", hsn="84713010"), export=Export(False)
    )
    dn1 = debit_note("DN/25-26/001", _day(28), inv2, Item("500", rate="12", hsn="0902", uqc="KGS"))
    bos1 = post(
        DocKind.BILL_OF_SUPPLY,
        "BOS/25-26/001",
        _day(29),
        Item("40", qty="50", rate="0", hsn="0713", uqc="KGS", taxability=Taxability.NIL_RATED),
        buyer_gstin=MUMBAI_BUYER,
    )
    inv8 = cancelled(invoice("INV/25-26/008", _day(30), Item("999", hsn="8471")))
    inv9 = invoice(
        "INV/25-26/009", _day(30), Item("20000", hsn="8471"), buyer_gstin=SEZ_UNIT, to_sez=True
    )
    ignored = [
        invoice("INV/25-26/010", date(2025, 5, 1), Item("1000")),  # next month
        post(DocKind.PURCHASE_BILL, "S-77", _day(9), Item("800"), buyer_gstin=KARNATAKA_BUYER),
    ]
    sales = [inv1, inv2, inv3, inv4, inv5, inv6, inv7, cn1, cn2, cn3, exp1, exp2, dn1, bos1]
    return [*sales, inv8, inv9, *ignored]


def test_demo_month_by_hand() -> None:
    documents = demo_month()
    text = gstr1_json(gstr1(SELLER_GSTIN, APRIL, documents))
    data = json.loads(text, parse_float=Decimal)
    assert validate_gstr1(data) == []
    assert validate_gstr1(json.loads(text)) == []  # as the portal reads it
    assert data["gstin"] == SELLER_GSTIN and data["fp"] == "042025"

    def itm(num: int, rt: str, txval: str, **tax: str) -> dict[str, Any]:
        return {"num": num, "itm_det": {"rt": D(rt), "txval": D(txval), **_d(tax)}}

    # Table 4: 001 to Karnataka is inter-state: 2 x 5000 = 10000 @18 -> IGST 1800, 1000 @5
    # -> IGST 50, value 12850. 002 is intra: 10 x 250 = 2500 @12 -> CGST 150 + SGST 150, value
    # 2800. 003 is freight under reverse charge: 25000 @5 -> 625 + 625, value 25000 (tax not
    # collected). 009 to an SEZ unit in our own state is still inter-state: 20000 @18 -> IGST
    # 3600, value 23600, type SEWP.
    assert data["b2b"] == [
        {
            "ctin": MUMBAI_BUYER,
            "inv": [
                _inv("INV/25-26/002", "03-04-2025", "2800", "27", "N", "R",
                     [itm(1, "12", "2500", camt="150", samt="150", csamt="0")]),
                _inv("INV/25-26/003", "05-04-2025", "25000", "27", "Y", "R",
                     [itm(1, "5", "25000", camt="625", samt="625", csamt="0")]),
            ],
        },
        {
            "ctin": SEZ_UNIT,
            "inv": [
                _inv("INV/25-26/009", "30-04-2025", "23600", "27", "N", "SEWP",
                     [itm(1, "18", "20000", iamt="3600", csamt="0")]),
            ],
        },
        {
            "ctin": KARNATAKA_BUYER,
            "inv": [
                _inv("INV/25-26/001", "02-04-2025", "12850", "29", "N", "R",
                     [itm(1, "5", "1000", iamt="50", csamt="0"),
                      itm(2, "18", "10000", iamt="1800", csamt="0")]),
            ],
        },
    ]  # fmt: skip
    # Table 5: 150000 @18 to Gujarat, unregistered: value 177000 > 1,00,000 (from Aug 2024).
    assert data["b2cl"] == [
        {
            "pos": "24",
            "inv": [
                {
                    "inum": "INV/25-26/004",
                    "idt": "08-04-2025",
                    "val": D("177000"),
                    "itms": [itm(1, "18", "150000", iamt="27000", csamt="0")],
                }
            ],
        }
    ]
    # Table 7: Gujarat small sale 2 x 400 = 800 @18 -> IGST 144. Maharashtra: 1000 (006) + 300
    # (007) - 100 (credit note 003) = 1200; CGST 90 + 27 - 9 = 108, SGST the same.
    assert data["b2cs"] == [
        _b2cs("INTER", "24", "18", "800", iamt="144", csamt="0"),
        _b2cs("INTRA", "27", "18", "1200", camt="108", samt="108", csamt="0"),
    ]
    # Table 9B registered: credit note 001 takes back one laptop, 5000 @18 IGST -> 900, value
    # 5900; debit note 001 adds 500 @12 intra -> 30 + 30, value 560.
    assert data["cdnr"] == [
        {"ctin": MUMBAI_BUYER, "nt": [
            _note("D", "DN/25-26/001", "28-04-2025", "560", "27",
                  [itm(1, "12", "500", camt="30", samt="30", csamt="0")]),
        ]},
        {"ctin": KARNATAKA_BUYER, "nt": [
            _note("C", "CN/25-26/001", "20-04-2025", "5900", "29",
                  [itm(1, "18", "5000", iamt="900", csamt="0")]),
        ]},
    ]  # fmt: skip
    # Table 9B unregistered: credit note 002 follows its B2CL invoice: 10000 @18 -> 1800.
    assert data["cdnur"] == [
        {
            "typ": "B2CL",
            "ntty": "C",
            "nt_num": "CN/25-26/002",
            "nt_dt": "21-04-2025",
            "val": D("11800"),
            "pos": "24",
            "itms": [itm(1, "18", "10000", iamt="1800", csamt="0")],
        }
    ]
    # Table 6A: 50000 @18 with IGST 9000 paid; 4 x 2500 = 10000 under LUT at 0%.
    assert data["exp"] == [
        {"exp_typ": "WPAY", "inv": [{
            "inum": "EXP/25-26/001", "idt": "24-04-2025", "val": D("59000"),
            "sbpcode": "INNSA1", "sbnum": "1234567", "sbdt": "26-04-2025",
            "itms": [{"txval": D("50000"), "rt": D("18"), "iamt": D("9000"), "csamt": D("0")}],
        }]},
        {"exp_typ": "WOPAY", "inv": [{
            "inum": "EXP/25-26/002", "idt": "25-04-2025", "val": D("10000"),
            "itms": [{"txval": D("10000"), "rt": D("0"), "iamt": D("0"), "csamt": D("0")}],
        }]},
    ]  # fmt: skip
    # Table 8: 50 kg pulses x 40 = 2000 nil-rated to a registered buyer; 10 l milk x 20 = 200
    # exempt on the walk-in bill 006.
    assert data["nil"] == {
        "inv": [
            {"sply_ty": "INTRAB2B", **_d({"nil_amt": "2000", "expt_amt": "0", "ngsup_amt": "0"})},
            {"sply_ty": "INTRAB2C", **_d({"nil_amt": "0", "expt_amt": "200", "ngsup_amt": "0"})},
        ]
    }
    # Table 12 (April 2025: B2B and B2C lists). B2B 8471 @18: 2 + 1 (SEZ) - 1 (CN) = 2 units,
    # 10000 + 20000 - 5000 = 25000, IGST 1800 + 3600 - 900 = 4500. 0902: 10 kg (the debit note
    # moves no goods), 2500 + 500 = 3000, CGST 150 + 30 = 180. B2C 8471 @18: 1 + 2 + 1 + 3 - 1
    # - 1 = 5 units, 150000 + 800 + 1000 + 300 - 10000 - 100 = 142000, IGST 27000 + 144 - 1800
    # = 25344, CGST 90 + 27 - 9 = 108.
    assert data["hsn"] == {
        "hsn_b2b": [
            _hsn(1, "0713", "KGS", "50", "0", "2000"),
            _hsn(2, "0902", "KGS", "10", "12", "3000", camt="180", samt="180"),
            _hsn(3, "4820", "NOS", "1", "5", "1000", iamt="50"),
            _hsn(4, "8471", "NOS", "2", "18", "25000", iamt="4500"),
            _hsn(5, "996511", "NA", "0", "5", "25000", camt="625", samt="625"),
        ],
        "hsn_b2c": [
            _hsn(1, "0401", "LTR", "10", "0", "200"),
            _hsn(2, "8471", "NOS", "5", "18", "142000", iamt="25344", camt="108", samt="108"),
            _hsn(3, "84713010", "NOS", "4", "0", "10000"),
            _hsn(4, "84713010", "NOS", "1", "18", "50000", iamt="9000"),
        ],
    }
    # Table 13: invoices 001-009 with 008 cancelled, bills of supply and exports as their own
    # series; the purchase bill and May's invoice are not ours to report here.
    assert data["doc_issue"] == {
        "doc_det": [
            {"doc_num": 1, "docs": [
                _docs(1, "BOS/25-26/001", "BOS/25-26/001", 1, 0),
                _docs(2, "EXP/25-26/001", "EXP/25-26/002", 2, 0),
                _docs(3, "INV/25-26/001", "INV/25-26/009", 9, 1),
            ]},
            {"doc_num": 4, "docs": [_docs(1, "DN/25-26/001", "DN/25-26/001", 1, 0)]},
            {"doc_num": 5, "docs": [_docs(1, "CN/25-26/001", "CN/25-26/003", 3, 0)]},
        ]
    }  # fmt: skip
    assert set(data) == {
        *("gstin", "fp", "version", "hash", "b2b", "b2cl", "b2cs", "cdnr", "cdnur"),
        *("exp", "nil", "hsn", "doc_issue"),
    }
    # Amounts leave as numbers with two places, rates as the portal writes them.
    assert '"val":12850.00' in text and '"rt":18,' in text and '"qty":50.00' in text
    assert not re.search(r'"(val|txval|iamt|camt|samt|csamt)": -?\d+(\.\d)?[,}]', text)


def test_demo_month_summary_adds_up_and_drills_down() -> None:
    documents = demo_month()
    summary = gstr1_summary(SELLER_GSTIN, APRIL, documents)
    rows = {row.section: row for row in summary.rows}
    by_number = {d.number: d.id for d in documents}
    assert [row.section for row in summary.rows] == list(Section)
    # b2b taxable 2500 + 25000 + 20000 + 11000 = 58500; IGST 50 + 1800 + 3600 = 5450.
    assert (rows[Section.B2B].taxable, rows[Section.B2B].igst) == (D("58500"), D("5450"))
    assert (rows[Section.B2B].cgst, rows[Section.B2B].sgst) == (D("775"), D("775"))
    # b2cs: 800 + 1000 + 300 - 100 = 2000 from four documents.
    assert rows[Section.B2CS].taxable == D("2000") and rows[Section.B2CS].documents == 4
    assert rows[Section.CDNR].taxable == D("-4500")  # -5000 credit + 500 debit
    assert rows[Section.CDNUR].document_ids == (by_number["CN/25-26/002"],)
    assert rows[Section.NIL].document_ids == (
        by_number["INV/25-26/006"],
        by_number["BOS/25-26/001"],
    )
    assert rows[Section.EXP].taxable == D("60000")
    assert (summary.documents_issued, summary.documents_cancelled) == (16, 1)
    text = summary.table().text()
    assert "1,50,000.00" in text and "-4,500.00" in text


def test_hsn_before_2025_is_one_list_and_b2cl_limit_follows_invoice_date() -> None:
    quarter = parse_period("2024-Q2")  # July to September 2024
    # Rs 2,00,000 inter-state to an unregistered buyer: not large in July (limit 2.5 lakh),
    # large from 1 August (limit 1 lakh); exactly Rs 1,00,000 is not above the limit.
    july = invoice("A/1", date(2024, 7, 31), Item("200000", rate="0.1"), buyer_state="29")
    august = invoice("A/2", date(2024, 8, 1), Item("200000", rate="0.1"), buyer_state="29")
    exactly = invoice("A/3", date(2024, 8, 2), Item("100000", rate="0"), buyer_state="29")
    registered = invoice(  # before 2025 B2B and B2C share one HSN row
        "A/4", date(2024, 9, 3), Item("50", rate="0.1", qty="3"), buyer_gstin=KARNATAKA_BUYER
    )
    assert (b2cl_limit(date(2024, 7, 31)), b2cl_limit(date(2024, 8, 1))) == (
        D("250000"),
        D("100000"),
    )
    data = gstr1(SELLER_GSTIN, quarter, [july, august, exactly, registered])
    assert data["fp"] == "092024"
    assert [inv["inum"] for row in data["b2cl"] for inv in row["inv"]] == ["A/2"]
    assert data["b2cs"][0]["txval"] == D("200000.00")  # July's invoice, rate 0.1
    assert data["nil"]["inv"] == [  # 0% taxable goods with no tax are nil-rated
        {"sply_ty": "INTRB2C", "nil_amt": D("100000"), "expt_amt": 0, "ngsup_amt": 0}
    ]
    assert list(data["hsn"]) == ["data"]
    assert [(row["rt"], row["qty"], row["txval"]) for row in data["hsn"]["data"]] == [
        (D("0"), D("1"), D("100000")),
        (D("0.1"), D("5"), D("400150")),  # 1 + 1 + 3 units, 200000 + 200000 + 150
    ]
    assert validate_gstr1(data) == []


def test_amounts_are_exact_decimals_in_the_file(tmp_path: Path) -> None:
    # 0.10 + 0.20 is 0.30000000000000004 in binary floating point; the file must say 0.30.
    lines = [Item("0.10", rate="0", hsn="0713", uqc="KGS", taxability=Taxability.EXEMPT)] * 2
    lines.append(Item("0.10", rate="0", hsn="0713", uqc="KGS", taxability=Taxability.EXEMPT))
    doc = invoice("X/1", _day(1), *lines)
    data = gstr1(SELLER_GSTIN, APRIL, [doc])
    path = tmp_path / "gstr1.json"
    write_gstr1(data, path)
    text = path.read_text()
    assert '"expt_amt":0.30' in text and "0.3000" not in text
    assert "-0.00" not in text
    assert json.loads(text, parse_float=Decimal)["nil"]["inv"][0]["expt_amt"] == D("0.30")
    assert [p.name for p in tmp_path.iterdir()] == ["gstr1.json"]


@pytest.mark.parametrize("number", ["\x00X/1", "X/\n1", "X\x1f/1", "X/1\t", "\\\x01"])
def test_control_characters_never_reach_the_file(number: str) -> None:
    doc = invoice("X/1", _day(1), Item("10", hsn="8471"), buyer_gstin=MUMBAI_BUYER)
    data = gstr1(SELLER_GSTIN, APRIL, [doc])
    data["b2b"][0]["inv"][0]["inum"] = number
    with pytest.raises(ValidationError, match="control character"):
        gstr1_json(data)
    with pytest.raises(ValidationError, match="control character"):
        gstr1_json(data, pretty=True)


@pytest.mark.parametrize("number", ["X\\u0001", "X\\n1", "X\\\\n"])
def test_a_backslash_is_text_not_a_control_character(number: str) -> None:
    doc = invoice("X/1", _day(1), Item("10", hsn="8471"), buyer_gstin=MUMBAI_BUYER)
    data = gstr1(SELLER_GSTIN, APRIL, [doc])
    data["b2b"][0]["inv"][0]["inum"] = number
    assert json.loads(gstr1_json(data))["b2b"][0]["inv"][0]["inum"] == number


def test_cancelled_and_purchase_documents_and_empty_sections() -> None:
    void = cancelled(invoice("INV/9", _day(4), Item("100")))
    purchase = post(DocKind.PURCHASE_BILL, "P/1", _day(4), Item("100"), buyer_gstin=MUMBAI_BUYER)
    data = gstr1(SELLER_GSTIN, APRIL, [void, purchase])
    assert set(data) == {"gstin", "fp", "version", "hash", "doc_issue"}
    assert data["doc_issue"]["doc_det"][0]["docs"] == [_docs(1, "INV/9", "INV/9", 1, 1)]
    assert gstr1(SELLER_GSTIN, APRIL, [purchase])["gstin"] == SELLER_GSTIN


def test_unplaceable_documents_raise() -> None:
    composition = post(
        DocKind.BILL_OF_SUPPLY, "B/1", _day(3), Item("100"), scheme=SellerScheme.COMPOSITION
    )
    with pytest.raises(UnplaceableDocument, match="composition"):
        gstr1(SELLER_GSTIN, APRIL, [composition])
    sez_without_gstin = invoice("S/1", _day(3), Item("100"), to_sez=True)
    with pytest.raises(UnplaceableDocument, match="SEZ"):
        gstr1(SELLER_GSTIN, APRIL, [sez_without_gstin])
    with pytest.raises(InvalidGstin, match="check character"):
        gstr1("27AAPFU0939F1ZO", APRIL, [])


# --- the schema ---------------------------------------------------------------------------------


def test_every_gov_sample_section_validates() -> None:
    sections = json.loads((SAMPLES / "india-compliance-gstr1-gov-sections.json").read_text())
    assert len(sections) == 12
    for name, section in sections.items():
        wrapped = {"gstin": SELLER_GSTIN, "fp": "112016", name: section}
        assert validate_gstr1(wrapped) == [], name
    assert validate_gstr1({"gstin": SELLER_GSTIN, "fp": "112016", **sections}) == []


def test_broken_returns_are_refused_with_readable_messages() -> None:
    data = json.loads(gstr1_json(gstr1(SELLER_GSTIN, APRIL, demo_month())))
    del data["b2b"][0]["inv"][0]["rchrg"]
    data["b2cl"][0]["pos"] = "5"
    data["b2cs"][0]["txval"] = "800.00"
    data["exp"][0]["inv"][0]["idt"] = "2025-04-24"
    data["hsn"]["hsn_b2b"][0]["uqc"] = "KILO"
    problems = validate_gstr1(data)
    assert problems == [
        "b2b[0].inv[0]: 'rchrg' is missing",
        "b2cl[0].pos: '5' is not a two-digit place-of-supply state code (01-38, 96, 97 or 99)",
        "b2cs[0].txval: '800.00' should be number (an amount in rupees with at most two "
        "decimals (credit notes may make it negative))",
        "exp[0].inv[0].idt: '2025-04-24' is not a date written DD-MM-YYYY",
        "hsn.hsn_b2b[0].uqc: 'KILO' is not a unit code (UQC) from the GSTN list, such as NOS "
        "or KGS",
    ]
    assert validate_gstr1({"fp": "132025", "b2x": []}) == [
        "the return: 'gstin' is missing",
        "the return: Additional properties are not allowed ('b2x' was unexpected); "
        "the portal does not know that key",
        "fp: '132025' is not the return period as MMYYYY, e.g. 042025",
    ]


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed return: keys of objects and indexes of lists."""
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*at, index))
    return found


_ODD_VALUES: tuple[Any, ...] = (
    None,
    "",
    "5",
    "KILO",
    "2025-04-24",
    -1,
    0,
    1.005,
    "800.00",
    [],
    {},
    True,
    "x" * 40,
)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_compiled_check_agrees_with_jsonschema(data: st.DataObject) -> None:
    """validate_gstr1 answers "matches" through fastjsonschema; jsonschema, on the schema as
    kept in resources/, is the oracle for returns broken at any place in any way."""
    schema = json.loads((config.resources_dir() / "gst" / "gstr1.schema.json").read_text())
    oracle = Draft202012Validator(schema)
    valid = json.loads(gstr1_json(gstr1(SELLER_GSTIN, APRIL, demo_month())))
    broken = json.loads(json.dumps(valid))
    path = data.draw(st.sampled_from(_paths(broken)[1:]))
    *parents, last = path
    holder = broken
    for part in parents:
        holder = holder[part]
    how = data.draw(st.sampled_from(("replace", "delete", "add")))
    if how == "replace":
        holder[last] = data.draw(st.sampled_from(_ODD_VALUES))
    elif how == "delete":
        del holder[last]
    elif isinstance(holder[last], dict):
        holder[last]["unknown_key"] = 1
    else:
        holder[last] = [holder[last]]
    for each in (valid, broken):
        assert (validate_gstr1(each) == []) == oracle.is_valid(each)


def test_long_or_odd_numbers_break_the_schema() -> None:
    data = json.loads(gstr1_json(gstr1(SELLER_GSTIN, APRIL, demo_month())))
    data["b2b"][0]["inv"][0]["inum"] = "INV/2025-2026/00001"  # 19 characters
    assert validate_gstr1(data)[0].startswith("b2b[0].inv[0].inum: 'INV/2025-2026/00001' is not a")


# --- properties -----------------------------------------------------------------------------

_STATES = ("27", "29", "24", "07", "04")
_BUYERS = (
    None,
    None,
    gstin("27", "AAACC1234C"),
    gstin("29", "AABCR1718E"),
    gstin("07", "AAACD4321D"),
)

_items = st.builds(
    Item,
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("90000"), places=2).map(str),
    rate=st.sampled_from(["0", "3", "5", "12", "18", "28"]),
    qty=st.sampled_from(["1", "2", "3.5"]),
    hsn=st.sampled_from(["8471", "0902", "998314"]),
    cess_rate=st.sampled_from(["0", "0", "12"]),
    taxability=st.sampled_from([Taxability.TAXABLE] * 4 + list(Taxability)),
)


@st.composite
def _documents(draw: st.DrawFn) -> list[PostedDocument]:
    documents: list[PostedDocument] = []
    for index in range(draw(st.integers(1, 8))):
        kind = draw(
            st.sampled_from([DocKind.SALES_INVOICE] * 3 + [DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE])
        )
        exported = draw(
            st.sampled_from([None, None, None, Export(True, "INNSA1", "1", _day(2)), Export(False)])
        )
        extra: dict[str, Any] = {}
        if kind is not DocKind.SALES_INVOICE:
            extra = {"original_number": "INV/1", "original_date": _day(1)}
        document = post(
            kind,
            f"{kind.value[:2].upper()}/{index + 1}",
            _day(draw(st.integers(1, 30))),
            *draw(st.lists(_items, min_size=1, max_size=4)),
            buyer_gstin=None if exported else draw(st.sampled_from(_BUYERS)),
            buyer_state=draw(st.sampled_from(_STATES)),
            export=exported,
            status=draw(st.sampled_from([DocStatus.POSTED] * 5 + [DocStatus.CANCELLED])),
            **extra,
        )
        documents.append(document)
    return documents


def _signed(sums: list[Decimal]) -> Decimal:
    return sum(sums, D("0"))


def _section_totals(data: dict[str, Any], key: str) -> Decimal:
    """Sum of one figure over b2b, b2cl, b2cs, exp and the notes (credit notes negative)."""
    total = D("0")
    for party in data.get("b2b", []):
        total += _signed([i["itm_det"].get(key, 0) for inv in party["inv"] for i in inv["itms"]])
    for place in data.get("b2cl", []):
        total += _signed([i["itm_det"].get(key, 0) for inv in place["inv"] for i in inv["itms"]])
    total += _signed([row.get(key, 0) for row in data.get("b2cs", [])])
    for kind in data.get("exp", []):
        total += _signed([i.get(key, 0) for inv in kind["inv"] for i in inv["itms"]])
    notes = [nt for party in data.get("cdnr", []) for nt in party["nt"]] + data.get("cdnur", [])
    for note in notes:
        sign = -1 if note["ntty"] == "C" else 1
        total += sign * _signed([i["itm_det"].get(key, 0) for i in note["itms"]])
    return total


@settings(max_examples=60, deadline=None)
@given(_documents())
def test_properties_of_any_month(documents: list[PostedDocument]) -> None:
    data = json.loads(gstr1_json(gstr1(SELLER_GSTIN, APRIL, documents)), parse_float=Decimal)
    assert validate_gstr1(data) == []
    live = [d for d in documents if not d.cancelled]

    # (a) the taxable tables hold exactly the taxable lines, credit notes subtracted
    taxed_lines = sum(
        (
            d.sign * line.taxable
            for d in live
            for line in d.lines
            if line.taxability is Taxability.TAXABLE and (line.tax or d.export or line.gst_rate)
        ),
        D("0"),
    )
    assert _section_totals(data, "txval") == taxed_lines

    # (b) inter-state rows never carry CGST/SGST
    inter_rows = [row for row in data.get("b2cs", []) if row["sply_ty"] == "INTER"]
    by_number = {d.number: d for d in live}
    for party in data.get("b2b", []) + data.get("cdnr", []):
        for entry in party.get("inv", []) + party.get("nt", []):
            if by_number[entry.get("inum") or entry["nt_num"]].inter_state:
                inter_rows += [item["itm_det"] for item in entry["itms"]]
    for row in inter_rows:
        assert row.get("camt", 0) == 0 and row.get("samt", 0) == 0

    # (c) the HSN summary adds up to the tables (taxable tables plus Table 8)
    hsn_rows = [row for rows in data.get("hsn", {}).values() for row in rows]
    nil_rows = data.get("nil", {}).get("inv", [])
    nil_total = _signed([row[c] for row in nil_rows for c in ("nil_amt", "expt_amt", "ngsup_amt")])
    assert _signed([row["txval"] for row in hsn_rows]) == _section_totals(data, "txval") + nil_total
    every_line = sum((d.sign * line.taxable for d in live for line in d.lines), D("0"))
    assert _section_totals(data, "txval") + nil_total == every_line
    for key in ("iamt", "camt", "samt", "csamt"):
        assert _signed([row[key] for row in hsn_rows]) == _section_totals(data, key)

    # (d) every live document appears once in the taxable tables or in Table 8 (or both, for a
    # bill with taxed and untaxed lines); Table 13 counts every document, cancelled or not
    summary = {
        row.section: row.document_ids for row in gstr1_summary(SELLER_GSTIN, APRIL, documents).rows
    }
    for document in live:
        places = [
            section
            for section, ids in summary.items()
            if section is not Section.NIL and document.id in ids
        ]
        assert len(places) == 1 or (places == [] and document.id in summary.get(Section.NIL, ()))
        assert all(ids.count(document.id) <= 1 for ids in summary.values())
    listed = [e.get("inum") or e.get("nt_num") for e in _entries(data)]
    assert len(listed) == len(set(listed))
    issued = [doc["totnum"] for nature in data["doc_issue"]["doc_det"] for doc in nature["docs"]]
    assert sum(issued) == len(documents)


def _entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = [inv for party in data.get("b2b", []) for inv in party["inv"]]
    found += [inv for place in data.get("b2cl", []) for inv in place["inv"]]
    found += [inv for kind in data.get("exp", []) for inv in kind["inv"]]
    found += [nt for party in data.get("cdnr", []) for nt in party["nt"]]
    return found + data.get("cdnur", [])


# --- expected-value builders (amounts as strings, as everywhere in the tests) -------------------


def _d(values: dict[str, str]) -> dict[str, Decimal]:
    return {key: D(value) for key, value in values.items()}


def _inv(
    inum: str, idt: str, val: str, pos: str, rchrg: str, inv_typ: str, itms: list[Any]
) -> dict[str, Any]:
    return {
        "inum": inum,
        "idt": idt,
        "val": D(val),
        "pos": pos,
        "rchrg": rchrg,
        "inv_typ": inv_typ,
        "itms": itms,
    }


def _note(ntty: str, num: str, day: str, val: str, pos: str, itms: list[Any]) -> dict[str, Any]:
    return {
        "ntty": ntty,
        "nt_num": num,
        "nt_dt": day,
        "val": D(val),
        "pos": pos,
        "rchrg": "N",
        "inv_typ": "R",
        "itms": itms,
    }


def _b2cs(sply_ty: str, pos: str, rt: str, txval: str, **tax: str) -> dict[str, Any]:
    return {"sply_ty": sply_ty, "pos": pos, "typ": "OE", "rt": D(rt), "txval": D(txval), **_d(tax)}


def _hsn(num: int, hsn: str, uqc: str, qty: str, rt: str, txval: str, **tax: str) -> dict[str, Any]:
    heads = {"iamt": "0", "camt": "0", "samt": "0", "csamt": "0", **tax}
    return {
        "num": num,
        "hsn_sc": hsn,
        "uqc": uqc,
        "qty": D(qty),
        "rt": D(rt),
        "txval": D(txval),
        **_d(heads),
    }


def _docs(num: int, first: str, last: str, total: int, cancel: int) -> dict[str, Any]:
    return {
        "num": num,
        "from": first,
        "to": last,
        "totnum": total,
        "cancel": cancel,
        "net_issue": total - cancel,
    }

"""e-invoice JSON (NIC schema 1.1): the schema against the IRP's own sample requests, a golden
invoice derived by hand, refusals, the e-way bill warning, and properties over random invoices."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from app.billing.model import Address, Counterparty, DocKind, DocStatus, Export, PostedDocument
from app.errors import ValidationError
from app.gst import InvalidTaxInput, Rounding, Taxability
from app.reports.einvoice import (
    NotForEinvoice,
    SellerDetails,
    einvoice_batch,
    einvoice_file_json,
    einvoice_json,
    seller_details,
    validate_einvoice,
)
from app.reports.eway_bill import eway_bill_needed
from app.storage.company import CompanyProfile
from tests.reports.gst3b_documents import OUR_GSTIN, Line, document, gstin

SHARED_SAMPLES = Path(
    "/work/shared/reference/gstr1-samples/india-compliance-einvoice-v1.1-samples.json"
)

# The request_data of india-compliance's test_e_invoice.json (GPL-3.0, snapshot c7d0a827),
# keys goods_item_with_ewaybill and return_invoice: real NIC schema 1.1 requests.
NIC_SAMPLES_TEXT = r"""
{
 "goods_item_with_ewaybill": {
  "BuyerDtls": {
   "Addr1": "Test Address - 3",
   "Gstin": "36AMBPG7773M002",
   "LglNm": "_Test Registered Customer",
   "Loc": "Test City",
   "Pin": 500055,
   "Pos": "02",
   "Stcd": "36",
   "TrdNm": "_Test Registered Customer"
  },
  "DocDtls": {
   "Dt": "16/09/2022",
   "No": "test_invoice_no",
   "Typ": "INV"
  },
  "EwbDtls": {
   "Distance": 0,
   "TransMode": "1",
   "VehNo": "GJ07DL9009",
   "VehType": "R"
  },
  "ItemList": [
   {
    "AssAmt": 100000.0,
    "CesAmt": 0,
    "CesNonAdvlAmt": 0,
    "CesRt": 0,
    "CgstAmt": 9000.0,
    "Discount": 0,
    "GstRt": 18,
    "HsnCd": "61149090",
    "IgstAmt": 0,
    "IsServc": "N",
    "PrdDesc": "Test Trading Goods 1",
    "Qty": 1000.0,
    "SgstAmt": 9000.0,
    "SlNo": "1",
    "TotAmt": 100000.0,
    "TotItemVal": 118000.0,
    "Unit": "NOS",
    "UnitPrice": 100.0
   }
  ],
  "PayDtls": {
   "CrDay": 0,
   "PaidAmt": 0,
   "PaymtDue": 118000.0
  },
  "SellerDtls": {
   "Addr1": "Test Address - 1",
   "Gstin": "02AMBPG7773M002",
   "LglNm": "_Test Indian Registered Company",
   "Loc": "Test City",
   "Pin": 171302,
   "Stcd": "02",
   "TrdNm": "_Test Indian Registered Company"
  },
  "TranDtls": {
   "RegRev": "N",
   "SupTyp": "B2B",
   "TaxSch": "GST"
  },
  "ValDtls": {
   "AssVal": 100000.0,
   "CesVal": 0,
   "CgstVal": 9000.0,
   "Discount": 0,
   "IgstVal": 0,
   "OthChrg": 0.0,
   "RndOffAmt": 0.0,
   "SgstVal": 9000.0,
   "TotInvVal": 118000.0
  },
  "Version": "1.1"
 },
 "return_invoice": {
  "BuyerDtls": {
   "Addr1": "Test Address - 3",
   "Gstin": "36AMBPG7773M002",
   "LglNm": "_Test Registered Customer",
   "Loc": "Test City",
   "Pin": 500055,
   "Pos": "02",
   "Stcd": "36",
   "TrdNm": "_Test Registered Customer"
  },
  "DocDtls": {
   "Dt": "17/09/2022",
   "No": "test_invoice_no",
   "Typ": "CRN"
  },
  "ItemList": [
   {
    "SlNo": "1",
    "PrdDesc": "Test Trading Goods 1",
    "IsServc": "N",
    "HsnCd": "61149090",
    "Unit": "NOS",
    "Qty": 1.0,
    "UnitPrice": 7.6,
    "TotAmt": 7.6,
    "Discount": 0,
    "AssAmt": 7.6,
    "GstRt": 12.0,
    "IgstAmt": 0,
    "CgstAmt": 0.46,
    "SgstAmt": 0.46,
    "CesRt": 0,
    "CesAmt": 0,
    "CesNonAdvlAmt": 0,
    "TotItemVal": 8.52
   },
   {
    "SlNo": "2",
    "PrdDesc": "Test Trading Goods 1",
    "IsServc": "N",
    "HsnCd": "61149090",
    "Unit": "NOS",
    "Qty": 1.0,
    "UnitPrice": 7.6,
    "TotAmt": 7.6,
    "Discount": 0,
    "AssAmt": 7.6,
    "GstRt": 12.0,
    "IgstAmt": 0,
    "CgstAmt": 0.45,
    "SgstAmt": 0.45,
    "CesRt": 0,
    "CesAmt": 0,
    "CesNonAdvlAmt": 0,
    "TotItemVal": 8.5
   }
  ],
  "PayDtls": {
   "CrDay": 0,
   "PaidAmt": 0,
   "PaymtDue": 17.0
  },
  "RefDtls": {
   "PrecDocDtls": [
    {
     "InvDt": "17/09/2022",
     "InvNo": "SINV-CFY-00092"
    }
   ]
  },
  "SellerDtls": {
   "Addr1": "Test Address - 1",
   "Gstin": "02AMBPG7773M002",
   "LglNm": "_Test Indian Registered Company",
   "Loc": "Test City",
   "Pin": 171302,
   "Stcd": "02",
   "TrdNm": "_Test Indian Registered Company"
  },
  "TranDtls": {
   "RegRev": "N",
   "SupTyp": "B2B",
   "TaxSch": "GST"
  },
  "ValDtls": {
   "AssVal": 15.2,
   "CesVal": 0,
   "CgstVal": 0.91,
   "Discount": 0,
   "IgstVal": 0,
   "OthChrg": 0.0,
   "RndOffAmt": -0.02,
   "SgstVal": 0.91,
   "TotInvVal": 17.0
  },
  "Version": "1.1"
 }
}
"""
NIC_SAMPLES: dict[str, dict[str, Any]] = json.loads(NIC_SAMPLES_TEXT)
# india-compliance put a placeholder where the invoice number was; the IRP signed the request
# with this number (the DocNo in the sample response's SignedInvoice).
SIGNED_NUMBER = "SINV-CFY-00067"

PUNE_BUYER = gstin("27", "AAACP1234C")
SURAT_BUYER = gstin("24", "AAFCS4321K")
DAY = date(2025, 6, 15)

SELLER = SellerDetails(
    gstin=OUR_GSTIN,
    legal_name="Sharma Test Traders",
    trade_name="Sharma Traders",
    address1="12 MG Road, Camp",
    address2="",
    location="Pune",
    pin="411001",
    state_code="27",
    phone="020-2612 3456",
    email="accounts@sharma.example",
)


def d(text: str) -> Decimal:
    return Decimal(text)


# --- the schema ---------------------------------------------------------------------------------


def test_embedded_samples_match_the_reference_file() -> None:
    if not SHARED_SAMPLES.exists():
        pytest.skip("shared reference notes are not on this machine")
    shared = json.loads(SHARED_SAMPLES.read_text(encoding="utf-8"))
    assert {key: value["request_data"] for key, value in shared.items()} == NIC_SAMPLES


@pytest.mark.parametrize("name", sorted(NIC_SAMPLES))
def test_nic_sample_requests_validate(name: str) -> None:
    request = json.loads(json.dumps(NIC_SAMPLES[name]))
    request["DocDtls"]["No"] = SIGNED_NUMBER
    assert validate_einvoice(request) == []


@pytest.mark.parametrize("name", sorted(NIC_SAMPLES))
def test_sample_placeholder_number_is_the_only_fault(name: str) -> None:
    # NIC: "Small case alphabets are NOT allowed in Document Number"; nor is "_".
    assert validate_einvoice(NIC_SAMPLES[name]) == [
        "DocDtls.No: 'test_invoice_no' is not a document number of at most 16 capital "
        "letters, digits, '/' and '-', not starting with 0"
    ]


@pytest.mark.parametrize(
    ("path", "value", "fault"),
    [
        (("SellerDtls", "Pin"), 17130, "SellerDtls.Pin: 17130 is less than the minimum"),
        (("SellerDtls", "Gstin"), "02AMBPG7773M00", "SellerDtls.Gstin: '02AMBPG7773M00' is not"),
        (("DocDtls", "Dt"), "2022-09-16", "DocDtls.Dt: '2022-09-16' is not a date"),
        (("DocDtls", "No"), "INV/2022-23/000012", "DocDtls.No: 'INV/2022-23/000012' is not"),
        (("DocDtls", "Typ"), "BIL", "DocDtls.Typ: 'BIL' is not a document type"),
        (("TranDtls", "SupTyp"), "B2C", "TranDtls.SupTyp: 'B2C' is not a supply type"),
        (("BuyerDtls", "Pos"), "X2", "BuyerDtls.Pos: 'X2' is not a state code"),
        (("ValDtls", "TotInvVal"), "118000", "ValDtls.TotInvVal: '118000' is not of type"),
    ],
)
def test_schema_names_the_fault(path: tuple[str, str], value: object, fault: str) -> None:
    request = json.loads(json.dumps(NIC_SAMPLES["goods_item_with_ewaybill"]))
    request["DocDtls"]["No"] = SIGNED_NUMBER
    request[path[0]][path[1]] = value
    problems = validate_einvoice(request)
    assert len(problems) == 1 and problems[0].startswith(fault)


def test_schema_asks_for_required_blocks_and_knows_its_keys() -> None:
    request = json.loads(json.dumps(NIC_SAMPLES["return_invoice"]))
    request["DocDtls"]["No"] = SIGNED_NUMBER
    del request["ValDtls"]
    request["ItemList"][0]["Colour"] = "red"
    assert validate_einvoice(request) == [
        "the request: 'ValDtls' is missing",
        "ItemList[0]: Additional properties are not allowed ('Colour' was unexpected); "
        "the IRP does not know that key",
    ]


# --- a golden invoice -----------------------------------------------------------------------


def golden_invoice() -> PostedDocument:
    return document(
        DocKind.SALES_INVOICE,
        "INV/25-26/0001",
        DAY,
        # 3 x 1180 with tax = 3540, less 10% = 3186; / 1.18 = 2700 taxable; CGST = SGST = 243
        Line("1180", qty="3", discount_pct="10", inclusive=True, hsn="42021290"),
        # 499.50 at 18%: CGST = SGST = 44.955, rounded half up to 44.96
        Line("499.50", hsn="998719", uqc="NA", description="Installation"),
        party="Patil Traders",
        party_gstin=PUNE_BUYER,
    )


GOLDEN = {
    "Version": "1.1",
    "TranDtls": {"TaxSch": "GST", "SupTyp": "B2B", "RegRev": "N", "IgstOnIntra": "N"},
    "DocDtls": {"Typ": "INV", "No": "INV/25-26/0001", "Dt": "15/06/2025"},
    "SellerDtls": {
        "Gstin": OUR_GSTIN,
        "LglNm": "Sharma Test Traders",
        "TrdNm": "Sharma Traders",
        "Addr1": "12 MG Road, Camp",
        "Loc": "Pune",
        "Pin": 411001,
        "Stcd": "27",
        "Ph": "02026123456",
        "Em": "accounts@sharma.example",
    },
    "BuyerDtls": {
        "Gstin": PUNE_BUYER,
        "LglNm": "Patil Traders",
        "TrdNm": "Patil Traders",
        "Pos": "27",
        "Addr1": "Shop 4, Laxmi Road, Pune",
        "Loc": "Pune",
        "Pin": 411030,
        "Stcd": "27",
        "Ph": "9822012345",
    },
    "ItemList": [
        {
            "SlNo": "1",
            "PrdDesc": "Laptop bag",
            "IsServc": "N",
            "HsnCd": "42021290",
            "Qty": d("3"),
            "Unit": "NOS",
            # before tax: discount 354 / 1.18 = 300, gross 2700 + 300 = 3000, 1000 a unit
            "UnitPrice": d("1000.00"),
            "TotAmt": d("3000.00"),
            "Discount": d("300.00"),
            "AssAmt": d("2700.00"),
            "GstRt": d("18"),
            "IgstAmt": d("0.00"),
            "CgstAmt": d("243.00"),
            "SgstAmt": d("243.00"),
            "CesRt": d("0"),
            "CesAmt": d("0.00"),
            "CesNonAdvlAmt": d("0.00"),
            "TotItemVal": d("3186.00"),
        },
        {
            "SlNo": "2",
            "PrdDesc": "Installation",
            "IsServc": "Y",
            "HsnCd": "998719",
            "Qty": d("1"),
            "Unit": "OTH",  # "NA" is no unit the IRP knows
            "UnitPrice": d("499.50"),
            "TotAmt": d("499.50"),
            "Discount": d("0.00"),
            "AssAmt": d("499.50"),
            "GstRt": d("18"),
            "IgstAmt": d("0.00"),
            "CgstAmt": d("44.96"),
            "SgstAmt": d("44.96"),
            "CesRt": d("0"),
            "CesAmt": d("0.00"),
            "CesNonAdvlAmt": d("0.00"),
            "TotItemVal": d("589.42"),
        },
    ],
    "ValDtls": {
        "AssVal": d("3199.50"),
        "CgstVal": d("287.96"),
        "SgstVal": d("287.96"),
        "IgstVal": d("0.00"),
        "CesVal": d("0.00"),
        # 3199.50 + 575.92 = 3775.42, rounded to 3775
        "RndOffAmt": d("-0.42"),
        "TotInvVal": d("3775.00"),
    },
}


def test_golden_invoice() -> None:
    request = einvoice_json(SELLER, golden_invoice())
    assert request == GOLDEN
    assert validate_einvoice(request) == []


def test_file_for_the_offline_tool_is_a_list_of_exact_numbers() -> None:
    requests = einvoice_batch(SELLER, [golden_invoice()])
    text = einvoice_file_json(requests)
    assert '"RndOffAmt":-0.42' in text and '"TotInvVal":3775.00' in text
    assert '"Pin":411030' in text and '"GstRt":18,' in text
    parsed = json.loads(text)
    assert isinstance(parsed, list) and len(parsed) == 1
    assert validate_einvoice(parsed[0]) == []


def test_credit_note_refers_to_its_invoice() -> None:
    original = golden_invoice()
    note = document(
        DocKind.CREDIT_NOTE,
        "CN/25-26/0001",
        date(2025, 6, 20),
        Line("1000"),
        party_gstin=PUNE_BUYER,
        original=original,
    )
    request = einvoice_json(SELLER, note)
    assert request["DocDtls"]["Typ"] == "CRN"
    assert request["RefDtls"] == {
        "PrecDocDtls": [{"InvNo": "INV/25-26/0001", "InvDt": "15/06/2025"}]
    }
    assert request["ValDtls"]["TotInvVal"] == d("1180.00")  # amounts stay positive
    assert validate_einvoice(request) == []


def test_export_and_sez() -> None:
    export = document(
        DocKind.SALES_INVOICE,
        "EXP/1",
        DAY,
        Line("300", qty="100"),
        party="Gulf Imports LLC",
        address="Warehouse 9, Jebel Ali, Dubai",
        pin="",
        export=Export(
            with_payment=False,
            port_code="INNSA1",
            shipping_bill="5512345",
            shipping_bill_date=date(2025, 6, 16),
        ),
    )
    request = einvoice_json(SELLER, export)
    assert request["TranDtls"]["SupTyp"] == "EXPWOP"
    buyer = request["BuyerDtls"]
    assert (buyer["Gstin"], buyer["Pos"], buyer["Stcd"], buyer["Pin"]) == (
        "URP",
        "96",
        "96",
        999999,
    )
    assert buyer["Loc"] == "Dubai"
    assert request["ExpDtls"] == {"ShipBNo": "5512345", "ShipBDt": "16/06/2025", "Port": "INNSA1"}
    assert request["ValDtls"]["IgstVal"] == d("0.00")
    assert validate_einvoice(request) == []

    paid = replace(export, export=Export(with_payment=True))
    assert einvoice_json(SELLER, paid)["TranDtls"]["SupTyp"] == "EXPWP"

    sez = document(
        DocKind.SALES_INVOICE, "INV/9", DAY, Line("1000"), party_gstin=PUNE_BUYER, to_sez=True
    )
    request = einvoice_json(SELLER, sez)
    assert request["TranDtls"]["SupTyp"] == "SEZWP"  # IGST charged although in our state
    assert request["ValDtls"]["IgstVal"] == d("180.00")
    assert request["TranDtls"]["IgstOnIntra"] == "N"


def test_reverse_charge_items_are_valued_without_tax() -> None:
    doc = document(
        DocKind.SALES_INVOICE,
        "GTA/1",
        DAY,
        Line("10000", rate="5", hsn="996511", description="Road transport"),
        party_gstin=SURAT_BUYER,
        reverse_charge=True,
    )
    request = einvoice_json(SELLER, doc)
    assert request["TranDtls"]["RegRev"] == "Y"
    item = request["ItemList"][0]
    assert (item["IgstAmt"], item["TotItemVal"]) == (d("500.00"), d("10000.00"))
    assert request["ValDtls"]["TotInvVal"] == d("10000.00")
    assert request["ValDtls"]["RndOffAmt"] == d("0.00")


def test_cess_is_split_into_ad_valorem_and_per_unit() -> None:
    doc = document(
        DocKind.SALES_INVOICE,
        "INV/10",
        DAY,
        Line("100000", rate="28", cess_rate="15", hsn="8703", description="Car"),
        Line("50", qty="200", rate="28", cess_per_unit="4.17", hsn="2402", description="Bidi"),
        party_gstin=SURAT_BUYER,
    )
    first, second = einvoice_json(SELLER, doc)["ItemList"]
    assert (first["CesRt"], first["CesAmt"], first["CesNonAdvlAmt"]) == (
        d("15"),
        d("15000.00"),
        d("0.00"),
    )
    assert (second["CesAmt"], second["CesNonAdvlAmt"]) == (d("0.00"), d("834.00"))


def test_refusals_name_the_document_and_the_fix() -> None:
    b2c = document(DocKind.SALES_INVOICE, "INV/11", DAY, Line("100"), party="Walk-in")
    with pytest.raises(NotForEinvoice, match=r"Tax Invoice INV/11 .*B2C"):
        einvoice_json(SELLER, b2c)
    purchase = document(DocKind.PURCHASE_BILL, "GJ/1", DAY, Line("100"), party_gstin=SURAT_BUYER)
    with pytest.raises(NotForEinvoice, match="purchase document"):
        einvoice_json(SELLER, purchase)
    cancelled = replace(golden_invoice(), status=DocStatus.CANCELLED)
    with pytest.raises(NotForEinvoice, match="is cancelled"):
        einvoice_json(SELLER, cancelled)
    bos = document(
        DocKind.BILL_OF_SUPPLY,
        "BOS/1",
        DAY,
        Line("40", rate="0", taxability=Taxability.EXEMPT),
        party_gstin=PUNE_BUYER,
    )
    with pytest.raises(NotForEinvoice, match="only tax invoices"):
        einvoice_json(SELLER, bos)
    bad_gstin = replace(
        golden_invoice(),
        counterparty=Counterparty(
            "Patil Traders", "27AAACP1234C1ZX", "27", Address("Pune", "27", "411030")
        ),
    )
    with pytest.raises(NotForEinvoice, match="check character should be"):
        einvoice_json(SELLER, bad_gstin)
    no_pin = document(
        DocKind.SALES_INVOICE, "INV/12", DAY, Line("100"), party_gstin=PUNE_BUYER, pin=""
    )
    with pytest.raises(
        NotForEinvoice, match="6-digit PIN code of the billing address of Patil Traders"
    ):
        einvoice_json(SELLER, no_pin)
    lower = replace(golden_invoice(), number="inv/1")
    with pytest.raises(NotForEinvoice, match="capital letters"):
        einvoice_json(SELLER, lower)
    orphan = document(DocKind.DEBIT_NOTE, "DN/1", DAY, Line("100"), party_gstin=PUNE_BUYER)
    with pytest.raises(NotForEinvoice, match="number and date of the invoice it corrects"):
        einvoice_json(SELLER, orphan)
    no_unit = document(
        DocKind.SALES_INVOICE, "INV/14", DAY, Line("100", uqc="NA"), party_gstin=PUNE_BUYER
    )
    with pytest.raises(NotForEinvoice, match="line 1's unit 'NA' is not a unit quantity code"):
        einvoice_json(SELLER, no_unit)
    no_hsn = document(
        DocKind.SALES_INVOICE, "INV/13", DAY, Line("100", hsn=""), party_gstin=PUNE_BUYER
    )
    with pytest.raises(NotForEinvoice, match="line 1 needs an HSN/SAC code"):
        einvoice_json(SELLER, no_hsn)


def test_batch_is_all_or_nothing_and_lists_every_fault() -> None:
    good = golden_invoice()
    b2c = document(DocKind.SALES_INVOICE, "INV/11", DAY, Line("100"), party="Walk-in")
    no_pin = document(
        DocKind.SALES_INVOICE, "INV/12", DAY, Line("100"), party_gstin=PUNE_BUYER, pin=""
    )
    with pytest.raises(NotForEinvoice) as caught:
        einvoice_batch(SELLER, [good, b2c, no_pin])
    message = str(caught.value)
    assert message.startswith("2 of 3 documents cannot be e-invoiced")
    assert "INV/11" in message and "INV/12" in message and "INV/25-26/0001" not in message
    with pytest.raises(NotForEinvoice, match="appear twice"):
        einvoice_batch(SELLER, [good, good])


def test_seller_details_from_the_company_profile() -> None:
    profile = CompanyProfile(
        name="Sharma Test Traders",
        state_code="27",
        books_begin=date(2025, 4, 1),
        gstin="27aapfu0939f1zv",
        address="Plot 7, Industrial Estate, Bhosari MIDC, Near the long water tank by the "
        "old railway crossing\nPimpri-Chinchwad, Pune",
    )
    seller = seller_details(profile, "411026", "Pune", trade_name="Sharma", phone="9822000000")
    assert seller.gstin == OUR_GSTIN
    assert seller.address1 == (
        "Plot 7, Industrial Estate, Bhosari MIDC, Near the long water tank by the old "
        "railway crossing"
    )
    assert seller.address2 == "Pimpri-Chinchwad, Pune"
    block = seller.json()
    assert block["Pin"] == 411026 and block["Addr2"] == "Pimpri-Chinchwad, Pune"
    assert "TrdNm" in block and block["Ph"] == "9822000000"
    with pytest.raises(ValidationError, match="6-digit PIN"):
        seller_details(profile, "0411026", "Pune")
    with pytest.raises(ValidationError, match="town or city"):
        seller_details(profile, "411026", "")
    with pytest.raises(ValidationError, match="registered in state 27, not 29"):
        seller_details(replace(profile, state_code="29"), "411026", "Pune")
    with pytest.raises(ValidationError, match="Set the company's GSTIN"):
        seller_details(replace(profile, gstin=None), "411026", "Pune")
    with pytest.raises(ValidationError, match="too long"):
        seller_details(replace(profile, address="x" * 150), "411026", "Pune")


# --- e-way bill ---------------------------------------------------------------------------------


def test_eway_bill_warning_above_fifty_thousand_with_tax() -> None:
    # 42,373 + 18% = 50,000.14: over the limit only because of the tax
    over = document(DocKind.SALES_INVOICE, "INV/20", DAY, Line("42373"), party_gstin=PUNE_BUYER)
    warning = eway_bill_needed(over)
    assert warning is not None
    assert "INV/20" in warning and "50,000.14" in warning and "Rule 138" in warning
    # 42,372 + 18% = 49,998.96
    under = document(DocKind.SALES_INVOICE, "INV/21", DAY, Line("42372"), party_gstin=PUNE_BUYER)
    assert eway_bill_needed(under) is None


def test_eway_bill_leaves_out_services_exempt_goods_and_other_peoples_bills() -> None:
    services = document(
        DocKind.SALES_INVOICE, "INV/22", DAY, Line("90000", hsn="998314"), party_gstin=PUNE_BUYER
    )
    assert eway_bill_needed(services) is None
    mixed = document(
        DocKind.SALES_INVOICE,
        "INV/23",
        DAY,
        Line("40000"),  # 47,200 with tax
        Line("60000", rate="0", hsn="0702", taxability=Taxability.EXEMPT),
        party_gstin=PUNE_BUYER,
    )
    assert eway_bill_needed(mixed) is None
    big = document(DocKind.SALES_INVOICE, "INV/24", DAY, Line("60000"), party_gstin=PUNE_BUYER)
    assert eway_bill_needed(replace(big, status=DocStatus.CANCELLED)) is None
    assert eway_bill_needed(replace(big, kind=DocKind.QUOTATION)) is None
    assert eway_bill_needed(replace(big, kind=DocKind.DELIVERY_CHALLAN)) is not None
    bought = document(DocKind.PURCHASE_BILL, "S/1", DAY, Line("60000"), party_gstin=SURAT_BUYER)
    assert eway_bill_needed(bought) is None  # the registered supplier makes it
    unregistered = document(DocKind.PURCHASE_BILL, "S/2", DAY, Line("60000"), party="Farmer")
    assert eway_bill_needed(unregistered) is not None


# --- properties ---------------------------------------------------------------------------------

lines = st.builds(
    Line,
    price=st.decimals("0.01", "99999.99", places=2).map(str),
    qty=st.decimals("0.001", "500", places=3).map(str),
    rate=st.sampled_from(("0", "0.25", "3", "5", "12", "18", "28", "40")),
    hsn=st.sampled_from(("8471", "998212", "07020000")),
    uqc=st.sampled_from(("NOS", "KGS", "OTH")),
    discount_pct=st.sampled_from(("0", "10", "12.5", "33.33")),
    cess_rate=st.sampled_from(("0", "0", "12")),
    cess_per_unit=st.sampled_from(("0", "0", "1.5")),
    inclusive=st.booleans(),
    taxability=st.sampled_from((Taxability.TAXABLE,) * 4 + (Taxability.EXEMPT,)),
)


@st.composite
def invoices(draw: st.DrawFn) -> PostedDocument:
    kind = draw(st.sampled_from((DocKind.SALES_INVOICE, DocKind.CREDIT_NOTE, DocKind.DEBIT_NOTE)))
    special = draw(st.sampled_from(("b2b", "b2b", "export", "sez", "rcm")))
    original = golden_invoice() if kind.is_note else None
    try:
        return document(
            kind,
            draw(st.from_regex(r"[A-Z1-9][A-Z0-9/-]{0,15}", fullmatch=True)),
            DAY,
            *draw(st.lists(lines, min_size=1, max_size=6)),
            party_gstin=None
            if special == "export"
            else gstin(draw(st.sampled_from(("27", "24", "07")))),
            export=Export(with_payment=draw(st.booleans())) if special == "export" else None,
            to_sez=special == "sez",
            reverse_charge=special == "rcm",
            original=original,
            rounding=draw(st.sampled_from(tuple(Rounding))),
        )
    except InvalidTaxInput:
        reject()  # a per-unit cess above a tax-inclusive price


def _sum(items: list[dict[str, Any]], *keys: str) -> Decimal:
    return sum((item[key] for item in items for key in keys), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_values_add_up_and_validate(doc: PostedDocument) -> None:
    request = einvoice_json(SELLER, doc)
    items, values = request["ItemList"], request["ValDtls"]
    assert values["AssVal"] == _sum(items, "AssAmt")
    assert values["CgstVal"] == _sum(items, "CgstAmt")
    assert values["SgstVal"] == _sum(items, "SgstAmt")
    assert values["IgstVal"] == _sum(items, "IgstAmt")
    assert values["CesVal"] == _sum(items, "CesAmt", "CesNonAdvlAmt")
    taxes = values["CgstVal"] + values["SgstVal"] + values["IgstVal"] + values["CesVal"]
    charged = Decimal(0) if doc.reverse_charge else taxes
    assert values["TotInvVal"] == values["AssVal"] + charged + values["RndOffAmt"]
    assert values["TotInvVal"] == doc.grand_total
    for item in items:
        assert item["AssAmt"] == item["TotAmt"] - item["Discount"]
        item_tax = item["IgstAmt"] + item["CgstAmt"] + item["SgstAmt"]
        item_tax += item["CesAmt"] + item["CesNonAdvlAmt"]
        assert item["TotItemVal"] == item["AssAmt"] + (0 if doc.reverse_charge else item_tax)
        # the unit price explains the gross amount to within half a paisa, and half a paisa
        # a unit where the price was worked back from a tax-inclusive one
        gap = abs(item["UnitPrice"] * item["Qty"] - item["TotAmt"])
        assert gap <= Decimal("0.005") * (1 + item["Qty"])
    assert validate_einvoice(request) == []
    assert validate_einvoice(json.loads(einvoice_file_json([request]))[0]) == []


def test_buyer_town_is_read_from_the_end_of_the_address() -> None:
    doc = document(
        DocKind.SALES_INVOICE,
        "INV/30",
        DAY,
        Line("100"),
        party_gstin=PUNE_BUYER,
        address="Gala 12, Sector 7\nPimpri-Chinchwad, Maharashtra - 411026",
    )
    buyer = einvoice_json(SELLER, doc)["BuyerDtls"]
    assert buyer["Loc"] == "Pimpri-Chinchwad"
    assert buyer["Addr1"] == "Gala 12, Sector 7, Pimpri-Chinchwad, Maharashtra - 411026"
    only_state = replace(
        doc, counterparty=replace(doc.counterparty, billing=Address("Maharashtra", "27", "411026"))
    )
    with pytest.raises(
        NotForEinvoice, match="end the billing address of Patil Traders with the town"
    ):
        einvoice_json(SELLER, only_state)

"""e-invoice JSON in NIC schema 1.1, for upload through the IRP's offline tool (gst.md §6.2).

Pure: it reads a ``PostedDocument`` and writes the figures the books hold; nothing is
recomputed except what the schema asks in another form (a tax-inclusive line's pre-tax unit
price, and the split of cess into ad valorem and per-unit parts). Only documents the IRP takes
are written: tax invoices, credit and debit notes to registered buyers, exports and SEZ
supplies. Anything else is refused with a message that names the document and the fix.

Amounts stay Decimal in the dict (``jsonschema`` checks them as numbers) and leave as JSON
numbers through ``einvoice_file_json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from app import config
from app.billing.model import DocKind, PostedDocument, PostedLine
from app.errors import ValidationError
from app.gst import UnknownState, check_gstin, find_state, parse_gstin, state_by_code
from app.gst.states import OTHER_COUNTRIES
from app.money import ZERO, round_paise
from app.reports.exact_json import exact_json

if TYPE_CHECKING:
    from app.storage.company import CompanyProfile

VERSION = "1.1"
_HUNDRED = Decimal(100)
_THOUSANDTH = Decimal("0.001")
# NIC schema 1.1: "Small case alphabets are NOT allowed in Document Number"; CGST Rule 46(b).
DOCUMENT_NUMBER = re.compile(r"^[A-Z1-9][A-Z0-9/-]{0,15}$")
_PIN = re.compile(r"^[1-9][0-9]{5}$")
_HSN = re.compile(r"^[0-9]{4,8}$")
_UNIT = re.compile(r"^[A-Z]{3,8}$")
EXPORT_PIN = 999999  # the IRP's pin for a buyer outside India
SERVICE_UNIT = "OTH"  # a service line's unit when it has no unit of its own
_LINE_LIMIT = 100  # Addr1, Addr2: at most 100 characters each
_LOC_LIMIT = 50

_DOC_TYPES = {
    DocKind.SALES_INVOICE: "INV",
    DocKind.CREDIT_NOTE: "CRN",
    DocKind.DEBIT_NOTE: "DBN",
}


class NotForEinvoice(ValidationError):
    """A document the IRP would not take, or one missing something the schema needs."""


@dataclass(frozen=True)
class SellerDetails:
    """Our side of the e-invoice (SellerDtls), checked once and reused for every document."""

    gstin: str
    legal_name: str
    trade_name: str
    address1: str
    address2: str
    location: str
    pin: str
    state_code: str
    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        parsed = parse_gstin(self.gstin)
        if parsed.state_code != self.state_code:
            raise ValidationError(
                f"GSTIN {parsed.value} is registered in state {parsed.state_code}, not "
                f"{self.state_code}; correct the company's state or GSTIN."
            )
        if not 3 <= len(self.legal_name) <= _LINE_LIMIT:
            raise ValidationError("The company's legal name must have 3 to 100 characters.")
        if not self.address1:
            raise ValidationError("Enter the company's address; the e-invoice needs it.")
        if not 3 <= len(self.location) <= _LOC_LIMIT:
            raise ValidationError(
                "Enter the company's town or city (3 to 50 characters) for the e-invoice."
            )
        if not _PIN.match(self.pin):
            raise ValidationError(
                f"{self.pin!r} is not a PIN code; enter the company's 6-digit PIN (not "
                "starting with 0)."
            )

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Gstin": self.gstin,
            "LglNm": self.legal_name,
        }
        if len(self.trade_name) >= 3:
            data["TrdNm"] = self.trade_name[:_LINE_LIMIT]
        data["Addr1"] = self.address1
        if len(self.address2) >= 3:
            data["Addr2"] = self.address2
        data |= {"Loc": self.location, "Pin": int(self.pin), "Stcd": self.state_code}
        phone = _phone(self.phone)
        if phone:
            data["Ph"] = phone
        if 6 <= len(self.email) <= _LINE_LIMIT and "@" in self.email:
            data["Em"] = self.email
        return data


def seller_details(
    profile: CompanyProfile,
    pin: str,
    location: str,
    *,
    trade_name: str = "",
    phone: str = "",
    email: str = "",
) -> SellerDetails:
    """The seller block from the company profile and the parts the profile does not hold."""
    if not profile.gstin:
        raise ValidationError("Set the company's GSTIN before making e-invoices.")
    address1, address2 = _address_lines(profile.address, "the company's address")
    return SellerDetails(
        gstin=parse_gstin(profile.gstin).value,
        legal_name=" ".join(profile.name.split()),
        trade_name=" ".join(trade_name.split()),
        address1=address1,
        address2=address2,
        location=" ".join(location.split()),
        pin=pin.strip(),
        state_code=profile.state_code,
        phone=phone,
        email=email.strip(),
    )


def _phone(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if 6 <= len(digits) <= 12 else ""


def _address_parts(text: str) -> list[str]:
    return [" ".join(part.split()) for part in re.split(r"[\n,]", text) if part.strip()]


def _address_lines(text: str, whose: str) -> tuple[str, str]:
    """Addr1 and Addr2: the address's parts packed into two lines of at most 100 characters."""
    parts = _address_parts(text)
    if not parts:
        raise ValidationError(f"Enter {whose}; the e-invoice needs it.")
    lines = ["", ""]
    index = 0
    for part in parts:
        while index < 2:
            joined = f"{lines[index]}, {part}" if lines[index] else part
            if len(joined) <= _LINE_LIMIT:
                lines[index] = joined
                break
            index += 1
        else:
            raise ValidationError(
                f"{whose[:1].upper()}{whose[1:]} is too long for the e-invoice (two lines of 100 "
                "characters); shorten it."
            )
    return lines[0], lines[1]


def _location(text: str) -> str:
    """The town: the last part of an address that is neither a PIN nor a state's name."""
    for part in reversed(_address_parts(text)):
        words = " ".join(re.sub(r"\b[0-9]{6}\b", " ", part).split()).strip(" -")
        if len(words) < 3 or words.isdigit():
            continue
        try:
            find_state(words)
        except UnknownState:
            return words[:_LOC_LIMIT]
    return ""


def einvoice_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _money(value: Decimal) -> Decimal:
    rounded = round_paise(value)
    return rounded if rounded else rounded.copy_abs()  # never -0.00


def _rate(value: Decimal) -> Decimal:
    """A rate as written: 18 not 18.00, 0.25 as it is."""
    return Decimal(format(value.normalize(), "f"))


# --- refusing what the IRP would not take ------------------------------------------------------


def _name(document: PostedDocument) -> str:
    return f"{document.kind.label} {document.number or '(unnumbered)'}"


def _refusal(document: PostedDocument) -> str | None:
    """Why ``document`` cannot be e-invoiced as it stands, or None."""
    name = _name(document)
    if not document.kind.outward:
        return f"{name} is a purchase document; the supplier makes the e-invoice for it, not us."
    if document.kind not in _DOC_TYPES:
        return (
            f"{name} is not e-invoiced; only tax invoices, credit notes and debit notes go to "
            "the IRP."
        )
    if document.cancelled:
        return f"{name} is cancelled; a cancelled document gets no e-invoice."
    if document.export is None and not document.counterparty.gstin:
        return (
            f"{name} is to a buyer without a GSTIN (B2C); B2C documents are not e-invoiced. "
            "Enter the buyer's GSTIN on the party if they are registered."
        )
    faults = _buyer_faults(document) + _line_faults(document)
    if document.kind.is_note and (not document.original_number or document.original_date is None):
        faults.append("enter the number and date of the invoice it corrects")
    if not DOCUMENT_NUMBER.match(document.number):
        faults.append(
            f"its number {document.number!r} must be at most 16 capital letters, digits, '/' "
            "and '-', not starting with 0 (the IRP refuses other numbers); change the "
            "numbering series"
        )
    if faults:
        return f"{name} cannot be e-invoiced: " + "; ".join(faults) + "."
    return None


def _buyer_faults(document: PostedDocument) -> list[str]:
    party = document.counterparty
    faults: list[str] = []
    if document.export is None:
        verdict = check_gstin(party.gstin or "")
        if not verdict.valid:
            faults.append(f"the buyer's GSTIN {verdict.text} is not valid ({verdict.problem})")
        if not _PIN.match(party.billing.pin.strip()):
            faults.append(f"enter the 6-digit PIN code of the billing address of {party.name}")
    if not _address_parts(party.billing.text):
        faults.append(f"enter the billing address of {party.name}")
    elif not _location(party.billing.text):
        faults.append(f"end the billing address of {party.name} with the town or city")
    if len(" ".join(party.name.split())) < 3:
        faults.append("the buyer's name needs at least 3 characters")
    return faults


def _line_faults(document: PostedDocument) -> list[str]:
    faults = []
    for line in document.lines:
        if not _HSN.match(line.hsn):
            faults.append(f"line {line.line_no} needs an HSN/SAC code of 4 to 8 digits")
        if not line.description.strip():
            faults.append(f"line {line.line_no} needs a description")
        if not line.is_service and not _UNIT.match(line.uqc.strip().upper()):
            faults.append(
                f"line {line.line_no}'s unit {line.uqc!r} is not a unit quantity code (UQC) "
                "the IRP knows; set the item's UQC"
            )
    if not document.lines:
        faults.append("it has no lines")
    return faults


# --- the JSON --------------------------------------------------------------------------------


def _supply_type(document: PostedDocument) -> str:
    if document.export is not None:
        return "EXPWP" if document.export.with_payment else "EXPWOP"
    if document.to_sez:
        # The books record an SEZ supply's payment through the tax it carries.
        return "SEZWP" if document.igst > 0 else "SEZWOP"
    return "B2B"


def _buyer(document: PostedDocument) -> dict[str, Any]:
    party = document.counterparty
    address1, address2 = _address_lines(party.billing.text, f"the billing address of {party.name}")
    name = " ".join(party.name.split())[:_LINE_LIMIT]
    if document.export is not None:
        gstin, state, pin = "URP", OTHER_COUNTRIES, EXPORT_PIN
    else:
        gstin = check_gstin(party.gstin or "").text
        state, pin = gstin[:2], int(party.billing.pin.strip())
    data: dict[str, Any] = {
        "Gstin": gstin,
        "LglNm": name,
        "TrdNm": name,
        "Pos": document.place_of_supply,
        "Addr1": address1,
    }
    if len(address2) >= 3:
        data["Addr2"] = address2
    data |= {"Loc": _location(party.billing.text), "Pin": pin, "Stcd": state}
    phone = _phone(party.phone)
    if phone:
        data["Ph"] = phone
    return data


def _cess_parts(line: PostedLine) -> tuple[Decimal, Decimal]:
    """Ad valorem and per-unit cess: the books keep one cess figure per line, and the ad
    valorem part is the rate on the taxable value rounded as the tax rules round it."""
    ad_valorem = min(round_paise(line.taxable * line.cess_rate / _HUNDRED), line.cess)
    return ad_valorem, line.cess - ad_valorem


def _pre_tax(line: PostedLine) -> tuple[Decimal, Decimal, Decimal]:
    """Unit price, gross amount and discount before tax, so that AssAmt = TotAmt - Discount.

    A tax-inclusive line stores its gross and discount with tax in them; the IRP wants them
    without, so the discount is taken out of tax the way the price was, and the unit price is
    the pre-tax gross per unit.
    """
    if not line.price_includes_tax:
        price = line.unit_price
        # The schema allows three decimal places in a unit price.
        if price != price.quantize(_THOUSANDTH):
            price = round_paise(price)
        return price, line.gross, line.discount
    divisor = 1 + (line.gst_rate + line.cess_rate) / _HUNDRED
    discount = round_paise(line.discount / divisor)
    gross = line.taxable + discount
    return round_paise(gross / line.qty), gross, discount


def _item(document: PostedDocument, line: PostedLine) -> dict[str, Any]:
    unit_price, gross, discount = _pre_tax(line)
    ad_valorem, per_unit = _cess_parts(line)
    tax = line.igst + line.cgst + line.sgst + ad_valorem + per_unit
    unit = line.uqc.strip().upper()
    if line.is_service and not _UNIT.match(unit):
        unit = SERVICE_UNIT
    item: dict[str, Any] = {
        "SlNo": str(line.line_no),
        "PrdDesc": " ".join(line.description.split())[:300],
        "IsServc": "Y" if line.is_service else "N",
        "HsnCd": line.hsn,
        "Qty": line.qty,
        "Unit": unit,
        "UnitPrice": unit_price,
        "TotAmt": _money(gross),
        "Discount": _money(discount),
        "AssAmt": _money(line.taxable),
        "GstRt": _rate(line.gst_rate),
        "IgstAmt": _money(line.igst),
        "CgstAmt": _money(line.cgst),
        "SgstAmt": _money(line.sgst),
        "CesRt": _rate(line.cess_rate),
        "CesAmt": _money(ad_valorem),
        "CesNonAdvlAmt": _money(per_unit),
        # Under reverse charge the buyer pays the tax, so the item's value is without it
        # (gst.md §2.7).
        "TotItemVal": _money(line.taxable if document.reverse_charge else line.taxable + tax),
    }
    return item


def _values(document: PostedDocument, items: list[dict[str, Any]]) -> dict[str, Any]:
    def total(key: str) -> Decimal:
        return sum((item[key] for item in items), ZERO)

    values = {
        "AssVal": total("AssAmt"),
        "CgstVal": total("CgstAmt"),
        "SgstVal": total("SgstAmt"),
        "IgstVal": total("IgstAmt"),
        "CesVal": total("CesAmt") + total("CesNonAdvlAmt"),
    }
    tax = values["CgstVal"] + values["SgstVal"] + values["IgstVal"] + values["CesVal"]
    charged = ZERO if document.reverse_charge else tax
    # The invoice's own total stands; with invoice-level rounding the heads may differ from
    # the item sums by a paisa, which the round-off absorbs.
    round_off = document.grand_total - values["AssVal"] - charged
    return values | {"RndOffAmt": _money(round_off), "TotInvVal": _money(document.grand_total)}


def _export_details(document: PostedDocument) -> dict[str, Any] | None:
    export = document.export
    if export is None:
        return None
    details: dict[str, Any] = {}
    if export.shipping_bill:
        details["ShipBNo"] = export.shipping_bill
    if export.shipping_bill_date is not None:
        details["ShipBDt"] = einvoice_date(export.shipping_bill_date)
    if export.port_code:
        details["Port"] = export.port_code
    return details or None


def einvoice_json(seller: SellerDetails, document: PostedDocument) -> dict[str, Any]:
    """The IRP request (schema 1.1) for one document; NotForEinvoice says what to fix."""
    problem = _refusal(document)
    if problem:
        raise NotForEinvoice(problem)
    state_by_code(document.place_of_supply)
    items = [_item(document, line) for line in document.lines]
    igst_on_intra = (
        document.igst > 0
        and document.place_of_supply == seller.state_code
        and document.export is None
        and not document.to_sez
    )
    data: dict[str, Any] = {
        "Version": VERSION,
        "TranDtls": {
            "TaxSch": "GST",
            "SupTyp": _supply_type(document),
            "RegRev": "Y" if document.reverse_charge else "N",
            "IgstOnIntra": "Y" if igst_on_intra else "N",
        },
        "DocDtls": {
            "Typ": _DOC_TYPES[document.kind],
            "No": document.number,
            "Dt": einvoice_date(document.doc_date),
        },
        "SellerDtls": seller.json(),
        "BuyerDtls": _buyer(document),
        "ItemList": items,
        "ValDtls": _values(document, items),
    }
    if document.kind.is_note and document.original_date is not None:
        data["RefDtls"] = {
            "PrecDocDtls": [
                {
                    "InvNo": document.original_number,
                    "InvDt": einvoice_date(document.original_date),
                }
            ]
        }
    export = _export_details(document)
    if export is not None:
        data["ExpDtls"] = export
    return data


def einvoice_documents(documents: Sequence[PostedDocument]) -> list[PostedDocument]:
    """The documents of a period that the IRP takes: tax invoices, credit and debit notes to
    registered buyers, exports and SEZ supplies, not cancelled. Quotations, orders, challans
    and bills of supply are outward documents too but are never e-invoiced (gst.md §6.2)."""
    return [
        d
        for d in documents
        if d.kind in _DOC_TYPES
        and not d.cancelled
        and (d.export is not None or d.counterparty.registered)
    ]


def einvoice_batch(
    seller: SellerDetails, documents: Sequence[PostedDocument]
) -> list[dict[str, Any]]:
    """Requests for several documents, all or none: one NotForEinvoice lists every document
    that needs fixing, so the user fixes them together and nothing is left out silently."""
    problems = [problem for document in documents if (problem := _refusal(document))]
    if problems:
        raise NotForEinvoice(
            f"{len(problems)} of {len(documents)} documents cannot be e-invoiced:\n"
            + "\n".join(problems)
        )
    numbers = [d.number for d in documents]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise NotForEinvoice(f"Documents {', '.join(repeated)} appear twice in the batch.")
    return [einvoice_json(seller, document) for document in documents]


def einvoice_file_json(requests: Sequence[Mapping[str, Any]], *, pretty: bool = False) -> str:
    """The file for the IRP offline tool's bulk upload: a JSON list of requests."""
    return exact_json(list(requests), pretty=pretty)


# --- schema ------------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    path = config.resources_dir() / "gst" / "einvoice.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _explain(error: SchemaError) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
    where = where.lstrip(".") or "the request"
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        return f"{where}: {error.message.replace('is a required property', 'is missing')}"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}; the IRP does not know that key"
    if described and error.validator in ("pattern", "enum", "maxLength", "minLength"):
        return f"{where}: {error.instance!r} is not {described}"
    return f"{where}: {error.message}"


def validate_einvoice(data: Mapping[str, Any]) -> list[str]:
    """What keeps ``data`` from matching resources/gst/einvoice.schema.json, one line per
    fault; empty when it matches. Works on the dict from ``einvoice_json`` and on parsed JSON."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    # A value can break a length and a pattern at once; say it once.
    return list(dict.fromkeys(_explain(error) for error in errors))

"""The seller's particulars as printed at the top and foot of every document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from app.errors import ValidationError
from app.gst import state_by_code
from app.money import round_paise
from app.storage.company import CompanyProfile

# A UPI virtual payment address: handle@psp (NPCI: letters, digits, dot, hyphen, underscore).
_UPI_ID = re.compile(r"^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9.-]{1,63}$")
_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")


@dataclass(frozen=True)
class BankDetails:
    bank: str
    account_number: str
    ifsc: str
    account_name: str = ""
    branch: str = ""

    def __post_init__(self) -> None:
        if not _IFSC.match(self.ifsc):
            raise ValidationError(
                f"IFSC {self.ifsc!r} is not valid: 4 letters, a zero, then 6 letters or digits."
            )
        if not self.account_number.strip():
            raise ValidationError("Enter the bank account number, or leave bank details out.")

    def lines(self) -> tuple[str, ...]:
        first = f"Bank: {self.bank}" + (f", {self.branch}" if self.branch else "")
        rows = [first, f"A/c No.: {self.account_number}   IFSC: {self.ifsc}"]
        if self.account_name:
            rows.insert(0, f"A/c Name: {self.account_name}")
        return tuple(rows)


@dataclass(frozen=True)
class Letterhead:
    """Who issues the document (CGST Rule 46(a)), and how they like to be paid."""

    name: str
    address: str
    gstin: str | None
    state_code: str
    phone: str = ""
    email: str = ""
    logo: Path | None = None  # PNG or JPEG; checked when printing (the file may move later)
    bank: BankDetails | None = None
    upi_id: str = ""  # for the payment QR on sales
    terms: tuple[str, ...] = ()
    signatory: str = "Authorised Signatory"

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("The letterhead needs the company's name.")
        state_by_code(self.state_code)  # UnknownState names the bad code
        if self.upi_id and not _UPI_ID.match(self.upi_id):
            raise ValidationError(
                f"UPI id {self.upi_id!r} is not valid; it looks like shopname@okaxis."
            )
        if not isinstance(self.terms, tuple):
            raise TypeError("terms must be a tuple of lines")

    @property
    def state_name(self) -> str:
        return state_by_code(self.state_code).name

    @property
    def signature_line(self) -> str:
        return f"For {self.name}"


def letterhead_from(profile: CompanyProfile, **extras: Any) -> Letterhead:
    """The letterhead of a company: its profile plus phone, email, logo, bank, UPI, terms."""
    return Letterhead(
        name=profile.name,
        address=profile.address,
        gstin=profile.gstin,
        state_code=profile.state_code,
        **extras,
    )


def upi_url(upi_id: str, payee: str, amount: Decimal, note: str) -> str:
    """The UPI deep link (NPCI linking spec) that payment apps open from a QR code."""
    params = {
        "pa": upi_id,
        "pn": payee,
        "am": f"{round_paise(amount):.2f}",
        "cu": "INR",
        "tn": note,
    }
    return "upi://pay?" + urlencode(params, quote_via=quote, safe="@")

"""How a company's printed bills look and how they ask to be paid: the template, the UPI id
for the payment QR, bank details, the logo and the terms, kept in the company's settings.

The logo is kept inside the company (its bytes, in the encrypted database), not as a path: a
path breaks when the file moves, and would not travel with a backup or to another computer.
The printer reads it from a copy written under the company's printed/ folder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Connection

from app.billing.printing.letterhead import BankDetails, Letterhead, letterhead_from
from app.billing.printing.templates import load_template, template_names
from app.errors import ValidationError
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.settings import read_setting, write_setting

TEMPLATE_KEY = "invoice.template"
UPI_KEY = "invoice.upi_id"
BANK_KEY = "invoice.bank"
LOGO_KEY = "invoice.logo"
TERMS_KEY = "invoice.terms"
PHONE_KEY = "invoice.phone"
EMAIL_KEY = "invoice.email"
DEFAULT_TEMPLATE = "classic"
# A letterhead logo, not a photograph; small enough to travel to the shop's other devices
# in one sync change.
MAX_LOGO_BYTES = 128 * 1024
MAX_TERMS = 6  # lines under the totals
LOGO_CACHE = "printed"

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class InvoiceSettings:
    template: str = DEFAULT_TEMPLATE
    upi_id: str = ""
    bank: BankDetails | None = None
    logo: bytes = b""  # PNG or JPEG bytes; empty: no logo
    terms: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""

    @property
    def logo_suffix(self) -> str:
        return ".png" if self.logo.startswith(_PNG) else ".jpg"


def logo_problem(data: bytes) -> str | None:
    if not (data.startswith(_PNG) or data.startswith(_JPEG)):
        return "The logo must be a PNG or JPEG image."
    if len(data) > MAX_LOGO_BYTES:
        return (
            f"The logo is {len(data) // 1024} KB; use an image under {MAX_LOGO_BYTES // 1024} KB."
        )
    return None


def invoice_settings(conn: Connection) -> InvoiceSettings:
    """The company's invoice settings; anything unset or unreadable takes its default, so a
    damaged value never stops printing."""
    template = read_setting(conn, TEMPLATE_KEY) or DEFAULT_TEMPLATE
    if template not in template_names():
        template = DEFAULT_TEMPLATE
    bank = None
    bank_text = read_setting(conn, BANK_KEY)
    if bank_text:
        try:
            bank = BankDetails(**json.loads(bank_text))
        except (ValueError, TypeError, ValidationError):
            bank = None
    logo = b""
    logo_text = read_setting(conn, LOGO_KEY)
    if logo_text:
        try:
            logo = base64.b64decode(logo_text, validate=True)
        except (binascii.Error, ValueError):
            logo = b""
    terms = tuple(line for line in (read_setting(conn, TERMS_KEY) or "").splitlines() if line)
    return InvoiceSettings(
        template=template,
        upi_id=read_setting(conn, UPI_KEY) or "",
        bank=bank,
        logo=logo,
        terms=terms,
        phone=read_setting(conn, PHONE_KEY) or "",
        email=read_setting(conn, EMAIL_KEY) or "",
    )


def _checked(company: Company, chosen: InvoiceSettings) -> InvoiceSettings:
    if chosen.template not in template_names():
        raise ValidationError(
            f"There is no invoice template {chosen.template!r}; choose one of "
            f"{', '.join(template_names())}."
        )
    load_template(chosen.template)  # a damaged template file is named now, not at printing
    if chosen.logo:
        problem = logo_problem(chosen.logo)
        if problem:
            raise ValidationError(problem)
    terms = tuple(" ".join(line.split()) for line in chosen.terms if line.strip())
    if len(terms) > MAX_TERMS:
        raise ValidationError(f"Keep the terms to {MAX_TERMS} lines; they print under the totals.")
    checked = replace(chosen, upi_id=chosen.upi_id.strip(), terms=terms)
    # The letterhead checks the UPI id as printing would.
    letterhead_from(company.profile, upi_id=checked.upi_id, bank=checked.bank)
    return checked


def save_invoice_settings(company: Company, chosen: InvoiceSettings) -> InvoiceSettings:
    """Check and keep the settings (one audit row per value changed); returns what was kept."""
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    checked = _checked(company, chosen)
    bank = checked.bank
    bank_text = (
        json.dumps(
            {
                "bank": bank.bank,
                "account_number": bank.account_number,
                "ifsc": bank.ifsc,
                "account_name": bank.account_name,
                "branch": bank.branch,
            },
            sort_keys=True,
        )
        if bank
        else ""
    )
    with company.unit_of_work() as uow:
        for key, value in (
            (TEMPLATE_KEY, checked.template),
            (UPI_KEY, checked.upi_id),
            (BANK_KEY, bank_text),
            (LOGO_KEY, base64.b64encode(checked.logo).decode("ascii")),
            (TERMS_KEY, "\n".join(checked.terms)),
            (PHONE_KEY, checked.phone.strip()),
            (EMAIL_KEY, checked.email.strip()),
        ):
            write_setting(uow, key, value)
        uow.commit()
    return checked


def logo_file(company: Company, chosen: InvoiceSettings) -> Path | None:
    """A file holding the stored logo, for the PDF writer; named by its content, so a new
    logo never prints an old copy."""
    if not chosen.logo:
        return None
    digest = hashlib.sha256(chosen.logo).hexdigest()[:16]
    folder = company.folder / LOGO_CACHE
    folder.mkdir(exist_ok=True)
    path = folder / f".logo-{digest}{chosen.logo_suffix}"
    if not path.exists():
        partial = path.with_suffix(".part")
        partial.write_bytes(chosen.logo)
        partial.replace(path)
    return path


def letterhead_for(company: Company, chosen: InvoiceSettings) -> Letterhead:
    """The letterhead printed on the company's bills, with its invoice settings."""
    return letterhead_from(
        company.profile,
        phone=chosen.phone,
        email=chosen.email,
        logo=logo_file(company, chosen),
        bank=chosen.bank,
        upi_id=chosen.upi_id,
        terms=chosen.terms,
    )

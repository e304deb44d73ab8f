"""Tax on an invoice: taxable value, CGST/SGST(UTGST)/IGST, cess and the rupee round-off.

The convention is gst-cases.README.md "line-round-half-up v1":
gross = round2(qty x rate); discount = round2(gross x pct / 100), deducted before tax
(CGST Act s.15(3)(a)); a tax-inclusive price is divided by 1 + (gst + cess)/100 and rounded;
each line's CGST, SGST and IGST are rounded half up separately; totals are sums of the rounded
line figures; the grand total is rounded to the rupee with a signed round-off (CGST Act s.170).
Invoice-level rounding (ERPNext style, one rounding per tax head) is available as an option.
All rounding goes through ``app.money``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.errors import ValidationError
from app.gst.place_of_supply import SupplyType, supply_type
from app.gst.states import state_by_code
from app.money import ZERO, round_paise, round_rupee

_HUNDRED = Decimal(100)
_TWO = Decimal(2)


class InvalidTaxInput(ValidationError):
    """An invoice or line that the tax rules cannot be applied to."""


class Taxability(StrEnum):
    TAXABLE = "taxable"
    NIL_RATED = "nil_rated"  # rate 0% (gst.md §2.9)
    EXEMPT = "exempt"  # exempt by notification
    NON_GST = "non_gst"  # outside GST (petrol, alcohol for human consumption)


class SellerScheme(StrEnum):
    REGULAR = "regular"
    COMPOSITION = "composition"  # CGST Act s.10: bill of supply, no tax collected


class DocType(StrEnum):
    TAX_INVOICE = "tax_invoice"
    BILL_OF_SUPPLY = "bill_of_supply"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"


class Rounding(StrEnum):
    PER_LINE = "per_line"  # the app's default and the gst-cases.json convention
    INVOICE = "invoice"  # one rounding per tax head over unrounded line tax (ERPNext)


def _require_decimal(name: str, value: object) -> None:
    # DESIGN.md §3: amounts are Decimal, never float.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal, got {value!r}")


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice line as the user entered it. Rates are percentages (18 means 18%)."""

    qty: Decimal
    rate: Decimal  # unit price; tax-inclusive when ``price_includes_tax``
    gst_rate: Decimal = ZERO
    discount_pct: Decimal = ZERO
    cess_rate: Decimal = ZERO  # ad valorem compensation cess, % of taxable value
    cess_per_unit: Decimal = ZERO  # specific cess, rupees per unit (e-invoice CesNonAdvlAmt)
    price_includes_tax: bool = False
    taxability: Taxability = Taxability.TAXABLE

    def __post_init__(self) -> None:
        for name in ("qty", "rate", "gst_rate", "discount_pct", "cess_rate", "cess_per_unit"):
            _require_decimal(name, getattr(self, name))
        if self.qty <= 0:
            raise InvalidTaxInput(
                "The quantity must be more than zero; enter returns on a credit note."
            )
        if self.rate < 0:
            raise InvalidTaxInput("The rate must not be negative; use a discount or a credit note.")
        if not ZERO <= self.discount_pct <= _HUNDRED:
            raise InvalidTaxInput("The discount must be between 0% and 100%.")
        if not ZERO <= self.gst_rate <= _HUNDRED:
            raise InvalidTaxInput(f"GST rate {self.gst_rate}% is not a percentage from 0 to 100.")
        if self.cess_rate < 0 or self.cess_per_unit < 0:
            raise InvalidTaxInput("Cess must not be negative.")


@dataclass(frozen=True)
class TaxInvoiceInput:
    """Everything the tax rules need about one document (figures for a note are positive)."""

    seller_state: str  # first two characters of the seller's GSTIN
    place_of_supply: str  # state code, see place_of_supply.place_of_supply()
    lines: tuple[InvoiceLine, ...]
    doc_type: DocType = DocType.TAX_INVOICE
    seller_scheme: SellerScheme = SellerScheme.REGULAR
    reverse_charge: bool = False
    rounding: Rounding = Rounding.PER_LINE
    to_sez: bool = False  # IGST Act s.7(5)(b): supplies to SEZ are inter-state

    def __post_init__(self) -> None:
        if not isinstance(self.lines, tuple):
            raise TypeError("lines must be a tuple of InvoiceLine")
        if not self.lines:
            raise InvalidTaxInput("An invoice needs at least one line.")
        state_by_code(self.seller_state)
        state_by_code(self.place_of_supply)
        if self.seller_scheme is SellerScheme.COMPOSITION and self.doc_type is DocType.TAX_INVOICE:
            # CGST Rule 5(1)(f): a composition taxable person issues a bill of supply.
            raise InvalidTaxInput(
                "A composition dealer cannot issue a tax invoice; issue a bill of supply."
            )
        if (
            self.doc_type is DocType.BILL_OF_SUPPLY
            and self.seller_scheme is SellerScheme.REGULAR
            and any(_charges_gst_rate(line) for line in self.lines)
        ):
            # CGST Rule 49: a regular dealer's bill of supply covers only untaxed supplies.
            raise InvalidTaxInput(
                "A bill of supply cannot carry a taxable line; issue a tax invoice instead."
            )


def _charges_gst_rate(line: InvoiceLine) -> bool:
    return line.taxability is Taxability.TAXABLE and (
        line.gst_rate > 0 or line.cess_rate > 0 or line.cess_per_unit > 0
    )


@dataclass(frozen=True)
class LineTax:
    """The computed figures of one line; rates are the ones actually applied."""

    gross: Decimal
    discount: Decimal
    taxable: Decimal
    gst_rate: Decimal
    cess_rate: Decimal
    cgst: Decimal
    sgst: Decimal  # UTGST in a UT without legislature (see InvoiceTax.state_tax_head)
    igst: Decimal
    cess_ad_valorem: Decimal
    cess_specific: Decimal
    taxability: Taxability

    @property
    def cess(self) -> Decimal:
        return self.cess_ad_valorem + self.cess_specific

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst + self.cess

    @property
    def total(self) -> Decimal:
        """Taxable value plus tax (the e-invoice TotItemVal, before any RCM adjustment)."""
        return self.taxable + self.tax


@dataclass(frozen=True)
class RateSummary:
    """Figures for all lines at one GST rate (one GSTR-1 b2b/b2cs row per rate)."""

    gst_rate: Decimal
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal


@dataclass(frozen=True)
class InvoiceTax:
    """The tax on a whole document. Notes carry positive magnitudes; see ``sign``."""

    supply: SupplyType
    state_tax_head: str  # "SGST" or "UTGST": the label of the ``sgst`` column
    doc_type: DocType
    reverse_charge: bool
    lines: tuple[LineTax, ...]
    taxable: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal
    invoice_value_before_round_off: Decimal
    round_off: Decimal
    grand_total: Decimal
    rate_summary: tuple[RateSummary, ...]

    @property
    def total_tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst + self.cess

    @property
    def tax_charged(self) -> Decimal:
        """Tax the supplier collects: nil under reverse charge (the recipient pays it)."""
        return ZERO if self.reverse_charge else self.total_tax

    @property
    def sign(self) -> int:
        """-1 for a credit note, which reduces output tax; +1 otherwise."""
        return -1 if self.doc_type is DocType.CREDIT_NOTE else 1


def _charges_tax(invoice: TaxInvoiceInput, line: InvoiceLine) -> bool:
    if invoice.seller_scheme is SellerScheme.COMPOSITION:
        return False  # CGST Act s.10(4): no tax collected, whatever the item's rate
    if invoice.doc_type is DocType.BILL_OF_SUPPLY:
        return False
    return line.taxability is Taxability.TAXABLE


@dataclass(frozen=True)
class _Unrounded:
    """Exact line tax before rounding, for invoice-level rounding."""

    cgst: Decimal
    igst: Decimal
    cess_ad_valorem: Decimal


def _line_tax(
    invoice: TaxInvoiceInput, line: InvoiceLine, intra: bool
) -> tuple[LineTax, _Unrounded]:
    charged = _charges_tax(invoice, line)
    gst_rate = line.gst_rate if charged else ZERO
    cess_rate = line.cess_rate if charged else ZERO
    cess_per_unit = line.cess_per_unit if charged else ZERO

    gross = round_paise(line.qty * line.rate)
    discount = round_paise(gross * line.discount_pct / _HUNDRED)
    net = gross - discount
    cess_specific = round_paise(line.qty * cess_per_unit)
    if line.price_includes_tax:
        # gst-cases.README.md rule 3: GST and cess are both inside the price; a specific cess
        # is a fixed amount, so it comes out before dividing.
        divisor = 1 + (gst_rate + cess_rate) / _HUNDRED
        taxable = round_paise((net - cess_specific) / divisor)
    else:
        taxable = net
    if taxable < 0:
        raise InvalidTaxInput("The specific cess is more than the tax-inclusive price.")

    exact_cess = taxable * cess_rate / _HUNDRED
    if intra:
        exact_half = taxable * gst_rate / _TWO / _HUNDRED
        half = round_paise(exact_half)  # each half rounded on its own (README rule 4)
        cgst, sgst, igst = half, half, ZERO
        unrounded = _Unrounded(exact_half, ZERO, exact_cess)
    else:
        exact_igst = taxable * gst_rate / _HUNDRED
        cgst, sgst, igst = ZERO, ZERO, round_paise(exact_igst)
        unrounded = _Unrounded(ZERO, exact_igst, exact_cess)
    figures = LineTax(
        gross=gross,
        discount=discount,
        taxable=taxable,
        gst_rate=gst_rate,
        cess_rate=cess_rate,
        cgst=cgst,
        sgst=sgst,
        igst=igst,
        cess_ad_valorem=round_paise(exact_cess),
        cess_specific=cess_specific,
        taxability=line.taxability,
    )
    return figures, unrounded


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _rate_summary(lines: tuple[LineTax, ...]) -> tuple[RateSummary, ...]:
    rates = sorted({line.gst_rate for line in lines})
    summary = []
    for rate in rates:
        at_rate = [line for line in lines if line.gst_rate == rate]
        summary.append(
            RateSummary(
                gst_rate=rate,
                taxable=_sum(line.taxable for line in at_rate),
                cgst=_sum(line.cgst for line in at_rate),
                sgst=_sum(line.sgst for line in at_rate),
                igst=_sum(line.igst for line in at_rate),
                cess=_sum(line.cess for line in at_rate),
            )
        )
    return tuple(summary)


def compute_invoice_tax(invoice: TaxInvoiceInput) -> InvoiceTax:
    """Apply the GST rules to one document and return per-line and total figures."""
    kind = supply_type(invoice.seller_state, invoice.place_of_supply, to_sez=invoice.to_sez)
    intra = kind is SupplyType.INTRA_STATE
    computed = [_line_tax(invoice, line, intra) for line in invoice.lines]
    lines = tuple(figures for figures, _ in computed)

    taxable = _sum(line.taxable for line in lines)
    if invoice.rounding is Rounding.PER_LINE:
        cgst = _sum(line.cgst for line in lines)
        sgst = _sum(line.sgst for line in lines)
        igst = _sum(line.igst for line in lines)
        cess = _sum(line.cess for line in lines)
    else:
        # One rounding per tax head over exact line tax; the line figures stay as shown.
        cgst = round_paise(_sum(exact.cgst for _, exact in computed))
        sgst = cgst
        igst = round_paise(_sum(exact.igst for _, exact in computed))
        cess = round_paise(_sum(exact.cess_ad_valorem for _, exact in computed)) + _sum(
            line.cess_specific for line in lines
        )

    tax = cgst + sgst + igst + cess
    # README rule 6: under reverse charge the recipient pays the tax to the government.
    before_round_off = taxable if invoice.reverse_charge else taxable + tax
    grand_total = round_paise(round_rupee(before_round_off))
    return InvoiceTax(
        supply=kind,
        state_tax_head=state_by_code(invoice.place_of_supply).state_tax_head,
        doc_type=invoice.doc_type,
        reverse_charge=invoice.reverse_charge,
        lines=lines,
        taxable=taxable,
        cgst=cgst,
        sgst=sgst,
        igst=igst,
        cess=cess,
        invoice_value_before_round_off=before_round_off,
        round_off=grand_total - before_round_off,
        grand_total=grand_total,
        rate_summary=_rate_summary(lines),
    )

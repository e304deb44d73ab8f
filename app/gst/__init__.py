"""Pure GST rules: GSTIN, states, place of supply, rates and the tax on an invoice.

No database, no Qt, no I/O except reading the package's data files in ``resources/gst``.
"""

from app.gst.gstin import (
    Gstin,
    GstinCheck,
    GstinKind,
    InvalidGstin,
    check_character,
    check_gstin,
    is_valid_gstin,
    normalise_gstin,
    parse_gstin,
)
from app.gst.place_of_supply import (
    PlaceOfSupply,
    SupplyKind,
    SupplyType,
    is_inter_state,
    place_of_supply,
    supply_type,
    tax_heads,
)
from app.gst.rates import RateSchedule, allowed_rates, rate_problem, rate_schedule
from app.gst.states import State, UnknownState, all_states, find_state, state_by_code, state_by_name
from app.gst.tax import (
    DocType,
    InvalidTaxInput,
    InvoiceLine,
    InvoiceTax,
    LineTax,
    RateSummary,
    Rounding,
    SellerScheme,
    Taxability,
    TaxInvoiceInput,
    compute_invoice_tax,
)

__all__ = [
    "DocType",
    "Gstin",
    "GstinCheck",
    "GstinKind",
    "InvalidGstin",
    "InvalidTaxInput",
    "InvoiceLine",
    "InvoiceTax",
    "LineTax",
    "PlaceOfSupply",
    "RateSchedule",
    "RateSummary",
    "Rounding",
    "SellerScheme",
    "State",
    "SupplyKind",
    "SupplyType",
    "TaxInvoiceInput",
    "Taxability",
    "UnknownState",
    "all_states",
    "allowed_rates",
    "check_character",
    "check_gstin",
    "compute_invoice_tax",
    "find_state",
    "is_inter_state",
    "is_valid_gstin",
    "normalise_gstin",
    "parse_gstin",
    "place_of_supply",
    "rate_problem",
    "rate_schedule",
    "state_by_code",
    "state_by_name",
    "supply_type",
    "tax_heads",
]

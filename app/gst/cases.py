"""Bridge between the gst-cases.json shape and the tax engine (for tests and `bahi gst compute`).

A case is a dict with ``seller_state``, ``place_of_supply``, ``doc_type``, ``seller_scheme``,
``reverse_charge`` and ``lines`` (``qty``, ``rate``, ``discount_pct``, ``gst_rate``,
``cess_rate``, ``price_includes_tax``). Optional extensions: ``rounding`` ("per_line" or
"invoice"), ``to_sez``, and per line ``cess_per_unit`` and ``taxability``. A ``supply`` field,
when present, must agree with the seller state and place of supply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from app.errors import ValidationError
from app.gst.place_of_supply import supply_type
from app.gst.tax import (
    DocType,
    InvoiceLine,
    InvoiceTax,
    Rounding,
    SellerScheme,
    Taxability,
    TaxInvoiceInput,
    compute_invoice_tax,
)
from app.money import D

TOTAL_FIELDS = (
    "taxable",
    "cgst",
    "sgst",
    "igst",
    "cess",
    "invoice_value_before_round_off",
    "round_off",
    "grand_total",
)
LINE_FIELDS = ("gross", "discount", "taxable", "cgst", "sgst", "igst", "cess")

_E = TypeVar("_E", DocType, SellerScheme, Rounding, Taxability)


class InvalidCase(ValidationError):
    """A case dict that does not have the gst-cases.json shape."""


def _amount(where: str, value: object) -> Decimal:
    if isinstance(value, float):
        # json.load without parse_float=Decimal gives floats; repr() is the shortest text that
        # reads back as the same float, i.e. the literal written in the file (e.g. 99.99).
        return D(repr(value))
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            return D(value)
        except ValueError:
            pass
    raise InvalidCase(f"{where} must be a number, got {value!r}.")


def _flag(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidCase(f"{where} must be true or false, got {value!r}.")
    return value


def _choice(where: str, enum: type[_E], value: object) -> _E:
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidCase(f"{where} must be one of {allowed}, got {value!r}.") from None


def _required(where: str, data: Mapping[str, Any], key: str) -> Any:
    if key not in data:
        raise InvalidCase(f"{where} has no {key!r}.")
    return data[key]


def _line(where: str, data: Mapping[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        qty=_amount(f"{where} qty", _required(where, data, "qty")),
        rate=_amount(f"{where} rate", _required(where, data, "rate")),
        gst_rate=_amount(f"{where} gst_rate", data.get("gst_rate", 0)),
        discount_pct=_amount(f"{where} discount_pct", data.get("discount_pct", 0)),
        cess_rate=_amount(f"{where} cess_rate", data.get("cess_rate", 0)),
        cess_per_unit=_amount(f"{where} cess_per_unit", data.get("cess_per_unit", 0)),
        price_includes_tax=_flag(
            f"{where} price_includes_tax", data.get("price_includes_tax", False)
        ),
        taxability=_choice(
            f"{where} taxability", Taxability, data.get("taxability", Taxability.TAXABLE.value)
        ),
    )


def case_to_input(case: Mapping[str, Any]) -> TaxInvoiceInput:
    """The engine's input for one case dict; raises InvalidCase on a malformed case."""
    name = str(case.get("name", "case"))
    raw_lines = _required(name, case, "lines")
    if not isinstance(raw_lines, Sequence) or isinstance(raw_lines, str):
        raise InvalidCase(f"{name}: 'lines' must be a list.")
    lines = tuple(
        _line(f"{name} line {number}", line) for number, line in enumerate(raw_lines, start=1)
    )
    seller_state = str(_required(name, case, "seller_state"))
    place = str(_required(name, case, "place_of_supply"))
    invoice = TaxInvoiceInput(
        seller_state=seller_state,
        place_of_supply=place,
        lines=lines,
        doc_type=_choice(f"{name} doc_type", DocType, case.get("doc_type", "tax_invoice")),
        seller_scheme=_choice(
            f"{name} seller_scheme", SellerScheme, case.get("seller_scheme", "regular")
        ),
        reverse_charge=_flag(f"{name} reverse_charge", case.get("reverse_charge", False)),
        rounding=_choice(f"{name} rounding", Rounding, case.get("rounding", "per_line")),
        to_sez=_flag(f"{name} to_sez", case.get("to_sez", False)),
    )
    stated = case.get("supply")
    if stated is not None:
        derived = supply_type(seller_state, place, to_sez=invoice.to_sez)
        if stated != derived.value:
            raise InvalidCase(f"{name}: supply says {stated!r} but the states make it {derived}.")
    return invoice


def result_to_case(result: InvoiceTax) -> dict[str, Any]:
    """``{"expected": {...}, "expected_lines": [...]}`` in the gst-cases.json shape.

    Values are Decimals with two places; ``json.dumps(..., default=str)`` writes them exactly.
    """
    return {
        "expected": {name: getattr(result, name) for name in TOTAL_FIELDS},
        "expected_lines": [
            {name: getattr(line, name) for name in LINE_FIELDS} for line in result.lines
        ],
    }


def compute_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """Compute one case dict and answer in the ``expected`` / ``expected_lines`` shape."""
    return result_to_case(compute_invoice_tax(case_to_input(case)))

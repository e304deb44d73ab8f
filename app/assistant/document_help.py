"""A local model's second pass over a bill: fields the rules could not read, checked before
anyone sees them.

The rules (``app.documents``) read a bill first. When a model is loaded, it is shown the
bill's text and asked, under a JSON-schema grammar, for only the fields still missing. Its
answer is a proposal, never a reading: a value is kept only if

- it is printed on the bill (an amount equal to one in the text, a name or number found in
  it word for word, a date the text spells in some usual form), so nothing is invented;
- a GSTIN passes its checksum;
- the amounts, together with those the rules read, obey GST arithmetic: taxable value +
  CGST + SGST + IGST + cess + round off = grand total (to the paisa with a round off, under a
  rupee without), CGST equals SGST, IGST never comes with them, and each head is a standard
  rate of the taxable value. Proposed amounts that break it are all dropped.

Nothing is written anywhere: the caller shows the kept fields, marked as the model's, for a
person to confirm.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from app.documents.layout import page_rows
from app.documents.model import AMOUNT_FIELDS, Field, FieldSource, FieldValue, Reading
from app.documents.printed import decimal_text
from app.errors import AppError
from app.gst.gstin import is_valid_gstin
from app.money import ZERO, format_inr, round_paise

if TYPE_CHECKING:
    import threading

    from app.assistant.runtime import ModelRuntime

TEXT_FIELDS = ("supplier_name", "invoice_number")
GSTIN_FIELDS = ("supplier_gstin", "buyer_gstin")
DATE_FIELDS = ("invoice_date",)
FILLABLE = (*TEXT_FIELDS, *GSTIN_FIELDS, *DATE_FIELDS, *AMOUNT_FIELDS)
MODEL_CONFIDENCE = 0.5  # below any rule that read the field itself: a person confirms it
MAX_TEXT = 6000  # characters of the bill given to the model; totals sit at the end
_HEADS = ("cgst", "sgst", "igst")
_RATES = tuple(Decimal(r) for r in ("0.25", "1", "1.5", "3", "5", "6", "12", "18", "28", "40"))
_PAISA = Decimal("0.01")
_NUMBER = re.compile(
    r"(?<![\w.])-?\d{1,3}(?:,\d{2,3})+(?:\.\d{1,2})?|(?<![\w.])-?\d+(?:\.\d{1,2})?"
)
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
_NAMED_DATE = re.compile(r"\b(\d{1,2})[\s\-/]*([A-Za-z]{3,9})[\s\-/,]*(\d{2}|\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


class ModelAnswerCutOff(AppError):
    """The model ran out of room before it finished the fields."""


@dataclass(frozen=True)
class Rejected:
    field: str
    value: str
    reason: str


@dataclass(frozen=True)
class SecondPass:
    engine: str  # "model:<name>"
    asked: tuple[str, ...]  # the fields the rules had missed
    accepted: tuple[Field, ...]  # checked; for a person to confirm
    rejected: tuple[Rejected, ...]


# --- what the model is asked ---------------------------------------------------------------


def bill_text(reading: Reading) -> str:
    """The bill's words, row by row, as the model reads them (the end kept if too long)."""
    rows = [row.text for page in reading.pages for row in page_rows(page)]
    text = "\n".join(rows)
    return text if len(text) <= MAX_TEXT else text[-MAX_TEXT:]


def missing_fields(reading: Reading) -> tuple[str, ...]:
    return tuple(name for name in FILLABLE if reading.field(name) is None)


def fill_schema(fields: tuple[str, ...]) -> dict[str, Any]:
    """One JSON object with a string per missing field; an empty string means not found."""
    amount = {"type": "string", "pattern": "^(-?[0-9]{1,10}([.][0-9]{1,2})?)?$"}
    rules: dict[str, dict[str, Any]] = {
        **{name: {"type": "string", "maxLength": 60} for name in TEXT_FIELDS},
        **{
            name: {
                "type": "string",
                "pattern": "^([0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]Z[0-9A-Z])?$",
            }
            for name in GSTIN_FIELDS
        },
        "invoice_date": {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"},
        **{name: amount for name in AMOUNT_FIELDS},
    }
    return {
        "type": "object",
        "properties": {name: rules[name] for name in fields},
        "required": list(fields),
        "additionalProperties": False,
    }


def _prompt(fields: tuple[str, ...], text: str) -> list[dict[str, str]]:
    wanted = ", ".join(fields)
    return [
        {
            "role": "system",
            "content": "You read Indian GST bills. Fill each field with the value exactly as "
            "printed on the bill: dates as YYYY-MM-DD, amounts as plain numbers without "
            f"commas or currency signs. Leave a field empty if it is not on the bill. Fields: "
            f"{wanted}.",
        },
        {"role": "user", "content": text},
    ]


def propose(
    runtime: ModelRuntime,
    reading: Reading,
    fields: tuple[str, ...],
    *,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, str]:
    """The model's values for ``fields`` (grammar-constrained JSON, not yet checked)."""
    from app.assistant.grammar import schema_grammar

    completion = runtime.chat(
        _prompt(fields, bill_text(reading)),
        max_tokens=48 * len(fields) + 32,
        temperature=0.0,
        grammar=schema_grammar(fill_schema(fields)),
        on_token=on_token,
        cancel=cancel,
    )
    try:
        found: dict[str, str] = json.loads(completion.text)
    except json.JSONDecodeError as exc:
        raise ModelAnswerCutOff(
            "The model stopped before it finished the fields; nothing of it is used."
        ) from exc
    return found


def second_pass(
    runtime: ModelRuntime,
    reading: Reading,
    *,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> SecondPass:
    """Ask the model for the fields the rules missed and keep only what checks out."""
    fields = missing_fields(reading)
    engine = f"model:{runtime.name}"
    if not fields:
        return SecondPass(engine, (), (), ())
    proposed = propose(runtime, reading, fields, on_token=on_token, cancel=cancel)
    return review(reading, proposed, engine)


# --- what is kept --------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split()).casefold()


def _amounts_in(text: str) -> set[Decimal]:
    found = set()
    for match in _NUMBER.finditer(text):
        try:
            found.add(Decimal(match.group().replace(",", "")))
        except InvalidOperation:
            continue
    return found


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _dates_in(text: str) -> set[date]:
    found: set[date] = set()
    for day, month, year in _NUMERIC_DATE.findall(text):  # Indian bills: day first
        try:
            found.add(date(_year(year), int(month), int(day)))
        except ValueError:
            continue
    for day, month, year in _NAMED_DATE.findall(text):
        number = _MONTHS.get(month[:3].casefold())
        if number is not None:
            try:
                found.add(date(_year(year), number, int(day)))
            except ValueError:
                continue
    for year, month, day in _ISO_DATE.findall(text):
        try:
            found.add(date(int(year), int(month), int(day)))
        except ValueError:
            continue
    return found


def _printed(name: str, value: str, text: str) -> tuple[FieldValue | None, str]:  # noqa: PLR0911
    """The value if the bill prints it (and it is well formed), else why it is refused."""
    if name in AMOUNT_FIELDS:
        amount = Decimal(value)
        if amount not in _amounts_in(text) and -amount not in _amounts_in(text):
            return None, f"{value} is not an amount printed on the bill"
        return amount, ""
    if name in DATE_FIELDS:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None, f"{value} is not a real date"
        if day not in _dates_in(text):
            return None, f"{day:%d-%m-%Y} is not a date printed on the bill"
        return day, ""
    if name in GSTIN_FIELDS:
        if not is_valid_gstin(value):
            return None, f"{value} fails the GSTIN checksum"
        if value not in re.sub(r"\s+", "", text.upper()):
            return None, f"{value} is not printed on the bill"
        return value, ""
    if _collapse(value) not in _collapse(text):
        return None, f"{value!r} is not printed on the bill"
    return " ".join(value.split()), ""


def gst_problems(amounts: Mapping[str, Decimal]) -> list[str]:
    """What breaks GST arithmetic among the amounts known (an empty list: they agree)."""
    problems = []
    taxable, total = amounts.get("taxable_value"), amounts.get("grand_total")
    if taxable is None or total is None:
        return ["the taxable value and the grand total are both needed to check the amounts"]
    parts = taxable + sum(
        (amounts.get(k, ZERO) for k in ("cgst", "sgst", "igst", "cess", "round_off")), ZERO
    )
    allowed = _PAISA if "round_off" in amounts else Decimal("0.99")
    if abs(total - parts) > allowed:
        problems.append(
            f"taxable value, tax and round off add up to {format_inr(parts)}, not the grand "
            f"total {format_inr(total)}"
        )
    if "cgst" in amounts and "sgst" in amounts and amounts["cgst"] != amounts["sgst"]:
        problems.append("CGST and SGST differ; within a state they are equal halves")
    if amounts.get("igst") and (amounts.get("cgst") or amounts.get("sgst")):
        problems.append("IGST and CGST/SGST on one bill: a supply is either inter- or intra-state")
    for head in _HEADS:
        tax = amounts.get(head)
        if tax and taxable > 0:
            rates = _RATES if head == "igst" else tuple(r / 2 for r in _RATES)
            if not any(abs(round_paise(taxable * r / 100) - tax) <= 2 * _PAISA for r in rates):
                share = decimal_text(round_paise(tax * 100 / taxable))
                problems.append(f"{head.upper()} is {share}% of the taxable value: no GST rate")
    return problems


def review(reading: Reading, proposed: Mapping[str, str], engine: str) -> SecondPass:
    """Keep the proposed values that are printed on the bill and, for amounts, add up."""
    text = bill_text(reading)
    asked = missing_fields(reading)
    kept: dict[str, FieldValue] = {}
    rejected: list[Rejected] = []
    for name in asked:
        value = str(proposed.get(name, "")).strip()
        if not value:
            continue
        found, reason = _printed(name, value, text)
        if found is None:
            rejected.append(Rejected(name, value, reason))
        else:
            kept[name] = found
    new_amounts = {k: v for k, v in kept.items() if isinstance(v, Decimal)}
    if new_amounts:
        known = {
            f.name: f.value
            for f in reading.fields
            if f.name in AMOUNT_FIELDS and isinstance(f.value, Decimal)
        }
        problems = gst_problems({**known, **new_amounts})
        if problems:
            reason = "GST arithmetic: " + "; ".join(problems)
            for name, amount in new_amounts.items():
                rejected.append(Rejected(name, str(amount), reason))
                del kept[name]
    source = reading.pages[0].source if reading.pages else None
    field_source = FieldSource.OCR if str(source) == "ocr" else FieldSource.TEXT_LAYER
    accepted = tuple(
        Field(name, value, MODEL_CONFIDENCE, field_source) for name, value in kept.items()
    )
    return SecondPass(engine, asked, accepted, tuple(rejected))

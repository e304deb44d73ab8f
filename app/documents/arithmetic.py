"""GST arithmetic as a cross-check: taxable x rate = tax, and the heads add up to the total.

The amounts chosen are the labelled candidates that add up (taxable + CGST + SGST + IGST +
cess + round off = grand total); when no set does, the strongest candidates stand, their
confidence drops and a problem says what does not add up.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from app.documents.fields import AmountCandidate, Document
from app.documents.model import Field, FieldSource, LineItem, Problem
from app.documents.printed import decimal_text
from app.money import ZERO, format_inr, round_paise

_HEADS = ("cgst", "sgst", "igst", "cess")
_OPTIONAL = frozenset({*_HEADS, "round_off"})
_ORDER = ("taxable_value", "cgst", "sgst", "igst", "cess", "round_off", "grand_total")
_PAISA = Decimal("0.01")
_RUPEE = Decimal("1")
# Usual GST rates (Schedule I-VI) for inferring a rate the bill does not print.
_IGST_RATES = tuple(Decimal(r) for r in ("0.25", "1", "1.5", "3", "5", "6", "12", "18", "28"))


def _options(field: str, found: Sequence[AmountCandidate]) -> list[AmountCandidate | None]:
    mine = sorted((c for c in found if c.field == field), key=lambda c: (-c.confidence, -c.order))
    unique: list[AmountCandidate] = []
    for candidate in mine:
        if all(candidate.value != u.value for u in unique):
            unique.append(candidate)
    options: list[AmountCandidate | None] = list(unique[:3])
    rated = {c.rate: c for c in mine if c.rate is not None}
    if field in _HEADS and len(rated) > 1:  # one line per rate: the head is their sum
        parts = list(rated.values())
        options.append(
            AmountCandidate(
                field,
                sum((c.value for c in parts), ZERO),
                min(c.confidence for c in parts),
                parts[-1].region,
                None,
                parts[-1].order,
            )
        )
    if field in _OPTIONAL or not options:
        options.append(None)
    return options


def _adds_up(chosen: dict[str, AmountCandidate | None]) -> bool:
    taxable, total = chosen["taxable_value"], chosen["grand_total"]
    if taxable is None or total is None:
        return False
    parts = sum((c.value for f, c in chosen.items() if c and f != "grand_total"), ZERO)
    difference = abs(total.value - parts)
    if chosen["round_off"] is not None:
        return difference <= _PAISA
    return difference < _RUPEE  # rounding to the rupee without printing it


def _score(chosen: dict[str, AmountCandidate | None]) -> float:
    score = sum(c.confidence for c in chosen.values() if c)
    cgst, sgst = chosen["cgst"], chosen["sgst"]
    if (cgst is None) != (sgst is None) or (cgst and sgst and cgst.value != sgst.value):
        score -= 1.0  # CGST and SGST come in equal halves
    if chosen["igst"] is not None and (cgst is not None or sgst is not None):
        score -= 1.0
    return score


Chosen = dict[str, AmountCandidate | None]


def _choose(found: Sequence[AmountCandidate]) -> tuple[Chosen, bool]:
    """The strongest candidates, or failing that the best-scored set that adds up."""
    options = {field: _options(field, found) for field in _ORDER}
    best: Chosen = {field: opts[0] for field, opts in options.items()}
    if _adds_up(best):
        return best, True
    scored = []
    for combo in itertools.product(*(options[f] for f in _ORDER)):
        trial = dict(zip(_ORDER, combo, strict=True))
        if _adds_up(trial):
            scored.append((_score(trial), trial))
    if scored:
        return max(scored, key=lambda item: item[0])[1], True
    return best, False


def _total_problems(best: Chosen, consistent: bool) -> tuple[list[Problem], dict[str, float]]:
    problems: list[Problem] = []
    factor = {field: 1.0 for field in _ORDER}
    taxable, total = best["taxable_value"], best["grand_total"]
    if taxable is None:
        problems.append(Problem("No taxable value was found on the bill.", "taxable_value"))
    if total is None:
        problems.append(Problem("No grand total was found on the bill.", "grand_total"))
    if not consistent and taxable is not None and total is not None:
        parts = sum((c.value for f, c in best.items() if c and f != "grand_total"), ZERO)
        problems.append(
            Problem(
                f"Taxable value, taxes and round off add up to {format_inr(parts)}, "
                f"but the grand total reads {format_inr(total.value)}.",
                "grand_total",
            )
        )
        factor = {field: 0.6 for field in _ORDER}
    if best["igst"] is not None and (best["cgst"] is not None or best["sgst"] is not None):
        problems.append(
            Problem("The bill shows both IGST and CGST/SGST; a supply is one or the other.", "igst")
        )
    cgst, sgst = best["cgst"], best["sgst"]
    if cgst is not None and sgst is not None and cgst.value != sgst.value:
        problems.append(Problem("CGST and SGST should be equal halves; they differ.", "sgst"))
        factor["cgst"] = factor["sgst"] = min(factor["cgst"], 0.7)
    return problems, factor


def _head_rate(
    doc: Document,
    head: str,
    chosen: AmountCandidate,
    taxable: Decimal,
    tolerance: Decimal,
) -> tuple[Field | None, Problem | None]:
    """The head's rate (printed, or implied by a standard rate) and whether the tax fits it."""
    rate_field = None
    rate = chosen.rate
    if rate is None:
        rate = _implied_rate(head, taxable, chosen.value)
        if rate is not None:
            rate_field = Field(f"{head}_rate", decimal_text(rate), 0.7, FieldSource.COMPUTED)
    else:
        rate_field = Field(
            f"{head}_rate",
            decimal_text(rate),
            chosen.confidence,
            doc.source(chosen.region.page),
            chosen.region,
        )
    if rate is None:
        return rate_field, None
    expected = round_paise(taxable * rate / 100)
    if abs(expected - chosen.value) <= tolerance:
        return rate_field, None
    return rate_field, Problem(
        f"{head.upper()} at {decimal_text(rate)}% of {format_inr(taxable)} is "
        f"{format_inr(expected)}, but the bill shows {format_inr(chosen.value)}.",
        head,
    )


def settle_amounts(
    doc: Document, found: Sequence[AmountCandidate], lines: Sequence[LineItem]
) -> tuple[list[Field], list[Problem]]:
    """Pick the amounts, check them and return their fields (with rates) and problems."""
    best, consistent = _choose(found)
    problems, factor = _total_problems(best, consistent)
    taxable = best["taxable_value"]
    fields: list[Field] = []
    tolerance = max(Decimal("0.05"), _PAISA * 2 * max(1, len(lines)))
    for field in _ORDER:
        chosen = best[field]
        if chosen is None:
            continue
        confidence = chosen.confidence * factor[field]
        if consistent:
            confidence = min(1.0, confidence + 0.1)
        if field in _HEADS and taxable is not None:
            rate_field, problem = _head_rate(doc, field, chosen, taxable.value, tolerance)
            if rate_field is not None:
                fields.append(rate_field)
            if problem is not None:
                problems.append(problem)
                confidence *= 0.7
        fields.append(
            Field(field, chosen.value, confidence, doc.source(chosen.region.page), chosen.region)
        )
    if lines and taxable is not None:
        amounts = [line.amount for line in lines if line.amount is not None]
        if len(amounts) == len(lines) and abs(sum(amounts, ZERO) - taxable.value) > tolerance:
            problems.append(
                Problem(
                    f"The item lines add up to {format_inr(sum(amounts, ZERO))}, "
                    f"the taxable value is {format_inr(taxable.value)}; some lines may be "
                    "missing or misread.",
                    "lines",
                )
            )
    return fields, problems


def _implied_rate(head: str, taxable: Decimal, tax: Decimal) -> Decimal | None:
    """The standard rate that gives this tax on this taxable value, if exactly one does."""
    if taxable <= 0:
        return None
    rates = _IGST_RATES if head == "igst" else tuple(r / 2 for r in _IGST_RATES)
    if head == "cess":
        return None  # cess rates are too many to guess
    matches = [r for r in rates if abs(round_paise(taxable * r / 100) - tax) <= _PAISA * 2]
    return matches[0].normalize() if len(matches) == 1 else None

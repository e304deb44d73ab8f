"""Every worked case of gst-cases.json, figure by figure, through app.gst.cases."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from app.gst.cases import (
    LINE_FIELDS,
    TOTAL_FIELDS,
    InvalidCase,
    case_to_input,
    compute_case,
)
from app.gst.place_of_supply import supply_type
from app.gst.tax import compute_invoice_tax
from tests.gst.reference_data import DATA, load_cases

CASES = load_cases()
TWO_PLACES = Decimal("0.01").as_tuple().exponent


def test_case_file_is_not_empty() -> None:
    assert len(CASES) >= 12
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    got = compute_case(case)
    assert set(got["expected"]) == set(case["expected"])
    for name in TOTAL_FIELDS:
        value = got["expected"][name]
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == TWO_PLACES, (name, value)
        assert value == case["expected"][name], name
    assert len(got["expected_lines"]) == len(case["expected_lines"])
    for number, (line, expected) in enumerate(
        zip(got["expected_lines"], case["expected_lines"], strict=True), start=1
    ):
        assert set(line) == set(expected)
        for name in LINE_FIELDS:
            assert line[name] == expected[name], (number, name)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case_supply_field_agrees(case: dict[str, Any]) -> None:
    invoice = case_to_input(case)
    result = compute_invoice_tax(invoice)
    assert result.supply.value == case["supply"]
    assert supply_type(case["seller_state"], case["place_of_supply"]) is result.supply


def test_float_loaded_cases_give_the_same_figures() -> None:
    # The CLI may hand over json.load() output; floats must not leak binary error in.
    plain = json.loads((DATA / "gst-cases.json").read_text(encoding="utf-8"))
    for float_case, exact_case in zip(plain, CASES, strict=True):
        assert compute_case(float_case) == compute_case(exact_case)


def test_result_round_trips_through_json_text() -> None:
    got = compute_case(CASES[0])
    text = json.dumps(got, default=str)
    back = json.loads(text, parse_float=Decimal)
    assert back["expected"]["grand_total"] == str(got["expected"]["grand_total"])


def _base_case() -> dict[str, Any]:
    case: dict[str, Any] = json.loads(json.dumps(CASES[0], default=str))
    return case


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda c: c.pop("lines"), "no 'lines'"),
        (lambda c: c["lines"][0].pop("qty"), "no 'qty'"),
        (lambda c: c["lines"][0].update(rate="abc"), "rate must be a number"),
        (lambda c: c["lines"][0].update(rate=True), "rate must be a number"),
        (lambda c: c.update(doc_type="receipt"), "doc_type must be one of"),
        (lambda c: c.update(reverse_charge="no"), "true or false"),
        (lambda c: c.update(supply="inter-state"), "supply says"),
    ],
)
def test_malformed_cases_are_named(change: Any, fault: str) -> None:
    case = _base_case()
    change(case)
    with pytest.raises(InvalidCase, match=fault):
        case_to_input(case)

"""GSTR-1 straight from the company's tables (``gst_returns.period_gstr1``: SQLite sums the
lines) writes the same file, byte for byte, as GSTR-1 from the documents read whole
(``period_books(...).gstr1()``), on documents posted through the billing service."""

from __future__ import annotations

import pytest

from app.errors import ValidationError
from app.gst.periods import parse_period
from app.reports.gst_returns import period_books, period_gstr1
from app.reports.gstr1 import gstr1_json, validate_gstr1
from tests.conftest import CompanyFactory
from tests.reports.gst_month import JUNE, busy_month


def test_the_same_file_as_from_the_documents(make_company: CompanyFactory) -> None:
    company = make_company(gstin="27AAPFU0939F1ZV")
    busy_month(company)
    with company.reader() as conn:
        books = period_books(conn, company.profile, JUNE)
        fast = period_gstr1(conn, company.profile, JUNE)
    whole = books.gstr1()
    assert gstr1_json(fast) == gstr1_json(whole)
    assert gstr1_json(fast, pretty=True) == gstr1_json(whole, pretty=True)
    assert validate_gstr1(fast) == []
    # the month really has every table, so the comparison covers them all
    assert set(fast) >= {"b2b", "b2cl", "b2cs", "cdnr", "cdnur", "exp", "nil", "hsn", "doc_issue"}
    assert {entry["sply_ty"] for entry in fast["nil"]["inv"]} >= {"INTRAB2B", "INTRAB2C"}
    assert set(fast["hsn"]) == {"hsn_b2b", "hsn_b2c"}
    issued = fast["doc_issue"]["doc_det"]
    assert {detail["doc_num"] for detail in issued} == {1, 4, 5}
    assert sum(doc["cancel"] for detail in issued for doc in detail["docs"]) == 1
    assert {entry["typ"] for entry in fast["cdnur"]} == {"B2CL", "EXPWP"}
    assert any(entry["inv_typ"] == "SEWOP" for b2b in fast["b2b"] for entry in b2b["inv"])


def test_an_earlier_period_and_a_quarter(make_company: CompanyFactory) -> None:
    company = make_company(gstin="27AAPFU0939F1ZV")
    busy_month(company)
    for period in (parse_period("2025-05"), parse_period("2025-07"), parse_period("2025-04")):
        with company.reader() as conn:
            fast = period_gstr1(conn, company.profile, period)
            whole = period_books(conn, company.profile, period).gstr1()
        assert gstr1_json(fast) == gstr1_json(whole), period.label


def test_refuses_a_company_without_gstin(make_company: CompanyFactory) -> None:
    company = make_company()
    with company.reader() as conn, pytest.raises(ValidationError, match="no GSTIN"):
        period_gstr1(conn, company.profile, JUNE)

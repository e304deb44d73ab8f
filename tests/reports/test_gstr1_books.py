"""``gst_returns.gstr1_books`` makes GSTR-1, its summary and the readiness check from document
heads, SQLite's sums of the lines and only the lines that may be at fault; it must give what
``period_books`` gives from every document read whole, faults and all."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, literal, select
from sqlalchemy.engine import Engine

from app.billing import queries
from app.billing.model import DocKind, DocStatus, Export, PostedDocument, PostedLine
from app.billing.service import document_line_rows, document_row
from app.billing.tables import document_lines, documents
from app.errors import ValidationError
from app.gst import SellerScheme, Taxability
from app.gst.periods import ReturnPeriod, parse_period
from app.money import D
from app.reports.gst_readiness import _line_problems
from app.reports.gst_returns import (
    aggregate_turnover,
    gstr1_books,
    period_books,
    period_gstr1,
    suspect_line,
)
from app.reports.gstr1 import REPORTED_KINDS, gstr1_json, nil_head, series_of
from app.storage.company import Company
from tests.conftest import CompanyFactory
from tests.reports.gst_documents import (
    Item,
    cancelled,
    credit_note,
    gstin,
    invoice,
    post,
)
from tests.reports.gst_month import JUNE, busy_month

JULY = parse_period("2025-07")
SELLER = "27AAPFU0939F1ZV"


def _made(make: Callable[[], object]) -> str:
    """What ``make`` made (a return as JSON text, a summary as its repr, which shows each
    Decimal's digits and exponent), or why it refused: both ways must refuse alike."""
    try:
        made = make()
    except ValidationError as error:
        return f"refused: {type(error).__name__}: {error}"
    return gstr1_json(made, pretty=True) if isinstance(made, dict) else repr(made)


def _same(company: Company, period: ReturnPeriod) -> list[str]:
    """Assert that both ways agree on ``period``; the problems' messages."""
    with company.reader() as conn:
        whole = period_books(conn, company.profile, period)
        fast = gstr1_books(conn, company.profile, period)
        bench_way = _made(lambda: period_gstr1(conn, company.profile, period))
    assert _made(fast.gstr1) == _made(whole.gstr1) == bench_way
    assert _made(fast.gstr1_summary) == _made(whole.gstr1_summary)
    if not bench_way.startswith("refused"):
        assert fast.gstr1_summary().table().text() == whole.gstr1_summary().table().text()
    assert fast.problems() == whole.problems()
    assert fast.aggregate_turnover == whole.aggregate_turnover
    return [p.message for p in fast.problems()]


def test_the_busy_month_and_its_neighbours(make_company: CompanyFactory) -> None:
    company = make_company(gstin=SELLER)
    busy_month(company)
    messages = _same(company, JUNE)
    # Two exports with IGST paid lack their shipping bills; nothing else is wrong.
    assert len(messages) == 2 and all("shipping bill" in m for m in messages)
    for text in ("2025-05", "2025-07", "2025-04", "2025-Q1"):
        _same(company, parse_period(text))


def test_a_note_does_not_put_its_earlier_original_on_the_list(
    make_company: CompanyFactory,
) -> None:
    """June's notes against May's invoice: the invoice places the notes and belongs to May's
    return, so June's check does not call it "outside June" (it used to, blocking export)."""
    company = make_company(gstin=SELLER)
    busy_month(company)
    with company.reader() as conn:
        books = period_books(conn, company.profile, JUNE)
    assert any(d.doc_date < JUNE.start for d in books.documents)  # the original was read
    assert not [p for p in books.problems() if "outside" in p.message]


def _write(company: Company, *written: PostedDocument) -> None:
    """Documents straight into the billing tables, as bench/gst.py writes its month, so that
    faults the billing service refuses (bad HSN and units, wrong tax heads) can be had."""
    with company.unit_of_work() as uow:
        uow.conn.execute(
            documents.insert(),
            [document_row(d, "2025-07-31T18:00:00", "owner") | {"party_id": None} for d in written],
        )
        rows = [row for d in written for row in document_line_rows(d)]
        if rows:
            uow.conn.execute(document_lines.insert(), rows)
        uow.commit()


def _with_line(document: PostedDocument, index: int, **changes: object) -> PostedDocument:
    lines = list(document.lines)
    lines[index] = replace(lines[index], **changes)  # type: ignore[arg-type]
    return replace(document, lines=tuple(lines))


def _june(day: int) -> date:
    return date(2025, 6, day)


def _faulty_june() -> list[PostedDocument]:
    """A June with every fault the readiness check knows, a few that only look like one, and
    a May invoice that a June note corrects."""
    registered, bad_gstin = gstin("29"), gstin("29")[:-1] + "X"
    may = invoice("INV/0001", date(2025, 5, 20), Item("500", hsn="1006"), buyer_gstin=registered)
    exported = invoice(
        "INV/0011",
        _june(8),
        Item("900", hsn="8471"),
        export=Export(True, "IN-1", "12345678"),  # bad port code and shipping bill
    )
    exempt = invoice("INV/0004", _june(3), Item("28", "0", taxability=Taxability.EXEMPT))
    inter = invoice("INV/0006", _june(4), Item("100"), buyer_gstin=registered)
    return [
        may,
        invoice("INV/0002", _june(2), Item("100"), buyer_gstin=registered),  # fine
        invoice(
            "INV/0003",
            _june(2),
            Item("100", hsn=""),  # no HSN
            Item("50", hsn="84AB"),  # letters
            Item("10", hsn="847"),  # too short
            Item("10", hsn="8471 "),  # a space: suspect, but strip() makes it fine
            Item("10", hsn="८४७१"),  # Devanagari digits: suspect, and isdigit() passes them
            Item("10", hsn="123456789"),  # too long
        ),
        invoice(
            "INV/0005",
            _june(3),
            Item("100", uqc="XYZ"),  # goods, unknown unit
            Item("100", hsn="998314", uqc="XYZ"),  # a service, unknown unit
            Item("100", hsn="998314", uqc="NA"),  # a service: NA is right
            Item("40", hsn="0401", uqc="LTR"),  # fine
        ),
        _with_line(exempt, 0, cgst=D("1.40"), sgst=D("1.40")),  # exempt, yet taxed
        replace(inter, cgst=D("9.00")),  # inter-state with CGST on the document
        replace(invoice("INV/0007", _june(4), Item("100")), igst=D("18.00")),  # intra, IGST
        invoice("INV/0008", _june(5), Item("100"), buyer_gstin=bad_gstin),
        invoice("INV/0009", _june(5), Item("100"), buyer_gstin=bad_gstin),  # the same, again
        replace(invoice("INV/0010", _june(5), Item("100")), lines=()),  # no lines
        exported,
        invoice("inv/0002", _june(9), Item("100")),  # the same number as INV/0002 but case
        invoice("INV 12", _june(9), Item("100")),  # a space in the number
        invoice("INV/2025-26/000013", _june(9), Item("100")),  # 18 characters
        cancelled(invoice("INV#14", _june(10), Item("100"))),  # cancelled: the number only
        credit_note("CN/0001", _june(11), may, Item("100", hsn="1006")),  # original in May
        post(DocKind.CREDIT_NOTE, "CN/0002", _june(12), Item("10"), buyer_gstin=registered),
        credit_note("CN/0003", _june(12), exported, Item("100")),
        invoice("INV/0015", _june(13), Item("0", "0", hsn="1905")),  # taxable at 0%, no tax
    ]


def test_every_fault_is_found_alike(make_company: CompanyFactory) -> None:
    company = make_company(gstin=SELLER)
    _write(company, *_faulty_june())
    messages = _same(company, JUNE)
    expected = (
        "no HSN/SAC code",
        "'84AB' must be digits only",
        "HSN/SAC 847 has 3 digits",
        "'123456789' must be digits only",
        "unit 'XYZ' is not on the GSTN list",
        "unit 'XYZ' is not a GSTN unit code; services use NA",
        "nil-rated, exempt or non-GST but carries tax",
        "inter-state document carries CGST/SGST",
        "intra-state document carries IGST",
        "The buyer's GSTIN",
        "The document has no lines",
        "Port code 'IN-1'",
        "Shipping bill number '12345678'",
        "is used twice",
        "may hold only letters, digits",
        "has 18 characters",
        "does not name its original invoice",
    )
    for text in expected:
        assert any(text in message for message in messages), text
    assert sum("The buyer's GSTIN" in m for m in messages) == 2
    assert not [m for m in messages if "outside" in m or "8471 " in m or "८४७१" in m]


def test_unplaceable_documents_refuse_both_ways_alike(make_company: CompanyFactory) -> None:
    company = make_company(gstin=SELLER)
    day = date(2025, 7, 3)
    _write(
        company,
        invoice("INV/0101", day, Item("100")),
        post(DocKind.BILL_OF_SUPPLY, "BOS/1", day, Item("100"), scheme=SellerScheme.COMPOSITION),
        invoice("INV/0103", day, Item("100"), to_sez=True),  # an SEZ without GSTIN
    )
    messages = _same(company, JULY)
    assert any("composition scheme" in m for m in messages)
    assert any("supply to an SEZ" in m for m in messages)


def test_a_large_last_year_asks_for_six_hsn_digits(make_company: CompanyFactory) -> None:
    """Above Rs 5 crore the year before, 4-digit HSN codes are faults: every line is then a
    suspect, and the turnover is summed by SQLite as the register would."""
    company = make_company(gstin=SELLER)
    _write(company, *_faulty_june())
    before = _same(company, JUNE)
    returned = invoice("OLD/0", date(2025, 3, 10), Item("1", hsn="847130"))
    last_year = [
        returned,
        invoice("OLD/1", date(2025, 3, 10), Item("30000000", hsn="847130")),
        invoice("OLD/2", date(2024, 4, 2), Item("20000000", hsn="847130")),
        credit_note("OLD/3", date(2025, 3, 20), returned, Item("1", hsn="847130")),
        cancelled(invoice("OLD/4", date(2025, 3, 11), Item("90000000", hsn="847130"))),
        post(DocKind.PURCHASE_BILL, "P/1", date(2025, 3, 12), Item("90000000")),
        invoice("NEW/1", date(2025, 4, 1), Item("90000000", hsn="847130")),  # this year's
    ]
    _write(company, *last_year)
    after = _same(company, JUNE)
    with company.reader() as conn:
        turnover = aggregate_turnover(conn, JUNE.start)
        register = queries.register(conn, date(2024, 4, 1), date(2025, 3, 31), REPORTED_KINDS)
    by_register = sum(
        (-r.taxable if r.kind is DocKind.CREDIT_NOTE else r.taxable)
        for r in register
        if r.status is DocStatus.POSTED
    )
    assert turnover == by_register == D("50000000.00")  # not above Rs 5 crore: 4 digits
    assert after == before
    _write(company, invoice("OLD/5", date(2025, 3, 30), Item("0.01", hsn="847130")))
    six = _same(company, JUNE)
    assert len(six) > len(before)
    assert any("HSN/SAC 8471 has 4 digits" in m for m in six)


# --- the SQL filter lets through every line the check could fault ---------------------------


@cache
def _lines_table() -> Engine:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE document_lines (hsn TEXT, uqc TEXT, taxability TEXT, "
            "gst_rate INTEGER, cgst INTEGER, sgst INTEGER, igst INTEGER, cess INTEGER)"
        )
    return engine


def _picked(line: PostedLine, required_digits: int) -> bool:
    engine = _lines_table()
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM document_lines")
        conn.exec_driver_sql(
            "INSERT INTO document_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                line.hsn,
                line.uqc,
                line.taxability.value,
                int(line.gst_rate * 100),
                *(int(amount * 100) for amount in (line.cgst, line.sgst, line.igst, line.cess)),
            ),
        )
        query = select(literal(1)).select_from(document_lines).where(suspect_line(required_digits))
        return conn.execute(query).first() is not None


_AMOUNTS = st.sampled_from([D("0.00"), D("0.01"), D("-0.01"), D("1.50")])


@settings(max_examples=400, deadline=None)
@given(
    hsn=st.sampled_from(["8471", "847130", "99831400", "998314", "123456789"])
    | st.text(alphabet="0189 A\t\n-٣९", max_size=10),
    uqc=st.sampled_from(["NOS", "KGS", "NA", "na", "XYZ", "", "NOS ", "OTH"]),
    taxability=st.sampled_from(list(Taxability)),
    rate=st.sampled_from([D("0"), D("0.25"), D("5"), D("18")]),
    cgst=_AMOUNTS,
    sgst=_AMOUNTS,
    cess=_AMOUNTS,
    required_digits=st.sampled_from([4, 6]),
)
def test_the_filter_never_drops_a_faulty_line(
    hsn: str,
    uqc: str,
    taxability: Taxability,
    rate: Decimal,
    cgst: Decimal,
    sgst: Decimal,
    cess: Decimal,
    required_digits: int,
) -> None:
    line = replace(
        invoice("INV/1", _june(1), Item("100")).lines[0],
        hsn=hsn,
        uqc=uqc,
        taxability=taxability,
        gst_rate=rate,
        cgst=cgst,
        sgst=sgst,
        igst=D("0.00"),
        cess=cess,
    )
    plain = invoice("INV/2", _june(1), Item("100"))
    exported = invoice("INV/3", _june(1), Item("100"), export=Export(False))
    faulty = any(
        _line_problems(line, required_digits, nil_head(document, line) is not None)
        for document in (plain, exported)
    )
    if faulty:
        assert _picked(line, required_digits)


_SERIES = re.compile(r"^(.*?)(\d*)$")


@settings(max_examples=500)
@given(st.text(alphabet="IV/-09 ٣९x\n", max_size=12))
def test_series_of_splits_as_its_pattern_does(number: str) -> None:
    """``series_of`` splits most numbers without the pattern; it must split every number as
    the pattern does (which takes non-ASCII digits too, and lets $ match before a last
    newline; a newline inside it does not match at all)."""
    match = _SERIES.match(number)
    if match is None:
        assert "\n" in number
        return
    assert series_of(number) == (match[1], int(match[2]) if match[2] else None)

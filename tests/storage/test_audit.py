"""The unit of work and the hash-chained audit log (DESIGN.md §4, §5)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.storage import audit
from app.storage.company import Company
from app.storage.tables import settings
from tests.factories import INTEGRITY_ERRORS, audit_rows, counts


def test_chain_links_every_row(company: Company) -> None:
    rows = audit_rows(company)
    assert [r["action"] for r in rows] == ["company.create", "chart.install", "login"]
    prev = audit.GENESIS
    for row in rows:
        assert row["prev_hash"] == prev
        entry = audit.AuditEntry(
            row["at"], row["actor"], row["action"], row["entity"], row["entity_id"], row["details"]
        )
        assert audit.row_hash(prev, entry) == row["hash"]
        prev = row["hash"]
    with company.reader() as conn:
        assert list(audit.verify_chain(conn)) == []


def test_commit_writes_business_row_and_audit_row_together(company: Company) -> None:
    before = counts(company)
    with company.unit_of_work() as uow:
        uow.conn.execute(settings.insert().values(key="theme", value="dark"))
        uow.record("setting.change", "setting", "theme", {"value": "dark", "ಕನ್ನಡ": 1})
        uow.commit()
    assert counts(company)[2] == before[2] + 1
    last = audit_rows(company)[-1]
    assert last["action"] == "setting.change"
    assert last["actor"] == "owner"
    assert last["details"] == '{"value":"dark","ಕನ್ನಡ":1}'  # canonical: sorted, compact, utf-8


def test_leaving_without_commit_rolls_back(company: Company) -> None:
    before = counts(company)
    with company.unit_of_work() as uow:
        uow.conn.execute(settings.insert().values(key="theme", value="dark"))
        uow.record("setting.change", "setting", "theme", {})
    with pytest.raises(RuntimeError, match="boom"), company.unit_of_work() as uow:
        uow.conn.execute(settings.insert().values(key="lang", value="hi"))
        uow.record("setting.change", "setting", "lang", {})
        raise RuntimeError("boom")
    assert counts(company) == before
    with company.reader() as conn:
        assert conn.execute(text("SELECT count(*) FROM settings")).scalar() == 0


def test_conn_outside_the_block_is_refused(company: Company) -> None:
    uow = company.unit_of_work()
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.conn


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log WHERE id = 1"],
)
def test_audit_rows_cannot_be_changed(company: Company, statement: str) -> None:
    before = audit_rows(company)
    with (
        pytest.raises(INTEGRITY_ERRORS, match="audit_log rows cannot be changed"),
        company.engine.connect() as conn,
    ):
        conn.execute(text(statement))
    assert audit_rows(company) == before

"""The company file is real SQLCipher: no plain header, no readable names (DESIGN.md §5)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from sqlalchemy import text

from app.ledger.model import VoucherType
from app.ledger.service import add_account, post_voucher
from app.storage.company import DB_FILE_NAME, Company
from app.storage.engine import DatabaseUnreadable, open_engine
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.factories import accounts, file_bytes, raw_connection, voucher

PARTY = "Zanskar Kesariya Traders"
NARRATION = "Paid Zanskar Kesariya Traders against bill QX-77123"


def _post_party_voucher(company: Company) -> None:
    party = add_account(company, PARTY, "Sundry Creditors")
    (cash,) = accounts(company, "Cash")
    post_voucher(
        company,
        voucher(
            VoucherType.PAYMENT,
            date(2025, 6, 1),
            [(party, "15000.00"), (cash, "-15000.00")],
            narration=NARRATION,
        ),
    )


def _assert_secret_free(blob: bytes) -> None:
    for needle in (PARTY, NARRATION, "QX-77123", "Zanskar", "Sundry Creditors", "Sharma"):
        assert needle.encode("utf-8") not in blob
        assert needle.encode("utf-16-le") not in blob
    assert b"CREATE TABLE" not in blob
    assert b"SQLite format 3" not in blob


def test_file_is_encrypted_before_and_after_checkpoint(company: Company) -> None:
    _post_party_voucher(company)
    db, wal = company.db_path, company.db_path.with_name(DB_FILE_NAME + "-wal")
    assert not db.read_bytes().startswith(b"SQLite format 3")
    _assert_secret_free(db.read_bytes())
    _assert_secret_free(file_bytes(wal))
    with company.engine.connect() as conn:
        busy, _, _ = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    assert busy == 0
    assert file_bytes(wal) == b""
    _assert_secret_free(db.read_bytes())
    company.close()
    assert not wal.exists()
    _assert_secret_free(db.read_bytes())
    # and the secrets are really in there: the key reads them back
    con = raw_connection(db, company.database_key)
    try:
        assert con.execute("SELECT narration FROM vouchers").fetchall() == [(NARRATION,)]
    finally:
        con.close()


def test_plain_sqlite_cannot_read_it(company: Company) -> None:
    company.close()
    con = sqlite3.connect(company.db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            con.execute("SELECT * FROM sqlite_master").fetchall()
    finally:
        con.close()


def test_key_file_holds_no_plain_secret(make_company: CompanyFactory) -> None:
    company = make_company()
    recovery_key = make_company.recovery_keys[company.folder]
    blob = (company.folder / "keys.json").read_bytes()
    for secret in (
        company.database_key.hex().encode(),
        company.database_key,
        OWNER_PASSWORD.encode(),
        recovery_key.encode(),
        recovery_key.replace("-", "").encode(),
    ):
        assert secret not in blob
    data = json.loads(blob)
    assert data["format"] == 1
    assert data["company_id"] == company.company_id
    kinds = sorted(slot["kind"] for slot in data["slots"])
    assert kinds == ["password", "recovery"]
    (password_slot,) = [s for s in data["slots"] if s["kind"] == "password"]
    assert password_slot["user"] == "owner"
    assert password_slot["kdf"]["name"] == "argon2id"
    assert password_slot["kdf"]["memory_kib"] >= 65536


def test_wrong_key_is_refused_by_the_engine(company: Company) -> None:
    company.close()
    with pytest.raises(DatabaseUnreadable, match="cannot be read"):
        open_engine(company.db_path, bytes(32))


def test_unencrypted_file_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plain.bahi"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (zeroblob(10000))")
    con.commit()
    con.close()
    with pytest.raises(DatabaseUnreadable, match="unencrypted SQLite file"):
        open_engine(path, bytes(32))

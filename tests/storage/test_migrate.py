"""Schema versions: HEAD in step with Alembic, newer files refused, backups before migrating."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from app.ledger.tables import accounts
from app.storage import migrate
from app.storage.company import DB_FILE_NAME, Company, open_company
from app.storage.engine import DatabaseUnreadable, open_engine
from app.storage.migrate import CompanyTooNew
from app.storage.tables import audit_log
from tests.conftest import OWNER_PASSWORD
from tests.factories import file_bytes, raw_connection, raw_execute


def test_head_matches_the_alembic_head() -> None:
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    assert script.get_current_head() == migrate.HEAD
    assert len(script.get_heads()) == 1
    assert migrate.HEAD in migrate.KNOWN
    revisions = {rev.revision for rev in script.walk_revisions()}
    assert revisions == set(migrate.KNOWN)


def test_new_company_is_at_head(company: Company) -> None:
    assert migrate.current_revision(company.engine) == migrate.HEAD


def test_company_from_a_newer_bahi_is_refused(company: Company) -> None:
    raw_execute(company, "UPDATE alembic_version SET version_num = '9999_future'")
    folder = company.folder
    company.close()
    before = (folder / DB_FILE_NAME).read_bytes()
    with pytest.raises(CompanyTooNew) as caught:
        open_company(folder, "owner", OWNER_PASSWORD)
    message = str(caught.value)
    assert "newer version of Bahi" in message
    assert "9999_future" in message
    assert f"knows up to {migrate.HEAD}" in message
    assert "Install the latest Bahi" in message
    assert (folder / DB_FILE_NAME).read_bytes() == before
    assert not (folder / "backups").exists()
    con = raw_connection(folder / DB_FILE_NAME, company.database_key)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_future",)
        ]
    finally:
        con.close()


def test_backup_before_migration_is_an_encrypted_copy(company: Company) -> None:
    with company.reader() as conn:
        account_count = conn.execute(select(func.count()).select_from(accounts)).scalar_one()
        audit_count = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    target = migrate.backup_before_migration(company.engine, company.folder, migrate.HEAD)
    assert target.parent == company.folder / "backups"
    assert target.name.startswith(f"before-migration-{migrate.HEAD}-")
    assert target.suffix == ".bahi"
    blob = file_bytes(target)
    assert len(blob) >= 4096
    assert not blob.startswith(b"SQLite format 3")
    assert b"Sharma Test Traders" not in blob
    keys_copy = target.with_suffix(".keys.json")
    assert keys_copy.read_bytes() == (company.folder / "keys.json").read_bytes()

    engine = open_engine(target, company.database_key)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(accounts)).scalar_one() == (
                account_count
            )
            assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == (
                audit_count
            )
        assert migrate.current_revision(engine) == migrate.HEAD
    finally:
        engine.dispose()
    with pytest.raises(DatabaseUnreadable):
        open_engine(target, bytes(range(32)))

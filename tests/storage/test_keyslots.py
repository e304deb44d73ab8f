"""Key slots, passwords, lockout and the recovery key (DESIGN.md §5)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import AccessDenied, NotFound, ValidationError
from app.storage.company import (
    DB_FILE_NAME,
    Company,
    CompanyProfile,
    create_company,
    open_company,
    open_with_key,
    open_with_recovery_key,
)
from app.storage.engine import DatabaseUnreadable
from app.storage.keyslots import (
    KeyFile,
    KeyFileError,
    LockedOut,
    WrongPassword,
    new_recovery_key,
    normalise_recovery_key,
)
from app.storage.users import change_password
from tests.conftest import OWNER_PASSWORD, CompanyFactory
from tests.factories import audit_rows, file_bytes


def _closed(company: Company) -> Path:
    """Close the company (checkpointing the WAL) and return its folder."""
    company.close()
    return company.folder


def _db_snapshot(folder: Path) -> tuple[bytes, bytes]:
    return (
        (folder / DB_FILE_NAME).read_bytes(),
        file_bytes(folder / f"{DB_FILE_NAME}-wal"),
    )


def test_create_then_open_with_password(tmp_path: Path) -> None:
    from datetime import date

    profile = CompanyProfile("Fresh Co", "29", date(2025, 4, 1), gstin="29ABCDE1234F1Z5")
    company, recovery_key = create_company(tmp_path / "fresh", profile, OWNER_PASSWORD)
    normalise_recovery_key(recovery_key)  # well formed
    assert len(recovery_key) == 47 and recovery_key.count("-") == 7
    company.close()
    with open_company(tmp_path / "fresh", "owner", OWNER_PASSWORD) as opened:
        assert opened.profile == profile
        assert opened.actor.username == "owner"
        assert opened.actor.role == "owner"
        actions = [row["action"] for row in audit_rows(opened)]
    assert actions == ["company.create", "login"]


def test_create_refuses_weak_password_and_busy_folder(tmp_path: Path) -> None:
    from datetime import date

    profile = CompanyProfile("Fresh Co", "29", date(2025, 4, 1))
    with pytest.raises(ValidationError, match="at least 8 characters"):
        create_company(tmp_path / "a", profile, "short")
    assert not (tmp_path / "a").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something.txt").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        create_company(busy, profile, OWNER_PASSWORD)


def test_username_is_case_insensitive(company: Company) -> None:
    folder = _closed(company)
    with open_company(folder, "OWNER", OWNER_PASSWORD) as opened:
        assert opened.actor.username == "owner"


def test_unknown_user_is_refused(company: Company) -> None:
    folder = _closed(company)
    with pytest.raises(NotFound, match="no user 'nobody'"):
        open_company(folder, "nobody", OWNER_PASSWORD)


def test_wrong_password_is_refused_and_changes_nothing(company: Company) -> None:
    folder = _closed(company)
    before = _db_snapshot(folder)
    with pytest.raises(WrongPassword) as caught:
        open_company(folder, "owner", "not the password")
    assert str(caught.value) == "Wrong password. Check Caps Lock and try again."
    assert isinstance(caught.value, AccessDenied)
    assert _db_snapshot(folder) == before
    failures = json.loads((folder / "keys.json").read_text())["failures"]["owner"]
    assert failures["count"] == 1
    assert failures["locked_until"] is None
    with open_company(folder, "owner", OWNER_PASSWORD) as opened:
        failed = audit_rows(opened, "login.failed")
        assert [json.loads(r["details"])["reason"] for r in failed] == ["wrong password"]
    # the counter was cleared by the successful login
    assert "owner" not in json.loads((folder / "keys.json").read_text())["failures"]


def test_five_wrong_passwords_lock_out(company: Company) -> None:
    folder = _closed(company)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            open_company(folder, "owner", "wrong-password")
    with pytest.raises(LockedOut) as caught:
        open_company(folder, "owner", "wrong-password")
    assert "locked out after 5 failed attempts" in str(caught.value)
    assert "Try again in 15 minutes" in str(caught.value)
    assert "recovery key" in str(caught.value)
    # even the right password is refused while locked out
    with pytest.raises(LockedOut, match=r"Try again in 1[45] minutes"):
        open_company(folder, "owner", OWNER_PASSWORD)

    # three minutes left
    data = json.loads((folder / "keys.json").read_text())
    soon = datetime.now(UTC) + timedelta(minutes=2, seconds=30)
    data["failures"]["owner"]["locked_until"] = soon.isoformat()
    (folder / "keys.json").write_text(json.dumps(data))
    with pytest.raises(LockedOut, match="Try again in 3 minutes"):
        open_company(folder, "owner", OWNER_PASSWORD)

    # the lockout has passed
    data["failures"]["owner"]["locked_until"] = (
        datetime.now(UTC) - timedelta(seconds=1)
    ).isoformat()
    (folder / "keys.json").write_text(json.dumps(data))
    with open_company(folder, "owner", OWNER_PASSWORD) as opened:
        failed = audit_rows(opened, "login.failed")
        reasons = [json.loads(row["details"])["reason"] for row in failed]
        assert reasons == ["wrong password"] * 5 + ["locked out for 15 minutes"]
        assert all(row["entity_id"] == "owner" for row in failed)
        assert audit_rows(opened)[-1]["action"] == "login"
    assert json.loads((folder / "keys.json").read_text())["failures"] == {}
    # the next login records no old failures again
    with open_company(folder, "owner", OWNER_PASSWORD) as opened:
        assert len(audit_rows(opened, "login.failed")) == 6


def test_lockout_with_explicit_clock(company: Company) -> None:
    folder = _closed(company)
    key_file = KeyFile.load(folder)
    t0 = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            key_file.unlock_with_password("owner", "wrong-password", now=t0)
    with pytest.raises(LockedOut, match="Try again in 15 minutes") as caught:
        key_file.unlock_with_password("owner", "wrong-password", now=t0)
    assert caught.value.until == t0 + timedelta(minutes=15)
    with pytest.raises(LockedOut):
        key_file.unlock_with_password("owner", OWNER_PASSWORD, now=t0 + timedelta(minutes=10))
    # the lock is on disk, not only in this object
    with pytest.raises(LockedOut):
        KeyFile.load(folder).unlock_with_password(
            "owner", OWNER_PASSWORD, now=t0 + timedelta(minutes=14)
        )
    key = key_file.unlock_with_password("owner", OWNER_PASSWORD, now=t0 + timedelta(minutes=16))
    assert len(key) == 32
    with open_with_key(folder, key, "owner") as opened:
        assert opened.profile.name == "Sharma Test Traders"


def test_recovery_key_opens_in_any_spelling(make_company: CompanyFactory) -> None:
    company = make_company()
    recovery_key = make_company.recovery_keys[company.folder]
    key = company.database_key
    folder = _closed(company)
    for spelling in (recovery_key, recovery_key.lower(), recovery_key.replace("-", "")):
        with open_with_recovery_key(folder, spelling) as opened:
            assert opened.database_key == key
            assert opened.actor.username == "owner"
            assert audit_rows(opened)[-1]["details"] == '{"with":"recovery key"}'


def test_wrong_recovery_key_is_refused(company: Company) -> None:
    folder = _closed(company)
    with pytest.raises(WrongPassword, match="recovery key does not open this company"):
        open_with_recovery_key(folder, new_recovery_key())
    with pytest.raises(ValidationError, match="40 letters and digits"):
        open_with_recovery_key(folder, "ABCDE-12345")
    with pytest.raises(ValidationError):
        open_with_recovery_key(folder, "0" * 40)  # 0 is not in the alphabet


def test_recovery_key_lifts_a_lockout(make_company: CompanyFactory) -> None:
    company = make_company()
    recovery_key = make_company.recovery_keys[company.folder]
    folder = _closed(company)
    key_file = KeyFile.load(folder)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            key_file.unlock_with_password("owner", "wrong-password")
    with pytest.raises(LockedOut):
        key_file.unlock_with_password("owner", "wrong-password")
    with open_with_recovery_key(folder, recovery_key) as opened:
        assert len(audit_rows(opened, "login.failed")) == 6
    with open_company(folder, "owner", OWNER_PASSWORD) as opened:
        assert opened.actor.username == "owner"


def test_change_password_rewraps_one_slot_only(company: Company) -> None:
    key = company.database_key
    slots_before = json.loads((company.folder / "keys.json").read_text())["slots"]
    with company.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    main_before = company.db_path.read_bytes()

    change_password(company, "owner", "brand-new-secret")

    assert company.db_path.read_bytes() == main_before  # no re-encryption
    slots_after = json.loads((company.folder / "keys.json").read_text())["slots"]
    recovery_before = [s for s in slots_before if s["kind"] == "recovery"]
    recovery_after = [s for s in slots_after if s["kind"] == "recovery"]
    assert recovery_after == recovery_before
    owner_before = next(s for s in slots_before if s["kind"] == "password")
    owner_after = next(s for s in slots_after if s["kind"] == "password")
    assert owner_after["id"] == owner_before["id"]
    assert owner_after["wrapped"] != owner_before["wrapped"]
    assert owner_after["kdf"]["salt"] != owner_before["kdf"]["salt"]
    assert [r["action"] for r in audit_rows(company)][-1] == "user.password"

    folder = _closed(company)
    with pytest.raises(WrongPassword):
        open_company(folder, "owner", OWNER_PASSWORD)
    with open_company(folder, "owner", "brand-new-secret") as opened:
        assert opened.database_key == key
    with open_with_key(folder, key, "owner") as opened:  # the same database key still opens
        assert opened.company_id == company.company_id


def test_change_password_refuses_weak_password(company: Company) -> None:
    with pytest.raises(ValidationError, match="at least 8"):
        change_password(company, "owner", "1234567")
    folder = _closed(company)
    with open_company(folder, "owner", OWNER_PASSWORD):
        pass


def test_missing_key_file(company: Company) -> None:
    folder = _closed(company)
    (folder / "keys.json").unlink()
    with pytest.raises(KeyFileError, match=r"key file .*keys.json is missing") as caught:
        open_company(folder, "owner", OWNER_PASSWORD)
    assert "Restore the company from a backup" in str(caught.value)


def test_damaged_key_file(company: Company) -> None:
    folder = _closed(company)
    (folder / "keys.json").write_text("{not json")
    with pytest.raises(KeyFileError, match="is damaged"):
        open_company(folder, "owner", OWNER_PASSWORD)
    (folder / "keys.json").write_text(json.dumps({"format": 2}))
    with pytest.raises(KeyFileError, match="has format 2"):
        open_company(folder, "owner", OWNER_PASSWORD)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no company folder"):
        open_company(tmp_path / "nowhere", "owner", OWNER_PASSWORD)


def test_truncated_database(company: Company, tmp_path: Path) -> None:
    folder = _closed(company)
    copy = tmp_path / "truncated"
    shutil.copytree(folder, copy)
    with (copy / DB_FILE_NAME).open("r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(DatabaseUnreadable, match=r"truncated \(1000 bytes\)") as caught:
        open_company(copy, "owner", OWNER_PASSWORD)
    assert "Restore it from a backup" in str(caught.value)
    # the original is untouched
    with open_company(folder, "owner", OWNER_PASSWORD):
        pass


def test_missing_database(company: Company) -> None:
    folder = _closed(company)
    (folder / DB_FILE_NAME).unlink()
    with pytest.raises(DatabaseUnreadable, match="is missing"):
        open_company(folder, "owner", OWNER_PASSWORD)


def test_damaged_database_pages(company: Company, tmp_path: Path) -> None:
    folder = _closed(company)
    copy = tmp_path / "damaged"
    shutil.copytree(folder, copy)
    with (copy / DB_FILE_NAME).open("r+b") as fh:
        fh.seek(0)
        fh.write(b"\xff" * 64)  # the salt and the first page's HMAC no longer match
    with pytest.raises(DatabaseUnreadable, match="damaged or does not belong"):
        open_company(copy, "owner", OWNER_PASSWORD)


def test_key_file_of_another_company(make_company: CompanyFactory) -> None:
    ours = make_company()
    theirs = make_company(name="Other Company")
    assert ours.database_key != theirs.database_key
    ours_folder, theirs_folder = _closed(ours), _closed(theirs)
    shutil.copy2(theirs_folder / "keys.json", ours_folder / "keys.json")
    with pytest.raises(DatabaseUnreadable, match="does not belong to this key file"):
        open_company(ours_folder, "owner", OWNER_PASSWORD)

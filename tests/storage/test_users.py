"""Users, roles and the TOTP second factor (DESIGN.md §5)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from app.errors import AccessDenied, Conflict, NotFound, ValidationError
from app.ledger.service import add_account, lock_period, post_voucher
from app.storage import totp
from app.storage.access import Permission, Role
from app.storage.company import Company, open_company
from app.storage.keyslots import WrongPassword
from app.storage.tables import users
from app.storage.totp import SecondFactorRequired, WrongCode
from app.storage.users import (
    add_user,
    change_password,
    deactivate_user,
    disable_totp,
    enable_totp,
)
from tests.conftest import OWNER_PASSWORD
from tests.factories import audit_rows, counts, payment

STAFF = {
    "asha": (Role.ACCOUNTANT, "asha-secret-1"),
    "ravi": (Role.CASHIER, "ravi-secret-1"),
    "meera": (Role.AUDITOR, "meera-secret-1"),
}


def _add_staff(company: Company) -> None:
    for name, (role, password) in STAFF.items():
        add_user(company, name, role, password, full_name=name.title())


def _wrong_code(secret: str) -> str:
    current = pyotp.TOTP(secret)
    for candidate in ("000000", "111111", "123456", "999999"):
        if not current.verify(candidate, valid_window=2):
            return candidate
    raise AssertionError("no wrong code found")


def test_owner_adds_staff_with_their_own_slots(company: Company) -> None:
    _add_staff(company)
    assert company.key_file.users() == ("owner", "asha", "ravi", "meera")
    with company.reader() as conn:
        rows = conn.execute(select(users.c.username, users.c.role, users.c.full_name)).all()
    assert sorted(map(tuple, rows)) == [
        ("asha", "accountant", "Asha"),
        ("meera", "auditor", "Meera"),
        ("owner", "owner", ""),
        ("ravi", "cashier", "Ravi"),
    ]
    added = [(r["entity_id"], json.loads(r["details"])) for r in audit_rows(company, "user.add")]
    assert added == [
        ("asha", {"role": "accountant"}),
        ("ravi", {"role": "cashier"}),
        ("meera", {"role": "auditor"}),
    ]
    folder = company.folder
    company.close()
    for name, (role, password) in STAFF.items():
        with open_company(folder, name, password) as opened:
            assert opened.actor.role is role
        with pytest.raises(WrongPassword):
            open_company(folder, name, OWNER_PASSWORD)


def test_add_user_validation(company: Company) -> None:
    with pytest.raises(ValidationError, match="2 to 32 lower-case"):
        add_user(company, "bad name!", Role.CASHIER, "long-enough-1")
    with pytest.raises(ValidationError, match="at least 8"):
        add_user(company, "shorty", Role.CASHIER, "short")
    add_user(company, "Kiran", Role.CASHIER, "long-enough-1")  # stored lower-case
    assert "kiran" in company.key_file.users()
    with pytest.raises(Conflict, match="already exists"):
        add_user(company, "kiran", Role.AUDITOR, "long-enough-1")
    assert company.key_file.users() == ("owner", "kiran")


@pytest.mark.parametrize("name", ["ravi", "meera"])
def test_cashier_and_auditor_cannot_post_vouchers(company: Company, name: str) -> None:
    _add_staff(company)
    before = counts(company)
    staff = company.as_user(name)
    with pytest.raises(AccessDenied, match=f"{name} .* may not post vouchers"):
        post_voucher(staff, payment(company, "500.00"))
    with pytest.raises(AccessDenied, match="may not change the chart of accounts"):
        add_account(staff, "Petty Cash 2", "Cash-in-Hand")
    with pytest.raises(AccessDenied, match="may not lock or unlock periods"):
        lock_period(staff, date(2025, 4, 30))
    assert counts(company) == before


def test_accountant_posts_but_cannot_manage_users(company: Company) -> None:
    _add_staff(company)
    accountant = company.as_user("asha")
    posted = post_voucher(accountant, payment(company, "500.00"))
    assert posted.number_text == "PMT/2025-26/1"
    assert audit_rows(company, "voucher.post")[-1]["actor"] == "asha"
    with pytest.raises(AccessDenied, match="may not manage users"):
        add_user(accountant, "newbie", Role.CASHIER, "long-enough-1")
    with pytest.raises(AccessDenied, match="may not manage users"):
        change_password(accountant, "ravi", "other-secret-1")
    with pytest.raises(AccessDenied, match="may not manage users"):
        deactivate_user(accountant, "ravi")
    assert "newbie" not in company.key_file.users()


@pytest.mark.parametrize("name", ["ravi", "meera"])
def test_non_owners_cannot_manage_users(company: Company, name: str) -> None:
    _add_staff(company)
    with pytest.raises(AccessDenied, match="may not manage users"):
        add_user(company.as_user(name), "newbie", Role.OWNER, "long-enough-1")


def test_users_change_their_own_password(company: Company) -> None:
    _add_staff(company)
    change_password(company.as_user("ravi"), "ravi", "ravi-new-secret")
    change_password(company, "meera", "meera-new-secret")  # the owner may change anyone's
    folder = company.folder
    company.close()
    with pytest.raises(WrongPassword):
        open_company(folder, "ravi", "ravi-secret-1")
    with open_company(folder, "ravi", "ravi-new-secret") as opened:
        assert opened.actor.role is Role.CASHIER
    with open_company(folder, "meera", "meera-new-secret"):
        pass


def test_deactivated_user_cannot_log_in(company: Company) -> None:
    _add_staff(company)
    deactivate_user(company, "ravi")
    assert "ravi" not in company.key_file.users()
    with pytest.raises(AccessDenied, match="deactivated"):
        company.as_user("ravi")
    with pytest.raises(AccessDenied, match="cannot deactivate yourself"):
        deactivate_user(company, "owner")
    folder = company.folder
    company.close()
    with pytest.raises(NotFound):
        open_company(folder, "ravi", "ravi-secret-1")


def test_role_grants() -> None:
    from app.storage.access import Actor

    def grants(role: Role) -> set[Permission]:
        return {p for p in Permission if Actor(1, "x", role).may(p)}

    assert grants(Role.OWNER) == set(Permission)
    assert grants(Role.ACCOUNTANT) == set(Permission) - {Permission.MANAGE_USERS}
    assert grants(Role.CASHIER) == {Permission.BILL}
    assert grants(Role.AUDITOR) == {Permission.VIEW_BOOKS}


class TestTotp:
    def _enrol(self, company: Company) -> tuple[str, tuple[str, ...]]:
        secret = totp.new_secret()
        codes = enable_totp(company, "owner", secret, pyotp.TOTP(secret).now())
        return secret, codes

    def test_enrolment_needs_the_current_code(self, company: Company) -> None:
        secret = totp.new_secret()
        with pytest.raises(ValidationError, match="does not match"):
            enable_totp(company, "owner", secret, _wrong_code(secret))
        with company.reader() as conn:
            assert conn.execute(select(users.c.totp_secret)).scalar() is None

    def test_login_with_second_factor(self, company: Company) -> None:
        secret, codes = self._enrol(company)
        assert len(codes) == 8 and len(set(codes)) == 8
        with company.reader() as conn:
            stored = json.loads(conn.execute(select(users.c.totp_recovery_codes)).scalar())
        assert stored == [totp.hash_code(c) for c in codes]
        assert not any(c in json.dumps(stored) for c in codes)  # only hashes are kept
        folder: Path = company.folder
        company.close()

        with pytest.raises(SecondFactorRequired, match="6-digit code"):
            open_company(folder, "owner", OWNER_PASSWORD)
        with pytest.raises(WrongCode, match="not right"):
            open_company(folder, "owner", OWNER_PASSWORD, _wrong_code(secret))
        with open_company(folder, "owner", OWNER_PASSWORD, pyotp.TOTP(secret).now()) as opened:
            reasons = [
                json.loads(r["details"])["reason"] for r in audit_rows(opened, "login.failed")
            ]
            assert reasons == ["wrong second-factor code"]

        code = codes[3]
        with open_company(folder, "owner", OWNER_PASSWORD, code.lower()) as opened:
            assert opened.actor.username == "owner"
        with pytest.raises(WrongCode):
            open_company(folder, "owner", OWNER_PASSWORD, code)
        with open_company(folder, "owner", OWNER_PASSWORD, codes[0]) as opened:
            with opened.reader() as conn:
                left = json.loads(conn.execute(select(users.c.totp_recovery_codes)).scalar())
            assert left == [totp.hash_code(c) for c in codes if c not in (codes[0], codes[3])]

    def test_disable_second_factor(self, company: Company) -> None:
        self._enrol(company)
        disable_totp(company, "owner")
        assert [r["action"] for r in audit_rows(company)][-2:] == [
            "user.totp.enable",
            "user.totp.disable",
        ]
        folder = company.folder
        company.close()
        with open_company(folder, "owner", OWNER_PASSWORD):
            pass

    def test_only_owner_enrols_others(self, company: Company) -> None:
        _add_staff(company)
        secret = totp.new_secret()
        with pytest.raises(AccessDenied):
            enable_totp(company.as_user("asha"), "ravi", secret, pyotp.TOTP(secret).now())
        codes = enable_totp(company.as_user("asha"), "asha", secret, pyotp.TOTP(secret).now())
        assert len(codes) == 8

    def test_helpers(self) -> None:
        secret = totp.new_secret()
        uri = totp.provisioning_uri(secret, "owner", "Acme")
        assert uri.startswith("otpauth://totp/Bahi:owner%40Acme?secret=")
        assert totp.qr_png(uri).startswith(b"\x89PNG")
        code = pyotp.TOTP(secret).now()
        assert totp.code_matches(secret, f" {code[:3]} {code[3:]} ")
        assert not totp.code_matches(secret, _wrong_code(secret))


def test_re_adding_a_deactivated_user_is_a_clear_error(company: Company) -> None:
    add_user(company, "ravi", Role.CASHIER, "ravi-secret-1")
    deactivate_user(company, "ravi")
    with pytest.raises(Conflict, match="ravi"):
        add_user(company, "ravi", Role.CASHIER, "ravi-secret-2")
    assert company.key_file.users() == ("owner",)


def test_repeated_wrong_codes_lock_out(company: Company) -> None:
    from app.storage.keyslots import LockedOut

    secret = totp.new_secret()
    enable_totp(company, "owner", secret, pyotp.TOTP(secret).now())
    folder = company.folder
    company.close()
    wrong = _wrong_code(secret)
    for _ in range(4):
        with pytest.raises(WrongCode):
            open_company(folder, "owner", OWNER_PASSWORD, wrong)
    with pytest.raises(LockedOut, match="Try again in 15 minutes"):
        open_company(folder, "owner", OWNER_PASSWORD, wrong)
    with pytest.raises(LockedOut):
        open_company(folder, "owner", OWNER_PASSWORD, pyotp.TOTP(secret).now())

"""Customers and suppliers: each has its own ledger account, as Tally keeps party ledgers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from app.billing import queries
from app.billing.model import PartyDraft, PartyId, PartyKind
from app.billing.tables import parties
from app.errors import Conflict, ValidationError
from app.gst import parse_gstin, state_by_code
from app.ledger import service as ledger
from app.ledger.model import AccountId, Line, Voucher, VoucherType
from app.money import ZERO, has_at_most_paise
from app.storage.access import Permission, require
from app.storage.company import Company, CompanyProfile
from app.storage.uow import UnitOfWork


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def party_problems(draft: PartyDraft) -> list[str]:
    """Everything wrong with a party's details, each a sentence saying what to fix."""
    found = [] if " ".join(draft.name.split()) else ["The party needs a name."]
    found += _gstin_problems(draft)
    found += _address_problems(draft)
    found += _terms_problems(draft)
    return found


def _gstin_problems(draft: PartyDraft) -> list[str]:
    found: list[str] = []
    if draft.gstin:
        try:
            gstin = parse_gstin(draft.gstin, allow_special=True)
        except ValidationError as error:
            found.append(str(error))
        else:
            if draft.state_code and draft.state_code != gstin.state_code:
                found.append(
                    f"The GSTIN is registered in state {gstin.state_code}, not "
                    f"{draft.state_code}; leave the state empty or correct it."
                )
    return found


def _address_problems(draft: PartyDraft) -> list[str]:
    found = []
    for label, state in (("state", draft.state_code), ("shipping state", _ship_state(draft))):
        if state:
            try:
                state_by_code(state)
            except ValidationError as error:
                found.append(f"The {label}: {error}")
    for address in (draft.billing, draft.shipping):
        if (
            address is not None
            and address.pin
            and not (address.pin.isdigit() and len(address.pin) == 6)
        ):
            found.append(f"PIN code {address.pin!r} must be 6 digits.")
    digits = draft.phone.replace(" ", "").removeprefix("+91")
    if draft.phone and not (digits.isdigit() and 6 <= len(digits) <= 12):
        found.append(f"Phone {draft.phone!r} must be 6 to 12 digits.")
    return found


def _terms_problems(draft: PartyDraft) -> list[str]:
    found = []
    if draft.credit_limit is not None and (
        draft.credit_limit < 0 or not has_at_most_paise(draft.credit_limit)
    ):
        found.append("The credit limit must be a positive amount in rupees and paise.")
    if draft.credit_days < 0:
        found.append("Credit days cannot be negative.")
    if not has_at_most_paise(draft.opening_balance):
        found.append("The opening balance has more than two decimals.")
    return found


def _ship_state(draft: PartyDraft) -> str:
    return draft.shipping.state_code if draft.shipping else ""


def _party_row(draft: PartyDraft) -> dict[str, Any]:
    problems = party_problems(draft)
    if problems:
        raise ValidationError(" ".join(problems))
    gstin = parse_gstin(draft.gstin, allow_special=True).value if draft.gstin else None
    state = gstin[:2] if gstin else (draft.state_code or draft.billing.state_code)
    return {
        "name": " ".join(draft.name.split()),
        "kind": draft.kind.value,
        "gstin": gstin,
        "state_code": state,
        "billing_address": draft.billing.text.strip(),
        "billing_pin": draft.billing.pin,
        "shipping_address": draft.shipping.text.strip() if draft.shipping else "",
        "shipping_state": _ship_state(draft),
        "shipping_pin": draft.shipping.pin if draft.shipping else "",
        "phone": draft.phone.replace(" ", ""),
        "email": draft.email.strip(),
        "credit_limit": draft.credit_limit,
        "credit_days": draft.credit_days,
        "composition": draft.composition,
    }


def _check_party_unique(conn: Connection, row: dict[str, Any], party_id: int | None) -> None:
    for column, label in ((parties.c.name, "name"), (parties.c.gstin, "GSTIN")):
        value = row[column.name]
        if not value:
            continue
        other = conn.execute(select(parties.c.id, parties.c.name).where(column == value)).first()
        if other is not None and other.id != party_id:
            raise Conflict(f"{other.name!r} already has this {label} ({value}).")


def add_party(company: Company, draft: PartyDraft) -> PartyId:
    with company.unit_of_work() as uow:
        party_id = add_party_in(uow, company.profile, draft)
        uow.commit()
    return party_id


def add_party_in(uow: UnitOfWork, profile: CompanyProfile, draft: PartyDraft) -> PartyId:
    """A customer or supplier with its own ledger account (as Tally keeps party ledgers)."""
    require(uow.actor, Permission.BILL)
    row = _party_row(draft)
    _check_party_unique(uow.conn, row, None)
    group = "Sundry Creditors" if draft.kind is PartyKind.SUPPLIER else "Sundry Debtors"
    account = ledger.add_account_in(uow, row["name"], group)
    now = _now()
    result = uow.conn.execute(
        parties.insert().values(**row, account_id=account, created_at=now, updated_at=now)
    )
    key = result.inserted_primary_key
    assert key is not None
    party_id = PartyId(int(key[0]))
    uow.record("party.add", "party", party_id, {"name": row["name"], "gstin": row["gstin"]})
    if draft.opening_balance:
        _post_opening_balance(uow, profile, account, draft.opening_balance, row["name"])
    return party_id


def _post_opening_balance(
    uow: UnitOfWork, profile: CompanyProfile, account: AccountId, amount: Decimal, name: str
) -> None:
    # Balanced against a suspense account the accountant clears once all openings are in,
    # as Tally's "Difference in opening balances" does.
    other = ledger.ensure_system_account(
        uow, "opening_difference", "Opening Balance Difference", "Suspense A/c"
    )
    voucher = Voucher(
        VoucherType.JOURNAL,
        profile.books_begin,
        (Line(account, amount), Line(other, -amount)),
        narration=f"Opening balance of {name}",
        source=queries.OPENING_SOURCE,
    )
    ledger.post_in(uow, profile, [voucher], Permission.POST_VOUCHERS)


def set_opening_balance(company: Company, party_id: PartyId, amount: Decimal) -> bool:
    with company.unit_of_work() as uow:
        changed = set_opening_balance_in(uow, company.profile, party_id, amount)
        uow.commit()
    return changed


def set_opening_balance_in(
    uow: UnitOfWork, profile: CompanyProfile, party_id: PartyId, amount: Decimal
) -> bool:
    """Make a party's opening balance ``amount`` (+ they owe us). A posted journal never
    changes, so the standing opening journal is reversed on the books' first day and a new
    one posted; sync applies another device's opening balance this way. Returns False when
    the balance already was ``amount``."""
    require(uow.actor, Permission.POST_VOUCHERS)
    if not has_at_most_paise(amount):
        raise ValidationError("The opening balance has more than two decimals.")
    party = queries.party(uow.conn, party_id)
    standing = queries.opening_journals(uow.conn, party_id)
    current = sum((part for _, part in standing), ZERO)
    if current == amount:
        return False
    narration = f"Opening balance of {party.name} changed"
    for voucher_id, _ in standing:
        ledger.reverse_in(uow, profile, voucher_id, profile.books_begin, narration)
    if amount:
        _post_opening_balance(uow, profile, AccountId(party.account_id), amount, party.name)
    uow.record("party.opening", "party", party_id, {"from": str(current), "to": str(amount)})
    return True


def update_party(company: Company, party_id: PartyId, draft: PartyDraft) -> None:
    """Change a party's details. Issued documents keep the details they were issued with."""
    with company.unit_of_work() as uow:
        require(uow.actor, Permission.BILL)
        current = queries.party(uow.conn, party_id)
        row = _party_row(draft)
        _check_party_unique(uow.conn, row, party_id)
        if draft.opening_balance != ZERO:
            raise ValidationError("Change an opening balance with a journal voucher.")
        uow.conn.execute(
            parties.update().where(parties.c.id == party_id).values(**row, updated_at=_now())
        )
        if row["name"] != current.name:
            # One party, one ledger account: the account takes the new name too, so the
            # ledger, the trial balance and the party list agree.
            ledger.rename_account_in(uow, AccountId(current.account_id), row["name"])
        changed = {k: v for k, v in row.items() if getattr(current, k, v) != v}
        uow.record("party.update", "party", party_id, {k: str(v) for k, v in changed.items()})
        uow.commit()

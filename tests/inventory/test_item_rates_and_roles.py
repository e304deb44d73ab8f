"""Items carry a GST rate in force today, and only the owner or accountant manages items."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import AccessDenied, ValidationError
from app.inventory import queries
from app.inventory.model import ItemDraft
from app.inventory.service import add_godown, add_item, check_rate_in_force, update_item
from app.money import D
from app.storage.access import Permission, Role
from app.storage.company import Company
from app.storage.users import add_user


def ghee(rate: str = "5", **changes: object) -> ItemDraft:
    fields: dict[str, object] = {"name": "Ghee 1L", "hsn": "04059020", "gst_rate": D(rate)}
    fields.update(changes)
    return ItemDraft(**fields)  # type: ignore[arg-type]


def test_a_slab_gst_2_0_removed_is_refused_with_the_rates_in_force(company: Company) -> None:
    with pytest.raises(ValidationError, match=r"Ghee 1L: 12% is not a GST rate under GST 2\.0"):
        add_item(company, ghee("12"))
    with company.reader() as conn:
        assert queries.search_items(conn, "Ghee") == []


def test_the_check_follows_the_dated_schedule() -> None:
    check_rate_in_force(ghee("12"), date(2025, 9, 21))  # the last day of GST 1.0
    with pytest.raises(ValidationError, match=r"5%, 6%, 7\.5%, 18%, 28%, 40%"):
        check_rate_in_force(ghee("12"), date(2025, 9, 22))
    with pytest.raises(ValidationError, match=r"not a GST rate under GST 1\.0"):
        check_rate_in_force(ghee("40"), date(2025, 9, 21))
    check_rate_in_force(ghee("12", active=False), date(2026, 1, 1))  # kept for its history


def test_changing_an_item_to_a_removed_rate_is_refused(company: Company) -> None:
    item_id = add_item(company, ghee("5"))
    with pytest.raises(ValidationError, match="12% is not a GST rate"):
        update_item(company, item_id, ghee("12"))
    update_item(company, item_id, ghee("18"))
    with company.reader() as conn:
        assert queries.item(conn, item_id).item.gst_rate == D("18")


def test_a_cashier_may_not_add_or_change_items_or_godowns(company: Company) -> None:
    add_user(company, "ravi", Role.CASHIER, "ravi-secret-12")
    add_user(company, "meena", Role.ACCOUNTANT, "meena-secret-12")
    cashier, accountant = company.as_user("ravi"), company.as_user("meena")
    assert not cashier.actor.may(Permission.MANAGE_ITEMS)
    with pytest.raises(AccessDenied, match="may not add or change items and godowns"):
        add_item(cashier, ghee())
    with pytest.raises(AccessDenied):
        add_godown(cashier, "Back room")
    item_id = add_item(accountant, ghee())
    with pytest.raises(AccessDenied):
        update_item(cashier, item_id, ghee("18"))
    add_godown(accountant, "Back room")

"""Company settings between real company files, through the real service and PostgreSQL:
the owner's decisions (valuation, negative stock, series prefixes, how bills look and ask
to be paid, the e-invoice's PIN and town) reach every till; each till keeps its own theme
and paper; a joining till takes the shop's settings; two tills changing one setting offline
end with the later one and a conflict on both; a value this version cannot use is held, and
a logo too big for one change stays where it is without stopping the rest."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date

import pytest

from app.billing.invoice_settings import (
    LOGO_KEY,
    InvoiceSettings,
    invoice_settings,
    save_invoice_settings,
)
from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
from app.billing.numbering import set_series_prefix
from app.billing.service import post_document
from app.inventory.model import NegativeStockPolicy, ValuationMethod
from app.inventory.settings import (
    VALUATION_KEY,
    inventory_settings,
    set_negative_stock,
    set_valuation_method,
)
from app.money import D
from app.storage import settings
from app.storage.company import Company
from app.syncing import service as sync_service
from tests.conftest import CompanyFactory
from tests.sync.service import Service
from tests.sync.tills import Till, pair_new

# The smallest PNG there is (1x1, transparent): a logo the bills can print.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _write(company: Company, key: str, value: str) -> None:
    """A value as another version of Bahi might have written it, past today's checks."""
    with company.unit_of_work() as uow:
        settings.write_setting(uow, key, value)
        uow.commit()


@pytest.fixture
def shop(make_company: CompanyFactory, service: Service) -> Iterator[list[Till]]:
    owner, joiner = make_company(), make_company()
    # Set before the shop exists: the owner's travel at its first sync ...
    set_valuation_method(owner, ValuationMethod.AVERAGE)
    chosen = InvoiceSettings(upi_id="mehta@okhdfc", logo=PNG, terms=("Goods once sold",))
    save_invoice_settings(owner, chosen)
    _write(owner, settings.PIN_SETTING, "411030")
    # ... the joiner's own, made before it joined, do not: it takes the shop's.
    set_valuation_method(joiner, ValuationMethod.FIFO)
    _write(joiner, settings.THEME, "dark")
    sync_service.create_shop(owner, service.url, device_name="Owner", series_prefix="A")
    pair_new(owner, joiner, name="Till B", prefix="B")
    tills = [Till(c.folder, c.database_key) for c in (owner, joiner)]
    for company in (owner, joiner):
        company.close()
    yield tills


def _settle(tills: list[Till]) -> None:
    for till in [*tills, *tills[:-1]]:
        till.sync()


def test_the_owners_settings_reach_the_till_and_its_own_stay(shop: list[Till]) -> None:
    owner, till = shop
    with owner.open() as company:
        set_series_prefix(company, DocKind.SALES_INVOICE, "CM")
        _write(company, settings.PAPER, "A5")  # the owner's printer, not the till's
    _settle(shop)
    with till.open() as company:
        with company.reader() as conn:
            assert inventory_settings(conn).valuation is ValuationMethod.AVERAGE
            printed = invoice_settings(conn)
            assert (printed.upi_id, printed.logo, printed.terms) == (
                "mehta@okhdfc",
                PNG,
                ("Goods once sold",),
            )
            assert settings.read_setting(conn, settings.PIN_SETTING) == "411030"
            assert settings.choice(conn, settings.THEME, settings.THEMES) == "dark"
            assert settings.read_setting(conn, settings.PAPER) is None
        line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
        sale = DocumentDraft(
            DocKind.SALES_INVOICE,
            date(2025, 6, 1),
            (line,),
            tenders=(Tender(PaymentMode.CASH, D("126")),),
        )
        number = post_document(company, sale).document.number
    assert number.startswith("CM-B/")  # the shop's prefix, this till's code
    with owner.open() as company, company.reader() as conn:
        assert settings.choice(conn, settings.THEME, settings.THEMES) == "light"


def test_one_setting_changed_on_both_offline_ends_the_same_with_a_conflict(
    shop: list[Till],
) -> None:
    owner, till = shop
    _settle(shop)
    with owner.open() as company:
        set_negative_stock(company, NegativeStockPolicy.BLOCK)
    with till.open() as company:  # later, not having seen the owner's
        set_negative_stock(company, NegativeStockPolicy.WARN)
    _settle(shop)
    for side in shop:
        with side.open() as company:
            with company.reader() as conn:
                assert inventory_settings(conn).negative_stock is NegativeStockPolicy.WARN
            [conflict] = sync_service.conflicts(company)
            assert (conflict.table, conflict.record, conflict.field) == (
                "settings",
                "inventory.negative_stock",
                "value",
            )
            assert (json.loads(conflict.kept), json.loads(conflict.lost)) == ("warn", "block")


def test_a_value_this_version_cannot_use_is_held_and_a_huge_logo_stays_home(
    shop: list[Till],
) -> None:
    owner, till = shop
    _settle(shop)
    with owner.open() as company:
        _write(company, VALUATION_KEY, "lifo")  # as a newer version with a third method
        # A logo kept before logos were held under 128 KB: too big for one change.
        _write(company, LOGO_KEY, base64.b64encode(PNG + bytes(200_000)).decode())
        _write(company, settings.PIN_SETTING, "560001")
    assert owner.sync()["pending"] == 0  # nothing stuck behind the logo
    till.sync()
    with till.open() as company:
        [held] = sync_service.held(company)
        assert "inventory.valuation_method" in held.message and "lifo" in held.message
        with company.reader() as conn:
            assert inventory_settings(conn).valuation is ValuationMethod.AVERAGE  # it opens
            assert invoice_settings(conn).logo == PNG
            assert settings.read_setting(conn, settings.PIN_SETTING) == "560001"

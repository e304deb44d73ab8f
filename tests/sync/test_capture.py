"""The transactional outbox in the company file, without a server: what a sale, a party and an
item edit put in ``sync_outbox``, in the same transaction, numbered without gaps."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

import app.syncing  # noqa: F401  (registers the outbox hook)
from app.billing.model import (
    DocKind,
    DocumentDraft,
    DraftLine,
    PartyDraft,
    PartyKind,
    PaymentMode,
    Tender,
)
from app.billing.numbering import set_series_prefix
from app.billing.parties import add_party, update_party
from app.billing.service import cancel_document, post_document, post_documents
from app.errors import ValidationError
from app.inventory.model import (
    GodownId,
    ItemDraft,
    NegativeStockPolicy,
    UnitConversion,
    ValuationMethod,
)
from app.inventory.service import (
    CountLine,
    StockLine,
    add_batch,
    add_godown,
    add_item,
    add_items,
    adjust_stock,
    count_stock,
    reverse_stock_in,
    set_batch_dates,
    set_opening_stock,
    transfer_stock,
    update_item,
)
from app.inventory.settings import set_negative_stock, set_valuation_method
from app.ledger.service import add_account
from app.money import D
from app.storage import settings
from app.storage.company import Company
from app.storage.tables import audit_log
from app.storage.uow import UnitOfWork
from app.syncing.capture import (
    BATCHES,
    LATER,
    SCHEMA,
    STOCK_ENTRIES,
    STOCK_REVERSALS,
    batch_key,
    complete_outbox,
    skip_applied,
    stock_opening_key,
    sweep,
    write_state,
)
from app.syncing.tables import sync_fields, sync_outbox
from sync.crypto import DeviceIdentity, KeyRing, new_id, seal_change
from sync.errors import EnvelopeRejected
from sync.merge import SyncSchema, decode_change
from sync.protocol import MAX_ENVELOPE_BYTES
from tests.conftest import CompanyFactory
from tests.factories import raw_execute


def _enable(company: Company) -> str:
    device = new_id()
    with company.unit_of_work() as uow:
        write_state(uow.conn, "device_id", device)
        uow.commit()
    return device


def _outbox(company: Company) -> list[tuple[int, str, dict[str, Any]]]:
    """The outbox as it is pushed: bodies left for later are built first, as a push does."""
    with company.unit_of_work() as uow:
        complete_outbox(uow.conn)
        uow.commit()
    with company.reader() as conn:
        rows = conn.execute(
            select(sync_outbox.c.device_seq, sync_outbox.c.kind, sync_outbox.c.payload).order_by(
                sync_outbox.c.device_seq
            )
        ).all()
    return [(seq, kind, json.loads(payload)) for seq, kind, payload in rows]


def _last_payload(company: Company) -> bytes:
    with company.reader() as conn:
        return bytes(
            conn.execute(
                select(sync_outbox.c.payload).order_by(sync_outbox.c.device_seq.desc()).limit(1)
            ).scalar_one()
        )


def _assert_held_by(payload: bytes, older: SyncSchema) -> None:
    """A device that reads only ``older`` holds this change back until it is updated."""
    assert older.version < SCHEMA.version
    with pytest.raises(EnvelopeRejected) as held:
        decode_change(payload, older)
    assert held.value.reason == "schema"


def _sale(party: int | None = None, cash: str = "200") -> DocumentDraft:
    line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), hsn="0902")
    return DocumentDraft(
        DocKind.SALES_INVOICE,
        date(2025, 6, 1),
        (line,),
        party_id=party,  # type: ignore[arg-type]
        tenders=(Tender(PaymentMode.CASH, D(cash)),),
    )


def test_nothing_is_captured_until_the_company_joins_a_shop(make_company: CompanyFactory) -> None:
    company = make_company()
    post_document(company, _sale())
    assert _outbox(company) == []
    _enable(company)
    post_document(company, _sale())
    # joining sweeps what the audit log holds from before (the initial upload), then each
    # later sale brings its own row
    rows = _outbox(company)
    assert [seq for seq, _, _ in rows] == [1, 2]
    numbers = [[op["body"]["number"] for op in payload["ops"]] for _, _, payload in rows]
    assert numbers == [["INV/2526/0001"], ["INV/2526/0002"]]


def test_a_sale_and_its_outbox_row_commit_together(make_company: CompanyFactory) -> None:
    company = make_company()
    device = _enable(company)
    for _ in range(3):
        post_document(company, _sale())
    with pytest.raises(ValidationError):
        post_document(company, _sale(cash="10"))  # refused: neither sale nor outbox row
    rows = _outbox(company)
    assert [seq for seq, _, _ in rows] == [1, 2, 3]  # gap-free device sequence
    assert all(kind == "doc" for _, kind, _ in rows)
    body = rows[2][2]["ops"][0]["body"]
    assert body["number"] == "INV/2526/0003"
    assert body["series"] == {"device": "", "prefix": "INV", "serial": 3}
    assert body["tenders"] == [
        {"mode": "cash", "amount": "126.00", "reference": ""}
    ]  # change given back
    assert rows[2][2]["ops"][0]["id"] == f"{device}:3"
    stamps = [payload["hlc"] for _, _, payload in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_master_data_travels_as_changed_fields_only(make_company: CompanyFactory) -> None:
    company = make_company()
    _enable(company)
    party = add_party(company, PartyDraft("Mehta Stores", PartyKind.CUSTOMER, state_code="27"))
    update_party(
        company,
        party,
        PartyDraft("Mehta Stores", PartyKind.CUSTOMER, state_code="27", phone="9822012345"),
    )
    post_document(company, _sale(party))
    first, second, third = (payload["ops"] for _, _, payload in _outbox(company))
    assert {op["f"] for op in first} >= {"name", "kind", "state_code", "phone", "active"}
    assert [(op["f"], op["v"]) for op in second] == [("phone", "9822012345")]
    assert second[0]["base"] == _outbox(company)[0][2]["hlc"]  # the stamp it had seen
    assert third[0]["body"]["party"] == first[0]["id"]  # the bill names the party by its gid


def test_changes_written_without_the_hook_are_swept_later(make_company: CompanyFactory) -> None:
    company = make_company()
    _enable(company)
    post_document(company, _sale())
    # A write that bypassed the hook (another program, an old version) left only its audit
    # row: the next sweep still finds it.
    raw_execute(company, ("UPDATE sync_state SET v = '0' WHERE k = 'audit_through'",))
    raw_execute(company, "DELETE FROM sync_outbox")
    raw_execute(company, "UPDATE sync_state SET v = '1' WHERE k = 'next_device_seq'")
    with UnitOfWork(company.engine, company.actor) as uow:
        assert sweep(uow.conn) == 1
        uow.commit()
    assert [seq for seq, _, _ in _outbox(company)] == [1]


def test_a_sales_body_is_built_at_the_first_push_as_it_was_at_commit(
    make_company: CompanyFactory,
) -> None:
    company = make_company()
    device = _enable(company)
    posted = post_document(company, _sale()).document
    with company.reader() as conn:
        kind, tx_id, hlc, payload = conn.execute(
            select(sync_outbox.c.kind, sync_outbox.c.tx_id, sync_outbox.c.hlc)
            .add_columns(sync_outbox.c.payload)
            .where(sync_outbox.c.device_seq == 1)
        ).one()
    # At the counter the row holds only which documents it carries, under its stamp.
    assert kind == LATER and json.loads(payload) == {"documents": [int(posted.id)]}
    # Cancelling it before the push changes nothing in what the sale's row carries: the
    # cancellation travels in its own row, after it.
    cancel_document(company, posted.id, date(2025, 6, 2), "Wrong customer")
    rows = _outbox(company)
    assert [kind for _, kind, _ in rows] == ["doc", "doc"]
    sale, cancellation = rows[0][2], rows[1][2]
    assert (sale["tx"], sale["hlc"]) == (tx_id, hlc)
    [op] = sale["ops"]
    assert op["id"] == f"{device}:{posted.id}" and op["body"]["number"] == posted.number
    assert op["body"]["grand_total"] == str(posted.grand_total)
    assert [(o["t"], o["id"]) for o in cancellation["ops"]] == [("cancellations", op["id"])]
    with company.unit_of_work() as uow:  # built once: a second push finds nothing to build
        assert complete_outbox(uow.conn) == 0


def test_godowns_accounts_and_openings_travel_as_master_data(
    make_company: CompanyFactory,
) -> None:
    company = make_company()
    device = _enable(company)
    back = add_godown(company, "Back Store", "Behind the shop")
    add_account(company, "MSEB Deposit", "Deposits (Asset)")
    item = add_item(company, ItemDraft("Tea 250 g", unit="NOS", hsn="0902", gst_rate=D("5")))
    set_opening_stock(company, back, [StockLine(item, D("12"), value=D("960"))])
    add_party(company, PartyDraft("Mehta Stores", PartyKind.CUSTOMER, state_code="27"))
    ops = [op for _, _, payload in _outbox(company) for op in payload["ops"]]
    fields = {(op["t"], op["f"]): op["v"] for op in ops}
    assert {k: v for k, v in fields.items() if k[0] == "godowns"} == {
        ("godowns", "name"): "Back Store",
        ("godowns", "address"): "Behind the shop",
        ("godowns", "active"): True,
    }
    # A hand-made account by name and group; the party's own account travels with the party.
    assert [(op["f"], op["v"]) for op in ops if op["t"] == "accounts"] == [
        ("name", "MSEB Deposit"),
        ("group", "Deposits (Asset)"),
    ]
    key = stock_opening_key(f"{device}:{item}", "Back Store", date(2025, 4, 1))
    [opening] = [op for op in ops if op["t"] == "openings"]  # none for a party without one
    assert (opening["id"], opening["f"], opening["v"]) == (
        key,
        "stock",
        {"qty": "12.000", "value": "960.00"},
    )
    # More opening stock later: the whole figure travels, based on the stamp it replaces.
    set_opening_stock(company, back, [StockLine(item, D("3"), value=D("240"))])
    _, _, last = _outbox(company)[-1]
    [again] = last["ops"]
    assert (again["id"], again["v"]) == (key, {"qty": "15.000", "value": "1200.00"})
    stamps = {p["hlc"] for _, _, p in _outbox(company) if opening in p["ops"]}
    assert again["base"] in stamps
    # A device that reads only version 2 holds these changes back until it is updated.
    payload = _last_payload(company)
    assert decode_change(payload, SCHEMA).ops[0].id == key
    _assert_held_by(payload, SyncSchema(2, SCHEMA.documents, frozenset({"parties", "items"})))


def test_stock_entries_travel_whole_and_openings_once(make_company: CompanyFactory) -> None:
    """A transfer, an adjustment and a count travel as stock entries with their moves (a
    count as the difference it found), a reversal by the entry's id; the opening stock they
    start from travels once, as its opening value, never as a stock entry."""
    company = make_company()
    device = _enable(company)
    main = GodownId(1)
    back = add_godown(company, "Back Store")
    item = add_item(company, ItemDraft("Tea 250 g", unit="NOS", hsn="0902", gst_rate=D("5")))
    set_opening_stock(company, main, [StockLine(item, D("30"), value=D("2400"))])
    before = len(_outbox(company))
    on = date(2025, 6, 5)
    transfer_stock(company, main, back, [StockLine(item, D("10"))], on, "For the weekend")
    adjust_stock(company, back, [StockLine(item, D("-2"))], on, "Damaged in the rain")
    count_stock(company, main, [CountLine(item, D("15"))], on)  # the books say 20
    with company.unit_of_work() as uow:
        reverse_stock_in(uow, "stock journal", "3", date(2025, 6, 6))  # the adjustment
        uow.commit()
    post_document(company, _sale())  # a sale alone still waits for its first push
    with company.reader() as conn:
        last_kind = conn.execute(
            select(sync_outbox.c.kind).order_by(sync_outbox.c.device_seq.desc()).limit(1)
        ).scalar_one()
    assert last_kind == LATER
    rows = _outbox(company)
    ops = [op for _, _, payload in rows for op in payload["ops"]]
    assert [op["t"] for op in ops if op["t"] in (STOCK_ENTRIES, "openings")] == [
        "openings",
        STOCK_ENTRIES,
        STOCK_ENTRIES,
        STOCK_ENTRIES,
    ]
    moved = [op for _, _, payload in rows[before:] for op in payload["ops"]]
    assert [op["t"] for op in moved] == [
        STOCK_ENTRIES,
        STOCK_ENTRIES,
        STOCK_ENTRIES,
        STOCK_REVERSALS,
        "documents",
    ]
    assert all(kind == "doc" for _, kind, _ in rows[before:])
    transfer, adjustment, count, reversal = (op["body"] for op in moved[:4])
    gid = f"{device}:{item}"
    assert transfer == {
        "kind": "transfer",
        "on": "2025-06-05",
        "narration": "For the weekend",
        "moves": [
            {
                "item": gid,
                "godown": "Main Godown",
                "qty": "-10.000",
                "value": None,
                "batch": None,
                "serials": [],
            },
            {
                "item": gid,
                "godown": "Back Store",
                "qty": "10.000",
                "value": None,
                "batch": None,
                "serials": [],
            },
        ],
    }
    assert (adjustment["kind"], adjustment["narration"]) == ("adjustment", "Damaged in the rain")
    assert [(m["godown"], m["qty"]) for m in adjustment["moves"]] == [("Back Store", "-2.000")]
    assert [(m["godown"], m["qty"]) for m in count["moves"]] == [("Main Godown", "-5.000")]
    assert count["kind"] == "count"
    # The reversal names the adjustment by its shop-wide id; its body only the date.
    assert (moved[3]["id"], reversal) == (moved[1]["id"], {"on": "2025-06-06"})
    assert len({op["id"] for op in moved[:3]}) == 3


def test_barcodes_units_and_price_lists_travel_as_item_fields(
    make_company: CompanyFactory,
) -> None:
    company = make_company()
    _enable(company)
    draft = ItemDraft(
        "Tea 250 g",
        unit="NOS",
        hsn="0902",
        gst_rate=D("5"),
        sale_price=D("120"),
        barcodes=("8901234567890",),
    )
    item = add_item(company, draft)
    wholesale = replace(
        draft,
        barcodes=("TEA-250", "8901234567890"),
        prices=(("Wholesale", D("110.50")),),
        conversions=(UnitConversion("BOX", D("24")),),
    )
    update_item(company, item, wholesale)
    first, second = (payload["ops"] for _, _, payload in _outbox(company))
    assert {op["f"]: op["v"] for op in first if op["f"] in ("barcodes", "units", "prices")} == {
        "barcodes": ["8901234567890"],
        "units": [],
        "prices": [],
    }
    # Only what changed: the whole list of each, sorted, never a local id.
    assert {op["f"]: op["v"] for op in second} == {
        "barcodes": ["8901234567890", "TEA-250"],
        "units": [{"uqc": "BOX", "factor": "24.000"}],
        "prices": [{"list": "wholesale", "price": "110.50"}],
    }
    # A device that reads only version 3 holds a version-4 change until it is updated.
    older = SyncSchema(3, SCHEMA.documents - {STOCK_ENTRIES, STOCK_REVERSALS}, SCHEMA.master)
    _assert_held_by(_last_payload(company), older)


def _batch_item(company: Company) -> int:
    draft = ItemDraft(
        "Paracetamol 500", unit="NOS", hsn="30049099", gst_rate=D("5"), batch_tracked=True
    )
    return int(add_item(company, draft))


def _batch_sale(item: int, batch: int, on: date = date(2025, 6, 3)) -> DocumentDraft:
    line = DraftLine("Paracetamol 500", D("2"), D("30"), D("5"), item_id=item, batch_id=batch)
    return DocumentDraft(
        DocKind.SALES_INVOICE, on, (line,), tenders=(Tender(PaymentMode.CASH, D("100")),)
    )


def test_batches_travel_by_item_and_number(make_company: CompanyFactory) -> None:
    """A batch is master data under its item's shop-wide id and its number; a document's
    line, a stock entry's move and a batch's opening stock name it by number, never by a
    local id; a changed expiry travels alone; a version-4 device holds all of it."""
    company = make_company()
    device = _enable(company)
    item = _batch_item(company)
    batch = add_batch(company, item, " PCM-24A ", date(2025, 1, 1), date(2026, 12, 31))
    set_opening_stock(
        company, GodownId(1), [StockLine(item, D("20"), batch, value=D("400"))], date(2025, 4, 1)
    )
    post_document(company, _batch_sale(item, batch))
    transfer_stock(
        company,
        GodownId(1),
        add_godown(company, "Back Store"),
        [StockLine(item, D("5"), batch)],
        date(2025, 6, 4),
    )
    set_batch_dates(company, batch, date(2025, 1, 1), date(2026, 6, 30))
    ops = [op for _, _, payload in _outbox(company) for op in payload["ops"]]
    key = batch_key(f"{device}:{item}", "PCM-24A")
    assert key == json.dumps(["batch", f"{device}:{item}", "PCM-24A"], separators=(",", ":"))
    assert [(op["f"], op["v"]) for op in ops if op["t"] == BATCHES and op["id"] == key] == [
        ("mfg_date", "2025-01-01"),
        ("expiry_date", "2026-12-31"),
        ("expiry_date", "2026-06-30"),  # only what changed, later
    ]
    [opening] = [op for op in ops if op["t"] == "openings"]
    assert opening["id"] == stock_opening_key(
        f"{device}:{item}", "Main Godown", date(2025, 4, 1), "PCM-24A"
    )
    assert opening["v"] == {"qty": "20.000", "value": "400.00"}
    [sale] = [op["body"] for op in ops if op["t"] == "documents"]
    assert [(ln["item"], ln["batch"]) for ln in sale["lines"]] == [(f"{device}:{item}", "PCM-24A")]
    [entry] = [op["body"] for op in ops if op["t"] == STOCK_ENTRIES]
    assert {m["batch"] for m in entry["moves"]} == {"PCM-24A"}
    # A device that reads only version 4 holds a version-5 change until it is updated.
    _assert_held_by(
        _last_payload(company), SyncSchema(4, SCHEMA.documents, SCHEMA.master - {BATCHES})
    )


def test_a_batch_made_before_batches_synced_travels_with_its_first_sale(
    make_company: CompanyFactory,
) -> None:
    """A batch whose audit row a version-4 sweep passed over (it sent no batches) has never
    travelled: the first sale from it carries its dates ahead of the bill, the next only
    the bill."""
    company = make_company()
    item = _batch_item(company)
    batch = add_batch(company, item, "PCM-23Z", expiry_date=date(2026, 3, 31))
    set_opening_stock(company, GodownId(1), [StockLine(item, D("10"), batch, value=D("200"))])
    device = new_id()
    with company.unit_of_work() as uow:  # joined, and a version-4 sweep passed the batch by
        write_state(uow.conn, "device_id", device)
        skip_applied(uow.conn)
        uow.commit()
    post_document(company, _batch_sale(item, batch))
    post_document(company, _batch_sale(item, batch))
    first, second = (payload["ops"] for _, _, payload in _outbox(company))
    key = batch_key(f"{device}:{item}", "PCM-23Z")
    assert [(op["t"], op["id"], op.get("f")) for op in first] == [
        (BATCHES, key, "mfg_date"),
        (BATCHES, key, "expiry_date"),
        ("documents", first[2]["id"], None),
    ]
    assert [op["t"] for op in second] == ["documents"]


def _sealed_sizes(company: Company) -> list[int]:
    """Each outbox row sealed as a push seals it (compressed, encrypted, signed)."""
    identity, keys = DeviceIdentity.generate(), KeyRing.generate()
    with company.reader() as conn:
        payloads = conn.execute(
            select(sync_outbox.c.device_seq, sync_outbox.c.payload).order_by(
                sync_outbox.c.device_seq
            )
        ).all()
    return [
        len(seal_change(p, shop_id=new_id(), device=identity, device_seq=seq, keys=keys))
        for seq, p in payloads
    ]


def test_a_big_transaction_travels_in_envelopes_the_service_takes(
    make_company: CompanyFactory,
) -> None:
    """The first sync sends everything a company holds as one transaction, and a bulk import
    posts hundreds of bills at once: cut into rows, in order, each op under its own row's
    stamp, every sealed row within the service's limit, nothing left out."""
    company = make_company()
    drafts = [
        ItemDraft(f"Item {n:04d}", hsn="0902", gst_rate=D("5"), sku=f"S{n}") for n in range(600)
    ]
    made = add_items(company, drafts)
    long_bill = replace(_sale(cash="189000"), lines=_sale().lines * 1_500)
    before = post_documents(company, [long_bill, long_bill])  # rows fill by size here
    device = _enable(company)
    after = post_documents(company, [long_bill, *(_sale() for _ in range(450))])
    rows = _outbox(company)

    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))
    assert max(_sealed_sizes(company)) <= MAX_ENVELOPE_BYTES
    item_rows = [p for _, _, p in rows if any(op["t"] == "items" for op in p["ops"])]
    assert len(item_rows) > 1
    assert {op["id"] for p in item_rows for op in p["ops"] if op["t"] == "items"} == {
        f"{device}:{i}" for i in made
    }
    with company.reader() as conn:  # a field's kept stamp is the one its row travelled with
        kept = dict(
            conn.execute(
                select(sync_fields.c.gid, sync_fields.c.hlc).where(
                    sync_fields.c.tbl == "items", sync_fields.c.field == "sku"
                )
            ).all()
        )
    assert all(
        kept[op["id"]] == p["hlc"] for p in item_rows for op in p["ops"] if op.get("f") == "sku"
    )
    bills = [[op for op in p["ops"] if op["t"] == "documents"] for _, _, p in rows]
    numbers = [op["body"]["number"] for ops in bills for op in ops]
    assert numbers == [p.document.number for p in [*before, *after]]
    # 1,500 lines travel alone; then 400 bills a row
    assert [len(ops) for ops in bills if ops] == [1, 1, 1, 400, 50]


def test_company_settings_travel_and_a_devices_own_do_not(make_company: CompanyFactory) -> None:
    company = make_company()
    _enable(company)
    set_valuation_method(company, ValuationMethod.AVERAGE)
    with company.unit_of_work() as uow:
        settings.write_setting(uow, settings.THEME, "dark")  # this screen's
        settings.write_setting(uow, settings.BACKUP_FOLDER, "/media/usb")  # this computer's
        settings.write_setting(uow, settings.PIN_SETTING, "411030")
        uow.commit()
    set_series_prefix(company, DocKind.SALES_INVOICE, "CM")
    rows = _outbox(company)
    sent = [(op["t"], op["id"], op["v"]) for _, _, p in rows for op in p["ops"]]
    assert sent == [
        ("settings", "inventory.valuation_method", "average"),
        ("settings", "company.pin", "411030"),
        ("settings", "billing.prefix.sales_invoice", "CM"),
    ]
    # A device that reads only version 5 holds a version-6 change until it is updated.
    older = SyncSchema(5, SCHEMA.documents, SCHEMA.master - {"settings"})
    _assert_held_by(_last_payload(company), older)


def test_a_joining_device_sends_only_settings_changed_after_it_joined(
    make_company: CompanyFactory,
) -> None:
    company = make_company()
    set_valuation_method(company, ValuationMethod.AVERAGE)  # before it joined: the shop's win
    with company.unit_of_work() as uow:  # joined as service.finish_join marks it
        head = uow.conn.execute(select(func.max(audit_log.c.id))).scalar_one()
        write_state(uow.conn, "device_id", new_id())
        write_state(uow.conn, "settings_from", str(head))
        uow.commit()
    set_negative_stock(company, NegativeStockPolicy.BLOCK)
    sent = [(op["id"], op["v"]) for _, _, p in _outbox(company) for op in p["ops"]]
    assert sent == [("inventory.negative_stock", "block")]

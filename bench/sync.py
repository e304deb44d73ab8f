"""Sync benchmark: the real service (``bahi-sync serve`` in a subprocess) over a real
PostgreSQL started in a temporary folder on loopback, with devices made by real pairing.

    seal_per_s                 building and sealing changes (HLC, canonical JSON, AES-GCM, Ed25519)
    push_pull_s                N changes pushed by one device, then pulled, verified, decrypted
                               and applied by another (goal: 100,000 in under 30 s)
    push_per_s                 N changes pushed by one device
    pull_apply_per_s           the same N pulled and applied
    push_50_devices_per_s      server push throughput, 50 devices pushing at once
    pull_200k_client_peak_mb   peak RSS of a process that pulls and applies 200,000 changes
    pull_200k_server_peak_mb   peak RSS of the service process over the whole run
    company_*                  the same path between two real SQLCipher company files: sales
                               posted on till A (outbox written in each sale's transaction),
                               pushed, then pulled by till B and re-posted through billing
                               (voucher, stock, number) one page per transaction

Usage:
    python bench/sync.py            # 100,000 and 200,000 changes (a few minutes)
    python bench/sync.py --quick    # 10,000 and 20,000 (under a minute)
    python bench/sync.py --company-only [--sales N]   # only the company-file figures
The pull child applies into a counting store (the company file is not part of this
benchmark), so its memory shows what the sync pipeline itself holds: about one page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test harness starts PostgreSQL and the service

from sqlalchemy import func, select  # noqa: E402

from sync.client import Membership, Quarantined, Received, SyncClient  # noqa: E402
from sync.clock import HybridClock  # noqa: E402
from sync.crypto import DeviceIdentity, DeviceKeys, KeyRing  # noqa: E402
from sync.merge import DocOp, ReplicaState, SyncSchema  # noqa: E402
from sync.transport import Transport  # noqa: E402
from tests.sync.pg import PgServer  # noqa: E402
from tests.sync.service import Service  # noqa: E402
from tests.sync.sim import Device, new_shop, pair  # noqa: E402

BENCH = "sync"
SCHEMA = SyncSchema(1, frozenset({"invoices"}), frozenset({"items"}))


def emit(
    figure: str,
    value: float | None,
    unit: str,
    goal: float | None,
    better: str,
    n: int,
    **extra: Any,
) -> None:
    line = {
        "bench": BENCH,
        "figure": figure,
        "value": None if value is None else round(value, 2),
        "unit": unit,
        "goal": goal,
        "better": better,
        "n": n,
        "runs": 1,
        **extra,
    }
    print(json.dumps(line), flush=True)
    print(
        f"{figure}: {value if value is None else round(value, 2)} {unit} (n={n}, goal {goal})",
        file=sys.stderr,
        flush=True,
    )


def invoice(prefix: str, n: int) -> DocOp:
    return DocOp(
        "invoices",
        f"{prefix}-{n}",
        {
            "no": f"{prefix}/2526/{n:06d}",
            "date": "2025-10-01",
            "party": "Sharma Kirana Stores",
            "gstin": "27AAPFU0939F1ZV",
            "lines": [{"item": "rice-25kg", "qty": "2.000", "rate": "1250.00", "gst": "5"}],
            "taxable": "2500.00",
            "cgst": "62.50",
            "sgst": "62.50",
            "total": "2625.00",
        },
    )


def record_many(device: Device, count: int) -> float:
    started = time.perf_counter()
    for n in range(1, count + 1):
        device.client.record([invoice(device.m.series_prefix, n)])
    return time.perf_counter() - started


class CountingStore:
    """Pull side of the benchmark: counts what it applies, keeps nothing else."""

    def __init__(self) -> None:
        self.cursor = 0
        self.applied = 0
        self.quarantined = 0

    def pulled_through(self) -> int:
        return self.cursor

    def applied_among(self, keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
        return set()

    def sent_envelopes(self, device_seqs: list[int]) -> dict[int, bytes]:
        return {}

    def apply_page(
        self,
        received: list[Received],
        quarantined: list[Quarantined],
        released: list[int],
        pulled_through: int | None,
    ) -> None:
        self.applied += len(received)
        self.quarantined += len(quarantined)
        if pulled_through is not None:
            self.cursor = pulled_through


def membership_json(m: Membership) -> dict[str, Any]:
    return {
        "url": m.server_url,
        "shop": m.shop_id,
        "id": m.identity.device_id,
        "priv": m.identity.private_bytes().hex(),
        "keys": m.keys.to_json(),
        "token": m.token,
        "peers": [p.to_json() for p in m.peers.values()],
    }


def pull_child(path: str) -> None:
    raw = json.loads(Path(path).read_text())
    identity = DeviceIdentity.from_private_bytes(raw["id"], bytes.fromhex(raw["priv"]))
    peers = {p["device_id"]: DeviceKeys.from_json(p) for p in raw["peers"]}
    m = Membership(
        raw["url"], raw["shop"], identity, KeyRing.from_json(raw["keys"]), raw["token"], "B1", peers
    )
    store = CountingStore()
    with Transport(m.server_url, m.token, timeout_s=60) as transport:
        client = SyncClient(
            m,
            store,
            transport,
            HybridClock(identity.device_id),
            SCHEMA,  # type: ignore[arg-type]
            page_limit=1000,
        )
        started = time.perf_counter()
        client.pull()
    print(
        json.dumps(
            {
                "applied": store.applied,
                "quarantined": store.quarantined,
                "seconds": time.perf_counter() - started,
                "peak_mb": peak_rss_mb(os.getpid()),
            }
        )
    )


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def push_all(device: Device) -> float:
    started = time.perf_counter()
    report = device.client.push()
    assert report.pending == 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pull-child")
    parser.add_argument("--company-only", action="store_true")
    parser.add_argument("--sales", type=int, help="sales for the company figures")
    args = parser.parse_args()
    if args.pull_child:
        pull_child(args.pull_child)
        return
    size = 10_000 if args.quick else 100_000
    big = 2 * size
    per_device = 200 if args.quick else 1_000
    print(
        f"sync bench: {size:,} changes; machine load {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores",
        file=sys.stderr,
    )
    # stop PostgreSQL and the service even when the run is interrupted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    pg = PgServer()
    service = Service(pg.url, rate=100_000).start()
    sales = args.sales or (200 if args.quick else 2_000)
    try:
        if not args.company_only:
            run(service, size, big, per_device)
        run_company(service, sales)
    finally:
        service.stop()
        pg.close()


def run(service: Service, size: int, big: int, per_device: int) -> None:
    till = new_shop(service.url, "Till 1", "T1")
    laptop = pair(till, "Laptop", "L1")
    till.store.keep_state = False
    laptop.store.keep_state = True
    laptop.client.page_limit = 1000

    seal_s = record_many(till, size)
    emit("seal_per_s", size / seal_s, "changes/s", None, "higher", size)
    push_s = push_all(till)
    emit("push_per_s", size / push_s, "changes/s", None, "higher", size)
    started = time.perf_counter()
    report = laptop.client.pull()
    pull_s = time.perf_counter() - started
    assert report.applied == size and report.quarantined == 0
    assert len(laptop.store.state.docs) == size
    emit("pull_apply_per_s", size / pull_s, "changes/s", None, "higher", size)
    emit(
        "push_pull_s",
        push_s + pull_s,
        "s",
        30 if size == 100_000 else None,
        "lower",
        size,
        with_seal_s=round(seal_s + push_s + pull_s, 2),
    )

    # 50 devices at once, envelopes sealed beforehand
    devices = [till] + [pair(till, f"Till {i}", f"D{i}") for i in range(2, 52)]
    for d in devices[1:]:
        d.store.keep_state = False
        d.client.push_batch = 100
        record_many(d, per_device)
    errors: list[BaseException] = []

    def go(d: Device) -> None:
        try:
            push_all(d)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(d,)) for d in devices[1:]]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:1]
    total = per_device * (len(devices) - 1)
    emit(
        "push_50_devices_per_s",
        total / elapsed,
        "changes/s",
        None,
        "higher",
        total,
        devices=len(devices) - 1,
    )

    # a large initial pull by a new device in a process of its own
    rest = big - size - total
    if rest > 0:
        till.client.push_batch = 1000
        for n in range(size + 1, size + rest + 1):
            till.client.record([invoice("T1", n)])
        push_all(till)
    laptop.store.state = ReplicaState()  # free the first figure's replica
    newcomer = pair(till, "New laptop", "N1")
    newcomer.m.peers.update({d.id: d.m.identity.keys for d in devices})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(membership_json(newcomer.m), f)
    try:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--pull-child", f.name], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
    finally:
        os.unlink(f.name)
    child = json.loads(out)
    assert proc.returncode == 0 and child["applied"] == big and child["quarantined"] == 0, child
    emit(
        "pull_200k_client_peak_mb",
        child["peak_mb"],  # VmHWM of the child: wait4 would count the parent (kept over exec)
        "MB",
        200,
        "lower",
        big,
        pull_s=round(child["seconds"], 2),
        page=1000,
    )
    server = service.proc.pid if service.proc else 0
    emit("pull_200k_server_peak_mb", peak_rss_mb(server), "MB", None, "lower", big)
    for d in [*devices, laptop, newcomer]:
        d.close()


def run_company(service: Service, sales: int) -> None:
    """Two real company files: capture cost per sale, push, and pull with re-posting."""
    from datetime import date

    import app.syncing  # noqa: F401  (the outbox hook)
    from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
    from app.billing.service import post_document
    from app.billing.tables import documents
    from app.inventory.model import ItemDraft
    from app.inventory.service import add_item
    from app.ledger.service import create_books
    from app.money import D
    from app.storage.company import CompanyProfile
    from app.syncing import service as sync_service
    from tests.sync.tills import pair_new

    profile = CompanyProfile("Bench Traders", "27", date(2025, 4, 1))
    root = Path(tempfile.mkdtemp(prefix="bahi-sync-bench-"))
    made = [create_books(root / name, profile, "bench-password-1")[0] for name in "abc"]
    a, b, plain = made
    try:
        sync_service.create_shop(a, service.url, device_name="Till A", series_prefix="A")
        pair_new(a, b, name="Till B", prefix="B")

        def sell(company: Any) -> float:
            item = add_item(company, ItemDraft("Tea 250 g", hsn="0902", gst_rate=D("5")))
            line = DraftLine("Tea 250 g", D("1"), D("120"), D("5"), item_id=item, hsn="0902")
            draft = DocumentDraft(
                DocKind.SALES_INVOICE,
                date(2025, 6, 1),
                (line,),
                tenders=(Tender(PaymentMode.CASH, D("200")),),
            )
            started = time.perf_counter()
            for _ in range(sales):
                post_document(company, draft)  # one sale, one transaction, one outbox row
            return time.perf_counter() - started

        plain_s = sell(plain)
        synced_s = sell(a)
        emit(
            "company_capture_ms_per_sale",
            (synced_s - plain_s) * 1000 / sales,
            "ms",
            None,
            "lower",
            sales,
            sale_ms=round(synced_s * 1000 / sales, 2),
        )
        started = time.perf_counter()
        pushed = sync_service.sync_now(a)
        push_s = time.perf_counter() - started
        started = time.perf_counter()
        pulled = sync_service.sync_now(b)
        pull_s = time.perf_counter() - started
        with b.reader() as conn:
            count = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        assert pushed.pending == 0 and count == sales, (pushed, pulled, count)
        emit("company_push_per_s", sales / push_s, "changes/s", None, "higher", sales)
        emit("company_pull_apply_per_s", sales / pull_s, "changes/s", None, "higher", sales)
        emit(
            "company_push_pull_s",
            push_s + pull_s,
            "s",
            None,
            "lower",
            sales,
            projected_100k_s=round((push_s + pull_s) * 100_000 / sales, 1),
        )
    finally:
        for company in made:
            company.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

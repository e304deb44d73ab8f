"""Tills made of real companies: each a SQLCipher company folder, paired through the real
service; the tests drive them as separate client PROCESSES (``run``) that open the folder
with its key, sell, edit or sync, and exit.

The oracles of sync-design.md §8, read from the company files themselves: every sale once,
series unique and gap-free, trial balance and stock identical, integrity ok.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

import app.syncing  # noqa: F401  (registers the outbox hook in this process too)
from app.billing.tables import documents
from app.inventory import queries as stock_queries
from app.inventory.tables import godowns, items, stock_moves
from app.ledger import queries as ledger_queries
from app.ledger.checks import check_books
from app.storage.company import Company, open_with_key
from app.syncing import service
from app.syncing.tables import sync_applied, sync_outbox

ROOT = Path(__file__).resolve().parents[2]
ITEM = "Basmati Rice 5 kg"
SUPPLIER = "Gupta Wholesale Traders"
CUSTOMER = "Sharma Kirana Stores"
AS_OF = date(2026, 3, 31)

# Runs in a child process: open the company, then one command. Prints one JSON line per
# committed write ("sale": its number) so a parent can kill it mid-run.
CHILD = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    from pathlib import Path

    import app.syncing  # the outbox hook: captured in the sale's own transaction
    from app.billing.model import DocKind, DocumentDraft, DraftLine, PaymentMode, Tender
    from app.billing.service import post_document
    from app.inventory import queries as stock_queries
    from app.money import D
    from app.storage.company import open_with_key
    from app.syncing import service

    folder, key, command, *rest = sys.argv[1:]
    company = open_with_key(Path(folder), bytes.fromhex(key), "owner")
    print("ready", flush=True)
    if command == "sell":
        count, qty = int(rest[0]), rest[1]
        with company.reader() as conn:
            item = stock_queries.item_by_name(conn, rest[2]).id
        for n in range(count):
            line = DraftLine("Basmati Rice 5 kg", D(qty), D("412.50"), D("5"), item_id=item,
                             hsn="1006", uqc="BAG", price_includes_tax=True)
            draft = DocumentDraft(DocKind.SALES_INVOICE, date(2025, 6, 2), (line,),
                                  tenders=(Tender(PaymentMode.CASH, D("1000") * D(qty)),))
            posted = post_document(company, draft)
            print(posted.document.id, flush=True)
    elif command == "sync":
        limit = int(rest[0]) if rest else 500
        if rest and rest[1:] == ["trace"]:
            from app.syncing import store
            applied = store.CompanyStore.apply_page
            pages = []
            def traced(self, *args):
                applied(self, *args)
                pages.append(1)
                print(len(pages), flush=True)
            store.CompanyStore.apply_page = traced
        report = service.sync_now(company, page_limit=limit)
        print(json.dumps({"pushed": report.pushed, "applied": report.applied,
                          "pending": report.pending}), flush=True)
    company.close()
    """
)


@dataclass
class Till:
    folder: Path
    key: bytes

    def open(self) -> Company:
        return open_with_key(self.folder, self.key, "owner")

    def run(self, command: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(self.folder), self.key.hex(), command, *args],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{command} failed:\n{done.stderr[-3000:]}")
        return done

    def spawn(self, command: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, str(self.folder), self.key.hex(), command, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def sell(self, count: int, qty: str = "1") -> None:
        self.run("sell", str(count), qty, ITEM)

    def sync(self, page_limit: int = 500) -> dict[str, Any]:
        done = self.run("sync", str(page_limit))
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def pair_new(existing: Company, joiner: Company, *, name: str, prefix: str) -> None:
    """Pair ``joiner`` into ``existing``'s shop the way two screens do, in one process."""
    m, transport, pending = service.offer(existing)
    with transport:
        joining = service.join(joiner, pending.uri, device_name=name, server_url=None)
        state = transport.pairing(pending.secrets.pairing_id)
        assert pending.secrets.confirmation_code(state.offering, state.joiner) == (  # type: ignore[arg-type]
            joining.confirmation_code
        )
        service.approve(existing, m, transport, pending, state, series_prefix=prefix)
    service.finish_join(joiner, joining, timeout_s=10)


# ---------------------------------------------------------------- oracles


@dataclass(frozen=True)
class Books:
    numbers: tuple[str, ...]
    balances: tuple[tuple[str, str], ...]
    stock: Decimal
    godown_stock: tuple[tuple[str, str, str], ...]  # (item, godown, qty) from the moves
    outbox: int
    applied: int
    integrity: str
    books_ok: bool


def books(company: Company) -> Books:
    with company.reader() as conn:
        numbers = tuple(
            sorted(
                conn.execute(
                    select(documents.c.number).where(documents.c.number_scope == "out")
                ).scalars()
            )
        )
        names = {v: k for k, v in ledger_queries.account_ids_by_name(conn).items()}
        balances = tuple(
            sorted(
                (names[a], str(b))
                for a, b in ledger_queries.balances(conn, AS_OF).items()
                if b != 0
            )
        )
        item = stock_queries.item_by_name(conn, ITEM).id
        stock = stock_queries.on_hand(conn, item)
        godown_stock = tuple(
            (r.item, r.godown, str(r.qty))
            for r in conn.execute(
                select(
                    items.c.name.label("item"),
                    godowns.c.name.label("godown"),
                    func.sum(stock_moves.c.qty).label("qty"),
                )
                .join(items, items.c.id == stock_moves.c.item_id)
                .join(godowns, godowns.c.id == stock_moves.c.godown_id)
                .group_by(items.c.name, godowns.c.name)
                .order_by(items.c.name, godowns.c.name)
            )
        )
        outbox = conn.execute(select(func.count()).select_from(sync_outbox)).scalar_one()
        applied = conn.execute(select(func.count()).select_from(sync_applied)).scalar_one()
        integrity = conn.execute(text("PRAGMA integrity_check")).scalar_one()
    return Books(
        numbers,
        balances,
        stock,
        godown_stock,
        outbox,
        applied,
        str(integrity),
        check_books(company).ok,
    )


def series(numbers: tuple[str, ...], head: str) -> list[int]:
    return sorted(int(n.rsplit("/", 1)[1]) for n in numbers if n.startswith(head + "/"))


def assert_gap_free(numbers: tuple[str, ...], head: str, count: int) -> None:
    assert series(numbers, head) == list(range(1, count + 1)), head

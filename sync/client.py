"""The device side of sync, below the company file: build an outbox row, push the outbox,
pull pages and hand each page to the local store to apply in one transaction.

The company file plugs in by implementing ``LocalStore`` (its unit of work writes the outbox
row with the business rows; its apply step maps ``Change`` ops onto tables with the merge
decisions of ``sync.merge``). ``sync.memory.MemoryStore`` is the reference implementation.

Quarantine does not stop the pull (sync-design.md §7.7 says "stop"): because every merge
rule is order-independent, a change applied later gives the same state as one applied in
turn, so a damaged or too-new envelope is set aside with its server_seq and the rest of the
shop keeps syncing; ``retry_quarantine`` applies it once a key, peer or upgrade arrives.
Stopping would let one flipped byte halt every till of the shop.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from sync import protocol as P
from sync.clock import HybridClock
from sync.crypto import (
    DeviceIdentity,
    DeviceKeys,
    EnvelopeHeader,
    KeyRing,
    open_change,
    open_key_wrap,
    parse_header,
    seal_change,
)
from sync.errors import EnvelopeRejected, SeqGap
from sync.merge import Change, Op, SyncSchema, decode_change, encode_change
from sync.transport import Transport

FUTURE_DRIFT_MS = 3600 * 1000  # a received stamp over an hour ahead is reported

# Checking a change's Ed25519 signature is most of opening it, and `cryptography` lets go of
# the GIL while it verifies (and decrypts): a page is opened by a few threads at once.
OPENERS = max(1, min(4, os.cpu_count() or 1))
OPEN_IN_PARALLEL_FROM = 64  # smaller pages are not worth the hand-over
_RETRY_AFTER_REFRESH = frozenset({"unknown_device", "unknown_key"})
_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(name: str, workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(workers, thread_name_prefix=f"sync-{name}")
        return pool


def new_tx_id() -> str:
    """UUIDv7-shaped: time-ordered, random tail."""
    ms = time.time_ns() // 1_000_000
    raw = ms.to_bytes(6, "big") + os.urandom(10)
    value = bytearray(raw)
    value[6] = 0x70 | (value[6] & 0x0F)
    value[8] = 0x80 | (value[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(value)))


@dataclass
class Membership:
    """What a paired device keeps (inside its encrypted company file)."""

    server_url: str
    shop_id: str
    identity: DeviceIdentity
    keys: KeyRing
    token: str
    series_prefix: str
    peers: dict[str, DeviceKeys] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.peers.setdefault(self.identity.device_id, self.identity.keys)


@dataclass(frozen=True, slots=True)
class Received:
    server_seq: int
    header: EnvelopeHeader
    change: Change
    drift_ms: int  # how far the change's stamp is ahead of this device's clock
    envelope: bytes = b""  # kept so a change the store cannot apply is quarantined whole

    @property
    def far_future(self) -> bool:
        """Applied all the same (the merge must be deterministic), but worth a warning."""
        return self.drift_ms > FUTURE_DRIFT_MS


@dataclass(frozen=True, slots=True)
class Quarantined:
    server_seq: int
    reason: str
    message: str
    envelope: bytes


class LocalStore(Protocol):
    def next_device_seq(self) -> int:
        """The next gap-free device_seq (1 for the first change)."""
        ...

    def enqueue(self, device_seq: int, change: Change, envelope: bytes) -> None:
        """Write the outbox row (in the same transaction as the business rows)."""
        ...

    def outbox_after(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]: ...

    def mark_acked(self, through_seq: int) -> None: ...

    def acked_through(self) -> int: ...

    def pulled_through(self) -> int: ...

    def applied_among(self, keys: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of these (device_id, device_seq) changes are already here (applied, or this
        device's own): one question per page, not one per change."""
        ...

    def sent_envelopes(self, device_seqs: Sequence[int]) -> dict[int, bytes]:
        """This device's own sealed envelopes (from the retained outbox) for these sequence
        numbers; a number with no stored envelope is left out."""
        ...

    def apply_page(
        self,
        received: Sequence[Received],
        quarantined: Sequence[Quarantined],
        released: Sequence[int],
        pulled_through: int | None,
    ) -> None:
        """Apply changes, record quarantine, drop released quarantine rows and move the
        cursor: all in one transaction."""
        ...

    def quarantine(self) -> list[Quarantined]: ...


def build_change(
    membership: Membership,
    clock: HybridClock,
    schema: SyncSchema,
    device_seq: int,
    ops: Sequence[Op],
) -> tuple[Change, bytes]:
    """A change and its sealed envelope; pure apart from the clock tick."""
    change = Change(new_tx_id(), clock.now(), schema.version, tuple(ops))
    envelope = seal_change(
        encode_change(change, schema),
        shop_id=membership.shop_id,
        device=membership.identity,
        device_seq=device_seq,
        keys=membership.keys,
    )
    return change, envelope


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    applied: int = 0
    quarantined: int = 0
    pending: int = 0


class SyncClient:
    def __init__(
        self,
        membership: Membership,
        store: LocalStore,
        transport: Transport,
        clock: HybridClock,
        schema: SyncSchema,
        *,
        push_batch: int = 500,
        page_limit: int = P.PULL_LIMIT_DEFAULT,
    ) -> None:
        self.m = membership
        self.store = store
        self.transport = transport
        self.clock = clock
        self.schema = schema
        self.push_batch = push_batch
        self.page_limit = page_limit
        self._server_last_seq: int | None = None

    def record(self, ops: Sequence[Op]) -> Change:
        """Convenience for stores without their own unit of work (the in-memory one)."""
        seq = self.store.next_device_seq()
        change, envelope = build_change(self.m, self.clock, self.schema, seq, ops)
        self.store.enqueue(seq, change, envelope)
        return change

    # ------------------------------------------------------------ push

    def push(self) -> SyncReport:
        """Send the outbox from where the server stands, in order, until it is empty."""
        report = SyncReport()
        if self._server_last_seq is None:
            hello = self.transport.hello()
            self.clock.observe_server_time(hello.server_time_ms)
            # Lower than what we think was acked: the server was restored from a backup;
            # resend from what it has, from the retained outbox.
            self._server_last_seq = hello.last_seq
            self.store.mark_acked(hello.last_seq)  # a lost response's changes are stored
        while True:
            rows = self.store.outbox_after(self._server_last_seq, self.push_batch)
            if not rows:
                break
            rows = rows[: P.push_share([envelope for _, envelope in rows])]  # one request's worth
            try:
                result = self.transport.push([envelope for _, envelope in rows])
            except SeqGap as gap:
                self._server_last_seq = gap.expected - 1
                continue
            except Exception:
                self._server_last_seq = None  # ask again after any fault
                raise
            self.clock.observe_server_time(result.server_time_ms)
            self._server_last_seq = result.acked_through
            self.store.mark_acked(result.acked_through)
            report.pushed += len(rows) - result.duplicates
            report.duplicates += result.duplicates
        report.pending = len(self.store.outbox_after(self.store.acked_through(), 1_000_000))
        return report

    # ------------------------------------------------------------ pull

    def _open(self, item: P.Pulled) -> Received:
        header, payload = open_change(
            item.envelope, shop_id=self.m.shop_id, keys=self.m.keys, devices=self.m.peers
        )
        change = decode_change(payload, self.schema)
        if change.hlc.node != header.device_id:
            raise EnvelopeRejected("malformed", "A change's clock names another device.")
        drift = self.clock.drift_ms(change.hlc)
        return Received(item.server_seq, header, change, drift, item.envelope)

    def _own_copies(self, items: Sequence[P.Pulled]) -> set[int]:
        """Server seqs of this device's own changes coming back byte for byte as it sealed
        them: they are in the books already, and bytes equal to what this device signed need
        no signature check or decryption. Anything else (another device's, or damaged) is
        opened as usual, so a flipped byte is still quarantined."""
        mine: dict[int, P.Pulled] = {}
        for item in items:
            try:
                header = parse_header(item.envelope)
            except ValueError:
                continue
            if header.device_id == self.m.identity.device_id and header.shop_id == self.m.shop_id:
                mine[header.device_seq] = item
        if not mine:
            return set()
        sent = self.store.sent_envelopes(list(mine))
        return {item.server_seq for seq, item in mine.items() if sent.get(seq) == item.envelope}

    def _try_open(self, items: Sequence[P.Pulled]) -> list[Received | EnvelopeRejected]:
        opened: list[Received | EnvelopeRejected] = []
        for item in items:
            try:
                opened.append(self._open(item))
            except EnvelopeRejected as exc:
                opened.append(exc)
        return opened

    def _open_all(self, items: Sequence[P.Pulled]) -> list[Received | EnvelopeRejected]:
        """Each item opened or the reason it was refused, in order: one slice per thread,
        the first on this one."""
        if OPENERS == 1 or len(items) < OPEN_IN_PARALLEL_FROM:
            return self._try_open(items)
        step = -(-len(items) // OPENERS)
        slices = [items[at : at + step] for at in range(0, len(items), step)]
        others = [_pool("open", OPENERS - 1).submit(self._try_open, part) for part in slices[1:]]
        opened = self._try_open(slices[0])
        for future in others:
            opened.extend(future.result())
        return opened

    def _open_page(self, items: Sequence[P.Pulled]) -> tuple[list[Received], list[Quarantined]]:
        opened_all: list[Received] = []
        quarantined: list[Quarantined] = []
        refreshed = False
        own = self._own_copies(items)
        todo = [item for item in items if item.server_seq not in own]
        for item, first in zip(todo, self._open_all(todo), strict=True):
            result = first
            if isinstance(first, EnvelopeRejected) and first.reason in _RETRY_AFTER_REFRESH:
                if not refreshed:  # a new device or key: ask the service once per page
                    refreshed = True
                    self.refresh_peers()
                    self.fetch_keys()
                result = self._try_open([item])[0]
            if isinstance(result, EnvelopeRejected):
                quarantined.append(
                    Quarantined(item.server_seq, result.reason, str(result), item.envelope)
                )
            else:
                opened_all.append(result)
        here = self.store.applied_among(
            [(got.header.device_id, got.header.device_seq) for got in opened_all]
        )
        received = [
            got for got in opened_all if (got.header.device_id, got.header.device_seq) not in here
        ]
        for got in received:
            self.clock.observe(got.change.hlc)
        return received, quarantined

    def pull(self, wait_s: float = 0.0) -> SyncReport:
        """Pull pages until caught up; each page is applied in one local transaction. The
        next page is fetched while this one is opened and applied, so the service's work
        overlaps this device's."""
        report = SyncReport()
        after = self.store.pulled_through()
        page = self.transport.pull(after, self.page_limit, wait_s)
        while True:
            self.clock.observe_server_time(page.server_time_ms)
            if page.head_seq < after:
                # The server lost changes (restored from a backup): keep our cursor; the
                # devices re-push from their outboxes and the gap fills again.
                return report
            ahead = None
            if page.has_more:
                ahead = _pool("fetch", 1).submit(
                    self.transport.pull, page.next_after, self.page_limit, 0.0
                )
            try:
                received, quarantined = self._open_page(page.changes)
                self.store.apply_page(received, quarantined, (), page.next_after)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()  # one fetched page dropped, nothing applied from it
                raise
            report.applied += len(received)
            report.quarantined += len(quarantined)
            if ahead is None:
                return report
            after = self.store.pulled_through()
            if after == page.next_after:
                page = ahead.result()
            else:  # another pull on this store moved the cursor meanwhile: ask from there
                ahead.cancel()
                page = self.transport.pull(after, self.page_limit, 0.0)

    def sync(self, wait_s: float = 0.0) -> SyncReport:
        pushed = self.push()
        pulled = self.pull(wait_s)
        pulled.pushed, pulled.duplicates, pulled.pending = (
            pushed.pushed,
            pushed.duplicates,
            pushed.pending,
        )
        return pulled

    # ------------------------------------------------------------ keys, peers, quarantine

    def refresh_peers(self) -> None:
        for info in self.transport.devices():
            self.m.peers[info.keys.device_id] = info.keys

    def fetch_keys(self) -> None:
        """Add rotated shop keys wrapped to this device."""
        for wrap in self.transport.key_wraps(self.m.keys.current_epoch):
            sender = self.m.peers.get(wrap.sender_id)
            if sender is None:
                self.refresh_peers()
                sender = self.m.peers.get(wrap.sender_id)
            if sender is None:
                continue
            self.m.keys = open_key_wrap(
                wrap.wrapped,
                keys=self.m.keys,
                shop_id=self.m.shop_id,
                epoch=wrap.epoch,
                recipient=self.m.identity,
                sender=sender,
            )

    def retry_quarantine(self) -> int:
        """Try the quarantined envelopes again (after an upgrade, a new key or peer)."""
        held = self.store.quarantine()
        if not held:
            return 0
        self.refresh_peers()
        self.fetch_keys()
        received, still = self._open_page([P.Pulled(q.server_seq, q.envelope) for q in held])
        released = [q.server_seq for q in held if q.server_seq not in {s.server_seq for s in still}]
        self.store.apply_page(received, (), released, None)
        return len(released)

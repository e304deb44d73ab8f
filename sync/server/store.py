"""The one interface every server store implements (PostgreSQL by default, MongoDB), and the
push rule they share.

A store keeps opaque envelopes keyed by (shop, device, device_seq) and hands them out by a
per-shop cursor ``server_seq``. The cursor is assigned under a per-shop lock in the same
transaction that stores the rows, so commit order equals cursor order and a puller can never
skip a row that commits late (sync-design.md §7.6).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sync.crypto import DeviceKeys, same_bytes
from sync.errors import SeqGap, SeqReuse, SyncError
from sync.protocol import KeyWrap, PairingState, Pulled


class StoreUnavailable(SyncError):
    """The database cannot be reached or failed mid-transaction; nothing was committed."""


class NotFoundError(SyncError):
    """A shop, device or pairing that does not exist (or has expired)."""


class AlreadyExists(SyncError):
    """A shop, device or pairing id that is taken."""


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    shop_id: str
    keys: DeviceKeys
    name: str
    status: str  # pending | active | revoked
    last_seq: int
    last_seen_ms: int | None

    @property
    def device_id(self) -> str:
        return self.keys.device_id


@dataclass(frozen=True, slots=True)
class Incoming:
    device_seq: int
    key_epoch: int
    envelope: bytes
    sha256: bytes


@dataclass(frozen=True, slots=True)
class StoredPush:
    acked_through: int
    server_seqs: tuple[int, ...]
    duplicates: int
    head_seq: int


@dataclass(frozen=True, slots=True)
class ShopInfo:
    shop_id: str
    head_seq: int
    server_epoch: int


@dataclass(frozen=True, slots=True)
class Stored:
    device_seq: int
    sha256: bytes
    server_seq: int


def plan_push(
    last_seq: int, items: Sequence[Incoming], stored: Mapping[int, Stored]
) -> tuple[list[int], list[Incoming]]:
    """Split a push into the server_seqs of duplicates already stored and the new items.

    ``items`` must be consecutive device_seqs. Those at or below ``last_seq`` must match what
    is stored byte for byte (else SEQ_REUSE: a device restored from an old copy); the first new
    one must be ``last_seq + 1`` (else SEQ_GAP with the expected number)."""
    for before, after in itertools.pairwise(items):
        if after.device_seq != before.device_seq + 1:
            raise SeqGap(last_seq + 1)
    duplicates: list[int] = []
    fresh: list[Incoming] = []
    for item in items:
        if item.device_seq <= last_seq:
            old = stored.get(item.device_seq)
            if old is None or not same_bytes(old.sha256, item.sha256):
                raise SeqReuse(item.device_seq)
            duplicates.append(old.server_seq)
        else:
            fresh.append(item)
    if fresh and fresh[0].device_seq != last_seq + 1:
        raise SeqGap(last_seq + 1)
    return duplicates, fresh


class Store(Protocol):
    name: str

    def migrate(self) -> None: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...

    def listen(self, callback: Callable[[str], None]) -> bool:
        """Call ``callback(shop_id)`` when any node stores changes for a shop. Returns False
        when the store cannot notify (the service then polls)."""
        ...

    def create_shop(
        self, shop_id: str, device: DeviceKeys, name: str, token_hash: bytes
    ) -> None: ...

    def authenticate(self, token_hash: bytes) -> DeviceRecord | None: ...

    def shop(self, shop_id: str) -> ShopInfo: ...

    def push(self, shop_id: str, device_id: str, items: Sequence[Incoming]) -> StoredPush: ...

    def pull(self, shop_id: str, after: int, limit: int) -> tuple[list[Pulled], int]:
        """Changes with server_seq > after (at most ``limit``), and the head_seq."""
        ...

    def devices(self, shop_id: str) -> list[DeviceRecord]: ...

    def revoke(self, shop_id: str, device_id: str) -> DeviceRecord: ...

    def put_key_wraps(
        self, shop_id: str, sender_id: str, epoch: int, wraps: Mapping[str, bytes]
    ) -> None: ...

    def key_wraps(self, shop_id: str, device_id: str, after_epoch: int) -> list[KeyWrap]: ...

    def offer_pairing(
        self, shop_id: str, pairing_id: str, offering_id: str, expires_ms: int
    ) -> None: ...

    def join_pairing(
        self, pairing_id: str, joiner: DeviceKeys, name: str, token_hash: bytes, now_ms: int
    ) -> PairingState:
        """Register the joiner as a pending device of the pairing's shop."""
        ...

    def pairing(self, shop_id: str, pairing_id: str, now_ms: int) -> PairingState: ...

    def seal_pairing(self, shop_id: str, pairing_id: str, sealed: bytes, now_ms: int) -> None:
        """Store the sealed keys and make the joiner an active device."""
        ...

    def take_sealed(self, shop_id: str, device_id: str, pairing_id: str) -> PairingState:
        """Hand the sealed keys to the joiner once, then forget the pairing."""
        ...


def open_store(url: str, *, pool_size: int = 10) -> Store:
    """``postgresql://...`` (default kind) or ``mongodb://...``."""
    if url.startswith(("postgresql://", "postgres://")):
        from sync.server.postgres import PostgresStore

        return PostgresStore(url, pool_size=pool_size)
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from sync.server.mongo import MongoStore

        return MongoStore(url)
    raise ValueError(
        "The store URL must start with postgresql:// or mongodb:// "
        "(for example postgresql://bahi@127.0.0.1/bahi_sync)."
    )

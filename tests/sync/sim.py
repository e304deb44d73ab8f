"""Simulated devices: a real ``SyncClient`` over a real ``Transport`` with an in-memory replica
(``MemoryStore``) where a company file will later be."""

from __future__ import annotations

from collections.abc import Callable

from sync.client import Membership, SyncClient
from sync.clock import HybridClock, wall_ms
from sync.memory import MemoryStore
from sync.merge import SyncSchema
from sync.pairing import approve, confirmation_for_offer, create_shop, finish_join, join, offer
from sync.transport import Transport

SCHEMA = SyncSchema(
    version=1,
    documents=frozenset({"invoices", "vouchers"}),
    master=frozenset({"items", "parties"}),
)


class Device:
    def __init__(
        self, membership: Membership, *, wall: Callable[[], int] = wall_ms, url: str | None = None
    ) -> None:
        self.m = membership
        self.store = MemoryStore(membership.identity.device_id)
        self.clock = HybridClock(membership.identity.device_id, wall=wall)
        self.transport = Transport(url or membership.server_url, membership.token, timeout_s=10)
        self.client = SyncClient(membership, self.store, self.transport, self.clock, SCHEMA)

    @property
    def id(self) -> str:
        return self.m.identity.device_id

    def close(self) -> None:
        self.transport.close()


def new_shop(url: str, name: str = "Counter 1", prefix: str = "T1") -> Device:
    return Device(create_shop(url, device_name=name, series_prefix=prefix))


def pair(existing: Device, name: str, prefix: str, **kw: Callable[[], int]) -> Device:
    pending = offer(existing.m, existing.transport)
    joining = join(pending.uri, device_name=name)
    state = existing.transport.pairing(pending.secrets.pairing_id)
    assert confirmation_for_offer(pending, state) == joining.confirmation_code
    approve(existing.m, existing.transport, pending, state, series_prefix=prefix)
    device = Device(finish_join(joining, timeout_s=10, poll_s=0.05), **kw)
    existing.client.refresh_peers()
    return device

"""An in-memory ``LocalStore``: the reference replica the tests and the benchmark drive, in
place of a company file. Plain dicts fed by the merge rules of ``sync.merge``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sync.client import Quarantined, Received
from sync.merge import Change, ReplicaState


@dataclass
class MemoryStore:
    device_id: str
    state: ReplicaState = field(default_factory=ReplicaState)
    outbox: dict[int, bytes] = field(default_factory=dict)
    acked: int = 0
    cursor: int = 0
    applied: set[tuple[str, int]] = field(default_factory=set)
    held: dict[int, Quarantined] = field(default_factory=dict)
    far_future: list[Received] = field(default_factory=list)
    keep_state: bool = True  # the benchmark's bare receiver only counts

    def next_device_seq(self) -> int:
        return len(self.outbox) + 1  # gap-free from 1, so the count is the last number

    def enqueue(self, device_seq: int, change: Change, envelope: bytes) -> None:
        if device_seq in self.outbox or device_seq != self.next_device_seq():
            raise ValueError(f"device_seq {device_seq} is not the next one")
        self.outbox[device_seq] = envelope
        self.applied.add((self.device_id, device_seq))
        if self.keep_state:
            self.state.apply(change)

    def outbox_after(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        rows: list[tuple[int, bytes]] = []
        seq = after_seq + 1
        while seq in self.outbox and len(rows) < limit:
            rows.append((seq, self.outbox[seq]))
            seq += 1
        return rows

    def mark_acked(self, through_seq: int) -> None:
        self.acked = max(self.acked, through_seq)

    def acked_through(self) -> int:
        return self.acked

    def pulled_through(self) -> int:
        return self.cursor

    def applied_among(self, keys: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        return {key for key in keys if key in self.applied}

    def sent_envelopes(self, device_seqs: Sequence[int]) -> dict[int, bytes]:
        return {seq: self.outbox[seq] for seq in device_seqs if seq in self.outbox}

    def apply_page(
        self,
        received: Sequence[Received],
        quarantined: Sequence[Quarantined],
        released: Sequence[int],
        pulled_through: int | None,
    ) -> None:
        for item in received:
            key = (item.header.device_id, item.header.device_seq)
            if key in self.applied:
                continue
            self.applied.add(key)
            if self.keep_state:
                self.state.apply(item.change)
            if item.far_future:
                self.far_future.append(item)
        for seq in released:
            self.held.pop(seq, None)
        for q in quarantined:
            self.held[q.server_seq] = q
        if pulled_through is not None:
            self.cursor = max(self.cursor, pulled_through)

    def quarantine(self) -> list[Quarantined]:
        return [self.held[k] for k in sorted(self.held)]

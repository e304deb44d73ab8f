"""Merge rules: any interleaving, duplication and reordering of deliveries on N replicas
converges; documents are immutable unions; master data is per-field LWW with a conflict log;
derived state and floats are refused."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.clock import HybridClock, Timestamp
from sync.errors import ChangeRefused, EnvelopeRejected
from sync.merge import (
    Change,
    DocOp,
    ReplicaState,
    SetOp,
    SyncSchema,
    decode_change,
    delete_op,
    encode_change,
)

SCHEMA = SyncSchema(1, frozenset({"invoices"}), frozenset({"items", "parties"}))
NOW = 1_760_000_000_000


class Replica:
    def __init__(self, name: str, skew_ms: int) -> None:
        self.name = name
        self.wall = NOW + skew_ms
        self.clock = HybridClock(name, wall=lambda: self.wall)
        self.state = ReplicaState()
        self.n = 0

    def write(self, kind: int, row: int, value: int) -> Change:
        self.wall += 1
        self.n += 1
        table = "items" if kind % 2 else "parties"
        if kind == 0:
            ops: tuple = (DocOp("invoices", f"{self.name}-{self.n}", {"total": str(value)}),)
        elif kind == 3:
            ops = (
                delete_op(table, f"r{row}", self.state.field_stamp(table, f"r{row}", "_deleted")),
            )
        else:
            field = "price" if kind % 2 else "name"
            base = self.state.field_stamp(table, f"r{row}", field)
            ops = (SetOp(table, f"r{row}", field, str(value), base),)
        change = Change(f"{self.name}-{self.n}", self.clock.now(), 1, ops)
        # what travels is the encoded form: decode it as a receiver would
        change = decode_change(encode_change(change, SCHEMA), SCHEMA)
        self.state.apply(change)
        return change

    def receive(self, change: Change) -> None:
        self.clock.observe(change.hlc)
        self.state.apply(change)


events = st.lists(
    st.tuples(
        st.sampled_from(["write", "deliver"]),
        st.integers(0, 3),  # replica
        st.integers(0, 3),  # kind of write
        st.integers(0, 2),  # row
        st.integers(0, 99),  # value / which change to deliver
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 4),
    st.lists(st.sampled_from([0, 1, -1, 86_400_000, -31_536_000_000]), min_size=4, max_size=4),
    events,
    st.randoms(use_true_random=False),
)
def test_any_delivery_order_converges(
    n: int, skews: list[int], steps: list, rnd: random.Random
) -> None:
    replicas = [Replica(f"dev{i}", skews[i]) for i in range(n)]
    made: list[Change] = []
    for action, who, kind, row, value in steps:
        replica = replicas[who % n]
        if action == "write":
            made.append(replica.write(kind, row, value))
        elif made:  # deliver any change made so far, possibly again
            replica.receive(made[value % len(made)])
    # quiescence: every replica gets everything, in its own shuffled order, some twice
    for replica in replicas:
        delivery = made + rnd.sample(made, k=len(made) // 2)
        rnd.shuffle(delivery)
        for change in delivery:
            replica.receive(change)
    dumps = {r.state.dump() for r in replicas}
    assert len(dumps) == 1
    docs = {(d.ops[0].table, d.ops[0].id) for d in made if isinstance(d.ops[0], DocOp)}
    assert set(replicas[0].state.docs) == docs


def test_concurrent_price_edit_same_winner_and_logged_everywhere() -> None:
    a, b, c = Replica("till1", 0), Replica("till2", 5), Replica("laptop", 0)
    base = a.write(1, 0, 40)
    for r in (b, c):
        r.receive(base)
    x = a.write(1, 0, 45)  # both edit offline, having seen 40
    y = b.write(1, 0, 48)
    a.receive(y)
    b.receive(x)
    c.receive(y)
    c.receive(x)
    winner = a.state.rows("items")["r0"]["price"]
    assert winner == b.state.rows("items")["r0"]["price"] == c.state.rows("items")["r0"]["price"]
    assert winner == "48"  # till2's clock is 5 ms ahead: its write is later
    for r in (a, b, c):
        assert [(k.kept, k.lost) for k in r.state.conflicts] == [("48", "45")]


def test_sequential_edits_are_not_conflicts() -> None:
    a, b = Replica("a", 0), Replica("b", 0)
    first = a.write(1, 0, 40)
    b.receive(first)
    second = b.write(1, 0, 41)  # b saw 40 and changed it
    a.receive(second)
    assert a.state.conflicts == [] and b.state.conflicts == []
    assert a.state.rows("items")["r0"]["price"] == "41"


def test_delete_is_a_tombstone_field() -> None:
    a, b = Replica("a", 0), Replica("b", 0)
    made = [a.write(1, 0, 40), a.write(3, 0, 0)]
    for ch in reversed(made):
        b.receive(ch)
    assert a.state.rows("items") == {} == b.state.rows("items")
    assert a.state.dump() == b.state.dump()


def test_documents_are_immutable_and_id_clash_is_deterministic() -> None:
    ts1, ts2 = Timestamp(NOW, 0, "a"), Timestamp(NOW + 1, 0, "b")
    first = Change("t1", ts1, 1, (DocOp("invoices", "X", {"total": "10.00"}),))
    clash = Change("t2", ts2, 1, (DocOp("invoices", "X", {"total": "99.00"}),))
    one, two = ReplicaState(), ReplicaState()
    one.apply_all([first, clash, first])
    two.apply_all([clash, first, clash])
    assert one.dump() == two.dump()
    assert one.documents("invoices")["X"] == {"total": "10.00"}
    assert len(one.conflicts) == 1 and len(two.conflicts) == 1


def test_derived_tables_floats_and_edits_of_documents_refused() -> None:
    stamp = Timestamp(NOW, 0, "a")
    with pytest.raises(ChangeRefused, match="derived state"):
        encode_change(Change("t", stamp, 1, (SetOp("stock_on_hand", "rice", "qty", 5),)), SCHEMA)
    with pytest.raises(ChangeRefused, match="float"):
        encode_change(Change("t", stamp, 1, (SetOp("items", "rice", "price", 45.5),)), SCHEMA)
    with pytest.raises(ChangeRefused, match="reversal"):
        encode_change(Change("t", stamp, 1, (SetOp("invoices", "X", "total", "1"),)), SCHEMA)


def test_newer_schema_and_unknown_tables_are_quarantined_not_dropped() -> None:
    stamp = Timestamp(NOW, 0, "a")
    newer = SyncSchema(2, SCHEMA.documents | {"eway_bills"}, SCHEMA.master)
    payload = encode_change(Change("t", stamp, 2, (DocOp("eway_bills", "E1", {"no": "1"}),)), newer)
    with pytest.raises(EnvelopeRejected) as refused:
        decode_change(payload, SCHEMA)
    assert refused.value.reason == "schema"
    assert decode_change(payload, newer).ops[0].table == "eway_bills"
    with pytest.raises(EnvelopeRejected) as junk:
        decode_change(b"{not json", SCHEMA)
    assert junk.value.reason == "malformed"

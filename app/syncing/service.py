"""Sync use cases over a company: set up the first device, pair another, sync now, status,
devices, revoke. The device's keys, bearer token and server address are kept in the company's
``sync_state`` table, inside the SQLCipher file (never in a plain config file).

No network call runs inside a transaction (DESIGN.md §5): each step reads what it needs,
talks to the server, then writes what came back in a short unit of work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.billing.numbering import DEVICE_SETTING
from app.errors import Conflict, NotFound, ValidationError
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.settings import write_setting
from app.storage.tables import audit_log
from app.storage.uow import UnitOfWork
from app.syncing.capture import (
    BATCHES,
    IRNS,
    MASTER,
    OPENINGS,
    SCHEMA,
    batch_label,
    irn_label,
    load_clock,
    local_id,
    opening_label,
    read_int_state,
    read_state,
    save_clock,
    sweep,
    write_state,
)
from app.syncing.store import CompanyStore, sync_actor
from app.syncing.tables import sync_conflicts, sync_outbox, sync_quarantine
from sync import pairing
from sync import protocol as P
from sync.client import Membership, SyncClient, SyncReport
from sync.clock import Timestamp
from sync.crypto import DeviceIdentity, DeviceKeys, KeyRing
from sync.transport import Transport

PREFIX = re.compile(r"^[A-Z0-9]{1,4}$")  # number_series.device holds 4 characters


def _check_prefix(prefix: str) -> str:
    prefix = prefix.strip().upper()
    if not PREFIX.match(prefix):
        raise ValidationError(
            f"A device's series prefix is 1 to 4 letters or digits (like B or T2), not {prefix!r}; "
            "it goes into every invoice number this device issues."
        )
    return prefix


# ---------------------------------------------------------------- membership in the file


def _membership_json(m: Membership) -> str:
    return json.dumps(
        {
            "server_url": m.server_url,
            "shop_id": m.shop_id,
            "device_id": m.identity.device_id,
            "private": m.identity.private_bytes().hex(),
            "keys": m.keys.to_json(),
            "token": m.token,
            "series_prefix": m.series_prefix,
            "peers": [p.to_json() for p in m.peers.values()],
        },
        sort_keys=True,
    )


def load_membership(company: Company) -> Membership:
    with company.reader() as conn:
        raw = read_state(conn, "membership")
    if raw is None:
        raise NotFound(
            "This company is not set up for sync. Run 'bahi sync pair --new-shop' on the first "
            "device, or 'bahi sync pair --join CODE' to add this one to a shop."
        )
    data: dict[str, Any] = json.loads(raw)
    identity = DeviceIdentity.from_private_bytes(data["device_id"], bytes.fromhex(data["private"]))
    peers = {p["device_id"]: DeviceKeys.from_json(p) for p in data["peers"]}
    return Membership(
        data["server_url"],
        data["shop_id"],
        identity,
        KeyRing.from_json(data["keys"]),
        data["token"],
        data["series_prefix"],
        peers,
    )


def save_membership(company: Company, m: Membership) -> None:
    with UnitOfWork(company.engine, sync_actor(company)) as uow:
        write_state(uow.conn, "membership", _membership_json(m))
        uow.commit()


def _enable(company: Company, m: Membership, *, joined: bool = False) -> None:
    """Store the membership and start capturing: from now on every change of this company
    (and, at the first sync, everything already in its audit log) goes to the outbox. A
    device that joins takes the shop's settings: those it had before joining stay here."""
    with company.unit_of_work() as uow:
        if read_state(uow.conn, "membership") is not None:
            raise Conflict("This company already belongs to a sync shop.")
        if joined:
            last = uow.conn.execute(select(func.max(audit_log.c.id))).scalar()
            write_state(uow.conn, "settings_from", str(last or 0))
        write_state(uow.conn, "membership", _membership_json(m))
        write_state(uow.conn, "device_id", m.identity.device_id)
        write_state(uow.conn, "series_prefix", m.series_prefix)
        write_setting(uow, DEVICE_SETTING, m.series_prefix)
        uow.record("sync.enable", "sync", m.shop_id, {"device": m.identity.device_id})
        uow.commit()


# ---------------------------------------------------------------- pairing


def create_shop(
    company: Company,
    server_url: str,
    *,
    device_name: str,
    series_prefix: str,
    enrol_secret: str | None = None,
) -> Membership:
    """Make this company the first device of a new shop."""
    prefix = _check_prefix(series_prefix)
    m = pairing.create_shop(
        server_url, device_name=device_name, series_prefix=prefix, enrol_secret=enrol_secret
    )
    _enable(company, m)
    return m


def offer(company: Company) -> tuple[Membership, Transport, pairing.Offer]:
    """Start adding a device: it will hold the shop's keys, so only the owner may."""
    require(company.actor, Permission.MANAGE_USERS)
    m = load_membership(company)
    transport = Transport(m.server_url, m.token)
    return m, transport, pairing.offer(m, transport)


def approve(
    company: Company,
    m: Membership,
    transport: Transport,
    pending: pairing.Offer,
    state: P.PairingState,
    *,
    series_prefix: str,
) -> None:
    prefix = _check_prefix(series_prefix)
    if prefix == m.series_prefix:
        raise ValidationError(f"Series prefix {prefix} is this device's own; choose another.")
    pairing.approve(m, transport, pending, state, series_prefix=prefix)
    save_membership(company, m)


def join(
    company: Company, code_or_uri: str, *, device_name: str, server_url: str | None
) -> pairing.Joining:
    with company.reader() as conn:
        if read_state(conn, "membership") is not None:
            raise Conflict("This company already belongs to a sync shop.")
    return pairing.join(code_or_uri, device_name=device_name, server_url=server_url)


def finish_join(
    company: Company,
    joining: pairing.Joining,
    *,
    timeout_s: float = 300,
    check: Callable[[], None] | None = None,
) -> Membership:
    """Wait for the approval, then store the membership in one unit of work. ``check`` may
    raise to stop the wait (a Cancel): the company is then left as it was."""
    m = pairing.finish_join(joining, timeout_s=timeout_s, poll_s=0.5, check=check)
    _check_prefix(m.series_prefix)
    _enable(company, m, joined=True)
    return m


# ---------------------------------------------------------------- syncing


def capture_pending(company: Company) -> int:
    """Turn audited changes not yet in the outbox into outbox rows (from a process that did
    not capture them at commit)."""
    with UnitOfWork(company.engine, sync_actor(company)) as uow:
        written = sweep(uow.conn)
        uow.commit()
    return written


def sync_now(
    company: Company,
    *,
    wait_s: float = 0.0,
    page_limit: int = P.PULL_LIMIT_DEFAULT,
    transport_factory: Callable[[str, str], Transport] | None = None,
) -> SyncReport:
    """Push the outbox, pull and apply until caught up, retry the quarantine."""
    m = load_membership(company)
    capture_pending(company)
    with company.reader() as conn:
        clock = load_clock(conn, m.identity.device_id)
    store = CompanyStore(company, m)
    make = transport_factory or Transport
    with make(m.server_url, m.token) as transport:
        client = SyncClient(m, store, transport, clock, SCHEMA, page_limit=page_limit)
        # A key rotated after a revocation reaches this device before it seals anything, so
        # changes made offline leave under the newest epoch.
        client.fetch_keys()
        report = client.sync(wait_s)
        if store.quarantine():
            client.retry_quarantine()
    with UnitOfWork(company.engine, sync_actor(company)) as uow:
        conn = uow.conn
        stored = load_clock(conn, m.identity.device_id)
        stored.last = max(stored.last, clock.last)
        stored.offset_ms = clock.offset_ms
        save_clock(conn, stored)
        write_state(conn, "membership", _membership_json(m))
        write_state(conn, "last_sync_ms", str(clock.physical()))
        uow.commit()
    return report


@dataclass(frozen=True)
class SyncStatus:
    enabled: bool
    shop_id: str | None
    device_id: str | None
    series_prefix: str | None
    server_url: str | None
    pending: int  # outbox rows the server has not acknowledged
    pulled_through: int
    quarantined: int
    conflicts: int
    last_sync_ms: int | None
    clock: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(company: Company) -> SyncStatus:
    with company.reader() as conn:
        raw = read_state(conn, "membership")
        data = json.loads(raw) if raw else {}
        acked = read_int_state(conn, "acked_through")
        pending = conn.execute(
            select(func.count()).select_from(sync_outbox).where(sync_outbox.c.device_seq > acked)
        ).scalar_one()
        last = read_state(conn, "last_sync_ms")
        hlc = read_state(conn, "hlc")
        return SyncStatus(
            enabled=raw is not None,
            shop_id=data.get("shop_id"),
            device_id=data.get("device_id"),
            series_prefix=data.get("series_prefix"),
            server_url=data.get("server_url"),
            pending=int(pending),
            pulled_through=read_int_state(conn, "pulled_through"),
            quarantined=conn.execute(
                select(func.count()).select_from(sync_quarantine)
            ).scalar_one(),
            conflicts=conn.execute(select(func.count()).select_from(sync_conflicts)).scalar_one(),
            last_sync_ms=int(last) if last else None,
            clock=Timestamp.parse(hlc).text() if hlc else None,
        )


@dataclass(frozen=True)
class ConflictRow:
    """Two devices changed one field offline: ``kept`` (the later stamp) won everywhere,
    ``lost`` is kept here for the record."""

    table: str
    gid: str
    field: str | None
    kept: str
    lost: str
    kept_hlc: str
    lost_hlc: str
    record: str = ""  # the record's name today ("Opening stock of ... in ... on ...")
    at: str = ""

    @property
    def kept_by(self) -> str:
        """The device whose write won (the stamp's node)."""
        return Timestamp.parse(self.kept_hlc).node

    @property
    def lost_by(self) -> str:
        return Timestamp.parse(self.lost_hlc).node


def conflicts(company: Company) -> list[ConflictRow]:
    with company.reader() as conn:
        rows = conn.execute(select(sync_conflicts).order_by(sync_conflicts.c.id)).all()
        result = []
        for r in rows:
            record = r.gid
            if r.tbl == OPENINGS:
                record = opening_label(conn, r.gid)
            elif r.tbl == BATCHES:
                record = batch_label(conn, r.gid)
            elif r.tbl == IRNS:
                record = irn_label(conn, r.gid)
            table = MASTER.get(r.tbl)
            row_id = local_id(conn, r.tbl, r.gid)
            if table is not None and row_id is not None:
                record = str(
                    conn.execute(select(table.c.name).where(table.c.id == row_id)).scalar()
                )
            result.append(
                ConflictRow(
                    r.tbl, r.gid, r.field, r.kept, r.lost, r.kept_hlc, r.lost_hlc, record, r.at
                )
            )
        return result


@dataclass(frozen=True)
class HeldRow:
    """A received change kept whole in quarantine: why, and when it was last tried."""

    server_seq: int
    reason: str
    message: str
    at: str


def held(company: Company) -> list[HeldRow]:
    with company.reader() as conn:
        return [
            HeldRow(r.server_seq, r.reason, r.message, r.at)
            for r in conn.execute(
                select(
                    sync_quarantine.c.server_seq,
                    sync_quarantine.c.reason,
                    sync_quarantine.c.message,
                    sync_quarantine.c.at,
                ).order_by(sync_quarantine.c.server_seq)
            )
        ]


def retry_held(
    company: Company, *, transport_factory: Callable[[str, str], Transport] | None = None
) -> int:
    """Try the quarantined changes again (after an unlock, a new key or an update); returns
    how many were applied. What still fails stays held with its new reason."""
    m = load_membership(company)
    before = status(company).quarantined
    with company.reader() as conn:
        clock = load_clock(conn, m.identity.device_id)
    store = CompanyStore(company, m)
    make = transport_factory or Transport
    with make(m.server_url, m.token) as transport:
        client = SyncClient(m, store, transport, clock, SCHEMA)
        client.retry_quarantine()  # counts what opened; applying may hold it again
    save_membership(company, m)  # a peer or key fetched for the retry is kept
    return before - status(company).quarantined


def devices(company: Company) -> list[P.DeviceInfo]:
    m = load_membership(company)
    with Transport(m.server_url, m.token) as transport:
        return transport.devices()


def revoke(company: Company, device_id: str) -> None:
    """Refuse the device at the server and rotate the shop key for new changes. Only the
    owner may: any active device could, so the role is checked here (sync-design §7.4)."""
    require(company.actor, Permission.MANAGE_USERS)
    m = load_membership(company)
    with Transport(m.server_url, m.token) as transport:
        pairing.revoke_device(m, transport, device_id)
    save_membership(company, m)

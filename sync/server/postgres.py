"""The PostgreSQL store (psycopg 3, a connection pool). The default and the tested one.

``changes`` is hash-partitioned by shop (sync-design.md §7.11), so one shop's rows live in
one partition and a Citus deployment can distribute by ``shop_id`` unchanged.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from sync.crypto import DeviceKeys
from sync.errors import DeviceRevoked
from sync.protocol import KeyWrap, PairingState, Pulled
from sync.server.store import (
    AlreadyExists,
    DeviceRecord,
    Incoming,
    NotFoundError,
    ShopInfo,
    Stored,
    StoredPush,
    StoreUnavailable,
    plan_push,
)

log = logging.getLogger(__name__)

CHANNEL = "bahi_sync_changes"
PARTITIONS = 8
SCHEMA_VERSION = 1

_SCHEMA_V1 = [
    """CREATE TABLE shops (
        shop_id uuid PRIMARY KEY,
        head_seq bigint NOT NULL DEFAULT 0,
        server_epoch integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE devices (
        shop_id uuid NOT NULL REFERENCES shops,
        device_id uuid NOT NULL,
        name text NOT NULL,
        sign_pub bytea NOT NULL,
        kx_pub bytea NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
        last_seq bigint NOT NULL DEFAULT 0,
        last_seen timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        PRIMARY KEY (shop_id, device_id))""",
    """CREATE TABLE changes (
        shop_id uuid NOT NULL,
        server_seq bigint NOT NULL,
        device_id uuid NOT NULL,
        device_seq bigint NOT NULL,
        key_epoch integer NOT NULL,
        envelope bytea NOT NULL,
        sha256 bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (shop_id, server_seq),
        UNIQUE (shop_id, device_id, device_seq)) PARTITION BY HASH (shop_id)""",
    *[
        f"CREATE TABLE changes_p{i} PARTITION OF changes "
        f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
        for i in range(PARTITIONS)
    ],
    # envelopes are ciphertext: compressing them is wasted work
    "ALTER TABLE changes ALTER COLUMN envelope SET STORAGE EXTERNAL",
    """CREATE TABLE key_wraps (
        shop_id uuid NOT NULL,
        key_epoch integer NOT NULL,
        device_id uuid NOT NULL,
        sender_id uuid NOT NULL,
        wrapped bytea NOT NULL,
        PRIMARY KEY (shop_id, key_epoch, device_id))""",
    """CREATE TABLE pairings (
        pairing_id text PRIMARY KEY,
        shop_id uuid NOT NULL REFERENCES shops,
        offering_id uuid NOT NULL,
        joiner_id uuid,
        sealed bytea,
        expires_at timestamptz NOT NULL)""",
]


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(hex=value)


def _ms(value: Any) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


class PostgresStore:
    name = "postgres"

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            timeout=10.0,
            open=True,
            name="bahi-sync",
        )
        self._listening = threading.Event()
        self._stop = threading.Event()

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(f"PostgreSQL is unavailable: {exc}") from exc

    # ------------------------------------------------------------ lifecycle

    def migrate(self) -> None:
        """Create or upgrade the schema. Safe to run on every start and from several nodes."""
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('bahi_sync_migrate'))")
            conn.execute("CREATE TABLE IF NOT EXISTS bahi_sync_schema (version integer NOT NULL)")
            row = conn.execute("SELECT max(version) FROM bahi_sync_schema").fetchone()
            version = row[0] if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"The database schema is version {version}, newer than this bahi-sync "
                    f"({SCHEMA_VERSION}); update bahi-sync."
                )
            if version < 1:
                for statement in _SCHEMA_V1:
                    conn.execute(statement)  # type: ignore[arg-type]  # fixed DDL, no input
                conn.execute("INSERT INTO bahi_sync_schema VALUES (1)")

    def ping(self) -> None:
        with self._conn() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        self._stop.set()
        self._pool.close()

    def listen(self, callback: Callable[[str], None]) -> bool:
        """LISTEN in a thread of its own; reconnects after PostgreSQL restarts."""

        def run() -> None:
            while not self._stop.is_set():
                try:
                    with psycopg.connect(self.url, autocommit=True) as conn:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                        self._listening.set()
                        while not self._stop.is_set():
                            for note in conn.notifies(timeout=1.0):
                                callback(note.payload)
                except psycopg.Error as exc:
                    log.warning("change notifications paused: %s", exc)
                    self._listening.clear()
                    self._stop.wait(1.0)

        threading.Thread(target=run, name="bahi-sync-listen", daemon=True).start()
        return True

    # ------------------------------------------------------------ shops and devices

    def create_shop(self, shop_id: str, device: DeviceKeys, name: str, token_hash: bytes) -> None:
        try:
            with self._conn() as conn, conn.transaction():
                conn.execute("INSERT INTO shops (shop_id) VALUES (%s)", (_uuid(shop_id),))
                conn.execute(
                    "INSERT INTO devices (shop_id, device_id, name, sign_pub, kx_pub, "
                    "token_hash, status) VALUES (%s, %s, %s, %s, %s, %s, 'active')",
                    (
                        _uuid(shop_id),
                        _uuid(device.device_id),
                        name,
                        device.sign_pub,
                        device.kx_pub,
                        token_hash,
                    ),
                )
        except psycopg.errors.UniqueViolation:
            raise AlreadyExists("That shop or token already exists.") from None

    _DEVICE_COLUMNS = "shop_id, device_id, sign_pub, kx_pub, name, status, last_seq, last_seen"

    @staticmethod
    def _device(row: Sequence[Any]) -> DeviceRecord:
        shop, device, sign_pub, kx_pub, name, status, last_seq, last_seen = row
        return DeviceRecord(
            shop.hex,
            DeviceKeys(device.hex, bytes(sign_pub), bytes(kx_pub)),
            name,
            status,
            last_seq,
            _ms(last_seen),
        )

    def authenticate(self, token_hash: bytes) -> DeviceRecord | None:
        with self._conn() as conn:
            row = conn.execute(
                f"SELECT {self._DEVICE_COLUMNS} FROM devices WHERE token_hash = %s",
                (token_hash,),
            ).fetchone()
        return self._device(row) if row else None

    def shop(self, shop_id: str) -> ShopInfo:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT head_seq, server_epoch FROM shops WHERE shop_id = %s", (_uuid(shop_id),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Shop {shop_id} is not on this server.")
        return ShopInfo(shop_id, row[0], row[1])

    def devices(self, shop_id: str) -> list[DeviceRecord]:
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {self._DEVICE_COLUMNS} FROM devices WHERE shop_id = %s "
                "ORDER BY created_at, device_id",
                (_uuid(shop_id),),
            ).fetchall()
        return [self._device(r) for r in rows]

    def revoke(self, shop_id: str, device_id: str) -> DeviceRecord:
        with self._conn() as conn, conn.transaction():
            row = conn.execute(
                "UPDATE devices SET status = 'revoked', revoked_at = now() "
                "WHERE shop_id = %s AND device_id = %s "
                f"RETURNING {self._DEVICE_COLUMNS}",
                (_uuid(shop_id), _uuid(device_id)),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"Device {device_id} is not a device of this shop.")
        return self._device(row)

    # ------------------------------------------------------------ push and pull

    def push(self, shop_id: str, device_id: str, items: Sequence[Incoming]) -> StoredPush:
        shop, device = _uuid(shop_id), _uuid(device_id)
        with self._conn() as conn, conn.transaction():
            # The device row lock serializes a retry racing its original request.
            row = conn.execute(
                "SELECT status, last_seq FROM devices WHERE shop_id = %s AND device_id = %s "
                "FOR UPDATE",
                (shop, device),
            ).fetchone()
            if row is None or row[0] != "active":
                raise DeviceRevoked()
            last_seq: int = row[1]
            stored: dict[int, Stored] = {}
            if items and items[0].device_seq <= last_seq:
                for seq, digest, server_seq in conn.execute(
                    "SELECT device_seq, sha256, server_seq FROM changes WHERE shop_id = %s "
                    "AND device_id = %s AND device_seq BETWEEN %s AND %s",
                    (shop, device, items[0].device_seq, items[-1].device_seq),
                ):
                    stored[seq] = Stored(seq, bytes(digest), server_seq)
            duplicates, fresh = plan_push(last_seq, items, stored)
            if not fresh:
                now = conn.execute(
                    "SELECT head_seq FROM shops WHERE shop_id = %s", (shop,)
                ).fetchone()
                return StoredPush(
                    last_seq, tuple(duplicates), len(duplicates), now[0] if now else 0
                )
            # The shop row lock: cursor order equals commit order (sync-design.md §7.6).
            head_row = conn.execute(
                "UPDATE shops SET head_seq = head_seq + %s WHERE shop_id = %s RETURNING head_seq",
                (len(fresh), shop),
            ).fetchone()
            assert head_row is not None
            head: int = head_row[0]
            first = head - len(fresh) + 1
            with conn.cursor().copy(
                "COPY changes (shop_id, server_seq, device_id, device_seq, key_epoch, "
                "envelope, sha256) FROM STDIN"
            ) as copy:
                for offset, item in enumerate(fresh):
                    copy.write_row(
                        (
                            shop,
                            first + offset,
                            device,
                            item.device_seq,
                            item.key_epoch,
                            item.envelope,
                            item.sha256,
                        )
                    )
            conn.execute(
                "UPDATE devices SET last_seq = %s, last_seen = now() "
                "WHERE shop_id = %s AND device_id = %s",
                (fresh[-1].device_seq, shop, device),
            )
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, shop_id))
        seqs = tuple(duplicates) + tuple(range(first, head + 1))
        return StoredPush(fresh[-1].device_seq, seqs, len(duplicates), head)

    def pull(self, shop_id: str, after: int, limit: int) -> tuple[list[Pulled], int]:
        shop = _uuid(shop_id)
        with self._conn() as conn, conn.transaction():
            head_row = conn.execute(
                "SELECT head_seq FROM shops WHERE shop_id = %s", (shop,)
            ).fetchone()
            if head_row is None:
                raise NotFoundError(f"Shop {shop_id} is not on this server.")
            # Binary results: envelopes come back as bytes without hex decoding.
            cur = conn.cursor(binary=True)
            rows = cur.execute(
                "SELECT server_seq, envelope FROM changes WHERE shop_id = %s AND server_seq > %s "
                "AND server_seq <= %s ORDER BY server_seq LIMIT %s",
                (shop, after, head_row[0], limit),
            ).fetchall()
        return [Pulled(seq, bytes(env)) for seq, env in rows], head_row[0]

    # ------------------------------------------------------------ keys

    def put_key_wraps(
        self, shop_id: str, sender_id: str, epoch: int, wraps: Mapping[str, bytes]
    ) -> None:
        shop = _uuid(shop_id)
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO key_wraps (shop_id, key_epoch, device_id, sender_id, wrapped) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (shop_id, key_epoch, device_id) "
                "DO NOTHING",
                [(shop, epoch, _uuid(d), _uuid(sender_id), w) for d, w in wraps.items()],
            )

    def key_wraps(self, shop_id: str, device_id: str, after_epoch: int) -> list[KeyWrap]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT key_epoch, sender_id, wrapped FROM key_wraps WHERE shop_id = %s "
                "AND device_id = %s AND key_epoch > %s ORDER BY key_epoch",
                (_uuid(shop_id), _uuid(device_id), after_epoch),
            ).fetchall()
        return [KeyWrap(e, s.hex, bytes(w)) for e, s, w in rows]

    # ------------------------------------------------------------ pairing relay

    def offer_pairing(
        self, shop_id: str, pairing_id: str, offering_id: str, expires_ms: int
    ) -> None:
        try:
            with self._conn() as conn, conn.transaction():
                conn.execute("DELETE FROM pairings WHERE expires_at < now()")
                conn.execute(
                    "INSERT INTO pairings (pairing_id, shop_id, offering_id, expires_at) "
                    "VALUES (%s, %s, %s, to_timestamp(%s / 1000.0))",
                    (pairing_id, _uuid(shop_id), _uuid(offering_id), expires_ms),
                )
        except psycopg.errors.UniqueViolation:
            raise AlreadyExists("That pairing code is in use; show a new one.") from None

    def _pairing_state(
        self, conn: psycopg.Connection[Any], pairing_id: str, now_ms: int, shop_id: str | None
    ) -> PairingState:
        row = conn.execute(
            "SELECT p.shop_id, p.joiner_id, p.sealed, o.device_id, o.sign_pub, o.kx_pub, "
            "j.sign_pub, j.kx_pub, j.name FROM pairings p "
            "JOIN devices o ON o.shop_id = p.shop_id AND o.device_id = p.offering_id "
            "LEFT JOIN devices j ON j.shop_id = p.shop_id AND j.device_id = p.joiner_id "
            "WHERE p.pairing_id = %s AND p.expires_at > to_timestamp(%s / 1000.0) "
            "FOR UPDATE OF p",
            (pairing_id, now_ms),
        ).fetchone()
        if row is None or (shop_id is not None and row[0].hex != shop_id):
            raise NotFoundError("No such pairing, or it expired: show a new pairing code.")
        shop, joiner_id, sealed, o_id, o_sign, o_kx, j_sign, j_kx, j_name = row
        joiner = DeviceKeys(joiner_id.hex, bytes(j_sign), bytes(j_kx)) if joiner_id else None
        return PairingState(
            pairing_id,
            shop.hex,
            DeviceKeys(o_id.hex, bytes(o_sign), bytes(o_kx)),
            joiner,
            j_name,
            bytes(sealed) if sealed is not None else None,
        )

    def join_pairing(
        self, pairing_id: str, joiner: DeviceKeys, name: str, token_hash: bytes, now_ms: int
    ) -> PairingState:
        try:
            with self._conn() as conn, conn.transaction():
                state = self._pairing_state(conn, pairing_id, now_ms, None)
                if state.joiner is not None:
                    raise AlreadyExists("Another device already used this pairing code.")
                conn.execute(
                    "INSERT INTO devices (shop_id, device_id, name, sign_pub, kx_pub, "
                    "token_hash, status) VALUES (%s, %s, %s, %s, %s, %s, 'pending')",
                    (
                        _uuid(state.shop_id),
                        _uuid(joiner.device_id),
                        name,
                        joiner.sign_pub,
                        joiner.kx_pub,
                        token_hash,
                    ),
                )
                conn.execute(
                    "UPDATE pairings SET joiner_id = %s WHERE pairing_id = %s",
                    (_uuid(joiner.device_id), pairing_id),
                )
                return self._pairing_state(conn, pairing_id, now_ms, None)
        except psycopg.errors.UniqueViolation:
            raise AlreadyExists("That device is already registered; start over.") from None

    def pairing(self, shop_id: str, pairing_id: str, now_ms: int) -> PairingState:
        with self._conn() as conn, conn.transaction():
            return self._pairing_state(conn, pairing_id, now_ms, shop_id)

    def seal_pairing(self, shop_id: str, pairing_id: str, sealed: bytes, now_ms: int) -> None:
        with self._conn() as conn, conn.transaction():
            state = self._pairing_state(conn, pairing_id, now_ms, shop_id)
            if state.joiner is None:
                raise NotFoundError("No device has joined with this code yet.")
            conn.execute(
                "UPDATE pairings SET sealed = %s WHERE pairing_id = %s", (sealed, pairing_id)
            )
            conn.execute(
                "UPDATE devices SET status = 'active' WHERE shop_id = %s AND device_id = %s "
                "AND status = 'pending'",
                (_uuid(shop_id), _uuid(state.joiner.device_id)),
            )

    def take_sealed(self, shop_id: str, device_id: str, pairing_id: str) -> PairingState:
        with self._conn() as conn, conn.transaction():
            state = self._pairing_state(conn, pairing_id, int(time.time() * 1000), shop_id)
            if state.joiner is None or state.joiner.device_id != device_id or not state.sealed:
                raise NotFoundError("The keys for this device are not ready yet.")
            conn.execute("DELETE FROM pairings WHERE pairing_id = %s", (pairing_id,))
            return state

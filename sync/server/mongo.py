"""The MongoDB store (pymongo). Multi-document transactions need a replica set (a single-node
one will do). Same rules as PostgreSQL: a push writes the device document first (a write
conflict serializes a retry racing its original), then ``$inc`` on the shop's ``head_seq``
(concurrent pushes of one shop conflict there and retry, like the row lock), then the rows.

Not runnable on the development machines: no MongoDB server installs from Debian, PyPI or
npm (sync-design.md §6); the contract tests run it when BAHI_TEST_MONGO_URL names a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError, PyMongoError

from sync.crypto import DeviceKeys
from sync.errors import DeviceRevoked, SyncError
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

Doc = dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


class MongoStore:
    name = "mongo"

    def __init__(self, url: str, database: str | None = None) -> None:
        self._client: MongoClient[Doc] = MongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=5000
        )
        self._db = (
            self._client.get_database(database)
            if database
            else self._client.get_default_database("bahi_sync")
        )
        self.shops = self._db["shops"]
        self.devices_ = self._db["devices"]
        self.changes = self._db["changes"]
        self.wraps = self._db["key_wraps"]
        self.pairings = self._db["pairings"]

    def _txn(self, body: Callable[[ClientSession], Any]) -> Any:
        try:
            with self._client.start_session() as session:
                return session.with_transaction(body)
        except SyncError:
            raise
        except DuplicateKeyError:
            raise AlreadyExists("That id is already taken.") from None
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc

    def migrate(self) -> None:
        try:
            self.changes.create_index(
                [("_id.s", ASCENDING), ("d", ASCENDING), ("ds", ASCENDING)], unique=True
            )
            self.devices_.create_index("token_hash", unique=True)
            self.devices_.create_index([("_id.s", ASCENDING)])
            self.pairings.create_index("expires_at", expireAfterSeconds=0)
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc

    def ping(self) -> None:
        try:
            self._client.admin.command("ping")
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc

    def close(self) -> None:
        self._client.close()

    def listen(self, callback: Callable[[str], None]) -> bool:
        return False  # change streams would do; the service polls instead

    @staticmethod
    def _device(doc: Doc) -> DeviceRecord:
        return DeviceRecord(
            doc["_id"]["s"],
            DeviceKeys(doc["_id"]["d"], bytes(doc["sign_pub"]), bytes(doc["kx_pub"])),
            doc["name"],
            doc["status"],
            int(doc["last_seq"]),
            _ms(doc.get("last_seen")),
        )

    def _new_device(
        self, shop_id: str, device: DeviceKeys, name: str, token_hash: bytes, status: str
    ) -> Doc:
        return {
            "_id": {"s": shop_id, "d": device.device_id},
            "name": name,
            "sign_pub": device.sign_pub,
            "kx_pub": device.kx_pub,
            "token_hash": token_hash,
            "status": status,
            "last_seq": 0,
            "last_seen": None,
            "created_at": _now(),
        }

    def create_shop(self, shop_id: str, device: DeviceKeys, name: str, token_hash: bytes) -> None:
        def body(s: ClientSession) -> None:
            self.shops.insert_one(
                {"_id": shop_id, "head_seq": 0, "server_epoch": 1, "created_at": _now()},
                session=s,
            )
            self.devices_.insert_one(
                self._new_device(shop_id, device, name, token_hash, "active"), session=s
            )

        self._txn(body)

    def authenticate(self, token_hash: bytes) -> DeviceRecord | None:
        try:
            doc = self.devices_.find_one({"token_hash": token_hash})
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc
        return self._device(doc) if doc else None

    def shop(self, shop_id: str) -> ShopInfo:
        try:
            doc = self.shops.find_one({"_id": shop_id})
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc
        if doc is None:
            raise NotFoundError(f"Shop {shop_id} is not on this server.")
        return ShopInfo(shop_id, int(doc["head_seq"]), int(doc["server_epoch"]))

    def devices(self, shop_id: str) -> list[DeviceRecord]:
        docs = self.devices_.find({"_id.s": shop_id}).sort([("created_at", 1), ("_id.d", 1)])
        return [self._device(d) for d in docs]

    def revoke(self, shop_id: str, device_id: str) -> DeviceRecord:
        doc = self.devices_.find_one_and_update(
            {"_id": {"s": shop_id, "d": device_id}},
            {"$set": {"status": "revoked", "revoked_at": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFoundError(f"Device {device_id} is not a device of this shop.")
        return self._device(doc)

    def push(self, shop_id: str, device_id: str, items: Sequence[Incoming]) -> StoredPush:
        def body(s: ClientSession) -> StoredPush:
            # Writing the device first takes its write lock for the rest of the transaction.
            device = self.devices_.find_one_and_update(
                {"_id": {"s": shop_id, "d": device_id}},
                {"$set": {"last_seen": _now()}},
                session=s,
                return_document=ReturnDocument.AFTER,
            )
            if device is None or device["status"] != "active":
                raise DeviceRevoked()
            last_seq = int(device["last_seq"])
            stored: dict[int, Stored] = {}
            if items and items[0].device_seq <= last_seq:
                query = {
                    "_id.s": shop_id,
                    "d": device_id,
                    "ds": {"$gte": items[0].device_seq, "$lte": items[-1].device_seq},
                }
                for doc in self.changes.find(query, session=s):
                    stored[doc["ds"]] = Stored(doc["ds"], bytes(doc["h"]), doc["_id"]["q"])
            duplicates, fresh = plan_push(last_seq, items, stored)
            if not fresh:
                shop = self.shops.find_one({"_id": shop_id}, session=s)
                head = int(shop["head_seq"]) if shop else 0
                return StoredPush(last_seq, tuple(duplicates), len(duplicates), head)
            shop = self.shops.find_one_and_update(
                {"_id": shop_id},
                {"$inc": {"head_seq": len(fresh)}},
                session=s,
                return_document=ReturnDocument.AFTER,
            )
            assert shop is not None
            head = int(shop["head_seq"])
            first = head - len(fresh) + 1
            self.changes.insert_many(
                [
                    {
                        "_id": {"s": shop_id, "q": first + i},
                        "d": device_id,
                        "ds": item.device_seq,
                        "e": item.key_epoch,
                        "env": item.envelope,
                        "h": item.sha256,
                        "at": _now(),
                    }
                    for i, item in enumerate(fresh)
                ],
                session=s,
            )
            self.devices_.update_one(
                {"_id": {"s": shop_id, "d": device_id}},
                {"$set": {"last_seq": fresh[-1].device_seq}},
                session=s,
            )
            seqs = tuple(duplicates) + tuple(range(first, head + 1))
            return StoredPush(fresh[-1].device_seq, seqs, len(duplicates), head)

        result: StoredPush = self._txn(body)
        return result

    def pull(self, shop_id: str, after: int, limit: int) -> tuple[list[Pulled], int]:
        try:
            shop = self.shops.find_one({"_id": shop_id})
            if shop is None:
                raise NotFoundError(f"Shop {shop_id} is not on this server.")
            head = int(shop["head_seq"])
            docs = (
                self.changes.find({"_id.s": shop_id, "_id.q": {"$gt": after, "$lte": head}})
                .sort("_id.q", 1)
                .limit(limit)
            )
            return [Pulled(d["_id"]["q"], bytes(d["env"])) for d in docs], head
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc

    def put_key_wraps(
        self, shop_id: str, sender_id: str, epoch: int, wraps: Mapping[str, bytes]
    ) -> None:
        for device_id, wrapped in wraps.items():
            self.wraps.update_one(
                {"_id": {"s": shop_id, "e": epoch, "d": device_id}},
                {"$setOnInsert": {"sender": sender_id, "wrapped": wrapped}},
                upsert=True,
            )

    def key_wraps(self, shop_id: str, device_id: str, after_epoch: int) -> list[KeyWrap]:
        docs = self.wraps.find(
            {"_id.s": shop_id, "_id.d": device_id, "_id.e": {"$gt": after_epoch}}
        ).sort("_id.e", 1)
        return [KeyWrap(d["_id"]["e"], d["sender"], bytes(d["wrapped"])) for d in docs]

    def offer_pairing(
        self, shop_id: str, pairing_id: str, offering_id: str, expires_ms: int
    ) -> None:
        try:
            self.pairings.insert_one(
                {
                    "_id": pairing_id,
                    "shop": shop_id,
                    "offering": offering_id,
                    "joiner": None,
                    "sealed": None,
                    "expires_at": datetime.fromtimestamp(expires_ms / 1000, UTC),
                }
            )
        except DuplicateKeyError:
            raise AlreadyExists("That pairing code is in use; show a new one.") from None

    def _state(
        self, pairing_id: str, now_ms: int, shop_id: str | None, s: ClientSession | None = None
    ) -> PairingState:
        doc = self.pairings.find_one({"_id": pairing_id}, session=s)
        if (
            doc is None
            or (_ms(doc["expires_at"]) or 0) <= now_ms
            or (shop_id is not None and doc["shop"] != shop_id)
        ):
            raise NotFoundError("No such pairing, or it expired: show a new pairing code.")
        offering = self.devices_.find_one(
            {"_id": {"s": doc["shop"], "d": doc["offering"]}}, session=s
        )
        if offering is None:
            raise NotFoundError("The device that offered this pairing is gone.")
        joiner = None
        name = None
        if doc["joiner"]:
            jdoc = self.devices_.find_one(
                {"_id": {"s": doc["shop"], "d": doc["joiner"]}}, session=s
            )
            if jdoc is not None:
                joiner = DeviceKeys(doc["joiner"], bytes(jdoc["sign_pub"]), bytes(jdoc["kx_pub"]))
                name = jdoc["name"]
        return PairingState(
            pairing_id,
            doc["shop"],
            self._device(offering).keys,
            joiner,
            name,
            bytes(doc["sealed"]) if doc["sealed"] is not None else None,
        )

    def join_pairing(
        self, pairing_id: str, joiner: DeviceKeys, name: str, token_hash: bytes, now_ms: int
    ) -> PairingState:
        def body(s: ClientSession) -> PairingState:
            state = self._state(pairing_id, now_ms, None, s)
            taken = self.pairings.update_one(
                {"_id": pairing_id, "joiner": None},
                {"$set": {"joiner": joiner.device_id}},
                session=s,
            )
            if state.joiner is not None or taken.modified_count != 1:
                raise AlreadyExists("Another device already used this pairing code.")
            self.devices_.insert_one(
                self._new_device(state.shop_id, joiner, name, token_hash, "pending"), session=s
            )
            return self._state(pairing_id, now_ms, None, s)

        result: PairingState = self._txn(body)
        return result

    def pairing(self, shop_id: str, pairing_id: str, now_ms: int) -> PairingState:
        return self._state(pairing_id, now_ms, shop_id)

    def seal_pairing(self, shop_id: str, pairing_id: str, sealed: bytes, now_ms: int) -> None:
        def body(s: ClientSession) -> None:
            state = self._state(pairing_id, now_ms, shop_id, s)
            if state.joiner is None:
                raise NotFoundError("No device has joined with this code yet.")
            self.pairings.update_one({"_id": pairing_id}, {"$set": {"sealed": sealed}}, session=s)
            self.devices_.update_one(
                {"_id": {"s": shop_id, "d": state.joiner.device_id}, "status": "pending"},
                {"$set": {"status": "active"}},
                session=s,
            )

        self._txn(body)

    def take_sealed(self, shop_id: str, device_id: str, pairing_id: str) -> PairingState:
        def body(s: ClientSession) -> PairingState:
            state = self._state(pairing_id, int(time.time() * 1000), shop_id, s)
            if state.joiner is None or state.joiner.device_id != device_id or not state.sealed:
                raise NotFoundError("The keys for this device are not ready yet.")
            self.pairings.delete_one({"_id": pairing_id}, session=s)
            return state

        result: PairingState = self._txn(body)
        return result

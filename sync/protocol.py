"""What travels between a device and the sync service (HTTP + JSON, envelopes in base64).

Shared by the client transport and the server so both read and write the same shapes. Every
request carries ``X-Bahi-Sync: <PROTOCOL_VERSION>``; the server refuses other major versions
with 426 so an old till says "update Bahi" instead of misreading answers.

    GET  /v1/hello                     -> Hello          (handshake: where the server stands)
    POST /v1/push     PushRequest      -> PushResult     (idempotent by device and device_seq)
    GET  /v1/pull?after=&limit=&wait=  -> PullPage       (by the shop's cursor; long-poll)
    GET  /v1/devices                   -> [DeviceInfo]
    POST /v1/devices/{id}/revoke       -> DeviceInfo
    POST /v1/keys     KeyWrapUpload    -> {}             (new epoch key wrapped per device)
    GET  /v1/keys?after_epoch=         -> [KeyWrap]
    POST /v1/shops    ShopCreate       -> Hello          (the first device of a shop)
    POST /v1/pairings {pairing_id}                 (existing device offers; expires in 5 min)
    POST /v1/pairings/{pid}/join  PairingJoin -> PairingState   (new device, before its token)
    GET  /v1/pairings/{pid}           -> PairingState  (offering device waits for the joiner)
    POST /v1/pairings/{pid}/seal  {sealed}           (offering device, once the owner confirms)
    GET  /v1/pairings/{pid}/sealed    -> PairingState  (new device, with its own token; once)
    GET  /health, GET /metrics
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.crypto import DeviceKeys

PROTOCOL_VERSION = 1
VERSION_HEADER = "X-Bahi-Sync"
MAX_PUSH_BYTES = 4 * 1024 * 1024  # one push request, envelopes in base64 included
MAX_ENVELOPE_BYTES = 256 * 1024
MAX_PUSH_ENVELOPES = 1000
PULL_LIMIT_DEFAULT = 500
PULL_LIMIT_MAX = 2000
LONG_POLL_MAX_S = 30.0


def push_share(envelopes: Sequence[bytes]) -> int:
    """How many of these envelopes, from the first, one push request carries within
    ``MAX_PUSH_BYTES`` (at least one: a single envelope is never over its own limit, far
    below a request's). Base64 grows each by a third, plus its quotes and comma."""
    room = MAX_PUSH_BYTES - 1024  # the JSON around the list
    for count, envelope in enumerate(envelopes[:MAX_PUSH_ENVELOPES]):
        room -= 4 * ((len(envelope) + 2) // 3) + 3
        if room < 0:
            return max(1, count)
    return min(len(envelopes), MAX_PUSH_ENVELOPES)


class BadMessage(ValueError):
    """A message that does not have the expected shape."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise BadMessage("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise BadMessage(f"bad base64: {exc}") from None


def loads(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadMessage("expected a JSON object")
    return data


def dumps(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _int(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadMessage(f"{name} must be an integer")
    return value


def _str(data: Mapping[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise BadMessage(f"{name} must be text of at most {limit} characters")
    return value


def _keys(data: Mapping[str, Any]) -> DeviceKeys:
    try:
        return DeviceKeys.from_json(data)
    except (KeyError, ValueError, TypeError, binascii.Error) as exc:
        raise BadMessage(f"bad device keys: {exc}") from None


def _device_and_token(d: Mapping[str, Any]) -> tuple[DeviceKeys, bytes]:
    """A joining device's public keys and the hash of the bearer token it will use."""
    device = d.get("device")
    if not isinstance(device, dict):
        raise BadMessage("device must be an object")
    token_hash = unb64(d.get("token_hash"))
    if len(token_hash) != 32:
        raise BadMessage("token_hash must be 32 bytes")
    return _keys(device), token_hash


@dataclass(frozen=True, slots=True)
class Hello:
    shop_id: str
    device_id: str
    status: str
    last_seq: int  # the highest device_seq the server holds from this device
    head_seq: int  # the shop's cursor
    server_epoch: int
    server_time_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "device_id": self.device_id,
            "status": self.status,
            "last_seq": self.last_seq,
            "head_seq": self.head_seq,
            "server_epoch": self.server_epoch,
            "server_time_ms": self.server_time_ms,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Hello:
        return cls(
            _str(d, "shop_id"),
            _str(d, "device_id"),
            _str(d, "status"),
            _int(d, "last_seq"),
            _int(d, "head_seq"),
            _int(d, "server_epoch"),
            _int(d, "server_time_ms"),
        )


@dataclass(frozen=True, slots=True)
class PushRequest:
    envelopes: tuple[bytes, ...]  # device_seq ascending

    def to_json(self) -> dict[str, Any]:
        return {"envelopes": [b64(e) for e in self.envelopes]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PushRequest:
        items = d.get("envelopes")
        if not isinstance(items, list) or not items or len(items) > MAX_PUSH_ENVELOPES:
            raise BadMessage(f"envelopes must be a list of 1 to {MAX_PUSH_ENVELOPES} items")
        envelopes = tuple(unb64(e) for e in items)
        if any(len(e) > MAX_ENVELOPE_BYTES for e in envelopes):
            raise BadMessage(f"an envelope is over {MAX_ENVELOPE_BYTES} bytes")
        return cls(envelopes)


@dataclass(frozen=True, slots=True)
class PushResult:
    acked_through: int  # every device_seq up to this one is stored
    server_seqs: tuple[int, ...]  # one per pushed envelope, duplicates included
    duplicates: int
    head_seq: int
    server_time_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "acked_through": self.acked_through,
            "server_seqs": list(self.server_seqs),
            "duplicates": self.duplicates,
            "head_seq": self.head_seq,
            "server_time_ms": self.server_time_ms,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PushResult:
        seqs = d.get("server_seqs")
        if not isinstance(seqs, list) or not all(isinstance(s, int) for s in seqs):
            raise BadMessage("server_seqs must be a list of integers")
        return cls(
            _int(d, "acked_through"),
            tuple(seqs),
            _int(d, "duplicates"),
            _int(d, "head_seq"),
            _int(d, "server_time_ms"),
        )


@dataclass(frozen=True, slots=True)
class Pulled:
    server_seq: int
    envelope: bytes


@dataclass(frozen=True, slots=True)
class PullPage:
    changes: tuple[Pulled, ...]
    next_after: int  # the cursor to ask from next
    head_seq: int
    has_more: bool
    server_epoch: int
    server_time_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [[c.server_seq, b64(c.envelope)] for c in self.changes],
            "next_after": self.next_after,
            "head_seq": self.head_seq,
            "has_more": self.has_more,
            "server_epoch": self.server_epoch,
            "server_time_ms": self.server_time_ms,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PullPage:
        items = d.get("changes")
        if not isinstance(items, list):
            raise BadMessage("changes must be a list")
        changes: list[Pulled] = []
        for item in items:
            if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], int):
                raise BadMessage("each change is [server_seq, envelope]")
            changes.append(Pulled(item[0], unb64(item[1])))
        return cls(
            tuple(changes),
            _int(d, "next_after"),
            _int(d, "head_seq"),
            bool(d.get("has_more")),
            _int(d, "server_epoch"),
            _int(d, "server_time_ms"),
        )


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    keys: DeviceKeys
    name: str
    status: str  # "pending" (pairing), "active", "revoked"
    last_seq: int
    last_seen_ms: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.keys.to_json(),
            "name": self.name,
            "status": self.status,
            "last_seq": self.last_seq,
            "last_seen_ms": self.last_seen_ms,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DeviceInfo:
        seen = d.get("last_seen_ms")
        return cls(
            _keys(d),
            _str(d, "name"),
            _str(d, "status"),
            _int(d, "last_seq"),
            seen if isinstance(seen, int) else None,
        )


@dataclass(frozen=True, slots=True)
class ShopCreate:
    shop_id: str
    device: DeviceKeys
    name: str
    token_hash: bytes  # sha256 of the bearer token the device will use

    def to_json(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "device": self.device.to_json(),
            "name": self.name,
            "token_hash": b64(self.token_hash),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ShopCreate:
        device, token_hash = _device_and_token(d)
        return cls(_str(d, "shop_id"), device, _str(d, "name"), token_hash)


@dataclass(frozen=True, slots=True)
class PairingJoin:
    device: DeviceKeys
    name: str
    token_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device.to_json(),
            "name": self.name,
            "token_hash": b64(self.token_hash),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairingJoin:
        device, token_hash = _device_and_token(d)
        return cls(device, _str(d, "name"), token_hash)


@dataclass(frozen=True, slots=True)
class PairingState:
    """What the offering device sees; and, to the joiner, the shop and the offering device."""

    pairing_id: str
    shop_id: str
    offering: DeviceKeys
    joiner: DeviceKeys | None
    joiner_name: str | None
    sealed: bytes | None

    def to_json(self) -> dict[str, Any]:
        return {
            "pairing_id": self.pairing_id,
            "shop_id": self.shop_id,
            "offering": self.offering.to_json(),
            "joiner": self.joiner.to_json() if self.joiner else None,
            "joiner_name": self.joiner_name,
            "sealed": b64(self.sealed) if self.sealed is not None else None,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairingState:
        joiner = d.get("joiner")
        sealed = d.get("sealed")
        offering = d.get("offering")
        if not isinstance(offering, dict):
            raise BadMessage("offering must be an object")
        name = d.get("joiner_name")
        return cls(
            _str(d, "pairing_id"),
            _str(d, "shop_id"),
            _keys(offering),
            _keys(joiner) if isinstance(joiner, dict) else None,
            name if isinstance(name, str) else None,
            unb64(sealed) if sealed is not None else None,
        )


@dataclass(frozen=True, slots=True)
class KeyWrap:
    epoch: int
    sender_id: str
    wrapped: bytes

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "sender_id": self.sender_id, "wrapped": b64(self.wrapped)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> KeyWrap:
        return cls(_int(d, "epoch"), _str(d, "sender_id"), unb64(d.get("wrapped")))


def key_wraps_to_json(epoch: int, wraps: Mapping[str, bytes]) -> dict[str, Any]:
    return {"epoch": epoch, "wraps": {device: b64(blob) for device, blob in wraps.items()}}


def key_wraps_from_json(d: Mapping[str, Any]) -> tuple[int, dict[str, bytes]]:
    wraps = d.get("wraps")
    if not isinstance(wraps, dict) or not wraps:
        raise BadMessage("wraps must map device ids to wrapped keys")
    return _int(d, "epoch"), {str(k): unb64(v) for k, v in wraps.items()}


def error_body(code: str, message: str, **extra: object) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def list_of(items: Sequence[Any]) -> list[Any]:
    return [item.to_json() for item in items]

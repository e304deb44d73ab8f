"""Envelopes, device keys, sealing and pairing codes (sync-design.md §7.2 and §7.4).

An envelope is all the server ever sees of a change:

    magic "BSE1" | shop_id 16 | device_id 16 | device_seq u64 | key_epoch u32   (the header)
    | nonce 12 | ciphertext length u32 | ciphertext | Ed25519 signature 64

* The ciphertext is AES-256-GCM under the device's own subkey
  ``HKDF-SHA256(shop key of key_epoch, info = shop | device | epoch)``, so random 96-bit nonces
  stay far below the birthday bound however many devices a shop has.
* The header is the AEAD's associated data: an envelope moved to another shop, device or
  sequence number, or re-labelled with another key epoch, does not open.
* The signature by the device's Ed25519 key covers every byte before it.

Anything that does not open raises ``EnvelopeRejected``; the caller quarantines it (never drops).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync.errors import EnvelopeRejected, PairingFailed

MAGIC = b"BSE1"
_HEADER = struct.Struct(">4s16s16sQI")  # magic, shop, device, device_seq, key_epoch
_LEN = struct.Struct(">I")
NONCE_BYTES = 12
SIG_BYTES = 64
KEY_BYTES = 32
MIN_ENVELOPE = _HEADER.size + NONCE_BYTES + _LEN.size + 16 + SIG_BYTES
_RAW, _ZLIB = b"\x00", b"\x01"
COMPRESS_FROM = 200  # bytes of plaintext; smaller payloads do not shrink


def new_id() -> str:
    """A new shop or device id: 32 lowercase hex digits (a random UUID)."""
    return uuid.uuid4().hex


def id_bytes(value: str) -> bytes:
    try:
        return uuid.UUID(hex=value).bytes
    except ValueError as exc:
        raise ValueError(f"Not a shop or device id: {value!r}") from exc


def _hkdf(key: bytes, info: bytes, *, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------- shop keys


class KeyRing:
    """The shop's data keys by epoch. New changes use the newest epoch; old epochs stay so
    that changes sent before a rotation still open."""

    def __init__(self, keys: Mapping[int, bytes]) -> None:
        if not keys:
            raise ValueError("A key ring needs at least one key.")
        for epoch, key in keys.items():
            if epoch < 1 or len(key) != KEY_BYTES:
                raise ValueError("Shop keys are 32 bytes with an epoch from 1.")
        self._keys = dict(keys)
        self._aead: dict[tuple[int, str, str], AESGCM] = {}

    @classmethod
    def generate(cls) -> KeyRing:
        return cls({1: os.urandom(KEY_BYTES)})

    @property
    def current_epoch(self) -> int:
        return max(self._keys)

    def epochs(self) -> tuple[int, ...]:
        return tuple(sorted(self._keys))

    def key(self, epoch: int) -> bytes:
        try:
            return self._keys[epoch]
        except KeyError:
            raise EnvelopeRejected(
                "unknown_key",
                f"This device does not have the shop key of epoch {epoch}; it was sent after "
                "a key change this device has not received. Sync again or re-pair the device.",
            ) from None

    def with_key(self, epoch: int, key: bytes) -> KeyRing:
        return KeyRing({**self._keys, epoch: key})

    def rotated(self) -> KeyRing:
        """A ring with a fresh key for the next epoch (after a device is revoked)."""
        return self.with_key(self.current_epoch + 1, os.urandom(KEY_BYTES))

    def aead(self, epoch: int, shop_id: str, device_id: str) -> AESGCM:
        """AES-256-GCM under the device's subkey for this epoch (cached)."""
        slot = (epoch, shop_id, device_id)
        cipher = self._aead.get(slot)
        if cipher is None:
            info = b"bahi-sync/chg/v1|" + id_bytes(shop_id) + id_bytes(device_id)
            info += struct.pack(">I", epoch)
            cipher = AESGCM(_hkdf(self.key(epoch), info))
            self._aead[slot] = cipher
        return cipher

    def to_json(self) -> dict[str, str]:
        return {str(e): base64.b64encode(k).decode() for e, k in sorted(self._keys.items())}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> KeyRing:
        return cls({int(e): base64.b64decode(k) for e, k in data.items()})


# ---------------------------------------------------------------- device keys


@functools.lru_cache(maxsize=256)
def _verifier(sign_pub: bytes) -> Ed25519PublicKey:
    """A shop's few devices sign every change of a pull: load each public key once."""
    return Ed25519PublicKey.from_public_bytes(sign_pub)


@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """A device's public keys: Ed25519 to verify its envelopes, X25519 to seal keys to it."""

    device_id: str
    sign_pub: bytes
    kx_pub: bytes

    def verifier(self) -> Ed25519PublicKey:
        return _verifier(self.sign_pub)

    def to_json(self) -> dict[str, str]:
        return {
            "device_id": self.device_id,
            "sign_pub": base64.b64encode(self.sign_pub).decode(),
            "kx_pub": base64.b64encode(self.kx_pub).decode(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> DeviceKeys:
        keys = cls(
            str(data["device_id"]),
            base64.b64decode(data["sign_pub"]),
            base64.b64decode(data["kx_pub"]),
        )
        id_bytes(keys.device_id)
        if len(keys.sign_pub) != KEY_BYTES or len(keys.kx_pub) != KEY_BYTES:
            raise ValueError("Device public keys are 32 bytes each.")
        return keys


class DeviceIdentity:
    """A device's private keys. Stored inside the encrypted company file (``private_bytes``)."""

    def __init__(self, device_id: str, signing: Ed25519PrivateKey, kx: X25519PrivateKey) -> None:
        id_bytes(device_id)
        self.device_id = device_id
        self._signing = signing
        self._kx = kx
        self.keys = DeviceKeys(
            device_id,
            signing.public_key().public_bytes_raw(),
            kx.public_key().public_bytes_raw(),
        )

    @classmethod
    def generate(cls, device_id: str | None = None) -> DeviceIdentity:
        return cls(device_id or new_id(), Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def private_bytes(self) -> bytes:
        return self._signing.private_bytes_raw() + self._kx.private_bytes_raw()

    @classmethod
    def from_private_bytes(cls, device_id: str, data: bytes) -> DeviceIdentity:
        if len(data) != 2 * KEY_BYTES:
            raise ValueError("A device's private keys are 64 bytes.")
        return cls(
            device_id,
            Ed25519PrivateKey.from_private_bytes(data[:KEY_BYTES]),
            X25519PrivateKey.from_private_bytes(data[KEY_BYTES:]),
        )

    def sign(self, data: bytes) -> bytes:
        return self._signing.sign(data)

    def exchange(self, peer_kx_pub: bytes) -> bytes:
        return self._kx.exchange(X25519PublicKey.from_public_bytes(peer_kx_pub))


# ---------------------------------------------------------------- envelopes


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    shop_id: str
    device_id: str
    device_seq: int
    key_epoch: int


def parse_header(envelope: bytes) -> EnvelopeHeader:
    """Read the clear header (the server does this; it needs no key). Raises ValueError when
    the bytes are not an envelope at all."""
    if len(envelope) < MIN_ENVELOPE or envelope[:4] != MAGIC:
        raise ValueError("Not a Bahi sync envelope (bad length or magic).")
    _, shop, device, seq, epoch = _HEADER.unpack_from(envelope)
    (length,) = _LEN.unpack_from(envelope, _HEADER.size + NONCE_BYTES)
    if _HEADER.size + NONCE_BYTES + _LEN.size + length + SIG_BYTES != len(envelope):
        raise ValueError("Envelope length field does not match its size.")
    # bytes.hex() is uuid.UUID(bytes=...).hex without building two UUID objects per change
    return EnvelopeHeader(shop.hex(), device.hex(), seq, epoch)


def seal_change(
    payload: bytes, *, shop_id: str, device: DeviceIdentity, device_seq: int, keys: KeyRing
) -> bytes:
    """Encrypt and sign one change for the outbox. Done once, at enqueue, so retries resend
    identical bytes."""
    if device_seq < 1:
        raise ValueError("Device sequence numbers start at 1.")
    epoch = keys.current_epoch
    header = _HEADER.pack(MAGIC, id_bytes(shop_id), id_bytes(device.device_id), device_seq, epoch)
    body = _ZLIB + zlib.compress(payload, 6) if len(payload) >= COMPRESS_FROM else _RAW + payload
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = keys.aead(epoch, shop_id, device.device_id).encrypt(nonce, body, header)
    signed = header + nonce + _LEN.pack(len(ciphertext)) + ciphertext
    return signed + device.sign(signed)


def open_change(
    envelope: bytes, *, shop_id: str, keys: KeyRing, devices: Mapping[str, DeviceKeys]
) -> tuple[EnvelopeHeader, bytes]:
    """Verify and decrypt an envelope of this shop. Raises ``EnvelopeRejected`` with a reason
    for quarantine: ``malformed``, ``wrong_shop``, ``unknown_device``, ``bad_signature``,
    ``unknown_key`` or ``tampered``."""
    try:
        header = parse_header(envelope)
    except ValueError as exc:
        raise EnvelopeRejected("malformed", f"A received change is damaged: {exc}") from None
    if header.shop_id != shop_id:
        raise EnvelopeRejected("wrong_shop", "A received change belongs to another shop.")
    sender = devices.get(header.device_id)
    if sender is None:
        raise EnvelopeRejected(
            "unknown_device",
            f"A change came from device {header.device_id}, which this device does not know "
            "yet. Refresh the device list and sync again.",
        )
    signed, signature = envelope[:-SIG_BYTES], envelope[-SIG_BYTES:]
    try:
        sender.verifier().verify(signature, signed)
    except InvalidSignature:
        raise EnvelopeRejected(
            "bad_signature", "A received change is not signed by the device it names."
        ) from None
    at = _HEADER.size
    nonce = envelope[at : at + NONCE_BYTES]
    ciphertext = envelope[at + NONCE_BYTES + _LEN.size : -SIG_BYTES]
    aead = keys.aead(header.key_epoch, shop_id, header.device_id)
    try:
        body = aead.decrypt(nonce, ciphertext, envelope[:at])
    except InvalidTag:
        raise EnvelopeRejected(
            "tampered", "A received change failed its integrity check and was set aside."
        ) from None
    if body[:1] == _ZLIB:
        return header, zlib.decompress(body[1:])
    if body[:1] == _RAW:
        return header, body[1:]
    raise EnvelopeRejected("malformed", "A received change uses an unknown compression.")


# ---------------------------------------------------------------- sealing to a device


def seal_to(
    recipient: DeviceKeys,
    plaintext: bytes,
    *,
    sender: DeviceIdentity,
    context: bytes,
    secret: bytes = b"",
) -> bytes:
    """Encrypt to a device's X25519 key (ephemeral ECDH + HKDF + AES-GCM) and sign by the
    sender. ``context`` names the purpose and is bound in; ``secret`` (a pairing secret) is
    mixed into the key so only someone who knows it could have made the box."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.kx_pub))
    key = _hkdf(shared, b"bahi-seal/v1|" + context + eph_pub + recipient.kx_pub, salt=secret)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, context)
    body = eph_pub + nonce + id_bytes(sender.device_id) + ciphertext
    return body + sender.sign(context + body)


def open_sealed(
    box: bytes,
    *,
    recipient: DeviceIdentity,
    sender: DeviceKeys,
    context: bytes,
    secret: bytes = b"",
) -> bytes:
    if len(box) < KEY_BYTES + NONCE_BYTES + 16 + 16 + SIG_BYTES:
        raise PairingFailed("The sealed keys are damaged; start pairing again.")
    body, signature = box[:-SIG_BYTES], box[-SIG_BYTES:]
    eph_pub, nonce = body[:KEY_BYTES], body[KEY_BYTES : KEY_BYTES + NONCE_BYTES]
    sender_id = body[KEY_BYTES + NONCE_BYTES : KEY_BYTES + NONCE_BYTES + 16]
    if sender_id != id_bytes(sender.device_id):
        raise PairingFailed("The sealed keys come from a device other than the expected one.")
    try:
        sender.verifier().verify(signature, context + body)
    except InvalidSignature:
        raise PairingFailed(
            "The sealed keys are not signed by the device that offered them."
        ) from None
    shared = recipient.exchange(eph_pub)
    key = _hkdf(shared, b"bahi-seal/v1|" + context + eph_pub + recipient.keys.kx_pub, salt=secret)
    try:
        return AESGCM(key).decrypt(nonce, body[KEY_BYTES + NONCE_BYTES + 16 :], context)
    except InvalidTag:
        raise PairingFailed(
            "The sealed keys do not open with this code: check the code and pair again."
        ) from None


# ---------------------------------------------------------------- pairing


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READ = {c: i for i, c in enumerate(_CROCKFORD)} | {
    "O": 0,
    "I": 1,
    "L": 1,
}
CODE_CHARS = 12  # 60 bits: one-time, expires in minutes, confirmed by the six-digit code
PAIRING_TTL_S = 300


def new_pairing_code() -> str:
    """A short text code to type, e.g. ``7KQM-2XPA-9D3F`` (Crockford base32, 60 bits)."""
    raw = "".join(secrets.choice(_CROCKFORD) for _ in range(CODE_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_CHARS, 4))


def normalize_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch not in " -")
    if len(cleaned) != CODE_CHARS or any(ch not in _CROCKFORD_READ for ch in cleaned):
        raise PairingFailed(
            f"A pairing code has {CODE_CHARS} letters and digits, like 7KQM-2XPA-9D3F; "
            "check what you typed."
        )
    return "".join(_CROCKFORD[_CROCKFORD_READ[ch]] for ch in cleaned)


@dataclass(frozen=True, slots=True)
class PairingSecrets:
    """What both devices derive from the code. The server sees only ``pairing_id``."""

    pairing_id: str
    secret: bytes

    @classmethod
    def from_code(cls, code: str) -> PairingSecrets:
        canonical = normalize_code(code).encode()
        material = _hkdf(canonical, b"bahi-pair/v1", salt=b"bahi-pair", length=48)
        return cls(material[:16].hex(), material[16:])

    def confirmation_code(self, offering: DeviceKeys, joining: DeviceKeys) -> str:
        """The six digits both screens show; the owner confirms they match (defeats a relay
        that swapped keys)."""
        info = b"bahi-pair/sas|" + b"|".join(
            (offering.sign_pub, offering.kx_pub, joining.sign_pub, joining.kx_pub)
        )
        digest = _hkdf(self.secret, info, length=8)
        return f"{int.from_bytes(digest, 'big') % 1_000_000:06d}"

    def context(self) -> bytes:
        return b"pair|" + bytes.fromhex(self.pairing_id)


def pairing_uri(server_url: str, shop_id: str, code: str) -> str:
    """What the QR code holds. The code inside is the same one a user can type."""
    return f"bahi-pair:v1?server={server_url}&shop={shop_id}&code={normalize_code(code)}"


def parse_pairing_uri(text: str) -> tuple[str, str, str]:
    """(server_url, shop_id, code) from a scanned QR code."""
    prefix = "bahi-pair:v1?"
    if not text.startswith(prefix):
        raise PairingFailed("This QR code is not a Bahi pairing code.")
    fields: dict[str, str] = {}
    for part in text[len(prefix) :].split("&"):
        name, _, value = part.partition("=")
        fields[name] = value
    try:
        return fields["server"], fields["shop"], normalize_code(fields["code"])
    except KeyError:
        raise PairingFailed("This pairing QR code is incomplete; show it again.") from None


@dataclass(frozen=True, slots=True)
class PairingBundle:
    """What the offering device seals to the joining one."""

    shop_id: str
    keys: KeyRing
    series_prefix: str
    devices: tuple[DeviceKeys, ...]

    def to_bytes(self) -> bytes:
        data = {
            "shop_id": self.shop_id,
            "keys": self.keys.to_json(),
            "series_prefix": self.series_prefix,
            "devices": [d.to_json() for d in self.devices],
        }
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> PairingBundle:
        raw = json.loads(data)
        return cls(
            raw["shop_id"],
            KeyRing.from_json(raw["keys"]),
            raw["series_prefix"],
            tuple(DeviceKeys.from_json(d) for d in raw["devices"]),
        )


def seal_bundle(
    bundle: PairingBundle, pairing: PairingSecrets, *, sender: DeviceIdentity, joiner: DeviceKeys
) -> bytes:
    return seal_to(
        joiner,
        bundle.to_bytes(),
        sender=sender,
        context=pairing.context(),
        secret=pairing.secret,
    )


def open_bundle(
    box: bytes, pairing: PairingSecrets, *, joiner: DeviceIdentity, sender: DeviceKeys
) -> PairingBundle:
    plaintext = open_sealed(
        box, recipient=joiner, sender=sender, context=pairing.context(), secret=pairing.secret
    )
    return PairingBundle.from_bytes(plaintext)


# ---------------------------------------------------------------- key rotation


def _rotation_context(shop_id: str, epoch: int) -> bytes:
    return b"rotate|" + id_bytes(shop_id) + struct.pack(">I", epoch)


def rotate_keys(
    keys: KeyRing, *, shop_id: str, sender: DeviceIdentity, remaining: Iterable[DeviceKeys]
) -> tuple[KeyRing, dict[str, bytes]]:
    """After revoking a device: a new epoch key, wrapped to each remaining device. The revoked
    device never receives it, so it cannot read changes made from now on."""
    rotated = keys.rotated()
    epoch = rotated.current_epoch
    plaintext = struct.pack(">I", epoch) + rotated.key(epoch)
    wraps = {
        device.device_id: seal_to(
            device, plaintext, sender=sender, context=_rotation_context(shop_id, epoch)
        )
        for device in remaining
        if device.device_id != sender.device_id
    }
    return rotated, wraps


def open_key_wrap(
    box: bytes,
    *,
    keys: KeyRing,
    shop_id: str,
    epoch: int,
    recipient: DeviceIdentity,
    sender: DeviceKeys,
) -> KeyRing:
    """Add a rotated epoch key received from another device to this device's ring."""
    context = _rotation_context(shop_id, epoch)
    try:
        plaintext = open_sealed(box, recipient=recipient, sender=sender, context=context)
    except PairingFailed as exc:
        raise EnvelopeRejected(
            "bad_key_wrap", f"A new shop key could not be opened: {exc}"
        ) from exc
    if len(plaintext) != 4 + KEY_BYTES or struct.unpack(">I", plaintext[:4])[0] != epoch:
        raise EnvelopeRejected("bad_key_wrap", "A new shop key names the wrong epoch.")
    return keys.with_key(epoch, plaintext[4:])


def token_hash(token: str) -> bytes:
    """What the server stores of a bearer token."""
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return "bst_" + secrets.token_urlsafe(32)


def same_bytes(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)

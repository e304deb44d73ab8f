from __future__ import annotations

import struct

import pytest

from sync.crypto import (
    MAGIC,
    DeviceIdentity,
    KeyRing,
    PairingBundle,
    PairingSecrets,
    new_id,
    new_pairing_code,
    normalize_code,
    open_bundle,
    open_change,
    open_key_wrap,
    pairing_uri,
    parse_header,
    parse_pairing_uri,
    rotate_keys,
    seal_bundle,
    seal_change,
)
from sync.errors import EnvelopeRejected, PairingFailed

SHOP = new_id()
PAYLOAD = b'{"party":"Sharma Kirana Stores","total":"1180.00"}' * 8


@pytest.fixture
def dev() -> DeviceIdentity:
    return DeviceIdentity.generate()


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing.generate()


def _open(env: bytes, keys: KeyRing, dev: DeviceIdentity, shop: str = SHOP) -> bytes:
    return open_change(env, shop_id=shop, keys=keys, devices={dev.device_id: dev.keys})[1]


def _resign(env: bytes, dev: DeviceIdentity) -> bytes:
    body = env[:-64]
    return body + dev.sign(body)


def test_round_trip_and_no_plaintext(dev: DeviceIdentity, keys: KeyRing) -> None:
    env = seal_change(PAYLOAD, shop_id=SHOP, device=dev, device_seq=7, keys=keys)
    assert b"Sharma" not in env and b"1180" not in env
    header = parse_header(env)
    assert (header.shop_id, header.device_id, header.device_seq, header.key_epoch) == (
        SHOP,
        dev.device_id,
        7,
        1,
    )
    assert _open(env, keys, dev) == PAYLOAD
    again = seal_change(PAYLOAD, shop_id=SHOP, device=dev, device_seq=7, keys=keys)
    assert again != env  # fresh nonce each time


def test_every_flipped_byte_is_refused(dev: DeviceIdentity, keys: KeyRing) -> None:
    env = seal_change(b"x" * 40, shop_id=SHOP, device=dev, device_seq=1, keys=keys)
    for at in range(len(env)):
        bad = bytearray(env)
        bad[at] ^= 0x01
        with pytest.raises(EnvelopeRejected):
            _open(bytes(bad), keys, dev)


@pytest.mark.parametrize("field", ["seq", "epoch", "shop"])
def test_header_moved_and_resigned_fails_the_aead(
    dev: DeviceIdentity, keys: KeyRing, field: str
) -> None:
    """Even signed anew by the device, a header moved to another seq, epoch or shop does not
    open: the header is the associated data."""
    keys = keys.rotated()
    env = bytearray(seal_change(PAYLOAD, shop_id=SHOP, device=dev, device_seq=5, keys=keys))
    other_shop = new_id()
    if field == "seq":
        struct.pack_into(">Q", env, 36, 6)
    elif field == "epoch":
        struct.pack_into(">I", env, 44, 1)
    else:
        env[4:20] = bytes.fromhex(other_shop)
    moved = _resign(bytes(env), dev)
    with pytest.raises(EnvelopeRejected) as refused:
        _open(moved, keys, dev, shop=other_shop if field == "shop" else SHOP)
    assert refused.value.reason == "tampered"


def test_other_device_cannot_pass_as_sender(dev: DeviceIdentity, keys: KeyRing) -> None:
    other = DeviceIdentity.generate()
    env = seal_change(PAYLOAD, shop_id=SHOP, device=dev, device_seq=1, keys=keys)
    with pytest.raises(EnvelopeRejected) as refused:
        open_change(env, shop_id=SHOP, keys=keys, devices={dev.device_id: other.keys})
    assert refused.value.reason == "bad_signature"
    with pytest.raises(EnvelopeRejected) as unknown:
        open_change(env, shop_id=SHOP, keys=keys, devices={})
    assert unknown.value.reason == "unknown_device"
    with pytest.raises(EnvelopeRejected) as wrong_shop:
        _open(env, keys, dev, shop=new_id())
    assert wrong_shop.value.reason == "wrong_shop"
    with pytest.raises(EnvelopeRejected) as wrong_key:
        _open(env, KeyRing.generate(), dev)
    assert wrong_key.value.reason == "tampered"
    with pytest.raises(EnvelopeRejected) as junk:
        _open(MAGIC + b"\0" * 10, keys, dev)
    assert junk.value.reason == "malformed"


def test_device_subkeys_differ(keys: KeyRing) -> None:
    a, b = new_id(), new_id()
    nonce = b"\0" * 12
    assert keys.aead(1, SHOP, a).encrypt(nonce, b"same", b"") != keys.aead(1, SHOP, b).encrypt(
        nonce, b"same", b""
    )


def test_pairing_code_text_and_qr() -> None:
    code = new_pairing_code()
    assert len(code) == 14 and code.count("-") == 2
    assert normalize_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert normalize_code("oiL0-1111-2222") == "01101111" + "2222"
    with pytest.raises(PairingFailed):
        normalize_code("ABC")
    uri = pairing_uri("https://sync.example.in", SHOP, code)
    assert parse_pairing_uri(uri) == ("https://sync.example.in", SHOP, code.replace("-", ""))
    with pytest.raises(PairingFailed):
        parse_pairing_uri("https://example.com")


def test_confirmation_code_binds_both_keys() -> None:
    secrets = PairingSecrets.from_code(new_pairing_code())
    a, b, mallory = (DeviceIdentity.generate() for _ in range(3))
    sas = secrets.confirmation_code(a.keys, b.keys)
    assert len(sas) == 6 and sas.isdigit()
    assert secrets.confirmation_code(a.keys, b.keys) == sas
    assert secrets.confirmation_code(a.keys, mallory.keys) != sas


def test_bundle_sealed_to_joiner_only(keys: KeyRing) -> None:
    code = new_pairing_code()
    secrets = PairingSecrets.from_code(code)
    offering, joiner, other = (DeviceIdentity.generate() for _ in range(3))
    bundle = PairingBundle(SHOP, keys, "T2", (offering.keys, joiner.keys))
    box = seal_bundle(bundle, secrets, sender=offering, joiner=joiner.keys)
    opened = open_bundle(box, secrets, joiner=joiner, sender=offering.keys)
    assert opened.keys.key(1) == keys.key(1) and opened.series_prefix == "T2"
    with pytest.raises(PairingFailed):
        open_bundle(box, secrets, joiner=other, sender=offering.keys)
    with pytest.raises(PairingFailed):  # a relay that does not know the code cannot forge it
        open_bundle(
            box, PairingSecrets.from_code(new_pairing_code()), joiner=joiner, sender=offering.keys
        )
    with pytest.raises(PairingFailed):
        open_bundle(box, secrets, joiner=joiner, sender=other.keys)


def test_rotation_reaches_remaining_devices_only(keys: KeyRing) -> None:
    owner, till, revoked = (DeviceIdentity.generate() for _ in range(3))
    rotated, wraps = rotate_keys(
        keys, shop_id=SHOP, sender=owner, remaining=[owner.keys, till.keys]
    )
    assert set(wraps) == {till.device_id} and rotated.current_epoch == 2
    tills = open_key_wrap(
        wraps[till.device_id], keys=keys, shop_id=SHOP, epoch=2, recipient=till, sender=owner.keys
    )
    assert tills.key(2) == rotated.key(2) and tills.key(1) == keys.key(1)
    with pytest.raises(EnvelopeRejected):
        open_key_wrap(
            wraps[till.device_id],
            keys=keys,
            shop_id=SHOP,
            epoch=2,
            recipient=revoked,
            sender=owner.keys,
        )
    env = seal_change(PAYLOAD, shop_id=SHOP, device=owner, device_seq=1, keys=rotated)
    assert _open(env, tills, owner) == PAYLOAD
    with pytest.raises(EnvelopeRejected) as old:
        _open(env, keys, owner)
    assert old.value.reason == "unknown_key"


def test_identity_round_trip() -> None:
    dev = DeviceIdentity.generate()
    back = DeviceIdentity.from_private_bytes(dev.device_id, dev.private_bytes())
    assert back.keys == dev.keys

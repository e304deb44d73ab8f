"""Pairing a new device, creating a shop, revoking a device (sync-design.md §7.4).

1. The existing device calls ``offer``: it shows the QR code (``offer.uri``) or the short
   text code (``offer.code``); the server learns only a pairing id derived from the code.
2. The new device calls ``join`` with what it scanned or typed: it makes its keys and its
   own bearer token (the server stores the token's hash, as a pending device).
3. Both show ``confirmation_code``; the owner checks the six digits match, then the existing
   device calls ``approve``: the shop keys, its peers and the new device's invoice series
   prefix are sealed to the new device's X25519 key (the code's secret mixed in) and relayed.
4. The new device calls ``finish_join`` and becomes a member; the relay forgets the box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sync import protocol as P
from sync.client import Membership
from sync.crypto import (
    DeviceIdentity,
    KeyRing,
    PairingBundle,
    PairingSecrets,
    new_id,
    new_pairing_code,
    new_token,
    open_bundle,
    pairing_uri,
    parse_pairing_uri,
    rotate_keys,
    seal_bundle,
    token_hash,
)
from sync.errors import PairingFailed, ServerRefused
from sync.transport import Transport

TransportFactory = Callable[[str, str | None], Transport]


def _default_transport(url: str, token: str | None) -> Transport:
    return Transport(url, token)


def create_shop(
    server_url: str,
    *,
    device_name: str,
    series_prefix: str,
    enrol_secret: str | None = None,
    connect: TransportFactory = _default_transport,
) -> Membership:
    """The first device of a shop: new shop id, shop key and device keys."""
    identity = DeviceIdentity.generate()
    token = new_token()
    shop_id = new_id()
    with connect(server_url, None) as transport:
        transport.create_shop(
            P.ShopCreate(shop_id, identity.keys, device_name, token_hash(token)), enrol_secret
        )
    return Membership(server_url, shop_id, identity, KeyRing.generate(), token, series_prefix)


@dataclass(frozen=True)
class Offer:
    code: str
    uri: str
    secrets: PairingSecrets
    expires_ms: int


def offer(membership: Membership, transport: Transport) -> Offer:
    code = new_pairing_code()
    secrets = PairingSecrets.from_code(code)
    expires = transport.offer_pairing(secrets.pairing_id)
    return Offer(
        code, pairing_uri(membership.server_url, membership.shop_id, code), secrets, expires
    )


def wait_for_joiner(
    transport: Transport, pending: Offer, *, timeout_s: float = 300, poll_s: float = 1.0
) -> P.PairingState:
    deadline = time.monotonic() + timeout_s
    while True:
        state = transport.pairing(pending.secrets.pairing_id)
        if state.joiner is not None:
            return state
        if time.monotonic() > deadline:
            raise PairingFailed("No device joined in time; show a new pairing code.")
        time.sleep(poll_s)


def confirmation_for_offer(pending: Offer, state: P.PairingState) -> str:
    if state.joiner is None:
        raise PairingFailed("No device has joined yet.")
    return pending.secrets.confirmation_code(state.offering, state.joiner)


def approve(
    membership: Membership,
    transport: Transport,
    pending: Offer,
    state: P.PairingState,
    *,
    series_prefix: str,
) -> None:
    """Seal the shop keys to the joined device (call after the owner confirmed the digits)."""
    if state.joiner is None:
        raise PairingFailed("No device has joined yet.")
    peers = {**membership.peers}
    for info in transport.devices():
        if info.status == "active":
            peers[info.keys.device_id] = info.keys
    peers[state.joiner.device_id] = state.joiner
    bundle = PairingBundle(
        membership.shop_id, membership.keys, series_prefix, tuple(peers.values())
    )
    sealed = seal_bundle(bundle, pending.secrets, sender=membership.identity, joiner=state.joiner)
    transport.seal_pairing(pending.secrets.pairing_id, sealed)
    membership.peers[state.joiner.device_id] = state.joiner


@dataclass
class Joining:
    """The new device between ``join`` and ``finish_join``."""

    server_url: str
    shop_id: str
    identity: DeviceIdentity
    token: str
    secrets: PairingSecrets
    state: P.PairingState

    @property
    def confirmation_code(self) -> str:
        return self.secrets.confirmation_code(self.state.offering, self.identity.keys)


def join(
    scanned_or_typed: str,
    *,
    device_name: str,
    server_url: str | None = None,
    connect: TransportFactory = _default_transport,
) -> Joining:
    """From a QR text (``bahi-pair:v1?...``) or a typed code plus the server URL."""
    if scanned_or_typed.startswith("bahi-pair:"):
        server_url, shop_id, code = parse_pairing_uri(scanned_or_typed)
    elif server_url is None:
        raise PairingFailed("Give the sync server's address along with a typed pairing code.")
    else:
        shop_id, code = "", scanned_or_typed
    secrets = PairingSecrets.from_code(code)
    identity = DeviceIdentity.generate()
    token = new_token()
    with connect(server_url, None) as transport:
        try:
            state = transport.join_pairing(
                secrets.pairing_id, P.PairingJoin(identity.keys, device_name, token_hash(token))
            )
        except ServerRefused as exc:
            raise PairingFailed(f"Pairing failed: {exc} Show a new code and try again.") from exc
    if shop_id and state.shop_id != shop_id:
        raise PairingFailed("The server answered for another shop than the QR code names.")
    return Joining(server_url, state.shop_id, identity, token, secrets, state)


def finish_join(
    joining: Joining,
    *,
    timeout_s: float = 300,
    poll_s: float = 1.0,
    connect: TransportFactory = _default_transport,
    check: Callable[[], None] | None = None,
) -> Membership:
    """Wait for the owner's approval and open the sealed keys.

    ``check`` runs before each poll and stops the wait by raising (the desktop's Cancel).
    Once the sealed keys are taken the join always finishes: the server hands them out once.
    """
    deadline = time.monotonic() + timeout_s
    with connect(joining.server_url, joining.token) as transport:
        while True:
            if check is not None:
                check()
            try:
                state = transport.take_sealed(joining.secrets.pairing_id)
                break
            except ServerRefused as exc:
                if exc.code not in {"PENDING", "NOT_FOUND"} or time.monotonic() > deadline:
                    raise PairingFailed(
                        "The other device did not approve in time; start pairing again."
                    ) from exc
                time.sleep(poll_s)
    assert state.sealed is not None
    bundle = open_bundle(
        state.sealed, joining.secrets, joiner=joining.identity, sender=joining.state.offering
    )
    if bundle.shop_id != joining.shop_id:
        raise PairingFailed("The sealed keys name another shop.")
    peers = {d.device_id: d for d in bundle.devices}
    return Membership(
        joining.server_url,
        bundle.shop_id,
        joining.identity,
        bundle.keys,
        joining.token,
        bundle.series_prefix,
        peers,
    )


def revoke_device(membership: Membership, transport: Transport, device_id: str) -> None:
    """Refuse the device at the server, then rotate the shop key for new changes: the new
    epoch key is wrapped to every remaining active device. Old changes keep their epochs."""
    if device_id == membership.identity.device_id:
        raise PairingFailed("A device cannot revoke itself; revoke it from another device.")
    transport.revoke(device_id)
    remaining = [d.keys for d in transport.devices() if d.status == "active"]
    rotated, wraps = rotate_keys(
        membership.keys,
        shop_id=membership.shop_id,
        sender=membership.identity,
        remaining=remaining,
    )
    if wraps:
        transport.put_key_wraps(rotated.current_epoch, wraps)
    membership.keys = rotated

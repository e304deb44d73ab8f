"""The HTTP client of the sync protocol (httpx), and the backoff the engine waits by.

Faults are sorted for the engine: ``TransportError`` (network down, 5xx, 429) means "retry
later with the same bytes"; ``ServerRefused`` and its kinds (gap, reuse, revoked, unknown
token) mean "retrying the same will not help". Nothing here touches local state.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import httpx

from sync import protocol as P
from sync.errors import (
    DeviceRevoked,
    RateLimited,
    SeqGap,
    SeqReuse,
    ServerRefused,
    TransportError,
    Unauthorized,
)


class Backoff:
    """Exponential backoff with full jitter (sleep a random time up to base·2^n, capped)."""

    def __init__(
        self, base_s: float = 1.0, cap_s: float = 300.0, rng: random.Random | None = None
    ) -> None:
        self.base_s, self.cap_s = base_s, cap_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        return min(self.cap_s, self.base_s * (2.0 ** min(self.attempt, 30)))

    def next_delay(self, error: BaseException | None = None) -> float:
        """Seconds to wait before the next try; honours a server's Retry-After."""
        delay = self._rng.uniform(0, self.ceiling())
        self.attempt += 1
        if isinstance(error, RateLimited):
            delay = max(delay, error.retry_after_s)
        return delay

    def reset(self) -> None:
        self.attempt = 0


class Transport:
    """One device's connection to the service. ``token`` is its bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout_s: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self._client = client or httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            headers={P.VERSION_HEADER: str(P.PROTOCOL_VERSION)},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        sent = {**(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            sent["Content-Type"] = "application/json"
        try:
            response = self._client.request(
                method,
                path,
                content=P.dumps(body) if body is not None else None,
                params=params,
                headers=sent,
                timeout=timeout_s if timeout_s is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TransportError as exc:
            raise TransportError(f"The sync server cannot be reached: {exc}") from exc
        if response.status_code < 400:
            return response.json() if response.content else None
        raise _refusal(response)

    # ------------------------------------------------------------ sync

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = self._request("GET", "/health")
        return data

    def hello(self) -> P.Hello:
        return P.Hello.from_json(self._request("GET", "/v1/hello"))

    def push(self, envelopes: list[bytes] | tuple[bytes, ...]) -> P.PushResult:
        body = P.PushRequest(tuple(envelopes)).to_json()
        return P.PushResult.from_json(self._request("POST", "/v1/push", body=body))

    def pull(self, after: int, limit: int = P.PULL_LIMIT_DEFAULT, wait_s: float = 0) -> P.PullPage:
        params = {"after": after, "limit": limit, "wait": wait_s}
        data = self._request("GET", "/v1/pull", params=params, timeout_s=self.timeout_s + wait_s)
        return P.PullPage.from_json(data)

    def devices(self) -> list[P.DeviceInfo]:
        return [P.DeviceInfo.from_json(d) for d in self._request("GET", "/v1/devices")]

    def revoke(self, device_id: str) -> P.DeviceInfo:
        return P.DeviceInfo.from_json(self._request("POST", f"/v1/devices/{device_id}/revoke"))

    def put_key_wraps(self, epoch: int, wraps: Mapping[str, bytes]) -> None:
        self._request("POST", "/v1/keys", body=P.key_wraps_to_json(epoch, wraps))

    def key_wraps(self, after_epoch: int) -> list[P.KeyWrap]:
        data = self._request("GET", "/v1/keys", params={"after_epoch": after_epoch})
        return [P.KeyWrap.from_json(w) for w in data]

    # ------------------------------------------------------------ shops and pairing

    def create_shop(self, msg: P.ShopCreate, enrol_secret: str | None = None) -> P.Hello:
        headers = {"X-Bahi-Enrol": enrol_secret} if enrol_secret else None
        data = self._request("POST", "/v1/shops", body=msg.to_json(), headers=headers)
        return P.Hello.from_json(data)

    def offer_pairing(self, pairing_id: str) -> int:
        data = self._request("POST", "/v1/pairings", body={"pairing_id": pairing_id})
        return int(data["expires_ms"])

    def join_pairing(self, pairing_id: str, msg: P.PairingJoin) -> P.PairingState:
        data = self._request("POST", f"/v1/pairings/{pairing_id}/join", body=msg.to_json())
        return P.PairingState.from_json(data)

    def pairing(self, pairing_id: str) -> P.PairingState:
        return P.PairingState.from_json(self._request("GET", f"/v1/pairings/{pairing_id}"))

    def seal_pairing(self, pairing_id: str, sealed: bytes) -> None:
        self._request("POST", f"/v1/pairings/{pairing_id}/seal", body={"sealed": P.b64(sealed)})

    def take_sealed(self, pairing_id: str) -> P.PairingState:
        data = self._request("GET", f"/v1/pairings/{pairing_id}/sealed")
        return P.PairingState.from_json(data)


def _refusal(response: httpx.Response) -> Exception:  # noqa: PLR0911  (one answer per kind)
    status = response.status_code
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", response.text[:200])) if isinstance(error, dict) else ""
    if status == 429:
        retry = response.headers.get("Retry-After", "1")
        return RateLimited(float(retry) if retry.replace(".", "", 1).isdigit() else 1.0)
    if status >= 500 or status == 408:
        return TransportError(f"The sync server had a passing fault ({status}): {message}")
    if code == "SEQ_GAP" and isinstance(error.get("expected"), int):
        return SeqGap(error["expected"])
    if code == "SEQ_REUSE" and isinstance(error.get("device_seq"), int):
        return SeqReuse(error["device_seq"])
    if code == "REVOKED":
        return DeviceRevoked()
    if status == 401:
        return Unauthorized()
    return ServerRefused(status, code or str(status), message or f"HTTP {status}")

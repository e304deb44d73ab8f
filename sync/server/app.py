"""The sync service's HTTP front (FastAPI). Stateless: every fact lives in the store, so any
number of nodes can serve any shop behind a load balancer. What a node keeps in memory is
only a cache of convenience: rate-limit buckets, long-poll waiters and metric counters.

Endpoints: see ``sync.protocol``. Store calls are blocking (psycopg, pymongo) and run in the
worker thread pool; long-polls wait on an asyncio event woken by this node's pushes and by
PostgreSQL ``NOTIFY`` from other nodes, with a one-second re-check as the fallback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.crypto import PAIRING_TTL_S, id_bytes, parse_header, sha256, token_hash
from sync.errors import (
    DeviceRevoked,
    RateLimited,
    SeqGap,
    SeqReuse,
    ServerRefused,
    Unauthorized,
)
from sync.server.store import (
    AlreadyExists,
    DeviceRecord,
    Incoming,
    NotFoundError,
    Store,
    StoreUnavailable,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = P.MAX_PUSH_BYTES
    rate_per_s: float = 20.0  # requests per device (or per address before pairing)
    rate_burst: int = 60
    long_poll_max_s: float = P.LONG_POLL_MAX_S
    max_waiters: int = 2000  # open long-polls per node; more get an immediate answer
    enrol_secret: str | None = None  # needed to create a shop; None with open_enrolment
    open_enrolment: bool = False


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


class TokenBuckets:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when allowed, else seconds until a token is free."""
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 100_000:  # forget idle clients
                self._buckets.clear()
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate


class Metrics:
    def __init__(self) -> None:
        self.counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
        self.gauges: dict[str, Callable[[], float]] = {}
        self.help: dict[str, str] = {}

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        self.counters[(name, tuple(sorted(labels.items())))] += amount

    def render(self) -> str:
        lines: list[str] = []
        seen: set[str] = set()
        for (name, labels), value in sorted(self.counters.items()):
            if name not in seen:
                seen.add(name)
                lines.append(f"# TYPE {name} counter")
            label_text = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"{name}{{{label_text}}} {value:g}" if labels else f"{name} {value:g}")
        for name, read in sorted(self.gauges.items()):
            lines.append(f"# TYPE {name} gauge")
            lines.append(f"{name} {read():g}")
        return "\n".join(lines) + "\n"


class Waiters:
    """Long-poll wake-ups per shop on this node."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[str, asyncio.Event] = {}
        self.count = 0

    def notify(self, shop_id: str) -> None:
        event = self._events.pop(shop_id, None)
        if event is not None:
            event.set()

    def notify_threadsafe(self, shop_id: str) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.notify, shop_id)

    async def wait(self, shop_id: str, timeout: float) -> None:
        event = self._events.setdefault(shop_id, asyncio.Event())
        self.count += 1
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self.count -= 1


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _json(data: Any, status: int = 200) -> Response:
    return Response(P.dumps(data), status_code=status, media_type="application/json")


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:  # noqa: PLR0915
    """The routes form one flat description, so this function is long on purpose."""
    cfg = settings or Settings()
    buckets = TokenBuckets(cfg.rate_per_s, cfg.rate_burst)
    metrics = Metrics()
    waiters = Waiters()
    metrics.gauges["bahi_sync_long_polls"] = lambda: float(waiters.count)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        waiters.loop = asyncio.get_running_loop()
        store.listen(waiters.notify_threadsafe)
        yield

    app = FastAPI(
        title="Bahi sync",
        version=str(P.PROTOCOL_VERSION),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.metrics = metrics

    async def call(fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(fn, *args)

    @app.middleware("http")
    async def _guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        version = request.headers.get(P.VERSION_HEADER)
        if version is not None and version != str(P.PROTOCOL_VERSION):
            response: Response = _json(
                P.error_body(
                    "VERSION",
                    f"This server speaks sync protocol {P.PROTOCOL_VERSION}; update Bahi.",
                ),
                426,
            )
        else:
            try:
                response = await call_next(request)
            except HttpError as exc:
                response = _error(exc)
        route = request.scope.get("route")
        path = getattr(route, "path", "other")
        metrics.inc("bahi_sync_requests_total", route=path, status=str(response.status_code))
        metrics.inc("bahi_sync_request_seconds_total", time.perf_counter() - started, route=path)
        return response

    def _error(exc: HttpError) -> Response:
        headers = {}
        if "retry_after" in exc.extra:
            headers["Retry-After"] = f"{exc.extra['retry_after']:.0f}"
        body = P.error_body(exc.code, str(exc), **exc.extra)
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(HttpError)
    async def _http_error(request: Request, exc: HttpError) -> Response:
        return _error(exc)

    @app.exception_handler(ServerRefused)
    async def _refused(request: Request, exc: ServerRefused) -> Response:
        extra: dict[str, object] = {}
        if isinstance(exc, SeqGap):
            extra["expected"] = exc.expected
        if isinstance(exc, SeqReuse):
            extra["device_seq"] = exc.device_seq
        return _error(HttpError(exc.status, exc.code, str(exc), **extra))

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> Response:
        log.warning("store unavailable: %s", exc)
        metrics.inc("bahi_sync_store_errors_total")
        return _error(
            HttpError(503, "UNAVAILABLE", "The sync store is unavailable; retry.", retry_after=1)
        )

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(HttpError(404, "NOT_FOUND", str(exc)))

    @app.exception_handler(AlreadyExists)
    async def _exists(request: Request, exc: AlreadyExists) -> Response:
        return _error(HttpError(409, "EXISTS", str(exc)))

    @app.exception_handler(P.BadMessage)
    async def _bad(request: Request, exc: P.BadMessage) -> Response:
        return _error(HttpError(400, "BAD_REQUEST", f"Malformed request: {exc}"))

    def limit(key: str) -> None:
        wait = buckets.take(key)
        if wait > 0:
            metrics.inc("bahi_sync_rate_limited_total")
            raise HttpError(429, "RATE_LIMITED", str(RateLimited(wait)), retry_after=max(1.0, wait))

    async def body(request: Request) -> dict[str, Any]:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cfg.max_body_bytes:
            raise HttpError(
                413, "TOO_LARGE", f"Requests are limited to {cfg.max_body_bytes} bytes."
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cfg.max_body_bytes:
                raise HttpError(
                    413, "TOO_LARGE", f"Requests are limited to {cfg.max_body_bytes} bytes."
                )
            chunks.append(chunk)
        return P.loads(b"".join(chunks))

    async def device(request: Request, *, allow_pending: bool = False) -> DeviceRecord:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            limit("addr:" + (request.client.host if request.client else "?"))
            raise HttpError(401, "UNAUTHORIZED", str(Unauthorized()))
        record = await call(store.authenticate, token_hash(token.strip()))
        if record is None:
            limit("addr:" + (request.client.host if request.client else "?"))
            raise HttpError(401, "UNAUTHORIZED", str(Unauthorized()))
        limit("dev:" + record.device_id)
        if record.status == "revoked":
            raise HttpError(403, "REVOKED", str(DeviceRevoked()))
        if record.status == "pending" and not allow_pending:
            raise HttpError(
                403, "PENDING", "Pairing is not finished; confirm it on the other device."
            )
        return record

    # ------------------------------------------------------------ health

    @app.get("/health")
    async def health() -> Response:
        try:
            await call(store.ping)
        except StoreUnavailable as exc:
            return _json({"status": "unavailable", "store": store.name, "reason": str(exc)}, 503)
        return _json({"status": "ok", "store": store.name, "protocol": P.PROTOCOL_VERSION})

    @app.get("/metrics")
    async def metrics_text() -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    # ------------------------------------------------------------ sync

    async def hello_for(record: DeviceRecord) -> P.Hello:
        shop = await call(store.shop, record.shop_id)
        return P.Hello(
            record.shop_id,
            record.device_id,
            record.status,
            record.last_seq,
            shop.head_seq,
            shop.server_epoch,
            _now_ms(),
        )

    @app.get("/v1/hello")
    async def hello(request: Request) -> Response:
        record = await device(request)
        return _json((await hello_for(record)).to_json())

    @app.post("/v1/shops")
    async def create_shop(request: Request) -> Response:
        limit("addr:" + (request.client.host if request.client else "?"))
        if not cfg.open_enrolment:
            given = request.headers.get("x-bahi-enrol", "")
            if cfg.enrol_secret is None or given != cfg.enrol_secret:
                raise HttpError(
                    403,
                    "ENROL",
                    "Creating a shop on this server needs its enrolment secret; ask whoever "
                    "runs the server.",
                )
        msg = P.ShopCreate.from_json(await body(request))
        parse_shop_id(msg.shop_id)
        await call(store.create_shop, msg.shop_id, msg.device, msg.name, msg.token_hash)
        metrics.inc("bahi_sync_shops_created_total")
        record = DeviceRecord(msg.shop_id, msg.device, msg.name, "active", 0, None)
        return _json((await hello_for(record)).to_json(), 201)

    @app.post("/v1/push")
    async def push(request: Request) -> Response:
        record = await device(request)
        msg = P.PushRequest.from_json(await body(request))
        items: list[Incoming] = []
        for envelope in msg.envelopes:
            try:
                header = parse_header(envelope)
            except ValueError as exc:
                raise HttpError(400, "BAD_ENVELOPE", str(exc)) from None
            if header.shop_id != record.shop_id or header.device_id != record.device_id:
                raise HttpError(
                    400, "BAD_ENVELOPE", "An envelope names another shop or device than its sender."
                )
            items.append(Incoming(header.device_seq, header.key_epoch, envelope, sha256(envelope)))
        result = await call(store.push, record.shop_id, record.device_id, items)
        stored = len(items) - result.duplicates
        metrics.inc("bahi_sync_envelopes_stored_total", stored)
        metrics.inc("bahi_sync_envelopes_duplicate_total", result.duplicates)
        if stored:
            waiters.notify(record.shop_id)
        answer = P.PushResult(
            result.acked_through, result.server_seqs, result.duplicates, result.head_seq, _now_ms()
        )
        return _json(answer.to_json())

    @app.get("/v1/pull")
    async def pull(
        request: Request, after: int = 0, limit: int = P.PULL_LIMIT_DEFAULT, wait: float = 0
    ) -> Response:
        record = await device(request)
        if after < 0 or not 1 <= limit <= P.PULL_LIMIT_MAX or wait < 0:
            raise HttpError(
                400, "BAD_REQUEST", f"after >= 0, 1 <= limit <= {P.PULL_LIMIT_MAX}, wait >= 0"
            )
        deadline = time.monotonic() + min(wait, cfg.long_poll_max_s)
        changes, head = await call(store.pull, record.shop_id, after, limit)
        while not changes and time.monotonic() < deadline and waiters.count < cfg.max_waiters:
            if await request.is_disconnected():
                break
            await waiters.wait(record.shop_id, min(1.0, deadline - time.monotonic()))
            changes, head = await call(store.pull, record.shop_id, after, limit)
        shop = await call(store.shop, record.shop_id)
        next_after = changes[-1].server_seq if changes else max(after, 0)
        metrics.inc("bahi_sync_envelopes_served_total", len(changes))
        page = P.PullPage(
            tuple(changes), next_after, head, next_after < head, shop.server_epoch, _now_ms()
        )
        return _json(page.to_json())

    @app.get("/v1/devices")
    async def devices(request: Request) -> Response:
        record = await device(request)
        found = await call(store.devices, record.shop_id)
        return _json(
            [
                P.DeviceInfo(d.keys, d.name, d.status, d.last_seq, d.last_seen_ms).to_json()
                for d in found
            ]
        )

    @app.post("/v1/devices/{device_id}/revoke")
    async def revoke(request: Request, device_id: str) -> Response:
        record = await device(request)
        parse_shop_id(device_id)
        done = await call(store.revoke, record.shop_id, device_id)
        metrics.inc("bahi_sync_devices_revoked_total")
        return _json(
            P.DeviceInfo(
                done.keys, done.name, done.status, done.last_seq, done.last_seen_ms
            ).to_json()
        )

    @app.post("/v1/keys")
    async def put_keys(request: Request) -> Response:
        record = await device(request)
        epoch, wraps = P.key_wraps_from_json(await body(request))
        await call(store.put_key_wraps, record.shop_id, record.device_id, epoch, wraps)
        return _json({})

    @app.get("/v1/keys")
    async def get_keys(request: Request, after_epoch: int = 0) -> Response:
        record = await device(request)
        found = await call(store.key_wraps, record.shop_id, record.device_id, after_epoch)
        return _json([w.to_json() for w in found])

    # ------------------------------------------------------------ pairing relay

    @app.post("/v1/pairings")
    async def offer(request: Request) -> Response:
        record = await device(request)
        data = await body(request)
        pairing_id = parse_pairing_id(data.get("pairing_id"))
        expires = _now_ms() + PAIRING_TTL_S * 1000
        await call(store.offer_pairing, record.shop_id, pairing_id, record.device_id, expires)
        return _json({"pairing_id": pairing_id, "expires_ms": expires}, 201)

    @app.post("/v1/pairings/{pairing_id}/join")
    async def join(request: Request, pairing_id: str) -> Response:
        limit("addr:" + (request.client.host if request.client else "?"))
        msg = P.PairingJoin.from_json(await body(request))
        state = await call(
            store.join_pairing,
            parse_pairing_id(pairing_id),
            msg.device,
            msg.name,
            msg.token_hash,
            _now_ms(),
        )
        return _json(state.to_json())

    @app.get("/v1/pairings/{pairing_id}")
    async def pairing(request: Request, pairing_id: str) -> Response:
        record = await device(request)
        state = await call(store.pairing, record.shop_id, parse_pairing_id(pairing_id), _now_ms())
        return _json(state.to_json())

    @app.post("/v1/pairings/{pairing_id}/seal")
    async def seal(request: Request, pairing_id: str) -> Response:
        record = await device(request)
        sealed = P.unb64((await body(request)).get("sealed"))
        await call(
            store.seal_pairing, record.shop_id, parse_pairing_id(pairing_id), sealed, _now_ms()
        )
        return _json({})

    @app.get("/v1/pairings/{pairing_id}/sealed")
    async def sealed(request: Request, pairing_id: str) -> Response:
        record = await device(request)
        state = await call(
            store.take_sealed, record.shop_id, record.device_id, parse_pairing_id(pairing_id)
        )
        return _json(state.to_json())

    return app


def parse_shop_id(value: str) -> str:
    try:
        id_bytes(value)
    except ValueError as exc:
        raise P.BadMessage(str(exc)) from None
    return value


def parse_pairing_id(value: object) -> str:
    if not isinstance(value, str) or len(value) != 32:
        raise P.BadMessage("pairing_id must be 32 hex digits")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise P.BadMessage("pairing_id must be 32 hex digits") from None
    return value

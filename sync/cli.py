"""``bahi-sync``: run the sync service or prepare its database.

    bahi-sync migrate --store postgresql://bahi_sync@127.0.0.1/bahi_sync
    bahi-sync serve   --store ... --host 127.0.0.1 --port 8780 [--migrate]

The store URL may also come from BAHI_SYNC_STORE_URL and the enrolment secret (needed by a
shop's first device to create the shop) from BAHI_SYNC_ENROL_SECRET. Serve plain HTTP on
loopback behind a TLS proxy (docs/deploy-sync.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.server.store import Store

VERSION = "0.2.0"
DEFAULT_PORT = 8780


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bahi-sync",
        description="Bahi sync service: relays end-to-end encrypted changes between a shop's "
        "devices through PostgreSQL (or MongoDB). The server never sees the books.",
    )
    parser.add_argument("--version", action="version", version=f"bahi-sync {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def store_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--store",
            default=os.environ.get("BAHI_SYNC_STORE_URL"),
            help="postgresql://user@host/db (default kind) or mongodb://...; "
            "default: $BAHI_SYNC_STORE_URL",
        )

    migrate = commands.add_parser("migrate", help="create or upgrade the store's schema")
    store_option(migrate)

    serve = commands.add_parser("serve", help="run the HTTP service")
    store_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--migrate", action="store_true", help="migrate the schema first")
    serve.add_argument("--pool-size", type=int, default=20, help="database connections")
    serve.add_argument(
        "--enrol-secret",
        default=os.environ.get("BAHI_SYNC_ENROL_SECRET"),
        help="secret a shop's first device presents to create the shop "
        "(default: $BAHI_SYNC_ENROL_SECRET)",
    )
    serve.add_argument(
        "--open-enrolment", action="store_true", help="let anyone create a shop (testing only)"
    )
    serve.add_argument("--rate", type=float, default=20.0, help="requests per second per device")
    serve.add_argument("--rate-burst", type=int, default=60)
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is trusted (the TLS proxy in front)",
    )
    serve.add_argument("--log-level", default="info")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if not args.store:
        parser.error("give --store or set BAHI_SYNC_STORE_URL")
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from sync.server.store import StoreUnavailable, open_store

    try:
        store = open_store(args.store, pool_size=getattr(args, "pool_size", 4))
        if args.command == "migrate" or args.migrate:
            store.migrate()
            print(f"bahi-sync: {store.name} schema is up to date", file=sys.stderr)
        if args.command == "migrate":
            store.close()
            return 0
    except (StoreUnavailable, ValueError) as exc:
        print(f"bahi-sync: {exc}", file=sys.stderr)
        return 2
    return _serve(args, store)


def _serve(args: argparse.Namespace, store: Store) -> int:
    import uvicorn

    from sync.server.app import Settings, create_app

    settings = Settings(
        rate_per_s=args.rate,
        rate_burst=args.rate_burst,
        enrol_secret=args.enrol_secret,
        open_enrolment=args.open_enrolment,
    )
    app = create_app(store, settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

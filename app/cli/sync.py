"""bahi sync pair | now | status | devices."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from app.cli.output import print_json
from app.cli.session import open_from_args
from app.errors import AppError, ValidationError
from app.syncing import service
from sync import pairing
from sync.errors import SyncError


class SyncFailed(AppError):
    """A sync-layer error, shown with its own message (it says what to do next)."""


def _open(args: argparse.Namespace) -> Any:
    return open_from_args(args.company, args.user, args.totp)


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        print_json(data)
    else:
        print(text)


def pair(args: argparse.Namespace) -> int:
    try:
        with _open(args) as company:
            if args.new_shop:
                if not (args.server and args.prefix):
                    raise ValidationError("Give --server URL and --prefix for the first device.")
                m = service.create_shop(
                    company,
                    args.server,
                    device_name=args.name or "Device 1",
                    series_prefix=args.prefix,
                    enrol_secret=os.environ.get("BAHI_SYNC_ENROL_SECRET"),
                )
                _out(
                    args,
                    {
                        "shop_id": m.shop_id,
                        "device_id": m.identity.device_id,
                        "prefix": m.series_prefix,
                    },
                    f"This device ({m.series_prefix}) now syncs shop {m.shop_id}.",
                )
                return 0
            if args.offer:
                return _offer(args, company)
            joining = service.join(
                company, args.join, device_name=args.name or "New device", server_url=args.server
            )
            _out(
                args,
                {"event": "joined", "confirmation": joining.confirmation_code},
                f"Check that the other device shows {joining.confirmation_code}; waiting…",
            )
            sys.stdout.flush()
            m = service.finish_join(company, joining, timeout_s=args.timeout)
            _out(
                args,
                {"event": "paired", "device_id": m.identity.device_id, "prefix": m.series_prefix},
                f"Paired: this device issues numbers with prefix {m.series_prefix}.",
            )
            return 0
    except SyncError as exc:
        raise SyncFailed(str(exc)) from exc


def _offer(args: argparse.Namespace, company: Any) -> int:
    if not args.prefix:
        raise ValidationError("Give --prefix: the new device's invoice series prefix.")
    m, transport, pending = service.offer(company)
    with transport:
        _out(
            args,
            {"event": "offer", "code": pending.code, "uri": pending.uri},
            f"On the new device: bahi sync pair --join '{pending.uri}'\n(or type {pending.code})",
        )
        sys.stdout.flush()
        state = pairing.wait_for_joiner(transport, pending, timeout_s=args.timeout, poll_s=0.5)
        digits = pairing.confirmation_for_offer(pending, state)
        _out(args, {"event": "confirm", "confirmation": digits}, f"Confirmation code: {digits}")
        sys.stdout.flush()
        if not args.yes:
            answer = input("Does the new device show the same six digits? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("Not approved; nothing was shared.")
                return 1
        service.approve(company, m, transport, pending, state, series_prefix=args.prefix)
    _out(args, {"event": "approved"}, "Approved: the new device now has the shop's keys.")
    return 0


def now(args: argparse.Namespace) -> int:
    try:
        with _open(args) as company:
            report = service.sync_now(company)
            state = service.status(company)
    except SyncError as exc:
        raise SyncFailed(str(exc)) from exc
    data = {**report.__dict__, "quarantined_total": state.quarantined, "conflicts": state.conflicts}
    _out(
        args,
        data,
        f"Sent {report.pushed}, received {report.applied}, pending {report.pending}, "
        f"quarantined {state.quarantined}, conflicts {state.conflicts}.",
    )
    return 0


def status(args: argparse.Namespace) -> int:
    with _open(args) as company:
        state = service.status(company)
    if not state.enabled:
        _out(args, state.to_json(), "Sync is not set up for this company.")
        return 0
    _out(
        args,
        state.to_json(),
        f"Shop {state.shop_id}, device {state.device_id} ({state.series_prefix}) via "
        f"{state.server_url}\npending {state.pending}, pulled through {state.pulled_through}, "
        f"quarantined {state.quarantined}, conflicts {state.conflicts}",
    )
    return 0


def devices(args: argparse.Namespace) -> int:
    try:
        with _open(args) as company:
            if args.revoke:
                service.revoke(company, args.revoke)
            listed = service.devices(company)
    except SyncError as exc:
        raise SyncFailed(str(exc)) from exc
    rows = [
        {
            "device_id": d.keys.device_id,
            "name": d.name,
            "status": d.status,
            "last_seq": d.last_seq,
            "last_seen_ms": d.last_seen_ms,
        }
        for d in listed
    ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['device_id']}  {r['status']:<8} {r['last_seq']:>8}  {r['name']}")
    return 0

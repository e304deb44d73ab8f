"""Arguments of ``bahi sync``: pair devices, sync now, status, devices."""

from __future__ import annotations

from typing import Any

from app.cli.args import company_args


def add_commands(groups: Any) -> None:
    sync = groups.add_parser("sync", help="sync this company with the shop's other devices")
    cmds = sync.add_subparsers(dest="action", required=True, metavar="ACTION")

    pair = cmds.add_parser(
        "pair",
        help="set up the first device (--new-shop), show a code for a new device (--offer), "
        "or join a shop with a code (--join)",
    )
    mode = pair.add_mutually_exclusive_group(required=True)
    mode.add_argument("--new-shop", action="store_true", help="make this the shop's first device")
    mode.add_argument("--offer", action="store_true", help="show a pairing code for a new device")
    mode.add_argument("--join", metavar="CODE", help="the code or QR text another device shows")
    pair.add_argument("--server", help="sync server URL (with --new-shop, or a typed code)")
    pair.add_argument("--name", default="", help="this device's name, e.g. 'Counter 2'")
    pair.add_argument(
        "--prefix",
        help="invoice series prefix: this device's (--new-shop) or the new device's (--offer)",
    )
    pair.add_argument("--yes", action="store_true", help="approve once the six digits are shown")
    pair.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for the other side"
    )
    company_args(pair)
    pair.add_argument("--json", action="store_true")
    pair.set_defaults(handler="sync.pair")

    now = cmds.add_parser("now", help="push this device's changes and pull the others'")
    company_args(now)
    now.add_argument("--json", action="store_true")
    now.set_defaults(handler="sync.now")

    status = cmds.add_parser("status", help="pending changes, quarantine, conflicts, last sync")
    company_args(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler="sync.status")

    devices = cmds.add_parser("devices", help="list the shop's devices, or revoke one")
    devices.add_argument("--revoke", metavar="DEVICE_ID", help="remove a device and rotate the key")
    company_args(devices)
    devices.add_argument("--json", action="store_true")
    devices.set_defaults(handler="sync.devices")

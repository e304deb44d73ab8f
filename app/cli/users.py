"""bahi user ..."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.cli.output import print_json
from app.cli.session import open_from_args, secret
from app.storage import totp as second_factor
from app.storage.access import Role
from app.storage.users import add_user, change_password, disable_totp, enable_totp, user_list


def add(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        password = secret("BAHI_NEW_PASSWORD", f"Password for {args.name}", confirm=True)
        add_user(company, args.name, Role(args.role), password, args.full_name)
    print(f"Added {args.name} as {args.role}.")
    return 0


def passwd(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        name = args.name or company.actor.username
        change_password(
            company, name, secret("BAHI_NEW_PASSWORD", f"New password for {name}", confirm=True)
        )
    print(f"Password changed for {name}.")
    return 0


def totp(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        name = args.name or company.actor.username
        if args.switch == "disable":
            disable_totp(company, name)
            print(f"Second factor turned off for {name}.")
            return 0
        secret_key = os.environ.get("BAHI_TOTP_SECRET") or second_factor.new_secret()
        uri = second_factor.provisioning_uri(secret_key, name, company.profile.name)
        print("Scan this with an authenticator app (or type the key by hand):\n")
        print(second_factor.qr_text(uri))
        print(f"Key: {secret_key}\n")
        if args.qr:
            Path(args.qr).write_bytes(second_factor.qr_png(uri))
        code = secret("BAHI_TOTP_CONFIRM", "Code shown by the app")
        codes = enable_totp(company, name, secret_key, code)
    print("Second factor is on. One-time recovery codes (keep them safe; each works once):")
    for recovery in codes:
        print(f"    {recovery}")
    return 0


def listing(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        rows = user_list(company)
    if args.json:
        print_json([{**row.__dict__, "role": str(row.role)} for row in rows])
    else:
        for row in rows:
            flags = ("" if row.active else " (inactive)") + (" [2FA]" if row.second_factor else "")
            print(f"{row.username:<20} {row.role}{flags}")
    return 0

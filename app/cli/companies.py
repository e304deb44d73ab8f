"""bahi company ..., backup, restore, demo."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from app.cli.output import print_json
from app.cli.session import company_folder, open_from_args, secret
from app.gst import find_state
from app.gst.registration import registered_gstin
from app.ledger.model import financial_year
from app.ledger.service import create_books
from app.storage import backup as backups
from app.storage import remember, totp
from app.storage.company import CompanyProfile, open_with_recovery_key
from app.storage.users import change_password


def _state_code(text: str) -> str:
    return find_state(text).code


def create(args: argparse.Namespace) -> int:
    state = _state_code(args.state)
    gstin = registered_gstin(state, args.gstin)
    books_begin = args.books_begin or financial_year(date.today()).start
    password = secret("BAHI_PASSWORD", "Owner password", confirm=True)
    profile = CompanyProfile(args.name, state, books_begin, gstin, args.address)
    company, recovery = create_books(Path(args.folder), profile, password)
    company.close()
    if args.recovery_qr:
        Path(args.recovery_qr).write_bytes(totp.qr_png(recovery))
    print(f"Created {args.name} in {args.folder}.")
    print("\nRecovery key (shown once: print it or write it down and keep it safe):\n")
    print(f"    {recovery}\n")
    print(totp.qr_text(recovery))
    return 0


def info(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        p = company.profile
        data = {
            "name": p.name,
            "state_code": p.state_code,
            "gstin": p.gstin,
            "address": p.address,
            "books_begin": p.books_begin.isoformat(),
            "financial_year": financial_year(date.today(), p.fy_start_month).label,
            "user": company.actor.username,
            "role": str(company.actor.role),
            "company_id": company.company_id,
        }
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key.replace('_', ' '):>15}: {value if value is not None else '-'}")
    return 0


def remember_cmd(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        remember.remember_key(company.company_id, company.actor.username, company.database_key)
    print("This computer will now open the company without asking for the password.")
    return 0


def forget(args: argparse.Namespace) -> int:
    from app.storage.keyslots import KeyFile

    remember.forget_key(KeyFile.load(company_folder(args.company)).company_id)
    print("This computer will ask for the password again.")
    return 0


def recover(args: argparse.Namespace) -> int:
    folder = company_folder(args.company)
    key = secret("BAHI_RECOVERY_KEY", "Recovery key")
    with open_with_recovery_key(folder, key) as company:
        new = secret("BAHI_NEW_PASSWORD", "New owner password", confirm=True)
        change_password(company, company.actor.username, new)
    print("The owner's password has been reset.")
    return 0


def backup(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        result = backups.create_backup(company, Path(args.to))
    if args.json:
        print_json({"file": str(result.path), "size": result.size, "created_at": result.created_at})
    else:
        print(f"Backup written to {result.path} ({result.size:,} bytes).")
    return 0


def restore(args: argparse.Namespace) -> int:
    user = args.user or os.environ.get("BAHI_USER") or "owner"
    password = secret("BAHI_PASSWORD", f"Password for {user} (as it was when the backup was made)")
    result = backups.restore_backup(
        Path(args.file), Path(args.to), user, password, replace=args.replace
    )
    print(f"Restored {result.company_name} (backup of {result.created_at}) into {args.to}.")
    return 0


def demo(args: argparse.Namespace) -> int:
    from app.demo import build_demo

    password = secret("BAHI_PASSWORD", "Password for the demo owner", confirm=True)
    summary = build_demo(Path(args.folder), password, seed=args.seed)
    print(
        f"Demo company {summary.name!r} created in {args.folder}: {summary.vouchers} vouchers "
        f"from {summary.start:%d-%m-%Y} to {summary.end:%d-%m-%Y}. Log in as 'owner'."
    )
    return 0

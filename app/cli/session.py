"""How the command line finds the company and the secrets to open it.

Secrets never come from arguments (they would sit in shell history and `ps`): passwords
come from BAHI_PASSWORD or a prompt; a key remembered on this computer is used first.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from app.errors import ValidationError
from app.storage.company import Company, open_company, open_with_key
from app.storage.keyslots import KeyFile
from app.storage.remember import recall_key


def secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ValidationError(
            f"Set {env} or run in a terminal to be asked for the {prompt.lower()}."
        )
    value = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass(f"{prompt} again: ") != value:
        raise ValidationError("The two entries differ. Try again.")
    return value


def company_folder(value: str | None) -> Path:
    folder = value or os.environ.get("BAHI_COMPANY")
    if not folder:
        raise ValidationError("Say which company: --company DIR (or set BAHI_COMPANY).")
    return Path(folder).expanduser()


def open_from_args(folder_arg: str | None, user: str | None, totp_code: str | None) -> Company:
    folder = company_folder(folder_arg)
    wanted = user or os.environ.get("BAHI_USER")
    remembered = recall_key(KeyFile.load(folder).company_id) if folder.is_dir() else None
    if remembered and (wanted is None or wanted == remembered[0]):
        return open_with_key(folder, remembered[1], remembered[0])
    username = wanted or "owner"
    password = secret("BAHI_PASSWORD", f"Password for {username}")
    return open_company(folder, username, password, totp_code or os.environ.get("BAHI_TOTP"))

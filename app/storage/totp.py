"""The TOTP second factor (RFC 6238 through pyotp) and its one-time recovery codes."""

from __future__ import annotations

import hashlib
import io
import json
import secrets

import pyotp
from sqlalchemy import Engine, select, update

from app.errors import AccessDenied
from app.storage.keyslots import KeyFile
from app.storage.tables import users

ISSUER = "Bahi"
RECOVERY_CODE_COUNT = 8


class SecondFactorRequired(AccessDenied):
    """The user has TOTP enrolled and gave no code."""


class WrongCode(AccessDenied):
    """The TOTP or recovery code did not match."""


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, company_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=f"{username}@{company_name}", issuer_name=ISSUER
    )


def qr_png(text: str) -> bytes:
    """A PNG QR code of the text, for the enrolment screen or a printout."""
    import qrcode  # drawing QR codes is rare; keep it off the start-up path

    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_text(text: str) -> str:
    """The QR code drawn with block characters, for a terminal."""
    import qrcode

    code = qrcode.QRCode(border=1)
    code.add_data(text)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def code_matches(secret: str, code: str) -> bool:
    # One step either side tolerates a phone clock up to 30 s off.
    return pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), valid_window=1)


def new_recovery_codes() -> tuple[str, ...]:
    return tuple(
        f"{secrets.token_hex(2)}-{secrets.token_hex(2)}".upper() for _ in range(RECOVERY_CODE_COUNT)
    )


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode("ascii", "ignore")).hexdigest()


def verify_second_factor(
    engine: Engine, key_file: KeyFile, username: str, code: str | None
) -> str | None:
    """Pass when the user has no TOTP, or the code is a current TOTP or an unused recovery code;
    returns which of the two it was (None without a second factor), for the audit log."""
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.totp_secret, users.c.totp_recovery_codes).where(
                users.c.username == username
            )
        ).one_or_none()
    if row is None or row.totp_secret is None:
        return None
    if not code:
        raise SecondFactorRequired(
            f"{username} uses a second factor: enter the 6-digit code from the authenticator app "
            "(or one of the recovery codes)."
        )
    if code_matches(row.totp_secret, code):
        return "totp"
    remaining = json.loads(row.totp_recovery_codes or "[]")
    if hash_code(code) in remaining:
        remaining.remove(hash_code(code))
        with engine.connect().execution_options(bahi_write=True) as conn, conn.begin():
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(totp_recovery_codes=json.dumps(remaining))
            )
        return "recovery code"
    key_file.record_failure(username, "wrong second-factor code")
    raise WrongCode("That code is not right. Use the current code from the authenticator app.")

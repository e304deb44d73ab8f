"""Encrypted backup and restore: one file, verified before anything is replaced.

A backup is a zip (stored, not compressed: the pages are encrypted already) holding a
consistent ``VACUUM INTO`` snapshot of the database, the key file and a manifest with
SHA-256 digests. Its pages stay encrypted with the company key, so it opens with the
passwords and recovery key that were valid when it was taken.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from app.config import APP_VERSION
from app.errors import Conflict, ValidationError
from app.storage import migrate
from app.storage.access import Permission, require
from app.storage.company import DB_FILE_NAME, Company, open_company
from app.storage.engine import snapshot_to
from app.storage.keyslots import KEY_FILE_NAME
from app.storage.settings import backup_schedule

BACKUP_SUFFIX = ".bahibak"
_MANIFEST = "manifest.json"
_FORMAT = 1


class BadBackup(ValidationError):
    """The file is not a Bahi backup, or it is damaged."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    company_name: str
    company_id: str
    created_at: str
    size: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(company: Company, target: Path) -> BackupInfo:
    """Write the backup file atomically; a failure leaves no partial file behind."""
    require(company.actor, Permission.BACKUP)
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        safe = "".join(ch if ch.isalnum() else "-" for ch in company.profile.name).strip("-")
        target = target / f"{safe or 'company'}-{stamp}{BACKUP_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:
        snapshot = Path(work) / DB_FILE_NAME
        snapshot_to(company.engine, snapshot)
        keys = Path(work) / KEY_FILE_NAME
        shutil.copy2(company.folder / KEY_FILE_NAME, keys)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        manifest = {
            "format": _FORMAT,
            "app_version": APP_VERSION,
            "schema": migrate.HEAD,
            "company_id": company.company_id,
            "company_name": company.profile.name,
            "created_at": created,
            "files": {DB_FILE_NAME: _sha256(snapshot), KEY_FILE_NAME: _sha256(keys)},
        }
        partial = Path(work) / "backup.partial"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_MANIFEST, json.dumps(manifest, indent=1))
            archive.write(keys, KEY_FILE_NAME)
            archive.write(snapshot, DB_FILE_NAME)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        partial.replace(target)
    with company.unit_of_work() as uow:
        uow.record("backup", "company", company.company_id, {"file": target.name})
        uow.commit()
    return BackupInfo(
        target, company.profile.name, company.company_id, created, target.stat().st_size
    )


def read_backup(path: Path, into: Path) -> BackupInfo:
    """Unpack into an empty folder and check every digest; raises BadBackup on any fault."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(_MANIFEST))
            if manifest.get("format") != _FORMAT:
                raise BadBackup(f"{path.name} is a backup format this Bahi does not know.")
            for name, digest in manifest["files"].items():
                if name not in (DB_FILE_NAME, KEY_FILE_NAME):
                    raise BadBackup(f"{path.name} holds an unexpected file {name!r}.")
                archive.extract(name, into)
                if _sha256(into / name) != digest:
                    raise BadBackup(
                        f"{path.name} is damaged ({name} does not match its checksum). "
                        "Use another backup."
                    )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadBackup(f"{path.name} is not a readable Bahi backup ({exc}).") from exc
    return BackupInfo(
        path,
        manifest["company_name"],
        manifest["company_id"],
        manifest["created_at"],
        path.stat().st_size,
    )


def restore_backup(
    path: Path, target: Path, username: str, password: str, *, replace: bool = False
) -> BackupInfo:
    """Restore into ``target`` after checking digests, the password and the database.

    An existing company is replaced only with ``replace=True``, and even then it is kept
    beside the restored one as ``<name>.replaced-<time>``, never deleted.
    """
    if target.exists() and any(target.iterdir()) and not replace:
        raise Conflict(
            f"{target} already holds a company. Restore into a new folder, or confirm that it "
            "may be replaced (its current files are kept beside it)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".restore-"))
    try:
        info = read_backup(path, staging)
        with open_company(staging, username, password) as restored, restored.reader() as conn:
            verdict = conn.execute(text("PRAGMA integrity_check")).scalar()
            if verdict != "ok":
                raise BadBackup(f"{path.name} holds a damaged database ({verdict}).")
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            target.rename(target.with_name(f"{target.name}.replaced-{stamp}"))
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


AUTOMATIC_PREFIX = "auto-"
_STAMP = "%Y%m%d-%H%M%S"


def automatic_backup(company: Company, now: datetime | None = None) -> BackupInfo | None:
    """The scheduled backup: made when the newest automatic one is older than the interval
    set in Settings, then only the newest ``keep`` automatic backups are kept. Backups made
    by hand are never pruned. Returns what was written, or None when none was due."""
    now = now or datetime.now(UTC)
    with company.reader() as conn:
        schedule = backup_schedule(conn)
    if schedule.every_hours == 0:
        return None
    folder = Path(schedule.folder).expanduser() if schedule.folder else company.folder / "backups"
    existing = sorted(folder.glob(f"{AUTOMATIC_PREFIX}*{BACKUP_SUFFIX}"))
    if existing and now - _made_at(existing[-1]) < timedelta(hours=schedule.every_hours):
        return None
    stamp = now.strftime(_STAMP)
    info = create_backup(company, folder / f"{AUTOMATIC_PREFIX}{stamp}{BACKUP_SUFFIX}")
    automatic = sorted(folder.glob(f"{AUTOMATIC_PREFIX}*{BACKUP_SUFFIX}"))
    for old in automatic[: max(0, len(automatic) - schedule.keep)]:
        old.unlink()
    return info


def _made_at(path: Path) -> datetime:
    """When an automatic backup was made, from its name (its file time as a fallback)."""
    try:
        stamp = path.name[len(AUTOMATIC_PREFIX) : -len(BACKUP_SUFFIX)]
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)

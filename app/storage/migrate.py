"""Schema versions through Alembic (DESIGN.md §5).

Opening a company compares its revision with ``HEAD``: equal is the fast path (no Alembic
import); older is migrated after a backup copy of the file; unknown means a newer Bahi
wrote it, and it is refused rather than damaged.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from app.errors import AppError
from app.storage.engine import snapshot_to

log = logging.getLogger(__name__)

HEAD = "0006"  # the newest revision in migrations/versions; a test keeps the two in step
KNOWN = ("0001", "0002", "0003", "0004", "0005", "0006")
MIGRATIONS = Path(__file__).with_name("migrations")


class CompanyTooNew(AppError):
    """The file was written by a newer version of Bahi."""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not exists:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to HEAD (a new database starts here too)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect().execution_options(bahi_write=True) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


def ensure_current(engine: Engine, folder: Path) -> None:
    revision = current_revision(engine)
    if revision == HEAD:
        return
    if revision not in KNOWN:
        raise CompanyTooNew(
            f"This company was saved by a newer version of Bahi (schema {revision}); this "
            f"version knows up to {HEAD}. Install the latest Bahi to open it."
        )
    backup = backup_before_migration(engine, folder, revision)
    log.info("migrating %s from %s to %s; backup at %s", folder, revision, HEAD, backup)
    upgrade(engine)


def backup_before_migration(engine: Engine, folder: Path, revision: str | None) -> Path:
    """A consistent, still-encrypted copy of the database beside it, before any change."""
    target_dir = folder / "backups"
    target_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = target_dir / f"before-migration-{revision}-{stamp}.bahi"
    snapshot_to(engine, target)
    shutil.copy2(folder / "keys.json", target.with_suffix(".keys.json"))
    return target

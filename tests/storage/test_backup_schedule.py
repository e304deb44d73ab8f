"""Automatic backups: made when due, only the newest N kept, hand-made ones never pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import AccessDenied, ValidationError
from app.storage.access import Role
from app.storage.backup import automatic_backup, create_backup, read_backup
from app.storage.settings import BackupSchedule, backup_schedule, set_backup_schedule
from app.storage.users import add_user
from tests.conftest import CompanyFactory


def test_automatic_backups_rotate(
    make_company: CompanyFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    company = make_company()
    folder = tmp_path_factory.mktemp("backups")
    with company.unit_of_work() as uow:
        set_backup_schedule(uow, BackupSchedule(every_hours=6, keep=3, folder=str(folder)))
        uow.commit()
    by_hand = create_backup(company, folder / "before-year-end.bahibak")

    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    made = []
    for hours in range(0, 48, 2):  # the program checks every two hours for two days
        info = automatic_backup(company, start + timedelta(hours=hours))
        if info is not None:
            made.append(info.path.name)
    assert len(made) == 8  # every 6 hours: at 0, 6, 12, ... 42
    kept = sorted(p.name for p in folder.glob("auto-*.bahibak"))
    assert kept == made[-3:]
    assert by_hand.path.exists()
    # A kept backup is whole: its digests check out.
    info = read_backup(folder / kept[-1], tmp_path_factory.mktemp("unpacked"))
    assert info.company_id == company.company_id


def test_schedule_is_checked_and_needs_the_backup_right(make_company: CompanyFactory) -> None:
    company = make_company()
    with company.reader() as conn:
        assert backup_schedule(conn) == BackupSchedule(24, 10, "")
    with company.unit_of_work() as uow, pytest.raises(ValidationError):
        set_backup_schedule(uow, BackupSchedule(24, 0, ""))
    add_user(company, "audit", Role.AUDITOR, "auditor-pass-1")
    with company.as_user("audit").unit_of_work() as uow, pytest.raises(AccessDenied):
        set_backup_schedule(uow, BackupSchedule(1, 3, ""))
    with company.unit_of_work() as uow:
        set_backup_schedule(uow, BackupSchedule(0, 3, ""))
        uow.commit()
    assert automatic_backup(company) is None  # switched off

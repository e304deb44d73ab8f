"""Shared fixtures: ``make_company`` gives each test its own open company with the default chart.

Creating a company costs about half a second (Argon2id plus the schema), so each profile is
created once per session with ``create_books`` and every test gets a copy of that folder,
opened with the database key (no password stretching). Copies made from the same profile
share the database key, the company id and the recovery key; pass ``fresh=True`` for a
company of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.ledger.service import create_books
from app.storage.company import Company, CompanyProfile, open_with_key

OWNER_PASSWORD = "owner-secret-1"

DEFAULT_PROFILE: dict[str, Any] = {
    "name": "Sharma Test Traders",
    "state_code": "27",
    "books_begin": date(2025, 4, 1),
}


class _Template:
    def __init__(self, folder: Path, key: bytes, recovery_key: str) -> None:
        self.folder = folder
        self.key = key
        self.recovery_key = recovery_key


@pytest.fixture(scope="session")
def _company_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[CompanyProfile, Any]:
    return {}


class CompanyFactory:
    """``make_company(**profile)``: an open company owned by ``owner`` (password
    ``OWNER_PASSWORD``); ``recovery_keys[company.folder]`` is its recovery key."""

    password = OWNER_PASSWORD

    def __init__(
        self,
        tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        templates: dict[CompanyProfile, _Template],
    ) -> None:
        self._tmp_path = tmp_path
        self._tmp_path_factory = tmp_path_factory
        self._templates = templates
        self._made: list[Company] = []
        self.recovery_keys: dict[Path, str] = {}

    def _next_folder(self) -> Path:
        return self._tmp_path / f"company-{len(self._made) + 1}"

    def __call__(self, *, fresh: bool = False, **overrides: Any) -> Company:
        profile = CompanyProfile(**{**DEFAULT_PROFILE, **overrides})
        folder = self._next_folder()
        if fresh:
            company, recovery_key = create_books(folder, profile, OWNER_PASSWORD)
        else:
            template = self._templates.get(profile)
            if template is None:
                template_folder = self._tmp_path_factory.mktemp("template") / "company"
                made, recovery_key = create_books(template_folder, profile, OWNER_PASSWORD)
                key = made.database_key
                made.close()  # the last connection checkpoints the WAL into the file
                template = _Template(template_folder, key, recovery_key)
                self._templates[profile] = template
            shutil.copytree(template.folder, folder)
            company = open_with_key(folder, template.key, "owner")
            recovery_key = template.recovery_key
        self._made.append(company)
        self.recovery_keys[company.folder] = recovery_key
        return company

    def close_all(self) -> None:
        for company in self._made:
            company.close()


@pytest.fixture
def make_company(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    _company_templates: dict[CompanyProfile, _Template],
) -> Iterator[CompanyFactory]:
    factory = CompanyFactory(tmp_path, tmp_path_factory, _company_templates)
    yield factory
    factory.close_all()


@pytest.fixture
def company(make_company: CompanyFactory) -> Company:
    """One company with the default profile (books begin 1 April 2025)."""
    return make_company()

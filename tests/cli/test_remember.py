"""'Unlock automatically on this computer' through the keyring API, and its fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.cli.main import main


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in for one test process: the keyring API itself is real."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", "remember-pass-1")
    folder = tmp_path / "shop"
    assert main(["company", "create", str(folder), "--name", "Keyring Shop", "--state", "27"]) == 0
    return folder


def test_remembered_key_opens_without_password(
    shop: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["company", "remember", "--company", str(shop)]) == 0
    (entry,) = memory_keyring.store.values()
    assert "remember-pass-1" not in entry  # the key is kept, never the password
    monkeypatch.setenv("BAHI_PASSWORD", "wrong-password")
    capsys.readouterr()
    assert main(["company", "info", "--company", str(shop), "--json"]) == 0
    assert '"user": "owner"' in capsys.readouterr().out
    assert main(["company", "forget", "--company", str(shop)]) == 0
    assert main(["company", "info", "--company", str(shop)]) == 1
    assert "Wrong password" in capsys.readouterr().err


def test_no_keyring_says_so_and_keeps_asking(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        capsys.readouterr()
        assert main(["company", "remember", "--company", str(shop)]) == 1
        assert "no system keyring" in capsys.readouterr().err
        assert main(["company", "info", "--company", str(shop)]) == 0  # password still works
    finally:
        keyring.set_keyring(previous)

"""The .deb end to end: build it with installer/build.sh, unpack it with dpkg -x into a scratch
root, and run the installed ``bahi --self-test`` from there (no venv, no checkout).

One build (several minutes on two cores) serves every test in this module.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.storage.backup import BACKUP_SUFFIX

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
MAX_DEB_MB = 250  # the goal, without models
SELF_TEST = re.compile(r"^ok    (\S+) +\d+ ms$")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian/Ubuntu)"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(the .deb, the scratch root it was unpacked into, the build's output)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        ["installer/build.sh", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    (deb,) = out.glob("bahi_*.deb")
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return deb, root, done.stdout + done.stderr


def installed_env(home: Path) -> dict[str, str]:
    """What a user's session would have: none of the dev venv or the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "BAHI_", "LD_"))
    }
    env.update(BAHI_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


@pytest.mark.timeout(1800)
def test_installed_self_test_passes_every_check(
    built: tuple[Path, Path, str], tmp_path: Path
) -> None:
    _deb, root, _log = built
    program = root / "opt" / "bahi" / "bahi"
    done = subprocess.run(
        [str(program), "--self-test"],
        cwd=tmp_path,
        env=installed_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    names = [m.group(1) for m in map(SELF_TEST.match, lines) if m]
    assert len(names) == len(lines), lines
    assert names == ["company", "voucher", "invoice-pdf", "ocr", "assistant", "chooser", "gui"]
    assert "Traceback" not in done.stderr


@pytest.mark.timeout(1800)
def test_package_metadata(built: tuple[Path, Path, str]) -> None:
    deb, _root, _log = built
    info = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(
        (line.split(":", 1)[0], line.split(":", 1)[1].strip())
        for line in info.splitlines()
        if ":" in line and not line.startswith(" ")
    )
    assert fields["Package"] == "bahi"
    assert fields["Version"] == VERSION
    depends = [d.strip().split(" ")[0] for d in fields["Depends"].split(",")]
    for needed in ("tesseract-ocr", "tesseract-ocr-eng", "libc6", "libegl1", "libfontconfig1"):
        assert needed in depends
    assert len(depends) == len(set(depends))
    assert int(fields["Installed-Size"]) > 50_000  # KiB: the bundle is in it
    # dpkg-deb -I reads the whole control archive: it must parse
    subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, check=True)
    assert deb.stat().st_size < MAX_DEB_MB * 1024 * 1024


@pytest.mark.timeout(1800)
def test_files_on_the_system(built: tuple[Path, Path, str]) -> None:
    deb, root, _log = built
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "root/root" in listing  # owned by root, whoever built it
    assert os.readlink(root / "usr" / "bin" / "bahi") == "/opt/bahi/bahi"
    assert (root / "usr/share/icons/hicolor/256x256/apps/bahi.png").stat().st_size > 1000
    mime = (root / "usr/share/mime/packages/bahi.xml").read_text("utf-8")
    assert f'glob pattern="*{BACKUP_SUFFIX}"' in mime
    assert os.access(root / "opt" / "bahi" / "bahi", os.X_OK)


@pytest.mark.timeout(1800)
def test_desktop_entry(built: tuple[Path, Path, str]) -> None:
    _deb, root, _log = built
    desktop = root / "usr" / "share" / "applications" / "bahi.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator:
        done = subprocess.run(
            [validator, str(desktop)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "Bahi"
    assert section["Icon"] == "bahi"
    assert section["Terminal"] == "false"
    program = section["Exec"].split()[0]
    assert (root / program.lstrip("/")).exists(), program
    assert "Office" in section["Categories"].split(";")


@pytest.mark.timeout(1800)
def test_every_bundled_library_resolves(built: tuple[Path, Path, str]) -> None:
    """ldd over every ELF file: nothing missing except what the package declares by name."""
    _deb, root, _log = built
    done = subprocess.run(
        ["python3", str(ROOT / "installer/linux/depends.py"), str(root / "opt" / "bahi")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    dangling = [p for p in (root / "opt" / "bahi").rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling

"""``bahi --self-test`` run as a user would: a fresh process of the dev venv's ``bahi``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.selftest import CHECKS, select_checks

LINE = re.compile(r"^(ok    (?P<name>\S+) +(?P<ms>\d+) ms|FAIL  (?P<failed>\S+): (?P<reason>.+))$")


def self_test(
    tmp_path: Path, *checks: str, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, BAHI_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "app", "--self-test", *checks],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def parsed(stdout: str) -> list[re.Match[str]]:
    lines = stdout.splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), f"lines not in the self-test format: {lines}"
    return [m for m in matches if m is not None]


@pytest.mark.slow
def test_every_check_passes_in_the_dev_environment(tmp_path: Path) -> None:
    done = self_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = parsed(done.stdout)
    assert [m["name"] for m in lines] == [check.name for check in CHECKS]
    assert "Traceback" not in done.stderr
    # the checks ran in a scratch folder: the user's data folder holds only the log
    assert {p.name for p in (tmp_path / "home").iterdir()} <= {"logs"}


def test_missing_tesseract_is_one_clear_failure_line(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    done = self_test(tmp_path, "ocr", path=str(empty))
    assert done.returncode == 1
    (line,) = parsed(done.stdout)
    assert line["failed"] == "ocr"
    assert "tesseract is not installed" in line["reason"]
    assert "tesseract-ocr tesseract-ocr-eng" in line["reason"]
    assert "Traceback" not in done.stdout + done.stderr


def test_unknown_check_is_refused(tmp_path: Path) -> None:
    done = self_test(tmp_path, "spreadsheet")
    assert done.returncode == 2
    assert "unknown check spreadsheet" in done.stderr


def test_checks_that_need_the_company_bring_it_along() -> None:
    assert [c.name for c in select_checks(["invoice-pdf"])] == ["company", "invoice-pdf"]
    assert [c.name for c in select_checks(["ocr", "gui"])] == ["ocr", "gui"]
    assert select_checks([]) == CHECKS


def test_help_names_the_checks(tmp_path: Path) -> None:
    done = self_test(tmp_path, "--help")
    assert done.returncode == 0
    for check in CHECKS:
        assert check.name in done.stdout

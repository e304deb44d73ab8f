"""`bahi` alone and `bahi gui` start the desktop program; other words go to the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app import launch
from app.ui.shell import SCREENS


def test_launcher_routes_to_the_window_or_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[tuple[Path | None, bool, Path | None]] = []
    import app.ui.app

    def routed(
        argv: object,
        folder: Path | None,
        *,
        demo: bool,
        screenshots: Path | None,
        backup: Path | None = None,
    ) -> int:
        opened.append((folder, demo, screenshots))
        return 0

    monkeypatch.setattr(app.ui.app, "run_gui", routed)
    assert launch.main([]) == 0
    assert launch.main(["gui", "--company", "/tmp/shop"]) == 0
    assert launch.main(["gui", "--demo"]) == 0
    assert launch.main(["gui", "--screenshot", "/tmp/shots"]) == 0
    assert opened == [
        (None, False, None),
        (Path("/tmp/shop"), False, None),
        (None, True, None),
        (None, False, Path("/tmp/shots")),
    ]
    with pytest.raises(SystemExit) as done:
        launch.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("bahi ")


def test_screenshot_mode_renders_every_main_screen(tmp_path: Path) -> None:
    """The real program, in its own process, on the demo company it builds itself."""
    shots = tmp_path / "shots"
    env = {**os.environ, "BAHI_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "gui", "--screenshot", str(shots)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    files = sorted(shots.glob("*.png"))
    assert [Path(line).name for line in done.stdout.split()] == [f.name for f in files]
    names = {f.stem.split("-", 1)[1] for f in files}
    assert {s.lower() for s in SCREENS} <= names
    assert {"company-chooser", "trial-balance", "profit-and-loss", "balance-sheet"} <= names
    for file in files:
        image = QImage(str(file))
        assert image.width() >= 700 and image.height() >= 450, file.name
        # Not a blank grab: a real screen has many distinct colours.
        sample = {
            image.pixel(x, y)
            for x in range(0, image.width(), 37)
            for y in range(0, image.height(), 23)
        }
        assert len(sample) > 5, file.name

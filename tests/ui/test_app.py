"""`bahi` alone and `bahi gui` start the desktop program; other words go to the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import launch


def test_launcher_routes_to_the_window_or_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[tuple[Path | None, bool]] = []
    import app.ui.app

    def fake_run_gui(argv: object, folder: Path | None, *, demo: bool) -> int:
        opened.append((folder, demo))
        return 0

    monkeypatch.setattr(app.ui.app, "run_gui", fake_run_gui)
    assert launch.main([]) == 0
    assert launch.main(["gui", "--company", "/tmp/shop"]) == 0
    assert launch.main(["gui", "--demo"]) == 0
    assert opened == [(None, False), (Path("/tmp/shop"), False), (None, True)]
    with pytest.raises(SystemExit) as done:
        launch.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("bahi ")

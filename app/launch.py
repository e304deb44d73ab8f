"""The ``bahi`` entry point: the desktop program, or a command-line command.

``bahi`` alone (or ``bahi gui [--company DIR]``) opens the window, ``bahi gui FILE.bahibak``
(a double-clicked backup) opens it at the restore of that backup; ``bahi --self-test``
checks the installation (``app.selftest``); anything else is a command for ``app.cli``.
Deciding here keeps the desktop program and the command line independent of each other, and
keeps Qt's start-up off every command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--self-test":
        # Above both the GUI and the CLI: it checks each of them (app/selftest.py).
        from app.selftest import main as self_test

        return self_test(args[1:])
    if not args or args[0] == "gui":
        parser = argparse.ArgumentParser(prog="bahi gui", description="Open the desktop program.")
        parser.add_argument(
            "file",
            nargs="?",
            metavar="FILE",
            help="a backup (.bahibak) to restore, or a company folder to open",
        )
        parser.add_argument("--company", metavar="DIR", help="company folder to open")
        parser.add_argument("--demo", action="store_true", help="open the demo company")
        parser.add_argument(
            "--screenshot",
            metavar="DIR",
            help="save every main screen of the demo company as PNG files in DIR and exit",
        )
        options = parser.parse_args(args[1:])
        folder = Path(options.company).expanduser() if options.company else None
        shots = Path(options.screenshot).expanduser() if options.screenshot else None
        backup = None
        if options.file is not None:
            given = Path(options.file).expanduser()
            if folder is not None:
                parser.error("give either FILE or --company, not both")
            if given.is_dir():
                folder = given
            elif given.is_file():
                backup = given  # restore checks it is one, and says so if not
            else:
                parser.error(f"there is no file or folder {given}")
        from app.ui.app import run_gui

        return run_gui(sys.argv[:1], folder, demo=options.demo, screenshots=shots, backup=backup)
    from app.cli.main import main as run_command

    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())

"""Installer benchmark: build time, bundle and .deb sizes, and the installed app's cold start.

Figures (DESIGN.md §9, one JSON line each on stdout, a human line on stderr):

    build_s           installer/build.sh from PyInstaller to .deb (only with --build)
    bundle_mb         the one-folder bundle (dist/bahi), unpacked
    deb_mb            the .deb file                                        goal < 250 (no models)
    installed_mb      the package's Installed-Size
    cold_start_s      the installed program from exec to the company chooser shown (a fresh
                      process each run: `bahi --self-test chooser` from a dpkg -x root,
                      timed until its "ok chooser" line)                     goal < 2
    first_start_s     the first of those runs, right after unpacking

Usage:
    .venv/bin/python bench/installer.py --build          # build afresh into bench/out/installer
    .venv/bin/python bench/installer.py --deb dist/bahi_0.1.0_amd64.deb   # measure a built one
    .venv/bin/python bench/installer.py --quick          # 3 start runs instead of 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

import figures

BENCH = "installer"
emit = partial(figures.emit, BENCH)
ROOT = Path(__file__).resolve().parent.parent


def folder_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def build(out: Path) -> float:
    began = time.perf_counter()
    subprocess.run(["installer/build.sh", "--out", str(out)], cwd=ROOT, check=True)
    return time.perf_counter() - began


def start_once(program: Path, home: Path) -> float:
    """Seconds from starting the process to its "ok chooser" line (the chooser was shown)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(BAHI_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    began = time.perf_counter()
    with subprocess.Popen(
        [str(program), "--self-test", "chooser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        shown = time.perf_counter() - began
        proc.wait()
    if not line.startswith("ok    chooser"):
        raise RuntimeError(f"the installed self-test said: {line!r}")
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="run installer/build.sh first")
    parser.add_argument("--deb", type=Path, help="a built .deb (default: the newest in dist/)")
    parser.add_argument("--quick", action="store_true", help="3 start runs instead of 9")
    args = parser.parse_args()
    runs = 3 if args.quick else 9

    if args.build:
        out = ROOT / "bench" / "out" / "installer"
        out.mkdir(parents=True, exist_ok=True)
        seconds = build(out)
        emit("build_s", seconds, "s", None, "lower", 1, 1, "build (bundle and .deb)")
        deb = max(out.glob("bahi_*.deb"), key=lambda p: p.stat().st_mtime)
    else:
        found = [args.deb] if args.deb else sorted((ROOT / "dist").glob("bahi_*.deb"))
        if not found:
            parser.error("no .deb in dist/: pass --deb or --build")
        deb = found[-1]
    bundle = deb.parent / "bahi"
    if bundle.is_dir():
        emit("bundle_mb", folder_mb(bundle), "MB", None, "lower", 1, 1, "bundle unpacked")
    emit("deb_mb", deb.stat().st_size / 1e6, "MB", 250, "lower", 1, 1, ".deb file", file=deb.name)
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Installed-Size"], capture_output=True, text=True, check=True
    )
    emit("installed_mb", int(fields.stdout) / 1024, "MB", None, "lower", 1, 1, "installed size")

    with tempfile.TemporaryDirectory(prefix="bahi-bench-") as scratch:
        root = Path(scratch) / "root"
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        program = root / "opt" / "bahi" / "bahi"
        times = [start_once(program, Path(scratch) / f"home-{n}") for n in range(runs + 1)]
    load = os.getloadavg()[0]
    emit(
        "first_start_s",
        times[0],
        "s",
        None,
        "lower",
        1,
        1,
        "first start after unpacking",
        load=round(load, 2),
    )
    emit(
        "cold_start_s",
        statistics.median(times[1:]),
        "s",
        2,
        "lower",
        1,
        runs,
        "installed start to the company chooser (median)",
        min_s=round(min(times[1:]), 3),
        load=round(load, 2),
    )


if __name__ == "__main__":
    main()

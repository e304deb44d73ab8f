"""The Debian packages a frozen bundle needs from the system, found much as dpkg-shlibdeps
finds them: each ELF file's direct NEEDED libraries (objdump) that ldd resolves outside the
bundle, mapped to their packages with dpkg -S, and libc6 at the newest GLIBC_x.y symbol
version any file references.

    python3 installer/linux/depends.py dist/bahi    # prints "libc6 (>= 2.35), libegl1, ..."

A library that resolves nowhere is an error (the bundle would fail on every machine), unless
it is one of KNOWN_PACKAGES, which are then declared by name. Exit status 1 on errors.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ELF_MAGIC = b"\x7fELF"

# Libraries Qt's plugins open that a build machine without a desktop may lack: declared by
# name (a plugin whose library is missing is skipped by Qt, the program still starts).
KNOWN_PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libcups.so.2": "libcups2",
}


@dataclass
class Scan:
    system: dict[str, set[str]] = field(default_factory=dict)  # system path -> bundle files
    missing: dict[str, set[str]] = field(default_factory=dict)  # library name -> bundle files
    glibc: tuple[int, int] = (2, 17)


def elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as stream:
                if stream.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def library_dirs(files: list[Path]) -> list[str]:
    """Folders of the bundle's own libraries: the bootloader puts them on the search path."""
    return sorted({str(f.parent) for f in files if ".so" in f.name})


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False).stdout


def scan(files: list[Path], dirs: list[str]) -> Scan:
    env = dict(os.environ, LD_LIBRARY_PATH=os.pathsep.join(dirs))
    found = Scan()
    for path in files:
        dump = _run("objdump", "-p", "-T", str(path))
        needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", dump, re.M))
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", dump):
            found.glibc = max(found.glibc, (int(major), int(minor)))
        for line in _run("ldd", str(path), env=env).splitlines():
            name, arrow, target = line.strip().partition("=>")
            name, target = name.strip(), target.strip()
            if not arrow or name not in needed:
                continue  # ldd lists the whole tree; a file answers for its direct needs
            if target.startswith("not found"):
                found.missing.setdefault(name, set()).add(str(path))
                continue
            lib = target.split(" (", 1)[0].strip()
            if lib and not any(lib.startswith(d + "/") for d in dirs):
                found.system.setdefault(lib, set()).add(str(path))
    return found


def _candidates(lib: str) -> list[str]:
    """The path as ldd says it and its merged-/usr twin: dpkg records only one of them."""
    real = os.path.realpath(lib)
    paths = [lib, real]
    for path in (lib, real):
        if path.startswith("/usr/lib/"):
            paths.append(path[len("/usr") :])
        elif path.startswith("/lib/"):
            paths.append("/usr" + path)
    return list(dict.fromkeys(paths))


def owners(libs: list[str]) -> dict[str, str]:
    """Library path -> package, from one dpkg -S call (it reads its database once)."""
    wanted = {candidate: lib for lib in libs for candidate in _candidates(lib)}
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for line in _run("dpkg", "-S", *wanted).splitlines():
        packages, _, path = line.partition(": ")
        lib = wanted.get(path.strip())
        if lib is not None and lib not in found:
            found[lib] = packages.split(",")[0].split(":")[0].strip()
    return found


def depends(bundle: Path) -> tuple[list[str], dict[str, set[str]], list[str]]:
    """(packages, missing libraries, system libraries no package owns)."""
    files = elf_files(bundle)
    found = scan(files, library_dirs(files))
    owned = owners(sorted(found.system))
    packages = set(owned.values())
    unowned = [lib for lib in sorted(found.system) if lib not in owned]
    missing = dict(found.missing)
    for name in [name for name in missing if name in KNOWN_PACKAGES]:
        packages.add(KNOWN_PACKAGES[name])
        del missing[name]
    floor = "{}.{}".format(*found.glibc)
    result = [f"libc6 (>= {floor})" if p == "libc6" else p for p in sorted(packages)]
    return result, missing, unowned


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("bundle", type=Path)
    args = parser.parse_args()
    packages, missing, unowned = depends(args.bundle)
    for name, users in sorted(missing.items()):
        shown = ", ".join(sorted(os.path.relpath(u, args.bundle) for u in users)[:3])
        print(f"missing library {name} (needed by {shown})", file=sys.stderr)
    for lib in unowned:
        print(f"no package owns {lib}; it is not declared", file=sys.stderr)
    print(", ".join(packages))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

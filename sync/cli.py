"""``bahi-sync``: the sync service's command line (the service itself lands with the sync
work; until then this reports its version and what it will serve)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

VERSION = "0.1.0"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bahi-sync",
        description="Bahi sync service: relays end-to-end encrypted changes between a shop's "
        "devices through PostgreSQL. No sub-commands are available in this version.",
    )
    parser.add_argument("--version", action="version", version=f"bahi-sync {VERSION}")
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())

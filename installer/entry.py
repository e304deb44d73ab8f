"""The frozen bundle's entry point: the same as the ``bahi`` command (app.launch)."""

import sys

from app.launch import main

if __name__ == "__main__":
    sys.exit(main())

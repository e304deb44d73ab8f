"""``python -m app``: the same as the ``bahi`` command."""

import sys

from app.launch import main

sys.exit(main())

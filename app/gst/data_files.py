"""Where the GST package finds its data files (state master, rate schedule).

The files live in ``resources/gst/``; ``app.config.resources_dir`` knows where that is.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from app import config


def resources_dir() -> Path:
    """The ``resources/gst`` folder (located by app.config, checkout or frozen bundle)."""
    return config.resources_dir() / "gst"


def load_json(name: str) -> Any:
    """Parse one JSON data file; numbers with a point come back as Decimal, never float."""
    text = (resources_dir() / name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)

"""Shared loaders for the GST reference data (copied from the project's reference notes)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def load_cases() -> list[dict[str, Any]]:
    """gst-cases.json with every number as an exact Decimal parsed from its literal text."""
    text = (DATA / "gst-cases.json").read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    return cases


def load_vectors() -> list[dict[str, str]]:
    """gstin-vectors.tsv rows: gstin, label (valid / invalid / special), source, reason."""
    with (DATA / "gstin-vectors.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))

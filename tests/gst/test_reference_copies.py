"""The copies under tests/gst/data must match the project's reference notes when those exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gst.reference_data import DATA

SHARED = Path("/work/shared/reference")


@pytest.mark.parametrize(
    "name",
    [
        "gst-cases.json",
        "gstin-vectors.tsv",
        "gstr1-samples/india-compliance-gstr1-gov-sections.json",
    ],
)
def test_copy_matches_shared_reference(name: str) -> None:
    original = SHARED / name
    if not original.exists():
        pytest.skip("shared reference notes are not on this machine")
    assert (DATA / Path(name).name).read_bytes() == original.read_bytes()

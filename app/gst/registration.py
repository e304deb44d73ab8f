"""A business's own registration: its state and, when registered, its GSTIN must agree."""

from __future__ import annotations

from app.errors import ValidationError
from app.gst.gstin import parse_gstin


def registered_gstin(state_code: str, gstin_text: str | None) -> str | None:
    """The normalised GSTIN (None when unregistered); refused when its state differs."""
    if not gstin_text or not gstin_text.strip():
        return None
    parsed = parse_gstin(gstin_text)
    if parsed.state_code != state_code:
        raise ValidationError(
            f"GSTIN {parsed.value} is registered in state {parsed.state_code}, not {state_code}. "
            "Check the state or the GSTIN."
        )
    return parsed.value

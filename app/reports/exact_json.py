"""JSON text whose amounts are exact decimal numbers, for files the GST portal reads.

``json`` would turn a Decimal into a binary float (or refuse it). Here each Decimal leaves
``json.dumps`` as a string wrapped in NUL and SOH, which json escapes as \\u0000 and \\u0001,
and two replaces turn it into a bare number. No text may hold those control characters
(checked, not assumed), so nothing else can be unwrapped by mistake.
"""

from __future__ import annotations

import json
from decimal import Decimal

from app.errors import ValidationError

_OPEN, _CLOSE = "\x00", "\x01"
_OPEN_JSON, _CLOSE_JSON = '"\\u0000', '\\u0001"'


def _mark(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        if not value and value.is_signed():
            value = value.copy_abs()  # never "-0.00"
        return f"{_OPEN}{value:f}{_CLOSE}"
    raise TypeError(f"A GST file cannot hold {type(value).__name__} {value!r}")


def exact_json(data: object, *, indent: int | None = None) -> str:
    marked = json.dumps(data, default=_mark, indent=indent)
    opened = marked.count(_OPEN_JSON)
    if opened != marked.count("\\u0000") or opened != marked.count("\\u0001"):
        raise ValidationError(
            "A number or name in the file holds a control character; correct the document "
            "text (numbers, GSTINs, HSN codes) and export again."
        )
    return marked.replace(_OPEN_JSON, "").replace(_CLOSE_JSON, "")

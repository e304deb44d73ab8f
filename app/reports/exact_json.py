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
    # A month's return holds 280,000 Decimals but only some 30,000 distinct objects (its
    # builder reuses one per stored value), so each object is written out once. Keyed by
    # id(): every object ``default`` sees is held by ``data`` until dumps returns.
    marks: dict[int, str] = {}
    seen = marks.get

    def mark(value: object) -> str:
        found = seen(id(value))
        if found is None:
            found = marks[id(value)] = _mark(value)
        return found

    marked = json.dumps(data, default=mark, indent=indent)
    opened = marked.count(_OPEN_JSON)
    if opened != marked.count("\\u0000") or opened != marked.count("\\u0001"):
        raise ValidationError(
            "A number or name in the file holds a control character; correct the document "
            "text (numbers, GSTINs, HSN codes) and export again."
        )
    return marked.replace(_OPEN_JSON, "").replace(_CLOSE_JSON, "")

"""How every benchmark reports a figure (DESIGN.md §9): a human line on stderr and one JSON
line on stdout. Scripts bind their own name: ``emit = partial(figures.emit, "ledger")``."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(
    bench: str,
    figure: str,
    value: float | None,
    unit: str,
    goal: float | None,
    better: str,
    n: int,
    runs: int,
    human: str,
    **extra: Any,
) -> None:
    shown = "n/a" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")
    goal_text = "" if goal is None else f" (goal {'<=' if better == 'lower' else '>='} {goal})"
    note = f" [{extra['note']}]" if extra.get("note") else ""
    print(f"{human}: {shown} {unit}{goal_text}, n={n:,}, runs={runs}{note}", file=sys.stderr)
    record: dict[str, Any] = {
        "bench": bench,
        "figure": figure,
        "value": None if value is None else round(value, 3),
        "unit": unit,
        "goal": goal,
        "better": better,
        "n": n,
        "runs": runs,
    }
    record.update(extra)
    print(json.dumps(record), flush=True)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)

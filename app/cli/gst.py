"""bahi gst compute | gstin."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli.output import print_json
from app.errors import ValidationError
from app.gst import check_gstin
from app.gst.cases import compute_case


def compute(args: argparse.Namespace) -> int:
    try:
        case = json.loads(sys.stdin.read())
    except json.JSONDecodeError as exc:
        raise ValidationError(f"The case on standard input is not valid JSON: {exc}.") from None
    print_json(compute_case(case))
    return 0


def gstin(args: argparse.Namespace) -> int:
    verdicts = [check_gstin(text) for text in args.gstins]
    print_json(
        [
            {
                "input": text,
                "gstin": v.text,
                "valid": v.valid,
                "kind": str(v.kind) if v.kind else None,
                "state_code": v.state_code,
                "pan": v.pan,
                "problem": v.problem,
            }
            for text, v in zip(args.gstins, verdicts, strict=True)
        ]
    )
    return 0 if all(v.valid for v in verdicts) else 1

"""GSTIN validation (gst.md §1): normalise, check format, state code and check character.

A regular taxpayer's GSTIN is the app's default rule (gst.md §1.1, "recommended app rule").
Special-category IDs (UIN, TDS, TCS, non-resident, OIDAR, government department; gst.md §1.3)
carry the same check character but are recognised as their own kind, never as regular GSTINs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.errors import ValidationError
from app.gst.states import is_gstin_state_code

GSTIN_LENGTH = 15
_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # value of a character = its index
_STRIP = re.compile(r"[\s\-]+")

# gst.md §1.1 recommended rule for a regular taxpayer: 14th character is always Z.
_REGULAR = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")


class GstinKind(StrEnum):
    """What a 15-character GST identifier belongs to."""

    REGULAR = "regular"
    TCS = "tcs"  # e-commerce operator collecting tax at source (14th char C)
    TDS = "tds"  # tax deductor, TAN-based (14th char D)
    UIN = "uin"  # UN bodies, embassies
    NON_RESIDENT = "non_resident"  # non-resident taxable person (NR)
    OIDAR = "oidar"  # overseas online information/database access provider (OS)
    GOVT_DEPARTMENT = "govt_department"

    @property
    def label(self) -> str:
        """How the kind reads in a message."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    GstinKind.REGULAR: "regular GSTIN",
    GstinKind.TCS: "TCS (e-commerce operator) registration",
    GstinKind.TDS: "TDS deductor registration",
    GstinKind.UIN: "UIN (UN body or embassy)",
    GstinKind.NON_RESIDENT: "non-resident taxable person registration",
    GstinKind.OIDAR: "OIDAR (overseas online service) registration",
    GstinKind.GOVT_DEPARTMENT: "government department ID",
}


# india-compliance regexes quoted in gst.md §1.1/§1.3; checked in this order.
_SPECIAL_PATTERNS: tuple[tuple[GstinKind, re.Pattern[str]], ...] = (
    (GstinKind.UIN, re.compile(r"^[0-9]{4}[A-Z]{3}[0-9]{5}[UO]N[A-Z0-9]$")),
    (GstinKind.OIDAR, re.compile(r"^99[0-9]{2}[A-Z]{3}[0-9]{5}OS[0-9A-Z]$")),
    (GstinKind.NON_RESIDENT, re.compile(r"^[0-9]{4}[A-Z]{3}[0-9]{5}NR[0-9A-Z]$")),
    (GstinKind.TDS, re.compile(r"^[0-9]{2}[A-Z]{4}[A-Z0-9][0-9]{4}[A-Z][1-9A-Z]D[0-9A-Z]$")),
    (GstinKind.TCS, re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]C[0-9A-Z]$")),
    (GstinKind.GOVT_DEPARTMENT, re.compile(r"^[0-9]{2}[A-Z]{4}[0-9]{5}[A-Z][0-9]Z[0-9]$")),
)
# Kinds whose characters 3-12 are the holder's PAN.
_PAN_KINDS = frozenset({GstinKind.REGULAR, GstinKind.TCS})


class InvalidGstin(ValidationError):
    """A GSTIN that fails the format, state code or check-character rule."""


@dataclass(frozen=True)
class GstinCheck:
    """The verdict on one piece of text offered as a GSTIN.

    ``valid`` means well-formed with a correct check character for its ``kind``; a valid
    special-category ID is still not a regular GSTIN (see ``is_regular``).
    """

    text: str  # normalised: no spaces or hyphens, upper case
    valid: bool
    kind: GstinKind | None = None  # None when the format matches no kind
    state_code: str | None = None
    pan: str | None = None
    problem: str | None = None  # what is wrong, for the user; None when valid

    @property
    def is_regular(self) -> bool:
        """True for a valid regular taxpayer's GSTIN (the default for a party)."""
        return self.valid and self.kind is GstinKind.REGULAR


@dataclass(frozen=True)
class Gstin:
    """A validated GSTIN (or special-category ID when explicitly allowed)."""

    value: str
    kind: GstinKind
    state_code: str
    pan: str | None

    def __str__(self) -> str:
        return self.value


def normalise_gstin(text: str) -> str:
    """Strip spaces and hyphens and upper-case: ' 27aapfu-0939f1zv ' -> '27AAPFU0939F1ZV'."""
    return _STRIP.sub("", text).upper()


def check_character(first14: str) -> str:
    """The Luhn mod-36 check character for the first 14 characters (gst.md §1.2)."""
    if len(first14) != GSTIN_LENGTH - 1 or any(ch not in _CHARS for ch in first14):
        raise ValueError(f"need 14 characters from 0-9 and A-Z, got {first14!r}")
    total = 0
    for index, ch in enumerate(first14):
        product = _CHARS.index(ch) * (1 if index % 2 == 0 else 2)
        total += product // 36 + product % 36  # digit sum in base 36
    return _CHARS[(36 - total % 36) % 36]


def _regular_format_problem(text: str) -> str:
    """Name the first position that breaks the regular-GSTIN pattern."""
    if not text[:2].isdigit():
        return "the first two characters must be the digits of a state code"
    if not _PAN.match(text[2:12]):
        return "characters 3 to 12 must be a PAN: five letters, four digits, one letter"
    if text[12] == "0":
        return "the 13th character (entity number) must be 1-9 or A-Z, not 0"
    if text[13] != "Z":
        return f"the 14th character must be Z for a regular GSTIN, not {text[13]}"
    return "it does not have the GSTIN format"  # pragma: no cover - the checks above are exhaustive


def _shape_problem(value: str) -> str | None:
    """Length and alphabet, before any pattern is tried."""
    if not value:
        return "the GSTIN is empty"
    if len(value) != GSTIN_LENGTH:
        return f"a GSTIN has 15 characters, this one has {len(value)}"
    if any(ch not in _CHARS for ch in value):
        return "a GSTIN has only the letters A-Z and digits 0-9"
    return None


def check_gstin(text: str) -> GstinCheck:
    """Validate ``text`` as a GSTIN and say what kind it is and what, if anything, is wrong."""
    value = normalise_gstin(text)
    shape_problem = _shape_problem(value)
    if shape_problem is not None:
        return GstinCheck(value, valid=False, problem=shape_problem)

    kind = GstinKind.REGULAR if _REGULAR.match(value) else None
    if kind is None:
        kind = next((k for k, pattern in _SPECIAL_PATTERNS if pattern.match(value)), None)
    if kind is None:
        return GstinCheck(value, valid=False, problem=_regular_format_problem(value))

    state_code = value[:2]
    pan = value[2:12] if kind in _PAN_KINDS else None
    if not is_gstin_state_code(state_code):
        return GstinCheck(
            value,
            valid=False,
            kind=kind,
            pan=pan,
            problem=f"{state_code} is not a GST state code",
        )
    expected = check_character(value[:14])
    if value[14] != expected:
        return GstinCheck(
            value,
            valid=False,
            kind=kind,
            state_code=state_code,
            pan=pan,
            problem=f"check character should be {expected}, not {value[14]}",
        )
    return GstinCheck(value, valid=True, kind=kind, state_code=state_code, pan=pan)


def is_valid_gstin(text: str) -> bool:
    """True only for a valid regular taxpayer's GSTIN."""
    return check_gstin(text).is_regular


def parse_gstin(text: str, *, allow_special: bool = False) -> Gstin:
    """A validated GSTIN, or InvalidGstin naming the fault.

    Special-category IDs are refused unless ``allow_special`` is set, because a party is a
    regular taxpayer unless the user says otherwise (gst.md §1.3: explicit opt-in).
    """
    verdict = check_gstin(text)
    if not verdict.valid:
        raise InvalidGstin(f"GSTIN {verdict.text or text!r} is not valid: {verdict.problem}.")
    assert verdict.kind is not None and verdict.state_code is not None
    if verdict.kind is not GstinKind.REGULAR and not allow_special:
        raise InvalidGstin(
            f"{verdict.text} is a {verdict.kind.label}, not a regular GSTIN; "
            "mark the party as that kind of registration to use it."
        )
    return Gstin(verdict.text, verdict.kind, verdict.state_code, verdict.pan)

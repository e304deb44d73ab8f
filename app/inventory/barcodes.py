"""Barcodes: which symbology a code is, its check digit, and weighing-scale codes.

EAN-13, UPC-A and EAN-8 carry a GS1 check digit (weights 3 and 1 from the right), so a
mistyped digit is caught before it reaches the item master. Anything else printable is
stored as Code 128. Scales print EAN-13 codes in the GS1 in-store range (prefix 20-29)
that embed the item's scale code (PLU) and a weight or a price; the layout is a company
setting because every scale vendor configures it differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.errors import ValidationError

MAX_CODE128 = 48  # longer codes do not fit a 50 mm label at a scannable bar width


class InvalidBarcode(ValidationError):
    """A barcode that cannot be what it claims to be."""


class BarcodeKind(StrEnum):
    EAN13 = "EAN-13"
    UPCA = "UPC-A"
    EAN8 = "EAN-8"
    CODE128 = "Code 128"
    PLU = "scale PLU"  # the item's code on a weighing scale, never printed on its own


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (EAN-8, UPC-A, EAN-13 alike)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


_GS1_LENGTHS = {13: BarcodeKind.EAN13, 12: BarcodeKind.UPCA, 8: BarcodeKind.EAN8}


def barcode_kind(code: str) -> BarcodeKind:
    """The symbology of ``code``; raises InvalidBarcode with what to fix."""
    if not code:
        raise InvalidBarcode("The barcode is empty.")
    if code != code.strip() or any(not (" " <= ch <= "~") for ch in code):
        raise InvalidBarcode(
            f"Barcode {code!r} has spaces at an end or characters a scanner cannot send; "
            "use digits, letters and ordinary punctuation."
        )
    kind = _GS1_LENGTHS.get(len(code)) if code.isdigit() else None
    if kind is not None:
        expected = gs1_check_digit(code[:-1])
        if int(code[-1]) != expected:
            raise InvalidBarcode(
                f"{code} is not a valid {kind}: its last digit should be {expected}. "
                "Check for a mistyped digit, or scan it again."
            )
        return kind
    if len(code) > MAX_CODE128:
        raise InvalidBarcode(
            f"Barcode {code[:20]}... is {len(code)} characters; at most {MAX_CODE128} fit a label."
        )
    return BarcodeKind.CODE128


def lookup_forms(scanned: str) -> tuple[str, ...]:
    """The stored forms a scan may match: an EAN-13 reader reports UPC-A with a leading 0."""
    scanned = scanned.strip()
    if len(scanned) == 13 and scanned.isdigit() and scanned.startswith("0"):
        return (scanned, scanned[1:])
    if len(scanned) == 12 and scanned.isdigit():
        return (scanned, "0" + scanned)
    return (scanned,)


class ScaleEmbeds(StrEnum):
    WEIGHT = "weight"
    PRICE = "price"


@dataclass(frozen=True)
class ScaleFormat:
    """How the shop's scales lay out an EAN-13: prefix, PLU digits, value digits, check.

    ``value_decimals`` places the point in the value: 3 for a weight in kg printed in
    grams, 2 for a price in rupees printed in paise.
    """

    prefix: str = "21"
    plu_digits: int = 5
    value_digits: int = 5
    embeds: ScaleEmbeds = ScaleEmbeds.WEIGHT
    value_decimals: int = 3

    def problems(self) -> list[str]:
        found = []
        if not self.prefix.isdigit() or not 1 <= len(self.prefix) <= 3:
            found.append("The scale prefix must be 1 to 3 digits, such as 21.")
        elif not self.prefix.startswith("2"):
            found.append(
                "The scale prefix must start with 2: GS1 keeps 20-29 for in-store codes, "
                "so it cannot clash with a maker's barcode."
            )
        if not 3 <= self.plu_digits <= 6 or not 4 <= self.value_digits <= 6:
            found.append("A scale code has 3 to 6 PLU digits and 4 to 6 value digits.")
        if len(self.prefix) + self.plu_digits + self.value_digits != 12:
            found.append(
                "Prefix, PLU and value digits must add up to 12 (the 13th is the check digit); "
                f"they add up to {len(self.prefix) + self.plu_digits + self.value_digits}."
            )
        if not 0 <= self.value_decimals <= 3:
            found.append("The value has 0 to 3 decimal places.")
        return found

    def check(self) -> None:
        found = self.problems()
        if found:
            raise ValidationError(" ".join(found))


@dataclass(frozen=True)
class ScaleReading:
    plu: str
    quantity: Decimal | None  # base units (kg) when the scale embeds the weight
    amount: Decimal | None  # rupees when the scale embeds the price


def read_scale_barcode(code: str, fmt: ScaleFormat) -> ScaleReading | None:
    """The PLU and weight or price in a scale's code; None when it is not one of them."""
    code = code.strip()
    if len(code) != 13 or not code.isdigit() or not code.startswith(fmt.prefix):
        return None
    if int(code[-1]) != gs1_check_digit(code[:-1]):
        raise InvalidBarcode(f"{code} does not scan cleanly (bad check digit); scan it again.")
    start = len(fmt.prefix)
    plu = code[start : start + fmt.plu_digits]
    digits = code[start + fmt.plu_digits : 12]
    value = Decimal(int(digits)).scaleb(-fmt.value_decimals)
    if fmt.embeds is ScaleEmbeds.WEIGHT:
        return ScaleReading(plu=plu, quantity=value, amount=None)
    return ScaleReading(plu=plu, quantity=None, amount=value)


def make_scale_barcode(plu: str, value: Decimal, fmt: ScaleFormat) -> str:
    """The code a scale would print (for labels made in the shop and for tests)."""
    scaled = value.scaleb(fmt.value_decimals)
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValidationError(f"{value} does not fit {fmt.value_decimals} decimal places.")
    digits = str(int(scaled))
    if len(plu) != fmt.plu_digits or not plu.isdigit() or len(digits) > fmt.value_digits:
        raise ValidationError(
            f"PLU {plu!r} or value {value} does not fit the scale's {fmt.plu_digits} PLU "
            f"and {fmt.value_digits} value digits."
        )
    body = fmt.prefix + plu + digits.zfill(fmt.value_digits)
    return body + str(gs1_check_digit(body))

"""Fonts for printed documents: a TrueType family that has the rupee sign, or Helvetica.

The TTF files are looked up in resources/fonts/ (bundled: Noto Sans, SIL OFL) and then in the
system's Noto folder. Without them, the built-in Helvetica is used; it has no glyph for the
rupee sign (U+20B9), so amounts are then written with "Rs." instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from app import config

log = logging.getLogger(__name__)

SYSTEM_DIRS = (Path("/usr/share/fonts/truetype/noto"),)


@dataclass(frozen=True)
class Fonts:
    regular: str  # reportlab font names, registered
    bold: str
    rupee: str  # "₹" when the font has the glyph, else "Rs."

    def money(self, amount_text: str) -> str:
        return f"{self.rupee} {amount_text}"


HELVETICA = Fonts("Helvetica", "Helvetica-Bold", "Rs.")


def font_dirs() -> tuple[Path, ...]:
    return (config.resources_dir() / "fonts", *SYSTEM_DIRS)


def _reuse_subsets(font: TTFont) -> None:
    """Keep the font subsets reportlab cuts for each PDF. With ASCII-readable faces the
    first subset of every bill is the same 128 characters, and cutting it again was a tenth
    of an invoice's time; a subset is a pure function of its characters' order."""
    cut = font.face.makeSubset
    kept: dict[tuple[int, ...], bytes] = {}

    def make_subset(subset: Sequence[int]) -> bytes:
        key = tuple(subset)
        found = kept.get(key)
        if found is None:
            if len(kept) >= _SUBSETS_KEPT:
                kept.clear()
            found = kept[key] = cut(subset)
        return found

    font.face.makeSubset = make_subset  # type: ignore[method-assign]


_SUBSETS_KEPT = 64


@cache
def fonts_for(family: str) -> Fonts:
    """Register ``<family>-Regular.ttf`` and ``-Bold.ttf`` once; Helvetica when missing."""
    for folder in font_dirs():
        regular, bold = folder / f"{family}-Regular.ttf", folder / f"{family}-Bold.ttf"
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            faces = (TTFont(f"{family}", str(regular)), TTFont(f"{family}-Bold", str(bold)))
        except TTFError as error:
            log.warning("font %s in %s is unusable: %s", family, folder, error)
            continue
        for face in faces:
            _reuse_subsets(face)
            pdfmetrics.registerFont(face)
        has_rupee = 0x20B9 in faces[0].face.charToGlyph and 0x20B9 in faces[1].face.charToGlyph
        return Fonts(family, f"{family}-Bold", "₹" if has_rupee else "Rs.")
    log.warning("font %s not found in %s; printing with Helvetica", family, font_dirs())
    return HELVETICA

"""Words with positions from a PDF page's own text layer (pdfplumber): exact, no OCR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.documents.model import Box, Word

if TYPE_CHECKING:
    from pdfplumber.page import Page

# A page with fewer readable characters than this is a scan (or a scan with a stray
# header line): it goes to OCR.
MIN_TEXT_CHARS = 40


def page_words(page: Page) -> tuple[Word, ...]:
    """The page's words, positions as fractions of the page."""
    width, height = float(page.width), float(page.height)
    words = []
    for raw in page.extract_words(keep_blank_chars=False, use_text_flow=False):
        text = str(raw["text"]).strip()
        if not text:
            continue
        box = Box(
            float(raw["x0"]) / width,
            float(raw["top"]) / height,
            float(raw["x1"]) / width,
            float(raw["bottom"]) / height,
        )
        words.append(Word(text, box, 1.0))
    return tuple(words)


def has_text(words: tuple[Word, ...]) -> bool:
    """True when the text layer carries the page (not a scan, not unmapped glyphs)."""
    readable = [w for w in words if "(cid:" not in w.text]
    return sum(len(w.text) for w in readable) >= MIN_TEXT_CHARS and len(readable) * 2 > len(words)


def may_hold_qr(page: Page) -> bool:
    """A QR code is an embedded image or a mesh of little squares; skip rendering otherwise."""
    for image in page.images:
        width, height = float(image["width"]), float(image["height"])
        if min(width, height) >= 36 and 0.8 <= width / height <= 1.25:  # square, >= 1/2 inch
            return True
    return len(page.rects) > 200

"""Small drawing tools shared by the page and receipt layouts, and safe writing of the file."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, cast

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from app.billing.printing.fonts import Fonts
from app.errors import ValidationError
from app.storage.files import write_whole

MIN_FIT_SIZE = 4.5  # below this a figure is unreadable on paper
BLACK = Color(0, 0, 0)
_PDF_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)"})


@lru_cache(maxsize=16)
def _ascii_as_is(name: str) -> bool:
    """A TrueType face that reportlab writes "ASCII readable": printable ASCII keeps its own
    codes in the first subset, so such text needs no re-encoding character by character."""
    face: Any = getFont(name)  # reportlab's stubs do not list the TrueType internals
    return (
        isinstance(face, TTFont)
        and bool(getattr(face, "_asciiReadable", False))
        and all(code in face.face.charToGlyph for code in range(32, 127))
    )


# Widths by (font, size, text): headings, rates and common figures recur on every bill, so a
# batch of invoices measures each of them once. Kept small; cleared when it fills.
_WIDTHS: dict[tuple[str, float, str], float] = {}
_WIDTHS_KEPT = 20_000


def text_width(text: str, font: str, size: float) -> float:
    key = (font, size, text)
    wide = _WIDTHS.get(key)
    if wide is None:
        if len(_WIDTHS) >= _WIDTHS_KEPT:
            _WIDTHS.clear()
        wide = _WIDTHS[key] = float(stringWidth(text, font, size))
    return wide


class Measure:
    """Text measured in the document's fonts: widths, wrapping, shrinking to fit."""

    def __init__(self, fonts: Fonts) -> None:
        self.fonts = fonts
        self._wrapped: dict[tuple[str, float, float, bool], list[str]] = {}

    def font(self, bold: bool) -> str:
        return self.fonts.bold if bold else self.fonts.regular

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return text_width(text, self.font(bold), size)

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """Lines of ``text`` no wider than ``width``; explicit line breaks are kept."""
        key = (text, size, width, bold)
        lines = self._wrapped.get(key)
        if lines is None:
            font = self.font(bold)
            if "\n" not in text and text_width(text, font, size) <= width:
                lines = [text]
            else:
                lines = []
                for part in text.splitlines() or [""]:
                    lines.extend(simpleSplit(part, font, size, width) or [""])
            self._wrapped[key] = lines
        return lines

    def fit_size(self, text: str, size: float, width: float, bold: bool = False) -> float:
        wide = self.width(text, size, bold)
        if wide <= width:
            return size
        return max(MIN_FIT_SIZE, size * width / wide)


class Pen(Measure):
    """A canvas with the document's fonts: text in one call, wrapped or shrunk to fit.

    Text is gathered into one PDF text object per page and laid over the page's shading and
    rules at ``flush`` (call it before ``showPage``): one text object instead of one per
    string is what keeps a page of a few hundred figures within a few milliseconds.
    """

    def __init__(self, canvas: Canvas, fonts: Fonts) -> None:
        super().__init__(fonts)
        self.canvas = canvas
        self._faces = {name: getFont(name) for name in (fonts.regular, fonts.bold)}
        self._as_is = {name: _ascii_as_is(name) for name in self._faces}
        self._doc = cast(Any, canvas)._doc
        self._text: PDFTextObject | None = None
        self._face: tuple[str, float] = ("", 0.0)
        self._coloured = False

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        bold: bool = False,
        align: str = "l",
        fit: float | None = None,
        colour: Color | None = None,
    ) -> None:
        """Draw one line at baseline ``y``; ``align`` l/c/r about ``x``; shrink to ``fit``."""
        if not text:
            return
        font = self.fonts.bold if bold else self.fonts.regular
        if fit is not None or align != "l":
            wide = text_width(text, font, size)
            if fit is not None and wide > fit:
                size, wide = max(MIN_FIT_SIZE, size * fit / wide), min(wide, fit)
            x -= wide if align == "r" else wide / 2 if align == "c" else 0.0
        out = self._text
        if out is None:
            out = self._text = self.canvas.beginText()
            self._face = ("", 0.0)
        if self._face != (font, size):
            out.setFont(font, size)
            self._face = (font, size)
        if colour is not None or self._coloured:
            out.setFillColor(colour or BLACK)
            self._coloured = colour is not None
        if self._as_is[font] and text.isascii() and text.isprintable():
            # Most of a bill: written straight into the text object, without reportlab's
            # per-character subset lookup and a second measuring of the width. The text
            # object's operator list and current subset are private, hence ``Any``.
            raw: Any = out
            if raw._curSubset != 0:
                face: Any = self._faces[font]
                name = face.getSubsetInternalName(0, self._doc)
                raw._code.append(f"{name} {fp_str(size)} Tf {fp_str(raw._leading)} TL")
                raw._curSubset = 0
            raw._code.append(f"1 0 0 1 {fp_str(x, y)} Tm ({text.translate(_PDF_ESCAPES)}) Tj")
            return
        out.setTextOrigin(x, y)
        out.textOut(text)

    def flush(self) -> None:
        """Put the gathered text on the page."""
        if self._text is not None:
            self.canvas.drawText(self._text)
            self._text = None
            self._coloured = False

    def watermark(self, text: str, width: float, height: float) -> None:
        """A big diagonal word under the content (drawn first), e.g. CANCELLED."""
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillColor(Color(0.85, 0.2, 0.2, alpha=0.25))
        canvas.translate(width / 2, height / 2)
        canvas.rotate(40)
        size = min(96.0, 1.4 * width / max(1, len(text)))
        canvas.setFont(self.fonts.bold, size)
        canvas.drawCentredString(0, -size / 3, text)
        canvas.restoreState()


@lru_cache(maxsize=16)
def accent_colours(accent: str) -> tuple[Color, Color]:
    """The accent and a light tint of it for shaded header rows."""
    colour = HexColor(accent)
    tint = Color(
        colour.red + (1 - colour.red) * 0.87,
        colour.green + (1 - colour.green) * 0.87,
        colour.blue + (1 - colour.blue) * 0.87,
    )
    return colour, tint


def logo_image(path: Path) -> ImageReader:
    """The logo, read once per file version; a missing or unreadable file is named."""
    try:
        stat = path.stat()
    except OSError:
        raise ValidationError(
            f"The logo file {path} is missing. Choose the logo again in the company's "
            "settings, or remove it."
        ) from None
    return _read_logo(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_logo(path: Path, mtime_ns: int, size: int) -> ImageReader:
    try:
        image = ImageReader(str(path))
        image.getSize()
    except Exception as error:  # PIL raises many kinds for a bad image
        raise ValidationError(
            f"The logo file {path} is not a PNG or JPEG image that can be printed ({error}). "
            "Choose another file in the company's settings."
        ) from None
    return image


def new_canvas(out: BinaryIO, size: tuple[float, float], title: str, author: str) -> Canvas:
    # invariant=1: no creation time or random id, so the same document prints the same bytes.
    canvas = Canvas(out, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("Bahi")
    return canvas


def write_pdf(out: Path | BinaryIO, build: Callable[[BinaryIO], None]) -> None:
    """Build into ``out``: a file is written whole (temp file, then rename) or not at all."""
    if not isinstance(out, Path):
        build(out)
        return
    folder = out.parent
    if not folder.is_dir():
        raise ValidationError(f"The folder {folder} does not exist. Choose another folder.")
    buffer = io.BytesIO()
    build(buffer)
    try:
        write_whole(out, buffer.getvalue())
    except OSError as error:
        raise _unsaved(out, error) from None


def _unsaved(out: Path, error: OSError) -> ValidationError:
    return ValidationError(
        f"Could not save {out}: {error.strerror or error}. Choose another folder."
    )

"""Opening a bill file: what it is (by its bytes, not its name) and its pages one at a time.

PDF pages come from pdfplumber (text layer) and pypdfium2 (rendering); images from Pillow,
one page per TIFF frame. Every failure of the libraries becomes a DocumentError that says
what to do, so a damaged file never shows a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from app.documents.model import (
    DocumentError,
    EmptyDocument,
    EncryptedDocument,
    UnreadableDocument,
    UnsupportedFile,
)

if TYPE_CHECKING:
    from pdfplumber.pdf import PDF

log = logging.getLogger(__name__)

MAX_IMAGE_PIXELS = 120_000_000  # an A0 scan at 600 dpi; bigger is a mistake or an attack


class FileKind(StrEnum):
    PDF = "pdf"
    IMAGE = "image"


_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"BM",  # BMP
    b"GIF8",
)


def file_kind(path: Path) -> FileKind:
    """PDF or image, from the first bytes; anything else is refused with a message."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except FileNotFoundError:
        raise DocumentError(f"{path} does not exist; check the file name.") from None
    except IsADirectoryError:
        raise DocumentError(f"{path} is a folder; give a PDF or image file.") from None
    except OSError as exc:
        raise DocumentError(f"{path} cannot be opened ({exc.strerror}).") from None
    if not head:
        raise EmptyDocument(f"{path.name} is empty (0 bytes); the copy or download failed.")
    if b"%PDF-" in head:
        return FileKind.PDF
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return FileKind.IMAGE
    raise UnsupportedFile(
        f"{path.name} is not a PDF or an image (PNG, JPEG, TIFF); save the bill as one of "
        "those and read it again."
    )


@contextmanager
def open_pdf(path: Path) -> Iterator[PDF]:
    """The PDF, opened for reading page by page; a damaged or locked one raises a message."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # parses the page tree: damage shows here
    except Exception as exc:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else None
        if isinstance(cause, PDFPasswordIncorrect) or isinstance(inner, PDFPasswordIncorrect):
            raise EncryptedDocument(
                f"{path.name} is protected by a password; open it, save or print it to a PDF "
                "without a password, and read that copy."
            ) from None
        log.info("PDF %s could not be parsed: %r", path.name, exc)
        raise UnreadableDocument(
            f"{path.name} is damaged or not a complete PDF; download or scan it again."
        ) from None
    try:
        yield pdf
    finally:
        pdf.close()


def render_pdf_page(path: Path, index: int, dpi: int) -> Image.Image:
    """One PDF page as an image at ``dpi`` (pypdfium2, the renderer pdfplumber uses)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path)
        try:
            page = document[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            image: Image.Image = bitmap.to_pil()
            image.load()
            return image.copy()
        finally:
            document.close()
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(
            f"Page {index + 1} of {path.name} cannot be drawn ({exc}); scan it again."
        ) from None


def open_image(path: Path) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(path)
        image.size  # noqa: B018 - the header is read here
        return image
    except Image.DecompressionBombError:
        raise UnreadableDocument(
            f"{path.name} is too large an image to read safely; scan at 300 dpi and try again."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        log.info("image %s could not be opened: %r", path.name, exc)
        raise UnreadableDocument(
            f"{path.name} is a damaged image; scan or save it again."
        ) from None


def image_frame_count(image: Image.Image) -> int:
    return int(getattr(image, "n_frames", 1))


# EXIF tag 0x0112: how the camera held the picture; 1 means as stored.
_ORIENTATION = 0x0112


def exif_turned(image: Image.Image) -> bool:
    """Whether the picture must be turned to stand upright (a phone photo held sideways)."""
    try:
        return image.getexif().get(_ORIENTATION, 1) not in (1, None)
    except (OSError, SyntaxError, ValueError):  # a damaged EXIF block: show it as stored
        return False


def image_frames(image: Image.Image, limit: int, name: str) -> Iterator[Image.Image]:
    """Each frame (TIFF page) as a separate image, up to ``limit``, turned upright as its
    EXIF orientation says: phones store a sideways shot unturned and only tag it, and OCR
    reads nothing from sideways text."""
    try:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= limit:
                break
            frame.load()
            upright = ImageOps.exif_transpose(frame) if exif_turned(frame) else None
            yield upright if upright is not None else frame.copy()
    except (OSError, SyntaxError, ValueError) as exc:
        log.info("image %s could not be decoded: %r", name, exc)
        raise UnreadableDocument(f"{name} is a damaged image; scan or save it again.") from None

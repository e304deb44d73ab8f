"""OCR of a page image with tesseract (pytesseract), after clean-up where it helps.

Clean-up: grey scale, straighten (projection profile over -3..3 degrees), stretch the
contrast, upscale small images to about 300 dpi on A4 and take out speckle noise. Tesseract
does its own thresholding (Otsu), which beat a fixed threshold on noisy JPEG scans.
"""

from __future__ import annotations

import os
import shutil
from functools import cache

import numpy as np
from PIL import Image, ImageOps

from app.documents.model import Box, DocumentError, Word

A4_WIDTH_300_DPI = 2480
_DESKEW_WIDTH = 800
LANGUAGES = ("eng", "hin")
# One uniform block: on ruled and columned bills it kept the most words (sparse mode, 11,
# drops lone digits such as a quantity of 2); rows are rebuilt from positions in layout.py.
PAGE_SEGMENTATION = 6


class OcrUnavailable(DocumentError):
    """Tesseract (or its language data) is not installed."""


@cache
def languages() -> str:
    """'eng+hin' when both are installed; tesseract reads Hindi words on bilingual bills."""
    import pytesseract

    if shutil.which("tesseract") is None:
        raise OcrUnavailable(
            "This page is a scan and needs OCR, but tesseract is not installed; install the "
            "tesseract-ocr and tesseract-ocr-hin packages and read the file again."
        )
    installed = set(pytesseract.get_languages(config=""))
    chosen = [lang for lang in LANGUAGES if lang in installed]
    if "eng" not in chosen:
        raise OcrUnavailable(
            "Tesseract has no English language data; install tesseract-ocr-eng and read the "
            "file again."
        )
    return "+".join(chosen)


def _skew_score(binary: Image.Image, angle: float) -> float:
    rotated = np.asarray(binary.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0))
    profile = rotated.sum(axis=1, dtype=np.int64)
    return float(np.square(np.diff(profile)).sum())


def skew_angle(image: Image.Image) -> float:
    """The rotation (degrees) that makes text lines horizontal, within 3 degrees."""
    scale = _DESKEW_WIDTH / image.width
    small = image.resize((_DESKEW_WIDTH, max(1, round(image.height * scale))))
    pixels = np.asarray(small)
    ink = pixels < (pixels.mean() - 2 * pixels.std() if pixels.std() > 0 else 128)
    binary = Image.fromarray((ink * 255).astype(np.uint8))
    coarse = max((a / 2 for a in range(-6, 7)), key=lambda a: _skew_score(binary, a))
    fine = [coarse + a / 10 for a in range(-5, 6)]
    return max(fine, key=lambda a: _skew_score(binary, a))


def _windowed(values: np.ndarray, length: int) -> np.ndarray:
    """Sums of every ``length``-long window along the last axis (cumulative-sum difference)."""
    sums = np.cumsum(values, axis=-1, dtype=np.int32)
    sums = np.concatenate([np.zeros((values.shape[0], 1), np.int32), sums], axis=-1)
    return sums[:, length:] - sums[:, :-length]


def _on_rules(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels of each row that lie on a run of ink at least ``length`` long (90% filled)."""
    full = (_windowed(ink, length) >= length * 9 // 10).astype(np.int32)
    pad = np.zeros((ink.shape[0], length - 1), np.int32)
    return _windowed(np.concatenate([pad, full, pad], axis=-1), length) > 0


def remove_rules(grey: Image.Image) -> Image.Image:
    """Whiten table borders and underlines: tesseract reads ruled cells badly (it takes
    rules for letters such as | and drops the digits that touch them)."""
    # Found at half size (four times less work), then whitened at full size.
    half = grey.resize((grey.width // 2, grey.height // 2), Image.Resampling.BOX)
    ink = (np.asarray(half) < 170).astype(np.int32)
    length = max(20, half.width // 20)  # about 10 mm: longer than any stroke of a letter
    found = _on_rules(ink, length) | _on_rules(np.ascontiguousarray(ink.T), length).T
    if not found.any():
        return grey
    # The grey fringe of each rule goes too (anti-aliasing, scanner blur).
    grown = found.copy()
    grown[1:] |= found[:-1]
    grown[:-1] |= found[1:]
    grown[:, 1:] |= found[:, :-1]
    grown[:, :-1] |= found[:, 1:]
    mask = Image.fromarray((grown * 255).astype(np.uint8)).resize(grey.size)
    pixels = np.asarray(grey)
    cleaned = pixels.copy()
    cleaned[np.asarray(mask) > 0] = 255
    return Image.fromarray(cleaned)


def straighten(image: Image.Image) -> Image.Image:
    """A grey, upright, contrasty page near 300 dpi."""
    grey = ImageOps.exif_transpose(image).convert("L")
    if grey.width < A4_WIDTH_300_DPI * 0.8:  # small scans and photos: tesseract wants ~300 dpi
        factor = A4_WIDTH_300_DPI / grey.width
        grey = grey.resize(
            (A4_WIDTH_300_DPI, round(grey.height * factor)), Image.Resampling.LANCZOS
        )
    angle = skew_angle(grey)
    if abs(angle) >= 0.2:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    return ImageOps.autocontrast(grey, cutoff=1)


def blank(image: Image.Image, boxes: tuple[tuple[int, int, int, int], ...]) -> Image.Image:
    """White out areas that are not text (QR codes): tesseract would spend seconds on them."""
    if not boxes:
        return image
    pixels = np.asarray(image).copy()
    for x0, y0, x1, y1 in boxes:
        pixels[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 255
    return Image.fromarray(pixels)


def clean(image: Image.Image) -> Image.Image:
    """The page as tesseract reads it best: straightened, without table rules."""
    return remove_rules(straighten(image))


def read_words(image: Image.Image, *, lang: str | None = None) -> tuple[Word, ...]:
    """The words tesseract reads on a cleaned page, with their boxes and confidences."""
    import pytesseract

    # OpenMP threads inside tesseract fight each other on few cores: one thread is faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(
            image,
            lang=lang or languages(),
            config=f"--psm {PAGE_SEGMENTATION}",
            output_type=pytesseract.Output.DICT,
        )
    except pytesseract.TesseractNotFoundError:
        languages.cache_clear()
        raise OcrUnavailable(
            "Tesseract is not installed; install tesseract-ocr and read the file again."
        ) from None
    width, height = image.size
    words = []
    for i, raw in enumerate(data["text"]):
        text = str(raw).strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        left, top = int(data["left"][i]), int(data["top"][i])
        box = Box(
            left / width,
            top / height,
            (left + int(data["width"][i])) / width,
            (top + int(data["height"][i])) / height,
        )
        words.append(Word(text, box, min(1.0, confidence / 100)))
    return tuple(words)

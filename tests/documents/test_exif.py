"""Phone photos come tagged, not turned: the EXIF orientation is applied before OCR and for the
review's page picture, so a bill shot sideways reads like one shot upright."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from app.documents.pages import exif_turned, image_frames, open_image
from app.documents.service import prepare_import
from tests.documents.bills import make_bill, render, write_pdf

ORIENTATION = 0x0112


def sideways_photo(upright: Image.Image, path: Path) -> Path:
    """What a phone held sideways stores: the picture turned a quarter clockwise on its side
    (pixels as the sensor saw them) with EXIF orientation 6 saying how to turn it back."""
    stored = upright.convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    stored.save(path, format="JPEG", quality=92, exif=exif.tobytes())
    return path


def test_frames_come_upright(tmp_path: Path) -> None:
    upright = Image.new("L", (60, 100), 255)
    upright.paste(0, (0, 0, 60, 20))  # a black band across the top
    photo = sideways_photo(upright, tmp_path / "photo.jpg")
    with open_image(photo) as opened:
        assert opened.size == (100, 60)  # stored on its side
        assert exif_turned(opened)
        (frame,) = image_frames(opened, 1, photo.name)
    assert frame.size == (60, 100)
    pixels = np.asarray(frame.convert("L"), dtype=np.int16)
    assert pixels[:20].mean() < 40 and pixels[30:].mean() > 215  # the band is on top again

    plain = tmp_path / "plain.jpg"
    upright.save(plain, format="JPEG")
    with open_image(plain) as opened:
        assert not exif_turned(opened)
        (frame,) = image_frames(opened, 1, plain.name)
    assert frame.size == (60, 100)


def test_a_sideways_phone_photo_of_a_bill_is_read_and_stored_upright(tmp_path: Path) -> None:
    bill = make_bill(61, "classic")
    page = render(write_pdf(bill, tmp_path / "bill.pdf"), 200)
    photo = sideways_photo(page, tmp_path / "IMG_2041.jpg")

    prepared = prepare_import(photo)

    assert prepared.reading.value("invoice_number") == bill.invoice_number
    assert prepared.reading.value("grand_total") == bill.grand_total
    (picture,) = prepared.pages
    assert (picture.width, picture.height) == page.size  # portrait, as the bill is printed
    assert picture.media_type == "image/png"  # turned, so not the camera's bytes
    assert prepared.data == photo.read_bytes()  # the original is kept as received

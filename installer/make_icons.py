"""Draw Bahi's icon (a rupee sign on an account-book cover) into resources/icons/.

Run once when the design changes; the PNG, ICO and ICNS files it writes are committed:
    .venv/bin/python installer/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
COVER = "#1f2a37"  # the navigation rail's colours
ACCENT = "#f59e0b"
SIZE = 1024


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = SIZE // 16
    pen.rounded_rectangle(
        (margin, margin, SIZE - margin, SIZE - margin), radius=SIZE // 6, fill=COVER
    )
    # the book's binding: an amber band down the left edge
    pen.rounded_rectangle(
        (margin, margin, margin + SIZE // 7, SIZE - margin), radius=SIZE // 6, fill=ACCENT
    )
    pen.rectangle((margin + SIZE // 12, margin, margin + SIZE // 7, SIZE - margin), fill=ACCENT)
    font = ImageFont.truetype(str(ROOT / "resources" / "fonts" / "NotoSans-Bold.ttf"), SIZE // 2)
    centre = (SIZE // 2 + SIZE // 14, SIZE // 2)
    pen.text(centre, "\u20b9", fill=ACCENT, font=font, anchor="mm")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.Resampling.LANCZOS).save(OUT / "bahi.png", optimize=True)
    big.save(OUT / "bahi.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (256, 256)])
    big.resize((512, 512), Image.Resampling.LANCZOS).save(OUT / "bahi.icns")


if __name__ == "__main__":
    main()

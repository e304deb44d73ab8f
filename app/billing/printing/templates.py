"""Invoice templates: the look of a printed document, kept as TOML in resources/.

A template chooses the paper (an A4/A5/Letter page, or a thermal roll), the accent colour, the
font and its sizes, which optional columns and blocks show, and the footer line. The figures
and the Rule 46 particulars are never optional; a template only changes how they look.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from app import config
from app.errors import ValidationError

MM = 72 / 25.4  # PDF points in a millimetre

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "Letter": (215.9, 279.4)}
OPTIONAL_COLUMNS = ("discount", "line_total")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Layout(StrEnum):
    PAGE = "page"  # cut sheets: A4, A5, Letter
    RECEIPT = "receipt"  # a thermal roll; the page is as long as the bill


@dataclass(frozen=True)
class InvoiceTemplate:
    name: str  # the file name without .toml, as stored in a company's settings
    title: str
    layout: Layout
    page_width_mm: float
    page_height_mm: float | None  # None on a roll: fitted to the content
    margin_mm: float
    accent: str = "#000000"
    font: str = "NotoSans"  # resources/fonts/<font>-Regular.ttf and -Bold.ttf
    base_size: float = 8.0
    title_size: float = 14.0
    table_size: float = 7.5
    columns: tuple[str, ...] = ()
    hsn_summary: bool = True
    logo: bool = True
    bank: bool = True
    terms: bool = True
    upi_qr: bool = True
    copy_label: str = ""
    footer: str = ""

    @property
    def page_width(self) -> float:
        return self.page_width_mm * MM

    @property
    def margin(self) -> float:
        return self.margin_mm * MM

    @property
    def content_width(self) -> float:
        return self.page_width - 2 * self.margin

    def shows(self, column: str) -> bool:
        return column in self.columns


def templates_dir() -> Path:
    return config.resources_dir() / "invoice_templates"


def template_names() -> tuple[str, ...]:
    """The templates a company can choose, by file name."""
    return tuple(sorted(path.stem for path in templates_dir().glob("*.toml")))


@cache
def load_template(name: str) -> InvoiceTemplate:
    """The template ``resources/invoice_templates/<name>.toml``, parsed once per process."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValidationError(f"{name!r} is not a template name; use one of {_choices()}.")
    path = templates_dir() / f"{name}.toml"
    if not path.is_file():
        raise ValidationError(f"There is no invoice template {name!r}; use one of {_choices()}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f"Invoice template {path} is not valid TOML: {error}.") from None
    return parse_template(name, data)


def _choices() -> str:
    return ", ".join(template_names()) or "(none installed)"


_KNOWN = {
    "title",
    "layout",
    "page_size",
    "paper_width_mm",
    "printable_width_mm",
    "margin_mm",
    "accent",
    "font",
    "base_size",
    "title_size",
    "table_size",
    "columns",
    "hsn_summary",
    "logo",
    "bank",
    "terms",
    "upi_qr",
    "copy_label",
    "footer",
}


def parse_template(name: str, data: dict[str, Any]) -> InvoiceTemplate:
    """Check a template's settings and build the value; every mistake is named."""

    def fail(what: str) -> ValidationError:
        return ValidationError(f"Invoice template {name!r}: {what}")

    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise fail(f"unknown setting {', '.join(unknown)}; known are {', '.join(sorted(_KNOWN))}.")

    def number(key: str, default: float, low: float, high: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"{key} must be a number.")
        if not low <= value <= high:
            raise fail(f"{key} must be from {low} to {high}, not {value}.")
        return float(value)

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false.")
        return value

    def text(key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise fail(f"{key} must be text.")
        return value

    try:
        layout = Layout(text("layout", "page"))
    except ValueError:
        raise fail("layout must be 'page' or 'receipt'.") from None
    if layout is Layout.PAGE:
        size = text("page_size", "A4")
        if size not in PAGE_SIZES_MM:
            raise fail(f"page_size must be one of {', '.join(PAGE_SIZES_MM)}.")
        width, height = PAGE_SIZES_MM[size]
        page_height: float | None = height
        margin = number("margin_mm", 10, 3, 30)
    else:
        width = number("paper_width_mm", 80, 48, 120)
        printable = number("printable_width_mm", width - 8, 40, width)
        page_height = None
        margin = (width - printable) / 2
    accent = text("accent", "#000000")
    if not _COLOUR.match(accent):
        raise fail(f"accent must be a colour like #1F3A5F, not {accent!r}.")
    columns = data.get("columns", [])
    if not isinstance(columns, list) or any(c not in OPTIONAL_COLUMNS for c in columns):
        raise fail(f"columns must be a list drawn from {', '.join(OPTIONAL_COLUMNS)}.")
    font = text("font", "NotoSans")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", font):
        raise fail(f"font must be a font file's family name like NotoSans, not {font!r}.")
    return InvoiceTemplate(
        name=name,
        title=text("title", name),
        layout=layout,
        page_width_mm=width,
        page_height_mm=page_height,
        margin_mm=margin,
        accent=accent,
        font=font,
        base_size=number("base_size", 8, 5, 14),
        title_size=number("title_size", 14, 8, 28),
        table_size=number("table_size", 7.5, 5, 12),
        columns=tuple(str(c) for c in columns),
        hsn_summary=flag("hsn_summary", True),
        logo=flag("logo", True),
        bank=flag("bank", True),
        terms=flag("terms", True),
        upi_qr=flag("upi_qr", True),
        copy_label=text("copy_label", ""),
        footer=text("footer", ""),
    )

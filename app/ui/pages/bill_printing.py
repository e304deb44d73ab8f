"""Printed bills for the billing screens, when the printing module is installed.

Printing (``app.billing.printing``) is optional for the screens: they offer it only when it
imports, and everything else works without it.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from types import ModuleType

from app.billing.model import PostedDocument
from app.storage.company import Company

log = logging.getLogger(__name__)

PRINT_FOLDER = "printed"  # inside the company folder: the bill stays with the books


def _printing() -> ModuleType | None:
    try:
        return importlib.import_module("app.billing.printing")
    except ImportError as error:
        log.info("printing not available: %s", error)
        return None


def printing_available() -> bool:
    module = _printing()
    return module is not None and hasattr(module, "receipt_pdf")


def save_bill_pdf(company: Company, doc: PostedDocument, *, receipt: bool) -> Path:
    """Write the bill as a PDF (80 mm receipt or A4 invoice) and return where it went."""
    module = _printing()
    if module is None:
        raise RuntimeError("printing is not installed")
    folder = company.folder / PRINT_FOLDER
    folder.mkdir(exist_ok=True)
    head = module.letterhead_from(company.profile)
    name = str(module.pdf_file_name(doc.number))
    path = folder / (name if not receipt else name.replace(".pdf", "-receipt.pdf"))
    if receipt:
        module.receipt_pdf(doc, head, path)
    else:
        module.invoice_pdf(doc, head, module.load_template("classic"), path)
    return path

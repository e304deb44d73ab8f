"""Which settings travel between a shop's devices, and the check a received value passes
before it is written here.

Company decisions travel, each one LWW value under its key: how stock is valued and whether
it may go negative, the weighing scale's label layout, the GST scheme, rounding and SEZ
choice, the series prefix of each kind of document, the PIN and town the e-invoice prints,
and how printed bills look (template, UPI id, bank, logo, terms, phone, email). A device's
own settings stay where they were set: its theme and paper, its backups, its lock timer,
its watch folder and its series code. A value this version cannot use (a valuation method
it does not know, a prefix too long for this device's numbers) holds its change, like any
change that cannot be applied yet, rather than stop the books from opening.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum

from app.billing.invoice_settings import (
    BANK_KEY,
    EMAIL_KEY,
    LOGO_KEY,
    PHONE_KEY,
    TEMPLATE_KEY,
    TERMS_KEY,
    UPI_KEY,
)
from app.billing.model import DocKind
from app.billing.numbering import PREFIX_SETTING, prefix_problem
from app.billing.service import ROUNDING_SETTING, SCHEME_SETTING, SEZ_SETTING
from app.gst import Rounding, SellerScheme
from app.inventory.barcodes import ScaleEmbeds, ScaleFormat
from app.inventory.model import NegativeStockPolicy, ValuationMethod
from app.inventory.settings import NEGATIVE_KEY, SCALE_KEY, VALUATION_KEY
from app.storage.settings import PIN_SETTING, TOWN_SETTING

SETTINGS = "settings"  # the sync table: one field, "value", under the setting's key
# A setting's text over this stays on its device (a logo saved before logos were kept under
# 128 KB): a change must fit one envelope.
MAX_SHARED_CHARS = 180_000

Check = Callable[[str], str | None]  # what is wrong with a received value, or None


def _one_of(choices: type[StrEnum] | tuple[str, ...]) -> Check:
    allowed = {str(c) for c in choices}

    def check(value: str) -> str | None:
        return None if value in allowed else f"{value!r} is not one of {sorted(allowed)}"

    return check


def _scale(value: str) -> str | None:
    try:
        raw = json.loads(value)
        found = ScaleFormat(**{**raw, "embeds": ScaleEmbeds(raw["embeds"])}).problems()
    except (ValueError, TypeError, KeyError) as exc:
        return f"a scale layout that cannot be read ({exc})"
    return " ".join(found) or None


def _any(value: str) -> str | None:
    return None  # read with a fallback (bills print with defaults for anything unreadable)


SHARED: dict[str, Check] = {
    VALUATION_KEY: _one_of(ValuationMethod),
    NEGATIVE_KEY: _one_of(NegativeStockPolicy),
    SCALE_KEY: _scale,
    SCHEME_SETTING: _one_of(SellerScheme),
    ROUNDING_SETTING: _one_of(Rounding),
    SEZ_SETTING: _one_of(("", "0", "1")),
    PIN_SETTING: _any,
    TOWN_SETTING: _any,
    **dict.fromkeys((TEMPLATE_KEY, UPI_KEY, BANK_KEY, LOGO_KEY, TERMS_KEY, PHONE_KEY), _any),
    EMAIL_KEY: _any,
}
_KINDS = {kind.value for kind in DocKind}


def is_shared(key: str) -> bool:
    if key.startswith(PREFIX_SETTING):
        return key.removeprefix(PREFIX_SETTING) in _KINDS
    return key in SHARED


def received_problem(key: str, value: str, device_code: str) -> str | None:
    """Why a setting received from another device cannot be kept here, or None."""
    if key.startswith(PREFIX_SETTING) and is_shared(key):
        return prefix_problem(value, device_code)
    check = SHARED.get(key)
    if check is None:
        return f"setting {key!r} is not one this version of Bahi shares"
    return check(value)

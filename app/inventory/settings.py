"""The company's inventory settings, typed, over the shared ``settings`` table.

Valuation method, negative-stock policy and the weighing-scale barcode layout are company
decisions: the owner or accountant sets them once; every user's moves follow them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import ValidationError
from app.inventory.barcodes import ScaleEmbeds, ScaleFormat
from app.inventory.model import NegativeStockPolicy, ValuationMethod
from app.storage.access import Permission, require
from app.storage.company import Company
from app.storage.tables import settings
from app.storage.uow import UnitOfWork

VALUATION_KEY = "inventory.valuation_method"
NEGATIVE_KEY = "inventory.negative_stock"
SCALE_KEY = "inventory.scale_barcode"


@dataclass(frozen=True)
class InventorySettings:
    valuation: ValuationMethod = ValuationMethod.FIFO
    negative_stock: NegativeStockPolicy = NegativeStockPolicy.WARN
    scale: ScaleFormat = field(default_factory=ScaleFormat)


def inventory_settings(conn: Connection) -> InventorySettings:
    rows = dict(
        conn.execute(
            select(settings.c.key, settings.c.value).where(
                settings.c.key.in_((VALUATION_KEY, NEGATIVE_KEY, SCALE_KEY))
            )
        ).all()
    )
    default = InventorySettings()
    scale = default.scale
    if SCALE_KEY in rows:
        raw = json.loads(rows[SCALE_KEY])
        scale = ScaleFormat(**{**raw, "embeds": ScaleEmbeds(raw["embeds"])})
    return InventorySettings(
        valuation=ValuationMethod(rows.get(VALUATION_KEY, default.valuation)),
        negative_stock=NegativeStockPolicy(rows.get(NEGATIVE_KEY, default.negative_stock)),
        scale=scale,
    )


def _put(uow: UnitOfWork, key: str, value: str) -> None:
    upsert = sqlite_insert(settings).values(key=key, value=value, changed_by=uow.actor.user_id)
    uow.conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "changed_by": uow.actor.user_id}
        )
    )
    uow.record("setting.change", "setting", key, {"value": value})


def set_valuation_method(company: Company, method: ValuationMethod | str) -> None:
    """FIFO or weighted average. Costs are recomputed from the moves, so a change applies
    to every period not yet closed; change it at the start of a financial year."""
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    try:
        chosen = ValuationMethod(method)
    except ValueError:
        raise ValidationError("The valuation method is 'fifo' or 'average'.") from None
    with company.unit_of_work() as uow:
        _put(uow, VALUATION_KEY, chosen.value)
        uow.commit()


def set_negative_stock(company: Company, policy: NegativeStockPolicy | str) -> None:
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    try:
        chosen = NegativeStockPolicy(policy)
    except ValueError:
        raise ValidationError("Negative stock is either 'warn' (allow it) or 'block'.") from None
    with company.unit_of_work() as uow:
        _put(uow, NEGATIVE_KEY, chosen.value)
        uow.commit()


def set_scale_format(company: Company, scale: ScaleFormat) -> None:
    require(company.actor, Permission.MANAGE_ACCOUNTS)
    scale.check()
    with company.unit_of_work() as uow:
        _put(uow, SCALE_KEY, json.dumps(asdict(scale), sort_keys=True))
        uow.commit()

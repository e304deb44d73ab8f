"""bahi item ... and bahi stock ...: handlers (parsers in inventory_args.py)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.cli.output import print_json
from app.cli.session import open_from_args
from app.errors import ValidationError
from app.inventory import queries, service
from app.inventory.barcodes import ScaleEmbeds, ScaleFormat
from app.inventory.model import GodownId, ItemDraft, UnitConversion, to_base
from app.inventory.settings import (
    inventory_settings,
    set_negative_stock,
    set_scale_format,
    set_valuation_method,
)
from app.ledger.model import financial_year
from app.money import format_inr
from app.reports.table import Cell, Table, write_csv, write_xlsx
from app.storage.company import Company


def _out(args: argparse.Namespace, table: Table, data: Any) -> int:
    if args.json:
        print_json(data)
    elif getattr(args, "csv", None):
        write_csv(table, Path(args.csv))
    elif getattr(args, "xlsx", None):
        write_xlsx(table, Path(args.xlsx))
    else:
        print(table.text())
    return 0


def _pairs(values: list[str], what: str) -> list[tuple[str, Decimal]]:
    pairs = []
    for value in values:
        key, sep, number = value.partition("=")
        try:
            pairs.append((key.strip(), Decimal(number)))
        except ArithmeticError:
            sep = ""
        if not sep or not key.strip():
            raise ValidationError(f"Write {what} as NAME=NUMBER, not {value!r}.")
    return pairs


def _item_row_json(row: queries.ItemRow) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(row).items()}


def item_add(args: argparse.Namespace) -> int:
    draft = ItemDraft(
        name=args.name,
        unit=args.unit.upper(),
        sku=args.sku,
        barcodes=tuple(args.barcode),
        hsn=args.hsn,
        gst_rate=args.gst_rate,
        mrp=args.mrp,
        sale_price=args.price,
        purchase_price=args.purchase_price,
        prices=tuple(_pairs(args.list_price, "a list price")),
        conversions=tuple(
            UnitConversion(k.upper(), v) for k, v in _pairs(args.convert, "a unit conversion")
        ),
        group=args.group,
        reorder_level=args.reorder_level,
        reorder_qty=args.reorder_qty,
        lead_time_days=args.lead_time,
        batch_tracked=args.batches,
        serial_tracked=args.serials,
        scale_plu=args.plu,
    )
    with open_from_args(args.company, args.user, args.totp) as company:
        item_id = service.add_item(company, draft)
    if args.json:
        print_json({"id": item_id, "name": " ".join(args.name.split())})
    else:
        print(f"Added item {item_id}: {args.name}.")
    return 0


def item_list(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        if args.search:
            rows = queries.search_items(conn, args.search, args.limit, include_inactive=args.all)
        else:
            rows = _all_items(conn, args.limit, args.all)
    table = Table(
        "Items",
        ("Id", "Item", "SKU", "Unit", "HSN", "GST %", "Price", "MRP", "Active"),
        tuple(
            (
                r.id,
                r.name,
                r.sku,
                r.unit,
                r.hsn,
                r.gst_rate,
                r.sale_price,
                r.mrp,
                "yes" if r.active else "no",
            )
            for r in rows
        ),
    )
    return _out(args, table, [_item_row_json(r) for r in rows])


def _all_items(conn: Any, limit: int, include_inactive: bool) -> list[queries.ItemRow]:
    from sqlalchemy import select

    from app.inventory.tables import items

    query = select(items.c.id).order_by(items.c.name).limit(limit)
    if not include_inactive:
        query = query.where(items.c.active.is_(True))
    ids = list(conn.execute(query).scalars())
    found = queries.items_by_ids(conn, ids)
    return [found[i] for i in ids]


def _item(conn: Any, text: str) -> queries.ItemRow:
    return queries.item_by_name(conn, text)


def item_show(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        view = queries.item(conn, _item(conn, args.item).id)
        stock = [
            (g.name, queries.on_hand(conn, view.item.id, g.id)) for g in queries.godown_list(conn)
        ]
    data = _item_row_json(view.item) | {
        "barcodes": [{"code": c, "kind": str(k)} for c, k in view.barcodes],
        "units": [{"uqc": c.uqc, "factor": str(c.factor)} for c in view.conversions],
        "prices": {name: str(price) for name, price in view.prices},
        "stock": {name: str(qty) for name, qty in stock if qty},
    }
    rows: list[tuple[Cell, ...]] = [(k, str(v)) for k, v in data.items()]
    return _out(args, Table(view.item.name, ("Field", "Value"), tuple(rows)), data)


def item_scan(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        found = queries.scan(conn, args.code, inventory_settings(conn).scale)
    if found is None:
        raise ValidationError(f"No item has the barcode {args.code}.")
    data = _item_row_json(found.item) | {
        "quantity": None if found.quantity is None else str(found.quantity),
        "amount": None if found.amount is None else str(found.amount),
    }
    if args.json:
        print_json(data)
    else:
        extra = f" ({found.quantity} {found.item.unit})" if found.quantity else ""
        extra += f" (Rs. {found.amount})" if found.amount else ""
        print(f"{found.item.name}{extra}")
    return 0


def item_active(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            item = _item(conn, args.item)
        service.set_item_active(company, item.id, args.action == "activate")
    print(f"{item.name} is now {'active' if args.action == 'activate' else 'inactive'}.")
    return 0


def item_import(args: argparse.Namespace) -> int:
    from app.inventory.item_import import accept_import, preview_import

    with open_from_args(args.company, args.user, args.totp) as company:
        preview = preview_import(company, Path(args.file))
        result = (
            accept_import(company, preview, skip_problems=args.skip_problems)
            if args.accept
            else None
        )
    problems = [
        {"line": row.line, "name": row.name, "problems": list(row.problems)}
        for row in preview.problem_rows
    ]
    data: dict[str, Any] = {
        "rows": len(preview.rows),
        "good": len(preview.good_rows),
        "problems": problems,
        "ignored_columns": list(preview.ignored_columns),
        "written": result is not None,
    }
    if result is not None:
        data |= {"items_added": len(result.item_ids), "opening_lines": result.opening_lines}
    if args.json:
        print_json(data)
        return 0
    for row in preview.problem_rows:
        print(f"line {row.line} ({row.name}): {'; '.join(row.problems)}")
    print(f"{data['good']} of {data['rows']} rows are ready to import.")
    if result is None:
        print("Nothing was written. Run again with --accept to import.")
    else:
        print(f"Imported {len(result.item_ids)} items ({result.opening_lines} with opening stock).")
    return 0


def item_labels(args: argparse.Namespace) -> int:
    from app.inventory.labels import LabelLayout, label_for, labels_pdf

    labels = []
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        for spec in args.items:
            name, _, copies = spec.rpartition(":") if ":" in spec else (spec, "", "1")
            if not copies.isdigit():
                name, copies = spec, "1"
            view = queries.item(conn, _item(conn, name).id)
            labels += [label_for(view, args.price_list)] * int(copies)
    Path(args.out).write_bytes(labels_pdf(labels, LabelLayout(args.layout)))
    if args.json:
        print_json({"file": args.out, "labels": len(labels)})
    else:
        print(f"Wrote {len(labels)} labels to {args.out}.")
    return 0


def _godown(conn: Any, name: str | None) -> GodownId | None:
    return None if name is None else queries.godown_by_name(conn, name).id


def stock_summary(args: argparse.Namespace) -> int:
    from app.inventory.stock_reports import stock_summary as summary

    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        rows = summary(
            conn, godown_id=_godown(conn, args.godown), group=args.group, by_godown=args.by_godown
        )
    columns = ("Group", "Item", *(("Godown",) if args.by_godown else ()), "Quantity", "Unit")
    table = Table(
        "Stock summary",
        columns,
        tuple(
            (r.group, r.name, *((r.godown,) if args.by_godown else ()), r.qty, r.unit) for r in rows
        ),
    )
    data = [
        {
            "item_id": r.item_id,
            "item": r.name,
            "group": r.group,
            "godown": r.godown,
            "qty": str(r.qty),
            "unit": r.unit,
        }
        for r in rows
    ]
    return _out(args, table, data)


def _period(company: Company, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or date.today()
    return start or financial_year(end, company.profile.fy_start_month).start, end


def stock_ledger(args: argparse.Namespace) -> int:
    from app.inventory.stock_reports import item_ledger

    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        start, end = _period(company, args.start, args.end)
        ledger = item_ledger(
            conn, _item(conn, args.item).id, start, end, _godown(conn, args.godown)
        )
    rows: list[tuple[Cell, ...]] = [(start, "Opening", "", "", None, None, ledger.opening)]
    rows += [
        (
            line.move_date,
            line.kind,
            line.source,
            line.godown,
            line.inward or None,
            line.outward or None,
            line.balance,
        )
        for line in ledger.lines
    ]
    table = Table(
        f"Stock ledger: {ledger.item.name} ({ledger.item.unit})",
        ("Date", "Kind", "Document", "Godown", "In", "Out", "Balance"),
        tuple(rows),
    )
    data = {
        "item": ledger.item.name,
        "opening": str(ledger.opening),
        "closing": str(ledger.closing),
        "lines": [
            {
                "date": line.move_date.isoformat(),
                "kind": line.kind,
                "document": line.source,
                "godown": line.godown,
                "batch": line.batch,
                "in": str(line.inward),
                "out": str(line.outward),
                "balance": str(line.balance),
            }
            for line in ledger.lines
        ],
    }
    return _out(args, table, data)


def stock_batches(args: argparse.Namespace) -> int:
    from app.inventory.stock_reports import batch_report

    on = args.as_of or date.today()
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        rows = batch_report(conn, on, within_days=args.within)
    table = Table(
        f"Batches and expiry as of {on:%d-%m-%Y}",
        ("Item", "Batch", "Mfg", "Expiry", "Godown", "Quantity", "Days left", "Status"),
        tuple(
            (
                r.item,
                r.batch_no,
                r.mfg_date,
                r.expiry_date,
                r.godown,
                r.qty,
                r.days_left,
                str(r.status),
            )
            for r in rows
        ),
    )
    data = [
        {
            "item": r.item,
            "batch": r.batch_no,
            "expiry": r.expiry_date.isoformat() if r.expiry_date else None,
            "godown": r.godown,
            "qty": str(r.qty),
            "days_left": r.days_left,
            "status": str(r.status),
        }
        for r in rows
    ]
    return _out(args, table, data)


def stock_movement(args: argparse.Namespace) -> int:
    from app.inventory.stock_reports import movement_analysis

    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        start, end = _period(company, args.start, args.end)
        rows = movement_analysis(conn, start, end, fast_cover_days=args.fast_days)
    table = Table(
        f"Stock movement {start:%d-%m-%Y} to {end:%d-%m-%Y}",
        ("Item", "Unit", "Sold", "On hand", "Days of cover", "Movement"),
        tuple((r.name, r.unit, r.sold, r.on_hand, r.days_of_cover, str(r.movement)) for r in rows),
    )
    data = [
        {
            "item": r.name,
            "sold": str(r.sold),
            "on_hand": str(r.on_hand),
            "days_of_cover": None if r.days_of_cover is None else str(r.days_of_cover),
            "movement": str(r.movement),
        }
        for r in rows
    ]
    return _out(args, table, data)


def stock_valuation(args: argparse.Namespace) -> int:
    from app.inventory.model import ValuationMethod
    from app.inventory.stock_reports import stock_valuation as valuation

    on = args.as_of or date.today()
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        method = ValuationMethod(args.method) if args.method else inventory_settings(conn).valuation
        report = valuation(conn, on, method)
    rows: list[tuple[Cell, ...]] = [
        (r.group, r.name, r.qty, r.unit, r.unit_cost, r.value) for r in report.rows
    ]
    rows.append(("", "Total", None, "", None, report.total))
    table = Table(
        f"Stock valuation ({method.value}) as of {on:%d-%m-%Y}",
        ("Group", "Item", "Quantity", "Unit", "Unit cost", "Value"),
        tuple(rows),
    )
    data = {
        "as_of": on.isoformat(),
        "method": method.value,
        "total": str(report.total),
        "items": [
            {"item": r.name, "group": r.group, "qty": str(r.qty), "value": str(r.value)}
            for r in report.rows
        ],
    }
    return _out(args, table, data)


def stock_close(args: argparse.Namespace) -> int:
    from app.inventory import closing

    with open_from_args(args.company, args.user, args.totp) as company:
        if args.dry_run:
            with company.reader() as conn:
                done = [closing.stock_closing_due(conn, args.as_of)]
        else:
            done = closing.post_stock_closing(company, args.as_of)
    data = [
        {
            "as_of": c.as_of.isoformat(),
            "method": c.method.value,
            "stock_value": str(c.stock_value),
            "opening_stock": str(c.brought_in),
            "posted_before": str(c.in_ledger),
            "amount": str(c.amount),
            "voucher": c.posted.number_text if c.posted else None,
        }
        for c in done
    ]
    if args.json:
        print_json(data)
        return 0
    for c in done:
        if not c.amount:
            print(f"Closing stock at {c.as_of:%d-%m-%Y} already stands in the ledger.")
            continue
        action = f"Posted {c.posted.number_text}" if c.posted else "Would post"
        side = "Dr" if c.amount > 0 else "Cr"
        print(
            f"{action} for {c.as_of:%d-%m-%Y}: stock worth {format_inr(c.stock_value)} "
            f"({closing.METHOD_NAMES[c.method]}); {closing.CLOSING_STOCK.name} {side} "
            f"{format_inr(abs(c.amount))} against {closing.STOCK_CHANGE.name}."
        )
    return 0


def stock_reorder(args: argparse.Namespace) -> int:
    from app.inventory.reorder import reorder_suggestions, write_purchase_order

    on = args.as_of or date.today()
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        lines = reorder_suggestions(conn, on, history_days=args.days, cover_days=args.cover)
    for target in (args.csv, args.xlsx):
        if target:
            write_purchase_order(lines, Path(target))
    if args.json:
        print_json(
            [
                {
                    "item": line.name,
                    "sku": line.sku,
                    "unit": line.unit,
                    "on_hand": str(line.on_hand),
                    "daily_sales": str(line.daily_sales),
                    "reorder_point": str(line.reorder_point),
                    "order_qty": str(line.order_qty),
                    "rate": str(line.purchase_price),
                    "amount": str(line.amount),
                }
                for line in lines
            ]
        )
    elif not (args.csv or args.xlsx):
        table = Table(
            f"Reorder suggestions as of {on:%d-%m-%Y}",
            ("Item", "Unit", "On hand", "Daily sales", "Reorder point", "Order", "Amount"),
            tuple(
                (
                    line.name,
                    line.unit,
                    line.on_hand,
                    line.daily_sales,
                    line.reorder_point,
                    line.order_qty,
                    line.amount,
                )
                for line in lines
            ),
        )
        print(table.text())
    return 0


def _line(conn: Any, args: argparse.Namespace) -> service.StockLine:
    view = queries.item(conn, _item(conn, args.item).id)
    unit = (args.unit or view.item.unit).upper()
    qty = to_base(args.qty, unit, view.item.unit, view.conversions)
    batch = queries.batch_by_number(conn, view.item.id, args.batch).id if args.batch else None
    return service.StockLine(view.item.id, qty, batch, value=getattr(args, "value", None))


def _report_posted(args: argparse.Namespace, posted: service.PostedStock) -> int:
    if args.json:
        print_json({"moves": list(posted.move_ids), "warnings": list(posted.warnings)})
    else:
        for warning in posted.warnings:
            print(f"warning: {warning}")
        print(f"Posted {len(posted.move_ids)} stock moves.")
    return 0


def stock_opening(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            line = _line(conn, args)
            godown = _godown(conn, args.godown) or GodownId(1)
        posted = service.set_opening_stock(company, godown, [line], args.date)
    return _report_posted(args, posted)


def stock_adjust(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            line = _line(conn, args)
            godown = _godown(conn, args.godown) or GodownId(1)
        posted = service.adjust_stock(
            company, godown, [line], args.date or date.today(), args.reason
        )
    return _report_posted(args, posted)


def stock_transfer(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        with company.reader() as conn:
            line = _line(conn, args)
            source = queries.godown_by_name(conn, args.source).id
            target = queries.godown_by_name(conn, args.target).id
        posted = service.transfer_stock(company, source, target, [line], args.date or date.today())
    return _report_posted(args, posted)


def stock_godowns(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company, company.reader() as conn:
        rows = queries.godown_list(conn)
    table = Table(
        "Godowns",
        ("Id", "Godown", "Address", "Active"),
        tuple((g.id, g.name, g.address, "yes" if g.active else "no") for g in rows),
    )
    return _out(args, table, [asdict(g) for g in rows])


def stock_add_godown(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        godown_id = service.add_godown(company, args.name, args.address)
    if args.json:
        print_json({"id": godown_id, "name": args.name})
    else:
        print(f"Added godown {godown_id}: {args.name}.")
    return 0


def _scale(text: str) -> ScaleFormat:
    parts = text.split(":")
    if len(parts) != 5 or not all(p.isdigit() for i, p in enumerate(parts) if i != 3):
        raise ValidationError(
            "Give the scale layout as PREFIX:PLU_DIGITS:VALUE_DIGITS:weight|price:DECIMALS, "
            "e.g. 21:5:5:weight:3."
        )
    try:
        embeds = ScaleEmbeds(parts[3])
    except ValueError:
        raise ValidationError("The scale embeds either 'weight' or 'price'.") from None
    return ScaleFormat(parts[0], int(parts[1]), int(parts[2]), embeds, int(parts[4]))


def stock_settings(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        if args.valuation:
            set_valuation_method(company, args.valuation)
        if args.negative:
            set_negative_stock(company, args.negative)
        if args.scale:
            set_scale_format(company, _scale(args.scale))
        with company.reader() as conn:
            current = inventory_settings(conn)
    scale = current.scale
    data = {
        "valuation": current.valuation.value,
        "negative_stock": current.negative_stock.value,
        "scale": f"{scale.prefix}:{scale.plu_digits}:{scale.value_digits}:"
        f"{scale.embeds.value}:{scale.value_decimals}",
    }
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return 0

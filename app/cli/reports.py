"""bahi report trial-balance|pl|balance-sheet|daybook|ledger|margins."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.output import print_json
from app.cli.session import open_from_args
from app.ledger.model import financial_year
from app.reports.margins import sales_margins
from app.reports.registers import day_book, ledger_statement
from app.reports.statements import balance_sheet, profit_and_loss
from app.reports.table import Table, write_csv, write_xlsx
from app.reports.trial_balance import trial_balance
from app.storage.company import Company


def _json_cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else (None if value is None else str(value))


def table_json(table: Table) -> dict[str, Any]:
    """A generic JSON shape for reports without one of their own: columns and string rows."""
    keys = [c.lower().replace(" ", "_").replace("/", "_") for c in table.columns]
    return {
        "title": table.title,
        "rows": [dict(zip(keys, (_json_cell(c) for c in row), strict=True)) for row in table.rows],
    }


def run(args: argparse.Namespace) -> int:
    with open_from_args(args.company, args.user, args.totp) as company:
        if args.report in ("trial-balance", "balance-sheet"):
            as_of = args.as_of or date.today()
            if args.report == "trial-balance":
                tb = trial_balance(company, as_of)
                table, data = tb.table(), tb.as_json()
            else:
                table = balance_sheet(company, as_of).table()
                data = table_json(table)
        else:
            table, data = _period_report(company, args)
    if args.json:
        print_json(data)
    elif args.csv:
        write_csv(table, Path(args.csv))
    elif args.xlsx:
        write_xlsx(table, Path(args.xlsx))
    else:
        print(table.text())
    return 0


def _period_report(company: Company, args: argparse.Namespace) -> tuple[Table, dict[str, Any]]:
    end = args.end or args.as_of or date.today()
    start = args.start or financial_year(end, company.profile.fy_start_month).start
    if args.report == "margins":
        margins = sales_margins(company, start, end)
        return margins.table(args.by), margins.as_json()
    if args.report == "pl":
        table = profit_and_loss(company, start, end).table()
    elif args.report == "daybook":
        table = day_book(company, start, end).table()
    else:
        table = ledger_statement(company, args.account, start, end).table()
    return table, table_json(table)

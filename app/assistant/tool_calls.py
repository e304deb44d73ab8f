"""The model's side of a tool call: it picks a tool and arguments as JSON under a grammar.

The grammar's schema offers the model only choices that are always meaningful: named periods
("last_month", "q1", "april") instead of free dates, and the books' own ledger names as an
enum instead of free text, so even a weak model's call validates. The app turns the choice
into the tool's real arguments (``to_tool_args``), validates them, runs the tool, and writes
the answer from the result: the model never states a figure, writes SQL or touches the books.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from app.assistant import rules
from app.assistant.answer import answer
from app.assistant.dates import NAMED_PERIODS, named_period
from app.assistant.tools import MEASURES, TOOLS, ToolError, run_tool, validate
from app.errors import AppError
from app.ledger.model import VoucherType, financial_year

if TYPE_CHECKING:
    from app.assistant.ask import Reply
    from app.assistant.runtime import ModelRuntime
    from app.storage.company import Company

log = logging.getLogger(__name__)

NO_TOOL = "none"
MAX_CALL_TOKENS = 160
ANY = "any"
FORECAST_WEEKS = ("1", "2", "4", "8")
BALANCE_DATES = ("today", "yesterday", "end_of_last_month", "end_of_last_year")
_AMOUNT = "^([1-9][0-9]{0,8}([.][0-9]{2})?)?$"  # empty: no amount


def _choice(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    # llama-cpp-python 0.3.36 writes a quote or backslash inside an enum value into the
    # grammar unescaped (llama.cpp then refuses it): such names are left to the rules engine.
    safe = (v for v in values if '"' not in v and "\\" not in v)
    return {"type": "string", "enum": list(dict.fromkeys(safe))}


def _call(tool: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"tool": {"const": tool}, **properties},
        "required": ["tool", *properties],
        "additionalProperties": False,
    }


def call_schema(words: rules.Vocabulary) -> dict[str, Any]:
    """One JSON object naming a tool and its arguments, or {"tool": "none"}."""
    period = _choice(NAMED_PERIODS)
    parties = _choice([ANY, *words.debtors, *words.creditors])
    return {
        "oneOf": [
            _call("sales_summary", period=period),
            _call("expenses_by_head", period=period, head=_choice([ANY, *words.expense_heads])),
            _call("cash_bank_balance", when=_choice(BALANCE_DATES)),
            _call("outstanding", side=_choice(["receivable", "payable"]), party=parties),
            _call("gst_payable", period=period),
            _call("compare_periods", measure=_choice(MEASURES), period=period, against=period),
            _call(
                "find_vouchers",
                account=_choice([ANY, *words.accounts]),
                amount={"type": "string", "pattern": _AMOUNT},
                text={"type": "string", "maxLength": 40},
                voucher_type=_choice([ANY, *(k.value for k in VoucherType)]),
                period=_choice([ANY, *NAMED_PERIODS]),
            ),
            _call("top_items", period=period, by=_choice(["amount", "quantity"])),
            _call("stock_of_item", item={"type": "string", "maxLength": 60}),
            _call("sales_forecast", weeks=_choice(FORECAST_WEEKS)),
            _call("unusual_entries"),
            _call(NO_TOOL),
        ]
    }


def _as_of(when: str, today: date, fy_start_month: int) -> date:
    if when == "yesterday":
        return today - timedelta(days=1)
    if when == "end_of_last_month":
        return today.replace(day=1) - timedelta(days=1)
    if when == "end_of_last_year":
        return financial_year(today, fy_start_month).start - timedelta(days=1)
    return today


def to_tool_args(  # noqa: PLR0912  (one branch per tool)
    call: dict[str, Any], today: date, fy_start_month: int = 4
) -> tuple[str, dict[str, Any]] | None:
    """The tool and its real arguments for the model's choice; None for "no tool"."""
    name = call.get("tool")
    if name == NO_TOOL:
        return None
    if name not in TOOLS:
        raise ToolError(f"The model chose an unknown tool {name!r}.")

    def span(key: str = "period") -> dict[str, str]:
        return named_period(call[key], today, fy_start_month).as_args()

    args: dict[str, Any]
    if name in ("sales_summary", "gst_payable"):
        args = span()
    elif name == "expenses_by_head":
        args = span()
        if call.get("head", ANY) != ANY:
            args["head"] = call["head"]
    elif name == "cash_bank_balance":
        args = {"as_of": _as_of(call["when"], today, fy_start_month).isoformat()}
    elif name == "outstanding":
        args = {"side": call["side"], "as_of": today.isoformat()}
        if call.get("party", ANY) != ANY:
            args["party"] = call["party"]
    elif name == "compare_periods":
        first, second = span(), span("against")
        args = {
            "measure": call["measure"],
            "first_start": first["start"],
            "first_end": first["end"],
            "second_start": second["start"],
            "second_end": second["end"],
        }
    elif name == "top_items":
        args = {**span(), "by": call.get("by", "amount")}
    elif name == "stock_of_item":
        item = str(call.get("item", "")).strip()
        args = {"item": item} if item and item != ANY else {}
    elif name == "sales_forecast":
        args = {"as_of": today.isoformat(), "weeks": int(call.get("weeks", "4"))}
    elif name == "unusual_entries":
        args = {"as_of": today.isoformat()}
    else:
        args = {}
        for key in ("account", "voucher_type"):
            if call.get(key, ANY) != ANY:
                args[key] = call[key]
        if call.get("amount"):
            args["amount"] = call["amount"]
        if call.get("text", "").strip():
            args["text"] = call["text"].strip()
        if call.get("period", ANY) != ANY:
            args.update(span())
    return name, validate(name, args)


def system_prompt(today: date, words: rules.Vocabulary) -> str:
    tools = "\n".join(f"- {t.name}: {t.description}" for t in TOOLS.values())
    return (
        "You help a shop owner read their own accounts. Reply with one JSON object that "
        "chooses a tool and its arguments; the app runs the tool and shows the figures. "
        f'Never invent numbers. If no tool fits, reply {{"tool": "{NO_TOOL}"}}.\n'
        f"Today is {today:%A %d %B %Y}. Periods are named: today, yesterday, this_month, "
        "last_month, q1 (April to June), april, this_year (the financial year so far), ...\n"
        f"Tools:\n{tools}\n"
        f"Customers: {', '.join(words.debtors) or 'none'}. "
        f"Suppliers: {', '.join(words.creditors) or 'none'}."
    )


class GenerationStopped(AppError):
    """The user pressed Stop while the model was choosing a tool."""


def choose_tool(
    runtime: ModelRuntime,
    question: str,
    today: date,
    words: rules.Vocabulary,
    *,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """The model's tool call as parsed JSON (the grammar guarantees the shape)."""
    from app.assistant.grammar import schema_grammar

    messages = [
        {"role": "system", "content": system_prompt(today, words)},
        {"role": "user", "content": question},
    ]
    completion = runtime.chat(
        messages,
        max_tokens=MAX_CALL_TOKENS,
        temperature=0.0,
        grammar=schema_grammar(call_schema(words)),
        on_token=on_token,
        cancel=cancel,
    )
    if completion.usage.finish_reason == "cancelled":
        raise GenerationStopped("Stopped: the model did not finish choosing a tool.")
    try:
        parsed: dict[str, Any] = json.loads(completion.text)
    except json.JSONDecodeError as exc:  # only when the reply ran out of tokens mid-object
        raise ToolError(
            "The model's answer was cut off before it chose a tool. Ask again more simply."
        ) from exc
    return parsed


def ask_model(
    company: Company,
    question: str,
    today: date,
    runtime: ModelRuntime,
    words: rules.Vocabulary,
    *,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Reply:
    from app.assistant.ask import Reply

    engine = f"model:{runtime.name}"
    call = choose_tool(runtime, question, today, words, on_token=on_token, cancel=cancel)
    log.debug("model tool call: %s", call)
    chosen = to_tool_args(call, today, company.profile.fy_start_month)
    if chosen is None:
        return Reply(engine, None, answer=rules.HELP)
    name, args = chosen
    result = run_tool(company, name, args)
    return Reply(engine, name, args, result, answer(name, result))

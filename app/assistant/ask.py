"""One question in, one answer out: the rules engine first, a local model when one is loaded.

The reply always carries which engine chose the tool, the tool and its arguments, the tool's
result and the answer written from that result (``answer.answer``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from app.assistant import rules
from app.assistant.answer import answer
from app.assistant.tools import Books, run_tool
from app.storage.company import Company

if TYPE_CHECKING:
    from app.assistant.runtime import ModelRuntime

RULES = "rules"


@dataclass(frozen=True)
class Reply:
    engine: str  # "rules" or "model:<name>"
    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    answer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "tool": self.tool,
            "args": self.args,
            "result": self.result,
            "answer": self.answer,
        }


def vocabulary(company: Company) -> rules.Vocabulary:
    """The ledger names a question may mention, read from the books."""
    with company.reader() as conn:
        books = Books(conn, company.profile.fy_start_month)

        def names(*groups: str) -> tuple[str, ...]:
            return tuple(a.name for a in books.under(*groups) if a.active)

        return rules.Vocabulary(
            debtors=names("Sundry Debtors"),
            creditors=names("Sundry Creditors"),
            expense_heads=names("Direct Expenses", "Indirect Expenses"),
            accounts=tuple(a.name for a in books.chart if a.active),
        )


def ask_rules(
    company: Company, question: str, today: date, words: rules.Vocabulary | None = None
) -> Reply:
    """Answer with the deterministic parser; ``tool`` is None when no tool fits."""
    words = words or vocabulary(company)
    call = rules.parse(question, today, words, company.profile.fy_start_month)
    if call is None:
        return Reply(RULES, None, answer=rules.HELP)
    result = run_tool(company, call.tool, call.args)
    return Reply(RULES, call.tool, call.args, result, answer(call.tool, result))


def ask(
    company: Company,
    question: str,
    today: date,
    runtime: ModelRuntime | None = None,
    *,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Reply:
    """Rules first (instant, exact); the model only for questions the rules cannot place.

    ``on_token`` sees the model's tool call as it is written; ``cancel`` stops it."""
    words = vocabulary(company)
    reply = ask_rules(company, question, today, words)
    if reply.tool is not None or runtime is None:
        return reply
    from app.assistant.tool_calls import ask_model

    return ask_model(company, question, today, runtime, words, on_token=on_token, cancel=cancel)

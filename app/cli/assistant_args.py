"""bahi ask "question" and bahi model list|import|download|remove (parser only)."""

from __future__ import annotations

from typing import Any

from app.cli.args import company_args, parse_date


def add_commands(groups: Any) -> None:
    ask = groups.add_parser("ask", help="ask the assistant a question about the books")
    ask.add_argument("question")
    company_args(ask)
    ask.add_argument("--json", action="store_true", help="print JSON for scripts")
    ask.add_argument("--today", type=parse_date, help="the business date (default: today)")
    ask.add_argument(
        "--model",
        default="auto",
        help="installed model for questions the rules cannot place: a name, 'auto' "
        "(the best installed one) or 'none'",
    )
    ask.set_defaults(handler="assistant.ask")

    model = groups.add_parser("model", help="local AI models: list, import, download, remove")
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the catalog, installed models and this computer")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler="assistant.model_list")
    imported = actions.add_parser("import", help="check a local .gguf file and install it")
    imported.add_argument("file")
    imported.add_argument("--json", action="store_true")
    imported.set_defaults(handler="assistant.model_import")
    fetch = actions.add_parser("download", help="download a catalog model (resumes if cut)")
    fetch.add_argument("model", help="catalog id, e.g. tinyllama-1.1b-chat")
    fetch.add_argument("--quant", help="quantisation (default: the catalog's, Q4_K_M)")
    fetch.add_argument("--json", action="store_true")
    fetch.set_defaults(handler="assistant.model_download")
    remove = actions.add_parser("remove", help="delete an installed model file")
    remove.add_argument("model", help="file name or catalog id")
    remove.set_defaults(handler="assistant.model_remove")

"""bahi ask and bahi model ...: the assistant from the command line."""

from __future__ import annotations

import argparse
import shlex
import sys
import threading
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from app.assistant.ask import ask as ask_books
from app.assistant.catalog import find_model, load_catalog
from app.assistant.hardware import detect, gpu_layers, pick_model
from app.assistant.model_files import (
    InstalledModel,
    download,
    find_installed,
    import_model,
    installed_models,
    remove_model,
)
from app.assistant.runtime import ModelRuntime, llama_available
from app.cli.output import print_json
from app.cli.session import open_from_args


def _choose_model(wanted: str) -> InstalledModel | None:
    if wanted == "none" or not llama_available():
        return None
    if wanted != "auto":
        return find_installed(wanted)
    installed = installed_models()
    if not installed:
        return None
    best = pick_model(load_catalog(), detect())
    preferred = [m for m in installed if best is not None and m.catalog_id == best.id]
    return (preferred or installed)[0]


def _runtime(model: InstalledModel) -> ModelRuntime:
    entry = find_model(model.catalog_id) if model.catalog_id else None
    return ModelRuntime(
        model.path,
        name=model.catalog_id or model.path.stem,
        n_ctx=min(entry.context_length if entry else 2048, 4096),
        n_gpu_layers=gpu_layers(detect()),
        chat_format=entry.llama_chat_format if entry else None,
    )


def ask(args: argparse.Namespace) -> int:
    today = args.today or date.today()
    with open_from_args(args.company, args.user, args.totp) as company:
        from app.assistant.ask import ask_rules

        reply = ask_rules(company, args.question, today)
        if reply.tool is None:
            model = _choose_model(args.model)
            if model is not None:
                with _runtime(model) as runtime:
                    reply = ask_books(company, args.question, today, runtime)
    if args.json:
        print_json(reply.as_json())
    else:
        print(reply.answer)
        if reply.result and reply.result.get("link"):
            link = reply.result["link"]
            if link.get("command"):  # a listing that is not a ``bahi report`` (stock, invoices)
                print(f"(from the books: {link['command']})")
                return 0
            params = " ".join(
                f"--{key.replace('_', '-')} {shlex.quote(str(value))}"
                for key, value in link["params"].items()
            )
            print(f"(from the books: bahi report {link['report']} {params}".rstrip() + ")")
    return 0


def _installed_json(model: InstalledModel) -> dict[str, Any]:
    return {
        "file": model.path.name,
        "path": str(model.path),
        "catalog_id": model.catalog_id,
        "quant": model.quant,
        "architecture": model.info.architecture,
        "size_mb": round(model.info.size / 1e6),
        "context_length": model.info.context_length,
    }


def model_list(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    installed = installed_models(catalog=catalog)
    hardware = detect()
    best = pick_model(catalog, hardware)
    if args.json:
        print_json(
            {
                "hardware": asdict(hardware),
                "default": best.id if best else None,
                "n_gpu_layers": gpu_layers(hardware),
                "installed": [_installed_json(m) for m in installed],
                "catalog": [
                    {
                        "id": m.id,
                        "name": m.name,
                        "ram_gb": m.ram_gb,
                        "context_length": m.context_length,
                        "tasks": list(m.tasks),
                        "files": [asdict(f) for f in m.files],
                    }
                    for m in catalog
                ],
            }
        )
        return 0
    gpu = "GPU offload" if hardware.gpu_offload else "CPU only"
    print(f"This computer: {hardware.ram_gb} GB RAM, {hardware.cpu_threads} threads, {gpu}.")
    print(f"Suggested model: {best.name if best else 'none fits; the rules still answer'}.\n")
    for m in catalog:
        mark = "*" if best is not None and m.id == best.id else " "
        quants = ", ".join(f.quant for f in m.files)
        print(f"{mark} {m.id:28} {m.ram_gb:>4} GB RAM  {'; '.join(m.tasks)}  [{quants}]")
    print("\nInstalled:" if installed else "\nNo model installed ('bahi model download ID').")
    for model in installed:
        print(f"  {model.path.name}  {model.info.size / 1e6:.0f} MB  {model.info.architecture}")
    return 0


def model_import(args: argparse.Namespace) -> int:
    model = import_model(Path(args.file))
    if args.json:
        print_json(_installed_json(model))
    else:
        print(f"Installed {model.path.name} ({model.info.architecture}).")
    return 0


def model_download(args: argparse.Namespace) -> int:
    item = find_model(args.model).file(args.quant)
    if not item.sha256:
        print(f"Note: the catalog has no checksum for {item.file_name}; the header and size "
              "are checked.", file=sys.stderr)  # fmt: skip
    last = [-1]

    def progress(done: int, total: int | None) -> None:
        percent = int(done * 100 / total) if total else -1
        if percent != last[0] and sys.stderr.isatty():
            last[0] = percent
            shown = f"{percent}%" if total else f"{done / 1e6:.0f} MB"
            print(f"\r{item.file_name}: {shown}", end="", file=sys.stderr, flush=True)

    model = download(item, progress=progress, cancel=threading.Event())
    if args.json:
        print_json(_installed_json(model))
    else:
        print(f"\nInstalled {model.path.name}.")
    return 0


def model_remove(args: argparse.Namespace) -> int:
    path = remove_model(args.model)
    print(f"Removed {path.name}.")
    return 0

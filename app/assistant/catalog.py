"""The model catalog (models/catalog.toml): which GGUF files the assistant can use."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.errors import NotFound, ValidationError


@dataclass(frozen=True)
class CatalogFile:
    quant: str
    file_name: str
    size_mb: int  # approximate, as published
    url: str
    sha256: str | None = None  # only where verified


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    architecture: str
    context_length: int
    chat_format: str  # "gguf": the template inside the file
    ram_gb: float
    params_b: float
    tasks: tuple[str, ...]
    default_quant: str
    files: tuple[CatalogFile, ...]

    def file(self, quant: str | None = None) -> CatalogFile:
        wanted = (quant or self.default_quant).upper()
        for item in self.files:
            if item.quant.upper() == wanted:
                return item
        known = ", ".join(f.quant for f in self.files)
        raise NotFound(f"{self.name} has no {wanted} file; choose one of {known}.")

    @property
    def llama_chat_format(self) -> str | None:
        return None if self.chat_format == "gguf" else self.chat_format


def catalog_path() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return root / "models" / "catalog.toml"


def load_catalog(path: Path | None = None) -> tuple[CatalogModel, ...]:
    source = path or catalog_path()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"The model catalog {source} cannot be read: {exc}.") from exc
    models = []
    for entry in data.get("model", []):
        files = tuple(
            CatalogFile(
                quant=f["quant"],
                file_name=f["file_name"],
                size_mb=int(f["size_mb"]),
                url=f["url"],
                sha256=f.get("sha256"),
            )
            for f in entry["file"]
        )
        models.append(
            CatalogModel(
                id=entry["id"],
                name=entry["name"],
                architecture=entry["architecture"],
                context_length=int(entry["context_length"]),
                chat_format=entry["chat_format"],
                ram_gb=float(entry["ram_gb"]),
                params_b=float(entry["params_b"]),
                tasks=tuple(entry["tasks"]),
                default_quant=entry["default_quant"],
                files=files,
            )
        )
    return tuple(models)


def find_model(model_id: str, catalog: tuple[CatalogModel, ...] | None = None) -> CatalogModel:
    models = catalog if catalog is not None else load_catalog()
    for model in models:
        if model.id == model_id.strip().lower():
            return model
    known = ", ".join(m.id for m in models)
    raise NotFound(f"There is no model {model_id!r} in the catalog; choose one of {known}.")


def entry_for_file(
    file_name: str, catalog: tuple[CatalogModel, ...] | None = None
) -> tuple[CatalogModel, CatalogFile] | None:
    """The catalog entry whose file has this name, if any."""
    for model in catalog if catalog is not None else load_catalog():
        for item in model.files:
            if item.file_name == file_name:
                return model, item
    return None

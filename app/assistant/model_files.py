"""GGUF model files in the user's models folder: check, import, download, list, remove.

A file is only ever installed whole: it is written to ``<name>.part`` and renamed after its
GGUF header, architecture, size and (when the catalog has one) sha256 check out. An
interrupted download keeps its ``.part`` file and resumes from it with an HTTP Range request.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import struct
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.assistant.catalog import CatalogFile, CatalogModel, entry_for_file, load_catalog
from app.config import data_dir
from app.errors import AppError, NotFound, ValidationError

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
KNOWN_ARCHITECTURES = frozenset(
    {"llama", "phi3", "phi2", "mistral", "gemma", "gemma2", "qwen2", "stablelm", "starcoder2"}
)
_CHUNK = 1 << 20
_SIZE_TOLERANCE = 0.10  # catalog sizes are rounded, published figures
_MIN_MODEL_BYTES = 1 << 20

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


class ModelFileError(ValidationError):
    """A file that is not a usable GGUF model, or does not match the catalog."""


class DownloadError(AppError):
    """The download stopped; the partial file is kept so that it can resume."""


class DownloadCancelled(AppError):
    """The user cancelled; the partial file is kept so that it can resume."""


class ImportCancelled(AppError):
    """The user cancelled an import; nothing was installed."""


@dataclass(frozen=True)
class GgufInfo:
    version: int
    architecture: str
    name: str
    context_length: int | None
    tensor_count: int
    size: int


@dataclass(frozen=True)
class InstalledModel:
    path: Path
    info: GgufInfo
    catalog_id: str | None
    quant: str | None


def models_dir() -> Path:
    folder = data_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the GGUF header -----------------------------------------------------------------------

_SCALARS = {  # GGUF value type -> struct format
    0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ModelFileError("The file ends inside its GGUF header: it is incomplete.")
    return data


def _string(stream: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", _read(stream, 8))
    if length > 1 << 24:
        raise ModelFileError("The GGUF header is damaged (a string is too long).")
    return _read(stream, length).decode("utf-8", errors="replace")


def _value(stream: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        fmt = "<" + _SCALARS[kind]
        return struct.unpack(fmt, _read(stream, struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _string(stream)
    if kind == _ARRAY:
        item_kind, count = struct.unpack("<IQ", _read(stream, 12))
        if item_kind in _SCALARS:  # skip without decoding: token scores can be 100k floats
            stream.seek(count * struct.calcsize("<" + _SCALARS[item_kind]), 1)
            return None
        for _ in range(count):
            _value(stream, item_kind)
        return None
    raise ModelFileError(f"The GGUF header is damaged (unknown value type {kind}).")


def read_gguf_info(path: Path) -> GgufInfo:
    """The header facts of a GGUF file, read without loading the weights."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        if stream.read(4) != GGUF_MAGIC:
            raise ModelFileError(
                f"{path.name} is not a GGUF model file. Download a .gguf file (for example "
                "from the catalog) and import that."
            )
        version, tensors, pairs = struct.unpack("<IQQ", _read(stream, 20))
        if version not in (2, 3):
            raise ModelFileError(f"{path.name} is GGUF version {version}; Bahi reads 2 and 3.")
        found: dict[str, object] = {}
        for _ in range(pairs):
            key = _string(stream)
            (kind,) = struct.unpack("<I", _read(stream, 4))
            found[key] = _value(stream, kind)
    architecture = str(found.get("general.architecture", ""))
    context = found.get(f"{architecture}.context_length")
    return GgufInfo(
        version=version,
        architecture=architecture,
        name=str(found.get("general.name", path.stem)),
        context_length=int(context) if isinstance(context, int) else None,
        tensor_count=int(tensors),
        size=size,
    )


def check_model_file(path: Path, expected: CatalogFile | None = None) -> GgufInfo:
    """Refuse anything that is not a whole GGUF model of a known architecture."""
    info = read_gguf_info(path)
    if info.architecture not in KNOWN_ARCHITECTURES:
        raise ModelFileError(
            f"{path.name} is a {info.architecture or 'unnamed'} model; the assistant runs "
            f"{', '.join(sorted(KNOWN_ARCHITECTURES))} models."
        )
    if info.size < _MIN_MODEL_BYTES or info.tensor_count == 0:
        raise ModelFileError(f"{path.name} is too small to be a model; it may be incomplete.")
    if expected is not None:
        published = expected.size_mb * 1_000_000
        if abs(info.size - published) > published * _SIZE_TOLERANCE:
            raise ModelFileError(
                f"{path.name} is {info.size / 1e6:.0f} MB but the catalog's file is about "
                f"{expected.size_mb} MB: it is incomplete or a different file."
            )
        if expected.sha256 and sha256_of(path) != expected.sha256.lower():
            raise ModelFileError(
                f"{path.name} does not match the catalog's checksum: it is damaged or not the "
                "published file. Download it again."
            )
    return info


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- import, list, remove ------------------------------------------------------------------


def import_model(
    source: Path,
    folder: Path | None = None,
    catalog: tuple[CatalogModel, ...] | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> InstalledModel:
    """Check a local .gguf file and copy it into the models folder; ``progress`` hears the
    bytes copied, ``cancel`` stops between chunks and leaves nothing behind."""
    source = source.expanduser()
    if not source.is_file():
        raise NotFound(f"There is no file {source}.")
    known = entry_for_file(source.name, catalog)
    info = check_model_file(source, known[1] if known else None)
    target_dir = folder or models_dir()
    target = target_dir / source.name
    if target.exists():
        raise ValidationError(f"{source.name} is already installed. Remove it first to replace it.")
    partial = target.with_name(target.name + ".part")
    try:
        _copy(source, partial, info.size, progress, cancel)
    except BaseException:
        partial.unlink(missing_ok=True)  # a half copy is never resumed: imports start afresh
        raise
    partial.replace(target)
    log.info("imported model %s (%s)", target.name, info.architecture)
    return InstalledModel(target, info, known[0].id if known else None,
                          known[1].quant if known else None)  # fmt: skip


def _copy(
    source: Path,
    target: Path,
    total: int,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    with source.open("rb") as reader, target.open("wb") as writer:
        done = 0
        while chunk := reader.read(_CHUNK):
            if cancel is not None and cancel.is_set():
                raise ImportCancelled(f"Import of {source.name} cancelled; nothing was installed.")
            writer.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def installed_models(
    folder: Path | None = None, catalog: tuple[CatalogModel, ...] | None = None
) -> list[InstalledModel]:
    models = []
    for path in sorted((folder or models_dir()).glob("*.gguf")):
        try:
            info = read_gguf_info(path)
        except ModelFileError:
            log.warning("skipping unreadable model file %s", path)
            continue
        known = entry_for_file(path.name, catalog)
        models.append(InstalledModel(path, info, known[0].id if known else None,
                                     known[1].quant if known else None))  # fmt: skip
    return models


def find_installed(
    name: str, folder: Path | None = None, catalog: tuple[CatalogModel, ...] | None = None
) -> InstalledModel:
    """An installed model by file name, file stem or catalog id."""
    for model in installed_models(folder, catalog):
        if name in (model.path.name, model.path.stem, model.catalog_id):
            return model
    raise NotFound(f"No installed model is called {name!r}. 'bahi model list' shows them.")


def remove_model(
    name: str, folder: Path | None = None, catalog: tuple[CatalogModel, ...] | None = None
) -> Path:
    model = find_installed(name, folder, catalog)
    model.path.unlink()
    model.path.with_name(model.path.name + ".part").unlink(missing_ok=True)
    return model.path


# --- download ------------------------------------------------------------------------------


def download(
    item: CatalogFile,
    folder: Path | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    timeout: float = 30.0,
) -> InstalledModel:
    """Download a catalog file, resuming a partial one, then verify and install it."""
    target = (folder or models_dir()) / item.file_name
    if target.exists():
        raise ValidationError(f"{item.file_name} is already installed.")
    partial = target.with_name(target.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(item.url, headers={"User-Agent": "Bahi"})  # noqa: S310
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if have and response.status != 206:  # the server ignored Range: start again
                have = 0
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            with partial.open("ab" if have else "wb") as out:
                done = have
                while True:
                    if cancel is not None and cancel.is_set():
                        raise DownloadCancelled(
                            f"Download of {item.file_name} cancelled; it resumes from "
                            f"{done / 1e6:.1f} MB next time."
                        )
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            if total is not None and done < total:
                raise DownloadError(
                    f"The connection closed at {done / 1e6:.1f} of {total / 1e6:.1f} MB. "
                    "Run the download again to resume."
                )
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        if isinstance(exc, urllib.error.HTTPError) and exc.code == 416:
            pass  # the partial file is already whole: verify it below
        else:
            raise DownloadError(
                f"Downloading {item.file_name} stopped ({exc}). Check the connection and run "
                "the download again to resume."
            ) from exc
    try:
        info = check_model_file(partial, item)
    except ModelFileError:
        partial.unlink(missing_ok=True)  # a wrong file must not be resumed from
        raise
    partial.replace(target)
    known = entry_for_file(item.file_name, load_catalog())
    return InstalledModel(target, info, known[0].id if known else None, item.quant)

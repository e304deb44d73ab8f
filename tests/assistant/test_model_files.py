"""Catalog, import and download of model files (downloads from a local HTTP server)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.assistant.catalog import CatalogFile, find_model, load_catalog
from app.assistant.hardware import Hardware, detect, gpu_layers, pick_model
from app.assistant.model_files import (
    DownloadCancelled,
    DownloadError,
    ModelFileError,
    check_model_file,
    download,
    find_installed,
    import_model,
    installed_models,
    read_gguf_info,
    remove_model,
)
from app.errors import NotFound, ValidationError


def test_catalog_lists_the_three_models_with_a_default_file() -> None:
    catalog = load_catalog()
    assert [m.id for m in catalog] == [
        "tinyllama-1.1b-chat", "phi-3-mini-4k-instruct", "mistral-7b-instruct-v0.2",
    ]  # fmt: skip
    for model in catalog:
        default = model.file()
        assert default.quant == "Q4_K_M" and default.file_name.endswith(".gguf")
        assert all(f.url.startswith("https://huggingface.co/") for f in model.files)
        assert all(f.url.endswith("/" + f.file_name) for f in model.files)
        assert model.ram_gb * 1000 > default.size_mb and model.tasks
    assert find_model("mistral-7b-instruct-v0.2").context_length == 32768
    with pytest.raises(NotFound, match="tinyllama"):
        find_model("gpt-5")
    with pytest.raises(NotFound, match="Q4_K_M"):
        find_model("tinyllama-1.1b-chat").file("Q9")


def test_header_of_a_generated_model(tiny_model: Path) -> None:
    info = read_gguf_info(tiny_model)
    assert (info.architecture, info.context_length, info.version) == ("llama", 1024, 3)
    assert info.tensor_count == 3 + 2 * 9 and info.size == tiny_model.stat().st_size


def test_import_checks_the_file(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    installed = import_model(tiny_model, folder, catalog=())
    assert installed.path.read_bytes() == tiny_model.read_bytes()
    assert [m.path.name for m in installed_models(folder, catalog=())] == [tiny_model.name]
    with pytest.raises(ValidationError, match="already installed"):
        import_model(tiny_model, folder, catalog=())
    text = tmp_path / "notes.gguf"
    text.write_text("not a model at all")
    with pytest.raises(ModelFileError, match="not a GGUF model"):
        import_model(text, folder, catalog=())
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_model.read_bytes()[:2000])
    with pytest.raises(ModelFileError, match="incomplete"):
        import_model(cut, folder, catalog=())
    assert sorted(p.name for p in folder.iterdir()) == [tiny_model.name]  # nothing half-copied
    removed = remove_model(tiny_model.stem, folder, catalog=())
    assert not removed.exists() and installed_models(folder, catalog=()) == []
    with pytest.raises(NotFound, match="bahi model list"):
        find_installed("tiny", folder, catalog=())


def test_catalog_size_and_checksum_are_enforced(tiny_model: Path) -> None:
    size_mb = round(tiny_model.stat().st_size / 1e6)
    digest = hashlib.sha256(tiny_model.read_bytes()).hexdigest()
    right = CatalogFile("F32", tiny_model.name, size_mb, "http://x/" + tiny_model.name, digest)
    assert check_model_file(tiny_model, right).architecture == "llama"
    with pytest.raises(ModelFileError, match="checksum"):
        check_model_file(tiny_model, CatalogFile("F32", "t", size_mb, "u", "0" * 64))
    with pytest.raises(ModelFileError, match="about 600 MB"):
        check_model_file(tiny_model, CatalogFile("F32", "t", 600, "u"))


class _Server(http.server.ThreadingHTTPServer):
    payload: bytes = b""
    cut_at: int | None = None  # close the first full response after this many bytes
    ranges: list[str | None]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        data = self.server.payload
        wanted = self.headers.get("Range")
        self.server.ranges.append(wanted)
        start = int(wanted.removeprefix("bytes=").rstrip("-")) if wanted else 0
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Length", str(len(data) - start))
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        body = data[start:]
        if self.server.cut_at is not None and not wanted:
            body = body[: self.server.cut_at]
            self.server.cut_at = None
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tiny_model: Path) -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.payload = tiny_model.read_bytes()
    httpd.ranges = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _item(server: _Server, sha256: str | None) -> CatalogFile:
    url = f"http://127.0.0.1:{server.server_address[1]}/tiny-random.gguf"
    return CatalogFile("F32", "tiny-random.gguf", round(len(server.payload) / 1e6), url, sha256)


def test_download_resumes_after_a_cut_connection(server: _Server, tmp_path: Path) -> None:
    digest = hashlib.sha256(server.payload).hexdigest()
    server.cut_at = 2_500_000
    seen: list[tuple[int, int | None]] = []
    with pytest.raises(DownloadError, match="resume"):
        download(_item(server, digest), tmp_path, progress=lambda d, t: seen.append((d, t)))
    partial = tmp_path / "tiny-random.gguf.part"
    assert partial.stat().st_size == 2_500_000
    assert not (tmp_path / "tiny-random.gguf").exists()
    installed = download(_item(server, digest), tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert server.ranges == [None, "bytes=2500000-"]
    assert installed.path.read_bytes() == server.payload and not partial.exists()
    assert seen[-1] == (len(server.payload), len(server.payload))
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_checksum_mismatch_is_refused_and_not_kept(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="checksum"):
        download(_item(server, "f" * 64), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_the_partial_file(server: _Server, tmp_path: Path) -> None:
    stop = threading.Event()
    with pytest.raises(DownloadCancelled, match="resumes"):
        download(_item(server, None), tmp_path, progress=lambda d, t: stop.set(), cancel=stop)
    assert (tmp_path / "tiny-random.gguf.part").stat().st_size > 0
    installed = download(_item(server, None), tmp_path)
    assert installed.path.read_bytes() == server.payload
    assert server.ranges[-1] is not None


def test_unreachable_server_is_explained(tmp_path: Path) -> None:
    item = CatalogFile("F32", "x.gguf", 6, "http://127.0.0.1:9/x.gguf")
    with pytest.raises(DownloadError, match="Check the connection"):
        download(item, tmp_path, timeout=2)


def test_hardware_picks_the_largest_model_that_fits() -> None:
    catalog = load_catalog()
    small = Hardware(ram_gb=5, available_gb=None, cpu_threads=4, gpu_offload=False)
    medium = Hardware(ram_gb=8, available_gb=None, cpu_threads=8, gpu_offload=True)
    large = Hardware(ram_gb=16, available_gb=None, cpu_threads=8, gpu_offload=False)
    tiny = Hardware(ram_gb=2, available_gb=None, cpu_threads=2, gpu_offload=False)
    assert pick_model(catalog, small).id == "tinyllama-1.1b-chat"  # type: ignore[union-attr]
    assert pick_model(catalog, medium).id == "phi-3-mini-4k-instruct"  # type: ignore[union-attr]
    assert pick_model(catalog, large).id == "mistral-7b-instruct-v0.2"  # type: ignore[union-attr]
    assert pick_model(catalog, tiny) is None
    assert (gpu_layers(medium), gpu_layers(small), gpu_layers(medium, 10)) == (-1, 0, 10)
    here = detect()
    assert here.ram_gb > 0 and here.cpu_threads >= 1

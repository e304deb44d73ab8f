"""The demo company, built once per session (books to 14 March 2026); tools only read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.assistant.runtime import ModelRuntime
from app.demo import build_demo
from app.storage.company import Company, open_company

TODAY = date(2026, 3, 15)
DEMO_PASSWORD = "demo-owner-pass-1"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    folder = tmp_path_factory.mktemp("assistant") / "demo"
    build_demo(folder, DEMO_PASSWORD, today=TODAY)
    company = open_company(folder, "owner", DEMO_PASSWORD)
    yield company
    company.close()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 MB random-weight llama GGUF (2 layers) that the real llama.cpp loads."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from tests.assistant.gguf_writer import write_llama_gguf

    return write_llama_gguf(tmp_path_factory.mktemp("models") / "tiny-random.gguf")


@pytest.fixture(scope="session")
def runtime(tiny_model: Path) -> Iterator[ModelRuntime]:
    with ModelRuntime(tiny_model, name="tiny-random", n_ctx=4096, seed=1) as loaded:
        yield loaded

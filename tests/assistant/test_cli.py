"""bahi ask and bahi model on the demo company, in-process."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.main import main
from app.storage.company import Company
from tests.assistant.conftest import DEMO_PASSWORD


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("BAHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BAHI_PASSWORD", DEMO_PASSWORD)
    return tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json(env: Path, demo: Company, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "ask", "is mahine ka kharcha", "--company", str(demo.folder),
        "--today", "2026-03-15", "--json",
    )  # fmt: skip
    assert code == 0, err
    reply = json.loads(out)
    assert set(reply) == {"engine", "tool", "args", "result", "answer"}
    assert (reply["engine"], reply["tool"]) == ("rules", "expenses_by_head")
    assert reply["args"] == {"start": "2026-03-01", "end": "2026-03-15"}
    heads = {h["head"]: h["amount"] for h in reply["result"]["heads"]}
    assert heads["Rent"] == "18000.00" and heads["Salaries"] == "32000.00"
    assert Decimal(reply["result"]["total"]) == sum(Decimal(v) for v in heads.values())


def test_ask_without_a_fitting_tool(
    env: Path, demo: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "ask", "sing me a song", "--company", str(demo.folder), "--json",
        "--model", "none",
    )  # fmt: skip
    reply = json.loads(out)
    assert code == 0 and reply["tool"] is None and reply["result"] is None
    assert "I can answer" in reply["answer"]


def test_ask_text_names_the_report(
    env: Path, demo: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "ask", "How much does Patel owe me?", "--company", str(demo.folder),
        "--today", "2026-03-15",
    )  # fmt: skip
    assert code == 0
    assert "Patel Traders owes you ₹" in out
    assert "bahi report ledger --account 'Patel Traders' --from 2025-04-01 --to 2026-03-15" in out


def test_model_import_list_remove(
    env: Path, tiny_model: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "model", "import", str(tiny_model), "--json")
    assert code == 0, err
    assert json.loads(out)["architecture"] == "llama"
    assert (env / "models" / tiny_model.name).exists()
    code, out, _ = run(capsys, "model", "list", "--json")
    listing = json.loads(out)
    assert [m["file"] for m in listing["installed"]] == [tiny_model.name]
    assert {m["id"] for m in listing["catalog"]} >= {"tinyllama-1.1b-chat"}
    assert listing["hardware"]["cpu_threads"] >= 1
    bad = tmp_path / "bad.gguf"
    shutil.copy(__file__, bad)
    code, _, err = run(capsys, "model", "import", str(bad))
    assert code == 1 and "not a GGUF model" in err
    code, out, _ = run(capsys, "model", "remove", tiny_model.stem)
    assert code == 0 and not (env / "models" / tiny_model.name).exists()
    code, _, err = run(capsys, "model", "download", "gpt-5")
    assert code == 1 and "no model 'gpt-5'" in err


def test_ask_falls_back_to_an_installed_model(
    env: Path, demo: Company, tiny_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "model", "import", str(tiny_model))[0] == 0
    code, out, err = run(
        capsys, "ask", "Namaste ji", "--company", str(demo.folder), "--today", "2026-03-15",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    reply = json.loads(out)
    assert reply["engine"] == "model:tiny-random"
    assert (
        reply["tool"] is None
        or reply["result"]["link"] is not None
        or reply["tool"] == ("find_vouchers")
    )

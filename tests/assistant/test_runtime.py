"""The runtime on the real llama.cpp with a generated random-weight GGUF."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("gguf")

import jinja2

from app.assistant import rules
from app.assistant.ask import ask, vocabulary
from app.assistant.grammar import schema_gbnf, schema_grammar
from app.assistant.runtime import ModelRuntime, RuntimeUnavailable, default_threads
from app.assistant.tool_calls import NO_TOOL, call_schema, choose_tool, to_tool_args
from app.assistant.tools import TOOLS, run_tool, validate
from app.errors import ValidationError
from app.storage.company import Company
from tests.assistant.conftest import TODAY
from tests.assistant.gguf_writer import ZEPHYR_TEMPLATE

MESSAGES = [
    {"role": "system", "content": "You are an accountant."},
    {"role": "user", "content": "Categorise: Rs 500 stationery"},
]


def test_loads_once_with_all_cores_but_one(runtime: ModelRuntime) -> None:
    assert runtime.n_threads == default_threads() >= 1
    assert runtime.n_ctx == 4096
    assert runtime.llm.metadata["tokenizer.chat_template"] == ZEPHYR_TEMPLATE


def test_chat_uses_the_models_template(runtime: ModelRuntime) -> None:
    rendered = jinja2.Template(ZEPHYR_TEMPLATE).render(
        messages=MESSAGES, add_generation_prompt=True
    )
    # llama-cpp-python adds no BOS of its own to a template-rendered prompt.
    expected = len(runtime.llm.tokenize(rendered.encode(), add_bos=False, special=True))
    done = runtime.chat(MESSAGES, max_tokens=8, temperature=0.0)
    assert done.usage.prompt_tokens == expected
    assert done.usage.completion_tokens == 8 and done.usage.finish_reason == "length"


def test_stream_delivers_tokens_from_a_worker_thread(runtime: ModelRuntime) -> None:
    pieces: list[str] = []
    threads: set[str] = set()
    finished: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        threads.add(threading.current_thread().name)

    generation = runtime.stream(
        MESSAGES, on_token, on_done=lambda c: finished.append(c.text), max_tokens=24
    )
    completion = generation.wait(timeout=60)
    assert completion is not None
    assert "".join(pieces) == completion.text == finished[0]
    assert completion.usage.completion_tokens >= len(pieces) > 0
    assert threads == {"assistant-generation"}


def test_cancel_stops_between_tokens(runtime: ModelRuntime) -> None:
    seen: list[str] = []
    holder: dict[str, object] = {}
    started = threading.Event()

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 3:
            started.wait(10)  # the worker can reach here before stream() has returned
            holder["generation"].cancel()  # type: ignore[attr-defined]

    holder["generation"] = generation = runtime.stream(MESSAGES, on_token, max_tokens=600)
    started.set()
    completion = generation.wait(timeout=60)
    assert completion is not None and generation.cancelled
    assert completion.usage.finish_reason == "cancelled"
    assert len(seen) == 3 <= completion.usage.completion_tokens < 10
    again = runtime.chat(MESSAGES, max_tokens=4)  # the model is still usable afterwards
    assert again.usage.completion_tokens == 4


def test_worker_errors_reach_the_caller(runtime: ModelRuntime) -> None:
    errors: list[BaseException] = []
    generation = runtime.stream(
        [{"role": "user", "content": "x " * 3000}], lambda _p: None, on_error=errors.append
    )
    with pytest.raises(ValidationError, match="too long"):
        generation.wait(timeout=60)
    assert isinstance(errors[0], ValidationError)


def test_context_budget_drops_the_oldest_turns_first(runtime: ModelRuntime) -> None:
    long_turn = "ledger " * 100
    history = [
        {"role": "system", "content": "Be brief."},
        *(
            {"role": role, "content": f"{n} {long_turn}"}
            for n, role in enumerate(["user", "assistant"] * 4)
        ),
        {"role": "user", "content": "And today?"},
    ]
    fitted = runtime.fit(history, max_tokens=256)
    assert fitted[0] == history[0] and fitted[-1] == history[-1]
    assert 2 < len(fitted) < len(history)
    assert fitted[1:-1] == history[len(history) - len(fitted) + 1 : -1]  # the newest kept
    assert len(runtime.prompt(fitted)[0]) + 256 <= runtime.n_ctx
    one_more = history[len(history) - len(fitted) : -1] + history[-1:]
    assert len(runtime.prompt([history[0], *one_more])[0]) + 256 > runtime.n_ctx
    with pytest.raises(ValidationError, match="no room"):
        runtime.fit(history, max_tokens=4096)


def test_grammar_string_rule_excludes_control_characters() -> None:
    gbnf = schema_gbnf({"type": "object", "properties": {"t": {"type": "string"}}})
    assert '[^"\\\\\\x7F\\x00-\\x1F]' in gbnf
    assert 'char ::= [^"\\\\] ' not in gbnf


WORDS = rules.Vocabulary(
    debtors=("Patel Traders", "Mehta Caterers"),
    creditors=("Gupta Wholesale",),
    expense_heads=("Rent", "Electricity"),
    accounts=("Cash", "Rent", "Patel Traders", "Gupta Wholesale"),
)


def test_random_weights_still_make_valid_tool_calls(runtime: ModelRuntime) -> None:
    grammar = schema_grammar(call_schema(WORDS))
    chosen: set[str] = set()
    for seed in range(12):
        runtime.llm.set_seed(seed)
        text = runtime.chat(
            [{"role": "user", "content": f"question {seed}"}],
            max_tokens=200,
            temperature=1.0,
            grammar=grammar,
        ).text
        call = json.loads(text)  # strict: no raw control characters
        chosen.add(call["tool"])
        converted = to_tool_args(call, TODAY)
        if converted is None:
            assert call == {"tool": NO_TOOL}
            continue
        name, args = converted
        assert name in TOOLS and validate(name, args) == args
    assert len(chosen) >= 3  # the grammar leaves the model a real choice


def test_model_engine_answers_from_the_tool(runtime: ModelRuntime, demo: Company) -> None:
    words = vocabulary(demo)
    call = choose_tool(runtime, "Namaste, hisaab batao", TODAY, words)
    converted = to_tool_args(call, TODAY)
    reply = ask(demo, "Namaste, hisaab batao", TODAY, runtime)  # the rules cannot place it
    assert reply.engine == "model:tiny-random"
    if converted is None:
        assert reply.tool is None and "I can answer" in reply.answer
    else:
        assert (reply.tool, reply.args) == converted
        assert reply.result == run_tool(demo, *converted)
    rules_reply = ask(demo, "who owes me the most?", TODAY, runtime)
    assert rules_reply.engine == "rules"  # known questions never wait for the model


def test_missing_or_damaged_model_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(RuntimeUnavailable, match="missing"):
        ModelRuntime(tmp_path / "nothing.gguf")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(RuntimeUnavailable, match="could not load"):
        ModelRuntime(broken)


def test_a_grammar_llama_cpp_cannot_parse_is_refused_not_a_crash(runtime: ModelRuntime) -> None:
    from llama_cpp import LlamaGrammar

    broken = LlamaGrammar.from_string('root ::= "\\." ', verbose=False)
    with pytest.raises(ValidationError, match="grammar"):
        runtime.chat(MESSAGES, max_tokens=4, grammar=broken)
    assert runtime.chat(MESSAGES, max_tokens=2).usage.completion_tokens == 2


def test_every_call_schema_parses_in_llama_cpp(runtime: ModelRuntime) -> None:
    odd = rules.Vocabulary(
        debtors=('Shree "Om" Traders', "A\\B Co"), creditors=("Ünïcode Suppliers",),
        expense_heads=("Rent",), accounts=("Cash",),
    )  # fmt: skip
    schema = call_schema(odd)
    runtime.chat(MESSAGES, max_tokens=2, grammar=schema_grammar(schema))
    parties = schema["oneOf"][3]["properties"]["party"]["enum"]
    assert parties == ["any", "Ünïcode Suppliers"]  # quotes and backslashes stay with the rules

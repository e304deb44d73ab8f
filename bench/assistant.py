"""Assistant benchmark: llama.cpp speed through the app's runtime, and the rules engine.

Writes a TinyLlama-shaped random-weight GGUF (1.1B: 22 layers, n_embd 2048, n_ff 5632, 32
heads, 4 KV heads, vocab 32000) as F16, quantizes it to Q4_K_M with llama.cpp's quantizer and
prints (human lines on stderr, JSON lines on stdout, DESIGN.md §9):

    prompt_tokens_per_s        prompt ingestion through ModelRuntime.chat
    generation_tokens_per_s    generation through ModelRuntime.chat (streamed, with callbacks)
    bare_generation_tokens_per_s  the same prompt and length in a bare llama-cpp-python loop
    runtime_to_bare_ratio      app / bare generation speed (goal >= 0.9)
    memory_bandwidth_gb_s      numpy copy of 512 MiB (read + write counted)
    bandwidth_bound_ratio      generation tokens/s / (bandwidth / model file bytes)
    rules_answer_ms            bahi's deterministic parser + tool on the demo company (goal < 100)
    insights_answer_ms         "anything unusual?" and "forecast sales" the same way

Usage:
    python bench/assistant.py            # TinyLlama shape (about 2.2 GB F16 written, then Q4_K_M)
    python bench/assistant.py --quick    # a 4-layer, n_embd 1024 model, well under a minute
    python bench/assistant.py --keep DIR # keep (and reuse) the generated model files in DIR
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.assistant.ask import ask_rules, vocabulary
from app.assistant.runtime import ModelRuntime, default_threads
from tests.assistant.gguf_writer import TINYLLAMA, Shape, write_llama_gguf

BENCH = "assistant"
QUICK = Shape(n_vocab=32000, n_embd=1024, n_layer=4, n_ff=2816, n_head=16, n_head_kv=4, n_ctx=2048)
PROMPT = (
    "You are the accountant of a small shop. Summarise this month's sales, expenses, GST "
    "payable and who owes money, in plain words for the owner. "
) * 6
QUESTIONS = (
    "how much did I sell last week?",
    "who owes me the most?",
    "is mahine ka kharcha",
    "GST payable for Q1",
    "compare sales this month with last month",
    "find payments of 18000",
    "bank mein kitna paisa hai",
    "top 5 items this month",
    "kitna stock bacha hai Parle-G ka?",
)
INSIGHTS = ("anything unusual?", "forecast sales for next month")  # a year of entries read


def emit(figure: str, value: float | None, unit: str, **extra: Any) -> None:
    line = {"bench": BENCH, "figure": figure, "value": value, "unit": unit, **extra}
    print(json.dumps(line))
    shown = "n/a" if value is None else f"{value:,.2f}"
    print(f"{figure}: {shown} {unit}", file=sys.stderr)


def build_model(folder: Path, shape: Shape) -> Path:
    import llama_cpp

    q4 = folder / f"random-{shape.n_layer}l-{shape.n_embd}-q4_k_m.gguf"
    if q4.exists():
        return q4
    f16 = folder / "random-f16.gguf"
    started = time.perf_counter()
    write_llama_gguf(f16, shape, f16=True)
    print(f"wrote F16 model ({f16.stat().st_size / 1e9:.2f} GB) in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = os.cpu_count() or 1
    started = time.perf_counter()
    partial = q4.with_name(q4.name + ".part")  # a cut run must not leave a reusable file
    if llama_cpp.llama_model_quantize(str(f16).encode(), str(partial).encode(), params) != 0:
        raise SystemExit("llama.cpp could not quantize the model")
    partial.replace(q4)
    print(f"quantized to Q4_K_M ({q4.stat().st_size / 1e9:.2f} GB) in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
    f16.unlink()
    return q4


def runtime_speed(runtime: ModelRuntime, tokens: int, runs: int) -> tuple[float, float, int]:
    """(prompt tokens/s, generation tokens/s, prompt tokens) through ModelRuntime.chat."""
    prompt_rates, gen_rates = [], []
    prompt_tokens = 0
    for _ in range(runs):
        runtime.llm.reset()  # no prompt cache between runs: each run ingests the whole prompt
        first: list[float] = []
        started = time.perf_counter()
        done = runtime.chat(
            [{"role": "user", "content": PROMPT}],
            max_tokens=tokens,
            temperature=0.0,
            on_token=lambda _p, seen=first: seen.append(time.perf_counter()) if not seen else None,
        )
        ended = time.perf_counter()
        prompt_tokens = done.usage.prompt_tokens
        # The first token's time is prompt ingestion plus one sampled token.
        prompt_rates.append(prompt_tokens / (first[0] - started))
        gen_rates.append((done.usage.completion_tokens - 1) / (ended - first[0]))
    return statistics.median(prompt_rates), statistics.median(gen_rates), prompt_tokens


def bare_speed(runtime: ModelRuntime, tokens: int, runs: int) -> float:
    """Generation tokens/s of a plain llama-cpp-python loop on the same Llama object."""
    llm = runtime.llm
    prompt, _stops = runtime.prompt([{"role": "user", "content": PROMPT}])
    rates = []
    for _ in range(runs):
        llm.reset()
        count = 0
        first = 0.0
        for _token in llm.generate(prompt, temp=0.0, top_k=40, top_p=0.95, min_p=0.05):
            count += 1
            if count == 1:
                first = time.perf_counter()
            if count >= tokens:
                break
        rates.append((count - 1) / (time.perf_counter() - first))
    return statistics.median(rates)


def bandwidth_gb_s() -> float:
    source = np.ones(512 * 2**20 // 8, dtype=np.float64)
    target = np.empty_like(source)
    np.copyto(target, source)  # touch the pages first
    times = []
    for _ in range(5):
        started = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - started)
    return 2 * source.nbytes / min(times) / 1e9  # one read and one write per byte


def rules_speed(folder: Path) -> tuple[float, int, float, int]:
    from app.demo import build_demo
    from app.storage.company import open_company

    today = date(2026, 3, 15)
    build_demo(folder / "demo", "bench-assistant-pass-1", today=today)
    company = open_company(folder / "demo", "owner", "bench-assistant-pass-1")
    try:
        times: dict[str, list[float]] = {q: [] for q in (*QUESTIONS, *INSIGHTS)}
        for _round in range(5):
            for question, taken in times.items():
                started = time.perf_counter()
                reply = ask_rules(company, question, today, vocabulary(company))
                taken.append((time.perf_counter() - started) * 1000)
                assert reply.tool is not None, question
        plain = [t for q in QUESTIONS for t in times[q]]
        insights = [t for q in INSIGHTS for t in times[q]]
        return statistics.median(plain), len(plain), statistics.median(insights), len(insights)
    finally:
        company.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path, help="folder to keep and reuse the model in")
    parser.add_argument("--tokens", type=int, default=64, help="tokens generated per run")
    args = parser.parse_args()
    shape = QUICK if args.quick else TINYLLAMA
    runs = 5
    scratch = Path(tempfile.mkdtemp(prefix="bahi-bench-assistant-"))
    folder = args.keep or scratch
    folder.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    try:
        model = build_model(folder, shape)
        size = model.stat().st_size
        common = {"model": "tinyllama-shape" if not args.quick else "quick-shape",
                  "model_mb": round(size / 1e6), "threads": default_threads(),
                  "tokens": args.tokens, "runs": runs, "load_avg": load}  # fmt: skip
        with ModelRuntime(model, name="random", n_ctx=2048) as runtime:
            # Interleaved one run at a time, so that the shared machine's changing load
            # falls on both loops alike.
            measured = [
                (*runtime_speed(runtime, args.tokens, 1), bare_speed(runtime, args.tokens, 1))
                for _ in range(runs)
            ]
        prompt_tps = statistics.median(m[0] for m in measured)
        gen_tps = statistics.median(m[1] for m in measured)
        prompt_tokens = measured[0][2]
        bare = statistics.median(m[3] for m in measured)
        emit("prompt_tokens_per_s", round(prompt_tps, 2), "tokens/s", better="higher",
             n=prompt_tokens, **common)  # fmt: skip
        emit("generation_tokens_per_s", round(gen_tps, 2), "tokens/s", better="higher", **common)
        emit("bare_generation_tokens_per_s", round(bare, 2), "tokens/s", better="higher", **common)
        emit("runtime_to_bare_ratio", round(gen_tps / bare, 3), "ratio", goal=0.9,
             better="higher", **common)  # fmt: skip
        bandwidth = bandwidth_gb_s()
        emit("memory_bandwidth_gb_s", round(bandwidth, 2), "GB/s", better="higher",
             via="numpy copyto 512 MiB")  # fmt: skip
        bound = bandwidth * 1e9 / size
        emit("bandwidth_bound_ratio", round(gen_tps / bound, 3), "ratio", better="higher",
             bound_tokens_per_s=round(bound, 2), **common)  # fmt: skip
        answer_ms, n, insights_ms, n_insights = rules_speed(scratch)
        emit("rules_answer_ms", round(answer_ms, 2), "ms", goal=100, better="lower", n=n,
             runs=n, via="app.assistant.ask.ask_rules on the demo company")  # fmt: skip
        emit("insights_answer_ms", round(insights_ms, 2), "ms", better="lower", n=n_insights,
             runs=n_insights, via="duplicates, unusual amounts, forecast")  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

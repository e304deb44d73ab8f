"""A local GGUF model on llama.cpp (llama-cpp-python): loaded once and kept warm.

``ModelRuntime`` owns one ``Llama``. Generation is serialised by a lock (a llama.cpp context
is not thread-safe). ``stream`` runs in a plain worker thread and hands tokens to callbacks,
so the desktop page and the CLI use it the same way; ``Generation.cancel`` stops it between
two tokens. Prompts are fitted to the context window before they are sent: the system
message and the newest user message stay, older turns go first.

Tokens come from ``Llama.generate`` and are decoded here with an incremental UTF-8 decoder:
the library's own chat streaming re-decodes every pending token after each new one, which
grows without bound when a model emits broken UTF-8.
"""

from __future__ import annotations

import codecs
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import AppError, ValidationError

log = logging.getLogger(__name__)

Message = dict[str, str]


class RuntimeUnavailable(AppError):
    """llama.cpp is not installed, or the model file cannot be loaded."""


def default_threads() -> int:
    """All cores but one, so the desktop stays responsive while the model works."""
    return max(1, (os.cpu_count() or 1) - 1)


def llama_available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str  # "stop", "length" or "cancelled"


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage


class Generation:
    """A generation running in a worker thread."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.thread: threading.Thread | None = None
        self.result: Completion | None = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> Completion | None:
        """The completion once finished (None on timeout); re-raises the worker's error."""
        if not self._done.wait(timeout):
            return None
        if self.error is not None:
            raise self.error
        return self.result


class ModelRuntime:
    def __init__(
        self,
        path: Path,
        *,
        name: str = "",
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        chat_format: str | None = None,
        seed: int = 0,
    ) -> None:
        if not llama_available():
            raise RuntimeUnavailable(
                "The local AI engine (llama-cpp-python) is not installed. Install it, or use "
                "the assistant without a model: the built-in rules still answer."
            )
        from llama_cpp import Llama

        if not path.is_file():
            raise RuntimeUnavailable(f"The model file {path} is missing. Import it again.")
        self.path = path
        self.name = name or path.stem
        self.n_threads = n_threads or default_threads()
        self._lock = threading.Lock()
        started = time.perf_counter()
        try:
            self.llm: Any = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                n_gpu_layers=n_gpu_layers,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise RuntimeUnavailable(
                f"llama.cpp could not load {path.name} ({exc}). The file may be damaged or "
                "of an architecture this version does not know; import it again or pick another."
            ) from exc
        self.load_seconds = time.perf_counter() - started
        self.n_ctx: int = self.llm.n_ctx()
        self._format = _formatter(self.llm, chat_format)
        log.info("loaded model %s in %.2f s", self.name, self.load_seconds)

    # --- context budgeting -------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prompt(self, messages: Sequence[Message]) -> tuple[list[int], list[str]]:
        """The prompt tokens the chat template makes of the messages, and its stop strings."""
        formatted = self._format(messages=list(messages))
        tokens = self.llm.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        stop = formatted.stop
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        return list(tokens), stops

    def fit(self, messages: Sequence[Message], max_tokens: int) -> list[Message]:
        """The messages whose prompt leaves ``max_tokens`` free in the context window."""
        if max_tokens >= self.n_ctx:
            raise ValidationError(
                f"The reply length {max_tokens} leaves no room in a {self.n_ctx}-token context."
            )
        keep = list(range(len(messages)))
        fixed = {i for i, m in enumerate(messages) if m["role"] == "system"}
        fixed.add(len(messages) - 1)
        while len(self.prompt([messages[i] for i in keep])[0]) + max_tokens > self.n_ctx:
            droppable = [i for i in keep if i not in fixed]
            if not droppable:
                raise ValidationError(
                    "The question is too long for this model's context window. Shorten it, "
                    "or pick a model with a longer context."
                )
            keep.remove(droppable[0])  # the oldest turn goes first
        return [dict(messages[i]) for i in keep]

    # --- generation --------------------------------------------------------------------

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        grammar: Any = None,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Completion:
        """Generate a reply with the model's chat template, token by token."""
        import llama_cpp

        tokens, stops = self.prompt(self.fit(messages, max_tokens))
        vocab = self.llm._model.vocab
        if grammar is not None:
            self._check_grammar(grammar)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = ""
        generated = 0
        finish = "length"
        started = time.perf_counter()
        with self._lock:
            for token in self.llm.generate(
                tokens, temp=temperature, top_k=40, top_p=0.95, min_p=0.05, grammar=grammar
            ):
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                generated += 1
                piece = decoder.decode(self.llm.detokenize([token]))
                text += piece
                stop = next((s for s in stops if s and s in text), None)
                if stop is not None:
                    piece = piece[: max(len(piece) - (len(text) - text.index(stop)), 0)]
                    text = text[: text.index(stop)]
                    finish = "stop"
                if piece and on_token is not None:
                    on_token(piece)
                if finish == "stop" or generated >= max_tokens:
                    break
        tail = decoder.decode(b"", final=True)
        if tail and finish != "stop":
            text += tail
            if on_token is not None:
                on_token(tail)
        usage = Usage(len(tokens), generated, time.perf_counter() - started, finish)
        return Completion(text, usage)

    def _check_grammar(self, grammar: Any) -> None:
        """llama.cpp crashes the process on a grammar it cannot parse: parse it first."""
        import llama_cpp

        sampler = llama_cpp.llama_sampler_init_grammar(
            self.llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not sampler:
            raise ValidationError("The answer grammar could not be parsed; nothing was generated.")
        llama_cpp.llama_sampler_free(sampler)

    def stream(
        self,
        messages: Sequence[Message],
        on_token: Callable[[str], None],
        *,
        on_done: Callable[[Completion], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        grammar: Any = None,
    ) -> Generation:
        """Start a generation in a worker thread; callbacks run in that thread."""
        generation = Generation()

        def work() -> None:
            try:
                generation.result = self.chat(
                    messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    grammar=grammar,
                    on_token=on_token,
                    cancel=generation._cancel,
                )
                if on_done is not None:
                    on_done(generation.result)
            except BaseException as exc:  # handed to the caller, never lost in the thread
                generation.error = exc
                if on_error is not None:
                    on_error(exc)
            finally:
                generation._done.set()

        generation.thread = threading.Thread(target=work, name="assistant-generation", daemon=True)
        generation.thread.start()
        return generation

    def close(self) -> None:
        with self._lock:
            self.llm.close()

    def __enter__(self) -> ModelRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _formatter(llm: Any, chat_format: str | None) -> Any:
    """The chat template: a named llama-cpp-python format, else the one inside the GGUF."""
    from llama_cpp import llama_chat_format

    if chat_format:
        function = getattr(llama_chat_format, "format_" + chat_format.replace("-", "_"), None)
        if function is None:
            raise RuntimeUnavailable(f"Unknown chat format {chat_format!r}.")
        return function
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        return llama_chat_format.format_chatml  # the most common fallback
    vocab = llm._model

    def piece(token_id: int) -> str:
        return bytes(llm.detokenize([token_id], special=True)).decode("utf-8", "ignore")

    return llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=piece(vocab.token_eos()),
        bos_token=piece(vocab.token_bos()),
    )

"""Random-weight llama-architecture GGUF files that the real llama.cpp loads (no downloads).

An SPM vocabulary of <unk> <s> </s>, the 256 byte tokens, the printable ASCII characters and
filler pieces up to ``n_vocab``; a Jinja chat template in the file (the TinyLlama/Zephyr one).
Used by the assistant tests (a few MB) and bench/assistant.py (TinyLlama's shape, 1.1B).
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

ZEPHYR_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@dataclass(frozen=True)
class Shape:
    n_vocab: int = 512
    n_embd: int = 256
    n_layer: int = 2
    n_ff: int = 512
    n_head: int = 4
    n_head_kv: int = 4
    n_ctx: int = 1024


TINY = Shape()
TINYLLAMA = Shape(n_vocab=32000, n_embd=2048, n_layer=22, n_ff=5632, n_head=32, n_head_kv=4,
                  n_ctx=2048)  # fmt: skip


def _vocab(n_vocab: int) -> tuple[list[bytes], list[float], list[int]]:
    kinds = gguf.TokenType
    tokens: list[bytes] = [b"<unk>", b"<s>", b"</s>"]
    types = [kinds.UNKNOWN, kinds.CONTROL, kinds.CONTROL]
    tokens += [f"<0x{b:02X}>".encode() for b in range(256)]
    types += [kinds.BYTE] * 256
    pieces = ["\u2581", *(chr(c) for c in range(33, 127))]
    letters = string.ascii_lowercase
    fillers = (
        prefix + "".join(combo)
        for size in (2, 3, 4)
        for prefix in ("\u2581", "")
        for combo in itertools.product(letters, repeat=size)
    )
    while len(tokens) + len(pieces) < n_vocab:
        pieces.append(next(fillers))
    for piece in pieces[: n_vocab - len(tokens)]:
        tokens.append(piece.encode())
        types.append(kinds.NORMAL)
    scores = [0.0] * 259 + [-float(i + 1) for i in range(len(tokens) - 259)]
    return tokens, scores, [int(t) for t in types]


def write_llama_gguf(path: Path, shape: Shape = TINY, *, seed: int = 0, f16: bool = False) -> Path:
    """Write a random-weight llama model; ``f16`` halves the file for big shapes."""
    rng = np.random.default_rng(seed)
    dtype = np.float16 if f16 else np.float32
    tokens, scores, types = _vocab(shape.n_vocab)
    head_dim = shape.n_embd // shape.n_head
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("random-llama")
    writer.add_context_length(shape.n_ctx)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(shape.n_vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(ZEPHYR_TEMPLATE)

    def weights(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(dtype)

    def ones(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)  # norms stay f32, as converters write them

    kv = head_dim * shape.n_head_kv
    writer.add_tensor("token_embd.weight", weights(shape.n_vocab, shape.n_embd))
    writer.add_tensor("output_norm.weight", ones(shape.n_embd))
    writer.add_tensor("output.weight", weights(shape.n_vocab, shape.n_embd))
    for i in range(shape.n_layer):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", ones(shape.n_embd))
        writer.add_tensor(p + "attn_q.weight", weights(shape.n_embd, shape.n_embd))
        writer.add_tensor(p + "attn_k.weight", weights(kv, shape.n_embd))
        writer.add_tensor(p + "attn_v.weight", weights(kv, shape.n_embd))
        writer.add_tensor(p + "attn_output.weight", weights(shape.n_embd, shape.n_embd))
        writer.add_tensor(p + "ffn_norm.weight", ones(shape.n_embd))
        writer.add_tensor(p + "ffn_gate.weight", weights(shape.n_ff, shape.n_embd))
        writer.add_tensor(p + "ffn_up.weight", weights(shape.n_ff, shape.n_embd))
        writer.add_tensor(p + "ffn_down.weight", weights(shape.n_embd, shape.n_ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path

"""JSON-schema-constrained output for llama.cpp (GBNF), with the string rule made strict.

llama-cpp-python 0.3.36 emits ``char ::= [^"\\\\] | ...`` for JSON strings, which lets raw
control characters (0x00-0x1F) into a string, so strict ``json.loads`` can fail on a weak
model's output. Upstream llama.cpp excludes them; so does this module.
"""

from __future__ import annotations

import json
from typing import Any

_LOOSE_CHAR = 'char ::= [^"\\\\]'
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F]'


def schema_gbnf(schema: dict[str, Any]) -> str:
    """The GBNF text for a JSON schema, strings limited to printable characters."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf: str = json_schema_to_gbnf(json.dumps(schema))
    if _LOOSE_CHAR in gbnf:
        gbnf = gbnf.replace(_LOOSE_CHAR, _STRICT_CHAR)
    return gbnf


def schema_grammar(schema: dict[str, Any]) -> Any:
    """A ``LlamaGrammar`` for the schema (imported here: llama_cpp is optional)."""
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(schema_gbnf(schema), verbose=False)

"""The assistant: read-only tools over the books, a rules engine, and local GGUF models."""

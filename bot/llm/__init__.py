"""The LLM summarizer: phrases a deterministic verdict through any OpenAI-compatible server.

The verdict is computed elsewhere and never changes here. This package only turns it into better
sentences when a server is configured, healthy, within budget and well-behaved; otherwise the
template summarizer answers. Nothing in here raises into the check.

Public entry points: `LLMSettings`, `LLMSummarizer`, `LLMStore` (+ `MemoryLLMStore`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["LLMSettings", "LLMStore", "LLMSummarizer", "MemoryLLMStore", "UsageFigures", "UsageReport"]

_HOMES = {
    "LLMSettings": "bot.llm.settings",
    "LLMStore": "bot.llm.ports",
    "MemoryLLMStore": "bot.llm.ports",
    "UsageFigures": "bot.llm.ports",
    "LLMSummarizer": "bot.llm.summarizer",
    "UsageReport": "bot.llm.summarizer",
}


def __getattr__(name: str) -> Any:
    """Import lazily: the openai client costs most of a second, and an unconfigured bot never needs it."""
    if name not in _HOMES:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)

"""The LLM summarizer: phrases a deterministic verdict through any OpenAI-compatible server.

The verdict is computed elsewhere and never changes here. This package only turns it into better
sentences when a server is configured, healthy, within budget and well-behaved; otherwise the
template summarizer answers. Nothing in here raises into the check.

Public entry points: `LLMSettings`, `LLMSummarizer`, `LLMStore` (+ `MemoryLLMStore`).
"""

from __future__ import annotations

from bot.llm.ports import LLMStore, MemoryLLMStore, UsageFigures
from bot.llm.settings import LLMSettings
from bot.llm.summarizer import LLMSummarizer, UsageReport

__all__ = ["LLMSettings", "LLMStore", "LLMSummarizer", "MemoryLLMStore", "UsageFigures", "UsageReport"]

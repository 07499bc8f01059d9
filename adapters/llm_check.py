"""`yuntai llm check`: what is configured, and one test call through the real client and retry code.

Prints the server host, model, deadline and budget (never the key), then either the latency and
token usage of one tiny completion (a single attempt, no retries) or the classified error in one
line, with what to fix.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TextIO

from bot.llm.client import ClientPool, classify, complete
from bot.llm.settings import LLMSettings

TEST_MESSAGES = [
    {"role": "system", "content": "You are a connectivity check. Answer with one word."},
    {"role": "user", "content": "Reply with the single word: ready"},
]


def describe(settings: LLMSettings) -> str:
    key = "set" if settings.api_key else ("not needed (placeholder sent)" if settings.base_url else "not set")
    where = "; ".join(f"{name} from {origin}" for name, origin in settings.origins)
    return (f"LLM server: {settings.server}; model: {settings.model}; key: {key}; "
            f"deadline: {settings.deadline:g} s; daily budget: {settings.daily_token_budget:,} tokens per community"
            + (f"\nsettings: {where}" if where else ""))


async def _call(settings: LLMSettings) -> tuple[float, object]:
    settings = dataclasses.replace(settings, max_attempts=1)  # one test call: no retries
    pool = ClientPool(settings)
    client = pool.get()
    assert client is not None
    start = time.monotonic()
    try:
        async with asyncio.timeout(settings.deadline):
            result = await complete(client, settings, TEST_MESSAGES, start + settings.deadline)
    finally:
        await pool.aclose()
    return time.monotonic() - start, result


def llm_check(settings: LLMSettings, out: TextIO) -> int:
    """0 when the server answered (or nothing is configured), 1 when the test call failed."""
    if not settings.configured:
        print("LLM: not configured: the template summarizer answers "
              "(set OPENAI_API_KEY and/or OPENAI_BASE_URL to use one).", file=out)
        return 0
    print(describe(settings), file=out)
    try:
        elapsed, result = asyncio.run(_call(settings))
    except Exception as exc:  # noqa: BLE001 - every failure is reported in one line
        failure = classify(exc)
        print(f"test call failed: {failure.message} [{failure.reason}]", file=out)
        return 1
    text = getattr(result, "text", None)
    if text is None:
        print(f"test call failed: the server answered without content ({getattr(result, 'problem', '?')})",
              file=out)
        return 1
    tokens = getattr(result, "tokens", 0)
    usage = f"{tokens} tokens" if tokens else "no token usage reported"
    print(f"test call OK in {elapsed * 1000:.0f} ms ({getattr(result, 'attempts', 1)} attempt(s), {usage}): "
          f"{text.strip()[:60]!r}", file=out)
    return 0

"""A loopback fake OpenAI-compatible server (aiohttp.web) for real-HTTP tests of the LLM client.

Scriptable per request: each request takes the next `Reply` of the script and the last one
repeats. A reply can wait, answer any status with any headers (Retry-After, retry-after-ms), and
any body: a chat completion (with or without usage), truncated JSON, HTML, empty choices, null
content, or text computed from the request (so a test can make the "model" obey an injection or
echo the per-request marker). Every request is recorded (time, headers, JSON body).

Usage, inside a coroutine::

    async with FakeOpenAI([ok("This clip looks like a showcase ...")]) as fake:
        settings = LLMSettings(base_url=fake.base_url)
        ...
        assert fake.count == 1
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Body = bytes | str | dict[str, Any] | Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Body = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class Seen:
    at: float
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def user_text(self) -> str:
        return "\n".join(m.get("content") or "" for m in self.body.get("messages", []))

    @property
    def marker_token(self) -> str | None:
        found = re.search(r"<<untrusted ([0-9a-f]+)>>", self.user_text)
        return found.group(1) if found else None


def completion(content: str | None, usage: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake-model",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
    }
    if usage is not None:
        body["usage"] = usage
    body.update(extra)
    return body


USAGE = {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}


def ok(content: str | Callable[[dict[str, Any]], str], usage: dict[str, Any] | None = USAGE,
       delay: float = 0.0) -> Reply:
    """200 with a chat completion; `content` may be computed from the request body."""
    if callable(content):
        fn = content
        return Reply(body=lambda req: completion(fn(req), usage), delay=delay)
    return Reply(body=completion(content, usage), delay=delay)


def error(status: int, code: str | None = None, message: str = "fake error", headers: dict[str, str] | None = None,
          delay: float = 0.0) -> Reply:
    return Reply(status, {"error": {"message": message, "type": code or "error", "code": code}}, headers or {},
                 delay)


def rate_limited(retry_after: str | None = None, retry_after_ms: str | None = None) -> Reply:
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    return error(429, "rate_limit_exceeded", "slow down", headers)


def insufficient_quota() -> Reply:
    return error(429, "insufficient_quota", "You exceeded your current quota")


def ollama_not_found() -> Reply:
    return Reply(404, {"error": "model 'llama3' not found, try pulling it first"})


def truncated() -> Reply:
    return Reply(body=json.dumps(completion("cut short"))[:40])


def html() -> Reply:
    return Reply(body="<html><body><h1>Welcome to nginx!</h1></body></html>", content_type="text/html")


def empty_choices() -> Reply:
    return Reply(body=completion("x", USAGE) | {"choices": []})


def null_content() -> Reply:
    return Reply(body=completion(None, USAGE))


def slow(delay: float, content: str = "late") -> Reply:
    return ok(content, delay=delay)


class FakeOpenAI:
    def __init__(self, script: list[Reply] | None = None, latency: float = 0.0) -> None:
        self.script = list(script or [ok("fine")])
        self.latency = latency
        self.seen: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def count(self) -> int:
        return len(self.seen)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def gaps(self) -> list[float]:
        return [b.at - a.at for a, b in zip(self.seen, self.seen[1:], strict=False)]

    async def __aenter__(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        index = min(len(self.seen), len(self.script) - 1)
        self.seen.append(Seen(time.monotonic(), dict(request.headers), body))
        reply = self.script[index]
        delay = reply.delay + self.latency
        if delay:
            await asyncio.sleep(delay)
        payload: Any = reply.body(body) if callable(reply.body) else reply.body
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        return web.Response(status=reply.status, body=data, headers=reply.headers, content_type=reply.content_type)


class ThreadedFakeOpenAI:
    """A FakeOpenAI on its own event loop in a thread, for sync tests (hypothesis) that run many loops."""

    def __init__(self, script: list[Reply] | None = None) -> None:
        import threading

        self.fake = FakeOpenAI(script)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.fake.__aenter__())
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        self._ready.wait(5)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.__aexit__(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

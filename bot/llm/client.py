"""The OpenAI-compatible client, its retry policy and the classification of what went wrong.

Tenacity owns retries; the SDK's own are off (`max_retries=0`), otherwise a permanent 500 costs
3 x 3 = 9 requests. Retried: connection errors and timeouts, 5xx, 429 unless the quota is spent.
Waits honour `retry-after-ms` / `retry-after` (seconds or HTTP date), otherwise full-jitter
backoff; never past the deadline. When the server asks for a wait longer than what is left, we
don't wait at all: `RetryAfterTooLong` tells the caller to fall back and open the breaker.
Only the public openai API is used (AsyncOpenAI, openai.Timeout, DefaultAsyncHttpxClient, exception classes).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import random
import ssl
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import openai
from openai import AsyncOpenAI
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.llm.settings import LLMSettings

PLACEHOLDER_KEY = "not-needed"  # local servers (Ollama, llama.cpp, vLLM) ignore the key; the SDK needs one
BACKOFF_BASE, BACKOFF_CAP = 0.5, 4.0
MIN_ATTEMPT_TIME = 0.05  # don't start an attempt with less time than this left


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process, shared by every client.

    Each client would otherwise build its own, reading the system's CA bundle again (19 ms of CPU here),
    and a client is built per event loop: every `yuntai check` and every batch. The context honours
    SSL_CERT_FILE / SSL_CERT_DIR as the SDK's own default does.
    """
    return ssl.create_default_context()


def build_client(settings: LLMSettings) -> AsyncOpenAI:
    return AsyncOpenAI(
        api_key=settings.api_key or PLACEHOLDER_KEY,
        base_url=settings.base_url or None,
        max_retries=0,
        timeout=openai.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        http_client=openai.DefaultAsyncHttpxClient(verify=_tls()),
    )


class ClientPool:
    """One AsyncOpenAI per event loop: an HTTP connection pool belongs to the loop that opened it."""

    def __init__(self, settings: LLMSettings, factory: Callable[[LLMSettings], AsyncOpenAI] = build_client) -> None:
        self.settings = settings
        self.factory = factory
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )
        self.built = 0

    def get(self) -> AsyncOpenAI | None:
        if not self.settings.configured:
            return None
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self.factory(self.settings)
            self.built += 1
        return client

    async def aclose(self) -> None:
        """Close the client of the running loop (call on shutdown; GC cannot await cleanup)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()


# -- errors -------------------------------------------------------------------------------------


class RetryAfterTooLong(Exception):
    """The server asked us to wait longer than the deadline allows."""

    def __init__(self, seconds: float, cause: BaseException | None) -> None:
        super().__init__(f"the server asked to retry after {seconds:.1f} s")
        self.seconds = seconds
        self.cause = cause


class MalformedReply(ValueError):
    """A 200 reply that is not a chat completion we can read."""


MALFORMED_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, AttributeError, IndexError, KeyError, openai.APIResponseValidationError,
)


@dataclass(frozen=True)
class Failure:
    kind: str  # "transport" | "config" | "request" (this request refused: 400, 422, ...) | "malformed" | "retry_after"
    reason: str  # short counter key: timeout, connection, rate_limited, server_error, unauthorized, ...
    message: str  # one line for an operator; never the key, never the caption
    status: int | None = None
    retry_after: float | None = None


def is_insufficient_quota(exc: BaseException) -> bool:
    if not isinstance(exc, openai.APIStatusError):
        return False
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    return "insufficient_quota" in {getattr(exc, "code", None), getattr(exc, "type", None),
                                    inner.get("code"), inner.get("type")}


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.RateLimitError):
        return not is_insufficient_quota(exc)
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `retry-after` (seconds or date)."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_CONFIG_MESSAGES = {
    401: ("unauthorized", "the LLM server rejected our credentials (401): check OPENAI_API_KEY"),
    403: ("forbidden", "the LLM server refused access (403): check OPENAI_API_KEY and the key's permissions"),
    404: ("not_found", "the LLM server does not know the model or endpoint (404): check YUNTAI_LLM_MODEL "
                       "(pulled on Ollama?) and OPENAI_BASE_URL (usually ends in /v1)"),
}
_BAD_REQUEST_HINTS = {
    400: "check YUNTAI_LLM_MODEL and that the server supports chat.completions with max_tokens/temperature",
    422: "check YUNTAI_LLM_MODEL and the server's supported parameters",
}


def classify(exc: BaseException) -> Failure:
    """Sort an exception into transport (retry later), config (an operator must act: 401, 403, 404,
    insufficient quota), request (this request was refused: 400, 422, other 4xx) or malformed."""
    if isinstance(exc, RetryAfterTooLong):
        return Failure("retry_after", "rate_limited", str(exc), 429, exc.seconds)
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return Failure("transport", "timeout", "the LLM server did not answer within the deadline")
    if isinstance(exc, openai.APIConnectionError):
        return Failure("transport", "connection", f"cannot reach the LLM server ({type(exc).__name__})")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if is_insufficient_quota(exc):
            return Failure("config", "insufficient_quota", "the LLM account has no quota left (429 "
                           "insufficient_quota): check billing for OPENAI_API_KEY", status)
        if status == 429:
            return Failure("transport", "rate_limited", "the LLM server is rate limiting us (429)", status,
                           retry_after(exc))
        if status >= 500:
            return Failure("transport", "server_error", f"the LLM server failed ({status})", status)
        if status in _CONFIG_MESSAGES:
            reason, message = _CONFIG_MESSAGES[status]
            return Failure("config", reason, message, status)
        # 400, 422 and other 4xx: this one request was refused (a content filter tripped by one
        # caption, a parameter the server dislikes). Not a reason to stop everyone for ten minutes.
        hint = _BAD_REQUEST_HINTS.get(status, "check the LLM settings")
        return Failure("request", "bad_request", f"the LLM server refused the request ({status}): {hint}", status)
    if isinstance(exc, MALFORMED_ERRORS):
        return Failure("malformed", "malformed", f"the LLM server sent a reply we cannot read ({type(exc).__name__})")
    if isinstance(exc, openai.OpenAIError):
        return Failure("transport", "connection", f"the LLM client failed ({type(exc).__name__})")
    return Failure("malformed", "malformed", f"unexpected error from the LLM call ({type(exc).__name__})")


# -- the call -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    text: str | None  # None when the reply had no usable content (empty choices, null content)
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    problem: str = ""  # why `text` is None
    estimated: bool = False  # the server reported no usage; the token counts are our estimate

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _int(value: Any) -> int:
    """A token count: an int, an integer-valued float (120.0) or a string of digits; else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value >= 0 else 0


def estimate_tokens(chars: int) -> int:
    """About four characters a token for English; used when a server reports no usage at all."""
    return (chars + 3) // 4


def read_reply(reply: Any) -> tuple[str | None, int, int, str]:
    """Content and token usage from a reply; every field may be missing on "compatible" servers.

    Raises MalformedReply (a ValueError) when the reply is not an object with choices at all.
    """
    if isinstance(reply, str | bytes) or not hasattr(reply, "choices"):
        raise MalformedReply(f"not a chat completion ({type(reply).__name__})")
    usage = getattr(reply, "usage", None)
    prompt_tokens = _int(getattr(usage, "prompt_tokens", None))
    completion_tokens = _int(getattr(usage, "completion_tokens", None))
    if not prompt_tokens and not completion_tokens:
        total = _int(getattr(usage, "total_tokens", None))
        completion_tokens = total
    choices = reply.choices
    if not isinstance(choices, list) or not choices:
        return None, prompt_tokens, completion_tokens, "empty_choices"
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        return None, prompt_tokens, completion_tokens, "no_content"
    return content, prompt_tokens, completion_tokens, ""


class _Wait:
    """Retry-After when the server gives one, else full jitter; never past the deadline."""

    def __init__(self, deadline_at: float, rng: random.Random) -> None:
        self.deadline_at = deadline_at
        self.rng = rng

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        remaining = self.deadline_at - time.monotonic() - MIN_ATTEMPT_TIME
        asked = retry_after(exc)
        if asked is not None:
            if asked > remaining:
                raise RetryAfterTooLong(asked, exc)
            return asked
        backoff = self.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (state.attempt_number - 1)))
        return max(0.0, min(backoff, remaining))


def _stop_at_deadline(deadline_at: float) -> Callable[[RetryCallState], bool]:
    def stop(state: RetryCallState) -> bool:
        return time.monotonic() + (state.upcoming_sleep or 0.0) + MIN_ATTEMPT_TIME >= deadline_at

    return stop


async def complete(
    client: AsyncOpenAI,
    settings: LLMSettings,
    messages: list[dict[str, str]],
    deadline_at: float,
    *,
    rng: random.Random | None = None,
    on_retry: Callable[[RetryCallState], None] | None = None,
) -> Completion:
    """One chat completion with the retry policy. Raises what `classify` sorts; the caller falls back."""
    attempts = 0
    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.max_attempts) | _stop_at_deadline(deadline_at),
        wait=_Wait(deadline_at, rng or random.Random()),
        retry=retry_if_exception(is_retryable),
        before_sleep=on_retry,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            attempts += 1
            left = max(MIN_ATTEMPT_TIME, deadline_at - time.monotonic())
            kwargs: dict[str, Any] = {"max_tokens": settings.max_tokens}
            if settings.temperature is not None:
                kwargs["temperature"] = settings.temperature
            reply = await client.chat.completions.create(
                model=settings.model,
                messages=messages,  # type: ignore[arg-type]
                timeout=openai.Timeout(min(settings.request_timeout, left),
                                       connect=min(settings.connect_timeout, left)),
                **kwargs,
            )
    text, prompt_tokens, completion_tokens, problem = read_reply(reply)
    estimated = False
    if not prompt_tokens and not completion_tokens:
        # No usage at all (many "compatible" servers omit it): charge an estimate, prompt chars/4 +
        # reply chars/4, so the daily budget still means something instead of every call being free.
        prompt_tokens = estimate_tokens(sum(len(m.get("content") or "") for m in messages))
        completion_tokens = estimate_tokens(len(text or ""))
        estimated = True
    return Completion(text, prompt_tokens, completion_tokens, attempts, problem, estimated)

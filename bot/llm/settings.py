"""LLM settings from the environment.

Kept apart from `bot.config.Settings` so the summarizer can be built and tested on its own; the
key is never part of `repr`, logs or `yuntai llm check` output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import (
    DAILY_TOKENS_MAX,
    ENVIRONMENT,
    LLM_DEADLINE_MAX,
    TRUST_DOTENV,
    ConfigError,
    EnvReader,
    MergedEnv,
    dotenv_trusted,
)

DEFAULT_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class LLMSettings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    deadline: float = 10.0  # seconds for one whole summary, retries and waits included
    daily_token_budget: int = 200_000  # per community per UTC day; 0 turns the LLM off
    request_timeout: float = 8.0  # per attempt (socket reads), always capped by what is left of the deadline
    connect_timeout: float = 3.0
    max_attempts: int = 3
    breaker_failures: int = 5  # consecutive transport failures before the breaker opens
    breaker_cooldown: float = 30.0  # seconds open after transport failures, then one probe
    breaker_config_cooldown: float = 600.0  # seconds open after 401/403/404/insufficient quota
    max_tokens: int = 250
    temperature: float | None = 0.2
    # Where OPENAI_API_KEY / OPENAI_BASE_URL / YUNTAI_LLM_MODEL came from, for `yuntai llm check`.
    origins: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def configured(self) -> bool:
        """With neither a key nor a base URL no client is built and the template answers."""
        return bool(self.api_key or self.base_url)

    @property
    def server(self) -> str:
        """What to show an operator: the host of the base URL, never the key."""
        if not self.base_url:
            return "api.openai.com (default)"
        try:
            parts = urlsplit(self.base_url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return "(malformed OPENAI_BASE_URL)"
        host = host or "(no host)"
        return f"{host}:{port}" if port else host

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMSettings:
        env = EnvReader(os.environ if environ is None else environ)
        get = env.get

        base_url = get("OPENAI_BASE_URL")
        if base_url:
            check_base_url(base_url)
        api_key = get("OPENAI_API_KEY")
        if api_key and not (api_key.isascii() and api_key.isprintable() and " " not in api_key):
            # never the key itself in the message: it would end up in a log or a terminal
            raise ConfigError("OPENAI_API_KEY contains spaces, control or non-ASCII characters (a stray "
                              "quote or line break when pasting it?); set it to the key alone")
        origins = _origins(environ)
        if api_key and base_url:
            _refuse_split_sources(environ, origins)
        return cls(
            api_key=api_key,
            base_url=base_url,
            model=get("YUNTAI_LLM_MODEL") or DEFAULT_MODEL,
            deadline=env.number("YUNTAI_LLM_DEADLINE", 10.0, maximum=LLM_DEADLINE_MAX, unit="seconds"),
            daily_token_budget=env.integer("YUNTAI_LLM_DAILY_TOKENS", 200_000, maximum=DAILY_TOKENS_MAX,
                                           unit="tokens"),
            origins=tuple(origins.items()),
        )


ORIGIN_KEYS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "YUNTAI_LLM_MODEL")


def _origins(environ: Mapping[str, str] | None) -> dict[str, str]:
    """Setting -> where it came from, for the settings that decide where the key and captions go."""
    out: dict[str, str] = {}
    for key in ORIGIN_KEYS:
        if environ is None or not isinstance(environ, MergedEnv):
            if (os.environ if environ is None else environ).get(key, "").strip():
                out[key] = ENVIRONMENT
        elif (environ.get(key) or "").strip():
            out[key] = environ.origin(key) or ENVIRONMENT
    return out


def _refuse_split_sources(environ: Mapping[str, str] | None, origins: dict[str, str]) -> None:
    """A key from one place and a server from another is how a stray .env steals the key.

    Starting the bot in a folder someone else controls would otherwise send the operator's key (and
    every request) to whatever OPENAI_BASE_URL that folder's .env names.
    """
    key_from, url_from = origins.get("OPENAI_API_KEY"), origins.get("OPENAI_BASE_URL")
    if key_from == url_from or (environ is not None and dotenv_trusted(environ)):
        return
    raise ConfigError(f"OPENAI_BASE_URL comes from {url_from} but OPENAI_API_KEY from {key_from}; refusing to "
                      f"send the key to a server named elsewhere. Set both in one place, or set {TRUST_DOTENV}=1 "
                      "in the environment if you trust that .env")


def check_base_url(base_url: str) -> None:
    """An http(s) URL with a host and a valid port; the message never repeats the URL (it may hold
    credentials)."""
    example = "an http(s) URL such as http://127.0.0.1:11434/v1"
    try:
        parts = urlsplit(base_url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError for 99999 or "x"
    except ValueError:
        raise ConfigError(f"OPENAI_BASE_URL has a malformed host or port; it must be {example}") from None
    if parts.scheme not in {"http", "https"}:
        raise ConfigError(f"OPENAI_BASE_URL must be {example}")
    if not host:
        raise ConfigError(f"OPENAI_BASE_URL has no host; it must be {example}")

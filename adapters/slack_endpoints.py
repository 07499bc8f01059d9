"""Where the Slack adapter's Web API client points, and how it survives rate limits.

Why a module of its own: every Slack client the adapter makes (the Bolt app's, the OAuth flow's,
the Socket Mode handler's) must share one base URL -- ``SLACK_API_URL``, so tests can point the
unmodified slack_sdk at a loopback fake -- and one retry policy. slack_sdk retries only connection
errors by default; Slack answers bursts with HTTP 429 and ``Retry-After``, and a reply the bot
drops on a 429 is a reply the member never sees. Server errors (500/503) are deliberately not
retried: Slack may already have posted the message, and a second post is worse than none.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, merged_env

log = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 1


def slack_api_url(env: Mapping[str, str] | None = None) -> str:
    """``SLACK_API_URL`` checked and ending in ``/`` (slack_sdk appends method names to it verbatim).

    Plain ``http://`` is accepted only for loopback hosts: the bot token travels in every request.
    """
    raw = ((merged_env() if env is None else env).get("SLACK_API_URL") or "").strip()
    if not raw:
        return DEFAULT_SLACK_API_URL
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        log.error("SLACK_API_URL rejected: %r is not an http(s) URL with a host", raw)
        raise ConfigError(f"SLACK_API_URL must be an https:// URL like {DEFAULT_SLACK_API_URL}, not {raw!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        log.error("SLACK_API_URL rejected: plain http to non-loopback host %s", parts.hostname)
        raise ConfigError("SLACK_API_URL must use https:// (plain http:// only for localhost or 127.0.0.1)")
    if parts.query or parts.fragment:
        log.error("SLACK_API_URL rejected: it has a query or fragment")
        raise ConfigError("SLACK_API_URL must not have a ?query or #fragment")
    return raw if raw.endswith("/") else raw + "/"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def slack_web_client(token: str | None = None, *, env: Mapping[str, str] | None = None,
                     timeout: int = 30) -> AsyncWebClient:
    """The adapter's Web API client: base URL from ``SLACK_API_URL``, 429s retried after ``Retry-After``.

    ``token`` is the bot token for single-workspace installs; leave it out for OAuth installs, where
    Bolt picks each workspace's token per request and copies this client's base URL and handlers.
    """
    return AsyncWebClient(
        token=token,
        base_url=slack_api_url(env),
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )

"""Where discord.py talks to: Discord itself, or a Discord-compatible server named in the environment.

discord.py has no client option for its REST base or gateway URL; both are class attributes read when a
request or websocket is made (``discord.http.Route.BASE``, also used by interaction webhooks, and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``). This module is the one place that sets them, so the
adapter calls ``apply_endpoints(env)`` once before the client starts and the tests point the unmodified
library at a loopback fake. Every call sets both attributes (the defaults when a variable is unset), so a
process that ran against a fake never leaks that URL into a later client.

The bot token travels on these connections, so plain ``http``/``ws`` is refused unless the host is a
loopback address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
API_PATH = "/api/v10"


class EndpointError(ValueError):
    """A DISCORD_API_BASE or DISCORD_GATEWAY_URL that cannot be used; the message is one line for the owner."""


@dataclass(frozen=True)
class Endpoints:
    api_base: str
    gateway: yarl.URL
    custom: bool  # True when either differs from Discord's own (worth a start-up log line)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse(name: str, raw: str, secure: str, plain: str) -> yarl.URL:
    try:
        url = yarl.URL(raw.strip())
    except (ValueError, TypeError) as exc:
        raise EndpointError(f"{name} is not a URL: {raw!r}") from exc
    if url.scheme not in (secure, plain) or not url.host:
        raise EndpointError(f"{name} must be a {secure}:// URL with a host, got {raw!r}")
    if url.scheme == plain and not _is_loopback(url.host):
        raise EndpointError(f"{name} may use {plain}:// only on a loopback address (the bot token travels on it)")
    if url.user or url.password or url.query_string or url.fragment:
        raise EndpointError(f"{name} must not carry credentials, a query or a fragment: {raw!r}")
    return url


def resolve_endpoints(env: Mapping[str, str]) -> Endpoints:
    """Read the two variables (empty means unset); raise EndpointError on a value that cannot be used.

    DISCORD_API_BASE is the REST root including the version (``https://discord.com/api/v10``); a bare
    origin such as ``http://127.0.0.1:8080`` gets ``/api/v10`` appended.
    """
    raw_api = (env.get("DISCORD_API_BASE") or "").strip()
    raw_gateway = (env.get("DISCORD_GATEWAY_URL") or "").strip()
    if raw_api:
        url = _parse("DISCORD_API_BASE", raw_api, "https", "http")
        path = url.path.rstrip("/")
        api_base = str(url.with_path(path or API_PATH)).rstrip("/")
    else:
        api_base = DEFAULT_API_BASE
    gateway = _parse("DISCORD_GATEWAY_URL", raw_gateway, "wss", "ws") if raw_gateway else yarl.URL(DEFAULT_GATEWAY_URL)
    custom = api_base != DEFAULT_API_BASE or str(gateway) != DEFAULT_GATEWAY_URL
    return Endpoints(api_base=api_base, gateway=gateway, custom=custom)


def apply_endpoints(env: Mapping[str, str]) -> Endpoints:
    """Point discord.py at the endpoints in ``env``; call before the client logs in.

    Validates both values before touching either attribute, so a bad value leaves discord.py as it was.
    """
    endpoints = resolve_endpoints(env)
    Route.BASE = endpoints.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = endpoints.gateway
    return endpoints

"""apply_endpoints: the one place the Discord adapter points discord.py at Discord or at a compatible server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord_endpoints import EndpointError, apply_endpoints, resolve_endpoints


@pytest.fixture(autouse=True)
def restore_defaults() -> Iterator[None]:
    yield
    apply_endpoints({})


def test_unset_means_discords_own_endpoints() -> None:
    endpoints = apply_endpoints({})
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
    assert Route("GET", "/users/@me").url == "https://discord.com/api/v10/users/@me"
    assert endpoints.custom is False


def test_loopback_fake_endpoints_are_applied_to_both_class_attributes() -> None:
    endpoints = apply_endpoints({"DISCORD_API_BASE": "http://127.0.0.1:8123/api/v10/",
                                 "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8123/gateway-ws"})
    assert Route("GET", "/users/@me").url == "http://127.0.0.1:8123/api/v10/users/@me"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:8123/gateway-ws"
    assert isinstance(DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL)
    assert endpoints.custom is True


def test_a_bare_origin_gets_the_api_path() -> None:
    assert resolve_endpoints({"DISCORD_API_BASE": "http://localhost:9000"}).api_base == \
        "http://localhost:9000/api/v10"
    assert resolve_endpoints({"DISCORD_API_BASE": "https://discord.example/"}).api_base == \
        "https://discord.example/api/v10"


def test_the_defaults_come_back_after_a_fake_was_used() -> None:
    apply_endpoints({"DISCORD_API_BASE": "http://[::1]:1/api/v10", "DISCORD_GATEWAY_URL": "ws://[::1]:1/"})
    apply_endpoints({"DISCORD_API_BASE": "", "DISCORD_GATEWAY_URL": "  "})
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


@pytest.mark.parametrize(("env", "message"), [
    ({"DISCORD_API_BASE": "http://discord.example/api/v10"},
     "DISCORD_API_BASE may use http:// only on a loopback address (the bot token travels on it)"),
    ({"DISCORD_GATEWAY_URL": "ws://10.0.0.5/"},
     "DISCORD_GATEWAY_URL may use ws:// only on a loopback address (the bot token travels on it)"),
    ({"DISCORD_API_BASE": "ftp://127.0.0.1/"},
     "DISCORD_API_BASE must be a https:// URL with a host, got 'ftp://127.0.0.1/'"),
    ({"DISCORD_GATEWAY_URL": "https://gateway.example/"},
     "DISCORD_GATEWAY_URL must be a wss:// URL with a host, got 'https://gateway.example/'"),
    ({"DISCORD_API_BASE": "discord.com/api/v10"},
     "DISCORD_API_BASE must be a https:// URL with a host, got 'discord.com/api/v10'"),
    ({"DISCORD_API_BASE": "https://user:pw@discord.example/api/v10"},
     "DISCORD_API_BASE must not carry credentials, a query or a fragment: "
     "'https://user:pw@discord.example/api/v10'"),
])
def test_unusable_values_are_refused_with_one_line_and_nothing_changes(env: dict[str, str], message: str) -> None:
    apply_endpoints({"DISCORD_API_BASE": "http://127.0.0.1:1/api/v10", "DISCORD_GATEWAY_URL": "ws://127.0.0.1:1/"})
    with pytest.raises(EndpointError) as refused:
        apply_endpoints({"DISCORD_API_BASE": "https://ok.example/api/v10", "DISCORD_GATEWAY_URL": "wss://ok.example/",
                         **env})
    assert str(refused.value) == message
    assert Route.BASE == "http://127.0.0.1:1/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/"

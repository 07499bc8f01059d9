"""A loopback fake Discord (REST under ``/api/v10`` and the gateway websocket) for tests of the real discord.py.

Why a fake server rather than mocks: the adapter must be tested through the unmodified library, so the
library has to speak its real protocol to something. The fake answers what discord.py asks for at login and
connect, records every REST call, and enforces the rules that make a wrong bot fail on Discord: the
3-second interaction callback window, one callback per interaction, the message, embed and component
limits (``helpers.discord_rules``), the 15-minute interaction token. It can answer one request with a 429
(with the ``Via`` header and ``retry_after`` body discord.py checks) and drop the gateway connection, after
which it accepts a RESUME and replays what the client missed.

Protocol as spoken by discord.py 2.7.1 (``discord/gateway.py``, ``discord/http.py``,
``discord/webhook/async_.py``, ``discord/state.py`` in the installed package) and documented at
https://discord.com/developers/docs/events/gateway (read 2026-11-27). Rules and their sources (read
2026-11-27): the 3-second first response and 15-minute token, Discord's words quoted at
https://qiita.com/TakeMimi/items/f3f0a495557a6991e840 from
https://discord.com/developers/docs/interactions/receiving-and-responding; the first follow-up after a
defer takes the deferred message's place, https://gist.github.com/cibere/7e1356575780e716d2e3a23ea2bcf6da;
error codes (10003, 10008, 10015, 10062, 40060, 50027, 50035),
https://discordapp.com/developers/docs/topics/response-codes. A 429 needs a ``Via`` header and a JSON
``retry_after`` or discord.py treats it as a Cloudflare ban (``discord/http.py`` 2.7.1, ``HTTPClient.request``).

Usage, inside a coroutine::

    async with FakeDiscord() as fake:
        apply_endpoints(fake.env)            # adapters.discord_endpoints
        ... start a discord.Client with fake.token ...
        await fake.wait_ready()
        interaction = await fake.send_slash_command("check", {"link": "https://youtu.be/x"})
        call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
        assert call.status == 200

Times are ``fake.clock()`` (``time.monotonic`` unless replaced); ``age_interaction`` moves an
interaction's creation back so a late callback is tested without waiting three seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import itertools
import json
import re
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from helpers.discord_rules import Problem, command_problems, message_problems, pings

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1_420_070_400_000
CALLBACK_WINDOW_S = 3.0
TOKEN_LIFETIME_S = 15 * 60
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Intents (https://discord.com/developers/docs/events/gateway#gateway-intents)
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Permissions
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)  # view, send, embed...
ALL_PERMISSIONS = (1 << 50) - 1

# Interaction and callback types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class RestCall:
    """One REST request as the fake saw it, and how it answered."""

    method: str
    path: str  # under /api/v10, e.g. "/channels/10/messages"
    query: dict[str, str]
    json: Any  # the JSON body (or a multipart body's payload_json); None without a body
    files: list[str]  # file names of multipart file parts
    headers: dict[str, str]
    at: float  # fake.clock() when the request arrived
    status: int = 0
    error: str = ""  # why the fake refused it; empty when it was accepted
    response: Any = None
    file_data: list[bytes] = field(default_factory=list)  # the bytes of each file part, in `files` order


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created_at: float | None = None  # set when dispatched on the gateway
    callback_type: int | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: dict[str, int]  # name -> channel id (text channels)
    owner_id: int


@dataclass
class GatewaySession:
    session_id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # every dispatch, for RESUME replay
    ws: web.WebSocketResponse | None = None
    compress: Any = None
    identifies: int = 1
    resumes: int = 0
    heartbeats: int = 0
    invalid: bool = False


@dataclass
class _RateLimit:
    method: str
    pattern: str
    retry_after: float
    is_global: bool
    scope: str
    remaining: int  # how many more matching requests get a 429


class _Refusal(Exception):
    def __init__(self, status: int, code: int, message: str, reason: str, problems: list[Problem] | None = None):
        super().__init__(reason)
        self.status, self.code, self.message, self.reason, self.problems = status, code, message, reason, problems


def _errors_tree(problems: list[Problem]) -> dict[str, Any]:
    """Discord's nested ``errors`` object (what discord.py flattens into the exception text)."""
    tree: dict[str, Any] = {}
    for path, message in problems:
        node = tree
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "INVALID", "message": message})
    return tree


def _invalid_form(problems: list[Problem]) -> _Refusal:
    reason = "; ".join(f"{p or '(body)'}: {m}" for p, m in problems)
    return _Refusal(400, 50035, "Invalid Form Body", reason, problems)


class FakeDiscord:
    """The fake server. Start it with ``async with``; everything it saw is in ``calls`` and ``gateway_log``."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        app_id: int = 900_000_000_000_000_001,
        bot_name: str = "Yuntai",
        guild_ids: tuple[int, ...] = (111_111_111_111_111_111,),
        channels: tuple[str, ...] = ("general", "clips"),
        shards: int = 1,
        heartbeat_interval_ms: int = 41_250,
        callback_window: float = CALLBACK_WINDOW_S,
        enabled_intents: int = PRIVILEGED_INTENTS,
        echo_messages: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.app_id = app_id
        self.shards = shards
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.callback_window = callback_window
        self.enabled_intents = enabled_intents
        self.echo_messages = echo_messages
        self.clock = clock
        self._ids = itertools.count(1)
        self.bot_user = self.make_user(bot_name, bot=True, user_id=app_id)
        self.owner = self.make_user("owner")
        self.guilds: dict[int, FakeGuild] = {}
        for gid in guild_ids:
            self.guilds[gid] = FakeGuild(gid, f"guild {gid}", {name: self.snowflake() for name in channels},
                                         int(self.owner["id"]))
        self.calls: list[RestCall] = []
        self.gateway_log: list[tuple[Any, ...]] = []  # ("connect",), ("identify", shard), ("resume", sid, seq)...
        self.sessions: list[GatewaySession] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # every message that exists, by id
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands
        self._rate_limits: list[_RateLimit] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._transports: dict[int, asyncio.BaseTransport] = {}  # id(websocket) -> its TCP transport
        self.port = 0

    # ------------------------------------------------------------------ lifecycle and addresses

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("GET", GATEWAY_PATH, self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self.sessions:
            if session.ws is not None and not session.ws.closed:
                with contextlib.suppress(Exception):
                    await session.ws.close(code=1001)
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def env(self) -> dict[str, str]:
        """The variables that point the adapter (``apply_endpoints``) at this fake."""
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url,
                "DISCORD_TOKEN": self.token}

    # ------------------------------------------------------------------ ids and objects

    def snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def make_user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> dict[str, Any]:
        return {"id": str(user_id or self.snowflake()), "username": name, "discriminator": "0",
                "global_name": name, "avatar": None, "bot": bot, "flags": 0, "public_flags": 0}

    @property
    def guild(self) -> FakeGuild:
        """The first guild (most tests need one)."""
        return next(iter(self.guilds.values()))

    def channel_id(self, name: str = "general", guild_id: int | None = None) -> int:
        return self.guilds[guild_id or self.guild.id].channels[name]

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if channel_id in g.channels.values()), None)

    def _channel_object(self, guild: FakeGuild, name: str, channel_id: int) -> dict[str, Any]:
        return {"id": str(channel_id), "type": 0, "guild_id": str(guild.id), "name": name,
                "position": list(guild.channels).index(name), "permission_overwrites": [], "nsfw": False,
                "parent_id": None, "topic": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}

    def _member(self, user: dict[str, Any], permissions: int | None = None) -> dict[str, Any]:
        member: dict[str, Any] = {"user": user, "roles": [], "joined_at": _now_iso(), "deaf": False,
                                  "mute": False, "flags": 0, "nick": None, "avatar": None, "pending": False}
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def _guild_object(self, guild: FakeGuild) -> dict[str, Any]:
        return {
            "id": str(guild.id), "name": guild.name, "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(guild.owner_id), "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
            "roles": [{"id": str(guild.id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS),
                       "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                       "flags": 0}],
            "emojis": [], "stickers": [], "features": [], "application_id": None, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "preferred_locale": "en-US", "public_updates_channel_id": None,
            "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": _now_iso(), "large": False,
            "unavailable": False, "member_count": 2, "voice_states": [], "threads": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "members": [self._member(self.bot_user), self._member(self.owner)],
            "channels": [self._channel_object(guild, n, c) for n, c in guild.channels.items()],
        }

    def _application(self) -> dict[str, Any]:
        return {"id": str(self.app_id), "name": self.bot_user["username"], "description": "", "icon": None,
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "owner": self.owner, "team": None, "flags": 0, "rpc_origins": [],
                "interactions_endpoint_url": None, "summary": "", "bot": self.bot_user}

    def _message_object(self, channel_id: int, payload: dict[str, Any], *, author: dict[str, Any],
                        message_id: int | None = None, flags: int = 0, files: list[str] | None = None,
                        kind: int = 0, webhook_id: int | None = None) -> dict[str, Any]:
        guild = self._guild_of_channel(channel_id)
        message: dict[str, Any] = {
            "id": str(message_id or self.snowflake()), "channel_id": str(channel_id), "author": author,
            "content": payload.get("content") or "", "timestamp": _now_iso(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [{"id": str(self.snowflake()), "filename": name, "size": 0,
                             "url": f"{self.api_base}/attachments/{name}", "proxy_url": "", "content_type": ""}
                            for name in files or []],
            "embeds": payload.get("embeds") or [], "components": payload.get("components") or [],
            "pinned": False, "type": kind, "flags": flags | int(payload.get("flags") or 0),
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.app_id)
        message["pings"] = pings(payload)  # not Discord's: who this message notified, for assertions
        return message

    # ------------------------------------------------------------------ waiting

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy; return its value.

        Wakes on every change the fake sees; it also re-checks every 20 ms, because a predicate may read the
        bot's own state, which changes without the fake knowing.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"fake Discord: timed out after {timeout} s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.02))

    def calls_to(self, method: str, pattern: str) -> list[RestCall]:
        """Recorded calls whose path matches ``pattern`` (fnmatch: ``*`` matches anything, even ``/``)."""
        return [c for c in self.calls if c.method == method and fnmatch.fnmatchcase(c.path, pattern)]

    async def wait_for_call(self, method: str, pattern: str, *, count: int = 1, timeout: float = 5.0) -> RestCall:
        """The ``count``-th recorded call matching, once it has been answered."""

        def found() -> RestCall | None:
            answered = [c for c in self.calls_to(method, pattern) if c.status]
            return answered[count - 1] if len(answered) >= count else None

        return await self.wait_until(found, timeout, f"{method} {pattern} (#{count})")

    def session(self, shard_id: int = 0) -> GatewaySession | None:
        live = [s for s in self.sessions if s.shard[0] == shard_id and not s.invalid]
        return live[-1] if live else None

    async def wait_ready(self, shard_id: int = 0, timeout: float = 5.0) -> GatewaySession:
        """Until the shard's session is identified and its GUILD_CREATEs sent."""
        return await self.wait_until(lambda: (s := self.session(shard_id)) and s.ws is not None
                                     and ("guilds_sent", s.session_id) in self.gateway_log and s,
                                     timeout, f"READY on shard {shard_id}")

    # ------------------------------------------------------------------ test controls

    def rate_limit_next(self, method: str, pattern: str, *, retry_after: float = 0.25, times: int = 1,
                        is_global: bool = False, scope: str = "user") -> None:
        """Answer the next ``times`` matching requests with a 429 (nothing is created for them)."""
        self._rate_limits.append(_RateLimit(method, pattern, retry_after, is_global, scope, times))

    def age_interaction(self, interaction_id: int, seconds: float) -> None:
        """Pretend the interaction was dispatched ``seconds`` earlier (for the callback and token windows)."""
        interaction = self.interactions[interaction_id]
        assert interaction.created_at is not None, "dispatch the interaction first"
        interaction.created_at -= seconds

    async def drop_gateway(self, shard_id: int = 0, code: int = 4000, *, abort: bool = False) -> None:
        """Close the shard's websocket as Discord does on an error; the session stays resumable.

        ``abort`` cuts the TCP connection without a close frame instead (a network failure).
        """
        session = self.session(shard_id)
        assert session is not None and session.ws is not None, f"shard {shard_id} is not connected"
        ws, session.ws = session.ws, None
        self.gateway_log.append(("dropped", session.session_id, None if abort else code))
        self._bump()
        transport = self._transports.get(id(ws))
        if abort and transport is not None:
            transport.abort()
        else:
            await ws.close(code=code, message=b"fake Discord dropped the connection")

    async def request_reconnect(self, shard_id: int = 0) -> None:
        """Send op 7 RECONNECT; the client should close and RESUME."""
        session = self.session(shard_id)
        assert session is not None and session.ws is not None
        await self._send(session, {"op": 7, "d": None})

    async def invalidate_session(self, shard_id: int = 0) -> None:
        """Send op 9 (not resumable); the client should IDENTIFY again."""
        session = self.session(shard_id)
        assert session is not None and session.ws is not None
        session.invalid = True
        await self._send(session, {"op": 9, "d": False})

    # ------------------------------------------------------------------ injected events

    def _shard_for(self, guild_id: int | None) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % self.shards

    async def dispatch(self, event: str, data: dict[str, Any], *, shard_id: int | None = None) -> int:
        """Send a DISPATCH to the shard's session (buffered for RESUME if the socket is down); return its seq."""
        if shard_id is None:
            gid = data.get("guild_id")
            shard_id = self._shard_for(int(gid) if gid else None)
        session = self.session(shard_id)
        if session is None:
            raise RuntimeError(f"fake Discord: no identified gateway session on shard {shard_id}")
        return await self._dispatch_to(session, event, data)

    async def _dispatch_to(self, session: GatewaySession, event: str, data: dict[str, Any]) -> int:
        if not self._subscribed(session, event, data):
            self.gateway_log.append(("filtered", event))
            self._bump()
            return 0
        data = self._visible(session, event, data)
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if event == "INTERACTION_CREATE":
            interaction = self.interactions.get(int(data["id"]))
            if interaction is not None and interaction.created_at is None:
                interaction.created_at = self.clock()
        if session.ws is not None:
            await self._send(session, frame)
        self.gateway_log.append(("dispatch", event, session.seq))
        self._bump()
        return session.seq

    @staticmethod
    def _subscribed(session: GatewaySession, event: str, data: dict[str, Any]) -> bool:
        if event.startswith("MESSAGE_"):
            need = GUILD_MESSAGES if data.get("guild_id") else DIRECT_MESSAGES
            return bool(session.intents & need)
        if event.startswith("GUILD_"):
            return bool(session.intents & GUILDS)
        return True

    def _visible(self, session: GatewaySession, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the Message Content intent a bot sees no content of others' messages that don't mention it."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
            return data
        author = (data.get("author") or {}).get("id")
        mentioned = any(str(m.get("id")) == self.bot_user["id"] for m in data.get("mentions") or [])
        if author == self.bot_user["id"] or mentioned or not data.get("guild_id"):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    def _new_interaction(self, kind: int, data: dict[str, Any], *, channel: str, user: dict[str, Any] | None,
                         permissions: int, guild_id: int | None, message: dict[str, Any] | None = None
                         ) -> FakeInteraction:
        guild = self.guilds[guild_id or self.guild.id]
        channel_id = guild.channels[channel]
        interaction_id, token = self.snowflake(), "itok_" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": kind, "data": data,
            "guild_id": str(guild.id), "channel_id": str(channel_id),
            "channel": self._channel_object(guild, channel, channel_id),
            "member": self._member(user or self.make_user("member"), permissions),
            "token": token, "version": 1, "locale": "en-US", "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMISSIONS), "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)}, "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(interaction_id, token, kind, payload)
        self.interactions[interaction_id] = interaction
        return interaction

    def _command_id(self, name: str, guild_id: int) -> int:
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return int(command["id"])
        return self.snowflake()

    async def send_slash_command(
        self, name: str, options: dict[str, Any] | list[dict[str, Any]] | None = None, *,
        channel: str = "general", user: dict[str, Any] | None = None, permissions: int = MEMBER_PERMISSIONS,
        guild_id: int | None = None, command_type: int = 1, target: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        """Dispatch an INTERACTION_CREATE for a slash command; ``options`` as {name: value} or Discord's list.

        A context-menu command is ``command_type=3`` (message) with ``target`` the message object.
        """
        gid = guild_id or self.guild.id
        if isinstance(options, dict):
            types = {bool: 5, int: 4, float: 10, str: 3}
            options = [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]
        data: dict[str, Any] = {"id": str(self._command_id(name, gid)), "name": name, "type": command_type,
                                "options": options or []}
        if target is not None:
            data["target_id"] = target["id"]
            data["resolved"] = {"messages": {target["id"]: target}}
        interaction = self._new_interaction(APPLICATION_COMMAND, data, channel=channel, user=user,
                                            permissions=permissions, guild_id=gid)
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def send_autocomplete(self, name: str, options: list[dict[str, Any]], **kwargs: Any) -> FakeInteraction:
        """Dispatch an autocomplete interaction; mark the focused option with ``"focused": True``."""
        gid = kwargs.pop("guild_id", None) or self.guild.id
        data = {"id": str(self._command_id(name, gid)), "name": name, "type": 1, "options": options}
        interaction = self._new_interaction(AUTOCOMPLETE, data, guild_id=gid, channel=kwargs.get("channel", "general"),
                                            user=kwargs.get("user"),
                                            permissions=kwargs.get("permissions", MEMBER_PERMISSIONS))
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def send_button_click(
        self, custom_id: str, *, message_id: int | None = None, channel: str = "general",
        user: dict[str, Any] | None = None, permissions: int = MEMBER_PERMISSIONS,
    ) -> FakeInteraction:
        """Dispatch a button click on a message the fake knows (the bot's own, normally) or a minimal one."""
        if message_id is not None:
            message = self.messages[message_id]
            guild = self._guild_of_channel(int(message["channel_id"]))
            assert guild is not None
            channel = next(n for n, c in guild.channels.items() if c == int(message["channel_id"]))
        else:
            message = self._message_object(self.channel_id(channel), {"content": "(a message with a button)"},
                                           author=self.bot_user)
        data = {"custom_id": custom_id, "component_type": 2}
        guild_id = int(message["guild_id"]) if message.get("guild_id") else None
        interaction = self._new_interaction(MESSAGE_COMPONENT, data, channel=channel, user=user,
                                            permissions=permissions, guild_id=guild_id, message=message)
        await self.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction

    async def send_message(
        self, content: str, *, channel: str = "general", author: dict[str, Any] | None = None,
        guild_id: int | None = None, mentions: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Dispatch a MESSAGE_CREATE from a member (or ``author``); return the message object."""
        guild = self.guilds[guild_id or self.guild.id]
        author = author or self.make_user("member")
        message = self._message_object(guild.channels[channel], {"content": content}, author=author)
        message["mentions"] = mentions or []
        message["member"] = {k: v for k, v in self._member(author).items() if k != "user"}
        message.pop("pings")
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    # ------------------------------------------------------------------ gateway

    async def _send(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        ws = session.ws
        if ws is None or ws.closed:
            return
        text = json.dumps(frame)
        try:
            if session.compress is not None:
                packed = session.compress.compress(text.encode()) + session.compress.flush(zlib.Z_SYNC_FLUSH)
                await ws.send_bytes(packed)
            else:
                await ws.send_str(text)
        except (ConnectionError, RuntimeError):
            pass

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if request.transport is not None:
            self._transports[id(ws)] = request.transport
        compress = zlib.compressobj() if request.query.get("compress") == "zlib-stream" else None
        self.gateway_log.append(("connect", dict(request.query)))
        self._bump()
        # A connection-scoped stand-in until IDENTIFY or RESUME binds the socket to a session.
        pending = GatewaySession("", (0, 1), 0, ws=ws, compress=compress)
        await self._send(pending, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        bound: GatewaySession | None = None
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    frame = json.loads(msg.data)
                    op, data = frame["op"], frame.get("d")
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=4002, message=b"Error while decoding payload")
                    break
                if op == 1:
                    await self._send(bound or pending, {"op": 11})
                    if bound is not None:
                        bound.heartbeats += 1
                    self.gateway_log.append(("heartbeat", data))
                    self._bump()
                elif op == 2:
                    bound = await self._identify(ws, compress, data, bound)
                elif op == 6:
                    bound = await self._resume(ws, compress, data, pending)
                elif op == 8:
                    if bound is not None:
                        await self._dispatch_to(bound, "GUILD_MEMBERS_CHUNK", {
                            "guild_id": str(data["guild_id"]), "members": [], "chunk_index": 0, "chunk_count": 1,
                            "not_found": [], "nonce": data.get("nonce")})
                elif op in (3, 4):
                    self.gateway_log.append(("op", op, data))
                else:
                    await ws.close(code=4001, message=b"Unknown opcode")
                    break
                if ws.closed:
                    break
        finally:
            if bound is not None and bound.ws is ws:
                bound.ws = None
            self._transports.pop(id(ws), None)
            self.gateway_log.append(("disconnect", ws.close_code))
            self._bump()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, compress: Any, data: dict[str, Any],
                        bound: GatewaySession | None) -> GatewaySession | None:
        if bound is not None:
            await ws.close(code=4005, message=b"Already authenticated")
            return bound
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int):
            await ws.close(code=4013, message=b"Invalid intent(s)")
            return None
        if intents & PRIVILEGED_INTENTS & ~self.enabled_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s)")
            return None
        shard_id, shard_count = data.get("shard") or (0, 1)
        if shard_count != self.shards or not 0 <= shard_id < shard_count:
            await ws.close(code=4010 if shard_id >= shard_count else 4011, message=b"Invalid shard")
            return None
        session = GatewaySession(secrets.token_hex(16), (shard_id, shard_count), intents, ws=ws, compress=compress)
        self.sessions.append(session)
        self.gateway_log.append(("identify", (shard_id, shard_count), intents))
        guilds = [g for g in self.guilds.values() if self._shard_for(g.id) == shard_id]
        await self._dispatch_to(session, "READY", {
            "v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id, "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count], "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [], "relationships": [],
        })
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", self._guild_object(guild))
        self.gateway_log.append(("guilds_sent", session.session_id))
        self._bump()
        return session

    async def _resume(self, ws: web.WebSocketResponse, compress: Any, data: dict[str, Any],
                      pending: GatewaySession) -> GatewaySession | None:
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        self.gateway_log.append(("resume", data.get("session_id"), data.get("seq")))
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed")
            return None
        if session is None or session.invalid:
            await self._send(pending, {"op": 9, "d": False})
            self._bump()
            return None
        if session.ws is not None and not session.ws.closed:
            old, session.ws = session.ws, None
            await old.close(code=4000)
        session.ws, session.compress = ws, compress
        session.resumes += 1
        last = data.get("seq") or 0
        for frame in [f for f in session.sent if f["s"] > last]:
            await self._send(session, frame)
        await self._dispatch_to(session, "RESUMED", {})
        return session

    # ------------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[str] = []
        file_data: list[bytes] = []
        problem = ""
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.filename:  # type: ignore[union-attr]
                    files.append(part.filename)  # type: ignore[union-attr]
                    file_data.append(bytes(await part.read()))  # type: ignore[union-attr]
        elif request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                problem = "the body is not JSON"
        call = RestCall(request.method, path, dict(request.query), body, files,
                        {k.lower(): v for k, v in request.headers.items()}, self.clock(), file_data=file_data)
        self.calls.append(call)
        try:
            if problem:
                raise _Refusal(400, 50109, "The request body contains invalid JSON.", problem)
            limited = self._take_rate_limit(call)
            if limited is not None:
                return self._answer(call, *self._too_many(limited))
            status, payload = await self._route(call)
            return self._answer(call, status, payload)
        except _Refusal as refusal:
            call.error = refusal.reason
            body_out: dict[str, Any] = {"message": refusal.message, "code": refusal.code}
            if refusal.problems:
                body_out["errors"] = _errors_tree(refusal.problems)
            return self._answer(call, refusal.status, body_out)

    def _answer(self, call: RestCall, status: int, payload: Any,
                headers: dict[str, str] | None = None) -> web.Response:
        call.status, call.response = status, payload
        self._bump()
        base = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49", "X-RateLimit-Reset-After": "1.0",
                "X-RateLimit-Reset": f"{time.time() + 1:.3f}", "X-RateLimit-Bucket": "fake-bucket",
                "Via": "1.1 google"}
        base.update(headers or {})
        if payload is None:
            return web.Response(status=status, headers=base)
        # Exactly "application/json" (no charset): discord.py's json_or_text parses nothing else.
        base["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(payload).encode(), status=status, headers=base)

    def _take_rate_limit(self, call: RestCall) -> _RateLimit | None:
        for limit in self._rate_limits:
            if limit.remaining > 0 and limit.method == call.method and fnmatch.fnmatchcase(call.path, limit.pattern):
                limit.remaining -= 1
                call.error = f"rate limited (retry_after {limit.retry_after})"
                return limit
        return None

    @staticmethod
    def _too_many(limit: _RateLimit) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers = {"Retry-After": str(max(1, round(limit.retry_after))), "X-RateLimit-Limit": "5",
                   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{limit.retry_after:.3f}",
                   "X-RateLimit-Reset": f"{time.time() + limit.retry_after:.3f}", "X-RateLimit-Scope": limit.scope,
                   "Via": "1.1 google"}
        if limit.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": limit.retry_after,
                "global": limit.is_global, "code": 0}
        return 429, body, headers

    def _authorised(self, call: RestCall) -> None:
        if call.headers.get("authorization") != f"Bot {self.token}":
            raise _Refusal(401, 0, "401: Unauthorized", "missing or wrong bot token")

    async def _route(self, call: RestCall) -> tuple[int, Any]:
        for method, pattern, handler, needs_auth in self._routes():
            if method != call.method:
                continue
            match = re.fullmatch(pattern, call.path)
            if match is None:
                continue
            if needs_auth:
                self._authorised(call)
            return await handler(call, *match.groups())
        raise _Refusal(404, 0, "404: Not Found", f"the fake has no route for {call.method} {call.path}")

    def _routes(self) -> list[tuple[str, str, Callable[..., Any], bool]]:
        sf, tok = r"(\d+)", r"([^/]+)"
        return [
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"/applications/{sf}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{sf}/commands", self._put_commands, True),
            ("GET", rf"/applications/{sf}/guilds/{sf}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{sf}/guilds/{sf}/commands", self._put_commands, True),
            ("POST", rf"/interactions/{sf}/{tok}/callback", self._callback, False),
            ("POST", rf"/webhooks/{sf}/{tok}", self._followup, False),
            ("GET", rf"/webhooks/{sf}/{tok}/messages/(@original|\d+)", self._get_webhook_message, False),
            ("PATCH", rf"/webhooks/{sf}/{tok}/messages/(@original|\d+)", self._edit_webhook_message, False),
            ("DELETE", rf"/webhooks/{sf}/{tok}/messages/(@original|\d+)", self._delete_webhook_message, False),
            ("GET", rf"/channels/{sf}", self._get_channel, True),
            ("POST", rf"/channels/{sf}/messages", self._create_message, True),
            ("GET", rf"/channels/{sf}/messages/{sf}", self._get_message, True),
            ("PATCH", rf"/channels/{sf}/messages/{sf}", self._edit_message, True),
            ("DELETE", rf"/channels/{sf}/messages/{sf}", self._delete_message, True),
        ]

    async def _get_gateway(self, call: RestCall) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: RestCall) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url, "shards": self.shards,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000,
                                             "max_concurrency": 1}}

    async def _get_me(self, call: RestCall) -> tuple[int, Any]:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False}

    async def _get_application(self, call: RestCall) -> tuple[int, Any]:
        return 200, self._application()

    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.app_id:
            raise _Refusal(403, 50001, "Missing Access", f"application id {app_id} is not this bot's {self.app_id}")

    async def _get_commands(self, call: RestCall, app_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_app(app_id)
        return 200, self.commands.get(int(guild_id) if guild_id else None, [])

    async def _put_commands(self, call: RestCall, app_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_app(app_id)
        scope = int(guild_id) if guild_id else None
        if scope is not None and scope not in self.guilds:
            raise _Refusal(403, 50001, "Missing Access", f"the bot is not in guild {scope}")
        problems = command_problems(call.json)
        if problems:
            raise _invalid_form(problems)
        stored = []
        for command in call.json:
            stored.append({
                "type": 1, "options": [], "default_member_permissions": None, "dm_permission": True,
                "nsfw": False, "contexts": None, "integration_types": [0], "description": "",
                **command, "id": str(self._command_id_for(scope, command)), "application_id": str(self.app_id),
                "version": str(self.snowflake()), **({"guild_id": str(scope)} if scope else {}),
            })
        self.commands[scope] = stored
        return 200, stored

    def _command_id_for(self, scope: int | None, command: dict[str, Any]) -> int:
        for old in self.commands.get(scope, []):
            if old["name"] == command["name"] and old["type"] == command.get("type", 1):
                return int(old["id"])
        return self.snowflake()

    # interactions --------------------------------------------------------

    def _interaction(self, interaction_id: str, token: str) -> FakeInteraction:
        interaction = self.interactions.get(int(interaction_id))
        if interaction is None or interaction.token != token or interaction.created_at is None:
            raise _Refusal(404, 10062, "Unknown interaction", "no such interaction (id or token wrong)")
        return interaction

    async def _callback(self, call: RestCall, interaction_id: str, token: str) -> tuple[int, Any]:
        interaction = self._interaction(interaction_id, token)
        assert interaction.created_at is not None
        age = call.at - interaction.created_at
        if age > self.callback_window:
            raise _Refusal(404, 10062, "Unknown interaction",
                           f"late callback: {age:.2f} s after the interaction (window {self.callback_window} s)")
        if interaction.callback_type is not None:
            raise _Refusal(400, 40060, "Interaction has already been acknowledged.",
                           f"second callback (the first was type {interaction.callback_type})")
        body = call.json if isinstance(call.json, dict) else {}
        kind = body.get("type")
        if kind not in ALLOWED_CALLBACKS.get(interaction.type, set()):
            raise _invalid_form([("type", f"callback type {kind!r} is not valid for interaction "
                                          f"type {interaction.type}")])
        data = body.get("data") or {}
        if kind == AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
            raise _invalid_form([("data.choices", "must be 25 or fewer in length")])
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            problems = message_problems(data, creating=kind == CHANNEL_MESSAGE, has_files=bool(call.files))
            if problems:
                raise _invalid_form([(f"data.{p}".rstrip("."), m) for p, m in problems])
        interaction.callback_type = kind
        channel_id = int(interaction.payload["channel_id"])
        message: dict[str, Any] | None = None
        if kind == CHANNEL_MESSAGE:
            message = self._store_interaction_message(interaction, data, call.files, flags=0)
            interaction.original_id = int(message["id"])
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self._message_object(channel_id, {}, author=self.bot_user, flags=LOADING | int(
                data.get("flags") or 0), kind=20, webhook_id=self.app_id)
            self.messages[int(message["id"])] = message
            interaction.original_id = int(message["id"])
        elif kind == UPDATE_MESSAGE:
            target = int(interaction.payload["message"]["id"])
            if target in self.messages:
                message = self._apply_edit(self.messages[target], data, call.files)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        response: dict[str, Any] = {"interaction": {"id": str(interaction.id), "type": interaction.type}}
        if message is not None:
            response["interaction"].update({
                "response_message_id": message["id"],
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message["flags"] & EPHEMERAL)})
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    def _store_interaction_message(self, interaction: FakeInteraction, data: dict[str, Any], files: list[str],
                                   flags: int) -> dict[str, Any]:
        channel_id = int(interaction.payload["channel_id"])
        message = self._message_object(channel_id, data, author=self.bot_user, flags=flags, files=files,
                                       kind=20 if interaction.type == APPLICATION_COMMAND else 19,
                                       webhook_id=self.app_id)
        self.messages[int(message["id"])] = message
        self._echo("MESSAGE_CREATE", message)
        return message

    def _webhook_interaction(self, app_id: str, token: str) -> FakeInteraction:
        interaction = next((i for i in self.interactions.values() if i.token == token), None)
        if int(app_id) != self.app_id or interaction is None:
            raise _Refusal(404, 10015, "Unknown Webhook", "no interaction with this application id and token")
        if interaction.callback_type is None:
            raise _Refusal(404, 10015, "Unknown Webhook", "follow-up before the interaction was acknowledged")
        assert interaction.created_at is not None
        if self.clock() - interaction.created_at > TOKEN_LIFETIME_S:
            raise _Refusal(401, 50027, "Invalid Webhook Token", "the interaction token expired (15 minutes)")
        return interaction

    async def _followup(self, call: RestCall, app_id: str, token: str) -> tuple[int, Any]:
        interaction = self._webhook_interaction(app_id, token)
        data = call.json if isinstance(call.json, dict) else {}
        problems = message_problems(data, has_files=bool(call.files))
        if problems:
            raise _invalid_form(problems)
        original = self.messages.get(interaction.original_id or 0)
        if original is not None and original["flags"] & LOADING and not interaction.followup_ids:
            # After a deferred "thinking" response, the first follow-up fills the loading message.
            message = self._apply_edit(original, data, call.files)
            message["flags"] &= ~LOADING
        else:
            message = self._store_interaction_message(interaction, data, call.files,
                                                      flags=int(data.get("flags") or 0))
        interaction.followup_ids.append(int(message["id"]))
        if call.query.get("wait") not in ("true", "1", "True"):
            return 204, None
        return 200, message

    def _interaction_message(self, interaction: FakeInteraction, message_id: str) -> dict[str, Any]:
        wanted = interaction.original_id if message_id == "@original" else int(message_id)
        mine = {interaction.original_id, *interaction.followup_ids}
        if wanted is None or wanted not in mine or wanted not in self.messages:
            raise _Refusal(404, 10008, "Unknown Message", f"no message {message_id} for this interaction")
        return self.messages[wanted]

    async def _get_webhook_message(self, call: RestCall, app_id: str, token: str, mid: str) -> tuple[int, Any]:
        interaction = self._webhook_interaction(app_id, token)
        return 200, self._interaction_message(interaction, mid)

    async def _edit_webhook_message(self, call: RestCall, app_id: str, token: str, mid: str) -> tuple[int, Any]:
        interaction = self._webhook_interaction(app_id, token)
        message = self._interaction_message(interaction, mid)
        data = call.json if isinstance(call.json, dict) else {}
        problems = message_problems({**message, **data}, creating=False)
        if problems:
            raise _invalid_form(problems)
        edited = self._apply_edit(message, data, call.files)
        edited["flags"] &= ~LOADING
        return 200, edited

    async def _delete_webhook_message(self, call: RestCall, app_id: str, token: str, mid: str) -> tuple[int, Any]:
        interaction = self._webhook_interaction(app_id, token)
        message = self._interaction_message(interaction, mid)
        del self.messages[int(message["id"])]
        return 204, None

    # channel messages ----------------------------------------------------

    def _channel(self, channel_id: str) -> tuple[FakeGuild, int]:
        guild = self._guild_of_channel(int(channel_id))
        if guild is None:
            raise _Refusal(404, 10003, "Unknown Channel", f"no channel {channel_id}")
        return guild, int(channel_id)

    async def _get_channel(self, call: RestCall, channel_id: str) -> tuple[int, Any]:
        guild, cid = self._channel(channel_id)
        name = next(n for n, c in guild.channels.items() if c == cid)
        return 200, self._channel_object(guild, name, cid)

    async def _create_message(self, call: RestCall, channel_id: str) -> tuple[int, Any]:
        _, cid = self._channel(channel_id)
        data = call.json if isinstance(call.json, dict) else {}
        problems = message_problems(data, has_files=bool(call.files))
        if problems:
            raise _invalid_form(problems)
        message = self._message_object(cid, data, author=self.bot_user, files=call.files,
                                       kind=19 if data.get("message_reference") else 0)
        self.messages[int(message["id"])] = message
        self._echo("MESSAGE_CREATE", message)
        return 200, message

    def _channel_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        _, cid = self._channel(channel_id)
        message = self.messages.get(int(message_id))
        if message is None or int(message["channel_id"]) != cid:
            raise _Refusal(404, 10008, "Unknown Message", f"no message {message_id} in channel {channel_id}")
        return message

    async def _get_message(self, call: RestCall, channel_id: str, message_id: str) -> tuple[int, Any]:
        return 200, self._channel_message(channel_id, message_id)

    async def _edit_message(self, call: RestCall, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self._channel_message(channel_id, message_id)
        if message["author"]["id"] != self.bot_user["id"]:
            raise _Refusal(403, 50005, "Cannot edit a message authored by another user",
                           "the bot edited someone else's message")
        data = call.json if isinstance(call.json, dict) else {}
        problems = message_problems({**message, **data}, creating=False)
        if problems:
            raise _invalid_form(problems)
        return 200, self._apply_edit(message, data, call.files)

    async def _delete_message(self, call: RestCall, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self._channel_message(channel_id, message_id)
        del self.messages[int(message["id"])]
        return 204, None

    def _apply_edit(self, message: dict[str, Any], data: dict[str, Any], files: list[str]) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        if files:
            message["attachments"] = [*message["attachments"], *({"id": str(self.snowflake()), "filename": f,
                                      "size": 0, "url": "", "proxy_url": "", "content_type": ""} for f in files)]
        message["edited_timestamp"] = _now_iso()
        message["pings"] = sorted({*message.get("pings", []), *pings(data)})
        self._echo("MESSAGE_UPDATE", message)
        return message

    def _echo(self, event: str, message: dict[str, Any]) -> None:
        """Discord sends the bot its own non-ephemeral messages too; a bot that answers itself will see them."""
        if not self.echo_messages or message["flags"] & EPHEMERAL:
            return
        frame = {k: v for k, v in message.items() if k != "pings"}
        if frame.get("guild_id"):
            frame["member"] = {k: v for k, v in self._member(self.bot_user).items() if k != "user"}
        gid = frame.get("guild_id")
        session = self.session(self._shard_for(int(gid) if gid else None))
        if session is None:
            return
        task = asyncio.get_running_loop().create_task(self._dispatch_to(session, event, frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ assertions helpers

    def channel_messages(self, channel: str = "general", guild_id: int | None = None) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first (the bot's and injected ones)."""
        cid = self.channel_id(channel, guild_id)
        return [m for m in self.messages.values() if int(m["channel_id"]) == cid]

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["author"]["id"] == self.bot_user["id"]]

    def ack_delay(self, interaction_id: int) -> float | None:
        """Seconds from dispatching the interaction to its first accepted callback (None if none yet)."""
        interaction = self.interactions[interaction_id]
        accepted = [c for c in self.calls_to("POST", f"/interactions/{interaction_id}/*/callback") if c.status < 300]
        if not accepted or interaction.created_at is None:
            return None
        return accepted[0].at - interaction.created_at

    def pings_sent(self) -> list[tuple[RestCall, list[str]]]:
        """Every recorded request whose message payload would notify someone, with who (see ``pings``).

        Checks each call's JSON as sent, refused or not, including interaction callbacks' ``data``.
        """
        found = []
        for call in self.calls:
            payload = call.json
            if isinstance(payload, dict) and call.path.endswith("/callback"):
                payload = payload.get("data")
            who = pings(payload)
            if who:
                found.append((call, who))
        return found

    def refused(self) -> list[RestCall]:
        """Calls the fake refused for breaking a rule (not 429s)."""
        return [c for c in self.calls if c.status >= 400 and c.status != 429]

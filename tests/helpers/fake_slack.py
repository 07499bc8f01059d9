"""A loopback fake of Slack's Web API, ``response_url`` endpoint and Socket Mode websocket.

Why a fake server rather than mocks: the Slack adapter is built on slack-bolt and slack_sdk, and
the only honest test of that wiring is to let the unmodified libraries talk HTTP and websockets to
something that answers like Slack. Point ``AsyncWebClient(base_url=fake.base_url)`` (or
``SLACK_API_URL``) at it, then assert on ``fake.calls``: every request is recorded with its method,
its merged query/form/JSON payload, its lower-cased headers, its monotonic arrival time, and what
the fake answered.

What it imitates (shapes from https://docs.slack.dev/reference/methods/, read 2026-11-27):

- ``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``, ``chat.update``, ``chat.unfurl``,
  ``users.info`` (``is_admin``/``is_owner`` per user), ``conversations.info``,
  ``files.getUploadURLExternal`` + the upload URL + ``files.completeUploadExternal``,
  ``oauth.v2.access`` (client id/secret by HTTP Basic auth or form; single-use codes), and
  ``apps.connections.open`` (app-level ``xapp-`` tokens only) returning a loopback websocket URL.
- Tokens are checked: none -> ``not_authed``, unknown -> ``invalid_auth``, an app token on a bot
  method (or the reverse) -> ``not_allowed_token_type``. Each token belongs to one team, and
  ``users.info`` only finds users of that team, so multi-workspace mix-ups show.
- Block Kit limits (https://api.slack.com/reference/block-kit/blocks: 50 blocks a message;
  https://docs.slack.dev/reference/block-kit/block-elements/button-element: text 75, action_id
  255, value 2,000; section text 3,000 from the section block reference; read 2026-11-27):
  at most 50 blocks, section text 3,000 characters, ``action_id`` 255, button ``value`` 2,000,
  button text 75. A payload over a limit gets ``invalid_blocks`` with one JSON-pointer message per
  breach (Slack's style; the exact wording is the fake's) and is not stored.
- Uploads: ``files.completeUploadExternal`` to a channel the bot is not in (``remove_bot_from``) gets
  ``not_in_channel``, to another team's channel ``channel_not_found``; each completed share is kept
  in ``shared`` (file id, channel, ``thread_ts``, title, size, team) with the bytes in ``uploads``.
- ``rate_limit(method)`` answers the next call(s) with HTTP 429, ``Retry-After`` and
  ``{"ok": false, "error": "ratelimited"}``; ``script(method, Reply(...))`` answers anything.
- Socket Mode: ``hello`` on connect, ``send_envelope()`` / ``wait_ack()``, ``send_disconnect()``
  (the client must reconnect through a fresh ``apps.connections.open``).
- ``Call.texts()`` / ``Call.mentions()`` find every text and any notifying ``<!channel>``-style
  sequence in a recorded payload, for escaping tests; ``add_team()`` registers another workspace.

Known simplifications: the ``response_url`` endpoint answers ``{"ok": true}`` (or 400 with
``invalid_blocks``), never expires and accepts any number of posts; message timestamps are
sequential; no pagination; the error names of the upload and unfurl checks are best guesses; other
errors are not imitated.

Usage, inside a coroutine::

    async with FakeSlack() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        await client.chat_postMessage(channel="C0FAKE001", text="hi")
        assert fake.delivered("chat.postMessage")[0].payload["text"] == "hi"
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

TEAM_ID = "T0FAKE001"
TEAM_NAME = "Fake Studio"
BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-1-fake-app-token"
BOT_USER_ID = "U0FAKEBOT"
BOT_ID = "B0FAKEBOT"
APP_ID = "A0FAKEAPP"
CHANNEL_ID = "C0FAKE001"
CHANNEL_NAME = "demos"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_TEXT = 75

Json = dict[str, Any]

# https://docs.slack.dev/messaging/formatting-message-text/ (read 2026-11-27): special mentions and
# user/group mentions are written <!here>, <!channel>, <!everyone>, <@U123>, <!subteam^S123>.
MENTION = re.compile(r"<(?:!(?:here|channel|everyone|subteam\^)|@[UW])[^>]*>")


@dataclass(frozen=True)
class SlackUser:
    id: str
    team_id: str = TEAM_ID
    name: str = "member"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False

    def as_api(self) -> Json:
        return {
            "id": self.id, "team_id": self.team_id, "name": self.name, "real_name": self.name,
            "deleted": False, "is_bot": self.is_bot, "is_app_user": False,
            "is_admin": self.is_admin, "is_owner": self.is_owner, "is_primary_owner": False,
            "is_restricted": False, "is_ultra_restricted": False, "tz": "Europe/London",
            "profile": {"display_name": self.name, "real_name": self.name, "team": self.team_id},
        }


@dataclass(frozen=True)
class SlackChannel:
    id: str
    name: str
    team_id: str = TEAM_ID
    is_private: bool = False


@dataclass(frozen=True)
class Token:
    """Who a token speaks for. ``kind`` is ``bot``, ``user`` or ``app`` (Socket Mode only)."""

    team_id: str
    team_name: str
    user_id: str
    kind: str = "bot"
    bot_id: str | None = BOT_ID


@dataclass(frozen=True)
class Grant:
    """What ``oauth.v2.access`` answers for one single-use code."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    installer_id: str
    scope: str = "commands,chat:write,links:read,links:write,users:read,channels:read,files:write"
    redirect_uri: str | None = None


@dataclass
class Call:
    """One request the fake received."""

    method: str  # the Web API method, "response_url", or "upload"
    path: str
    payload: Json
    headers: dict[str, str]  # lower-cased names
    at: float  # time.monotonic()
    status: int = 200
    answer: Json = field(default_factory=dict)
    raw: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.answer.get("ok") is True

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.answer.get("error"))

    def texts(self) -> list[str]:
        """Every string under a ``text`` key anywhere in the payload (blocks and unfurls included)."""
        found: list[str] = []

        def walk(node: Any) -> None:
            node = _json_arg(node)
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        found.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.payload)
        return found

    def mentions(self) -> list[str]:
        """Slack control sequences that notify people (``<!channel>``, ``<!here>``, ``<@U123>``, ...)."""
        return [m for text in self.texts() for m in MENTION.findall(text)]

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer "):]
        value = self.payload.get("token")
        return value if isinstance(value, str) else None


@dataclass
class Reply:
    """A scripted answer for the next call of one method."""

    status: int = 200
    body: Json = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def block_errors(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Slack-style ``invalid_blocks`` messages for ``blocks`` (a list or its JSON text); empty when valid."""
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return [f"invalid JSON [json-pointer:{pointer}]"]
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"must provide no more than {MAX_BLOCKS} items [json-pointer:{pointer}]")
    for i, block in enumerate(blocks):
        here = f"{pointer}/{i}"
        if not isinstance(block, dict):
            errors.append(f"must be an object [json-pointer:{here}]")
            continue
        if block.get("type") == "section":
            text = (block.get("text") or {}).get("text", "") if isinstance(block.get("text"), dict) else ""
            if len(text) > MAX_SECTION_TEXT:
                errors.append(f"must be less than {MAX_SECTION_TEXT + 1} characters [json-pointer:{here}/text/text]")
        errors.extend(_element_errors(block, here))
    return errors


def _element_errors(node: Any, pointer: str) -> list[str]:
    errors: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            errors.extend(_element_errors(item, f"{pointer}/{i}"))
        return errors
    if not isinstance(node, dict):
        return errors
    action_id = node.get("action_id")
    if isinstance(action_id, str) and len(action_id) > MAX_ACTION_ID:
        errors.append(f"must be less than {MAX_ACTION_ID + 1} characters [json-pointer:{pointer}/action_id]")
    if node.get("type") == "button":
        text = node.get("text")
        label = text.get("text", "") if isinstance(text, dict) else ""
        if len(label) > MAX_BUTTON_TEXT:
            errors.append(f"must be less than {MAX_BUTTON_TEXT + 1} characters [json-pointer:{pointer}/text/text]")
        value = node.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            errors.append(f"must be less than {MAX_BUTTON_VALUE + 1} characters [json-pointer:{pointer}/value]")
    for key, child in node.items():
        if isinstance(child, dict | list):
            errors.extend(_element_errors(child, f"{pointer}/{key}"))
    return errors


def _json_arg(value: Any) -> Any:
    """Form-encoded calls carry structured arguments as JSON text; JSON calls carry them as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


Handler = Callable[[Call, Token | None], Awaitable[Json]]


class FakeSlack:
    """The fake; an async context manager that serves on ``127.0.0.1`` on a free port."""

    def __init__(
        self,
        *,
        users: Iterable[SlackUser] = (),
        channels: Iterable[SlackChannel] = (SlackChannel(CHANNEL_ID, CHANNEL_NAME),),
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
    ) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, SlackUser] = {u.id: u for u in users}
        self.channels: dict[str, SlackChannel] = {c.id: c for c in channels}
        self.tokens: dict[str, Token] = {
            BOT_TOKEN: Token(TEAM_ID, TEAM_NAME, BOT_USER_ID),
            APP_TOKEN: Token(TEAM_ID, TEAM_NAME, BOT_USER_ID, kind="app", bot_id=None),
        }
        self.messages: dict[tuple[str, str], Json] = {}
        self.uploads: dict[str, bytes] = {}
        self.shared: list[Json] = []  # completed uploads: file id, channel, thread_ts, title, size
        self.bot_absent: set[str] = set()  # channel ids the bot is not a member of (uploads get not_in_channel)
        self.grants: dict[str, Grant] = {}
        self.client_id = client_id
        self.client_secret = client_secret
        self.socket_acks: dict[str, Json] = {}
        self.socket_received: list[Json] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.unfurl": self._unfurl,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
        }

    # ----------------------------------------------------------------- lifecycle and addresses

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._on_api)
        app.router.add_post("/response/{key}", self._on_response_url)
        app.router.add_post("/upload/{file_id}", self._on_upload)
        app.router.add_get("/socket-mode", self._on_socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``SLACK_API_URL`` / ``AsyncWebClient(base_url=...)`` should be (slack_sdk wants the slash)."""
        return f"{self.origin}/api/"

    def response_url(self, key: str = "r1") -> str:
        """A ``response_url`` to put in a signed payload; posts to it are recorded as method ``response_url``."""
        return f"{self.origin}/response/{key}"

    # ----------------------------------------------------------------- configuration by tests

    def add_user(self, user_id: str, *, team_id: str = TEAM_ID, name: str = "member", is_admin: bool = False,
                 is_owner: bool = False) -> SlackUser:
        user = SlackUser(user_id, team_id, name, is_admin, is_owner)
        self.users[user_id] = user
        return user

    def add_team(self, team_id: str, team_name: str, bot_token: str, *, bot_user_id: str = "U0BOTOTHER") -> None:
        """Register another workspace's bot token (as an install would) without the OAuth dance."""
        self.tokens[bot_token] = Token(team_id, team_name, bot_user_id, bot_id=f"B{bot_user_id[1:]}")

    def add_channel(self, channel_id: str, name: str, *, team_id: str = TEAM_ID, is_private: bool = False) -> None:
        self.channels[channel_id] = SlackChannel(channel_id, name, team_id, is_private)

    def remove_bot_from(self, channel_id: str) -> None:
        """The bot is not (or no longer) a member of ``channel_id``: sharing a file there gets ``not_in_channel``."""
        self.bot_absent.add(channel_id)

    def add_message(self, channel: str, ts: str, *, text: str = "", blocks: list[Json] | None = None) -> None:
        """Seed a message (as if the bot had posted it earlier) so ``chat.update`` can find it."""
        self.messages[(channel, ts)] = {"type": "message", "ts": ts, "text": text, "blocks": blocks or [],
                                        "user": BOT_USER_ID, "bot_id": BOT_ID}

    def grant_code(self, *, team_id: str, team_name: str, installer_id: str = "U0INSTALL",
                   redirect_uri: str | None = None) -> str:
        """Register an OAuth code as Slack would after a user approves the install; returns the code."""
        n = next(self._ids)
        code = f"fake-code-{n}"
        grant = Grant(team_id, team_name, f"xoxb-{team_id}-fake-{n}", f"U0BOT{n:04d}", installer_id,
                      redirect_uri=redirect_uri)
        self.grants[code] = grant
        return code

    def script(self, method: str, *replies: Reply) -> None:
        """Answer the next calls of ``method`` with ``replies`` (in order) instead of the normal behaviour."""
        self._scripts.setdefault(method, []).extend(replies)

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429 with ``Retry-After: retry_after``."""
        reply = Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self.script(method, *([reply] * times))

    # ----------------------------------------------------------------- assertions helpers

    def calls_to(self, method: str) -> list[Call]:
        """Every attempt at ``method``, answered or refused, in arrival order."""
        return [c for c in self.calls if c.method == method]

    def delivered(self, method: str) -> list[Call]:
        """The calls of ``method`` that Slack would have acted on (HTTP 200 and ``ok: true``)."""
        return [c for c in self.calls_to(method) if c.ok]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` are recorded (work done after an ack arrives later)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
        return self.calls_to(method)

    # ----------------------------------------------------------------- Socket Mode

    async def wait_socket(self, timeout: float = 5.0) -> None:
        """Wait until a Socket Mode client is connected (and has been sent ``hello``)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: any(not ws.closed for ws in self._sockets))

    async def send_envelope(self, kind: str, payload: Json, *, retry_attempt: int = 0,
                            retry_reason: str = "") -> str:
        """Push one envelope (``slash_commands``, ``interactive`` or ``events_api``); returns its id."""
        envelope_id = f"fake-envelope-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise RuntimeError("no Socket Mode client is connected")
        await live[-1].send_json(envelope)
        return envelope_id

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the connected client to reconnect, as Slack does every few hours (it opens a new URL)."""
        for ws in [ws for ws in self._sockets if not ws.closed]:
            await ws.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "fake-slack"}})

    def live_sockets(self) -> int:
        return sum(1 for ws in self._sockets if not ws.closed)

    async def wait_ack(self, envelope_id: str, timeout: float = 3.0) -> Json:
        """The client's acknowledgement of ``envelope_id`` (Slack wants it within 3 seconds)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: envelope_id in self.socket_acks)
        return self.socket_acks[envelope_id]

    # ----------------------------------------------------------------- HTTP plumbing

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _read_call(self, request: web.Request, method: str) -> Call:
        raw = await request.read()
        payload: Json = dict(request.query)
        ctype = request.content_type
        call = Call(method, request.path, payload, {k.lower(): v for k, v in request.headers.items()},
                    time.monotonic(), raw=raw)
        if ctype == "application/json" and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                call.status, call.answer = 200, {"ok": False, "error": "invalid_json"}
                return call
            if isinstance(body, dict):
                payload.update(body)
        elif ctype == "application/x-www-form-urlencoded" and raw:
            payload.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return call

    async def _on_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = await self._read_call(request, method)
        headers: dict[str, str] = {}
        if not call.answer:
            scripted = self._scripts.get(method)
            if scripted:
                reply = scripted.pop(0)
                call.status, call.answer, headers = reply.status, reply.body, reply.headers
            elif method == "oauth.v2.access":
                call.answer = self._oauth_access(call)
            elif method not in self._handlers:
                call.answer = {"ok": False, "error": "unknown_method"}
            else:
                token, refusal = self._authorise(call, app_level=method == "apps.connections.open")
                call.answer = refusal or await self._handlers[method](call, token)
        await self._record(call)
        return web.json_response(call.answer, status=call.status, headers=headers)

    def _authorise(self, call: Call, *, app_level: bool) -> tuple[Token | None, Json | None]:
        if not call.token:
            return None, {"ok": False, "error": "not_authed"}
        token = self.tokens.get(call.token)
        if token is None:
            return None, {"ok": False, "error": "invalid_auth"}
        if (token.kind == "app") != app_level:
            return None, {"ok": False, "error": "not_allowed_token_type"}
        return token, None

    @staticmethod
    def _invalid_blocks(errors: list[str]) -> Json:
        return {"ok": False, "error": "invalid_blocks", "errors": errors,
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_790_000_000 + n}.{n:06d}"

    # ----------------------------------------------------------------- Web API methods

    async def _auth_test(self, call: Call, token: Token | None) -> Json:
        assert token is not None
        return {"ok": True, "url": f"https://{token.team_id.lower()}.fake-slack.test/", "team": token.team_name,
                "user": "yuntai", "team_id": token.team_id, "user_id": token.user_id, "bot_id": token.bot_id,
                "is_enterprise_install": False}

    def _message_errors(self, call: Call) -> Json | None:
        if not call.payload.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        blocks = call.payload.get("blocks")
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                return self._invalid_blocks(errors)
        if not (call.payload.get("text") or blocks or call.payload.get("attachments")):
            return {"ok": False, "error": "no_text"}
        return None

    async def _post_message(self, call: Call, token: Token | None) -> Json:
        refusal = self._message_errors(call)
        if refusal:
            return refusal
        channel, ts = str(call.payload["channel"]), self._next_ts()
        message = {"type": "message", "ts": ts, "text": call.payload.get("text", ""),
                   "blocks": _json_arg(call.payload.get("blocks")) or [], "user": token.user_id if token else "",
                   "bot_id": token.bot_id if token else None}
        if call.payload.get("thread_ts"):
            message["thread_ts"] = call.payload["thread_ts"]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    async def _post_ephemeral(self, call: Call, token: Token | None) -> Json:
        if not call.payload.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        refusal = self._message_errors(call)
        return refusal or {"ok": True, "message_ts": self._next_ts()}

    async def _update(self, call: Call, token: Token | None) -> Json:
        refusal = self._message_errors(call)
        if refusal:
            return refusal
        key = (str(call.payload["channel"]), str(call.payload.get("ts", "")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        message = self.messages[key]
        message.update(text=call.payload.get("text", message["text"]),
                       blocks=_json_arg(call.payload.get("blocks")) or message["blocks"])
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    async def _unfurl(self, call: Call, token: Token | None) -> Json:
        has_target = call.payload.get("channel") and call.payload.get("ts")
        if not has_target and not (call.payload.get("unfurl_id") and call.payload.get("source")):
            return {"ok": False, "error": "invalid_arguments"}
        unfurls = _json_arg(call.payload.get("unfurls"))
        if not isinstance(unfurls, dict) or not unfurls:
            return {"ok": False, "error": "invalid_unfurls_format"}
        errors: list[str] = []
        for url, unfurl in unfurls.items():
            if isinstance(unfurl, dict) and "blocks" in unfurl:
                errors.extend(block_errors(unfurl["blocks"], f"/unfurls/{url}/blocks"))
        return self._invalid_blocks(errors) if errors else {"ok": True}

    async def _users_info(self, call: Call, token: Token | None) -> Json:
        user = self.users.get(str(call.payload.get("user", "")))
        if user is None or token is None or user.team_id != token.team_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.as_api()}

    async def _conversations_info(self, call: Call, token: Token | None) -> Json:
        channel = self.channels.get(str(call.payload.get("channel", "")))
        if channel is None or token is None or channel.team_id != token.team_id:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name, "is_channel": not channel.is_private,
                                        "is_private": channel.is_private, "is_member": True, "is_archived": False,
                                        "context_team_id": channel.team_id}}

    async def _get_upload_url(self, call: Call, token: Token | None) -> Json:
        filename, length = call.payload.get("filename"), str(call.payload.get("length", ""))
        if not filename or not length.isdigit() or int(length) == 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0FAKE{next(self._ids):04d}"
        self.uploads[file_id] = b""
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    async def _complete_upload(self, call: Call, token: Token | None) -> Json:
        files = _json_arg(call.payload.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = call.payload.get("channel_id") or None
        if channel is not None:
            known = self.channels.get(str(channel))
            if known is not None and token is not None and known.team_id != token.team_id:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.bot_absent:
                return {"ok": False, "error": "not_in_channel"}
        answered = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            if file_id not in self.uploads or not self.uploads[file_id]:
                return {"ok": False, "error": "file_not_found"}
            answered.append({"id": file_id, "title": item.get("title") or "", "size": len(self.uploads[file_id])})
        for item in answered:
            self.shared.append({"file_id": item["id"], "channel": channel, "thread_ts": call.payload.get("thread_ts"),
                                "title": item["title"], "size": item["size"],
                                "team_id": token.team_id if token else None})
        return {"ok": True, "files": answered}

    async def _connections_open(self, call: Call, token: Token | None) -> Json:
        ticket = f"ticket-{next(self._ids)}"
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode?ticket={ticket}"}

    def _oauth_access(self, call: Call) -> Json:
        client_id, client_secret = call.payload.get("client_id"), call.payload.get("client_secret")
        auth = call.headers.get("authorization", "")
        if auth.startswith("Basic "):
            with contextlib.suppress(ValueError):
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self.grants.pop(str(call.payload.get("code", "")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        if grant.redirect_uri is not None and call.payload.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        self.tokens[grant.bot_token] = Token(grant.team_id, grant.team_name, grant.bot_user_id,
                                             bot_id=f"B{grant.bot_user_id[1:]}")
        return {"ok": True, "access_token": grant.bot_token, "token_type": "bot", "scope": grant.scope,
                "bot_user_id": grant.bot_user_id, "app_id": APP_ID,
                "team": {"id": grant.team_id, "name": grant.team_name}, "enterprise": None,
                "authed_user": {"id": grant.installer_id}, "is_enterprise_install": False}

    # ----------------------------------------------------------------- non-API endpoints

    async def _on_response_url(self, request: web.Request) -> web.Response:
        call = await self._read_call(request, "response_url")
        if not call.answer:
            errors = block_errors(call.payload["blocks"]) if "blocks" in call.payload else []
            if errors:
                call.status, call.answer = 400, self._invalid_blocks(errors)
            elif not (call.payload.get("text") or call.payload.get("blocks") or call.payload.get("delete_original")):
                call.status, call.answer = 400, {"ok": False, "error": "no_text"}
            else:
                call.answer = {"ok": True}
        await self._record(call)
        return web.json_response(call.answer, status=call.status)

    async def _on_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        call = await self._read_call(request, "upload")
        if file_id not in self.uploads:
            call.status, call.answer = 404, {"ok": False, "error": "unknown_upload"}
        else:
            self.uploads[file_id] = call.raw
            call.answer = {"ok": True}
        await self._record(call)
        return web.Response(status=call.status, text=f"OK - {len(call.raw)}" if call.ok else "not found")

    async def _on_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse()  # autoping: answers slack_sdk's "sdk-ping-pong" pings
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": len(self._sockets) + 1,
                            "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                            "connection_info": {"app_id": APP_ID}})
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            with contextlib.suppress(ValueError):
                data = json.loads(message.data)
                async with self._changed:
                    self.socket_received.append(data)
                    if isinstance(data, dict) and "envelope_id" in data:
                        self.socket_acks[str(data["envelope_id"])] = data
                    self._changed.notify_all()
        return ws


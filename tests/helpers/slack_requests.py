"""Signed requests shaped like the ones Slack sends an app over HTTP, for tests of a Bolt app.

Why real signatures: the adapter's first line of defence is slack-bolt's v0 signature check, so a
test that skipped it would prove nothing about forged or replayed requests. Every request here is
signed the documented way -- HMAC-SHA256 over ``v0:{timestamp}:{body}`` with the signing secret,
sent as ``X-Slack-Signature: v0=<hex>`` with ``X-Slack-Request-Timestamp`` -- and can be spoiled
on purpose (``with_bad_signature()``, ``resigned(timestamp=...)`` for a stale one) or marked as
Slack's redelivery (``as_retry(1)`` sets ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``).

Payload shapes follow Slack's references (read 2026-11-27):
https://api.slack.com/docs/verifying-requests-from-slack (signing, 5-minute window),
https://docs.slack.dev/interactivity/implementing-slash-commands (slash command form fields),
https://docs.slack.dev/reference/interaction-payloads/block_actions-payload (block_actions),
https://api.slack.com/reference/interaction-payloads (message_action shortcuts),
https://api.Slack.com/events/link_shared (link_shared, unfurl_id, source), and the Events API
``event_callback`` envelope with ``event_id``/``event_time``/``authorizations``.

Usage::

    slack = SlackRequests(SIGNING_SECRET)
    req = slack.slash_command("check https://example.org/clip", response_url=fake.response_url())
    status, body = await req.post(session, app_origin)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp

from helpers.fake_slack import APP_ID, BOT_ID, BOT_USER_ID, CHANNEL_ID, CHANNEL_NAME, TEAM_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MEMBER_ID = "U0MEMBER1"

Json = dict[str, Any]


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 request signature of ``body`` sent at ``timestamp``."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    """One request as Slack would deliver it: body, content type and signing headers."""

    body: bytes
    content_type: str
    secret: str = field(repr=False)
    timestamp: int = 0
    path: str = "/slack/events"
    extra_headers: tuple[tuple[str, str], ...] = ()
    bad_signature: bool = False

    @property
    def headers(self) -> dict[str, str]:
        sig = signature(self.secret, self.timestamp, self.body)
        if self.bad_signature:
            sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        return {"Content-Type": self.content_type, "X-Slack-Request-Timestamp": str(self.timestamp),
                "X-Slack-Signature": sig, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **dict(self.extra_headers)}

    @property
    def form(self) -> dict[str, str]:
        """The decoded form fields (for asserting on what was sent)."""
        return dict(parse_qsl(self.body.decode()))

    @property
    def payload(self) -> Json:
        """The JSON document inside: the body itself, or the ``payload`` form field of an interaction."""
        if self.content_type == JSON:
            return json.loads(self.body)
        return json.loads(self.form["payload"])

    def with_bad_signature(self) -> SignedRequest:
        """The same request with one hex digit of its signature changed."""
        return replace(self, bad_signature=True)

    def resigned(self, *, timestamp: int) -> SignedRequest:
        """The same body correctly signed at another time (e.g. ``time.time() - 360`` for a replay)."""
        return replace(self, timestamp=timestamp)

    def as_retry(self, num: int = 1, reason: str = "http_timeout") -> SignedRequest:
        """Slack's redelivery of this request: same body, fresh signature, retry headers."""
        headers = dict(self.extra_headers) | {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}
        return replace(self, timestamp=int(time.time()), extra_headers=tuple(headers.items()))

    async def post(self, session: aiohttp.ClientSession, origin: str) -> tuple[int, str]:
        """POST to ``origin`` + ``path``; returns the status and body text."""
        async with session.post(origin + self.path, data=self.body, headers=self.headers) as response:
            return response.status, await response.text()


class SlackRequests:
    """Builds signed requests for one workspace, with ids that tests can override per call."""

    def __init__(self, secret: str, *, team_id: str = TEAM_ID, team_domain: str = "fake-studio",
                 api_app_id: str = APP_ID, path: str = "/slack/events") -> None:
        self.secret = secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.path = path
        self._serial = itertools.count(1)

    # ----------------------------------------------------------------- plumbing

    def sign(self, body: bytes, content_type: str, *, timestamp: int | None = None) -> SignedRequest:
        when = int(time.time()) if timestamp is None else timestamp
        return SignedRequest(body, content_type, self.secret, when, self.path)

    def _interaction(self, payload: Json) -> SignedRequest:
        return self.sign(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    def _trigger_id(self) -> str:
        return f"{next(self._serial)}.{int(time.time())}.fake-trigger"

    def _team(self) -> Json:
        return {"id": self.team_id, "domain": self.team_domain}

    # ----------------------------------------------------------------- slash commands

    def slash_command(self, text: str, *, response_url: str, command: str = "/yuntai", user_id: str = MEMBER_ID,
                      user_name: str = "member", channel_id: str = CHANNEL_ID,
                      channel_name: str = CHANNEL_NAME) -> SignedRequest:
        """``/yuntai <text>`` as Slack posts it: a form body, not JSON."""
        fields = {
            "token": "fake-verification-token", "team_id": self.team_id, "team_domain": self.team_domain,
            "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id, "user_name": user_name,
            "command": command, "text": text, "api_app_id": self.api_app_id, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": self._trigger_id(),
        }
        return self.sign(urlencode(fields).encode(), FORM)

    # ----------------------------------------------------------------- interactions

    def block_actions(self, action_id: str, value: str, *, response_url: str, message_ts: str,
                      message_blocks: list[Json] | None = None, message_text: str = "", block_id: str = "votes",
                      button_text: str = "Vote", user_id: str = MEMBER_ID, user_name: str = "member",
                      channel_id: str = CHANNEL_ID, channel_name: str = CHANNEL_NAME) -> SignedRequest:
        """A click on a button of a message the bot posted."""
        now = f"{time.time():.6f}"
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "fake-verification-token",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                          "is_ephemeral": False},
            "trigger_id": self._trigger_id(), "team": self._team(), "enterprise": None,
            "is_enterprise_install": False, "channel": {"id": channel_id, "name": channel_name},
            "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": message_ts,
                        "text": message_text, "blocks": message_blocks or []},
            "state": {"values": {}}, "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": block_id, "type": "button", "value": value,
                         "text": {"type": "plain_text", "text": button_text, "emoji": True}, "action_ts": now}],
        }
        return self._interaction(payload)

    def message_action(self, callback_id: str, *, message_text: str, message_ts: str, response_url: str,
                       author_id: str = "U0AUTHOR1", user_id: str = MEMBER_ID, user_name: str = "member",
                       channel_id: str = CHANNEL_ID, channel_name: str = CHANNEL_NAME) -> SignedRequest:
        """The message shortcut (``message_action``) chosen on someone's message."""
        payload = {
            "type": "message_action", "token": "fake-verification-token", "action_ts": f"{time.time():.6f}",
            "team": self._team(), "user": {"id": user_id, "username": user_name, "name": user_name,
                                           "team_id": self.team_id},
            "channel": {"id": channel_id, "name": channel_name}, "is_enterprise_install": False,
            "enterprise": None, "callback_id": callback_id, "trigger_id": self._trigger_id(),
            "response_url": response_url, "message_ts": message_ts,
            "message": {"type": "message", "user": author_id, "ts": message_ts, "text": message_text},
        }
        return self._interaction(payload)

    # ----------------------------------------------------------------- Events API

    def event(self, event: Json, *, event_id: str | None = None) -> SignedRequest:
        """An ``event_callback`` carrying ``event``; pass the same ``event_id`` to imitate a redelivery."""
        payload = {
            "token": "fake-verification-token", "team_id": self.team_id, "api_app_id": self.api_app_id,
            "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev0FAKE{next(self._serial):05d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id, "user_id": BOT_USER_ID,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-fake-{self.team_id}",
        }
        return self.sign(json.dumps(payload).encode(), JSON)

    def message(self, text: str, *, ts: str, user_id: str = MEMBER_ID, channel_id: str = CHANNEL_ID,
                thread_ts: str | None = None, event_id: str | None = None) -> SignedRequest:
        """A ``message`` event: someone posted ``text`` in a channel the bot is in."""
        event: Json = {"type": "message", "channel": channel_id, "user": user_id, "text": text, "ts": ts,
                       "event_ts": ts, "channel_type": "channel", "team": self.team_id}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, event_id=event_id)

    def link_shared(self, urls: list[str], *, message_ts: str, user_id: str = MEMBER_ID,
                    channel_id: str = CHANNEL_ID, event_id: str | None = None) -> SignedRequest:
        """A ``link_shared`` event for ``urls`` (on an app's unfurl domains) in a posted message."""
        event = {
            "type": "link_shared", "channel": channel_id, "is_bot_user_member": True, "user": user_id,
            "message_ts": message_ts, "unfurl_id": f"{channel_id}.{message_ts}.fake-unfurl",
            "source": "conversations_history", "event_ts": f"{time.time():.6f}",
            "links": [{"domain": urlsplit(u).hostname or "", "url": u} for u in urls],
        }
        return self.event(event, event_id=event_id)

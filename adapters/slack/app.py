"""The Slack app: slack-bolt listeners that ack at once and hand the work to the core in kept tasks.

Why tasks the app keeps: Slack wants every command, click and event acknowledged within 3 seconds,
and a check can take longer; slack-bolt 1.30 also turns an ack into a 404 when the listener raises
right after it (tests/adapters/test_fake_slack.py pins that), so the listener only acks and starts
a task, and the task answers through `response_url` or the Web API. Nothing here decides rights or
parses commands: the requester's facts go to `ChatCore`, which reads the community's settings.

Every workspace is its own community, `slack:<team_id>`. Events are taken once per `event_id`
through a ledger in the shared database, so Slack's retries (`X-Slack-Retry-Num`) to any worker
never produce a second reply.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import COMMAND, PREFIX, parse_vote, to_message, with_tally
from adapters.slack.files import NOT_A_MEMBER, NOT_IN_CHANNEL_NOTE, upload_chart
from bot.chat import ChatCore
from bot.parsing import split_link
from bot.policy import Requester
from bot.results import CheckResult, ErrorResult, ModelReport

log = logging.getLogger(__name__)

SHORTCUT = "check_demo"
ADMIN_TTL = 60.0  # seconds a workspace admin flag is trusted before users.info is asked again
MAX_UNFURLS = 5
VOTES_COMING = "Votes are coming soon: this button will record your vote once they are switched on."
NO_LINK = "I found no link in that message to check."
NOT_FOR_ME = "I only answer commands and clip links. Try /yuntai help."
# Answers the whole channel sees: a check carries the vote buttons, and a model report's chart is
# shared in the channel, so the report goes beside it (as `/model` answers do on Discord).
PUBLIC = (CheckResult, ModelReport)

# Slack writes links in message text as <https://x> or <https://x|label>, and escapes & < > itself.
_SLACK_LINK = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>")


def community_of(team_id: str) -> str:
    return f"slack:{team_id}"


def plain_text(text: str) -> str:
    """Slack's message markup back to what the member typed: links unwrapped, entities decoded."""
    text = _SLACK_LINK.sub(lambda m: m.group(1), text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class EventLedger(Protocol):
    def take(self, event_id: str, team_id: str) -> bool: ...


class AdminCache:
    """Whether a user is a workspace admin or owner, from `users.info`, trusted for `ttl` seconds."""

    def __init__(self, ttl: float = ADMIN_TTL) -> None:
        self.ttl = ttl
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_admin(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        now = time.monotonic()
        hit = self._known.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            user = (await client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s in %s: %s", user_id, team_id, exc.response.get("error"))
            return False  # not cached: the next request asks again
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[key] = (admin, now + self.ttl)
        return admin


class SlackBot:
    """The listeners' state: the core, the event ledger, the admin cache and the tasks in flight."""

    def __init__(self, chat: ChatCore, ledger: EventLedger, admins: AdminCache | None = None) -> None:
        self.chat = chat
        self.ledger = ledger
        self.admins = admins or AdminCache()
        self.tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # ----------------------------------------------------------------- plumbing

    def responder(self, response_url: str) -> Any:
        """A `respond(**message)` for `response_url` on one shared HTTP session.

        Bolt's own `respond` opens a new session (and connection) per answer, which made the answers
        of finished checks slow down the acks of new commands (bench/slack_speed.py).
        """
        async def respond(**message: Any) -> None:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession()
            hook = AsyncWebhookClient(response_url, session=self._session,
                                      retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
            sent = await hook.send_dict(message)
            if sent.status_code != 200:
                log.warning("response_url refused an answer: %s %s", sent.status_code, sent.body[:200])

        return respond

    async def aclose(self) -> None:
        """Finish the work in flight, then release the shared session."""
        await self.drain()
        if self._session is not None:
            await self._session.close()

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` after the ack; the set keeps the task alive, the callback logs its failure."""
        task = asyncio.create_task(work, name=f"slack {what}")
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the work in flight (shutdown, tests)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def first_delivery(self, event_id: str | None, team_id: str) -> bool:
        if not event_id:
            return True
        try:
            return await self.chat.services.checks.io.run(self.ledger.take, event_id, team_id)
        except Exception:
            # Fail quiet: a reply missed is better than the same reply posted twice in a channel.
            log.exception("the Slack event ledger failed; event %s in %s dropped", event_id, team_id)
            return False

    async def requester(self, client: AsyncWebClient, team_id: str, user_id: str, channel_id: str | None,
                        name: str = "", *, ask_admin: bool = True) -> Requester:
        admin = await self.admins.is_admin(client, team_id, user_id) if ask_admin else False
        return Requester(community_of(team_id), user_id, name, platform_admin=admin, channel_id=channel_id,
                         command_prefix=PREFIX)

    @staticmethod
    async def answer(respond: Any, reply: object) -> None:
        text, blocks = to_message(reply)
        kind = "in_channel" if isinstance(reply, PUBLIC) else "ephemeral"
        await respond(text=text, blocks=blocks, response_type=kind, replace_original=False)

    # ----------------------------------------------------------------- the work after each ack

    async def run_command(self, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        team_id = command.get("team_id", "")
        who = await self.requester(client, team_id, command.get("user_id", ""), command.get("channel_id"),
                                   command.get("user_name", ""))
        text = plain_text(command.get("text", "")).strip() or "help"
        reply = await self.chat.handle_command_text(text, who)
        await self.answer(respond, reply)
        if isinstance(reply, ModelReport) and reply.chart_path and command.get("channel_id"):
            await self.share_chart(client, respond, Path(reply.chart_path), command["channel_id"],
                                   title=f"{reply.name}: documented kinds of shot and members' attempts")

    @staticmethod
    async def share_chart(client: AsyncWebClient, respond: Any, chart: Path, channel: str, *, title: str) -> None:
        """The chart after the answer (`response_url` carries no files); a channel without the bot gets a note."""
        error = await upload_chart(client, chart, channel, title=title)
        if error in NOT_A_MEMBER:
            await respond(text=NOT_IN_CHANNEL_NOTE, response_type="ephemeral", replace_original=False)

    async def run_vote(self, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        parsed = parse_vote(str(action.get("action_id", "")))
        team_id = (body.get("team") or {}).get("id", "")
        user_id = (body.get("user") or {}).get("id", "")
        if parsed is None:
            log.warning("unknown Slack action %r from %s in %s", action.get("action_id"), user_id, team_id)
            return
        if self.chat.registry.resolve(("vote",)) is None:
            await respond(text=VOTES_COMING, response_type="ephemeral", replace_original=False)
            return
        clip_id, label = parsed
        container = body.get("container") or {}
        who = await self.requester(client, team_id, user_id, container.get("channel_id"),
                                   (body.get("user") or {}).get("username", ""))
        reply = await self.chat.invoke(("vote",), {"link": clip_id, "label": label}, who)
        text, blocks = to_message(reply, buttons=False)
        if not isinstance(reply, ErrorResult) and container.get("message_ts") and container.get("channel_id"):
            original = (body.get("message") or {}).get("blocks") or []
            await client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                     text=(body.get("message") or {}).get("text") or text,
                                     blocks=with_tally(original, reply))
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    async def run_shortcut(self, shortcut: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        team_id = (shortcut.get("team") or {}).get("id", "")
        user = shortcut.get("user") or {}
        text = plain_text((shortcut.get("message") or {}).get("text", ""))
        if split_link(text)[0] is None:
            await respond(text=NO_LINK, response_type="ephemeral", replace_original=False)
            return
        who = await self.requester(client, team_id, user.get("id", ""), (shortcut.get("channel") or {}).get("id"),
                                   user.get("username", ""))
        # every link in the message, as Discord's "Check this demo" does: one compact answer for several
        await self.answer(respond, await self.chat.check_links(text, who))

    async def run_message(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        team_id = body.get("team_id", "")
        if not await self.first_delivery(body.get("event_id"), team_id):
            log.info("Slack event %s in %s already taken; retry ignored", body.get("event_id"), team_id)
            return
        who = await self.requester(client, team_id, event.get("user", ""), event.get("channel"), ask_admin=False)
        reply = await self.chat.handle_message(plain_text(event.get("text", "")), who)
        if reply is None:
            return
        text, blocks = to_message(reply)
        if isinstance(reply, ErrorResult):
            await client.chat_postEphemeral(channel=event["channel"], user=event.get("user", ""), text=text,
                                            blocks=blocks)
            return
        await client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                                      text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)

    async def run_unfurl(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        team_id = body.get("team_id", "")
        if not await self.first_delivery(body.get("event_id"), team_id):
            log.info("Slack event %s in %s already taken; retry ignored", body.get("event_id"), team_id)
            return
        who = await self.requester(client, team_id, event.get("user", ""), event.get("channel"), ask_admin=False)
        unfurls: dict[str, Any] = {}
        for link in (event.get("links") or [])[:MAX_UNFURLS]:
            url = link.get("url") if isinstance(link, dict) else None
            if not url:
                continue
            reply = await self.chat.invoke(("check",), {"link": url}, who)
            if isinstance(reply, ErrorResult):
                log.info("no unfurl for %s in %s: %s", url, team_id, reply.message)
                continue
            _, blocks = to_message(reply)
            unfurls[url] = {"blocks": blocks}
        if unfurls:
            await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)


def is_from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bots (ourselves included), edits, joins and other subtypes never get a reply."""
    if event.get("bot_id") or event.get("subtype") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id and bool(event.get("text"))


def register(app: AsyncApp, bot: SlackBot) -> AsyncApp:
    """Attach the listeners to `app`: each acks first and leaves the work to a kept task."""

    @app.command(COMMAND)
    async def on_command(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        bot.spawn(bot.run_command(command, bot.responder(command.get("response_url", "")), client), "command")

    @app.action(re.compile(r"^vote:"))
    async def on_vote(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        bot.spawn(bot.run_vote(body, bot.responder(body.get("response_url", "")), client), "vote")

    @app.message_shortcut(SHORTCUT)
    async def on_shortcut(ack: Any, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        bot.spawn(bot.run_shortcut(shortcut, bot.responder(shortcut.get("response_url", "")), client), "shortcut")

    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                         context: Any) -> None:
        if is_from_a_person(event, context.get("bot_user_id")):
            bot.spawn(bot.run_message(body, event, client), "message")

    @app.event("link_shared")
    async def on_link_shared(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        bot.spawn(bot.run_unfurl(body, event, client), "unfurl")

    return app


def build_slack_app(chat: ChatCore, ledger: EventLedger, *, client: AsyncWebClient,
                    signing_secret: str | None, **bolt: Any) -> tuple[AsyncApp, SlackBot]:
    """The Bolt app with Yuntai's listeners. Without a signing secret (Socket Mode) requests are not
    signed by Slack and Bolt's verification is switched off; over HTTP the secret is required.

    `process_before_response`: the listeners only ack and start a task, so Bolt may answer as soon as
    they return; otherwise it polls for the ack every 10 ms, which capped acks at a few hundred a second
    (bench/slack_speed.py). `name` (Bolt's logger and middleware label) is given, not left to Bolt, which
    would take the caller's file name from `inspect.stack()`: reading the source line of every frame
    on the stack, 5 to 40 ms a build depending on how deep the caller is."""
    bolt.setdefault("process_before_response", True)
    bolt.setdefault("name", "yuntai")
    app = AsyncApp(client=client, signing_secret=signing_secret or "",
                   request_verification_enabled=bool(signing_secret), **bolt)
    bot = SlackBot(chat, ledger)
    register(app, bot)
    return app, bot

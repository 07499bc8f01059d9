"""The weekly digest posted in a workspace's configured Slack channel, with its chart shared after it.

Why a poster and a filtered ledger, as on Discord (adapters/discord/runner.py): the core's
`DigestRunner` decides when a digest is due and claims it exactly once across every process on the
database (Slack workers, Discord shards, cron); this module only says which communities this
process can post for and sends. Raising means "not sent", so the claim is retried after its timeout;
once the message is out, a chart that cannot be shared is logged and never raised (a second
digest would be worse than a digest without its chart).

Which workspaces and tokens: with one bot token (Socket Mode, single-workspace HTTP) the token's own
team, asked once with `auth.test`; with OAuth installs, every team the installation store has a
bot for, and that bot's token for the post.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import community_of
from adapters.slack.blocks import to_message
from adapters.slack.files import upload_chart
from adapters.wiring import App, build_digest_runner
from bot.scheduler import DigestScheduler, process_owner

log = logging.getLogger(__name__)

PREFIX = community_of("")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]


def team_of(community_id: str) -> str | None:
    """`slack:T123` -> `T123`; None for another platform's community."""
    if not community_id.startswith(PREFIX):
        return None
    return community_id[len(PREFIX):] or None


class SlackDigestPoster:
    def __init__(self, client_for: ClientFor) -> None:
        self.client_for = client_for

    async def post(self, channel: str | None, digest: Any) -> None:
        team = team_of(digest.community_id)
        if not channel or not CHANNEL_ID.match(channel):
            raise ValueError(f"digest channel {channel!r} of {digest.community_id} is not a Slack channel id "
                             "(set it again with /yuntai setup digest #channel ...)")
        client = await self.client_for(team) if team else None
        if client is None:
            raise LookupError(f"no Slack bot token for {digest.community_id}; is the app still installed there?")
        text, blocks = to_message(digest)
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False,
                                      unfurl_media=False)
        chart = getattr(digest, "chart", None)
        if chart is not None:
            await upload_chart(client, chart, channel, title=f"Weekly digest, week {digest.week}")


class WorkspacesHere:
    """The ledger seen from this Slack process: only the workspaces it holds a bot token for.

    `has_team` runs on a storage thread (the runner calls `digest_communities` through its I/O), so it
    is synchronous: a set lookup, or the installation store's synchronous `find_bot` on Yuntai's engine.
    """

    def __init__(self, ledger: Any, has_team: Callable[[str], bool]) -> None:
        self._ledger, self._has_team = ledger, has_team

    def digest_communities(self) -> list[str]:
        out = []
        for community in self._ledger.digest_communities():
            team = team_of(community)
            if team is not None and self._has_team(team):
                out.append(community)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


def copy_client(base: AsyncWebClient, token: str) -> AsyncWebClient:
    """A client for one workspace's token with the base client's URL (SLACK_API_URL) and retries."""
    return AsyncWebClient(token=token, base_url=base.base_url, timeout=base.timeout,
                          retry_handlers=list(base.retry_handlers))


async def single_workspace(client: AsyncWebClient) -> tuple[Callable[[str], bool], ClientFor]:
    """The bot token's own team (from `auth.test`); no team at all when Slack refuses the token."""
    try:
        team = str((await client.auth_test())["team_id"])
    except Exception:  # noqa: BLE001 - the app still answers commands; only digests wait for a working token
        log.exception("auth.test failed: no Slack digests from this process")
        team = ""

    async def client_for(wanted: str) -> AsyncWebClient | None:
        return client if wanted == team else None

    return (lambda wanted: bool(team) and wanted == team), client_for


def installed_workspaces(base: AsyncWebClient, installations: AsyncInstallationStore, client_id: str,
                         engine: Any) -> tuple[Callable[[str], bool], ClientFor]:
    """Teams and tokens from the OAuth installation store (slack_sdk's tables in Yuntai's database)."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    rows = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)  # the same tables, read synchronously

    def has_team(team: str) -> bool:
        return rows.find_bot(enterprise_id=None, team_id=team) is not None

    async def client_for(team: str) -> AsyncWebClient | None:
        bot = await installations.async_find_bot(enterprise_id=None, team_id=team)
        return copy_client(base, bot.bot_token) if bot is not None and bot.bot_token else None

    return has_team, client_for


def slack_digest_scheduler(yuntai: App, has_team: Callable[[str], bool], client_for: ClientFor,
                           **scheduler: Any) -> DigestScheduler:
    """Digests of this process's workspaces, claimed once across processes (the core's runner decides)."""
    runner = build_digest_runner(yuntai, SlackDigestPoster(client_for), owner=f"slack:{process_owner()}")
    runner.ledger = WorkspacesHere(runner.ledger, has_team)
    return DigestScheduler(runner, **scheduler)

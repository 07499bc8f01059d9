"""`yuntai slack`: the Slack app on Socket Mode (one workspace) or HTTP (production, OAuth installs).

Why two modes: Socket Mode needs no public URL, so a community can try Yuntai from a laptop with a
bot token and an app token; HTTP (`--http PORT`, `/slack/events` verified with the signing secret)
runs as several workers behind a load balancer sharing Postgres, and with `SLACK_CLIENT_ID` and
`SLACK_CLIENT_SECRET` serves `/slack/install` and `/slack/oauth_redirect`, keeping each workspace's
installation in slack_sdk's async SQLAlchemy stores on Yuntai's own database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from sqlalchemy.engine import make_url

from adapters.slack.app import SlackBot, build_slack_app
from adapters.slack.digests import installed_workspaces, single_workspace, slack_digest_scheduler
from adapters.slack_endpoints import slack_web_client
from bot.config import ConfigError, merged_env
from bot.scheduler import DigestScheduler
from storage.slack_ledger import SqlSlackEvents

log = logging.getLogger(__name__)

# What the app asks a workspace for; the README's manifest says what each one is for.
BOT_SCOPES = ("commands", "chat:write", "links:read", "links:write", "users:read", "channels:history",
              "groups:history", "files:write")
STATE_SECONDS = 600
FORGET_EVERY = 3600.0  # seconds between sweeps of the event ledger


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackConfig:
        env = merged_env() if env is None else env

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        return cls(get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN"), get("SLACK_SIGNING_SECRET"),
                   get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET"))

    @property
    def socket_mode_ready(self) -> bool:
        return bool(self.bot_token and self.app_token)

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def check(self, http: bool) -> None:
        """One line naming what is missing; never a secret's value."""
        if http:
            if not self.signing_secret:
                raise ConfigError("yuntai slack --http needs SLACK_SIGNING_SECRET (the app's Basic Information page)")
            if not (self.bot_token or self.oauth):
                raise ConfigError("yuntai slack --http needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
                                  "SLACK_CLIENT_SECRET for installs in several workspaces")
        elif not self.socket_mode_ready:
            raise ConfigError("yuntai slack needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...) "
                              "for Socket Mode; or use --http PORT with SLACK_SIGNING_SECRET")
        if self.app_token and not self.app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")


def async_database_url(url: str) -> str:
    """Yuntai's database URL with an async driver, for slack_sdk's OAuth stores."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ConfigError(f"Slack installs need SQLite or Postgres, not {parsed.get_backend_name()}")


async def oauth_settings(database_url: str, config: SlackConfig, *,
                         install_page: bool = True) -> AsyncOAuthSettings:
    """OAuth v2 with installations and one-time states in Yuntai's database.

    The stores' tables come from migration 0012 (`storage.db.upgrade`, run when storage opens), not
    from slack_sdk's `create_tables()`: workers starting together raced to create them, and the app
    should not need DDL rights at run time.
    """
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
    from sqlalchemy.ext.asyncio import create_async_engine

    assert config.client_id and config.client_secret
    engine = create_async_engine(async_database_url(database_url))
    installations = AsyncSQLAlchemyInstallationStore(client_id=config.client_id, engine=engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
    return AsyncOAuthSettings(client_id=config.client_id, client_secret=config.client_secret,
                              scopes=list(BOT_SCOPES), installation_store=installations, state_store=states,
                              install_page_rendering_enabled=install_page)


async def build(yuntai: Any, config: SlackConfig, *, http: bool,
                env: Mapping[str, str] | None = None) -> tuple[AsyncApp, SlackBot]:
    """The product's Bolt app on `yuntai` (an `adapters.wiring.App`)."""
    ledger = SqlSlackEvents(yuntai.storage.uow)
    if http and config.oauth:
        url = yuntai.storage.engine.url.render_as_string(hide_password=False)
        app, bot = build_slack_app(yuntai.chat, ledger, client=slack_web_client(env=env),
                                   signing_secret=config.signing_secret,
                                   oauth_settings=await oauth_settings(url, config))
        # An uninstalled workspace's installation is deleted, so its digest is not claimed and
        # retried with a dead token every claim timeout.
        app.enable_token_revocation_listeners()
        return app, bot
    return build_slack_app(yuntai.chat, ledger, client=slack_web_client(config.bot_token, env=env),
                           signing_secret=config.signing_secret if http else None)


async def digest_scheduler(yuntai: Any, app: AsyncApp, config: SlackConfig, **scheduler: Any) -> DigestScheduler:
    """The process's digest cron, as the Discord bot runs one: OAuth installs post for every installed
    workspace with its own token; a single bot token posts for its own workspace."""
    store = app.installation_store
    if config.oauth and config.client_id and store is not None and app.oauth_flow is not None:
        has_team, client_for = installed_workspaces(app.client, store, config.client_id, yuntai.storage.engine)
    else:
        has_team, client_for = await single_workspace(app.client)
    return slack_digest_scheduler(yuntai, has_team, client_for, **scheduler)


async def _sweep(bot: SlackBot, ledger: SqlSlackEvents) -> None:
    while True:
        await asyncio.sleep(FORGET_EVERY)
        try:
            await bot.chat.services.checks.io.run(ledger.forget_old)
        except Exception:
            log.exception("forgetting old Slack event ids failed")


async def serve(yuntai: Any, config: SlackConfig, *, http_port: int | None, host: str = "0.0.0.0",
                stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or forever); work in flight is finished before returning."""
    config.check(http=http_port is not None)
    app, bot = await build(yuntai, config, http=http_port is not None)
    stop = stop or asyncio.Event()
    sweeper = asyncio.create_task(_sweep(bot, SqlSlackEvents(yuntai.storage.uow)))
    digests: DigestScheduler | None = None
    try:
        digests = await digest_scheduler(yuntai, app, config)
        digests.start()
        if http_port is not None:
            runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, host, http_port).start()
            log.warning("Slack app listening on %s:%s/slack/events", host, http_port)
            try:
                await stop.wait()
            finally:
                await runner.cleanup()
        else:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(app, app_token=config.app_token, web_client=app.client)
            await handler.connect_async()
            log.warning("Slack app connected over Socket Mode")
            try:
                await stop.wait()
            finally:
                await handler.close_async()
        await bot.aclose()
    finally:
        if digests is not None:
            await digests.stop()
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await yuntai.aclose()


def run_slack(yuntai: Any, *, http_port: int | None, config: SlackConfig | None = None) -> int:
    """The blocking entry point for the command line; Ctrl-C stops it cleanly."""
    config = config or SlackConfig.from_env()
    config.check(http=http_port is not None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(yuntai, config, http_port=http_port))
    return 0

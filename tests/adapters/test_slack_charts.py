"""Charts and digests on Slack: `/yuntai model` shares its chart, the Slack process posts each workspace's digest.

Why through the fake's recorded calls: `files_upload_v2` is three requests (an upload URL, the bytes,
the completion naming the channel), and a digest is "posted once" only if the platform saw one post,
so every assertion here is about what reached the loopback fake Slack from the real slack_sdk.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_slack_app import Running, running

from adapters.slack.run import SlackConfig, async_database_url, build, digest_scheduler, serve
from adapters.wiring import App, build_app
from bot.config import Settings
from bot.policy import Requester
from helpers.fake_slack import BOT_TOKEN, BOT_USER_ID, CHANNEL_ID, CLIENT_ID, CLIENT_SECRET, TEAM_ID, FakeSlack
from helpers.seeded_db import seeded_copy
from helpers.slack_requests import MEMBER_ID

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

PNG = b"\x89PNG\r\n\x1a\n"
SECRET = "charts-signing-secret"
WEEK_LATER = timedelta(days=8)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 90))


@pytest.fixture
def charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "charts"
    monkeypatch.setenv("YUNTAI_CHART_DIR", str(folder))
    return folder


@pytest.fixture
def yuntai(tmp_path: Path, charts: Path) -> Any:
    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'charts.db')), fetch=False)
    yield app
    app.close()


async def ask_model(r: Running, key: str) -> Any:
    assert await r.post(r.slack.slash_command("model sora", response_url=r.fake.response_url(key))) == 200
    [answer] = await r.fake.wait_for("response_url", timeout=20)
    return answer


# ---------------------------------------------------------------------------- /yuntai model


def test_model_answers_then_shares_its_chart_in_the_commands_channel(yuntai: App, charts: Path) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            answer = await ask_model(r, "m")
            [done] = await r.fake.wait_for("files.completeUploadExternal", timeout=20)
            await r.bot.drain()
            assert answer.ok and answer.payload["response_type"] == "in_channel"
            assert answer.payload["text"].startswith("Sora (OpenAI")
            assert str(charts) not in "\n".join(answer.texts())  # no server path in the message
            assert [c.method for c in r.fake.calls if c.method not in {"auth.test", "users.info", "response_url"}] == [
                "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
            assert done.ok and done.token == BOT_TOKEN
            [shared] = r.fake.shared
            assert shared["channel"] == CHANNEL_ID and shared["thread_ts"] is None
            assert shared["title"] == "Sora: documented kinds of shot and members' attempts"
            assert r.fake.uploads[shared["file_id"]].startswith(PNG)
            assert len(r.fake.calls_to("response_url")) == 1  # no note: the chart was shared

    run(main())


def test_a_missing_chart_file_gives_the_answer_without_it_and_a_log_line(
        yuntai: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("bot.reports.model_chart", lambda *args: tmp_path / "gone.png")

    async def main() -> None:
        async with running(yuntai) as r:
            with caplog.at_level(logging.WARNING, logger="adapters.slack.files"):
                answer = await ask_model(r, "m")
                await r.bot.drain()
            assert answer.ok and answer.payload["text"].startswith("Sora (OpenAI")
            assert [c for c in r.fake.calls if c.method.startswith("files.") or c.method == "upload"] == []
            assert len(r.fake.calls_to("response_url")) == 1
            assert r.bot.tasks == set()

    run(main())
    assert [rec.getMessage() for rec in caplog.records if rec.name == "adapters.slack.files"] == [
        "chart gone.png cannot be read (No such file or directory); answering without it"]
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_channel_without_the_bot_gets_the_answer_and_a_polite_note(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            r.fake.remove_bot_from(CHANNEL_ID)
            await ask_model(r, "m")
            [refused] = await r.fake.wait_for("files.completeUploadExternal", timeout=20)
            first, note = await r.fake.wait_for("response_url", count=2)
            await r.bot.drain()
            assert refused.error == "not_in_channel" and r.fake.shared == []
            assert first.payload["text"].startswith("Sora (OpenAI")
            assert note.payload["response_type"] == "ephemeral"
            assert note.payload["text"].startswith("I couldn't share the chart here because I'm not a member")

    run(main())


# ---------------------------------------------------------------------------- the weekly digest


async def set_up_digest(yuntai: App, team: str = TEAM_ID, channel: str = CHANNEL_ID) -> None:
    admin = Requester(f"slack:{team}", "U0ADMIN01", platform_admin=True)
    done = await yuntai.chat.invoke(("setup", "digest"), {"channel": f"<#{channel}|demos>", "weekday": "monday",
                                                          "hour": 9}, admin)
    assert "monday" in str(done).lower(), done


async def install(url: str, team: str, token: str) -> None:
    engine = create_async_engine(async_database_url(url))
    try:
        store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
        await store.async_save(Installation(app_id="A0FAKEAPP", team_id=team, team_name="Fake Studio",
                                            bot_token=token, bot_id="B0FAKEBOT", bot_user_id=BOT_USER_ID,
                                            bot_scopes="chat:write,files:write", user_id="U0INSTALL"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_slack_workers_on_one_database_post_the_due_digest_once_with_its_chart(
        backend: str, charts: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (seeded_copy(tmp_path / 'workers.db') if backend == "sqlite"
           else request.getfixturevalue("seeded_postgres_url"))
    workers = [build_app(Settings(database_url=url), fetch=False) for _ in range(2)]
    config = SlackConfig(signing_secret=SECRET, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    async def main() -> None:
        async with FakeSlack() as fake:
            env = {"SLACK_API_URL": fake.base_url}
            await install(url, TEAM_ID, BOT_TOKEN)
            await set_up_digest(workers[0])
            await set_up_digest(workers[0], team="T0GONE001")  # a workspace without an installation here
            other = Requester("discord:42", "1", platform_admin=True)  # another platform's community
            await workers[0].chat.invoke(("setup", "digest"), {"channel": "<#4242424242>", "weekday": "monday",
                                                               "hour": 9}, other)
            schedulers = []
            for worker in workers:
                app, _ = await build(worker, config, http=True, env=env)
                schedulers.append(await digest_scheduler(worker, app, config))
            later = datetime.now(UTC) + WEEK_LATER
            posted = await asyncio.gather(*(s.runner.run_due(later) for s in schedulers))
            assert sorted(p.community_id for ps in posted for p in ps) == [f"slack:{TEAM_ID}"]
            assert [await s.runner.run_due(later) for s in schedulers] == [[], []]  # and never again
            [post] = fake.calls_to("chat.postMessage")
            assert post.ok and post.token == BOT_TOKEN and post.payload["channel"] == CHANNEL_ID
            assert post.payload["text"].startswith(f"Weekly digest for slack:{TEAM_ID}, week ")
            assert post.mentions() == []
            [shared] = fake.shared
            assert shared["channel"] == CHANNEL_ID and shared["title"].startswith("Weekly digest, week ")
            assert fake.uploads[shared["file_id"]].startswith(PNG)
            assert fake.calls_to("auth.test") == []  # tokens came from the installation store
        for worker in workers:
            await worker.aclose()

    try:
        run(main())
        with workers[0].storage.engine.connect() as conn:
            rows = conn.execute(text("SELECT community_id, channel, sent_at IS NOT NULL FROM digest_post"))
            # nothing claimed for the workspace without an installation, nor for Discord's community
            assert [tuple(r) for r in rows] == [(f"slack:{TEAM_ID}", CHANNEL_ID, True)]
    finally:
        for worker in workers:
            worker.close()


def test_serve_runs_the_digest_scheduler_for_its_bot_tokens_workspace(yuntai: App,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`yuntai slack` posts a digest that is due when it starts: the scheduler's first pass runs at once."""
    async def main() -> None:
        async with FakeSlack() as fake:
            fake.add_user(MEMBER_ID)
            monkeypatch.setenv("SLACK_API_URL", fake.base_url)
            await set_up_digest(yuntai)
            current = yuntai.storage.settings.settings(f"slack:{TEAM_ID}")  # as if chosen eight days ago:
            earlier = (datetime.now(UTC) - WEEK_LATER).isoformat()  # last Monday's slot is due now
            yuntai.storage.settings.save_settings(replace(current, digest_set_up_at=earlier), "admin")
            stop = asyncio.Event()
            server = asyncio.create_task(serve(yuntai, SlackConfig(bot_token=BOT_TOKEN, signing_secret=SECRET),
                                               http_port=0, host="127.0.0.1", stop=stop))
            [post] = await fake.wait_for("chat.postMessage", timeout=30)
            await fake.wait_for("files.completeUploadExternal", timeout=30)
            stop.set()
            await asyncio.wait_for(server, 20)
            assert post.ok and post.payload["channel"] == CHANNEL_ID and post.token == BOT_TOKEN
            assert [c.ok for c in fake.calls_to("auth.test")] == [True]
            assert [s["channel"] for s in fake.shared] == [CHANNEL_ID]

    run(main())


def test_a_digest_whose_chart_cannot_be_shared_is_still_posted_once_and_marked_sent(yuntai: App) -> None:
    """Raising after the post would make another pass post the digest again; the chart is only logged."""
    from adapters.slack.digests import single_workspace, slack_digest_scheduler
    from adapters.slack_endpoints import slack_web_client

    async def main() -> None:
        async with FakeSlack() as fake:
            fake.remove_bot_from(CHANNEL_ID)
            await set_up_digest(yuntai)
            await set_up_digest(yuntai, team="T0OTHER01")  # another workspace: not this bot token's
            client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
            runner = slack_digest_scheduler(yuntai, *await single_workspace(client)).runner
            later = datetime.now(UTC) + WEEK_LATER
            assert [p.community_id for p in await runner.run_due(later)] == [f"slack:{TEAM_ID}"]
            assert await runner.run_due(later + timedelta(hours=1)) == []
            assert len(fake.delivered("chat.postMessage")) == 1
            assert [c.error for c in fake.calls_to("files.completeUploadExternal")] == ["not_in_channel"]
        await yuntai.aclose()

    run(main())
    with yuntai.storage.engine.connect() as conn:
        rows = conn.execute(text("SELECT community_id, sent_at IS NOT NULL FROM digest_post")).all()
    assert [tuple(r) for r in rows] == [(f"slack:{TEAM_ID}", True)]  # the other workspace's is not claimed here

"""`yuntai slack`: configuration refused in one line, and the served app (HTTP, OAuth installs) for real.

Why through `serve`: it is what `yuntai slack --http PORT` runs, so these tests cover the route,
the signing secret, the OAuth stores on Yuntai's own database and the shutdown that finishes work.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from adapters import cli
from adapters.slack.run import SlackConfig, async_database_url, serve
from adapters.wiring import build_app
from bot.config import ConfigError, Settings
from helpers.fake_slack import BOT_TOKEN, FakeSlack
from helpers.seeded_db import seeded_copy
from helpers.slack_requests import MEMBER_ID, SlackRequests

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

SECRET = "served-signing-secret"
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
              "SLACK_API_URL", "DISCORD_TOKEN")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env of the worktree
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", seeded_copy(tmp_path / 'cli.db'))
    return monkeypatch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_slack_without_tokens_is_one_line_and_exit_1(clean_env: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["slack"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("yuntai: yuntai slack needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...) for "
                   "Socket Mode; or use --http PORT with SLACK_SIGNING_SECRET")
    assert cli.main(["slack", "--http", "8080"]) == 1
    assert capsys.readouterr().err.strip() == \
        "yuntai: yuntai slack --http needs SLACK_SIGNING_SECRET (the app's Basic Information page)"
    assert cli.main(["slack", "--http", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "yuntai: --http needs a port between 1 and 65535, not 70000"


def test_config_refuses_a_bot_token_where_the_app_token_goes() -> None:
    with pytest.raises(ConfigError) as raised:
        SlackConfig(bot_token="xoxb-1", app_token="xoxb-2").check(http=False)
    assert str(raised.value) == "SLACK_APP_TOKEN must be an app-level token starting with xapp-"
    SlackConfig(bot_token="xoxb-1", app_token="xapp-2").check(http=False)
    SlackConfig(signing_secret="s", client_id="1.2", client_secret="c").check(http=True)


def test_async_database_url_swaps_in_async_drivers() -> None:
    assert async_database_url("sqlite:////tmp/y.db") == "sqlite+aiosqlite:////tmp/y.db"
    assert async_database_url("postgresql://u:p@h:5/db") == "postgresql+psycopg://u:p@h:5/db"
    assert async_database_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


def test_http_mode_serves_slash_commands_and_stops_after_finishing_work(
        clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    yuntai = build_app(Settings(database_url=seeded_copy(tmp_path / 'http.db')), fetch=False)

    async def main() -> None:
        async with FakeSlack() as fake:
            fake.add_user(MEMBER_ID)
            clean_env.setenv("SLACK_API_URL", fake.base_url)
            port, stop = free_port(), asyncio.Event()
            server = asyncio.create_task(serve(yuntai, SlackConfig(bot_token=BOT_TOKEN, signing_secret=SECRET),
                                               http_port=port, host="127.0.0.1", stop=stop))
            origin = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as session:
                for _ in range(100):
                    try:
                        async with session.get(origin + "/slack/events"):
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                req = SlackRequests(SECRET).slash_command("model", response_url=fake.response_url("m"))
                assert (await req.post(session, origin))[0] == 200
                stop.set()  # the answer still goes out: serve() drains the work in flight
                await asyncio.wait_for(server, 20)
            [answer] = fake.calls_to("response_url")
            assert answer.ok and answer.payload["response_type"] == "ephemeral"

    try:
        asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        yuntai.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_oauth_install_round_trip_stores_the_installation_and_answers_that_workspace(
        backend: str, clean_env: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = seeded_copy(tmp_path / 'oauth.db') if backend == "sqlite" else request.getfixturevalue("seeded_postgres_url")
    yuntai = build_app(Settings(database_url=url), fetch=False)
    config = SlackConfig(signing_secret=SECRET, client_id="1111.2222", client_secret="fake-client-secret")

    async def main() -> None:
        async with FakeSlack() as fake:
            fake.add_user(MEMBER_ID, team_id="T0NEWTEAM")
            clean_env.setenv("SLACK_API_URL", fake.base_url)
            port, stop = free_port(), asyncio.Event()
            server = asyncio.create_task(serve(yuntai, config, http_port=port, host="127.0.0.1", stop=stop))
            origin = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as session:
                for _ in range(200):
                    try:
                        async with session.get(origin + "/slack/install", allow_redirects=False) as response:
                            assert response.status in {200, 302}
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                async with session.get(origin + "/slack/install", allow_redirects=False) as response:
                    body = await response.text()
                    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
                link = next(part for part in body.split('"') if part.startswith("https://slack.com/oauth/v2/"))
                state = parse_qs(urlsplit(link.replace("&amp;", "&")).query)["state"][0]
                code = fake.grant_code(team_id="T0NEWTEAM", team_name="New Studio")
                async with session.get(f"{origin}/slack/oauth_redirect?code={code}&state={state}",
                                       headers={"Cookie": cookie}) as response:
                    assert response.status == 200, await response.text()
                req = SlackRequests(SECRET, team_id="T0NEWTEAM").slash_command(
                    "help", response_url=fake.response_url("new"))
                assert (await req.post(session, origin))[0] == 200
                [answer] = await fake.wait_for("response_url", timeout=20)
                installed = bots()
                gone = SlackRequests(SECRET, team_id="T0NEWTEAM").event({"type": "app_uninstalled"})
                assert (await gone.post(session, origin))[0] == 200
                stop.set()
                await asyncio.wait_for(server, 20)
            assert answer.ok and "/yuntai model [name]" in "\n".join(answer.texts())
            [who] = fake.delivered("users.info")
            assert who.token == "xoxb-T0NEWTEAM-fake-1"  # the stored installation's token, for that team
            assert installed == [("T0NEWTEAM", "xoxb-T0NEWTEAM-fake-1")]
            assert bots() == []  # app_uninstalled deleted it: no digest is claimed for a dead token

    def bots() -> list[tuple[str, str]]:
        with yuntai.storage.engine.connect() as conn:
            from sqlalchemy import text

            return [tuple(r) for r in conn.execute(text("SELECT team_id, bot_token FROM slack_bots"))]

    try:
        asyncio.run(asyncio.wait_for(main(), 90))
    finally:
        yuntai.close()




def test_run_starts_slack_only_when_both_socket_mode_tokens_are_set(clean_env: pytest.MonkeyPatch) -> None:
    started: list[int | None] = []
    clean_env.setattr(cli, "_slack", lambda port: started.append(port) or 0)
    clean_env.setattr(cli, "_chat", lambda args: 7)
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert cli.main(["run"]) == 7 and started == []  # the console: no app token
    clean_env.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert cli.main(["run"]) == 0 and started == [None]  # Socket Mode
    assert cli.main(["slack", "--http", "8080"]) == 0 and started == [None, 8080]

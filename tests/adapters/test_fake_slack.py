"""The Slack test fakes, proven against the unmodified slack-bolt and slack_sdk libraries.

Why these tests exist before the adapter: the adapter's own tests will trust ``FakeSlack`` and
``SlackRequests``; if the fake answered differently from what slack_sdk expects, or the signed
requests did not pass Bolt's verification, those tests would pass or fail for the wrong reasons.
So here a minimal Bolt ``AsyncApp`` defined in this file (not the product's adapter) runs over real
HTTP on a loopback port, its Web API client built by ``adapters.slack_endpoints`` and pointed at the
fake, and every assertion is on what crossed the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack_endpoints import DEFAULT_SLACK_API_URL, slack_api_url, slack_web_client
from bot.config import ConfigError
from helpers.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    TEAM_ID,
    FakeSlack,
    block_errors,
)
from helpers.slack_requests import MEMBER_ID, SlackRequests, signature

# slack_sdk 3.48 still passes aiohttp.BasicAuth for oauth.v2.access; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

SECRET = "fake-signing-secret-0123456789"
WORK_SECONDS = 1.0  # how long the fake "check" takes after the ack
CLIP_URL = "https://example.org/clips/42"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


def vote_blocks(tally: int) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Representative? votes so far: {tally}"}},
        {"type": "actions", "block_id": "votes", "elements": [
            {"type": "button", "action_id": "vote:clip-7:yes", "value": "clip-7",
             "text": {"type": "plain_text", "text": "Looks representative"}},
        ]},
    ]


def demo_app(client: AsyncWebClient, **kwargs: Any) -> AsyncApp:
    """A stand-in Bolt app: just enough listeners to exercise every fake endpoint."""
    app = AsyncApp(client=client, signing_secret=SECRET, **kwargs)

    @app.command("/yuntai")
    async def yuntai(ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        await ack()
        text = command["text"]
        if text.startswith("kb "):
            user = (await client.users_info(user=command["user_id"]))["user"]
            allowed = user["is_admin"] or user["is_owner"]
            await respond(response_type="ephemeral", text="kb updated" if allowed else "Admins only, sorry.")
        elif text == "post":
            await client.chat_postMessage(channel=command["channel_id"], text="posted by the demo app")
        else:
            await asyncio.sleep(WORK_SECONDS)
            await respond(response_type="in_channel", text=f"checked {text.removeprefix('check ')}",
                          blocks=vote_blocks(0))

    @app.action(re.compile(r"^vote:"))
    async def vote(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        channel, ts = body["container"]["channel_id"], body["container"]["message_ts"]
        await client.chat_update(channel=channel, ts=ts, text="votes: 1", blocks=vote_blocks(1))
        await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text="Vote recorded.")

    @app.message_shortcut("check_demo")
    async def shortcut(ack: Any, shortcut: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(response_type="ephemeral", text=f"checking {shortcut['message']['text']}")

    @app.event("message")
    async def message(event: dict[str, Any], request: Any, client: AsyncWebClient) -> None:
        retry = request.headers.get("x-slack-retry-num", ["0"])[0]
        await client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text=f"reply (retry {retry})")

    @app.event("link_shared")
    async def link_shared(event: dict[str, Any], client: AsyncWebClient) -> None:
        unfurls = {link["url"]: {"blocks": vote_blocks(0)[:1]} for link in event["links"]}
        await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)

    return app


@contextlib.asynccontextmanager
async def serving(app: AsyncApp) -> AsyncIterator[str]:
    """Bolt's own aiohttp server (``app.web_app()``) on a free loopback port; yields its origin."""
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


Scenario = Callable[[FakeSlack, str, aiohttp.ClientSession], Awaitable[None]]


def with_app(scenario: Scenario, **fake_kwargs: Any) -> None:
    async def main() -> None:
        async with FakeSlack(**fake_kwargs) as fake:
            client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
            async with serving(demo_app(client)) as origin, aiohttp.ClientSession() as session:
                await scenario(fake, origin, session)

    run(main())


# --------------------------------------------------------------------------- HTTP mode through Bolt


def test_slash_command_is_acked_at_once_and_answered_through_response_url() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        req = SlackRequests(SECRET).slash_command(f"check {CLIP_URL}", response_url=fake.response_url("cmd1"))
        started = time.monotonic()
        status, _ = await req.post(session, origin)
        acked = time.monotonic()
        assert status == 200
        assert acked - started < WORK_SECONDS  # the ack did not wait for the work
        [answer] = await fake.wait_for("response_url")
        assert answer.path == "/response/cmd1"
        assert answer.at - started >= WORK_SECONDS
        assert answer.payload["text"] == f"checked {CLIP_URL}"
        assert answer.payload["response_type"] == "in_channel"
        assert answer.payload["blocks"][1]["elements"][0]["action_id"] == "vote:clip-7:yes"
        # Bolt's single-workspace authorization asked the fake who the bot token is, with that token.
        [auth] = fake.delivered("auth.test")
        assert auth.token == BOT_TOKEN

    with_app(scenario)


def test_forged_or_replayed_requests_get_401_and_reach_nothing() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        slack = SlackRequests(SECRET)
        req = slack.slash_command(f"check {CLIP_URL}", response_url=fake.response_url())
        assert (await req.with_bad_signature().post(session, origin))[0] == 401
        six_minutes_ago = int(time.time()) - 360
        assert (await req.resigned(timestamp=six_minutes_ago).post(session, origin))[0] == 401
        wrong_secret = SlackRequests("not-the-secret").slash_command("check x", response_url=fake.response_url())
        assert (await wrong_secret.post(session, origin))[0] == 401
        await asyncio.sleep(0.3)  # room for anything wrongly started to reach the fake
        assert fake.calls == []
        # The same request correctly signed now is accepted: the refusals above were about the signature.
        assert (await req.resigned(timestamp=int(time.time())).post(session, origin))[0] == 200

    with_app(scenario)


def test_button_click_updates_the_message_in_place_and_confirms_ephemerally() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        fake.add_message(CHANNEL_ID, "1790000000.000500", text="votes: 0", blocks=vote_blocks(0))
        click = SlackRequests(SECRET).block_actions(
            "vote:clip-7:yes", "clip-7", response_url=fake.response_url(), message_ts="1790000000.000500",
            message_blocks=vote_blocks(0))
        assert (await click.post(session, origin))[0] == 200
        [update] = await fake.wait_for("chat.update")
        assert update.ok
        assert (update.payload["channel"], update.payload["ts"]) == (CHANNEL_ID, "1790000000.000500")
        assert fake.messages[(CHANNEL_ID, "1790000000.000500")]["text"] == "votes: 1"
        [ephemeral] = await fake.wait_for("chat.postEphemeral")
        assert ephemeral.ok and ephemeral.payload["user"] == MEMBER_ID

    with_app(scenario)


def test_a_429_with_retry_after_is_retried_once_after_the_wait_and_posts_one_message() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        fake.rate_limit("chat.postMessage", retry_after=1)
        req = SlackRequests(SECRET).slash_command("post", response_url=fake.response_url())
        assert (await req.post(session, origin))[0] == 200
        first, second = await fake.wait_for("chat.postMessage", count=2, timeout=5)
        assert (first.status, first.error) == (429, "ratelimited")
        assert second.ok
        assert second.at - first.at >= 1.0  # slack_sdk honoured Retry-After: 1
        await asyncio.sleep(0.3)
        assert len(fake.calls_to("chat.postMessage")) == 2
        assert [c.payload["text"] for c in fake.delivered("chat.postMessage")] == ["posted by the demo app"]

    with_app(scenario)


def test_admin_subcommand_reads_is_admin_from_users_info() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        fake.add_user(MEMBER_ID, name="member")
        fake.add_user("U0ADMIN01", name="boss", is_admin=True)
        slack = SlackRequests(SECRET)
        await slack.slash_command("kb add x", response_url=fake.response_url("member")).post(session, origin)
        await slack.slash_command("kb add x", response_url=fake.response_url("admin"), user_id="U0ADMIN01",
                                  user_name="boss").post(session, origin)
        answers = await fake.wait_for("response_url", count=2)
        by_key = {c.path.rsplit("/", 1)[1]: c.payload["text"] for c in answers}
        assert by_key == {"member": "Admins only, sorry.", "admin": "kb updated"}
        assert sorted(c.payload["user"] for c in fake.delivered("users.info")) == ["U0ADMIN01", MEMBER_ID]

    with_app(scenario)


def test_message_shortcut_answers_through_response_url() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        req = SlackRequests(SECRET).message_action(
            "check_demo", message_text=f"look {CLIP_URL}", message_ts="1790000000.000100",
            response_url=fake.response_url("sc"))
        assert (await req.post(session, origin))[0] == 200
        [answer] = await fake.wait_for("response_url")
        assert answer.payload["text"] == f"checking look {CLIP_URL}"

    with_app(scenario)


def test_message_event_and_its_retry_carry_the_same_event_id_and_the_retry_header() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        first = SlackRequests(SECRET).message(f"new demo {CLIP_URL}", ts="1790000000.000200")
        retry = first.as_retry(1)
        assert retry.payload["event_id"] == first.payload["event_id"]
        assert retry.headers["X-Slack-Retry-Num"] == "1"
        assert (await first.post(session, origin))[0] == 200
        assert (await retry.post(session, origin))[0] == 200
        replies = await fake.wait_for("chat.postMessage", count=2)
        # The demo app does not deduplicate (the adapter must); it proves Bolt saw both and the header.
        assert sorted(c.payload["text"] for c in replies) == ["reply (retry 0)", "reply (retry 1)"]
        assert {c.payload["thread_ts"] for c in replies} == {"1790000000.000200"}

    with_app(scenario)


def test_link_shared_event_gets_one_chat_unfurl_for_its_links() -> None:
    async def scenario(fake: FakeSlack, origin: str, session: aiohttp.ClientSession) -> None:
        req = SlackRequests(SECRET).link_shared([CLIP_URL], message_ts="1790000000.000300")
        assert req.payload["event"]["links"] == [{"domain": "example.org", "url": CLIP_URL}]
        assert (await req.post(session, origin))[0] == 200
        [unfurl] = await fake.wait_for("chat.unfurl")
        assert unfurl.ok
        assert (unfurl.payload["channel"], unfurl.payload["ts"]) == (CHANNEL_ID, "1790000000.000300")
        assert list(unfurl.payload["unfurls"]) == [CLIP_URL]

    with_app(scenario)


# --------------------------------------------------------------------------- OAuth and Socket Mode


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_oauth_install_round_trip_stores_the_installation_and_uses_it_for_that_team(
        backend: str, request: pytest.FixtureRequest) -> None:
    # slack_sdk's async SQLAlchemy stores need an async driver: aiosqlite for SQLite, psycopg 3 (async
    # already, as postgresql+psycopg) for Postgres, and greenlet, which SQLAlchemy 2.1 no longer pulls in.
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{request.getfixturevalue('tmp_path') / 'slack.db'}"
    else:
        url = request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+psycopg://", 1)

    async def main() -> None:
        engine = create_async_engine(url)
        installations = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
        await installations.create_tables()
        await states.create_tables()
        async with FakeSlack() as fake:
            settings = AsyncOAuthSettings(
                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scopes=["commands", "chat:write"],
                installation_store=installations, state_store=states, install_page_rendering_enabled=False)
            app = demo_app(slack_web_client(env={"SLACK_API_URL": fake.base_url}), oauth_settings=settings)
            async with serving(app) as origin, aiohttp.ClientSession() as session:
                async with session.get(origin + "/slack/install", allow_redirects=False) as response:
                    assert response.status == 302
                    authorize = urlsplit(response.headers["Location"])
                    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
                state = parse_qs(authorize.query)["state"][0]
                assert parse_qs(authorize.query)["client_id"] == [CLIENT_ID]

                code = fake.grant_code(team_id="T0NEWTEAM", team_name="New Studio")
                redirect = f"{origin}/slack/oauth_redirect?code={code}&state={state}"
                async with session.get(redirect, headers={"Cookie": cookie}) as response:
                    assert response.status == 200, await response.text()
                [access] = fake.delivered("oauth.v2.access")
                assert access.payload["code"] == code

                installed = await installations.async_find_installation(enterprise_id=None, team_id="T0NEWTEAM")
                assert installed is not None
                assert installed.bot_token == "xoxb-T0NEWTEAM-fake-1"
                assert installed.team_name == "New Studio"

                # A replayed redirect (the state is single-use) installs nothing more.
                async with session.get(redirect, headers={"Cookie": cookie}) as response:
                    assert response.status in {400, 401}
                assert len(fake.calls_to("oauth.v2.access")) == 1

                # The stored installation's token is the one used for that team's requests.
                new_team = SlackRequests(SECRET, team_id="T0NEWTEAM")
                assert (await new_team.slash_command("post", response_url=fake.response_url()).post(
                    session, origin))[0] == 200
                [post] = await fake.wait_for("chat.postMessage")
                assert post.ok and post.token == "xoxb-T0NEWTEAM-fake-1"
        await engine.dispose()

    run(main())


def test_socket_mode_round_trip_envelope_in_ack_out() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
            handler = AsyncSocketModeHandler(demo_app(client), app_token=APP_TOKEN)
            await handler.connect_async()
            try:
                await fake.wait_socket()
                [opened] = fake.delivered("apps.connections.open")
                assert opened.token == APP_TOKEN
                payload = SlackRequests(SECRET).slash_command(f"check {CLIP_URL}",
                                                              response_url=fake.response_url("sm")).form
                envelope_id = await fake.send_envelope("slash_commands", payload)
                ack = await fake.wait_ack(envelope_id, timeout=3)
                assert ack["envelope_id"] == envelope_id
                [answer] = await fake.wait_for("response_url")
                assert answer.payload["text"] == f"checked {CLIP_URL}"
            finally:
                await handler.close_async()

    run(main())


def test_socket_mode_client_reconnects_when_the_fake_asks_and_keeps_acking() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
            handler = AsyncSocketModeHandler(demo_app(client), app_token=APP_TOKEN)
            await handler.connect_async()
            try:
                await fake.wait_socket()
                await fake.send_disconnect()
                await fake.wait_for("apps.connections.open", count=2)
                await fake.wait_socket()
                payload = SlackRequests(SECRET).link_shared([CLIP_URL], message_ts="1790000000.000400").payload
                envelope_id = await fake.send_envelope("events_api", payload)
                assert (await fake.wait_ack(envelope_id))["envelope_id"] == envelope_id
                [unfurl] = await fake.wait_for("chat.unfurl")
                assert unfurl.ok and fake.live_sockets() == 1
            finally:
                await handler.close_async()

    run(main())


def test_bolt_quirk_an_error_right_after_ack_turns_the_ack_into_404_unless_the_work_is_a_task() -> None:
    """slack_bolt 1.30 (listener/asyncio_runner.py) overwrites an ack with None when the listener raises
    within its 10 ms ack poll, so Slack sees 404 and retries. The adapter must run post-ack work in its
    own tasks (as issue 13 asks); this pins the library behaviour that makes it necessary."""
    background: set[asyncio.Task[None]] = set()

    async def failing_work() -> None:
        raise RuntimeError("the Web API call failed")

    async def main() -> None:
        async with FakeSlack() as fake:
            app = AsyncApp(client=slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url}),
                           signing_secret=SECRET)

            @app.command("/inline")
            async def inline(ack: Any) -> None:
                await ack()
                await failing_work()

            @app.command("/tasked")
            async def tasked(ack: Any) -> None:
                await ack()
                task = asyncio.create_task(failing_work())
                background.add(task)
                task.add_done_callback(background.discard)
                task.add_done_callback(lambda t: t.exception())  # retrieved: logged by the adapter, not here

            # Bolt waits out the listener's ack_timeout (3 s) for the ack it lost before answering 404; a
            # shorter wait shows the same loss (the /tasked ack still arrives within the first poll).
            for listener in app._async_listeners:
                listener.ack_timeout = 1  # a loaded machine still acks /tasked well within it
            slack = SlackRequests(SECRET)
            async with serving(app) as origin, aiohttp.ClientSession() as session:
                inline_req = slack.slash_command("x", command="/inline", response_url=fake.response_url())
                tasked_req = slack.slash_command("x", command="/tasked", response_url=fake.response_url())
                assert (await inline_req.post(session, origin))[0] == 404
                assert (await tasked_req.post(session, origin))[0] == 200

    run(main())


# --------------------------------------------------------------------------- the fake's own contract


def test_fake_enforces_block_kit_limits_at_the_boundary() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}

    def button(**over: Any) -> list[dict[str, Any]]:
        element = {"type": "button", "action_id": "a", "value": "v", "text": {"type": "plain_text", "text": "t"}}
        element.update(over)
        return [{"type": "actions", "elements": [element]}]

    def long_section(n: int) -> list[dict[str, Any]]:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * n}}]

    assert block_errors([section] * 50) == []
    assert block_errors([section] * 51) == ["must provide no more than 50 items [json-pointer:/blocks]"]
    assert block_errors(long_section(3000)) == []
    assert block_errors(long_section(3001)) == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert block_errors(button(action_id="a" * 255)) == []
    assert block_errors(button(action_id="a" * 256)) == [
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"]
    assert block_errors(button(value="v" * 2000)) == []
    assert block_errors(button(value="v" * 2001)) == [
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"]
    assert block_errors(button(text={"type": "plain_text", "text": "t" * 75})) == []
    assert block_errors(button(text={"type": "plain_text", "text": "t" * 76})) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"]
    accessory = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"},
                  "accessory": {"type": "button", "action_id": "b" * 256, "text": {"type": "plain_text", "text": "t"}}}]
    assert block_errors(accessory) == ["must be less than 256 characters [json-pointer:/blocks/0/accessory/action_id]"]


def test_slack_sdk_sees_invalid_blocks_as_an_api_error_and_nothing_is_stored() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
            too_many = [{"type": "divider"}] * 51
            with pytest.raises(SlackApiError) as raised:
                await client.chat_postMessage(channel=CHANNEL_ID, text="x", blocks=too_many)
            assert raised.value.response["error"] == "invalid_blocks"
            assert fake.messages == {}
            ok = await client.chat_postMessage(channel=CHANNEL_ID, text="x", blocks=too_many[:50])
            assert ok["ok"] and (CHANNEL_ID, ok["ts"]) in fake.messages
            with pytest.raises(SlackApiError) as raised:
                await client.chat_unfurl(channel=CHANNEL_ID, ts="1.2",
                                         unfurls={CLIP_URL: {"blocks": [{"type": "section", "text": {
                                             "type": "mrkdwn", "text": "z" * 3001}}]}})
            assert raised.value.response["error"] == "invalid_blocks"
            hook = AsyncWebhookClient(fake.response_url("too-many"))
            refused = await hook.send(text="x", blocks=too_many)
            assert (refused.status_code, json.loads(refused.body)["error"]) == (400, "invalid_blocks")
            assert (await hook.send(text="x", blocks=too_many[:50])).status_code == 200
            with pytest.raises(SlackApiError) as raised:  # a message the fake never saw
                await client.chat_update(channel=CHANNEL_ID, ts="1790000000.000999", text="votes: 1")
            assert raised.value.response["error"] == "message_not_found"

    run(main())


def test_fake_checks_tokens_and_scopes_users_and_channels_to_their_team() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            fake.add_user("U0OWNER01", name="owner", is_owner=True)
            fake.add_user("U0ELSEWHR", team_id="T0OTHER01")
            bot = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
            owner = (await bot.users_info(user="U0OWNER01"))["user"]
            assert (owner["is_owner"], owner["is_admin"], owner["team_id"]) == (True, False, TEAM_ID)
            for user in ("U0ELSEWHR", "U0NOBODY1"):
                with pytest.raises(SlackApiError) as raised:
                    await bot.users_info(user=user)
                assert raised.value.response["error"] == "user_not_found"
            channel = (await bot.conversations_info(channel=CHANNEL_ID))["channel"]
            assert (channel["id"], channel["name"]) == (CHANNEL_ID, "demos")
            assert (await bot.auth_test())["user_id"] == BOT_USER_ID
            for token, error in (("xoxb-unknown", "invalid_auth"), (APP_TOKEN, "not_allowed_token_type")):
                with pytest.raises(SlackApiError) as raised:
                    await AsyncWebClient(token=token, base_url=fake.base_url).auth_test()
                assert raised.value.response["error"] == error
            with pytest.raises(SlackApiError) as raised:
                await AsyncWebClient(base_url=fake.base_url).chat_postMessage(channel=CHANNEL_ID, text="x")
            assert raised.value.response["error"] == "not_authed"
            with pytest.raises(SlackApiError) as raised:
                await bot.apps_connections_open(app_token=BOT_TOKEN)
            assert raised.value.response["error"] == "not_allowed_token_type"

    run(main())


def test_recorded_calls_expose_every_text_and_any_notifying_mention() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            fake.add_team("T0OTHER01", "Other Studio", "xoxb-other")
            other = AsyncWebClient(token="xoxb-other", base_url=fake.base_url)
            assert (await other.auth_test())["team_id"] == "T0OTHER01"
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Title: <!channel> hi <@U0MEMBER1>"}},
                      {"type": "context", "elements": [{"type": "mrkdwn", "text": "&lt;!here&gt; is safe"}]}]
            await other.chat_postMessage(channel=CHANNEL_ID, text="plain <!here|here>", blocks=blocks)
            [call] = fake.delivered("chat.postMessage")
            assert call.token == "xoxb-other"
            assert call.texts() == ["plain <!here|here>", "Title: <!channel> hi <@U0MEMBER1>", "&lt;!here&gt; is safe"]
            assert call.mentions() == ["<!here|here>", "<!channel>", "<@U0MEMBER1>"]

    run(main())


def test_file_upload_v2_goes_through_all_three_steps_with_the_bytes() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
            chart = b"\x89PNG\r\n\x1a\n fake chart bytes"
            result = await client.files_upload_v2(channel=CHANNEL_ID, content=chart, filename="model.png",
                                                  title="Model chart")
            assert result["file"]["title"] == "Model chart"
            assert [c.method for c in fake.calls] == ["files.getUploadURLExternal", "upload",
                                                       "files.completeUploadExternal"]
            assert fake.calls[0].payload["length"] == str(len(chart))
            assert fake.uploads[result["file"]["id"]] == chart
            assert fake.calls[2].payload["channel_id"] == CHANNEL_ID

    run(main())


def test_oauth_access_refuses_wrong_client_secret_and_reused_codes() -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = AsyncWebClient(base_url=fake.base_url)
            code = fake.grant_code(team_id="T0NEWTEAM", team_name="New Studio")
            with pytest.raises(SlackApiError) as raised:
                await client.oauth_v2_access(client_id=CLIENT_ID, client_secret="wrong", code=code)
            assert raised.value.response["error"] == "bad_client_secret"
            granted = await client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
            assert granted["team"] == {"id": "T0NEWTEAM", "name": "New Studio"}
            new_bot = AsyncWebClient(token=granted["access_token"], base_url=fake.base_url)
            assert (await new_bot.auth_test())["team_id"] == "T0NEWTEAM"
            with pytest.raises(SlackApiError) as raised:
                await client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
            assert raised.value.response["error"] == "invalid_code"

    run(main())


def test_signature_matches_slack_sdk_verifier_and_a_hand_computed_hmac() -> None:
    body = b"token=x&team_id=T1&text=check%20https%3A%2F%2Fexample.org"
    expected = "v0=" + hmac.new(b"s3cret", b"v0:1790000000:" + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1790000000, body) == expected
    req = SlackRequests("s3cret").sign(body, "application/x-www-form-urlencoded")
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(req.body, req.headers)
    assert not verifier.is_valid_request(req.body, req.with_bad_signature().headers)
    assert not verifier.is_valid_request(req.body, req.resigned(timestamp=int(time.time()) - 360).headers)


# --------------------------------------------------------------------------- adapters.slack_endpoints


def test_slack_api_url_defaults_to_slack_and_normalises_the_trailing_slash() -> None:
    assert slack_api_url({}) == DEFAULT_SLACK_API_URL == "https://slack.com/api/"
    assert slack_api_url({"SLACK_API_URL": "  "}) == "https://slack.com/api/"
    assert slack_api_url({"SLACK_API_URL": "http://127.0.0.1:8080/api"}) == "http://127.0.0.1:8080/api/"
    assert slack_api_url({"SLACK_API_URL": "https://slack.example/api/"}) == "https://slack.example/api/"
    assert slack_api_url({"SLACK_API_URL": "http://localhost:9/api/"}) == "http://localhost:9/api/"


@pytest.mark.parametrize("raw, fragment", [
    ("slack.com/api", "must be an https:// URL"),
    ("ftp://slack.com/api/", "must be an https:// URL"),
    ("http://slack.example/api/", "plain http:// only for localhost"),
    ("https://slack.example/api/?x=1", "must not have a ?query"),
])
def test_slack_api_url_refuses_unusable_values_with_one_line(raw: str, fragment: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError) as raised:
        slack_api_url({"SLACK_API_URL": raw})
    assert fragment in str(raised.value) and "\n" not in str(raised.value)
    assert any("SLACK_API_URL rejected" in r.getMessage() for r in caplog.records)


def test_slack_web_client_points_at_the_url_and_retries_429_once() -> None:
    client = slack_web_client("xoxb-t", env={"SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert (client.base_url, client.token) == ("http://127.0.0.1:9/api/", "xoxb-t")
    [limit] = [h for h in client.retry_handlers if isinstance(h, AsyncRateLimitErrorRetryHandler)]
    assert limit.max_retry_count == 1

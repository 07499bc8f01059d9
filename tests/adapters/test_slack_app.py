"""The product's Slack app through the real slack-bolt: signed HTTP in, the loopback fake Slack out.

Why end to end: the adapter's promises (ack at once, one reply per event, escaped text, rights from
`users.info`) live in how slack-bolt, slack_sdk and the core meet, so every test here sends signed
requests over a loopback socket to Bolt's own aiohttp server and asserts on what reached the fake.
The core is the real one, on a throw-away SQLite database, with page fetching off.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.app import SlackBot, build_slack_app
from adapters.slack_endpoints import slack_web_client
from adapters.wiring import App, build_app
from bot.chat import ChatCore
from bot.clip_ids import short_clip_id
from bot.config import Settings
from helpers.fake_slack import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, CHANNEL_ID, TEAM_ID, FakeSlack
from helpers.seeded_db import seeded_copy
from helpers.slack_requests import MEMBER_ID, SlackRequests
from storage.slack_ledger import SqlSlackEvents

SECRET = "product-signing-secret-42"
CLIP = "https://example.org/v/1"
ADMIN_ID = "U0ADMIN01"


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))  # type: ignore[arg-type]


@pytest.fixture
def yuntai(tmp_path: Path) -> Any:
    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'slack.db')), fetch=False)
    yield app
    app.close()


@dataclass
class Running:
    fake: FakeSlack
    origin: str
    session: aiohttp.ClientSession
    bot: SlackBot
    slack: SlackRequests

    async def post(self, req: Any) -> int:
        return (await req.post(self.session, self.origin))[0]


@contextlib.asynccontextmanager
async def running(yuntai: App, chat: ChatCore | None = None) -> AsyncIterator[Running]:
    async with FakeSlack() as fake:
        fake.add_user(MEMBER_ID, name="member")
        fake.add_user(ADMIN_ID, name="boss", is_admin=True)
        client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
        app, bot = build_slack_app(chat or yuntai.chat, SqlSlackEvents(yuntai.storage.uow), client=client,
                                   signing_secret=SECRET)
        runner = web.AppRunner(app.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        origin = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession() as session:
                yield Running(fake, origin, session, bot, SlackRequests(SECRET))
                await bot.aclose()
        finally:
            await runner.cleanup()
            await yuntai.aclose()


async def watch_demos(r: Running) -> None:
    req = r.slack.slash_command(f"setup watch <#{CHANNEL_ID}|demos>", response_url=r.fake.response_url("watch"),
                                user_id=ADMIN_ID)
    assert await r.post(req) == 200
    [answer] = await r.fake.wait_for("response_url")
    assert answer.payload["text"] == f"I now check links pasted in {CHANNEL_ID}."


def test_check_is_acked_at_once_then_answered_in_block_kit_with_vote_buttons(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            started = time.monotonic()
            assert await r.post(r.slack.slash_command(f"check {CLIP} a dog runs on the beach",
                                                      response_url=r.fake.response_url("c1"))) == 200
            assert time.monotonic() - started < 3
            [answer] = await r.fake.wait_for("response_url", timeout=20)
            assert answer.ok and answer.path == "/response/c1"
            assert answer.payload["response_type"] == "in_channel"
            assert answer.payload["text"] == f"Reality check: {CLIP}  [a web page (not a video site I know)]"
            sections = [b["text"]["text"] for b in answer.payload["blocks"] if b["type"] == "section"]
            assert "Verdict: UNKNOWN: not enough to judge" in sections[0]
            assert "Animals ('dog'), Running ('runs'), Scenery ('beach')" in sections[0]
            clip_id = short_clip_id(CLIP)
            [actions] = [b for b in answer.payload["blocks"] if b["type"] == "actions"]
            assert [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]] == [
                (f"vote:{clip_id}:representative", f"{clip_id}:representative", "Representative"),
                (f"vote:{clip_id}:cherry_picked", f"{clip_id}:cherry_picked", "Cherry-picked"),
                (f"vote:{clip_id}:misleading_workflow", f"{clip_id}:misleading_workflow", "Misleading workflow"),
                (f"vote:{clip_id}:cant_tell", f"{clip_id}:cant_tell", "Can't tell"),
            ]

    run(main())


def test_help_comes_from_the_registry_and_an_empty_command_is_help(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            assert await r.post(r.slack.slash_command("", response_url=r.fake.response_url("h"))) == 200
            [answer] = await r.fake.wait_for("response_url")
            text = "\n".join(answer.texts())
            assert answer.payload["response_type"] == "ephemeral"
            assert "/yuntai check &lt;link&gt; [caption] [model:…] [workflow:…]" in text
            assert "/yuntai model [name]" in text
            assert "/yuntai setup" not in text  # a member's help lists a member's commands

    run(main())


def test_admin_subcommands_follow_users_info_and_the_answer_is_cached(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            kb = "kb add model acme-v1 'Acme One'"
            assert await r.post(r.slack.slash_command(kb, response_url=r.fake.response_url("member"))) == 200
            [refused] = await r.fake.wait_for("response_url")
            assert refused.payload["text"] == "Sorry: /yuntai kb add is for this community's admins."
            assert refused.payload["response_type"] == "ephemeral"
            for key in ("admin1", "admin2"):
                req = r.slack.slash_command("setup show", response_url=r.fake.response_url(key), user_id=ADMIN_ID)
                assert await r.post(req) == 200
                await r.fake.wait_for("response_url", count=2 if key == "admin1" else 3)
            answers = {c.path.rsplit("/", 1)[1]: c.payload["text"] for c in r.fake.calls_to("response_url")}
            assert "admins" not in answers["admin1"]  # not a refusal
            assert answers["admin1"] == answers["admin2"]
            # one users.info per user: the second admin command used the cached answer
            assert sorted(c.payload["user"] for c in r.fake.delivered("users.info")) == [ADMIN_ID, MEMBER_ID]

    run(main())


def test_forged_and_stale_requests_get_401_and_nothing_is_done(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            req = r.slack.slash_command(f"check {CLIP}", response_url=r.fake.response_url())
            assert await r.post(req.with_bad_signature()) == 401
            assert await r.post(req.resigned(timestamp=int(time.time()) - 360)) == 401
            event = r.slack.message(f"look {CLIP}", ts="1790000000.000100")
            assert await r.post(event.with_bad_signature()) == 401
            await asyncio.sleep(0.5)
            assert r.fake.calls == [] and r.bot.tasks == set()

    run(main())


def test_a_pasted_link_in_a_watched_channel_gets_one_threaded_reply_even_when_retried(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            await watch_demos(r)
            first = r.slack.message(f"new demo {CLIP}", ts="1790000000.000200")
            assert await r.post(first) == 200
            assert await r.post(first.as_retry(1)) == 200
            assert await r.post(first.as_retry(2, reason="http_error")) == 200
            [reply] = await r.fake.wait_for("chat.postMessage", timeout=20)
            await r.bot.drain()
            assert len(r.fake.calls_to("chat.postMessage")) == 1
            assert reply.ok and reply.payload["thread_ts"] == "1790000000.000200"
            assert reply.payload["channel"] == CHANNEL_ID
            assert reply.payload["text"].startswith(f"Reality check: {CLIP}")

    run(main())


def test_unwatched_channels_bots_and_our_own_messages_get_no_reply(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            assert await r.post(r.slack.message(f"look {CLIP}", ts="1790000000.000300")) == 200  # not watched
            await watch_demos(r)
            bot_event = r.slack.event({"type": "message", "channel": CHANNEL_ID, "bot_id": "B0OTHER", "text": CLIP,
                                       "ts": "1790000000.000301", "subtype": "bot_message"})
            ours = r.slack.message(f"look {CLIP}", ts="1790000000.000302", user_id=BOT_USER_ID)
            assert await r.post(bot_event) == 200 and await r.post(ours) == 200
            await asyncio.sleep(0.5)
            await r.bot.drain()
            assert r.fake.calls_to("chat.postMessage") == []

    run(main())


def test_link_shared_gets_one_chat_unfurl_even_when_retried(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            req = r.slack.link_shared([CLIP], message_ts="1790000000.000400")
            assert await r.post(req) == 200
            assert await r.post(req.as_retry(1)) == 200
            [unfurl] = await r.fake.wait_for("chat.unfurl", timeout=20)
            await r.bot.drain()
            assert len(r.fake.calls_to("chat.unfurl")) == 1
            assert unfurl.ok
            assert (unfurl.payload["channel"], unfurl.payload["ts"]) == (CHANNEL_ID, "1790000000.000400")
            assert list(unfurl.payload["unfurls"]) == [CLIP]

    run(main())


def test_a_429_is_retried_once_after_retry_after_and_one_reply_lands(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            await watch_demos(r)
            r.fake.rate_limit("chat.postMessage", retry_after=1)
            assert await r.post(r.slack.message(f"see {CLIP}", ts="1790000000.000500")) == 200
            first, second = await r.fake.wait_for("chat.postMessage", count=2, timeout=20)
            await r.bot.drain()
            assert (first.status, first.error) == (429, "ratelimited")
            assert second.ok and second.at - first.at >= 1.0
            assert len(r.fake.calls_to("chat.postMessage")) == 2
            assert len(r.fake.delivered("chat.postMessage")) == 1

    run(main())


def test_mentions_in_member_text_are_escaped_and_notify_nobody(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            req = r.slack.slash_command("model <!channel> & <@U0MEMBER1>", response_url=r.fake.response_url())
            assert await r.post(req) == 200
            [answer] = await r.fake.wait_for("response_url")
            assert answer.mentions() == []
            assert answer.payload["text"] == ("Sorry: I don't know a model called '&lt;!channel&gt; &amp; "
                                              "&lt;@U0MEMBER1&gt;'. Try /yuntai model to list them.")

    run(main())


def test_message_shortcut_checks_the_link_in_the_message(yuntai: App) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            req = r.slack.message_action("check_demo", message_text=f"wow <{CLIP}|this> a dog on a beach",
                                         message_ts="1790000000.000600", response_url=r.fake.response_url("sc"))
            assert await r.post(req) == 200
            [answer] = await r.fake.wait_for("response_url", timeout=20)
            assert answer.payload["text"].startswith(f"Reality check: {CLIP}")
            no_link = r.slack.message_action("check_demo", message_text="no link here",
                                             message_ts="1790000000.000601", response_url=r.fake.response_url("n"))
            assert await r.post(no_link) == 200
            answers = await r.fake.wait_for("response_url", count=2)
            assert answers[1].payload["text"] == "I found no link in that message to check."
            two = r.slack.message_action("check_demo", message_text=f"<{CLIP}> vs <https://vimeo.com/76979871> Kling",
                                         message_ts="1790000000.000602", response_url=r.fake.response_url("2"))
            assert await r.post(two) == 200
            answers = await r.fake.wait_for("response_url", count=3)
            assert answers[2].payload["text"] == "Reality check of 2 links:"  # one answer for both, as on Discord
            body = str(answers[2].payload["blocks"])
            assert "vimeo.com/76979871" in body and CLIP.split("//")[1] in body

    run(main())


def test_a_vote_click_stores_the_vote_updates_the_tally_in_place_and_confirms_ephemerally(yuntai: App) -> None:
    import sqlite3

    from bot.policy import Requester

    async def main() -> None:
        async with running(yuntai) as r:
            checked = await yuntai.chat.handle_text(f"/check {CLIP}", Requester(f"slack:{TEAM_ID}", MEMBER_ID))
            assert type(checked).__name__ == "CheckResult"
            clip_id = short_clip_id(CLIP)
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Verdict"}},
                      {"type": "actions", "block_id": f"votes:{clip_id}", "elements": [
                          {"type": "button", "action_id": f"vote:{clip_id}:cherry_picked", "value": "x",
                           "text": {"type": "plain_text", "text": "Cherry-picked"}}]}]
            r.fake.add_message(CHANNEL_ID, "1790000000.000800", text="Reality check", blocks=blocks)
            click = r.slack.block_actions(f"vote:{clip_id}:cherry_picked", f"{clip_id}:cherry_picked",
                                          response_url=r.fake.response_url("v"), message_ts="1790000000.000800",
                                          message_blocks=blocks, message_text="Reality check")
            assert await r.post(click) == 200
            [update] = await r.fake.wait_for("chat.update")
            [confirm] = await r.fake.wait_for("response_url")
            assert update.ok
            stored = r.fake.messages[(CHANNEL_ID, "1790000000.000800")]["blocks"]
            assert [b["type"] for b in stored] == ["section", "context", "actions"]
            assert stored[1]["elements"][0]["text"] == (
                "Votes here: representative 0, cherry picked 1, misleading workflow 0, cant tell 0")
            assert confirm.payload["response_type"] == "ephemeral" and "is stored" in confirm.payload["text"]

    run(main())
    with sqlite3.connect(yuntai.settings.database_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT community_id, member, label FROM vote").fetchall() == [
            (f"slack:{TEAM_ID}", MEMBER_ID, "cherry_picked")]


def test_socket_mode_round_trip(yuntai: App) -> None:
    async def main() -> None:
        async with FakeSlack() as fake:
            client = slack_web_client(BOT_TOKEN, env={"SLACK_API_URL": fake.base_url})
            app, bot = build_slack_app(yuntai.chat, SqlSlackEvents(yuntai.storage.uow), client=client,
                                       signing_secret=None)
            handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN, web_client=client)
            await handler.connect_async()
            try:
                await fake.wait_socket()
                payload = SlackRequests(SECRET).slash_command("help", response_url=fake.response_url("sm")).form
                envelope = await fake.send_envelope("slash_commands", payload)
                assert (await fake.wait_ack(envelope, timeout=3))["envelope_id"] == envelope
                [answer] = await fake.wait_for("response_url", timeout=20)
                assert "/yuntai model [name]" in "\n".join(answer.texts())
                await bot.aclose()
            finally:
                await handler.close_async()
                await yuntai.aclose()

    run(main())


def test_an_unknown_user_is_no_admin_and_the_failure_is_logged_not_cached(
        yuntai: App, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with running(yuntai) as r:
            for key in ("a", "b"):
                req = r.slack.slash_command("setup show", response_url=r.fake.response_url(key), user_id="U0GHOST01")
                assert await r.post(req) == 200
                await r.fake.wait_for("response_url", count=1 if key == "a" else 2)
            texts = [c.payload["text"] for c in r.fake.calls_to("response_url")]
            assert texts == ["Sorry: /yuntai setup show is for this community's admins."] * 2
            assert [c.error for c in r.fake.calls_to("users.info")] == ["user_not_found", "user_not_found"]

    run(main())
    assert any("users.info failed for U0GHOST01" in rec.getMessage() for rec in caplog.records)


def test_core_messages_name_commands_as_slack_spells_them(yuntai: App) -> None:
    """On Slack every command is a subcommand of /yuntai, so "use /kb add claim" would name nothing."""
    async def main() -> None:
        async with running(yuntai) as r:
            asks = {"claim": "kb update claim sora walking strength https://example.com/a",
                    "usage": "kb add claim sora", "unknown": "kb frobnicate", "verdicts": f"verdicts {CLIP}",
                    "setup": "setup show", "list": "model"}
            for n, (key, text) in enumerate(asks.items(), start=1):
                req = r.slack.slash_command(text, response_url=r.fake.response_url(key), user_id=ADMIN_ID)
                assert await r.post(req) == 200
                await r.fake.wait_for("response_url", count=n, timeout=20)
            said = {c.path.rsplit("/", 1)[1]: c.payload["blocks"][0]["text"]["text"]
                    for c in r.fake.calls_to("response_url")}
            assert said["claim"].endswith("no claim of its own on Sora x walking yet; use /yuntai kb add claim.")
            assert said["usage"] == ("Sorry: /yuntai kb add claim needs a capability. Usage: /yuntai kb add claim "
                                     "&lt;model&gt; &lt;capability&gt; &lt;rating&gt; &lt;source&gt; [note]")
            assert said["unknown"] == ("Sorry: /yuntai kb needs one of: add, update, retire, history, undo. "
                                       "'frobnicate' is not one of them.")
            assert said["verdicts"].endswith("nothing to vote on: run /yuntai check on it first.")
            assert "not set up (/yuntai setup digest &lt;channel&gt;" in said["setup"]
            assert said["list"].startswith("Models I know (use /yuntai model NAME for a report):")
            for text in said.values():  # no command named the Discord way
                assert not re.findall(r"(?<![\w/])/(?!yuntai\b)[a-z]+", text), text

    run(main())

"""The product's Discord bot (adapters.discord) driven through the unmodified discord.py against the fake.

Why: these are the issue's promises as Discord would judge them: a deferred callback inside 3 s then one
follow-up with the embed and vote buttons, refusals that store nothing, one reply per pasted message in
watched channels only, a 429 retried into exactly one message, a resumed gateway, no pings anywhere and
a sync that registers every command.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.bot import YuntaiBot
from adapters.discord_endpoints import apply_endpoints
from adapters.wiring import App, build_app
from bot.clip_ids import short_clip_id
from bot.config import Settings
from helpers import zygote
from helpers.fake_discord import (
    APPLICATION_COMMAND,
    DEFERRED_CHANNEL_MESSAGE,
    EPHEMERAL,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeDiscord,
)
from helpers.seeded_db import seeded_copy

pytestmark = pytest.mark.timeout(90)

LINK = "https://youtu.be/dQw4w9WgXcQ"
FAKE_GUILD = 111_111_111_111_111_111  # the fake's default guild
CANONICAL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
ADMIN = MEMBER_PERMISSIONS | MANAGE_GUILD


@pytest.fixture
def app(tmp_path: Path) -> AsyncIterator[App]:
    built = build_app(Settings(database_url=seeded_copy(tmp_path / 'yuntai.db'), fetch_enabled=False))
    yield built
    built.close()


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, app: App) -> AsyncIterator[YuntaiBot]:
    apply_endpoints(fake.env)
    bot = YuntaiBot(app.chat, knowledge=app.checks.knowledge.knowledge_base, guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await app.aclose()
        apply_endpoints({})


async def watch(fake: FakeDiscord, channel: str) -> None:
    """`/setup watch` as Discord sends it: a subcommand with a channel option and its resolved channel."""
    cid = fake.channel_id(channel)
    data = {"id": str(fake.snowflake()), "name": "setup", "type": 1,
            "options": [{"name": "watch", "type": 1, "options": [{"name": "channel", "type": 7, "value": str(cid)}]}],
            "resolved": {"channels": {str(cid): {"id": str(cid), "name": channel, "type": 0, "permissions": "0"}}}}
    interaction = fake._new_interaction(APPLICATION_COMMAND, data, channel="general", user=None, permissions=ADMIN,
                                        guild_id=None)
    await fake.dispatch("INTERACTION_CREATE", interaction.payload)
    followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=10)
    assert followup.status == 200
    assert followup.json["embeds"][0]["description"] == f"I now check links pasted in {cid}."


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_check_defers_then_follows_up_with_the_embed_and_four_vote_buttons(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            interaction = await fake.send_slash_command("check", {"link": LINK, "caption": "Sora 2, best of 12"})
            callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
            assert callback.at - (interaction.created_at or 0) < 3.0
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=15)
            assert followup.status == 200
            [embed] = followup.json["embeds"]
            assert embed["title"].startswith("Reality check: ")
            assert embed["url"] == CANONICAL
            assert followup.json["allowed_mentions"] == {"parse": []}
            buttons = [c["custom_id"] for row in followup.json["components"] for c in row["components"]]
            clip = short_clip_id(CANONICAL)
            assert buttons == [f"vote:{clip}:representative", f"vote:{clip}:cherry_picked",
                               f"vote:{clip}:misleading_workflow", f"vote:{clip}:cant_tell"]
            assert len(fake.bot_messages()) == 1
            assert fake.refused() == []

    run(scenario())


def test_a_vote_click_stores_the_vote_updates_the_tally_in_place_and_confirms_privately(app: App) -> None:
    import sqlite3

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            command = await fake.send_slash_command("check", {"link": LINK})
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{command.token}", timeout=15)
            clip = short_clip_id(CANONICAL)
            click = await fake.send_button_click(f"vote:{clip}:cherry_picked", message_id=command.original_id)
            callback = await fake.wait_for_call("POST", f"/interactions/{click.id}/*/callback")
            assert callback.status == 200 and callback.json["data"]["flags"] == EPHEMERAL  # deferred privately
            edit = await fake.wait_for_call("PATCH", f"/channels/*/messages/{command.original_id}", timeout=15)
            assert edit.status == 200
            [field] = [f for f in edit.json["embeds"][0]["fields"] if f["name"] == "Community votes"]
            assert field["value"] == "representative 0, cherry picked 1, misleading workflow 0, cant tell 0"
            assert edit.json["allowed_mentions"] == {"parse": []}
            confirm = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{click.token}", timeout=15)
            assert confirm.json["flags"] & EPHEMERAL
            assert "is stored" in str(confirm.json) and "cherry\\\\_picked" in str(confirm.json)  # markdown-escaped
            assert fake.refused() == []

    run(scenario())
    with sqlite3.connect(app.settings.database_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT community_id, label FROM vote").fetchall() == [(f"discord:{FAKE_GUILD}",
                                                                                  "cherry_picked")]


def test_a_member_cannot_run_kb_add_and_nothing_is_stored_while_an_admin_can(app: App) -> None:
    community = None

    async def scenario() -> None:
        nonlocal community
        async with FakeDiscord() as fake, running(fake, app):
            community = f"discord:{fake.guild.id}"
            options = [{"name": "add", "type": 1, "options": [
                {"name": "kind", "type": 3, "value": "model"},
                {"name": "details", "type": 3, "value": "zz-test-model Zz Test Model"}]}]
            refused = await fake.send_slash_command("kb", options)
            call = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{refused.token}", timeout=10)
            assert call.json["content"] == "/kb add is for this community's admins."
            kb = app.checks.knowledge.knowledge_base(community)
            assert "zz-test-model" not in {m.id for m in kb.models}
            allowed = await fake.send_slash_command("kb", options, permissions=ADMIN)
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{allowed.token}", timeout=10)

    run(scenario())
    kb = app.checks.knowledge.knowledge_base(community)
    assert "zz-test-model" in {m.id for m in kb.models}


def test_pasted_links_get_one_reply_in_a_watched_channel_and_none_elsewhere(app: App) -> None:
    vimeo = "https://vimeo.com/76979871"

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            await watch(fake, "clips")
            await fake.send_message(f"look {LINK} and {vimeo}", channel="general")
            await fake.send_message(f"two demos {LINK} and {vimeo}", channel="clips")
            call = await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages", timeout=15)
            assert call.status == 200
            assert call.json["allowed_mentions"] == {"parse": []}
            # One message answers both links: an embed each, linking to its clip, and a vote row each.
            assert call.json["content"] == "Reality check of 2 links: vote on each with its numbered buttons."
            assert [e["url"] for e in call.json["embeds"]] == [CANONICAL, vimeo]
            assert [e["title"][:3] for e in call.json["embeds"]] == ["1. ", "2. "]
            rows = [[c["custom_id"] for c in row["components"]] for row in call.json["components"]]
            assert [row[0] for row in rows] == [f"vote:{short_clip_id(CANONICAL)}:representative",
                                                f"vote:{short_clip_id(vimeo)}:representative"]
            assert call.json["components"][1]["components"][0]["label"] == "2. Representative"
            # The echo of the bot's own reply holds links too; a later message proves it was not answered.
            # That one's link has no scheme, as people type it: the core's finder, not a stricter one, decides.
            await fake.send_message("third youtu.be/dQw4w9WgXcQ", channel="clips")
            second = await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages", count=2,
                                              timeout=15)
            assert [e["url"] for e in second.json["embeds"]] == [CANONICAL]
            await asyncio.sleep(0.3)
            assert len(fake.calls_to("POST", f"/channels/{fake.channel_id('clips')}/messages")) == 2
            assert fake.calls_to("POST", f"/channels/{fake.channel_id('general')}/messages") == []
            assert fake.refused() == []

    run(scenario())


def test_a_vote_on_the_second_clip_of_a_several_link_answer_updates_that_clips_tally_only(app: App) -> None:
    vimeo = "https://vimeo.com/76979871"

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            await watch(fake, "clips")
            await fake.send_message(f"{LINK} {vimeo}", channel="clips")
            posted = await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages", timeout=15)
            message_id = int(posted.response["id"])
            click = await fake.send_button_click(f"vote:{short_clip_id(vimeo)}:cant_tell", message_id=message_id)
            edit = await fake.wait_for_call("PATCH", f"/channels/*/messages/{message_id}", timeout=15)
            assert edit.status == 200
            first, second = edit.json["embeds"]
            assert "Community votes" not in str(first.get("fields"))
            [tally] = [f for f in second["fields"] if f["name"] == "Community votes"]
            assert tally["value"] == "representative 0, cherry picked 0, misleading workflow 0, cant tell 1"
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{click.token}", timeout=15)
            assert fake.refused() == []

    run(scenario())


def test_check_this_demo_on_a_message_with_two_links_answers_both_in_one_follow_up(app: App) -> None:
    vimeo = "https://vimeo.com/76979871"

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            target = await fake.send_message(f"seen on the feed: {LINK} and {vimeo}", channel="general")
            interaction = await fake.send_slash_command("Check this demo", command_type=3, target=target)
            callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=10)
            assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=15)
            assert followup.status == 200
            assert [e["url"] for e in followup.json["embeds"]] == [CANONICAL, vimeo]
            assert len(fake.bot_messages()) == 1

    run(scenario())


def test_model_attaches_its_chart_as_a_png_and_the_embed_shows_it(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("YUNTAI_CHART_DIR", str(tmp_path / "charts"))
    charted = build_app(Settings(database_url=seeded_copy(tmp_path / 'yuntai.db'), fetch_enabled=False))

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, charted):
            interaction = await fake.send_slash_command("model", {"name": "sora-2"})
            callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=10)
            assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=30)
            assert followup.status == 200
            assert followup.headers["content-type"].startswith("multipart/form-data")
            assert followup.files == ["chart.png"]
            assert followup.file_data[0].startswith(b"\x89PNG\r\n\x1a\n")
            [embed] = followup.json["embeds"]
            assert embed["image"]["url"] == "attachment://chart.png"
            assert str(tmp_path) not in str(followup.json)  # the file's place on the server is not posted
            assert followup.json["allowed_mentions"] == {"parse": []}

    try:
        run(scenario())
    finally:
        charted.close()


@pytest.mark.parametrize("broken", ["missing", "a folder"])
def test_model_without_a_readable_chart_is_answered_without_it_and_logged(tmp_path: Path, monkeypatch: Any,
                                                                          caplog: Any, broken: str) -> None:
    import logging

    import bot.reports

    where = tmp_path / "charts" / "gone.png"
    if broken == "a folder":
        where.mkdir(parents=True)
    monkeypatch.setattr(bot.reports, "model_chart", lambda report, community, folder, prefix="/": where)
    monkeypatch.setenv("YUNTAI_CHART_DIR", str(tmp_path / "charts"))
    charted = build_app(Settings(database_url=seeded_copy(tmp_path / 'yuntai.db'), fetch_enabled=False))

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, charted):
            interaction = await fake.send_slash_command("model", {"name": "sora-2"})
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=30)
            assert followup.status == 200 and followup.files == []
            [embed] = followup.json["embeds"]
            assert "Sora 2" in embed["title"] and "image" not in embed

    try:
        with caplog.at_level(logging.WARNING, logger="adapters.discord.digests"):
            run(scenario())
    finally:
        charted.close()
    assert f"chart {where} not attached" in caplog.text


@pytest.mark.parametrize("trouble", ["hangs", "breaks"])
def test_a_command_that_hangs_or_breaks_still_gets_a_polite_follow_up(app: App, monkeypatch: Any, caplog: Any,
                                                                      trouble: str) -> None:
    import logging

    from adapters.discord.bot import TOO_SLOW
    from bot.chat import APOLOGY

    async def hang(*args: Any, **kwargs: Any) -> Any:
        await asyncio.Event().wait()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the core is broken")

    monkeypatch.setattr(app.chat, "invoke", hang if trouble == "hangs" else broken)

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app) as bot:
            bot.follow_up_within = 0.5  # Discord's token would die at 15 minutes; the rule is the same
            interaction = await fake.send_slash_command("check", {"link": LINK})
            callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=10)
            assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=10)
            assert followup.status == 200
            assert followup.json["content"] == (TOO_SLOW if trouble == "hangs" else APOLOGY)

    with caplog.at_level(logging.ERROR, logger="adapters.discord.bot"):
        run(scenario())
    assert ("/check took over 0 s" if trouble == "hangs" else "/check failed") in caplog.text


def test_a_429_on_the_follow_up_is_retried_into_exactly_one_message(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            fake.rate_limit_next("POST", f"/webhooks/{fake.app_id}/*", retry_after=0.3)
            interaction = await fake.send_slash_command("check", {"link": LINK})
            retried = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", count=2,
                                               timeout=15)
            assert retried.status == 200
            assert [c.status for c in fake.calls_to("POST", f"/webhooks/{fake.app_id}/*")] == [429, 200]
            assert len(fake.bot_messages()) == 1

    run(scenario())


def test_after_a_gateway_drop_the_bot_resumes_and_keeps_answering(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            session = fake.session()
            assert session is not None
            await fake.drop_gateway()
            await fake.wait_until(lambda: any(e[0] == "resume" for e in fake.gateway_log), timeout=15,
                                  what="a RESUME")
            assert sum(1 for e in fake.gateway_log if e[0] == "identify") == 1
            interaction = await fake.send_slash_command("check", {"link": LINK})
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=15)
            assert followup.status == 200

    run(scenario())


def test_a_hostile_caption_pings_nobody_in_any_payload(app: App) -> None:
    hostile = "@everyone <@&555> <@123> [free](https://evil.example) Sora 2 basketball"

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            await watch(fake, "clips")
            interaction = await fake.send_slash_command("check", {"link": LINK, "caption": hostile})
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=15)
            await fake.send_message(f"{hostile} {LINK}", channel="clips")
            await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages", timeout=15)
            assert fake.pings_sent() == []
            bodies = [str(c.json) for c in fake.calls if c.method in ("POST", "PATCH") and c.json]
            assert not any("@everyone" in b for b in bodies)
            assert not any("<@&555>" in b for b in bodies)

    run(scenario())


def test_model_autocomplete_offers_names_from_the_knowledge_base(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            interaction = await fake.send_autocomplete("model", [{"name": "name", "type": 3, "value": "sor",
                                                                  "focused": True}])
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=10)
            assert call.status == 200 and call.json["type"] == 8
            names = [c["name"] for c in call.json["data"]["choices"]]
            assert names and all("sor" in n.lower() or "sor" in c["value"]
                                 for n, c in zip(names, call.json["data"]["choices"], strict=True))
            assert any(n.lower().startswith("sora") for n in names)

    run(scenario())


def test_capability_autocomplete_on_tried_offers_capability_names(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            options = [{"name": "model", "type": 3, "value": "sora-2"},
                       {"name": "capability", "type": 3, "value": "bask", "focused": True}]
            interaction = await fake.send_autocomplete("tried", options)
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=10)
            assert call.status == 200 and call.json["type"] == 8
            assert [c["value"] for c in call.json["data"]["choices"]] == ["basketball"]

    run(scenario())


def test_yuntai_discord_sync_puts_every_command_in_one_request(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]

    async def scenario() -> None:
        async with FakeDiscord() as fake:
            env = {**os.environ, **fake.env, "PYTHONPATH": str(repo),
                   "DATABASE_URL": seeded_copy(tmp_path / 'sync.db'), "YUNTAI_FETCH": "off"}
            proc = zygote.popen(["discord", "sync", "--guild", str(fake.guild.id)], env=env, cwd=tmp_path)
            out, err = await asyncio.to_thread(proc.communicate, None, 60)  # the loop serves the fake meanwhile
            assert proc.returncode == 0, err
            [put] = fake.calls_to("PUT", f"/applications/{fake.app_id}/guilds/{fake.guild.id}/commands")
            assert put.status == 200
            assert sorted(c["name"] for c in put.json) == sorted(
                ["check", "model", "vote", "verdicts", "tried", "digest", "kb", "setup", "usage", "help",
                 "Check this demo"])
            setup = next(c for c in put.json if c["name"] == "setup")
            assert int(setup["default_member_permissions"]) == MANAGE_GUILD  # every /setup is for admins
            kb = next(c for c in put.json if c["name"] == "kb")
            assert int(kb["default_member_permissions"]) == MANAGE_GUILD  # every /kb is for admins (DESIGN.md)
            assert sorted(o["name"] for o in kb["options"]) == ["add", "history", "retire", "undo", "update"]
            check = next(c for c in put.json if c["name"] == "check")
            assert [(o["name"], o["required"]) for o in check["options"]] == [
                ("link", True), ("caption", False), ("model", False), ("workflow", False)]
            workflow = next(o for o in check["options"] if o["name"] == "workflow")
            assert [c["value"] for c in workflow["choices"]] == ["text-to-video", "image-to-video",
                                                                 "video-to-video"]
            assert "registered 11 commands" in out
            assert fake.calls_to("GET", "/gateway*") == []  # sync never connects to the gateway

    run(scenario())


async def _start_yuntai_discord(fake: FakeDiscord, tmp_path: Path, command: str = "discord",
                                **extra: str) -> zygote.Child:
    """`yuntai COMMAND` in a child process of its own (forked by the zygote: the subject is the command's
    wiring and the bot's life against Discord, not interpreter start-up)."""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, **fake.env, "PYTHONPATH": str(repo), "DATABASE_URL": seeded_copy(tmp_path / 'bot.db'),
           "YUNTAI_FETCH": "off", **extra}
    return zygote.popen([command], env=env, cwd=tmp_path)


async def _stop(proc: zygote.Child) -> str:
    """SIGTERM, as a service manager stops the bot; its stderr once it has exited."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    _, err = await asyncio.to_thread(proc.communicate, None, 20)
    return err


@pytest.mark.parametrize("command", ["discord", "run"])  # `yuntai run` starts Discord when DISCORD_TOKEN is set
def test_yuntai_discord_in_a_subprocess_answers_a_check(tmp_path: Path, command: str) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake:
            proc = await _start_yuntai_discord(fake, tmp_path, command)
            try:
                await fake.wait_ready(timeout=40)
                interaction = await fake.send_slash_command("check", {"link": LINK})
                callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=20)
                assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
                assert callback.at - (interaction.created_at or 0) < 3.0
                followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}",
                                                    timeout=20)
                assert followup.json["embeds"][0]["title"].startswith("Reality check: ")
                assert fake.calls_to("PUT", "/applications/*") == []  # starting never syncs commands
            finally:
                await _stop(proc)

    run(scenario())


def test_without_the_message_content_intent_the_bot_says_so_and_still_answers_slash_commands(tmp_path: Path) -> None:
    from helpers.fake_discord import GUILD_MEMBERS

    async def scenario() -> None:
        async with FakeDiscord(enabled_intents=GUILD_MEMBERS) as fake:
            proc = await _start_yuntai_discord(fake, tmp_path)
            try:
                await fake.wait_ready(timeout=40)
                # The first IDENTIFY (with the intent) was closed with 4014; the one that got in asked without it.
                assert sum(1 for e in fake.gateway_log if e[0] == "connect") == 2
                [identify] = [e for e in fake.gateway_log if e[0] == "identify"]
                assert not identify[2] & (1 << 15)
                interaction = await fake.send_slash_command("check", {"link": LINK})
                await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", timeout=20)
            finally:
                err = await _stop(proc)
            assert "the Message Content intent is not enabled" in err

    run(scenario())


def test_the_weekly_digest_is_posted_once_in_the_configured_channel_with_its_chart(app: App, tmp_path: Path,
                                                                                   monkeypatch: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from adapters.discord.runner import digest_scheduler
    from bot.policy import Requester

    monkeypatch.setenv("YUNTAI_CHART_DIR", str(tmp_path / "charts"))

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app) as bot:
            cid = fake.channel_id("clips")
            admin = Requester(f"discord:{fake.guild.id}", "1", platform_admin=True)
            done = await app.chat.invoke(("setup", "digest"), {"channel": f"<#{cid}>", "weekday": "monday",
                                                                "hour": 9}, admin)
            assert "monday" in str(done).lower()
            # Another platform's community with a digest: not this process's to claim.
            other = Requester("slack:T1", "U1", platform_admin=True)
            await app.chat.invoke(("setup", "digest"), {"channel": "<#C1>", "weekday": "monday", "hour": 9}, other)
            runner = digest_scheduler(app, bot).runner
            later = datetime.now(UTC) + timedelta(days=8)
            posted = await runner.run_due(later)
            assert [p.community_id for p in posted] == [f"discord:{fake.guild.id}"]
            assert await runner.run_due(later) == []  # exactly once
            [call] = fake.calls_to("POST", f"/channels/{cid}/messages")
            assert call.status == 200
            assert call.json["allowed_mentions"] == {"parse": []}
            assert call.files == ["digest.png"]
            assert call.json["embeds"][0]["image"]["url"] == "attachment://digest.png"

    run(scenario())


def test_messages_from_bots_are_never_answered_even_in_a_watched_channel(app: App) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, app):
            await watch(fake, "clips")
            await fake.send_message(f"bot post {LINK}", channel="clips", author=fake.make_user("other", bot=True))
            await fake.send_message(f"member post {LINK}", channel="clips")
            await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages", timeout=15)
            await asyncio.sleep(0.5)
            assert len(fake.calls_to("POST", f"/channels/{fake.channel_id('clips')}/messages")) == 1

    run(scenario())


def test_shard_settings_are_read_and_bad_values_get_one_clear_line() -> None:
    from adapters.discord.runner import shard_settings
    from bot.config import ConfigError

    assert shard_settings({}) == (None, None)
    assert shard_settings({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0, 2"}) == (4, [0, 2])
    for bad in ({"DISCORD_SHARD_COUNT": "four"}, {"DISCORD_SHARD_IDS": "0"},
                {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, {"DISCORD_SHARD_COUNT": "0"}):
        with pytest.raises(ConfigError):
            shard_settings(bad)

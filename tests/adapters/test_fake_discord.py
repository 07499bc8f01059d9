"""The unmodified discord.py client against the loopback fake Discord (issue 12's test infrastructure).

Why: the Discord adapter's tests will drive the real library through ``helpers.fake_discord``; these tests
prove the fake speaks the protocol discord.py expects (login, READY, GUILD_CREATE, heartbeats, RESUME,
interactions, follow-ups, rate limits) and that its rules make a wrong bot fail. The bot here is a minimal
``discord.Client`` defined in this file, not the product's adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from adapters.discord_endpoints import apply_endpoints
from helpers.fake_discord import DEFERRED_CHANNEL_MESSAGE, EPHEMERAL, LOADING, FakeDiscord

pytestmark = pytest.mark.timeout(60)

LINK = "https://youtu.be/dQw4w9WgXcQ"


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"vote:(?P<clip>\d+):(?P<label>[a-z_]+)"):
    """A vote button that survives restarts: everything it needs is in its custom_id."""

    def __init__(self, clip: int, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"vote:{clip}:{label}",
                                           style=discord.ButtonStyle.secondary))
        self.clip, self.label = clip, label

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> VoteButton:
        return cls(int(match["clip"]), match["label"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client: ProbeBot = interaction.client  # type: ignore[assignment]
        client.votes.append((self.clip, self.label, interaction.user.id))
        # Acknowledge by updating the tally on the clicked message, then confirm to the voter alone.
        await interaction.response.edit_message(content=f"Votes: {len(client.votes)}")
        await interaction.followup.send(f"Your vote ({self.label}) is in.", ephemeral=True)


class ProbeBot(discord.Client):
    """The smallest bot that exercises what the adapter will: slash command, buttons, messages."""

    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s).
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.resumed = asyncio.Event()
        self.release = asyncio.Event()  # the "slow" command waits for it before deferring
        self.votes: list[tuple[int, str, int]] = []
        self.errors: list[discord.HTTPException] = []
        self.seen: list[str] = []  # content of every member message the bot received
        self.identify_pauses: list[tuple[int | None, bool]] = []  # (shard, initial) at each IDENTIFY
        self.add_dynamic_items(VoteButton)
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(name="check", description="Is this demo clip representative?")
        async def check(interaction: discord.Interaction, link: str, caption: str | None = None) -> None:
            await interaction.response.defer(thinking=True)
            embed = discord.Embed(title="Reality check", description=f"{link} {caption or ''}".strip())
            view = discord.ui.View(timeout=None)
            view.add_item(VoteButton(7, "representative"))
            view.add_item(VoteButton(7, "cherry_picked"))
            await interaction.followup.send(embed=embed, view=view)

        @self.tree.command(name="twice", description="Acknowledges twice (a wrong bot)")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            try:  # a fresh response object forgets the first ack, as a buggy adapter would
                await discord.InteractionResponse(interaction).defer()
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @self.tree.command(name="slow", description="Acknowledges only when the test says so")
        async def slow(interaction: discord.Interaction) -> None:
            await self.release.wait()
            try:
                await interaction.response.defer()
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @self.tree.command(name="huge", description="Answers with an embed over Discord's limits")
        async def huge(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="t" * 257, description="fine")
            try:
                await interaction.response.send_message(embed=embed)
            except discord.HTTPException as exc:
                self.errors.append(exc)
                await interaction.response.send_message("That answer was too long.")

        @self.tree.command(name="chart", description="Answers with an attached chart")
        async def chart(interaction: discord.Interaction) -> None:
            picture = discord.File(io.BytesIO(b"\x89PNG fake"), filename="chart.png")
            await interaction.response.send_message("Sora over time", file=picture)

        @self.tree.command(name="echo", description="Repeats untrusted text")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(text)

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Record the pause discord.py takes before a later IDENTIFY, without sleeping it.

        The library's default sleeps 5 s there (Discord's identify rate limit); the fake has no such
        limit, so the sleep tested nothing and made each re-identifying test 5 s long.
        """
        self.identify_pauses.append((shard_id, initial))

    async def on_message(self, message: discord.Message) -> None:
        if not message.author.bot:
            self.seen.append(message.content)
        if message.author.bot:  # never answer bots or itself (the fake echoes the bot's own messages)
            return
        links = re.findall(r"https?://\S+", message.content)
        if links:  # one reply per message; it quotes the links, so answering itself would loop
            await message.channel.send(f"Looking at {len(links)} link(s): {' '.join(links)}")


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, bot: ProbeBot | None = None) -> AsyncIterator[ProbeBot]:
    """Start the bot against the fake, wait for READY and GUILD_CREATE, close it afterwards."""
    bot = bot or ProbeBot()
    apply_endpoints(fake.env)
    task = asyncio.create_task(bot.start(fake.token))
    try:
        ready = asyncio.create_task(bot.ready.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()  # re-raise the client's failure
            raise TimeoutError("the bot never became ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        apply_endpoints({})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --------------------------------------------------------------------------- login and gateway


def test_login_ready_guild_create_and_heartbeats() -> None:
    async def scenario() -> None:
        async with FakeDiscord(heartbeat_interval_ms=50) as fake, running(fake) as bot:
            assert discord.version_info[:2] == (2, 7)  # the protocol the fake speaks was read from 2.7.1
            assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
            assert all(c.headers["authorization"] == "Bot fake-bot-token" for c in fake.calls[:2])
            connect = next(e for e in fake.gateway_log if e[0] == "connect")
            assert connect[1] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
            identify = next(e for e in fake.gateway_log if e[0] == "identify")
            assert identify[1] == (0, 1)
            assert identify[2] & (1 << 15)  # the message content intent was asked for
            assert bot.user is not None and bot.user.id == fake.app_id
            assert bot.application_id == fake.app_id
            guild = bot.get_guild(fake.guild.id)
            assert guild is not None
            assert sorted(c.name for c in guild.text_channels) == ["clips", "general"]
            session = await fake.wait_until(lambda: (s := fake.session()) and s.heartbeats >= 3 and s,
                                            what="three heartbeats")
            assert session.heartbeats >= 3
            assert bot.latency < 5  # an ACK came back for a heartbeat
            assert fake.refused() == []

    run(scenario())


def test_wrong_token_fails_login_with_the_library_error() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake:
            apply_endpoints(fake.env)
            try:
                with pytest.raises(discord.LoginFailure):
                    await ProbeBot().login("not-the-token")
            finally:
                apply_endpoints({})
            assert fake.calls[0].status == 401

    run(scenario())


def test_privileged_intent_not_enabled_closes_with_4014() -> None:
    async def scenario() -> None:
        async with FakeDiscord(enabled_intents=0) as fake:
            apply_endpoints(fake.env)
            bot = ProbeBot(message_content=True)
            try:
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await asyncio.wait_for(bot.start(fake.token), 10)
            finally:
                await bot.close()
                apply_endpoints({})

    run(scenario())


def test_without_message_content_intent_the_bot_sees_no_content() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake, ProbeBot(message_content=False)) as bot:
            await fake.send_message(f"look {LINK}")
            await fake.wait_until(lambda: bot.seen, what="the message event")
            assert bot.seen == [""]
            assert fake.bot_messages() == []

    run(scenario())


def test_gateway_drop_resumes_replays_missed_events_and_keeps_working() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            session = fake.session()
            assert session is not None
            last_seq = session.seq
            await fake.drop_gateway()
            # Dispatched while the socket is down: delivered by the RESUME replay.
            await fake.send_message(f"missed while down {LINK}", channel="clips")
            await asyncio.wait_for(bot.resumed.wait(), 10)
            resume = next(e for e in fake.gateway_log if e[0] == "resume")
            assert resume[1:] == (session.session_id, last_seq)
            assert sum(1 for e in fake.gateway_log if e[0] == "identify") == 1  # resumed, not re-identified
            await fake.wait_until(lambda: fake.channel_messages("clips")[1:], what="the reply to the missed message")
            interaction = await fake.send_slash_command("check", {"link": LINK})
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}")
            assert fake.refused() == []

    run(scenario())


def test_a_cut_connection_without_a_close_frame_also_resumes() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            session = fake.session()
            assert session is not None
            await fake.drop_gateway(abort=True)
            await asyncio.wait_for(bot.resumed.wait(), 15)
            assert [e[1] for e in fake.gateway_log if e[0] == "resume"] == [session.session_id]
            interaction = await fake.send_slash_command("check", {"link": LINK})
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert call.status == 200

    run(scenario())


def test_invalid_session_makes_the_client_identify_again() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            await fake.invalidate_session()
            await fake.wait_until(lambda: sum(1 for e in fake.gateway_log if e[0] == "identify") == 2,
                                  timeout=15, what="a second IDENTIFY")
            assert bot.identify_pauses == [(None, True), (None, False)]  # the second is a re-IDENTIFY
            await fake.wait_ready()
            interaction = await fake.send_slash_command("check", {"link": LINK})
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert call.status == 200

    run(scenario())


# --------------------------------------------------------------------------- interactions


def test_slash_command_defers_within_the_window_then_follows_up_with_embed_and_buttons() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake):
            interaction = await fake.send_slash_command("check", {"link": LINK, "caption": "best of 12"})
            callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/{interaction.token}/callback")
            assert callback.json == {"type": DEFERRED_CHANNEL_MESSAGE}
            assert interaction.created_at is not None
            assert callback.at - interaction.created_at < 3.0
            followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}")
            assert followup.status == 200 and followup.query.get("wait") == "1"
            assert followup.json["embeds"][0]["title"] == "Reality check"
            assert followup.json["embeds"][0]["description"] == f"{LINK} best of 12"
            assert followup.json["allowed_mentions"] == {"parse": []}
            buttons = [c["custom_id"] for row in followup.json["components"] for c in row["components"]]
            assert buttons == ["vote:7:representative", "vote:7:cherry_picked"]
            # The follow-up filled the "thinking" message: one message, no longer loading.
            [message] = fake.bot_messages()
            assert int(message["id"]) == interaction.original_id
            assert not message["flags"] & LOADING
            assert message["pings"] == []

    run(scenario())


def test_button_click_on_a_dynamic_item_updates_the_message_and_confirms_ephemerally() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            command = await fake.send_slash_command("check", {"link": LINK})
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{command.token}")
            assert command.original_id is not None
            voter = fake.make_user("voter")
            click = await fake.send_button_click("vote:7:cherry_picked", message_id=command.original_id, user=voter)
            callback = await fake.wait_for_call("POST", f"/interactions/{click.id}/{click.token}/callback")
            assert callback.status == 200
            assert callback.json["type"] == 7  # UPDATE_MESSAGE: the clicked message is edited in place
            assert callback.json["data"]["content"] == "Votes: 1"
            tallied = fake.messages[command.original_id]
            assert tallied["content"] == "Votes: 1"
            assert tallied["embeds"][0]["title"] == "Reality check"  # untouched parts stay
            assert len(tallied["components"][0]["components"]) == 2
            confirm = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{click.token}")
            assert confirm.status == 200
            assert confirm.json["flags"] == EPHEMERAL
            assert confirm.json["content"] == "Your vote (cherry_picked) is in."
            assert len(fake.bot_messages()) == 2  # the answer and the ephemeral confirmation
            echoed = [f["d"]["id"] for f in fake.session().sent if f["t"] == "MESSAGE_CREATE"]
            assert confirm.response["id"] not in echoed  # ephemeral messages are not broadcast
            assert bot.votes == [(7, "cherry_picked", int(voter["id"]))]

    run(scenario())


def test_a_second_callback_is_refused_and_the_library_raises() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            interaction = await fake.send_slash_command("twice")
            second = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", count=2)
            first = fake.calls_to("POST", f"/interactions/{interaction.id}/*/callback")[0]
            assert (first.status, second.status) == (200, 400)
            assert second.response["code"] == 40060
            await fake.wait_until(lambda: bot.errors, what="the bot's exception")
            assert bot.errors[0].code == 40060

    run(scenario())


def test_a_late_callback_is_refused_as_unknown_interaction() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            interaction = await fake.send_slash_command("slow")
            fake.age_interaction(interaction.id, 3.2)  # as if the bot had been busy for 3.2 s
            bot.release.set()
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert call.status == 404 and call.response["code"] == 10062
            assert call.error.startswith("late callback: 3.2")
            await fake.wait_until(lambda: bot.errors, what="the bot's exception")
            assert isinstance(bot.errors[0], discord.NotFound)
            assert interaction.callback_type is None

    run(scenario())


def test_an_embed_over_the_limits_is_refused_and_nothing_is_posted() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            interaction = await fake.send_slash_command("huge")
            second = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", count=2)
            first = fake.calls_to("POST", f"/interactions/{interaction.id}/*/callback")[0]
            assert first.status == 400 and first.response["code"] == 50035
            assert "data.embeds.0.title: must be 256 or fewer in length (got 257)" in first.error
            assert "title" in first.response["errors"]["data"]["embeds"]["0"]
            assert bot.errors[0].code == 50035
            # The refusal did not use up the interaction: the bot's plain answer went through.
            assert second.status == 200
            assert [m["content"] for m in fake.bot_messages()] == ["That answer was too long."]

    run(scenario())


def test_an_attached_chart_arrives_as_multipart_with_its_payload() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake):
            interaction = await fake.send_slash_command("chart")
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert call.status == 200
            assert call.files == ["chart.png"]
            assert call.json["data"]["content"] == "Sora over time"
            assert call.json["data"]["attachments"] == [{"id": 0, "filename": "chart.png"}]
            [message] = fake.bot_messages()
            assert [a["filename"] for a in message["attachments"]] == ["chart.png"]

    run(scenario())


def test_hostile_text_does_not_ping_and_the_fake_would_have_seen_it() -> None:
    hostile = "@everyone look <@&555> <@123>"

    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake):
            interaction = await fake.send_slash_command("echo", {"text": hostile})
            call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
            assert call.json["data"]["content"] == hostile
            assert call.json["data"]["allowed_mentions"] == {"parse": []}
            assert fake.pings_sent() == []
            # The same text from a client without AllowedMentions.none() would ping everyone named.
            url = f"{fake.api_base}/channels/{fake.channel_id()}/messages"
            auth = {"Authorization": f"Bot {fake.token}"}
            async with aiohttp.ClientSession() as http, http.post(url, json={"content": hostile},
                                                                  headers=auth) as response:
                assert response.status == 200
            [(careless, who)] = fake.pings_sent()
            assert careless.path == f"/channels/{fake.channel_id()}/messages"
            assert who == ["@everyone", "user:123", "role:555"]

    run(scenario())


def test_follow_ups_need_an_acknowledged_interaction_and_a_token_younger_than_15_minutes() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake), aiohttp.ClientSession() as http:
            held = await fake.send_slash_command("slow")  # dispatched, never acknowledged
            url = f"{fake.api_base}/webhooks/{fake.app_id}/{held.token}?wait=true"
            async with http.post(url, json={"content": "too early"}) as response:
                assert response.status == 404
            assert fake.calls[-1].error == "follow-up before the interaction was acknowledged"
            done = await fake.send_slash_command("check", {"link": LINK})
            await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{done.token}")
            assert fake.ack_delay(done.id) is not None and fake.ack_delay(done.id) < 3.0
            fake.age_interaction(done.id, 15 * 60 + 1)
            url = f"{fake.api_base}/webhooks/{fake.app_id}/{done.token}?wait=true"
            async with http.post(url, json={"content": "too late"}) as response:
                assert response.status == 401
                assert (await response.json())["code"] == 50027
            assert [m["content"] for m in fake.bot_messages()] == [""]  # only the /check answer (an embed)

    run(scenario())


def test_429_on_the_follow_up_is_retried_and_one_message_exists() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake):
            fake.rate_limit_next("POST", f"/webhooks/{fake.app_id}/*", retry_after=0.3)
            interaction = await fake.send_slash_command("check", {"link": LINK})
            retried = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}", count=2)
            limited = fake.calls_to("POST", f"/webhooks/{fake.app_id}/{interaction.token}")[0]
            assert (limited.status, retried.status) == (429, 200)
            assert limited.response["retry_after"] == 0.3
            assert retried.at - limited.at >= 0.3
            assert len(fake.calls_to("POST", f"/webhooks/{fake.app_id}/*")) == 2
            assert len(fake.bot_messages()) == 1
            assert fake.bot_messages()[0]["embeds"][0]["title"] == "Reality check"

    run(scenario())


def test_message_create_gets_one_channel_reply_and_the_echo_is_not_answered() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            await fake.send_message(f"two demos {LINK} and https://example.org/x", channel="clips")
            call = await fake.wait_for_call("POST", f"/channels/{fake.channel_id('clips')}/messages")
            assert call.status == 200
            assert call.json["content"] == f"Looking at 2 link(s): {LINK} https://example.org/x"
            assert call.json["allowed_mentions"] == {"parse": []}
            # The fake echoes the bot's own message back as a MESSAGE_CREATE; the bot must not answer it.
            reply_id = call.response["id"]
            await fake.wait_until(lambda: any(f["t"] == "MESSAGE_CREATE" and f["d"]["id"] == reply_id
                                              for f in fake.session().sent), what="the echo")
            # A barrier dispatched after the echo: once the bot has seen it, the echo was handled too.
            await fake.send_message("no link here", channel="clips")
            await fake.wait_until(lambda: "no link here" in bot.seen, what="the barrier")
            assert len(fake.calls_to("POST", "/channels/*/messages")) == 1

    run(scenario())


def test_a_global_429_on_a_channel_message_is_waited_out_and_sent_once() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake):
            fake.rate_limit_next("POST", "/channels/*/messages", retry_after=0.2, is_global=True, scope="global")
            await fake.send_message(f"new demo {LINK}")
            sent = await fake.wait_for_call("POST", f"/channels/{fake.channel_id()}/messages", count=2)
            limited = fake.calls_to("POST", "/channels/*/messages")[0]
            assert (limited.status, sent.status) == (429, 200)
            assert limited.response == {"message": "You are being rate limited.", "retry_after": 0.2,
                                        "global": True, "code": 0}
            assert sent.at - limited.at >= 0.2
            assert [m["content"] for m in fake.channel_messages() if m["author"]["bot"]] == [
                f"Looking at 1 link(s): {LINK}"]

    run(scenario())


def test_command_sync_puts_every_command_and_the_fake_checks_them() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, running(fake) as bot:
            synced = await bot.tree.sync()
            put = fake.calls_to("PUT", f"/applications/{fake.app_id}/commands")[0]
            assert sorted(c["name"] for c in put.json) == ["chart", "check", "echo", "huge", "slow", "twice"]
            check = next(c for c in put.json if c["name"] == "check")
            assert [(o["name"], o["required"]) for o in check["options"]] == [("link", True), ("caption", False)]
            assert sorted(c.name for c in synced) == ["chart", "check", "echo", "huge", "slow", "twice"]
            assert all(c.id for c in synced)
            guild = discord.Object(fake.guild.id)
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)
            put = fake.calls_to("PUT", f"/applications/{fake.app_id}/guilds/{fake.guild.id}/commands")[0]
            assert put.status == 200 and len(put.json) == 6
            assert len(fake.commands[fake.guild.id]) == 6
            # A command list Discord would refuse: an optional option before a required one.
            async with aiohttp.ClientSession() as http:
                bad = [{"name": "check", "description": "x", "type": 1, "options": [
                    {"name": "caption", "description": "c", "type": 3, "required": False},
                    {"name": "link", "description": "l", "type": 3, "required": True}]}]
                async with http.put(f"{fake.api_base}/applications/{fake.app_id}/commands", json=bad,
                                    headers={"Authorization": f"Bot {fake.token}"}) as response:
                    assert response.status == 400
                    body = await response.json()
            assert body["code"] == 50035
            assert "required options must be placed before non-required options" in fake.calls[-1].error

    run(scenario())


def test_unknown_routes_and_missing_auth_are_refused_and_recorded() -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
            async with http.get(f"{fake.api_base}/users/@me") as response:
                assert response.status == 401
            async with http.get(f"{fake.api_base}/guilds/1/bans",
                                headers={"Authorization": f"Bot {fake.token}"}) as response:
                assert response.status == 404
            async with http.post(f"{fake.api_base}/webhooks/{fake.app_id}/no-such-token",
                                 json={"content": "x"}) as response:
                assert response.status == 404
                assert (await response.json())["code"] == 10015
            assert [(c.method, c.path, c.status) for c in fake.calls] == [
                ("GET", "/users/@me", 401), ("GET", "/guilds/1/bans", 404),
                ("POST", f"/webhooks/{fake.app_id}/no-such-token", 404)]

    run(scenario())


# --------------------------------------------------------------------------- sharding and a separate process

GUILD_ON_SHARD_0 = 200_000_000_000 << 22
GUILD_ON_SHARD_1 = (200_000_000_001 << 22) | 5


class PacedShardedBot(commands.AutoShardedBot):
    """An auto-sharded bot that records the 5 s pause before each later shard's IDENTIFY instead of sleeping it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.identify_pauses: list[tuple[int | None, bool]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        self.identify_pauses.append((shard_id, initial))


def test_auto_sharded_bot_gets_each_guild_on_its_shard_and_interactions_on_the_right_socket() -> None:
    async def scenario() -> None:
        async with FakeDiscord(shards=2, guild_ids=(GUILD_ON_SHARD_0, GUILD_ON_SHARD_1)) as fake:
            apply_endpoints(fake.env)
            intents = discord.Intents.default()
            bot = PacedShardedBot(command_prefix="!", intents=intents, shard_count=2,
                                  allowed_mentions=discord.AllowedMentions.none(), guild_ready_timeout=0.1)
            answered: list[tuple[int | None, int | None]] = []

            @bot.tree.command(name="check", description="Is this demo clip representative?")
            async def check(interaction: discord.Interaction, link: str) -> None:
                answered.append((interaction.guild_id, bot.get_guild(interaction.guild_id or 0).shard_id))
                await interaction.response.send_message("on it", ephemeral=True)

            task = asyncio.create_task(bot.start(fake.token))
            try:
                await fake.wait_ready(0)
                await fake.wait_ready(1)
                await fake.wait_until(lambda: bot.is_ready(), what="on_ready of both shards")
                assert sorted(e[1] for e in fake.gateway_log if e[0] == "identify") == [(0, 2), (1, 2)]
                assert sorted(bot.identify_pauses) == [(0, True), (1, False)]  # shard 1 waits its turn
                assert {g.id: g.shard_id for g in bot.guilds} == {GUILD_ON_SHARD_0: 0, GUILD_ON_SHARD_1: 1}
                second = await fake.send_slash_command("check", {"link": LINK}, guild_id=GUILD_ON_SHARD_1)
                frame = fake.session(1).sent[-1]
                assert frame["t"] == "INTERACTION_CREATE" and frame["d"]["id"] == str(second.id)
                await fake.wait_for_call("POST", f"/interactions/{second.id}/*/callback")
                assert answered == [(GUILD_ON_SHARD_1, 1)]
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 10)
                apply_endpoints({})

    run(scenario())


SUBPROCESS_BOT = '''
import asyncio, os, sys
import discord
from discord import app_commands
from discord.ext import commands
from adapters.discord_endpoints import apply_endpoints

apply_endpoints(os.environ)


class Bot(discord.AutoShardedClient):
    def __init__(self):
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none(),
                         guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="check", description="Is this demo clip representative?")
        async def check(interaction: discord.Interaction, link: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(embed=discord.Embed(title="Reality check", description=link))

    async def on_ready(self):
        print("ready", flush=True)


Bot().run(os.environ["DISCORD_TOKEN"], log_handler=None)
'''


def test_a_bot_in_a_subprocess_finds_the_fake_through_the_environment(tmp_path: Any) -> None:
    script = tmp_path / "probe_bot.py"
    script.write_text(SUBPROCESS_BOT)
    repo = Path(__file__).resolve().parents[2]

    async def scenario() -> None:
        async with FakeDiscord() as fake:
            env = {**os.environ, **fake.env, "PYTHONPATH": str(repo)}
            proc = await asyncio.create_subprocess_exec(sys.executable, str(script), env=env, cwd=str(repo),
                                                        stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.PIPE)
            try:
                assert proc.stdout is not None
                line = await asyncio.wait_for(proc.stdout.readline(), 30)
                assert line == b"ready\n"
                # shard_count unset: the client asked /gateway/bot where to connect, then identified.
                assert [c.path for c in fake.calls[:3]] == ["/users/@me", "/oauth2/applications/@me",
                                                            "/gateway/bot"]
                interaction = await fake.send_slash_command("check", {"link": LINK})
                callback = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback")
                followup = await fake.wait_for_call("POST", f"/webhooks/{fake.app_id}/{interaction.token}")
                assert callback.at - (interaction.created_at or 0) < 3.0
                assert followup.status == 200
                assert followup.json["embeds"] == [{"title": "Reality check", "description": LINK, "type": "rich",
                                                   "flags": 0}]
            finally:
                if proc.returncode is None:
                    proc.terminate()
                await asyncio.wait_for(proc.wait(), 15)

    run(scenario())

"""Discord adapter speed against the loopback fake Discord (issue 12 targets).

1. Defer latency: the time from the fake dispatching INTERACTION_CREATE for `/check` to the bot's
   deferred callback reaching the fake, while every check takes 2 s (the core is wrapped to sleep 2 s
   before checking), with `--interactions` commands sent `--gap` seconds apart so up to 2 s / gap
   checks are in flight at once. Target: p99 under 100 ms. Same-run baseline: a bare discord.py client
   whose only command defers and returns (the library's own floor on this machine).
2. Screening: messages per second through `YuntaiBot.on_message` when 99% of messages hold no link and
   the rest hold a link in an unwatched channel (settings read on the storage threads). Target: over
   20,000/s. Same-run baseline: an empty async handler called the same way.

Run: `.venv/bin/python -m bench.discord_speed` (prints medians and ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from adapters.discord.bot import YuntaiBot  # noqa: E402
from adapters.discord_endpoints import apply_endpoints  # noqa: E402
from adapters.wiring import build_app  # noqa: E402
from bot.chat import ChatCore  # noqa: E402
from bot.config import Settings  # noqa: E402
from helpers.fake_discord import FakeDiscord  # noqa: E402

LINK = "https://youtu.be/dQw4w9WgXcQ"


class SlowChat(ChatCore):
    """The real core, but every command takes 2 s more (a page fetch and an LLM call, say)."""

    async def invoke(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(2.0)
        return await super().invoke(*args, **kwargs)


class BareBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none(),
                         guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="check", description="defer only")
        async def check(interaction: discord.Interaction, link: str) -> None:
            await interaction.response.defer(thinking=True)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _defer_latencies(bot: discord.Client, count: int, gap: float) -> list[float]:
    async with FakeDiscord() as fake:
        apply_endpoints(fake.env)
        task = asyncio.create_task(bot.start(fake.token))
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 20)
            sent = []
            for _ in range(count):
                sent.append(await fake.send_slash_command("check", {"link": LINK}))
                await asyncio.sleep(gap)
            out = []
            for interaction in sent:
                call = await fake.wait_for_call("POST", f"/interactions/{interaction.id}/*/callback", timeout=30)
                out.append(call.at - (interaction.created_at or 0))
            return out
        finally:
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
            apply_endpoints({})


def _message(i: int) -> Any:
    content = f"see {LINK} for the demo" if i % 100 == 0 else f"message {i} about lighting and lenses"
    author = SimpleNamespace(bot=False, id=42, display_name="m", roles=(), guild_permissions=None)
    return SimpleNamespace(content=content, author=author, webhook_id=None, guild=SimpleNamespace(id=7),
                           channel=SimpleNamespace(id=99))


async def _screen(handler: Any, messages: list[Any]) -> float:
    start = time.perf_counter()
    for message in messages:
        await handler(message)
    return len(messages) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.02)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Settings(database_url=f"sqlite:///{folder}/bench.db", fetch_enabled=False))
        try:
            chat = SlowChat(app.chat.registry, app.services)
            ours = asyncio.run(_defer_latencies(YuntaiBot(chat, guild_ready_timeout=0.1), args.interactions,
                                                args.gap))
            bare = asyncio.run(_defer_latencies(BareBot(), args.interactions, args.gap))
            print(f"defer latency, /check taking 2 s, {args.interactions} interactions {args.gap * 1000:.0f} ms apart")
            for name, values in (("yuntai", ours), ("bare discord.py", bare)):
                print(f"  {name:<16} p50 {statistics.median(values) * 1000:7.1f} ms   "
                      f"p99 {_pct(values, 0.99) * 1000:7.1f} ms")
            print(f"  p99 ratio yuntai / bare: {_pct(ours, 0.99) / _pct(bare, 0.99):.2f} (target: p99 < 100 ms)")

            messages = [_message(i) for i in range(args.messages)]
            bot = YuntaiBot(app.chat)

            async def empty(message: Any) -> None:
                return None

            async def rates() -> tuple[list[float], list[float]]:
                ours_r, base_r = [], []
                for _ in range(args.runs):
                    ours_r.append(await _screen(bot.on_message, messages))
                    base_r.append(await _screen(empty, messages))
                await app.aclose()
                return ours_r, base_r

            ours_rates, base_rates = asyncio.run(rates())
            o, b = statistics.median(ours_rates), statistics.median(base_rates)
            print(f"pasted-link screening, {args.messages:,} messages (1% with a link, unwatched), "
                  f"median of {args.runs}")
            print(f"  on_message {o:12,.0f} msg/s   empty handler {b:12,.0f} msg/s   ratio {o / b:.3f} "
                  f"(target: > 20,000 msg/s)")
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

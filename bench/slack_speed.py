"""How fast the Slack app acks a signed `/yuntai check` while every check takes 2 s (issue 13 targets:
over 1,000 acks a second per process, p99 time to ack under 100 ms).

What runs: the product's Bolt app (`adapters.slack.app.build_slack_app`) on Bolt's own aiohttp server
on a loopback port, each request carrying a real v0 HMAC signature that Bolt verifies, the listener
acking and starting the check in a kept task. The check is a stand-in core that sleeps 2 s and
answers through `response_url` to a loopback sink, which also answers the Web API (`auth.test`,
`users.info`), so thousands of checks are in flight while acks are timed. Bodies and signatures are
made before timing.

The baseline, measured in the same run with the same client and concurrency, is a bare aiohttp
handler that reads the body and answers 200: the ratio is what signature checking, Bolt's dispatch
and the listener cost over plain HTTP. Client and servers share this process (and this machine's two
cores), so absolute figures are conservative; each figure is the median of `--runs` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from adapters.slack.app import build_slack_app
from adapters.slack_endpoints import slack_web_client
from bot.results import ErrorResult

SECRET = "bench-signing-secret"
CHECK_SECONDS = 2.0


class SlowCore:
    """A core whose every check takes CHECK_SECONDS: only the ack path is under test."""

    class _Nothing:
        def take(self, event_id: str, team_id: str) -> bool:
            return True

    async def handle_command_text(self, text: str, who: Any) -> ErrorResult:
        await asyncio.sleep(CHECK_SECONDS)
        return ErrorResult("checked")


async def _sink(request: web.Request) -> web.Response:
    await request.read()
    if request.path.endswith("/users.info"):
        return web.json_response({"ok": True, "user": {"id": "U1", "is_admin": False, "is_owner": False}})
    return web.json_response({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0BENCH",
                              "team": "Bench", "url": "https://bench.test/"})


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def _signed(n: int, response_url: str) -> list[tuple[bytes, dict[str, str]]]:
    now = str(int(time.time()))
    out = []
    for i in range(n):
        body = urlencode({"token": "x", "team_id": "T0BENCH", "team_domain": "bench", "channel_id": "C0BENCH",
                          "channel_name": "demos", "user_id": f"U{i % 50:04d}", "user_name": "member",
                          "command": "/yuntai", "text": f"check https://example.org/v/{i}", "api_app_id": "A0",
                          "response_url": response_url, "trigger_id": f"{i}.1.x"}).encode()
        sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
        out.append((body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": now,
                           "X-Slack-Signature": sig}))
    return out


async def _load(url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> tuple[float, list[float]]:
    """(acks per second, each request's time to ack in seconds); every answer must be 200."""
    latencies: list[float] = []
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            for body, headers in queue:
                t0 = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}")
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(requests) / elapsed, latencies


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def _run(requests: int, concurrency: int, runs: int) -> None:
    sink = web.Application()
    sink.router.add_route("*", "/{tail:.*}", _sink)
    sink_runner, sink_origin = await _serve(sink)

    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200)

    baseline = web.Application()
    baseline.router.add_post("/slack/events", bare)
    base_runner, base_origin = await _serve(baseline)

    client = slack_web_client("xoxb-bench", env={"SLACK_API_URL": sink_origin + "/api/"})
    app, bot = build_slack_app(SlowCore(), SlowCore._Nothing(), client=client,  # type: ignore[arg-type]
                               signing_secret=SECRET)
    app_runner, app_origin = await _serve(app.web_app())
    try:
        await _load(app_origin + "/slack/events", _signed(50, sink_origin + "/response"), 10)  # warm up
        base, ours = [], []
        for _ in range(runs):
            base.append(await _load(base_origin + "/slack/events", _signed(requests, sink_origin + "/r"), concurrency))
            ours.append(await _load(app_origin + "/slack/events", _signed(requests, sink_origin + "/r"), concurrency))
        in_flight = len(bot.tasks)
        base_rps = statistics.median(r for r, _ in base)
        our_rps = statistics.median(r for r, _ in ours)
        base_p99 = statistics.median(_p99(lat) for _, lat in base)
        our_p99 = statistics.median(_p99(lat) for _, lat in ours)
        print(f"slack ack speed: {requests:,} signed /yuntai check requests per run, {concurrency} at a time, "
              f"median of {runs} runs; each check takes {CHECK_SECONDS:.0f} s after the ack")
        print(f"baseline (bare aiohttp handler):  {base_rps:8.0f} req/s   p99 {base_p99 * 1000:6.1f} ms")
        print(f"yuntai Slack app (Bolt, signed):  {our_rps:8.0f} req/s   p99 {our_p99 * 1000:6.1f} ms   "
              f"({our_rps / base_rps:.2f}x baseline throughput, {our_p99 / base_p99:.1f}x baseline p99)")
        print(f"checks still running when the last ack came: {in_flight:,} (the acks did not wait for them)")
        print(f"targets: over 1,000 req/s -> {'met' if our_rps > 1000 else 'NOT met'}; "
              f"p99 under 100 ms -> {'met' if our_p99 < 0.1 else 'NOT met'}")
        await bot.aclose()
    finally:
        await app_runner.cleanup()
        await base_runner.cleanup()
        await sink_runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.slack_speed", description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000, help="requests per run (default 2000)")
    ap.add_argument("--concurrency", type=int, default=20, help="requests in flight at once (default 20)")
    ap.add_argument("--runs", type=int, default=3, help="runs; figures are medians (default 3)")
    args = ap.parse_args(argv)
    asyncio.run(_run(args.requests, args.concurrency, args.runs))


if __name__ == "__main__":
    main()

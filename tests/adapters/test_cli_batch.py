"""`yuntai check --batch FILE`: a line that blows up, fields of the wrong type, and more lines than the window.

Why in process: the batch loop's promises are about its own output (one line per input line, in input
order, the failing line named) and those are read straight from stdout; the checks run against a copy
of the seeded database like every CLI test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import adapters.cli as cli
import adapters.wiring as wiring
from helpers.seeded_db import seeded_copy


@pytest.fixture
def env(tmp_path, monkeypatch) -> Path:
    db = tmp_path / "batch.db"
    monkeypatch.setenv("DATABASE_URL", seeded_copy(db))
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    return db


def clip(n: int) -> str:
    return f"https://www.youtube.com/watch?v=clip{n:07d}"


def write(tmp_path: Path, lines: list[Any]) -> str:
    path = tmp_path / "in.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return str(path)


def run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = cli.main(["check", *argv, "--no-fetch"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def stored(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM check_record").fetchone()[0]


def wrap_checks(monkeypatch, make_wrapper) -> None:
    """Replace the check service's `check` in the app the CLI builds (the seam a failing check comes through)."""
    real_build = wiring.build_app

    def build(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        app = real_build(*args, **kwargs)
        app.checks.check = make_wrapper(app.checks.check)
        return app

    monkeypatch.setattr(wiring, "build_app", build)


# -- a line that blows up ---------------------------------------------------------------------------------


def explode_on(url: str, secret: str):  # type: ignore[no-untyped-def]
    def make(real):  # type: ignore[no-untyped-def]
        async def check(request, actor):  # type: ignore[no-untyped-def]
            if request.url == url:
                raise RuntimeError(f"boom while reading {secret}")
            return await real(request, actor)
        return check
    return make


def test_a_line_that_blows_up_is_an_internal_error_line_and_the_batch_goes_on(env, capsys, caplog, monkeypatch,
                                                                               tmp_path):
    secret = "the caption nobody should see"
    wrap_checks(monkeypatch, explode_on(clip(2), secret))
    batch = write(tmp_path, [{"url": clip(n), "caption": f"Sora: a forest, take {n}"} for n in (1, 2, 3)])
    with caplog.at_level(logging.DEBUG, logger="adapters.cli"):
        code, out, err = run(capsys, "--batch", batch, "--json")
    assert code == 0, err
    objs = [json.loads(x) for x in out]
    assert objs[1] == {"line": 2, "error": "internal error (RuntimeError)"}
    assert [o["clip"]["canonical_url"] for o in (objs[0], objs[2])] == [clip(1), clip(3)]
    assert stored(env) == 2
    assert secret not in "\n".join(out) + err
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["batch line 2 failed: RuntimeError"]


def test_the_internal_error_line_in_text_mode(env, capsys, monkeypatch, tmp_path):
    wrap_checks(monkeypatch, explode_on(clip(1), "x"))
    batch = write(tmp_path, [{"url": clip(1), "caption": "Sora: a forest"}, {"url": clip(2), "caption": "Sora"}])
    code, out, _ = run(capsys, "--batch", batch)
    assert code == 0
    assert out[0] == "line 1: error: internal error (RuntimeError)"
    assert out[1].startswith("line 2: ") and clip(2) in out[1]


# -- field types ------------------------------------------------------------------------------------------

GOOD = {"url": clip(9), "caption": "Kling 2.1: a cat eating"}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"url": 5}, '"url" must be a string'),
        ({"url": [clip(1)]}, '"url" must be a string'),
        ({"url": {"href": clip(1)}}, '"url" must be a string'),
        ({"url": clip(1), "caption": 12}, '"caption" must be a string'),
        ({"url": clip(1), "caption": ["Sora", "forest"]}, '"caption" must be a string'),
        ({"url": clip(1), "model": True}, '"model" must be a string'),
        ({"url": clip(1), "model": 2.1}, '"model" must be a string'),
        ({"url": clip(1), "workflow": 1}, '"workflow" must be a string'),
        ({"url": clip(1), "workflow": "text-to-3d"},
         '"workflow" must be one of text-to-video, image-to-video, video-to-video'),
        ({"url": None}, 'the line has no "url"'),
        ({"url": ""}, 'the line has no "url"'),
        ({"caption": "Sora"}, 'the line has no "url"'),
    ],
)
def test_a_field_of_the_wrong_type_is_that_lines_error(env, capsys, tmp_path, fields, error):
    batch = write(tmp_path, [fields, GOOD])
    code, out, err = run(capsys, "--batch", batch, "--json")
    assert code == 0, err
    assert json.loads(out[0]) == {"line": 1, "error": error}
    assert json.loads(out[1])["model"]["id"] == "kling-2"  # the next line is checked as usual
    assert stored(env) == 1


def test_null_optional_fields_count_as_absent(env, capsys, tmp_path):
    batch = write(tmp_path, [{"url": clip(1), "caption": None, "model": None, "workflow": None}])
    code, out, err = run(capsys, "--batch", batch, "--json")
    assert code == 0, err
    assert json.loads(out[0])["clip"]["canonical_url"] == clip(1)


# -- longer than the ordering window ----------------------------------------------------------------------


def finish_in_reverse(urls: list[str], group: int):  # type: ignore[no-untyped-def]
    """Within each group of `group` lines running together, the last line finishes first and each earlier
    one waits for the next, so completion order is the reverse of input order; awaiting an event, not a clock.
    """
    index = {u: i for i, u in enumerate(urls)}
    done = [asyncio.Event() for _ in urls]
    started: list[int] = []

    def make(real):  # type: ignore[no-untyped-def]
        async def check(request, actor):  # type: ignore[no-untyped-def]
            i = index[request.url]
            started.append(i)
            last_of_group = (i + 1) % group == 0 or i == len(urls) - 1
            if not last_of_group:
                await asyncio.wait_for(done[i + 1].wait(), timeout=10)
            try:
                return await real(request, actor)
            finally:
                done[i].set()
        return check
    return make, started


def test_a_batch_longer_than_the_window_prints_in_input_order(env, capsys, monkeypatch, tmp_path):
    window = cli.BATCH_CONCURRENCY * 4
    n = max(window, cli.BATCH_RECORDS) * 2 + 5  # past the window and past one stored group of records
    urls = [clip(i) for i in range(1, n + 1)]
    make, started = finish_in_reverse(urls, cli.BATCH_CONCURRENCY)
    wrap_checks(monkeypatch, make)
    captions = ["Sora: a forest", "Kling 2.1: a cat eating", "Runway Gen-3: a drone shot"]
    lines: list[Any] = [{"url": u, "caption": captions[i % 3]} for i, u in enumerate(urls)]
    lines[40] = '{"url": 1}'  # an error line deep inside keeps its place too
    batch = write(tmp_path, lines)
    code, out, err = run(capsys, "--batch", batch, "--json")
    assert code == 0, err
    assert len(out) == n
    objs = [json.loads(x) for x in out]
    assert objs[40] == {"line": 41, "error": '"url" must be a string'}
    rest = [(i, o) for i, o in enumerate(objs) if i != 40]
    assert [o["clip"]["canonical_url"] for _, o in rest] == [urls[i] for i, _ in rest]
    assert [o["model"]["id"] for _, o in rest] == [("sora", "kling-2", "runway-gen3")[i % 3] for i, _ in rest]
    assert stored(env) == n - 1
    assert started[: cli.BATCH_CONCURRENCY] == list(range(cli.BATCH_CONCURRENCY)), "lines start in order"


def test_the_text_mode_numbers_follow_the_input_past_the_window(env, capsys, monkeypatch, tmp_path):
    n = cli.BATCH_CONCURRENCY * 4 + 9
    urls = [clip(i) for i in range(1, n + 1)]
    make, _ = finish_in_reverse(urls, cli.BATCH_CONCURRENCY)
    wrap_checks(monkeypatch, make)
    batch = write(tmp_path, [{"url": u, "caption": "Sora: a forest"} for u in urls])
    code, out, _ = run(capsys, "--batch", batch)
    assert code == 0
    assert [line.split(":", 1)[0] for line in out] == [f"line {i}" for i in range(1, n + 1)]

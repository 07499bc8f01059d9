"""Real processes racing to post the weekly digest, on one SQLite file and on one Postgres database."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.policy import CommunitySettings
from helpers import zygote
from helpers.seeded_db import seeded_copy
from storage.bootstrap import open_storage
from storage.gateways import SqlDigestLedger

ROOT = Path(__file__).resolve().parents[2]
COMMUNITIES = [f"discord:{i}" for i in range(12)]
# Monday 2026-12-07 09:00 Europe/Paris = 08:00 UTC, ISO week 2026-W50
AT_SLOT = "2026-12-07T08:00:05+00:00"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    url = (seeded_copy(tmp_path / "digest.db") if request.param == "sqlite"
           else request.getfixturevalue("seeded_postgres_url"))
    st = open_storage(url)  # already migrated and seeded (a template copy), so the racers start on equal terms
    for cid in COMMUNITIES:
        st.settings.save_settings(CommunitySettings(
            cid, digest_channel="digest", digest_weekday=0, digest_hour=9, digest_timezone="Europe/Paris",
            digest_set_up_at="2026-12-01T12:00:00+00:00"), "admin")
    st.close()
    return url


def env(url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "YUNTAI_FETCH": "off", "YUNTAI_CHART_DIR": str(tmp_path / "charts"),
            "PYTHONPATH": str(ROOT)}


def racers(url: str, tmp_path: Path, n: int, now: str, *extra: str) -> list[subprocess.CompletedProcess]:
    ready = tmp_path / f"ready-{time.monotonic_ns()}"
    ready.mkdir()  # each racer waits here until all n are imported and connected, then they claim together
    procs = [zygote.popen(["--now", now, "--ready-dir", str(ready), "--racers", str(n), *extra],
                          module="tests.helpers.digest_racer", env=env(url, tmp_path), cwd=ROOT) for _ in range(n)]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def posts(results: list[subprocess.CompletedProcess]) -> Counter:
    return Counter((o["community"], o["week"]) for r in results for o in map(json.loads, r.stdout.splitlines()))


def ledger_history(url: str) -> list[dict]:
    st = open_storage(url, migrate=False)
    try:
        return SqlDigestLedger(st.uow).history()
    finally:
        st.close()


def cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return zygote.run(["digest", *args], timeout=120, env=env(url, tmp_path), cwd=tmp_path)


def test_processes_waking_at_the_same_instant_post_each_digest_once(db_url, tmp_path):
    results = racers(db_url, tmp_path, 3, AT_SLOT)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-500:] for r in results]
    assert posts(results) == Counter({(cid, "2026-W50"): 1 for cid in COMMUNITIES})
    again = cli(db_url, tmp_path, "run", "--now", "2026-12-07T10:00:00+00:00", "--json")
    assert again.returncode == 0 and again.stdout == ""
    history = [json.loads(line) for line in cli(db_url, tmp_path, "history", "--json").stdout.splitlines()]
    assert sorted(h["community"] for h in history) == sorted(COMMUNITIES)
    assert {h["week"] for h in history} == {"2026-W50"} and {h["attempts"] for h in history} == {1}


def test_a_process_dying_mid_post_is_retried_after_the_timeout_and_posted_once(db_url, tmp_path):
    [crashed] = racers(db_url, tmp_path, 1, AT_SLOT, "--crash")
    assert crashed.returncode == 3 and crashed.stdout == ""
    soon = cli(db_url, tmp_path, "run", "--now", "2026-12-07T08:05:00+00:00", "--json")
    assert soon.returncode == 0, soon.stderr
    fresh = Counter((o["community"], o["week"]) for o in map(json.loads, soon.stdout.splitlines()))
    crashed_one = set(COMMUNITIES) - {c for c, _ in fresh}
    assert len(crashed_one) == 1  # the others were never claimed; the dead process's claim is still fresh
    results = racers(db_url, tmp_path, 2, "2026-12-07T08:20:00+00:00")
    assert posts(results) == Counter({(crashed_one.pop(), "2026-W50"): 1})
    assert sorted(h["attempts"] for h in ledger_history(db_url)) == [1] * (len(COMMUNITIES) - 1) + [2]


def test_weeks_missed_while_down_are_posted_late_once(db_url, tmp_path):
    three_weeks_on = "2026-12-28T15:00:00+00:00"  # the slots of W50, W51 and W52, W53 have all passed
    first = cli(db_url, tmp_path, "run", "--now", three_weeks_on, "--json")
    assert first.returncode == 0, first.stderr
    objs = [json.loads(line) for line in first.stdout.splitlines()]
    assert sorted(o["community"] for o in objs) == sorted(COMMUNITIES)
    assert {o["week"] for o in objs} == {"2026-W53"} and {o["type"] for o in objs} == {"digest"}
    assert {o["channel"] for o in objs} == {"digest"}
    assert Path(objs[0]["chart"]).read_bytes()[:4] == b"\x89PNG"
    second = cli(db_url, tmp_path, "run", "--now", "2026-12-28T16:00:00+00:00", "--json")
    assert second.returncode == 0 and second.stdout == ""
    text = cli(db_url, tmp_path, "history", "--community", "discord:3")
    assert text.stdout.startswith("2026-W53  discord:3") and len(text.stdout.splitlines()) == 1


def test_run_refuses_a_bad_now_without_touching_the_database(tmp_path):
    res = zygote.run(["digest", "run", "--now", "next monday"], timeout=60,
                     env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert res.returncode == 2 and "--now must be an ISO-8601 time" in res.stderr and res.stdout == ""
    assert not (tmp_path / "x.db").exists()

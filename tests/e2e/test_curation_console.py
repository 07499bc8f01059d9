"""Curation and setup end to end: `yuntai chat --json` scripts, one process per member, one database file."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

from helpers import zygote
from helpers.seeded_db import seeded_copy

EXE = str(Path(sys.executable).with_name("yuntai"))
COMMUNITY = "console:club"


def chat(tmp_path, lines: list[str], *args: str) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": seeded_copy(tmp_path / 'c.db'), "YUNTAI_FETCH": "off"}
    res = zygote.run(["chat", "--json", "--community", COMMUNITY, *args], input="\n".join(lines) + "\n",
                     timeout=120, env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def admin(tmp_path, *lines: str) -> list[dict]:
    return chat(tmp_path, list(lines), "--user", "alice", "--admin")


def member(tmp_path, *lines: str) -> list[dict]:
    return chat(tmp_path, list(lines), "--user", "mallory")


def rows(tmp_path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "c.db") as conn:
        return conn.execute(sql).fetchall()


def sora_walking(reply: dict) -> list[str]:
    return [c["rating"] for group in ("strengths", "mixed", "weaknesses") for c in reply[group]
            if c["capability"] == "walking"]


def test_an_admin_curates_a_member_is_refused_and_nothing_changes(tmp_path):
    out = admin(tmp_path, "/model Sora",
                "/kb add claim Sora walking strength https://example.com/tests/sora-walks a clean walk cycle",
                "/model Sora")
    seeded = sora_walking(out[0])
    assert seeded and seeded != ["strength"]  # the shipped seed does not call it a strength
    change = out[1]
    assert change["type"] == "kb_change" and change["action"] == "create" and change["id"] == "sora x walking"
    assert isinstance(change["change_id"], int) and change["actor"] == "console:alice"
    assert change["after"]["doc"]["rating"] == "strength"
    assert change["after"]["doc"]["sources"][0]["url"] == "https://example.com/tests/sora-walks"
    assert sora_walking(out[2]) == ["strength"]

    before = rows(tmp_path, "SELECT id, kind, key, doc, retired FROM kb_override ORDER BY id")
    refused = member(tmp_path, "/kb add claim Sora walking weakness https://example.com/tests/x",
                     f"/kb undo {change['change_id']}", "/kb retire model Sora", "/setup watch clips",
                     "/kb history sora")
    assert [r["type"] for r in refused] == ["error"] * 5  # every /kb command is for admins (DESIGN.md)
    assert refused[4]["message"] == "/kb history is for this community's admins."
    history = admin(tmp_path, "/kb history sora")[0]
    assert [c["change_id"] for c in history["changes"]] == [change["change_id"]]
    assert refused[0]["message"] == "/kb add is for this community's admins."
    assert refused[3]["message"] == "/setup watch is for this community's admins."
    assert rows(tmp_path, "SELECT id, kind, key, doc, retired FROM kb_override ORDER BY id") == before
    assert rows(tmp_path, "SELECT count(*) FROM kb_change WHERE community_id = 'console:club'") == [(1,)]

    # another community, even with an admin of its own, sees the global rating and none of the history
    other = chat(tmp_path, ["/model Sora", "/kb history", f"/kb undo {change['change_id']}"],
                 "--community", "console:other", "--user", "zed", "--admin")
    assert sora_walking(other[0]) == seeded
    assert other[1] == {"type": "kb_history", "thing": None, "changes": []}
    assert other[2]["type"] == "error" and f"no change #{change['change_id']}" in other[2]["message"]


def test_history_and_undo_round_trip(tmp_path):
    out = admin(tmp_path,
                '/kb add model zephyr "Zephyr Motion" zephyr video, zm video',
                "/kb add claim 'zm video' hockey weakness https://example.com/hy/hockey pucks vanish",
                "/kb update model zephyr name:'Zephyr Motion 2'",
                "/kb history zephyr")
    created, claimed, renamed, history = out
    assert [o["type"] for o in out] == ["kb_change", "kb_change", "kb_change", "kb_history"]
    assert created["after"]["doc"]["aliases"] == ["zephyr video", "zm video"]
    assert renamed["before"]["doc"]["name"] == "Zephyr Motion"
    assert renamed["after"]["doc"]["name"] == "Zephyr Motion 2"
    assert [c["change_id"] for c in history["changes"]] == [renamed["change_id"], claimed["change_id"],
                                                           created["change_id"]]
    assert history["thing"] == "zephyr"

    out = admin(tmp_path, f"/kb undo {renamed['change_id']}", "/model zephyr", f"/kb undo {renamed['change_id']}",
                "/kb history zephyr")
    undo, report, again, history = out
    assert undo["type"] == "kb_change" and undo["action"] == "undo" and undo["undoes"] == renamed["change_id"]
    assert undo["after"]["doc"]["name"] == "Zephyr Motion"
    assert report["name"] == "Zephyr Motion" and [c["capability"] for c in report["weaknesses"]] == ["hockey"]
    assert again["type"] == "error" and "undone already" in again["message"]
    assert [c["action"] for c in history["changes"]] == ["undo", "update", "create", "create"]


def test_retired_things_stay_in_history(tmp_path):
    out = admin(tmp_path, "/kb retire model 'Runway Gen-3'", "/model gen-3", "/kb history runway-gen3")
    retired, report, history = out
    assert retired["action"] == "retire" and retired["after"]["retired"] is True
    assert report["type"] == "error"  # gone for this community
    assert [c["change_id"] for c in history["changes"]] == [retired["change_id"]]


def test_bad_curation_input_gets_one_polite_line(tmp_path):
    out = admin(tmp_path,
                "/kb add claim Sora walking strength https://example.com",
                "/kb add claim Sora walkin strength https://example.com/a",
                "/kb add claim Soar walking strength https://example.com/a",
                "/kb add claim Sora walking strenght https://example.com/a",
                "/kb add widget x",
                "/kb undo 0")
    assert [o["type"] for o in out] == ["error"] * 6
    assert "is a bare host" in out[0]["message"]
    assert "Did you mean walking, talking?" in out[1]["message"]
    assert "I don't know a model called 'Soar'" in out[2]["message"]
    assert "Did you mean strength?" in out[3]["message"]
    assert "is not a kind" in out[4]["message"]
    assert out[5]["message"] == "change_id must be at least 1."
    assert rows(tmp_path, "SELECT count(*) FROM kb_override") == [(0,)]


def test_setup_is_stored_with_history(tmp_path):
    out = admin(tmp_path, "/setup watch #clips", "/setup digest #weekly fri 17 Europe/Pariss",
                "/setup digest #weekly fri 17 Europe/Paris", "/setup admins add bob", "/setup admins remove bob",
                "/setup admins remove bob", "/setup share-attempts on", "/setup show", "/setup watch <@U1>")
    types = [o["type"] for o in out]
    assert types == ["setup", "error", "setup", "setup", "error", "error", "setup", "setup", "error"]
    assert "Did you mean Europe/Paris" in out[1]["message"]
    assert "console:bob is the last admin named here" in out[4]["message"]
    shown = out[7]["settings"]
    assert shown["watched_channels"] == ["clips"] and shown["admins"] == ["console:bob"]
    assert shown["share_attempts"] is True
    assert {k: shown["digest"][k] for k in ("channel", "weekday", "hour", "timezone")} == {
        "channel": "weekly", "weekday": 4, "hour": 17, "timezone": "Europe/Paris"}
    assert shown["digest"]["set_up_at"].startswith("20")
    history = rows(tmp_path, "SELECT actor FROM community_settings_change WHERE community_id = 'console:club'")
    assert history == [("console:alice",)] * 4
    assert "is a person, not a channel" in out[8]["message"]

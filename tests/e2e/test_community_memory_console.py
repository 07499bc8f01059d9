"""Community memory end to end through `yuntai chat --json`: several members, one SQLite file, real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

from bot.clip_ids import short_clip_id
from helpers import zygote
from helpers.seeded_db import seeded_copy

YT = "https://youtu.be/dQw4w9WgXcQ"
CANON = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
EXE = str(Path(sys.executable).with_name("yuntai"))
ZERO = {"representative": 0, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 0}


def chat(tmp_path: Path, user: str, *lines: str, community: str = "discord:42") -> list[dict]:
    env = {**os.environ, "DATABASE_URL": seeded_copy(tmp_path / 'c.db'), "YUNTAI_FETCH": "off",
           "YUNTAI_CHART_DIR": str(tmp_path / "charts")}
    res = zygote.run(["chat", "--json", "--user", user, "--community", community],
                     input="\n".join(lines) + "\n", timeout=120, env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_members_vote_report_attempts_and_read_it_back(tmp_path):
    ann = chat(tmp_path, "ann",
               f"{YT} Sora: a woman eating noodles",
               f"/vote {YT} cherry_picked",
               f"/vote {YT} representative",
               "/tried Sora eating 15 2 the fork melts",
               "/tried Sora eating 2 15",
               f"{YT} Sora: a woman eating noodles")
    assert [r["type"] for r in ann] == ["check", "vote", "vote", "attempt", "error", "check"]
    assert ann[0]["community"] == {"votes": ZERO, "attempts": []}
    assert (ann[1]["before"], ann[1]["label"]) == (None, "cherry_picked")
    assert (ann[2]["before"], ann[2]["label"], ann[2]["votes"]) == ("cherry_picked", "representative",
                                                                   ZERO | {"representative": 1})
    assert ann[3]["hit_rate"] == {"capability": "eating", "tries": 15, "usable": 2, "rate": 0.133, "low": 0.057,
                                  "high": 0.282, "members": 1, "reports": 1, "band": "not_enough"}
    assert ann[4]["message"] == "You reported 15 usable out of 2 tries: usable can't be more than tries."
    again = ann[5]["community"]
    assert again["votes"] == ZERO | {"representative": 1}
    (eating,) = again["attempts"]
    assert (eating["capability"], eating["tries"], eating["usable"], eating["band"]) == ("eating", 15, 2,
                                                                                        "not_enough")

    bob = chat(tmp_path, "bob", f"/vote {short_clip_id(CANON)} cherry picked", f"/verdicts {CANON}")
    assert bob[0]["type"] == "vote" and bob[0]["clip"] == {"url": CANON, "id": short_clip_id(CANON)}
    verdicts = bob[1]
    assert verdicts["type"] == "verdicts"
    assert verdicts["votes"] == ZERO | {"representative": 1, "cherry_picked": 1}
    assert verdicts["consensus"] is None
    assert verdicts["note"] == ("1 of 2 voters say representative, Wilson lower bound 0.16: not yet a clear "
                                "majority (needs 0.50)")

    outsider = chat(tmp_path, "cid", f"/vote {YT} representative", community="slack:T1")
    assert outsider == [{"type": "error", "message": f"Nobody has checked {CANON} in this community yet, so there "
                                                     "is nothing to vote on: run /check on it first."}]

    (model,) = chat(tmp_path, "ann", "/model Sora")
    community = model["community"]
    assert community["scope"] == "community"
    assert [(h["capability"], h["tries"], h["usable"]) for h in community["hit_rates"]] == [("eating", 15, 2)]
    assert community["most_checked"] == [{
        "url": CANON, "id": short_clip_id(CANON), "checks": 2, "voters": 2, "consensus": None,
        "basis": verdicts["note"]}]
    assert "eating" not in community["unreported"] and "walking" in community["unreported"]
    chart = Path(model["chart"])
    assert chart.parent == tmp_path / "charts" and chart.read_bytes()[:4] == b"\x89PNG"

    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT member, before, after FROM vote_change ORDER BY id").fetchall() == [
            ("console:ann", None, "cherry_picked"), ("console:ann", "cherry_picked", "representative"),
            ("console:bob", None, "cherry_picked")]
        assert conn.execute("SELECT community_id, member, tries, usable, note FROM attempt").fetchall() == [
            ("discord:42", "console:ann", 15, 2, "the fork melts")]


def test_the_text_console_names_the_chart_file(tmp_path):
    env = {**os.environ, "DATABASE_URL": seeded_copy(tmp_path / 'c.db'), "YUNTAI_FETCH": "off",
           "YUNTAI_CHART_DIR": str(tmp_path / "charts")}
    res = zygote.run(["chat"], input="/model Sora\n", timeout=120, env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    (line,) = [x for x in res.stdout.splitlines() if x.startswith("Chart: ")]
    assert Path(line.removeprefix("Chart: ")).is_file()
    assert "Hit rates reported by members (this community): none yet; report yours with /tried" in res.stdout

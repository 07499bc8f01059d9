"""`yuntai chat` as a scriptable platform: --community, --user, --admin, --json, pipes and closed stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import zygote
from helpers.seeded_db import seeded_copy

YT = "https://youtu.be/dQw4w9WgXcQ"
EXE = str(Path(sys.executable).with_name("yuntai"))


def chat(tmp_path, *args: str, stdin: str | None = "", **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": seeded_copy(tmp_path / 'c.db'), "YUNTAI_FETCH": "off"}
    if kw:  # e.g. preexec_fn: the interpreter's own start-up is part of what is tested
        return subprocess.run([EXE, "chat", *args], input=stdin, capture_output=True, text=True, timeout=90,
                              env=env, cwd=tmp_path, **kw)
    return zygote.run(["chat", *args], input=stdin, timeout=90, env=env, cwd=tmp_path)


def test_json_prints_exactly_one_object_per_reply_and_nothing_else(tmp_path):
    lines = [f"{YT} Sora: a woman eating noodles", "/model Sora", "/frob", "hello there", "", "/digest preview"]
    res = chat(tmp_path, "--json", stdin="\n".join(lines) + "\n")
    assert res.returncode == 0, res.stderr
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["type"] for o in out] == ["check", "model", "error", "error", "digest_preview"]
    check = out[0]
    assert check["schema"] == 1 and check["level"] == "stress_test" and check["model"]["id"] == "sora"
    assert len(check["clip"]["id"]) == 12
    assert out[2]["message"].startswith("I don't know /frob")
    assert out[4]["community"] == "console:local"


def test_a_user_without_admin_is_a_member_and_with_admin_an_admin(tmp_path):
    member = chat(tmp_path, "--json", "--user", "alice", "--community", "discord:42", stdin="/usage\n")
    assert json.loads(member.stdout) == {"type": "error", "message": "/usage is for this community's admins."}
    admin = chat(tmp_path, "--json", "--user", "alice", "--admin", "--community", "discord:42", stdin="/usage\n")
    assert json.loads(admin.stdout)["type"] == "usage"
    operator = chat(tmp_path, "--json", stdin="/usage\n")  # the operator owns the console
    assert json.loads(operator.stdout)["type"] == "usage"


def test_checks_are_stored_under_the_community_given(tmp_path):
    import sqlite3

    chat(tmp_path, "--json", "--community", "slack:T9", "--user", "bob", stdin=f"{YT} veo 3 a forest\n")
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT community_id, actor_id FROM check_record").fetchall() == [
            ("slack:T9", "console:bob")]


def test_admin_without_a_user_is_a_usage_error(tmp_path):
    res = chat(tmp_path, "--admin")
    assert res.returncode == 2 and "--admin needs --user" in res.stderr


def test_a_closed_stdin_is_the_end_of_input(tmp_path):
    res = chat(tmp_path, stdin=None, preexec_fn=lambda: os.close(0))
    assert res.returncode == 0, res.stderr
    assert "unexpected error" not in res.stderr


def test_no_greeting_or_prompt_in_json_mode_even_on_a_terminal_like_pipe(tmp_path):
    res = chat(tmp_path, "--json", stdin="/help\n")
    assert res.stdout.count("\n") == 1 and json.loads(res.stdout)["type"] == "help"

"""The `yuntai` command line, in process (fast) and through the installed entry point (real)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main
from helpers import zygote
from helpers.seeded_db import seeded_copy

YT = "https://youtu.be/dQw4w9WgXcQ?si=tracking123"


@pytest.fixture
def env(tmp_path, monkeypatch):
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", seeded_copy(db))
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    return db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_check_json_has_the_design_shape(env, capsys):
    code, out, err = run(capsys, "check", YT, "--caption", "Sora 2: a woman talking to camera, best of 12",
                         "--no-fetch", "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert set(obj) >= {"schema", "clip", "model", "workflow", "prompt_disclosed", "takes", "shown", "claims",
                        "hidden_weaknesses", "generalization_traps", "community", "level", "reasons",
                        "summary", "summary_source"}
    assert obj["schema"] == 1
    assert obj["clip"]["canonical_url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert obj["clip"]["platform"] == "youtube" and obj["clip"]["fetched"] is False
    assert obj["model"]["id"] == "sora-2" and obj["model"]["source"] == "caption"
    assert obj["takes"] == {"disclosed": True, "count": 12}
    assert "talking" in [s["id"] for s in obj["shown"]]
    assert obj["summary_source"] == "template"
    assert obj["level"] == "mixed"  # People is hit and miss for Sora 2; nothing rates Talking
    assert rows(env, "check_record") == 1


def test_check_text_output(env, capsys):
    code, out, _ = run(capsys, "check", YT, "--caption", "Kling 1.6, a chef chopping onions", "--no-fetch")
    assert code == 0
    assert "Verdict:" in out and "What this clip does not tell you" in out


def test_explicit_options_win(env, capsys):
    code, out, _ = run(capsys, "check", YT, "--caption", "Kling 1.6 img2vid", "--model", "Veo 3",
                       "--workflow", "text-to-video", "--no-fetch", "--json")
    obj = json.loads(out)
    assert obj["model"]["id"] == "veo-3" and obj["model"]["source"] == "user"
    assert obj["workflow"] == {"value": "text-to-video", "source": "user"}


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["check"], "needs a clip URL"),
        (["check", "not a link at all"], "contains spaces"),
        (["check", "file:///etc/passwd"], "not 'file:' links"),
        (["check", "http://127.0.0.1/x"], "numeric IP address"),
        (["check", YT, "--batch", "x.jsonl"], "not both"),
        (["check", YT, "--workflow", "magic"], "invalid choice"),
        (["check", YT, "--model", "Banana Diffusion 9", "--no-fetch"], "Banana Diffusion 9"),
        (["frobnicate"], "invalid choice"),
        (["kb", "show", "no-such-model"], "no-such-model"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_store_nothing(env, capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("yuntai: ") and err.count("\n") == 1 and "Traceback" not in err
    assert fragment in err
    if env.exists():
        assert rows(env, "check_record") == 0


def test_huge_and_junk_captions(env, capsys):
    code, _, err = run(capsys, "check", YT, "--caption", "x" * 1_000_000, "--no-fetch")
    assert code == 2 and "20,000" in err
    code, out, _ = run(capsys, "check", YT, "--caption", "\x00\x01\x02\ufffe\u202e", "--no-fetch", "--json")
    assert code == 0 and json.loads(out)["level"] == "unknown"
    code, out, _ = run(capsys, "check", YT, "--caption", "", "--no-fetch", "--json")
    assert code == 0 and json.loads(out)["level"] == "unknown"


def test_batch_keeps_order_and_reports_bad_lines(env, capsys, tmp_path):
    batch = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"url": YT, "caption": "Sora: a man walking"}),
        "{not json",
        json.dumps({"caption": "no url"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"url": "javascript:alert(1)"}),
        json.dumps({"url": "https://vimeo.com/76979871", "model": "Nobody Knows"}),
        json.dumps({"url": "https://vimeo.com/76979871", "workflow": "image-to-video", "model": "kling 1.6"}),
        json.dumps({"url": YT, "extra": 1}),
    ]
    batch.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe junk\n")
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 0, err
    outs = [json.loads(x) for x in out.splitlines()]
    assert len(outs) == 9
    assert outs[0]["model"]["id"] == "sora"
    assert [o.get("line") for o in outs[1:6]] == [2, 3, 5, 6, 7]
    assert all("error" in o for o in outs[1:6])
    assert outs[6]["workflow"]["value"] == "image-to-video" and outs[6]["model"]["id"] == "kling-1"
    assert outs[7]["line"] == 9 and "extra" in outs[7]["error"]
    assert outs[8] == {"line": 10, "error": "the line is not UTF-8 text"}
    assert rows(env, "check_record") == 2


def test_batch_text_mode_prints_one_line_per_entry(env, capsys, tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps({"url": YT, "caption": "Sora: forest"}) + "\n{bad\n")
    code, out, _ = run(capsys, "check", "--batch", str(batch), "--no-fetch")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("line 1: ") and lines[1].startswith("line 2: error")


def test_batch_missing_file(env, capsys, tmp_path):
    code, _, err = run(capsys, "check", "--batch", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "can't read" in err


def test_corrupt_database_file_is_a_clear_error(env, capsys):
    env.write_bytes(b"this is not a database" * 100)
    code, _, err = run(capsys, "check", YT, "--caption", "Sora forest", "--no-fetch")
    assert code == 1 and "damaged or not a database" in err and err.count("\n") == 1


def test_read_only_database_is_a_clear_error(env, capsys, monkeypatch):
    assert run(capsys, "db", "upgrade")[0] == 0  # create it
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{env}?mode=ro&uri=true")
    before = rows(env, "check_record")
    code, _, err = run(capsys, "check", YT, "--caption", "Sora forest", "--no-fetch")
    assert code == 1 and "read-only" in err and err.count("\n") == 1
    assert rows(env, "check_record") == before


def test_bad_database_url(env, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nonsense://")
    code, _, err = run(capsys, "kb", "list")
    assert code == 1 and "DATABASE_URL" in err


def test_kb_list_show_export_import(env, capsys, tmp_path):
    code, out, _ = run(capsys, "kb", "list")
    assert code == 0 and "sora-2" in out and len(out.splitlines()) >= 15
    code, out, _ = run(capsys, "kb", "list", "capabilities")
    assert "  basketball" in out
    code, out, _ = run(capsys, "kb", "show", "Sora 2")
    assert code == 0 and "Weak spots" in out
    code, out, _ = run(capsys, "kb", "show", "basketball")
    assert code == 0 and "actions > sports > basketball" in out
    code, out, _ = run(capsys, "kb", "export", str(tmp_path / "exported"))
    assert code == 0 and (tmp_path / "exported" / "models.yaml").exists()
    code, out, _ = run(capsys, "kb", "import", str(tmp_path / "exported"))
    assert code == 0 and "0 new" in out and "0 retired" in out
    claims = tmp_path / "exported" / "claims.yaml"
    claims.write_text(claims.read_text().replace("url: https://openai.com/sora\n", "url: https://openai.com\n", 1))
    code, _, err = run(capsys, "kb", "import", str(tmp_path / "exported"))
    assert code == 2 and "can't import" in err and "(sora) x " in err and "'https://openai.com' is a bare host" in err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "models.yaml").write_text("models: [1, 2")
    code, _, err = run(capsys, "kb", "import", str(tmp_path / "broken"))
    assert code == 2 and "can't import" in err


def test_installed_entry_point_and_help_is_fast_to_import(env):
    exe = Path(sys.executable).with_name("yuntai")
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "check" in res.stdout
    # --help must not pull in the database layer or the HTTP client (start-up time)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, adapters.cli as c; c.build_parser().format_help(); "
         "print(any(m in sys.modules for m in ('sqlalchemy', 'aiohttp', 'sqlmodel')))"],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )
    assert probe.stdout.strip() == "False"


def test_batch_shows_a_progress_bar_only_on_a_terminal(env, tmp_path):
    """A `yuntai` process (forked by the zygote) whose stderr is a real terminal, then a pipe."""
    import pty

    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps({"url": YT, "caption": f"Sora forest {i}"}) for i in range(3)) + "\n")
    args = ["check", "--batch", str(batch), "--no-fetch", "--json"]
    environ = {**os.environ, "DATABASE_URL": f"sqlite:///{env}"}
    import fcntl
    import struct
    import termios

    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a real terminal's size
    try:
        res = zygote.run(args, stderr=child_fd, env=environ, cwd=tmp_path, timeout=120)
        os.close(child_fd)
        seen = b""
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main_fd)
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 3
    assert b"checking" in seen and b"3" in seen
    piped = zygote.run(args, env=environ, cwd=tmp_path, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""


def test_kb_list_claims_all_or_one_models(env, capsys):
    code, out, _ = run(capsys, "kb", "list", "claims")
    assert code == 0
    models = {line.split()[0] for line in out.splitlines()}
    assert {"sora", "sora-2", "veo-3"} <= models
    code, out, _ = run(capsys, "kb", "list", "claims", "--model", "Sora 2")
    lines = out.splitlines()
    assert code == 0 and lines and all(line.split()[0] == "sora-2" for line in lines)
    assert any(" weakness " in line or " mixed " in line for line in lines)
    code, _, err = run(capsys, "kb", "list", "claims", "--model", "Banana Diffusion 9")
    assert code == 2 and "Banana Diffusion 9" in err and err.count("\n") == 1


def test_an_unknown_model_on_the_command_line_points_to_the_command_that_lists_models(env, capsys, tmp_path):
    for argv in (["check", YT, "--model", "Banana Diffusion 9", "--no-fetch"],
                 ["kb", "list", "claims", "--model", "Banana Diffusion 9"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "yuntai kb list models" in err and "/model" not in err, err
    batch = tmp_path / "one.jsonl"
    batch.write_text(json.dumps({"url": YT, "model": "Banana Diffusion 9"}) + "\n")
    code, out, _ = run(capsys, "check", "--batch", str(batch), "--no-fetch", "--json")
    assert "yuntai kb list models" in json.loads(out.splitlines()[0])["error"]
    code, _, err = run(capsys, "check", YT, "--model", "Sorra", "--no-fetch")  # a close name is suggested instead
    assert code == 2 and "Did you mean" in err and "Sora" in err


def test_an_export_that_cannot_write_is_one_line_and_exit_2(env, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run(capsys, "kb", "export", str(blocker))
    assert code == 2 and out == ""
    assert err == f"yuntai: can't write to {blocker}: File exists\n"
    assert blocker.read_text() == "not a folder"

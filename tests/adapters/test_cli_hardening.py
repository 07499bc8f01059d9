"""What a red team broke on the command line (issue 7), each checked where it arose."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from adapters.cli import main
from helpers import zygote
from helpers.seeded_db import seeded_copy

ROOT = Path(__file__).resolve().parents[2]
YT = "https://youtu.be/dQw4w9WgXcQ"
TURNED_OFF = "not fetched (fetching was turned off)"


@pytest.fixture
def env(tmp_path, monkeypatch):
    db = tmp_path / "cli.db"
    for key in list(os.environ):
        if key.startswith(("YUNTAI_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATABASE_URL", seeded_copy(db))
    monkeypatch.chdir(tmp_path)
    return db


@pytest.fixture
def no_dns(monkeypatch):
    """Any attempt to resolve a host name fails, so a fetch that should not happen cannot reach out."""
    calls: list[str] = []

    def refuse(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "name resolution disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_batch(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batch_line(caption: str = "Sora: a woman eating noodles") -> str:
    return json.dumps({"url": YT, "caption": caption})


# -- point 2: YUNTAI_FETCH=off holds unless a flag says otherwise -------------------------------------


def test_fetch_setting_off_is_honoured_by_check(env, capsys, monkeypatch, no_dns):
    monkeypatch.setenv("YUNTAI_FETCH", "off")
    code, out, err = run(capsys, "check", YT, "--caption", "Sora forest", "--json")
    assert code == 0, err
    assert json.loads(out)["clip"]["fetch_error"] == TURNED_OFF
    assert no_dns == []


def test_fetch_setting_off_is_honoured_by_batch(env, capsys, monkeypatch, no_dns, tmp_path):
    monkeypatch.setenv("YUNTAI_FETCH", "off")
    batch = write_batch(tmp_path / "b.jsonl", [batch_line(), batch_line("Kling 2.1 a cat")])
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json")
    assert code == 0, err
    assert [json.loads(x)["clip"]["fetch_error"] for x in out.splitlines()] == [TURNED_OFF, TURNED_OFF]
    assert no_dns == []


def test_fetch_flag_overrides_the_setting(env, capsys, monkeypatch, no_dns):
    monkeypatch.setenv("YUNTAI_FETCH", "off")
    code, out, err = run(capsys, "check", YT, "--caption", "Sora forest", "--json", "--fetch")
    assert code == 0, err
    assert json.loads(out)["clip"]["fetch_error"] != TURNED_OFF  # it tried (and could not resolve)
    assert no_dns != []


def test_fetch_and_no_fetch_together_are_a_usage_error(env, capsys):
    code, _, err = run(capsys, "check", YT, "--fetch", "--no-fetch")
    assert code == 2 and "not allowed with" in err


# -- point 3: one absurd batch line is that line's error -----------------------------------------------


def test_a_line_nested_a_thousand_deep_is_one_error_and_the_batch_goes_on(env, capsys, tmp_path):
    deep = "[" * 1000 + "]" * 1000
    batch = write_batch(tmp_path / "b.jsonl", [batch_line(), deep, '{"url": ' * 1000, batch_line("Kling 2.1 a cat")])
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 0, err
    objs = [json.loads(x) for x in out.splitlines()]
    assert len(objs) == 4
    errors = {o["line"]: o["error"] for o in objs if "error" in o}
    assert errors == {2: "the line is nested too deeply to be a clip", 3: "the line is nested too deeply to be a clip"}
    assert sum(1 for o in objs if "level" in o) == 2


# -- point 8: odd text is refused or cleaned at the edge ------------------------------------------------


def test_a_lone_surrogate_in_a_batch_caption_is_that_lines_error(env, capsys, tmp_path):
    batch = write_batch(tmp_path / "b.jsonl", [batch_line(), '{"url": "' + YT + '", "caption": "Sora \\ud800 forest"}'])
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 0
    objs = [json.loads(x) for x in out.splitlines()]
    assert objs[1] == {"line": 2, "error": '"caption" is not valid UTF-8 text (a stray byte or a lone surrogate)'}
    assert "level" in objs[0]
    assert "Traceback" not in err and "internal error" not in out


def test_an_invalid_byte_in_argv_is_a_usage_error(env, capsys):
    caption = b"Sora \xff forest".decode("utf-8", "surrogateescape")  # what Python makes of the raw byte
    code, out, err = run(capsys, "check", YT, "--caption", caption, "--no-fetch")
    assert code == 2 and out == ""
    assert err == "yuntai: --caption is not valid UTF-8 text (a stray byte or a lone surrogate)\n"


def test_an_invalid_byte_in_real_argv_exits_2_with_one_line(env, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "adapters.cli", "check", YT.encode(), b"--caption", b"Sora \xff",
                           b"--no-fetch"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count(b"\n") == 1 and b"not valid UTF-8" in proc.stderr


def test_a_nul_on_postgres_is_cleaned_and_nothing_is_logged_with_the_caption(seeded_postgres_url, tmp_path,
                                                                              monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", seeded_postgres_url)
    secret = "MEMBER-PRIVATE-REMARK"
    batch = write_batch(tmp_path / "b.jsonl", [json.dumps({"url": YT, "caption": f"Sora forest \x00 {secret}"})])
    caplog.set_level("DEBUG")
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["level"] and obj["model"]["id"] == "sora"
    assert all(secret not in r.getMessage() for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"})
    code, out, err = run(capsys, "check", YT, "--caption", f"Sora\x00 forest {secret}", "--no-fetch", "--json")
    assert code == 0 and json.loads(out)["model"]["id"] == "sora"


def test_a_failing_line_logs_only_the_exception_type_at_error(env, capsys, caplog, tmp_path, monkeypatch):
    from sqlalchemy.exc import DataError

    secret = "MEMBER-PRIVATE-REMARK"

    async def boom(self, request, actor):  # type: ignore[no-untyped-def]
        raise DataError("INSERT INTO check_record ...", {"caption": request.caption}, Exception("NUL"))

    monkeypatch.setattr("bot.service.CheckService.check", boom)
    batch = write_batch(tmp_path / "b.jsonl", [batch_line(f"Sora {secret}")])
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 0
    assert json.loads(out) == {"line": 1, "error": "the database can't store the text of this line"}
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == ["batch line 1 failed: DataError"]
    assert all(r.exc_info is None for r in errors)


# -- point 9: a broken database stops the batch --------------------------------------------------------


def test_disk_full_mid_batch_stops_with_one_line_and_exit_1(env, capsys, tmp_path):
    assert run(capsys, "db", "upgrade")[0] == 0
    batch = write_batch(tmp_path / "b.jsonl", [batch_line(f"Sora: a woman eating noodles, take {i}")
                                              for i in range(600)])

    def tiny_disk(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages + 150}")  # a group or two of lines fit, then it is full
        cur.close()

    event.listen(Engine, "connect", tiny_disk)
    try:
        code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    finally:
        event.remove(Engine, "connect", tiny_disk)
    assert code == 1
    assert err.count("\n") == 1 and "full" in err and "batch stopped" in err, err
    printed = [json.loads(x) for x in out.splitlines()]
    assert 0 < len(printed) < 600
    assert all("level" in o for o in printed)  # no "internal error" lines
    with sqlite3.connect(env) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT count(*) FROM check_record").fetchone()[0]
    assert len(printed) <= stored < 600


# -- point 10: nonsense settings are one-line configuration errors --------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("YUNTAI_FETCH_TIMEOUT", "inf"),
        ("YUNTAI_FETCH_TIMEOUT", "nan"),
        ("YUNTAI_FETCH_TIMEOUT", "1e309"),
        ("YUNTAI_FETCH_TIMEOUT", "121"),
        ("YUNTAI_METADATA_TTL_HOURS", "inf"),
        ("YUNTAI_METADATA_TTL_HOURS", "8761"),
        ("YUNTAI_LLM_DEADLINE", "nan"),
        ("YUNTAI_LLM_DAILY_TOKENS", "99999999999999"),
        ("YUNTAI_FETCH", "maybe"),
        ("YUNTAI_LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "postgresql://u@127.0.0.1:abc/db"),
        ("DATABASE_URL", "postgresql://u@127.0.0.1:99999/db"),
        ("DATABASE_URL", "just some words"),
    ],
)
def test_nonsense_settings_name_the_variable_in_one_line(env, capsys, monkeypatch, key, value):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # so the LLM settings are read too
    monkeypatch.setenv(key, value)
    code, out, err = run(capsys, "check", YT, "--caption", "Sora forest", "--no-fetch")
    assert code == 1, err
    assert out == "" and err.count("\n") == 1 and key in err and "unexpected" not in err


def test_deeply_nested_yaml_in_kb_import_is_a_usage_error(env, capsys, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "models.yaml").write_text("[" * 5000 + "]" * 5000)
    for name in ("capabilities.yaml", "claims.yaml"):
        (folder / name).write_text("[]\n")
    code, _, err = run(capsys, "kb", "import", str(folder))
    assert code == 2 and err.count("\n") == 1 and "nested too deeply" in err


# -- point 11: a closed pipe is the end of output -------------------------------------------------------


@pytest.mark.parametrize("batch", [False, True])
def test_a_closed_stdout_ends_quietly(env, tmp_path, batch):
    lines = write_batch(tmp_path / "b.jsonl", [batch_line()] * 40)
    argv = ["--batch", str(lines)] if batch else [YT, "--caption", "Sora forest"]
    """A `yuntai check` process (forked by the zygote: it writes, flushes and exits as a fresh one does)."""
    proc = zygote.popen(["check", *argv, "--no-fetch"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()  # the reader is gone before anything was written, as with `| head -c 0`
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0
    assert err == ""


# -- issue 6: the batch closes the app on every way out ---------------------------------------------------


def test_a_stopped_batch_still_closes_the_app(env, capsys, tmp_path, monkeypatch):
    from storage.db import DatabaseError

    closed: list[bool] = []

    async def record_close(self):  # type: ignore[no-untyped-def]
        closed.append(True)

    async def broken(self, request, actor):  # type: ignore[no-untyped-def]
        raise DatabaseError("the database sqlite:///x.db can't be used: database or disk is full")

    monkeypatch.setattr("adapters.wiring.App.aclose", record_close)
    monkeypatch.setattr("bot.service.CheckService.check", broken)
    batch = write_batch(tmp_path / "b.jsonl", [batch_line()] * 5)
    code, out, err = run(capsys, "check", "--batch", str(batch), "--json", "--no-fetch")
    assert code == 1 and out == ""
    assert err == ("yuntai: the database sqlite:///x.db can't be used: database or disk is full; batch stopped "
                   "(the lines printed above are stored)\n")
    assert closed == [True]


def test_database_errors_never_carry_sql_parameters(tmp_path):
    """Issue 7 point 8: the logged traceback carried the caption and every SQL parameter."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(OperationalError) as err, engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table VALUES (:caption)"), {"caption": "MEMBER-PRIVATE-REMARK"})
    assert "MEMBER-PRIVATE-REMARK" not in str(err.value)
    assert "hidden" in str(err.value)
    engine.dispose()

"""Where the database lives when nobody says, and what an operator sees when it can't be opened.

Why through the `yuntai` command: the operator's view is the exit code and one line on stderr; a
traceback or a silent fallback to another file is what these guard against. Each test gets its own
HOME and XDG folders, and runs in an empty folder so no `.env` of the checkout is read. The command runs
in a child forked by the zygote (tests/helpers/zygote.py): a process of its own with that environment,
folder, exit code and stderr, without paying interpreter start-up, which is not the subject here.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from helpers import zygote
from helpers.seeded_db import seeded_copy
from storage.db import default_sqlite_url


def run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_DATA_HOME", "HOME"}}
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    return zygote.run(list(args), timeout=120, cwd=work, env={**base, "YUNTAI_FETCH": "off", **env})


def test_default_is_yuntai_db_in_the_xdg_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_sqlite_url() == f"sqlite:///{tmp_path / 'xdg' / 'yuntai' / 'yuntai.db'}"


def test_default_without_xdg_is_under_home_local_share(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_sqlite_url() == f"sqlite:///{tmp_path / 'home' / '.local' / 'share' / 'yuntai' / 'yuntai.db'}"


@pytest.mark.parametrize("database_url", [None, ""], ids=["unset", "empty"])
def test_the_command_uses_the_file_in_the_user_data_folder(tmp_path, database_url):
    """A database already at the default place (one model renamed, so it can be told apart) is the one read."""
    home = tmp_path / "home"
    default = home / ".local" / "share" / "yuntai" / "yuntai.db"
    seeded_copy(default)
    with sqlite3.connect(default) as conn:
        conn.execute("UPDATE kb_model SET name = 'Marker Model' WHERE id = 'sora'")
    conn.close()
    env = {"HOME": str(home)} | ({} if database_url is None else {"DATABASE_URL": database_url})
    res = run(tmp_path, env, "kb", "list", "models")
    assert res.returncode == 0, res.stderr
    assert "Marker Model" in res.stdout
    assert sorted(p.name for p in default.parent.iterdir() if p.suffix == ".db") == ["yuntai.db"]
    assert list((tmp_path / "cwd").iterdir()) == [], "nothing is created where the command was started"


def test_a_data_folder_that_cannot_be_created_is_one_line_and_exit_1(tmp_path):
    """XDG_DATA_HOME names a file, so the folder can't be made (root ignores permissions, not this)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    res = run(tmp_path, {"HOME": str(tmp_path), "XDG_DATA_HOME": str(blocker)}, "kb", "list", "models")
    assert res.returncode == 1
    assert res.stderr == (f"yuntai: cannot create the folder for the database {blocker}/yuntai/yuntai.db: "
                          "Not a directory\n")
    assert res.stdout == ""


def test_an_explicit_sqlite_url_in_an_uncreatable_folder_says_the_same(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = run(tmp_path, {"HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{blocker}/sub/y.db"}, "kb", "list",
              "models")
    assert (res.returncode, res.stderr) == (
        1, f"yuntai: cannot create the folder for the database {blocker}/sub/y.db: Not a directory\n")


@pytest.mark.parametrize(
    ("url", "shown", "module"),
    [
        ("mysql://bot:s3cret@127.0.0.1/yuntai", "mysql://bot:***@127.0.0.1/yuntai", "MySQLdb"),
        ("postgresql+pg8000://bot@127.0.0.1:5432/yuntai", "postgresql+pg8000://bot@127.0.0.1:5432/yuntai", "pg8000"),
        ("postgresql+asyncpg://bot:s3cret@127.0.0.1/yuntai", "postgresql+asyncpg://bot:***@127.0.0.1/yuntai",
         "asyncpg"),
    ],
)
def test_a_missing_database_driver_is_named_without_the_password(tmp_path, url, shown, module):
    res = run(tmp_path, {"HOME": str(tmp_path), "DATABASE_URL": url}, "kb", "list", "models")
    assert res.returncode == 1
    assert res.stderr == f"yuntai: no driver installed for {shown}: {module}\n"
    assert "s3cret" not in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / ".local").exists(), "no fallback to the default SQLite file"

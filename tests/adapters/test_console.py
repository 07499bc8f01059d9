"""The console adapter, driven through its input and output streams."""

from __future__ import annotations

import io
import os
import sqlite3

import pytest

from adapters.console import run_console
from adapters.wiring import build_app
from bot.config import Settings
from helpers import zygote
from helpers.seeded_db import seeded_copy


@pytest.fixture
def app(tmp_path):
    return build_app(Settings(database_url=seeded_copy(tmp_path / 'c.db')), fetch=False)


def converse(app, *lines: str) -> str:
    out = io.StringIO()
    assert run_console(app.chat, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue()


def test_help_and_commands(app):
    out = converse(app, "/help")
    assert "/check" in out and "/model" in out and "/help" in out


def test_pasting_a_bare_link_runs_check_and_stores_under_console_local(app, tmp_path):
    out = converse(app, "look: https://youtu.be/dQw4w9WgXcQ Sora 2 - a woman eating ramen")
    assert "Verdict:" in out and "Sora 2" in out
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT community_id FROM check_record").fetchall() == [("console:local",)]


def test_check_command_with_options(app):
    out = converse(app, "/check https://vimeo.com/76979871 --model 'Kling 1.6' workflow:image-to-video a cat")
    assert "Kling 1.x (from the user)" in out and "image-to-video (from the user)" in out


def test_model_report_and_list(app):
    out = converse(app, "/model Sora 2", "/model")
    assert "Weak spots" in out and "Models I know" in out


def test_bad_input_is_answered_politely_and_the_session_goes_on(app):
    out = converse(app, "/check", "/check http://127.0.0.1/", "/model Banana Diffusion", "/frob",
                   "/check https://youtu.be/dQw4w9WgXcQ --model", "hello there", "\x00\x01", "/help")
    assert out.count("Sorry:") >= 5
    assert "Traceback" not in out
    assert out.rstrip().endswith("Or paste a clip link on its own and I'll check it.")


def test_quit_and_eof(app):
    out = converse(app, "/quit", "/help")
    assert "/check" not in out.split("Yuntai console.", 1)[1]


def test_yuntai_chat_through_a_pipe(tmp_path):
    """A `yuntai chat` process (forked by the zygote) reading its stdin from a pipe."""
    env = {**os.environ, "DATABASE_URL": seeded_copy(tmp_path / 'p.db'), "YUNTAI_FETCH": "off"}
    res = zygote.run(["chat"], input="https://youtu.be/dQw4w9WgXcQ veo 3 drone shot over a forest\n", timeout=60,
                     env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Verdict:" in res.stdout


def test_caption_words_with_dots_are_not_taken_for_the_link(app):
    out = converse(app, "/check Sora 2. A woman eating noodles. https://youtu.be/dQw4w9WgXcQ")
    assert "Verdict:" in out and "Sora 2" in out
    out = converse(app, "/check ftp://example.com/clip.mp4 nice")
    assert "Sorry:" in out and "http" in out


def test_digest_preview_in_the_console(app):
    out = converse(app, "https://youtu.be/dQw4w9WgXcQ Sora 2 - a woman eating ramen", "/digest preview", "/digest post")
    assert "Digest preview for console:local" in out and "1 clip checks" in out
    assert "/digest needs one of: preview. 'post' is not one of them." in out

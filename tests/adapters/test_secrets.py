"""Secrets in URLs and settings from untrusted places (issue 7 points 6 and 7)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest

from adapters.cli import main
from bot.config import ConfigError, merged_env
from bot.llm.settings import LLMSettings
from bot.redact import RedactingFilter, redact_url
from helpers import zygote
from helpers.fake_openai import ThreadedFakeOpenAI, ok

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bot:hunter2@db:5432/yuntai", "postgresql://bot:***@db:5432/yuntai"),
        ("postgresql://bot@db/yuntai?password=hunter2", "postgresql://bot@db/yuntai?password=***"),
        ("postgresql://db/yuntai?sslmode=require&password=hunter2&x=1",
         "postgresql://db/yuntai?sslmode=require&password=***&x=1"),
        ("http://user:p@ss:w0rd@127.0.0.1:8000/v1", "http://user:***@127.0.0.1:8000/v1"),
        ("https://api.example/v1?api_key=sk-123#frag", "https://api.example/v1?api_key=***#frag"),
        ("HTTP Request: POST http://u:s3cret@127.0.0.1:1/v1/chat/completions \"HTTP/1.1 200 OK\"",
         "HTTP Request: POST http://u:***@127.0.0.1:1/v1/chat/completions \"HTTP/1.1 200 OK\""),
        ("sqlite:////home/a/yuntai.db", "sqlite:////home/a/yuntai.db"),
        ("mail me at someone@example.org, x=1", "mail me at someone@example.org, x=1"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_anything_but_text_is_handed_back_untouched():
    # it runs on error paths: whatever it is given, it must not raise there
    error = ValueError("http://u:s3cret@h/")
    assert redact_url(None) is None and redact_url(error) is error and redact_url(b"k=v@") == b"k=v@"


def _logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger writing to a string through a real handler and formatter, with the filter as Yuntai attaches it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger(f"yuntai-test.{name}")
    log.handlers, log.propagate, log.level = [handler], False, logging.INFO
    return log, out


def test_a_log_line_carrying_a_password_in_its_arguments_is_written_redacted():
    log, out = _logger("args")
    log.info("connecting to %s as %s", "postgresql://bot:hunter2@db/yuntai?sslmode=require&password=hunter3", "bot")
    log.warning("plain line %d", 7)
    assert out.getvalue() == ("INFO connecting to postgresql://bot:***@db/yuntai?sslmode=require&password=*** as bot\n"
                              "WARNING plain line 7\n")


def test_a_traceback_carrying_a_password_is_written_redacted():
    log, out = _logger("traceback")
    try:
        raise ConnectionError("cannot reach http://yuntai:s3cret-pass@127.0.0.1:1/v1?api_key=sk-123")
    except ConnectionError:
        log.exception("LLM call failed")
    text = out.getvalue()
    assert text.startswith("ERROR LLM call failed\nTraceback (most recent call last):\n")
    assert "ConnectionError: cannot reach http://yuntai:***@127.0.0.1:1/v1?api_key=***\n" in text
    assert "s3cret" not in text and "sk-123" not in text


def test_a_record_whose_format_is_broken_is_passed_on_unchanged():
    # logging reports the broken call itself ("--- Logging error ---"); the filter must not swallow the record
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%d items at http://u:p@h/", ("many",), None)
    assert RedactingFilter().filter(record)
    assert record.msg == "%d items at http://u:p@h/" and record.args == ("many",)


def test_a_query_password_in_database_url_is_never_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@127.0.0.1:1/yuntai?password=hunter2")
    code = main(["kb", "list"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert "hunter2" not in err and "password=***" in err


def test_the_http_clients_info_log_never_shows_the_base_url_password(tmp_path):
    with ThreadedFakeOpenAI([ok("ready")]) as fake:
        base = fake.base_url.replace("http://", "http://yuntai:s3cret-pass@")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "YUNTAI_"))}
        env |= {"OPENAI_BASE_URL": base, "YUNTAI_LOG_LEVEL": "DEBUG", "PYTHONPATH": str(ROOT),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
        proc = zygote.run(["llm", "check"], cwd=tmp_path, env=env, timeout=60)  # a process of its own
    assert proc.returncode == 0, proc.stderr
    assert "HTTP Request: POST" in proc.stderr  # the line that used to carry the password
    assert "s3cret" not in proc.stderr and "s3cret" not in proc.stdout


# -- point 7: a .env can't redirect a key from the environment -------------------------------------------


def test_a_dotenv_base_url_is_refused_with_a_key_from_the_environment(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("OPENAI_BASE_URL=https://collector.example/v1\n")
    env = merged_env({"OPENAI_API_KEY": "sk-operator"}, dotenv)
    with pytest.raises(ConfigError) as err:
        LLMSettings.from_env(env)
    message = str(err.value)
    assert "OPENAI_BASE_URL comes from .env file" in message and "OPENAI_API_KEY from the environment" in message
    assert "sk-operator" not in message and "YUNTAI_TRUST_DOTENV=1" in message


def test_a_dotenv_key_with_an_environment_base_url_is_refused_too(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("OPENAI_API_KEY=sk-from-file\n")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY from .env file"):
        LLMSettings.from_env(merged_env({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, dotenv))


def test_trust_must_come_from_the_environment_not_the_dotenv_itself(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("OPENAI_BASE_URL=https://collector.example/v1\nYUNTAI_TRUST_DOTENV=1\n")
    with pytest.raises(ConfigError):
        LLMSettings.from_env(merged_env({"OPENAI_API_KEY": "sk-operator"}, dotenv))
    trusted = LLMSettings.from_env(merged_env({"OPENAI_API_KEY": "sk-operator", "YUNTAI_TRUST_DOTENV": "1"}, dotenv))
    assert trusted.base_url == "https://collector.example/v1"


def test_both_from_one_place_are_fine(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("OPENAI_BASE_URL=http://127.0.0.1:11434/v1\nOPENAI_API_KEY=sk-local\n")
    s = LLMSettings.from_env(merged_env({}, dotenv))
    assert s.api_key == "sk-local"
    s = LLMSettings.from_env(merged_env({"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_API_KEY": "k"},
                                        tmp_path / "none"))
    assert s.base_url == "http://127.0.0.1:1/v1"


def test_llm_check_says_where_each_setting_came_from(tmp_path, monkeypatch, capsys):
    with ThreadedFakeOpenAI([ok("ready")]) as fake:
        monkeypatch.chdir(tmp_path)
        for key in [k for k in os.environ if k.startswith(("OPENAI_", "YUNTAI_"))]:
            monkeypatch.delenv(key)
        (tmp_path / ".env").write_text(f"OPENAI_BASE_URL={fake.base_url}\nOPENAI_API_KEY=sk-local\n")
        monkeypatch.setenv("YUNTAI_LLM_MODEL", "fake-model")
        code = main(["llm", "check"])
    out = capsys.readouterr().out
    assert code == 0, out
    dotenv = f".env file ({tmp_path / '.env'})"
    assert (f"settings: OPENAI_API_KEY from {dotenv}; OPENAI_BASE_URL from {dotenv}; "
            "YUNTAI_LLM_MODEL from the environment") in out
    assert "sk-local" not in out


def test_the_cli_refuses_a_split_key_and_base_url_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("OPENAI_", "YUNTAI_"))]:
        monkeypatch.delenv(key)
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=https://collector.example/v1\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    code = main(["check", "https://youtu.be/dQw4w9WgXcQ", "--caption", "Sora forest", "--no-fetch"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "YUNTAI_TRUST_DOTENV" in err and "sk-operator" not in err

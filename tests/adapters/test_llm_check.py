"""`yuntai llm check` against the loopback fake server: configuration shown, one call, one line of result."""

from __future__ import annotations

import io

import pytest

from adapters.llm_check import llm_check
from bot.llm.settings import LLMSettings
from helpers.fake_openai import ThreadedFakeOpenAI, error, ok


def check(settings: LLMSettings) -> tuple[int, str]:
    out = io.StringIO()
    code = llm_check(settings, out)
    return code, out.getvalue()


def test_not_configured():
    code, text = check(LLMSettings())
    assert code == 0 and "not configured: the template summarizer answers" in text


def test_success_reports_latency_and_tokens_never_the_key():
    with ThreadedFakeOpenAI([ok("ready")]) as fake:
        code, text = check(LLMSettings(api_key="sk-very-secret", base_url=fake.base_url, model="llama3"))
        assert fake.count == 1
    assert code == 0
    assert "127.0.0.1" in text and "llama3" in text and "deadline: 10 s" in text and "200,000" in text
    assert "test call OK" in text and "160 tokens" in text
    assert "sk-very-secret" not in text


@pytest.mark.parametrize(("reply", "expected"), [
    (error(401), "check OPENAI_API_KEY"),
    (error(404), "check YUNTAI_LLM_MODEL"),
])
def test_failure_is_one_classified_line(reply, expected):
    with ThreadedFakeOpenAI([reply]) as fake:
        code, text = check(LLMSettings(base_url=fake.base_url))
    assert code == 1
    last = text.strip().splitlines()[-1]
    assert last.startswith("test call failed:") and expected in last


def test_unreachable_server():
    code, text = check(LLMSettings(base_url="http://127.0.0.1:9/v1", deadline=1.0))
    assert code == 1 and "cannot reach the LLM server" in text


def test_from_env_rejects_bad_numbers():
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="YUNTAI_LLM_DEADLINE"):
        LLMSettings.from_env({"YUNTAI_LLM_DEADLINE": "soon"})
    with pytest.raises(ConfigError, match="YUNTAI_LLM_DAILY_TOKENS"):
        LLMSettings.from_env({"YUNTAI_LLM_DAILY_TOKENS": "-1"})
    s = LLMSettings.from_env({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "YUNTAI_LLM_DAILY_TOKENS": "50_000",
                              "OPENAI_API_KEY": "sk-x"})
    assert s.configured and s.daily_token_budget == 50_000 and "sk-x" not in repr(s)
    assert not LLMSettings.from_env({}).configured




def test_the_check_makes_one_call_without_retries():
    with ThreadedFakeOpenAI([error(500), ok("ready")]) as fake:
        code, text = check(LLMSettings(base_url=fake.base_url))
        assert fake.count == 1
    assert code == 1 and "failed (500)" in text


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1", "http://[::1/v1", "http://127.0.0.1:port/v1",
                                 "http:///v1", "ftp://127.0.0.1/v1"])
def test_from_env_rejects_a_malformed_base_url(url):
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        LLMSettings.from_env({"OPENAI_BASE_URL": url})


@pytest.mark.parametrize("key", ["sk-SECRET\u2019KEY123", "sk-SECRET KEY\r\nX-Evil: 1", "sk-SECRET\x00KEY",
                                 "sk-SECRET\u200bKEY", "sk-SECRETKÉY"])
def test_from_env_rejects_keys_with_control_or_non_ascii_characters_without_echoing_them(key):
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as info:
        LLMSettings.from_env({"OPENAI_API_KEY": key})
    assert "SECRET" not in str(info.value)
    assert LLMSettings.from_env({"OPENAI_API_KEY": "sk-proj-AbC_123-xyz"}).api_key == "sk-proj-AbC_123-xyz"

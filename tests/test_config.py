"""Settings: environment over .env, clear errors, secrets kept out of repr."""

from __future__ import annotations

import pytest

from adapters.cli import main
from bot.config import ConfigError, Settings


def test_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nexport DATABASE_URL='sqlite:///from-file.db'\nYUNTAI_FETCH=off\n"
                      "DISCORD_TOKEN=secret-token\n")
    s = Settings.from_env({"DATABASE_URL": "sqlite:///from-env.db"}, dotenv)
    assert s.database_url == "sqlite:///from-env.db"
    assert s.fetch_enabled is False
    assert "secret-token" not in repr(s)


@pytest.mark.parametrize(("key", "value"), [("YUNTAI_FETCH_TIMEOUT", "soon"), ("YUNTAI_METADATA_TTL_HOURS", "-1")])
def test_bad_numbers_name_the_variable(tmp_path, key, value):
    with pytest.raises(ConfigError, match=key):
        Settings.from_env({key: value}, tmp_path / "none")


def test_cli_reports_a_bad_setting_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("YUNTAI_FETCH_TIMEOUT", "soon")
    assert main(["check", "https://youtu.be/dQw4w9WgXcQ", "--caption", "Sora"]) == 1
    err = capsys.readouterr().err
    assert "YUNTAI_FETCH_TIMEOUT" in err and err.count("\n") == 1

"""Settings: environment over .env, clear errors, secrets kept out of repr."""

from __future__ import annotations

from pathlib import Path

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


# -- issue 7: bounds, and the README table that states them -----------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.split("## Configuration", 1)[1].splitlines():
        if line.startswith("| `"):
            rows[line.split("`")[1]] = line
    return rows


def test_the_readme_table_lists_every_setting_of_env_example_with_its_bound():
    rows = _readme_rows()
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert names - {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} <= set(rows)
    assert "at most 120 seconds" in rows["YUNTAI_FETCH_TIMEOUT"]
    assert "at most 8760" in rows["YUNTAI_METADATA_TTL_HOURS"]
    assert "at most 120 seconds" in rows["YUNTAI_LLM_DEADLINE"]
    assert "0 to 1,000,000,000" in rows["YUNTAI_LLM_DAILY_TOKENS"]


@pytest.mark.parametrize(
    ("key", "inside", "outside"),
    [
        ("YUNTAI_FETCH_TIMEOUT", "120", "120.01"),
        ("YUNTAI_METADATA_TTL_HOURS", "8760", "8760.5"),
    ],
)
def test_the_bounds_the_readme_states_are_the_ones_enforced(tmp_path, key, inside, outside):
    Settings.from_env({key: inside}, tmp_path / "none")
    with pytest.raises(ConfigError, match=key):
        Settings.from_env({key: outside}, tmp_path / "none")


def test_the_shipped_env_example_is_a_valid_configuration(tmp_path):
    s = Settings.from_env({}, ROOT / ".env.example")
    assert s.fetch_enabled and s.fetch_timeout == 8 and s.database_url is None

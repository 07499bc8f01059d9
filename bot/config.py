"""Settings from the environment. Secrets are read here and nowhere else, and never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CONSOLE_COMMUNITY = "console:local"


def _load_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines from .env so an operator can keep settings next to the checkout.

    Real environment variables always win over the file.
    """
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def merged_env(environ: dict[str, str] | None = None, dotenv: Path | None = None) -> dict[str, str]:
    """The `.env` file overlaid by the real environment: what every settings reader should see."""
    env = dict(_load_dotenv(dotenv or Path.cwd() / ".env"))
    env.update(os.environ if environ is None else environ)
    return env


class EnvReader:
    """Typed reads of settings with one-line errors that name the variable (never a secret's value)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def get(self, key: str) -> str | None:
        value = (self.env.get(key) or "").strip()
        return value or None

    def number(self, key: str, default: float, *, maximum: float | None = None, unit: str = "") -> float:
        raw = self.get(key)
        if raw is None:
            return default
        what = f"a number{' of ' + unit if unit else ''}"
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{key} must be {what}, not {raw!r}") from None
        if value <= 0 or (maximum is not None and value > maximum):
            limit = f" and at most {maximum:g}" if maximum is not None else ""
            raise ConfigError(f"{key} must be more than 0{limit}")
        return value

    def integer(self, key: str, default: int, *, unit: str = "") -> int:
        raw = self.get(key)
        if raw is None:
            return default
        try:
            value = int(raw.replace("_", "").replace(",", ""))
        except ValueError:
            raise ConfigError(f"{key} must be a whole number{' of ' + unit if unit else ''}, not {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{key} must be zero or more")
        return value


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    fetch_enabled: bool = True
    fetch_timeout: float = 8.0
    metadata_ttl_hours: float = 24.0
    log_level: str = "WARNING"
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    llm_model: str | None = None
    discord_token: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        env = EnvReader(merged_env(environ, dotenv))
        get, number = env.get, env.number

        return cls(
            database_url=get("DATABASE_URL"),
            fetch_enabled=(get("YUNTAI_FETCH") or "on").lower() not in {"0", "off", "false", "no"},
            fetch_timeout=number("YUNTAI_FETCH_TIMEOUT", 8.0),
            metadata_ttl_hours=number("YUNTAI_METADATA_TTL_HOURS", 24.0),
            log_level=(get("YUNTAI_LOG_LEVEL") or "WARNING").upper(),
            openai_api_key=get("OPENAI_API_KEY"),
            openai_base_url=get("OPENAI_BASE_URL"),
            llm_model=get("YUNTAI_LLM_MODEL"),
            discord_token=get("DISCORD_TOKEN"),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
        )


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable, never its value if secret."""

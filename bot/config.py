"""Settings from the environment. Secrets are read here and nowhere else, and never logged."""

from __future__ import annotations

import math
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


ENVIRONMENT = "the environment"
TRUST_DOTENV = "YUNTAI_TRUST_DOTENV"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ON, _OFF = {"1", "on", "true", "yes"}, {"0", "off", "false", "no"}

# Bounds on every number a setting can hold (the README's configuration table states them).
FETCH_TIMEOUT_MAX = 120.0  # seconds: a page read longer than two minutes is a stuck check, not a slow site
METADATA_TTL_MAX = 24.0 * 365  # hours: a year
LLM_DEADLINE_MAX = 120.0  # seconds for one summary; a member is waiting
DAILY_TOKENS_MAX = 1_000_000_000


class MergedEnv(dict[str, str]):
    """Settings as one mapping, remembering where each value came from.

    The origin matters for trust: a `.env` lying in whatever folder the bot was started from must
    not be able to redirect a key that came from the operator's environment.
    """

    def __init__(self, values: Mapping[str, str], origins: Mapping[str, str]) -> None:
        super().__init__(values)
        self.origins = dict(origins)

    def origin(self, key: str) -> str | None:
        """ENVIRONMENT, ".env file (PATH)", or None when unset."""
        return self.origins.get(key) if key in self else None


def merged_env(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> MergedEnv:
    """The `.env` file overlaid by the real environment: what every settings reader should see."""
    path = dotenv or Path.cwd() / ".env"
    from_file = _load_dotenv(path)
    real = os.environ if environ is None else environ
    origins = dict.fromkeys(from_file, f".env file ({path})") | dict.fromkeys(real, ENVIRONMENT)
    return MergedEnv(from_file | dict(real), origins)


def dotenv_trusted(env: Mapping[str, str]) -> bool:
    """YUNTAI_TRUST_DOTENV=1 counts only when it comes from the real environment (a .env can't vouch for itself)."""
    origin = env.origin(TRUST_DOTENV) if isinstance(env, MergedEnv) else ENVIRONMENT
    return origin == ENVIRONMENT and (env.get(TRUST_DOTENV) or "").strip() == "1"


class EnvReader:
    """Typed reads of settings with one-line errors that name the variable (never a secret's value)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def get(self, key: str) -> str | None:
        value = (self.env.get(key) or "").strip()
        return value or None

    def number(self, key: str, default: float, *, maximum: float, unit: str = "") -> float:
        """A finite number in (0, maximum]: inf would let a slow page hold a check forever, nan breaks
        every comparison silently."""
        raw = self.get(key)
        if raw is None:
            return default
        what = f"a number{' of ' + unit if unit else ''}"
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{key} must be {what}, not {raw[:40]!r}") from None
        if not math.isfinite(value) or value <= 0 or value > maximum:
            raise ConfigError(f"{key} must be {what} more than 0 and at most {maximum:g}, not {raw[:40]!r}")
        return value

    def integer(self, key: str, default: int, *, maximum: int, unit: str = "") -> int:
        raw = self.get(key)
        if raw is None:
            return default
        what = f"a whole number{' of ' + unit if unit else ''}"
        try:
            value = int(raw.replace("_", "").replace(",", ""))
        except ValueError:
            raise ConfigError(f"{key} must be {what}, not {raw[:40]!r}") from None
        if not 0 <= value <= maximum:
            raise ConfigError(f"{key} must be {what} from 0 to {maximum:,}")
        return value

    def switch(self, key: str, default: bool) -> bool:
        raw = self.get(key)
        if raw is None:
            return default
        if raw.lower() in _ON | _OFF:
            return raw.lower() in _ON
        raise ConfigError(f"{key} must be on or off, not {raw[:40]!r}")

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        raw = (self.get(key) or default).upper()
        if raw not in choices:
            raise ConfigError(f"{key} must be one of {', '.join(choices)}")
        return raw

    def database_url(self, key: str = "DATABASE_URL") -> str | None:
        """Parsed once here so a typo is a configuration error naming the variable, never "unexpected"."""
        raw = self.get(key)
        if raw is None:
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(raw)
            port = parts.port  # ValueError for "abc" or 99999
        except ValueError:
            raise ConfigError(f"{key} has a malformed host or port (expected e.g. "
                              "postgresql://user@host:5432/yuntai or sqlite:///path/yuntai.db)") from None
        if not parts.scheme or "://" not in raw:
            raise ConfigError(f"{key} is not a database URL (expected e.g. postgresql://user@host:5432/yuntai "
                              "or sqlite:///path/yuntai.db)")
        if port == 0:
            raise ConfigError(f"{key} has port 0; use the server's real port (Postgres: 5432)")
        return raw


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
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        env = EnvReader(merged_env(environ, dotenv))
        get, number = env.get, env.number

        return cls(
            database_url=env.database_url(),
            fetch_enabled=env.switch("YUNTAI_FETCH", True),
            fetch_timeout=number("YUNTAI_FETCH_TIMEOUT", 8.0, maximum=FETCH_TIMEOUT_MAX, unit="seconds"),
            metadata_ttl_hours=number("YUNTAI_METADATA_TTL_HOURS", 24.0, maximum=METADATA_TTL_MAX, unit="hours"),
            log_level=env.choice("YUNTAI_LOG_LEVEL", "WARNING", LOG_LEVELS),
            openai_api_key=get("OPENAI_API_KEY"),
            openai_base_url=get("OPENAI_BASE_URL"),
            llm_model=get("YUNTAI_LLM_MODEL"),
            discord_token=get("DISCORD_TOKEN"),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
        )


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable, never its value if secret."""

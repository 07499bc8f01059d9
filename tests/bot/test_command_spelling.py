"""Commands named in core messages follow the asker's platform: `/kb add` on Discord and the console,
`/yuntai kb add` on Slack (where every command is a subcommand of the app's one slash command)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from adapters.text_render import render
from adapters.wiring import build_app
from bot.config import Settings
from bot.policy import Requester
from bot.signals import UnknownModel
from bot.spelling import spell, unknown_model
from helpers.seeded_db import seeded_copy

SLACK = "/yuntai "


@pytest.fixture
def core(tmp_path: Path) -> Any:
    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'spell.db')), fetch=False)
    yield app
    app.close()


def ask(core: Any, text: str, prefix: str | None = None) -> str:
    facts = {} if prefix is None else {"command_prefix": prefix}
    who = Requester("discord:1", "U1", platform_admin=True, **facts)

    async def main() -> str:
        try:
            return render(await core.chat.handle_command_text(text, who), **({} if prefix is None else
                                                                            {"prefix": prefix}))
        finally:
            await core.aclose()

    return asyncio.run(main())


def test_spell_joins_a_path_after_the_prefix() -> None:
    assert spell(("kb", "add")) == "/kb add"
    assert spell("kb add claim", SLACK) == "/yuntai kb add claim"


@pytest.mark.parametrize("suggestions", [[], ["Sora", "Sora 2"]])
def test_unknown_model_says_what_signals_says_on_discord(suggestions: list[str]) -> None:
    assert unknown_model("sorra", suggestions) == str(UnknownModel("sorra", suggestions))


def test_a_requester_without_a_prefix_reads_slash_commands_as_discord_and_the_console_have_them(core: Any) -> None:
    assert ask(core, "kb update claim sora walking strength https://example.com/a").endswith(
        "no claim of its own on Sora x walking yet; use /kb add claim.")


def test_slack_spelling_reaches_curation_parsing_policy_and_unknown_models(core: Any) -> None:
    assert ask(core, "kb update claim sora walking strength https://example.com/a", SLACK).endswith(
        "use /yuntai kb add claim.")
    assert ask(core, "digest preview extra", SLACK) == (
        "Sorry: I didn't understand 'extra' in /yuntai digest preview. Usage: /yuntai digest preview")
    assert ask(core, "model nosuchthing", SLACK) == (
        "Sorry: I don't know a model called 'nosuchthing'. Try /yuntai model to list them.")
    assert ask(core, "check https://example.org/v/1 model:nosuchthing", SLACK).endswith(
        "Try /yuntai model to list them.")
    assert ask(core, "nosuch", SLACK) == "Sorry: I don't know /yuntai nosuch. Try /yuntai help."


def test_usage_in_a_syntax_error_names_the_whole_command_path(core: Any) -> None:
    assert ask(core, "digest preview extra") == "Sorry: I didn't understand 'extra' in /digest preview. " \
                                                "Usage: /digest preview"

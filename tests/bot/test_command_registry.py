"""The registry's own promises: every command has a handler and help, every reply a renderer everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.json_render import JSON_RENDERERS
from adapters.text_render import RENDERERS
from bot.commands import REGISTRY
from bot.registry import Command, Option, OptionKind, Registry
from bot.replies import REPLY_TYPES


def test_every_command_has_a_handler_help_and_matching_args():
    assert REGISTRY.problems() == []


def test_a_broken_definition_is_reported():
    @dataclass(frozen=True)
    class Args:
        name: str

    broken = Registry((
        Command("nohandler", "does nothing", args=None),
        Command("nohelp", "x", (Option("name", OptionKind.STR, " "),), handler=lambda c, a: None, args=Args),
        Command("mismatch", "x", (Option("other", OptionKind.STR, "h"),), handler=lambda c, a: None, args=Args),
    ))
    problems = "\n".join(broken.problems())
    assert "/nohandler has no handler" in problems
    assert "/nohelp option name has no help text" in problems
    assert "/mismatch: args fields ['name'] != options ['other']" in problems


def test_every_reply_type_has_a_text_and_a_json_renderer():
    assert set(REPLY_TYPES) <= set(RENDERERS), set(REPLY_TYPES) - set(RENDERERS)
    assert set(REPLY_TYPES) <= set(JSON_RENDERERS), set(REPLY_TYPES) - set(JSON_RENDERERS)


def test_an_unknown_reply_type_is_an_error_not_str():
    import pytest

    from adapters.json_render import to_json
    from adapters.text_render import render

    class Stray:
        pass

    with pytest.raises(TypeError):
        render(Stray())
    with pytest.raises(TypeError):
        to_json(Stray())


def test_usage_lines_come_from_the_definitions():
    leaves = dict(REGISTRY.leaves())
    assert leaves[("check",)].usage() == "/check <link> [caption] [model:…] [workflow:…]"
    assert leaves[("digest", "preview")].usage(parents=("digest",)) == "/digest preview"


def test_two_options_taking_the_rest_of_the_words_is_a_problem() -> None:
    from bot.registry import Command, Option, OptionKind, Registry

    async def handler(ctx, args):  # type: ignore[no-untyped-def]
        return None

    bad = Command("note", "Two free texts.", (Option("a", OptionKind.TEXT, "first"),
                                              Option("b", OptionKind.TEXT, "second")), handler=handler)
    assert any("only one option may take the rest" in p for p in Registry((bad,)).problems())


def test_check_offers_the_caption_right_after_the_link() -> None:
    """Discord shows options in definition order: the issue wants link, caption, then model and workflow."""
    assert [o.name for o in REGISTRY.resolve(("check",)).options] == ["link", "caption", "model", "workflow"]


def test_every_kind_of_definition_mistake_is_named_with_its_command() -> None:
    import pytest

    @dataclass(frozen=True)
    class Args:
        name: str

    async def handler(ctx, args):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(ValueError, match="^option colour is a choice without choices$"):
        Option("colour", OptionKind.CHOICE, "a colour")
    with pytest.raises(ValueError, match=r"^command names repeat: \['a', 'a'\]$"):
        Registry((Command("a", "x", handler=handler), Command("a", "y", handler=handler)))
    broken = Registry((
        Command("blank", " ", handler=handler),
        Command("twice", "x", (Option("name", OptionKind.STR, "h"), Option("name", OptionKind.STR, "h")),
                handler=handler, args=Args),
        Command("noargs", "x", (Option("name", OptionKind.STR, "h"),), handler=handler),
        Command("notdata", "x", (Option("name", OptionKind.STR, "h"),), handler=handler, args=str),
        Command("grp", "x", subcommands=(Command("leaf", "y", handler=handler),), default_sub="gone",
                handler=handler),
    ))
    assert broken.problems() == [
        "/blank has no summary",
        "/twice repeats an option name",
        "/noargs has options but no args dataclass",
        "/notdata has options but no args dataclass",
        "/grp: default subcommand gone does not exist",
        "/grp is a group and cannot have a handler of its own",
    ]
    nested = Registry((Command("grp", "x", subcommands=(Command("leaf", " ", handler=handler),)),))
    assert nested.problems() == ["/grp leaf has no summary"]
    assert nested.get("grp").name == "grp" and nested.get("leaf") is None
    assert nested.resolve(("grp",)) is None and nested.resolve(("grp", "leaf")).summary == " "
    assert Option("colour", OptionKind.CHOICE, "a colour", choices=("red",)).choices == ("red",)

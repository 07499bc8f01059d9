"""The dispatcher and the policy: rights decided in the core, refusals that change nothing, watched channels."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.chat import APOLOGY, ChatCore
from bot.commands import REGISTRY
from bot.context import Services
from bot.policy import AccessPolicy, CommunitySettings, Requester
from bot.reports import ModelReports
from bot.results import CheckResult, ErrorResult, HelpResult, UsageResult
from bot.service import CheckService
from helpers.memory_ports import MemorySettings
from tests.conftest import FixedKnowledge, make_tiny_kb

YT = "https://youtu.be/dQw4w9WgXcQ"


class Log:
    def __init__(self) -> None:
        self.rows: list = []

    def record_checks(self, records) -> None:
        self.rows.extend(records)


class Usage:
    calls = 0

    def __call__(self, community_id: str):
        Usage.calls += 1
        return self

    def lines(self):
        return ["LLM summaries: 12 of 1,000 tokens"]


def core(*settings: CommunitySettings, log: Log | None = None) -> ChatCore:
    checks = CheckService(FixedKnowledge(make_tiny_kb()), check_log=log)
    services = Services(checks, ModelReports(checks), usage=Usage(), settings=MemorySettings(*settings), fetch=False)
    return ChatCore(REGISTRY, services)


def run(coro):
    return asyncio.run(coro)


def test_a_member_is_refused_an_admin_command_with_a_clear_reply_and_a_log_line(caplog):
    chat = core()
    member = Requester("discord:1", "u1", roles=("r-artist",))
    Usage.calls = 0
    with caplog.at_level(logging.INFO, logger="bot.chat"):
        reply = run(chat.handle_text("/usage", member))
    assert isinstance(reply, ErrorResult) and reply.message == "/usage is for this community's admins."
    assert Usage.calls == 0  # the handler never ran
    assert "refused /usage for u1 in discord:1" in caplog.text


@pytest.mark.parametrize("who", [
    Requester("discord:1", "owner", platform_admin=True),
    Requester("discord:1", "named"),  # named by the community's settings
    Requester("discord:1", "mod", roles=("r-mod",)),  # holds an admin role
])
def test_admins_come_from_platform_facts_or_the_communitys_settings(who):
    chat = core(CommunitySettings("discord:1", admins=frozenset({"named"}), admin_roles=frozenset({"r-mod"})))
    assert isinstance(run(chat.handle_text("/usage", who)), UsageResult)


def test_settings_are_per_community():
    chat = core(CommunitySettings("discord:1", admins=frozenset({"named"})))
    reply = run(chat.handle_text("/usage", Requester("discord:2", "named")))
    assert isinstance(reply, ErrorResult)


def test_help_shows_admin_commands_to_admins_only():
    chat = core()
    member = run(chat.handle_text("/help", Requester("c", "u")))
    admin = run(chat.handle_text("/help", Requester("c", "u", platform_admin=True)))
    assert isinstance(member, HelpResult) and isinstance(admin, HelpResult)
    assert not any(u.startswith("/usage") for u, _ in member.lines)
    assert any(u.startswith("/usage") for u, _ in admin.lines)


def test_pasted_links_are_read_only_in_watched_channels_and_direct_conversations():
    log = Log()
    chat = core(CommunitySettings("slack:T1", watched_channels=frozenset({"C-watched"})), log=log)
    text = f"look {YT} Sora: a woman eating noodles"
    assert run(chat.handle_text(text, Requester("slack:T1", "u", channel_id="C-other"))) is None
    assert run(chat.handle_text(text, Requester("slack:T1", "u"))) is None
    assert log.rows == []
    watched = run(chat.handle_text(text, Requester("slack:T1", "u", channel_id="C-watched")))
    direct = run(chat.handle_text(text, Requester("slack:T1", "u", direct=True)))
    assert isinstance(watched, CheckResult) and isinstance(direct, CheckResult)
    assert watched.signals.model.id == "sora" and len(log.rows) == 2
    # /check is a command, not a pasted link: it works in any channel
    assert isinstance(run(chat.handle_text(f"/check {YT}", Requester("slack:T1", "u", channel_id="C-other"))),
                      CheckResult)


def test_structured_options_are_checked_like_typed_ones():
    chat = core()
    who = Requester("discord:1", "u")
    bad = run(chat.invoke(("check",), {"link": YT, "workflow": "sideways"}, who))
    assert isinstance(bad, ErrorResult) and "not a workflow I know" in bad.message
    unknown = run(chat.invoke(("check",), {"link": YT, "colour": "red"}, who))
    assert isinstance(unknown, ErrorResult) and "no option 'colour'" in unknown.message
    ok = run(chat.invoke(("check",), {"link": YT, "model": "Kling 1.6", "caption": "a cat"}, who))
    assert isinstance(ok, CheckResult) and ok.signals.model.id == "kling-1"


def test_a_handler_that_breaks_gets_the_generic_apology_and_the_operator_gets_the_traceback(caplog):
    chat = core()

    async def boom(*args):
        raise RuntimeError("disk on fire")

    chat.services.checks.check = boom  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        reply = run(chat.handle_text(f"/check {YT}", Requester("c", "u")))
    assert isinstance(reply, ErrorResult)
    assert reply.message == "Something went wrong on my side; the operator has the details."
    assert "disk on fire" in caplog.text


def test_echoed_input_carries_no_control_characters():
    reply = run(core().handle_text("/\x1b[2Jfrob", Requester("c", "u")))
    assert isinstance(reply, ErrorResult) and "\x1b" not in reply.message and "frob" in reply.message


def test_policy_actor_carries_the_decision():
    p = AccessPolicy()
    s = CommunitySettings("c", admins=frozenset({"a"}))
    assert p.actor(Requester("c", "a"), s).is_admin and not p.actor(Requester("c", "b"), s).is_admin


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_message_gets_no_answer(text):
    assert run(core().handle_text(text, Requester("discord:1", "u1", direct=True))) is None


@pytest.mark.parametrize("text", ["/" + "x" * 25_000, "y" * 25_001])
def test_a_message_over_25000_characters_is_refused_unread_with_its_length(text):
    reply = run(core().handle_text(text, Requester("discord:1", "u1", direct=True)))
    assert reply == ErrorResult("That message is 25,001 characters long; I read at most 25,000.")


def test_a_message_of_exactly_25000_characters_is_read():
    reply = run(core().handle_text("/help " + "x" * (25_000 - 6), Requester("discord:1", "u1", direct=True)))
    assert not (isinstance(reply, ErrorResult) and "characters long" in reply.message)


def test_an_option_given_twice_is_refused_in_chat():
    reply = run(core().handle_text(f"/check {YT} model:sora model:kling", Requester("discord:1", "u1", direct=True)))
    assert reply == ErrorResult("model was given twice; give it once.")


def test_the_refusal_names_the_command_as_typed_on_the_platform_and_the_actor_keeps_the_display_name():
    slack = Requester("slack:T1", "u1", display_name="Ann", command_prefix="/yuntai ")
    assert run(core().handle_text("/usage", slack)) == ErrorResult(
        "/yuntai usage is for this community's admins.")
    assert AccessPolicy().actor(slack, CommunitySettings("slack:T1")).display_name == "Ann"


def test_help_lists_every_member_command_with_its_group_as_typed_here_and_the_intro():
    from bot.commands import INTRO

    member = run(core().handle_text("/help", Requester("slack:T1", "u", command_prefix="/yuntai ")))
    usages = [u for u, _ in member.lines]
    assert "/yuntai digest preview" in usages and "/yuntai help" in usages  # /help comes after the admin commands
    assert not any(u.startswith("/yuntai kb") or u.startswith("/yuntai setup") for u in usages)
    assert member.intro == INTRO
    admin = run(core().handle_text("/help", Requester("discord:1", "u", platform_admin=True)))
    assert "/kb add <kind> [details]" in [u for u, _ in admin.lines]


def test_usage_without_an_llm_says_so_and_with_one_reports_this_communitys_budget():
    asked: list[str] = []

    class PerCommunity(Usage):
        def __call__(self, community_id: str):
            asked.append(community_id)
            return self

    admin = Requester("discord:7", "owner", platform_admin=True)
    chat = core()
    chat.services.usage = PerCommunity()
    assert run(chat.handle_text("/usage", admin)) == UsageResult(("LLM summaries: 12 of 1,000 tokens",))
    assert asked == ["discord:7"]
    chat.services.usage = None
    assert run(chat.handle_text("/usage", admin)) == UsageResult(
        ("LLM summaries: not configured, the template summarizer answers (no tokens used).",))


def test_check_passes_the_workflow_and_the_processs_fetch_setting():
    chat = core()
    who = Requester("discord:1", "u")
    off = run(chat.handle_text(f"/check {YT} workflow:i2v Sora a cat", who))
    assert off.signals.workflow.value == "image-to-video" and off.signals.workflow.source == "user"
    assert off.clip.fetch_error == "not fetched (fetching was turned off)"
    chat.services.fetch = True  # no page reader in this process
    on = run(chat.handle_text(f"/check {YT} Sora a cat", who))
    assert on.clip.fetch_error == "not fetched (no page reader is set up in this process)"


def test_registry_lookups_by_path():
    leaves = dict(REGISTRY.leaves())
    assert REGISTRY.resolve(()) is None and REGISTRY.resolve(("nope",)) is None
    assert REGISTRY.resolve(("check",)) is leaves[("check",)] and REGISTRY.resolve(("check", "x")) is None
    assert REGISTRY.resolve(("digest",)) is leaves[("digest", "preview")]  # a group's default subcommand
    assert REGISTRY.resolve(("setup",)) is leaves[("setup", "show")]
    assert REGISTRY.resolve(("kb",)) is None  # no default: /kb alone is not a command
    assert REGISTRY.resolve(("kb", "undo")) is leaves[("kb", "undo")]
    assert REGISTRY.resolve(("kb", "undo", "3")) is leaves[("kb", "undo")]
    assert REGISTRY.resolve(("kb", "nope")) is None
    assert REGISTRY.get("vote").name == "vote" and REGISTRY.get("kb add") is None
    assert REGISTRY.get("kb").usage() == "/kb add|update|retire|history|undo ..."


def test_digest_preview_is_this_communitys_and_says_when_there_is_no_digest_here():
    asked: list[tuple[str, str]] = []

    class Digests:
        async def preview_async(self, actor):
            asked.append((actor.community_id, actor.user_id))
            return ErrorResult("preview")

    chat = core()
    assert run(chat.handle_text("/digest", Requester("discord:1", "u1"))) == ErrorResult(
        "The digest is not available here.")
    chat.services.digests = Digests()
    assert run(chat.handle_text("/digest preview", Requester("discord:1", "u1"))) == ErrorResult("preview")
    assert asked == [("discord:1", "u1")]


def test_a_structured_command_that_does_not_exist_is_named_as_typed_here_and_cut_at_40_characters():
    slack = Requester("slack:T1", "u1", command_prefix="/yuntai ")
    assert run(core().invoke(("frob", "it"), {}, slack)) == ErrorResult(
        "I don't know /yuntai frob it. Try /yuntai help.")
    assert run(core().invoke(("kb",), {}, Requester("discord:1", "u1"))) == ErrorResult(
        "I don't know /kb. Try /help.")  # a group without a default subcommand is not a command
    long = ("x" * 30, "y" * 30)
    assert run(core().invoke(long, {}, Requester("discord:1", "u1"))) == ErrorResult(
        f"I don't know /{' '.join(long)[:40]}. Try /help.")


def test_a_structured_option_refused_names_the_command_as_typed_here():
    slack = Requester("slack:T1", "u1", command_prefix="/yuntai ")
    reply = run(core().invoke(("check",), {"link": YT, "colour": "red"}, slack))
    assert isinstance(reply, ErrorResult)
    assert reply.message.startswith("/yuntai check has no option 'colour'. Usage: /yuntai check ")


def test_structured_whole_numbers_reach_the_handler_as_numbers():
    from bot.attempts import AttemptService
    from bot.ports import ThreadIO
    from helpers.memory_ports import MemoryAttempts

    store = MemoryAttempts()
    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    attempts = AttemptService(store, ThreadIO())
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks, attempts=attempts), attempts=attempts))
    # Discord hands integer options over as ints, text options as text (cleaned of control characters)
    reply = run(chat.invoke(("tried",), {"model": "Sora", "capability": "eating", "tries": 15, "usable": 2,
                                         "note": "forks\x00 melt"}, Requester("discord:1", "ann")))
    assert not isinstance(reply, ErrorResult)
    assert store.rows == [("discord:1", "ann", "sora", "eating", 15, 2, "forks melt")]


def test_a_message_asked_about_without_a_link_says_so_and_its_caption_is_read():
    chat = core()
    who = Requester("discord:1", "u1", channel_id="anywhere")
    assert run(chat.check_links("no link here", who)) == ErrorResult("That message has no link I can check.")
    assert run(chat.check_links(None, who)) == ErrorResult("That message has no link I can check.")
    checked = run(chat.check_links(f"{YT} Sora: a woman eating noodles", who))
    assert isinstance(checked, CheckResult) and checked.signals.model.id == "sora"


def test_when_the_settings_cannot_be_read_a_pasted_or_asked_link_gets_the_apology(caplog):
    from helpers.memory_ports import BrokenSettings

    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks), settings=BrokenSettings(), fetch=False))
    who = Requester("discord:1", "u1", direct=True)
    with caplog.at_level(logging.ERROR, logger="bot.chat"):
        assert run(chat.handle_message(f"look {YT}", who)) == ErrorResult(APOLOGY)
        assert run(chat.check_links(f"look {YT}", who)) == ErrorResult(APOLOGY)
    assert "reading the settings of discord:1 failed" in caplog.text


@pytest.mark.parametrize("how", ["pasted", "asked"])
@pytest.mark.parametrize("count", [1, 3])
def test_a_message_reads_the_communitys_settings_once_whatever_its_links(how, count):
    watched = CommunitySettings("discord:1", watched_channels=frozenset({"c"}))
    chat = core(watched)
    links = [YT, "https://vimeo.com/76979871", "https://www.tiktok.com/@a/video/7300000000000000000"][:count]
    who = Requester("discord:1", "u1", channel_id="c")
    text = " ".join(links) + " Sora: a cat"
    reply = run(chat.handle_message(text, who) if how == "pasted" else chat.check_links(text, who))
    assert reply is not None and not isinstance(reply, ErrorResult)
    assert chat.settings_source.reads == 1


def test_links_left_out_of_a_message_are_logged_for_the_operator(caplog):
    chat = core()
    who = Requester("discord:1", "u1", direct=True)
    seven = " ".join(f"https://vimeo.com/7697987{i}" for i in range(7))
    five = " ".join(f"https://vimeo.com/7697987{i}" for i in range(5))
    with caplog.at_level(logging.INFO, logger="bot.chat"):
        run(chat.handle_message(five, who))
        assert "links in one message" not in caplog.text
        run(chat.handle_message(seven, who))
    assert [r.getMessage() for r in caplog.records if "links in one message" in r.getMessage()] == [
        "checked 5 of 7 links in one message from u1 in discord:1"]


def test_the_operators_log_lines_name_the_command_the_member_the_community_and_why(caplog):
    chat = core()
    member = Requester("discord:1", "u1")

    async def boom(*args):
        raise RuntimeError("disk on fire")

    with caplog.at_level(logging.INFO, logger="bot.chat"):
        run(chat.handle_text("/kb add model wan Wan", member))  # an admin command, refused by the policy
        run(chat.handle_text(f"/check {YT} model:frobnicator", member))  # the handler's input error
        run(chat.handle_text("/chek it", member))  # not a command
        chat.services.checks.check = boom  # type: ignore[method-assign]
        run(chat.handle_text(f"/check {YT}", member))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "refused /kb add for u1 in discord:1: /kb add is for this community's admins."
    assert lines[1].startswith("refused /check from u1 in discord:1: I don't know a model called 'frobnicator'")
    assert lines[2] == "unparsed command from u1 in discord:1: I don't know /chek. Did you mean check? Try /help."
    assert lines[3] == "command /check failed in discord:1"
    assert "disk on fire" in caplog.records[3].exc_text


def test_a_typed_command_when_the_settings_cannot_be_read_gets_the_apology_and_the_log_names_the_community(caplog):
    from helpers.memory_ports import BrokenSettings

    checks = CheckService(FixedKnowledge(make_tiny_kb()))
    chat = ChatCore(REGISTRY, Services(checks, ModelReports(checks), settings=BrokenSettings(), fetch=False))
    with caplog.at_level(logging.ERROR, logger="bot.chat"):
        assert run(chat.handle_text("/help", Requester("discord:7", "u1"))) == ErrorResult(APOLOGY)
    assert [r.getMessage() for r in caplog.records] == ["reading the settings of discord:7 failed"]
    assert "settings database unreachable" in caplog.records[0].exc_text


def test_the_words_after_yuntai_are_read_up_to_25000_characters():
    slack = Requester("slack:T1", "u1", command_prefix="/yuntai ")
    exactly = run(core().handle_command_text("help " + "x" * (25_000 - 5), slack))
    assert not (isinstance(exactly, ErrorResult) and "characters long" in exactly.message)
    assert run(core().handle_command_text("help " + "x" * 24_996, slack)) == ErrorResult(
        "That message is 25,001 characters long; I read at most 25,000.")

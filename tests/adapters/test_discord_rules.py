"""Discord's payload rules as the fake enforces them: limits at their exact edges, and who a payload pings."""

from __future__ import annotations

from helpers.discord_rules import command_problems, message_problems, pings


def embed(**fields: object) -> dict[str, object]:
    return {"content": "", "embeds": [fields]}


def paths(problems: list[tuple[str, str]]) -> list[str]:
    return [path for path, _ in problems]


def test_content_limit_is_2000_characters() -> None:
    assert message_problems({"content": "x" * 2000}) == []
    assert message_problems({"content": "x" * 2001}) == [
        ("content", "must be 2000 or fewer in length (got 2001)")]
    assert message_problems({"content": "é" * 2000}) == []  # characters, not bytes


def test_embed_title_description_and_field_limits_at_the_edge() -> None:
    assert message_problems(embed(title="t" * 256, description="d" * 4096)) == []
    assert paths(message_problems(embed(title="t" * 257))) == ["embeds.0.title"]
    assert paths(message_problems(embed(description="d" * 4097))) == ["embeds.0.description"]
    fields = [{"name": f"n{i}", "value": "v"} for i in range(25)]
    assert message_problems(embed(title="x", fields=fields)) == []
    assert paths(message_problems(embed(title="x", fields=[*fields, {"name": "n", "value": "v"}]))) == [
        "embeds.0.fields"]
    assert paths(message_problems(embed(fields=[{"name": "n", "value": "v" * 1025}]))) == ["embeds.0.fields.0.value"]
    assert paths(message_problems(embed(fields=[{"name": "n" * 257, "value": "v"}]))) == ["embeds.0.fields.0.name"]
    assert paths(message_problems(embed(fields=[{"name": "n", "value": ""}]))) == ["embeds.0.fields.0"]


def test_all_embed_text_together_is_at_most_6000() -> None:
    # 4096 + 1024 + 880 = 6000 exactly; one more character over the total is refused.
    ok = embed(description="d" * 4096, fields=[{"name": "n" * 24, "value": "v" * 1000},
                                               {"name": "m" * 80, "value": "w" * 800}])
    assert message_problems(ok) == []
    over = embed(description="d" * 4096, fields=[{"name": "n" * 24, "value": "v" * 1000},
                                                 {"name": "m" * 81, "value": "w" * 800}])
    assert message_problems(over) == [("embeds", "embed size exceeds maximum size of 6000 (got 6001)")]


def button(custom_id: str, label: str = "vote") -> dict[str, object]:
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id}


def test_component_limits() -> None:
    row = {"type": 1, "components": [button(f"b{i}") for i in range(5)]}
    assert message_problems({"components": [row]}) == []
    six = {"type": 1, "components": [button(f"b{i}") for i in range(6)]}
    assert paths(message_problems({"components": [six]})) == ["components.0.components"]
    rows = [{"type": 1, "components": [button(f"r{r}")]} for r in range(6)]
    assert paths(message_problems({"components": rows})) == ["components"]
    assert message_problems({"components": [{"type": 1, "components": [button("c" * 100)]}]}) == []
    assert paths(message_problems({"components": [{"type": 1, "components": [button("c" * 101)]}]})) == [
        "components.0.components.0.custom_id"]
    duplicate = {"type": 1, "components": [button("same"), button("same")]}
    assert paths(message_problems({"components": [duplicate]})) == ["components.0.components.1.custom_id"]
    assert paths(message_problems({"components": [button("bare")]})) == ["components.0"]


def test_an_empty_new_message_is_refused_but_an_edit_may_change_nothing_visible() -> None:
    assert message_problems({"content": ""}) == [("", "Cannot send an empty message")]
    assert message_problems({"content": ""}, has_files=True) == []
    assert message_problems({"flags": 0}, creating=False) == []


def test_allowed_mentions_shape_is_checked() -> None:
    bad = {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
    assert paths(message_problems(bad)) == ["allowed_mentions"]


def test_pings_follow_allowed_mentions() -> None:
    text = "hi @everyone and @here, <@123> <@!124> <@&77> (an embed never pings)"
    assert pings({"content": text}) == ["@everyone", "@here", "user:123", "user:124", "role:77"]
    assert pings({"content": text, "allowed_mentions": {"parse": []}}) == []
    assert pings({"content": text, "allowed_mentions": {"parse": ["users"]}}) == ["user:123", "user:124"]
    assert pings({"content": text, "allowed_mentions": {"parse": [], "roles": ["77"]}}) == ["role:77"]
    assert pings({"content": "x", "embeds": [{"title": "@everyone"}]}) == []


def command(name: str = "check", **extra: object) -> dict[str, object]:
    return {"name": name, "description": "Check a clip", "type": 1, **extra}


def option(name: str, required: bool, **extra: object) -> dict[str, object]:
    return {"name": name, "description": name, "type": 3, "required": required, **extra}


def test_command_rules() -> None:
    good = command(options=[option("link", True), option("caption", False)],
                   default_member_permissions="32")
    assert command_problems([good, {"name": "Check this demo", "type": 3}]) == []
    assert paths(command_problems([command("Check")])) == ["0.name"]
    assert paths(command_problems([command("x" * 33)])) == ["0.name"]
    assert paths(command_problems([command(description="")])) == ["0.description"]
    assert paths(command_problems([command(options=[option("caption", False), option("link", True)])])) == [
        "0.options.1.required"]
    assert paths(command_problems([command(), command()])) == ["1.name"]
    assert paths(command_problems([command(default_member_permissions=32)])) == ["0.default_member_permissions"]
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    assert paths(command_problems([command(options=[option("model", True, choices=choices)])])) == [
        "0.options.0.choices"]
    assert paths(command_problems([command(options=[option("model", True, choices=choices[:2],
                                                           autocomplete=True)])])) == ["0.options.0.autocomplete"]
    group = {"name": "kb", "description": "admin", "type": 2, "options": [
        {"name": "add", "description": "add", "type": 1, "options": [option("model", True)]}]}
    assert command_problems([command("kb", options=[group])]) == []
    assert paths(command_problems([command("a", options=[option(f"o{i}", True) for i in range(26)])])) == [
        "0.options"]

"""Discord's payload rules as pure functions, shared by the fake Discord and the renderer's unit tests.

Why a separate module: the fake refuses a payload that breaks these rules (so a wrong bot fails the way it
would on Discord), and the adapter's renderer tests can assert "within the limits" with the same code that
the fake enforces, without starting a server.

Limits are from Discord's developer documentation (read 2026-11-27):
https://discord.com/developers/docs/resources/message#create-message (content 2000, 10 embeds),
https://discord.com/developers/docs/resources/message#embed-object-embed-limits (title 256, description 4096,
25 fields, field name 256, field value 1024, footer 2048, author name 256, 6000 in all),
https://discord.com/developers/docs/components/reference (5 action rows, 5 buttons a row, custom_id 100,
button label 80), https://discord.com/developers/docs/interactions/application-commands (names, 25 options,
25 choices), https://discord.com/developers/docs/resources/message#allowed-mentions-object.
Lengths are counted in Python characters (code points); Discord documents "characters" without saying more.
"""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBEDS_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
CHAT_INPUT_COMMANDS_MAX = 100

ACTION_ROW, BUTTON = 1, 2
SELECT_TYPES = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2

Problem = tuple[str, str]  # (dotted path in the payload, what is wrong)


def _length(path: str, value: Any, limit: int, out: list[Problem]) -> int:
    if value is None:
        return 0
    if not isinstance(value, str):
        out.append((path, "must be a string"))
        return 0
    if len(value) > limit:
        out.append((path, f"must be {limit} or fewer in length (got {len(value)})"))
    return len(value)


def embed_problems(embeds: Any, path: str = "embeds") -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(embeds, list):
        return [(path, "must be a list")]
    if len(embeds) > EMBEDS_MAX:
        out.append((path, f"must be {EMBEDS_MAX} or fewer in length (got {len(embeds)})"))
    total = 0
    for i, embed in enumerate(embeds):
        here = f"{path}.{i}"
        if not isinstance(embed, dict):
            out.append((here, "must be an object"))
            continue
        total += _length(f"{here}.title", embed.get("title"), EMBED_TITLE_MAX, out)
        total += _length(f"{here}.description", embed.get("description"), EMBED_DESCRIPTION_MAX, out)
        footer = embed.get("footer") or {}
        total += _length(f"{here}.footer.text", footer.get("text"), EMBED_FOOTER_MAX, out)
        author = embed.get("author") or {}
        total += _length(f"{here}.author.name", author.get("name"), EMBED_AUTHOR_MAX, out)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            out.append((f"{here}.fields", f"must be {EMBED_FIELDS_MAX} or fewer in length (got {len(fields)})"))
        for j, field in enumerate(fields):
            name, value = field.get("name"), field.get("value")
            if not name or not value:
                out.append((f"{here}.fields.{j}", "name and value are required and must not be empty"))
            total += _length(f"{here}.fields.{j}.name", name, EMBED_FIELD_NAME_MAX, out)
            total += _length(f"{here}.fields.{j}.value", value, EMBED_FIELD_VALUE_MAX, out)
    if total > EMBEDS_TOTAL_MAX:
        out.append((path, f"embed size exceeds maximum size of {EMBEDS_TOTAL_MAX} (got {total})"))
    return out


def component_problems(rows: Any, path: str = "components") -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(rows, list):
        return [(path, "must be a list")]
    if len(rows) > ACTION_ROWS_MAX:
        out.append((path, f"must be {ACTION_ROWS_MAX} or fewer in length (got {len(rows)})"))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        here = f"{path}.{i}"
        if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
            out.append((here, "top-level components must be action rows (type 1)"))
            continue
        children = row.get("components") or []
        if not children:
            out.append((f"{here}.components", "an action row needs at least one component"))
        kinds = {c.get("type") for c in children if isinstance(c, dict)}
        if kinds & SELECT_TYPES and (len(children) != 1):
            out.append((f"{here}.components", "a select menu must be alone in its action row"))
        if kinds == {BUTTON} and len(children) > BUTTONS_PER_ROW_MAX:
            out.append((f"{here}.components",
                        f"must be {BUTTONS_PER_ROW_MAX} or fewer in length (got {len(children)})"))
        for j, child in enumerate(children):
            where = f"{here}.components.{j}"
            if not isinstance(child, dict):
                out.append((where, "must be an object"))
                continue
            kind = child.get("type")
            custom_id = child.get("custom_id")
            if kind == BUTTON:
                style = child.get("style")
                if style == LINK_STYLE:
                    if not child.get("url") or custom_id is not None:
                        out.append((where, "a link button needs a url and no custom_id"))
                elif style != PREMIUM_STYLE and not custom_id:
                    out.append((f"{where}.custom_id", "a non-link button needs a custom_id"))
                _length(f"{where}.label", child.get("label"), BUTTON_LABEL_MAX, out)
            elif kind in SELECT_TYPES:
                options = child.get("options") or []
                if len(options) > SELECT_OPTIONS_MAX:
                    out.append((f"{where}.options", f"must be {SELECT_OPTIONS_MAX} or fewer in length"))
            else:
                out.append((f"{where}.type", f"component type {kind!r} is not allowed in an action row"))
            if custom_id is not None:
                _length(f"{where}.custom_id", custom_id, CUSTOM_ID_MAX, out)
                if custom_id in seen:
                    out.append((f"{where}.custom_id", "component custom id cannot be duplicated"))
                seen.add(custom_id)
    return out


def allowed_mentions_problems(allowed: Any, path: str = "allowed_mentions") -> list[Problem]:
    if allowed is None:
        return []
    if not isinstance(allowed, dict):
        return [(path, "must be an object")]
    out: list[Problem] = []
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            out.append((path, f"parse:[\"{kind}\"] and {kind}: [ids...] are mutually exclusive"))
    if any(p not in ("everyone", "users", "roles") for p in parse):
        out.append((f"{path}.parse", "values must be everyone, users or roles"))
    return out


def message_problems(payload: Any, *, creating: bool = True, has_files: bool = False) -> list[Problem]:
    """What Discord would refuse in a create/edit-message payload (empty when it is acceptable).

    ``creating`` demands some content, as Discord does for a new message (an edit may change only flags).
    """
    if not isinstance(payload, dict):
        return [("", "the body must be a JSON object")]
    out: list[Problem] = []
    _length("content", payload.get("content"), CONTENT_MAX, out)
    if payload.get("embeds") is not None:
        out += embed_problems(payload["embeds"])
    if payload.get("components") is not None:
        out += component_problems(payload["components"])
    out += allowed_mentions_problems(payload.get("allowed_mentions"))
    if creating and not (payload.get("content") or payload.get("embeds") or payload.get("components")
                         or payload.get("sticker_ids") or payload.get("poll") or has_files):
        out.append(("", "Cannot send an empty message"))
    return out


_EVERYONE = re.compile(r"@(everyone|here)\b")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


def pings(payload: Any) -> list[str]:
    """Who a message payload would notify: "@everyone", "@here", "user:ID", "role:ID".

    Follows the allowed-mentions rules: with no ``allowed_mentions`` every mention in ``content`` pings;
    with one, only what ``parse`` or the explicit id lists allow. Embeds never ping.
    """
    if not isinstance(payload, dict):
        return []
    content = payload.get("content") or ""
    if not isinstance(content, str):
        return []
    allowed = payload.get("allowed_mentions")
    if allowed is None:
        parse, users, roles = {"everyone", "users", "roles"}, set(), set()
    else:
        parse = set(allowed.get("parse") or [])
        users = {str(u) for u in allowed.get("users") or []}
        roles = {str(r) for r in allowed.get("roles") or []}
    found: list[str] = []
    if "everyone" in parse:
        found += [f"@{m}" for m in _EVERYONE.findall(content)]
    found += [f"user:{u}" for u in _USER.findall(content) if "users" in parse or u in users]
    found += [f"role:{r}" for r in _ROLE.findall(content) if "roles" in parse or r in roles]
    return found


def _option_problems(options: Any, path: str, depth: int, out: list[Problem]) -> None:
    if not isinstance(options, list):
        out.append((path, "must be a list"))
        return
    if len(options) > COMMAND_OPTIONS_MAX:
        out.append((path, f"must be {COMMAND_OPTIONS_MAX} or fewer in length (got {len(options)})"))
    names: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        here = f"{path}.{i}"
        name = option.get("name")
        if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
            out.append((f"{here}.name", f"invalid option name {name!r} (1-32 lower-case letters, digits, - or _)"))
        if name in names:
            out.append((f"{here}.name", f"duplicate option name {name!r}"))
        names.add(name)
        description = option.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
            out.append((f"{here}.description", f"must be 1-{COMMAND_DESCRIPTION_MAX} characters"))
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= 2 or (depth == 1 and kind == SUB_COMMAND_GROUP):
                out.append((f"{here}.type", "sub-commands nest at most group > sub-command"))
            _option_problems(option.get("options") or [], f"{here}.options", depth + 1, out)
            continue
        if option.get("required"):
            if optional_seen:
                out.append((f"{here}.required", "required options must be placed before non-required options"))
        else:
            optional_seen = True
        choices = option.get("choices")
        if choices:
            if option.get("autocomplete"):
                out.append((f"{here}.autocomplete", "autocomplete and choices are mutually exclusive"))
            if len(choices) > COMMAND_CHOICES_MAX:
                out.append((f"{here}.choices", f"must be {COMMAND_CHOICES_MAX} or fewer in length"))
            for j, choice in enumerate(choices):
                _length(f"{here}.choices.{j}.name", choice.get("name"), 100, out)
                if isinstance(choice.get("value"), str):
                    _length(f"{here}.choices.{j}.value", choice.get("value"), 100, out)


def command_problems(commands: Any) -> list[Problem]:
    """What Discord would refuse in a bulk-overwrite (PUT) of application commands."""
    if not isinstance(commands, list):
        return [("", "the body must be a list of commands")]
    out: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    chat_input = 0
    for i, command in enumerate(commands):
        here = str(i)
        if not isinstance(command, dict):
            out.append((here, "must be an object"))
            continue
        kind = command.get("type", 1)
        name = command.get("name")
        if (kind, name) in seen:
            out.append((f"{here}.name", f"application command names must be unique ({name!r})"))
        seen.add((kind, name))
        if kind == 1:
            chat_input += 1
            if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
                out.append((f"{here}.name", f"invalid command name {name!r}"))
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
                out.append((f"{here}.description", f"must be 1-{COMMAND_DESCRIPTION_MAX} characters"))
            _option_problems(command.get("options") or [], f"{here}.options", 0, out)
        else:
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                out.append((f"{here}.name", "a context menu name must be 1-32 characters"))
            if command.get("description") or command.get("options"):
                out.append((here, "context menu commands take no description or options"))
        perms = command.get("default_member_permissions")
        if perms is not None and not (isinstance(perms, str) and perms.isdigit()):
            out.append((f"{here}.default_member_permissions", "must be a string of digits or null"))
    if chat_input > CHAT_INPUT_COMMANDS_MAX:
        out.append(("", f"at most {CHAT_INPUT_COMMANDS_MAX} chat input commands"))
    return out

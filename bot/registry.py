"""What a command is: its name, typed options, the right it needs and its handler, defined once.

Every adapter reads these definitions: the console and Slack parse typed text with the one parser in
`bot.parsing`, Discord builds slash commands (options, choices, autocomplete) from them. Adding a
command is one `Command` plus one handler; nothing else needs to learn its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.context import CommandContext


class OptionKind(StrEnum):
    STR = "str"  # one word (or a quoted phrase)
    INT = "int"
    CHOICE = "choice"  # one of `choices`
    LINK = "link"  # a clip link; found anywhere among the words
    MODEL = "model"  # a model name or alias; Discord autocompletes it
    CAPABILITY = "capability"  # a capability id or name; Discord autocompletes it
    TEXT = "text"  # free text: the rest of the words (a caption, a note)
    CHANNEL = "channel"  # a channel reference (<#C123|name>, <#123>, or a name on the console)
    USER = "user"  # a user reference (<@U123>, <@123>, or a name on the console)


class Right(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


@dataclass(frozen=True)
class Option:
    name: str
    kind: OptionKind
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    greedy: bool = False  # a MODEL/STR option that takes the remaining words ("/model Kling 1.6")
    normalise: Callable[[str], str] | None = None  # accepted spellings -> the choice ("i2v" -> "image-to-video")
    keep_quotes: bool = False  # a TEXT option bound again by a second definition (`/kb add claim ...`)

    def __post_init__(self) -> None:
        if self.kind is OptionKind.CHOICE and not self.choices:
            raise ValueError(f"option {self.name} is a choice without choices")


Handler = Callable[["CommandContext", Any], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    """A leaf command (`/check`) or a group of subcommands (`/digest preview`, `/kb add`)."""

    name: str
    summary: str
    options: tuple[Option, ...] = ()
    right: Right = Right.MEMBER
    handler: Handler | None = None
    args: type | None = None  # the dataclass the handler receives; its fields are the options' names
    subcommands: tuple[Command, ...] = ()
    default_sub: str | None = None  # "/digest" alone runs "/digest preview"

    @property
    def is_group(self) -> bool:
        return bool(self.subcommands)

    def sub(self, name: str) -> Command | None:
        return next((c for c in self.subcommands if c.name == name), None)

    def usage(self, prefix: str = "/", parents: tuple[str, ...] = ()) -> str:
        return self.usage_at(prefix + " ".join((*parents, self.name)))

    def usage_at(self, head: str) -> str:
        """The usage line after `head`, the command as typed on the platform (`/kb add claim`)."""
        if self.is_group:
            return f"{head} {'|'.join(c.name for c in self.subcommands)} ..."
        parts = [head]
        for opt in self.options:
            shown = opt.name if opt.required or opt.kind in (OptionKind.TEXT, OptionKind.LINK) or opt.greedy \
                else f"{opt.name}:…"
            parts.append(f"<{shown}>" if opt.required else f"[{shown}]")
        return " ".join(parts)


class Registry:
    """The command set every adapter renders; looked up by path ("check", ("kb", "add"))."""

    def __init__(self, commands: tuple[Command, ...]) -> None:
        names = [c.name for c in commands]
        if len(set(names)) != len(names):
            raise ValueError(f"command names repeat: {names}")
        self.commands = commands
        self._by_name = {c.name: c for c in commands}

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name)

    def leaves(self) -> Iterator[tuple[tuple[str, ...], Command]]:
        """Every runnable command with its path: ("check",), ("digest", "preview"), ..."""
        for c in self.commands:
            if c.is_group:
                for s in c.subcommands:
                    yield (c.name, s.name), s
            else:
                yield (c.name,), c

    def resolve(self, path: tuple[str, ...]) -> Command | None:
        if not path:
            return None
        top = self.get(path[0])
        if top is None or not top.is_group:
            return top if len(path) == 1 else None
        if len(path) == 1:
            return top.sub(top.default_sub) if top.default_sub else None
        return top.sub(path[1])

    def problems(self) -> list[str]:
        """Definition mistakes a test turns into failures: no handler, no help, options the args can't take."""
        out: list[str] = []
        for path, cmd in self.leaves():
            where = "/" + " ".join(path)
            if cmd.handler is None:
                out.append(f"{where} has no handler")
            if not cmd.summary.strip():
                out.append(f"{where} has no summary")
            names = [o.name for o in cmd.options]
            if len(set(names)) != len(names):
                out.append(f"{where} repeats an option name")
            for o in cmd.options:
                if not o.help.strip():
                    out.append(f"{where} option {o.name} has no help text")
            # Typed text gives the free words to one option wherever it stands among the definitions (named
            # options are picked out first), so the order is free for Discord's form: `/check link caption ...`.
            texts = [o for o in cmd.options if o.kind is OptionKind.TEXT or o.greedy]
            if len(texts) > 1:
                out.append(f"{where}: only one option may take the rest of the words")
            if cmd.args is None or not is_dataclass(cmd.args):
                if cmd.options:
                    out.append(f"{where} has options but no args dataclass")
            else:
                field_names = {f.name for f in fields(cmd.args)}
                if field_names != set(names):
                    out.append(f"{where}: args fields {sorted(field_names)} != options {sorted(names)}")
        for c in self.commands:
            if c.is_group and c.default_sub and c.sub(c.default_sub) is None:
                out.append(f"/{c.name}: default subcommand {c.default_sub} does not exist")
            if c.is_group and c.handler is not None:
                out.append(f"/{c.name} is a group and cannot have a handler of its own")
        return out

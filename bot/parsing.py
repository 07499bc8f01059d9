"""Typed text to a command invocation, generated from the definitions: one parser for the console and Slack.

A line such as ``check https://youtu.be/x --model 'Kling 1.6' workflow:image-to-video a cat eating`` becomes
the path ``("check",)`` and typed values. Named options are ``name:value``, ``name=value``, ``--name value``
or ``--name=value``; a link is found wherever it stands; the remaining words fill the positional options
in order and the free-text option takes the rest, joined by single spaces. A word that merely looks like
an option (``Model:`` with nothing after it) stays a word of the caption.

Quotes group words only where a word starts with one, so the apostrophes of "don't" and "woman's" are
kept as written; chat wrappers (``<url|label>``, ``[label](url)``) are one word each.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.errors import InputError
from bot.links import LinkError, canonicalize, find_links
from bot.registry import Command, Option, OptionKind, Registry
from bot.spelling import SLASH, spell

_NAMED = re.compile(r"^(?:--)?([A-Za-z][\w-]*)(?:([:=])(.*))?$", re.DOTALL)


class CommandSyntaxError(InputError):
    """The words don't fit the command; the message says what would."""


@dataclass(frozen=True)
class Invocation:
    path: tuple[str, ...]
    command: Command
    values: dict[str, object]


@dataclass(frozen=True)
class Word:
    text: str  # the word with its grouping quotes removed
    quoted: bool = False


def tokenize(text: str) -> list[Word]:
    """Split on whitespace; quotes group only at a word's start, chat wrappers stay whole."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        ch = text[i]
        if ch in "\"'“‘":
            close = {"\"": "\"", "'": "'", "“": "”", "‘": "’"}[ch]
            end = _closing(text, i + 1, close)
            if end is not None:
                words.append(Word(text[i + 1:end], quoted=True))
                i = end + 1
                continue
        if ch == "<":
            end = text.find(">", i)
            if end != -1:
                words.append(Word(text[i:end + 1]))
                i = end + 1
                continue
        if ch == "[":
            m = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)").match(text, i)
            if m:
                words.append(Word(m.group(0)))
                i = m.end()
                continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        word = text[i:j]
        # name:'quoted value' -> one word
        m = re.match(r"^((?:--)?[A-Za-z][\w-]*[:=])([\"'])", word)
        if m:
            end = _closing(text, i + len(m.group(0)), m.group(2))
            if end is not None:
                words.append(Word(m.group(1) + text[i + len(m.group(0)):end], quoted=True))
                i = end + 1
                continue
        words.append(Word(word))
        i = j
    return words


def _closing(text: str, start: int, quote: str) -> int | None:
    """The closing quote that ends a word (followed by whitespace or the end), if any."""
    pos = start
    while True:
        end = text.find(quote, pos)
        if end == -1:
            return None
        if end + 1 == len(text) or text[end + 1].isspace():
            return end
        pos = end + 1


def unwrap_link(word: str) -> str:
    """The URL inside a chat wrapper (``<url|label>``, ``<url>``, ``[label](url)``), else the word."""
    if word.startswith("<") and word.endswith(">"):
        return word[1:-1].split("|", 1)[0].strip()
    m = re.fullmatch(r"\[[^\]\n]*\]\(([^)\s]*)\)", word)
    if m:
        return m.group(1)
    return word


def looks_like_link(word: str) -> bool:
    """A word meant as the link: what find_links sees, or anything with a scheme (so it can be refused)."""
    inner = unwrap_link(word)
    if inner.startswith(("@", "#", "!")):  # <@U1>, <#C1|general>, <!channel>
        return False
    return bool(find_links(word)) or "://" in inner or inner.lower().startswith(("javascript:", "data:", "file:"))


def split_link(text: str) -> tuple[str | None, str]:
    """A pasted message: its first link and the rest as the caption, wrappers removed whole."""
    words = tokenize(text)
    for idx, w in enumerate(words):
        if w.quoted:
            continue
        found = find_links(w.text)
        if not found:
            continue
        link = found[0]
        inner = unwrap_link(w.text)
        rest = [x.text for x in words[:idx]]
        if inner != w.text or w.text == link:
            pass  # the whole word was the link or its wrapper
        else:
            left, _, right = w.text.partition(link)
            rest.append(left + " " + right)
        rest += [x.text for x in words[idx + 1:]]
        caption = " ".join(" ".join(rest).split())
        return link, caption
    return None, text.strip()


def split_links(text: str) -> tuple[list[str], str]:
    """A pasted message: every distinct link in order and the rest as the caption, wrappers removed whole.

    Duplicates are judged on the canonical form, so a ``youtu.be`` share link and the same clip's
    ``watch?v=`` page are one clip. Every link is taken out of the caption (`split_link` leaves the
    later ones in), so no clip's caption names another clip's link.
    """
    links: list[str] = []
    seen: set[str] = set()
    rest: list[str] = []
    for w in tokenize(text):
        found = [] if w.quoted else find_links(w.text)
        if not found:
            rest.append(w.text)
            continue
        if unwrap_link(w.text) == w.text and w.text != found[0]:
            remaining = w.text
            # every copy (find_links names a link once), longest first so no link's prefix is cut out of another
            for link in sorted(found, key=len, reverse=True):
                remaining = remaining.replace(link, " ")
            rest.append(remaining)
        for link in found:
            try:
                key = canonicalize(link)
            except LinkError:
                key = link
            if key not in seen:
                seen.add(key)
                links.append(link)
    return links, " ".join(" ".join(rest).split())


def parse(registry: Registry, line: str, prefix: str = SLASH) -> Invocation:
    """A typed line without its leading slash ("check <link> ...", "digest preview") to an invocation.

    `prefix` is how commands are typed on the asker's platform (`bot.spelling`), for the messages."""
    words = tokenize(line)
    if not words:
        raise CommandSyntaxError(f"Which command? Try {spell('help', prefix)}.")
    name = words[0].text.lower()
    top = registry.get(name)
    if top is None:
        raise CommandSyntaxError(_unknown(name, [c.name for c in registry], prefix=prefix))
    path: tuple[str, ...] = (top.name,)
    rest = words[1:]
    command = top
    if top.is_group:
        if rest and not rest[0].quoted and top.sub(rest[0].text.lower()) is not None:
            command = top.sub(rest[0].text.lower())  # type: ignore[assignment]
            rest = rest[1:]
        elif top.default_sub and not rest:
            command = top.sub(top.default_sub)  # type: ignore[assignment]
        else:
            subs = [c.name for c in top.subcommands]
            given = rest[0].text[:30] if rest else ""
            hint = f" {given!r} is not one of them." if given else ""
            raise CommandSyntaxError(f"{spell(top.name, prefix)} needs one of: {', '.join(subs)}.{hint}")
        path = (top.name, command.name)
    return Invocation(path, command, bind(command, rest, spell(path, prefix)))


def bind(command: Command, words: list[Word], where: str) -> dict[str, object]:
    """Words to typed option values, by the command's definition; `where` is the command as typed here."""
    by_name = {o.name.lower(): o for o in command.options}
    values: dict[str, object] = {}
    free: list[Word] = []
    i = 0
    while i < len(words):
        w = words[i]
        m = None if w.quoted else _NAMED.match(w.text)
        opt = by_name.get(m.group(1).lower()) if m else None
        if m and opt is not None and (m.group(2) and m.group(3) or w.text.startswith("--")):
            value = m.group(3) if m.group(2) else None
            if value is None:
                if i + 1 >= len(words):
                    raise CommandSyntaxError(f"--{opt.name} needs a value: {_example(opt)}")
                i += 1
                value = words[i].text
            if opt.name in values:
                raise CommandSyntaxError(f"{opt.name} was given twice; give it once.")
            values[opt.name] = value
        else:
            free.append(w)
        i += 1

    link_opt = next((o for o in command.options if o.kind is OptionKind.LINK), None)
    if link_opt is not None and link_opt.name not in values:
        for idx, w in enumerate(free):
            if not w.quoted and looks_like_link(w.text):
                values[link_opt.name] = w.text
                del free[idx]
                break

    # Required options and the free-text one may be given by position; optional ones only by name, so a
    # caption's words never become a model or a workflow.
    positional = [o for o in command.options if o.name not in values and o.kind is not OptionKind.LINK
                  and (o.required or o.kind is OptionKind.TEXT or o.greedy)]
    for opt in positional:
        if not free:
            break
        if opt.kind is OptionKind.TEXT or opt.greedy:
            values[opt.name] = " ".join(_requote(w) if opt.keep_quotes else w.text for w in free)
            free = []
            break
        values[opt.name] = free.pop(0).text
    if free:
        text_opt = next((o for o in command.options if o.kind is OptionKind.TEXT), None)
        if text_opt is not None and text_opt.name in values:
            # a named caption plus loose words: both are the caption, in the order typed
            values[text_opt.name] = f"{values[text_opt.name]} " + " ".join(w.text for w in free)
        else:
            extra = " ".join(w.text for w in free)[:60]
            raise CommandSyntaxError(f"I didn't understand {extra!r} in {where}. Usage: {command.usage_at(where)}")
    return convert(command, values, where)


def _requote(w: Word) -> str:
    """A quoted word as typed, so a second `bind` groups it the same way."""
    if not w.quoted:
        return w.text
    named = re.match(r"^((?:--)?[A-Za-z][\w-]*[:=])(.*)$", w.text, re.DOTALL)
    head, body = (f"--{named.group(1).lstrip('-')[:-1]} ", named.group(2)) if named else ("", w.text)
    return head + (f"'{body}'" if '"' in body else f'"{body}"')


def convert(command: Command, raw: dict[str, object], where: str) -> dict[str, object]:
    """Check and type each value; also used for structured options (Discord) so both paths agree."""
    out: dict[str, object] = {}
    known = {o.name: o for o in command.options}
    for name in raw:
        if name not in known:
            raise CommandSyntaxError(f"{where} has no option {name!r}. Usage: {command.usage_at(where)}")
    for opt in command.options:
        value = raw.get(opt.name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if opt.required:
                raise CommandSyntaxError(f"{where} needs {_article(opt)}. Usage: {command.usage_at(where)}")
            out[opt.name] = None
            continue
        out[opt.name] = _typed(opt, value, where)
    return out


def _typed(opt: Option, value: object, where: str) -> object:
    if opt.kind is OptionKind.INT:
        try:
            number = int(str(value).replace(",", "").replace("_", ""))
        except ValueError:
            raise CommandSyntaxError(f"{opt.name} must be a whole number, not {str(value)[:20]!r}.") from None
        if opt.min_value is not None and number < opt.min_value:
            raise CommandSyntaxError(f"{opt.name} must be at least {opt.min_value}.")
        if opt.max_value is not None and number > opt.max_value:
            raise CommandSyntaxError(f"{opt.name} must be at most {opt.max_value:,}.")
        return number
    text = str(value)
    if opt.kind is OptionKind.CHOICE:
        if opt.normalise is not None:
            try:
                return opt.normalise(text)
            except ValueError as exc:
                raise CommandSyntaxError(str(exc)) from None
        lowered = text.lower()
        if lowered not in opt.choices:
            raise CommandSyntaxError(_unknown(lowered, list(opt.choices), what=opt.name))
        return lowered
    if opt.kind is OptionKind.LINK:
        return unwrap_link(text)
    return text


def _unknown(given: str, known: list[str], what: str = "command", prefix: str = SLASH) -> str:
    close = difflib.get_close_matches(given, known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else ""
    if what == "command":
        return f"I don't know {spell(given[:30], prefix)}.{hint} Try {spell('help', prefix)}."
    return f"{given[:30]!r} is not a {what}: use one of {', '.join(known)}.{hint}"


def _article(opt: Option) -> str:
    return {
        OptionKind.LINK: "a clip link",
        OptionKind.MODEL: "a model name",
        OptionKind.CAPABILITY: "a capability",
        OptionKind.INT: f"a number for {opt.name}",
    }.get(opt.kind, f"a value for {opt.name}")


def _example(opt: Option) -> str:
    if opt.choices:
        return f"--{opt.name} {opt.choices[0]}"
    if opt.kind is OptionKind.MODEL:
        return f"--{opt.name} 'Kling 1.6'"
    return f"--{opt.name} VALUE"

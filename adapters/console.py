"""The console adapter: a chat session in the terminal or through a pipe, the same commands as the platforms.

`yuntai chat [--community ID] [--user ID] [--admin] [--json]`: by default the operator, who owns the
console, is an admin of `console:local`; `--user U` without `--admin` is an ordinary member, which is
how a script tests what members may do. With `--json` every reply is exactly one JSON object on its
own line and nothing else is printed on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from adapters.json_render import to_json
from adapters.text_render import render
from bot.chat import ChatCore
from bot.config import CONSOLE_COMMUNITY
from bot.policy import Requester
from bot.results import ErrorResult

log = logging.getLogger(__name__)

GREETING = (
    "Yuntai console. Paste a clip link (with its caption if you like), or type /help. "
    "/quit or Ctrl-D leaves."
)
NOT_FOR_ME = "I only answer commands and clip links. Try /help."
QUIT = {"/quit", "/exit", "quit", "exit"}


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"


def console_requester(community: str | None = None, user: str | None = None, admin: bool | None = None) -> Requester:
    """The operator by default (an admin); a named user is a member unless `--admin` says otherwise."""
    name = user or login_name()
    is_admin = admin if admin is not None else user is None
    return Requester(community_id=community or CONSOLE_COMMUNITY, user_id=f"console:{name}", display_name=name,
                     platform_admin=is_admin, direct=True)


def run_console(
    chat: ChatCore,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    aclose: Callable[[], Awaitable[None]] | None = None,
    requester: Requester | None = None,
    json_mode: bool = False,
) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    who = requester or console_requester()
    interactive = _isatty(stdin) and _isatty(stdout) and not json_mode

    def say(reply: object) -> None:
        text = json.dumps(to_json(reply), ensure_ascii=False) if json_mode else render(reply) + "\n"
        print(text, file=stdout, flush=True)

    if not json_mode:
        print(GREETING, file=stdout, flush=True)
    loop = asyncio.new_event_loop()
    try:
        while True:
            if interactive:
                print("yuntai> ", end="", file=stdout, flush=True)
            line = _read_line(stdin)
            if line is None:
                break
            if isinstance(line, ErrorResult):
                say(line)
                continue
            text = line.strip()
            if text.lower() in QUIT:
                break
            if not text:
                continue
            try:
                reply = loop.run_until_complete(chat.handle_text(text, who))
            except KeyboardInterrupt:
                if not json_mode:
                    print("\n(cancelled)", file=stdout, flush=True)
                continue
            say(reply if reply is not None else ErrorResult(NOT_FOR_ME))
    except BrokenPipeError:
        _silence_stdout()
    finally:
        if aclose is not None:
            loop.run_until_complete(aclose())
        loop.close()
    return 0


def _read_line(stdin: TextIO | None) -> str | ErrorResult | None:
    """The next line; None at the end of input (Ctrl-D, a closed or missing stdin, Ctrl-C)."""
    if stdin is None or getattr(stdin, "closed", False):
        return None
    try:
        return stdin.readline() or None
    except UnicodeDecodeError:
        return ErrorResult("That line isn't readable text.")
    except (KeyboardInterrupt, OSError, ValueError):
        return None


def _isatty(stream: TextIO | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):
        return False


def _silence_stdout() -> None:
    """The reader went away (`| head`): nothing more to say, and nothing to complain about at exit."""
    import os

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())

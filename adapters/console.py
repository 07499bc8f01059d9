"""The console adapter: a small chat session in the terminal, same commands as the platforms."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from adapters.text_render import render
from bot.chat import ChatCore
from bot.config import CONSOLE_COMMUNITY
from bot.ports import Actor

log = logging.getLogger(__name__)

GREETING = (
    "Yuntai console. Paste a clip link (with its caption if you like), or type /help. "
    "/quit or Ctrl-D leaves."
)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"


def run_console(
    chat: ChatCore,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    aclose: Callable[[], Awaitable[None]] | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    actor = Actor(community_id=CONSOLE_COMMUNITY, user_id=f"console:{_user()}", display_name=_user(),
                  is_admin=True)
    print(GREETING, file=stdout, flush=True)
    loop = asyncio.new_event_loop()
    try:
        while True:
            if interactive:
                print("yuntai> ", end="", file=stdout, flush=True)
            try:
                line = stdin.readline()
            except UnicodeDecodeError:
                print("Sorry: that line isn't readable text.", file=stdout, flush=True)
                continue
            except KeyboardInterrupt:
                print("", file=stdout)
                break
            if not line:
                break
            text = line.strip()
            if text.lower() in {"/quit", "/exit", "quit", "exit"}:
                break
            try:
                reply = loop.run_until_complete(chat.handle_text(text, actor))
            except KeyboardInterrupt:
                print("\n(cancelled)", file=stdout, flush=True)
                continue
            if reply is None:
                if text:
                    print("I only answer commands and clip links. Try /help.", file=stdout, flush=True)
                continue
            print(render(reply), file=stdout, flush=True)
            print("", file=stdout, flush=True)
    finally:
        if aclose is not None:
            loop.run_until_complete(aclose())
        loop.close()
    return 0

"""The commands every adapter offers, defined once; adapters render them per platform.

Discord turns these into slash commands with options, Slack into `/yuntai <name>` subcommands,
the console into typed lines. Help text comes from here so it never drifts between platforms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False  # takes the remaining free text (the caption)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    summary: str
    options: tuple[Option, ...] = ()
    admin_only: bool = False

    def usage(self, prefix: str = "/") -> str:
        parts = [f"{prefix}{self.name}"]
        for opt in self.options:
            shown = opt.name if opt.rest or opt.required and opt is self.options[0] else f"{opt.name}:…"
            parts.append(f"<{shown}>" if opt.required else f"[{shown}]")
        return " ".join(parts)


CHECK = CommandSpec(
    "check",
    "Reality-check an AI video clip: what it shows against what the model is documented to do.",
    (
        Option("link", "the clip's link (YouTube, X, TikTok, Instagram, Vimeo, Reddit, a vendor's site...)",
               required=True),
        Option("model", "the model that made it, if the link and caption don't say"),
        Option("workflow", "how it was made", choices=("text-to-video", "image-to-video", "video-to-video")),
        Option("caption", "the caption or description that came with the clip", rest=True),
    ),
)
MODEL = CommandSpec(
    "model",
    "An honest progress report of one model: strengths, weak spots and sources. Without a name, lists models.",
    (Option("name", "the model, e.g. Sora 2, Kling 1.6, Gen-3 Alpha", rest=True),),
)
HELP = CommandSpec("help", "What I can do and how to ask.")
DIGEST = CommandSpec(
    "digest",
    "Preview this week's digest: what was checked, how it came out, and what nobody has shown working yet.",
    (Option("action", "what to do with the digest", choices=("preview",)),),
)
USAGE = CommandSpec(
    "usage",
    "Admins: today's LLM token use against the daily budget, and why the template answered when it did.",
    admin_only=True,
)

COMMANDS: tuple[CommandSpec, ...] = (CHECK, MODEL, DIGEST, USAGE, HELP)
BY_NAME = {c.name: c for c in COMMANDS}

INTRO = (
    "I check whether an AI video demo is representative of what the model really does: paste a clip link "
    "(with its caption if you have it) and I'll compare what it shows with the model's documented strengths "
    "and weaknesses."
)

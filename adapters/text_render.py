"""Plain-text rendering of core results, for the console adapter and the command line."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from adapters.escape import for_console
from bot.attempts import AttemptResult
from bot.curation import ChangeRecord, CurationHistory, CurationResult, State
from bot.digest import DigestResult, WeeklyDigest
from bot.levels import Level
from bot.results import (
    AttemptRate,
    CheckResult,
    ChecksReply,
    ClaimView,
    ErrorResult,
    HelpResult,
    LinkCheck,
    ModelList,
    ModelReport,
    UsageResult,
)
from bot.setup import SetupResult
from bot.spelling import SLASH, spell
from bot.votes import VerdictsResult, VoteResult

LEVEL_LABELS = {level.value: level.label for level in Level}
WIDTH = 100


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)  # keep URLs whole


def render(result: object, prefix: str = SLASH) -> str:
    """One renderer per reply type, made terminal-safe: whatever a stranger wrote (titles, captions) cannot
    drive the terminal. An unknown type is a programming error, never shown as `str()`.

    `prefix` spells the commands a reply names as the platform types them (`bot.spelling`): Slack's
    renderer passes `/yuntai `."""
    renderer = RENDERERS.get(type(result))
    if renderer is None:
        raise TypeError(f"no text renderer for {type(result).__name__}")
    if type(result) in NAMES_COMMANDS:
        return for_console(renderer(result, prefix))
    return for_console(renderer(result))


def render_check(r: CheckResult) -> str:
    names = r.names
    s = r.signals
    site = "a web page (not a video site I know)" if r.clip.platform == "web" else r.clip.platform
    lines = [f"Reality check: {r.clip.canonical_url}  [{site}]"]
    if r.clip.title:
        lines.append(f"  title: {r.clip.title}")
    if not r.clip.fetched and r.clip.fetch_error:
        lines.append(f"  (page not read: {r.clip.fetch_error})")
    lines.append(f"Verdict: {Level(r.level).label}")
    lines.append("")
    lines.append(textwrap.fill(r.summary, WIDTH))
    lines.append("")
    model = f"{s.model.name} (from the {s.model.source})" if s.model else "not identified"
    workflow = s.workflow.value + (f" (from the {s.workflow.source})" if s.workflow.source else "")
    takes = s.takes.phrase()
    lines += [
        f"  model:    {model}",
        f"  workflow: {workflow}",
        f"  prompt:   {'shared' if s.prompt_disclosed else 'not shared'}",
        f"  takes:    {takes}",
        "  shows:    " + (", ".join(f"{names.get(x.id, x.id)} ({x.evidence!r})" for x in s.shown) or "nothing I "
                          "recognise"),
    ]
    if r.verdict.reasons:
        lines.append("Why:")
        lines += [_wrap(f"- {reason}") for reason in r.verdict.reasons]
    if r.verdict.does_not_tell:
        lines.append("What this clip does not tell you:")
        lines += [_wrap(f"- {item}") for item in r.verdict.does_not_tell]
    votes = {k: n for k, n in r.community.votes.items() if n}
    if votes:
        lines.append("Votes here: " + ", ".join(f"{k} {n}" for k, n in votes.items()))
    if r.community.attempts:
        lines.append("Members' attempts:")
        lines += [_wrap(_rate_line(a, names)) for a in r.community.attempts]
    lines.append(f"(summary by {r.summary_source}; knowledge base {r.kb_version})")
    return for_console("\n".join(lines))


COMPACT_TITLE = 100  # a clip's title in a compact line: enough to recognise it
COMPACT_REASON = 300  # its key reason: one sentence in practice
COMPACT_LINK = 200  # a pasted link that could not be checked, shown back as typed


def clipped(text: str, limit: int) -> str:
    """`text` on one line, cut at a word with "..." when longer than `limit` (a compact line stays one line)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - 3]
    cut = head.rfind(" ")
    return (head[:cut] if cut > limit // 2 else head).rstrip(" .,;:") + "..."


def compact_line(item: LinkCheck) -> str:
    """One link of a several-link answer in one line: level, link and title, model, the key reason.

    Shared by the console and Slack so the compact answer reads the same on both; not escaped (the
    caller escapes for its platform at the end, like every other renderer here).
    """
    r = item.result
    if not isinstance(r, CheckResult):
        return f"Not checked: {clipped(item.link, COMPACT_LINK)}: {r.message}"
    title = f' "{clipped(r.clip.title, COMPACT_TITLE)}"' if r.clip.title else ""
    model = r.signals.model.name if r.signals.model else "not identified"
    why = f" Why: {clipped(r.verdict.reasons[0], COMPACT_REASON)}" if r.verdict.reasons else ""
    return f"{Level(r.level).label}. {r.clip.canonical_url}{title}; model: {model}.{why}"


def left_out_note(left_out: int, prefix: str = SLASH) -> str:
    s = "" if left_out == 1 else "s"
    return f"{left_out} more link{s} in the message left out: use {spell('check', prefix)} for each."


def render_checks(r: ChecksReply, prefix: str = SLASH) -> str:
    lines = [f"Reality check of {len(r.items)} links:"]
    lines += [_wrap(f"{n}. {compact_line(item)}", indent="") for n, item in enumerate(r.items, 1)]
    if r.left_out:
        lines.append(left_out_note(r.left_out, prefix))
    return for_console("\n".join(lines))


def _rate_line(a: AttemptRate, names: dict[str, str]) -> str:
    pooled = " (shared pool)" if a.scope == "shared" else ""
    members = f"{a.members} member" + ("" if a.members == 1 else "s")
    return (f"- {names.get(a.capability, a.capability)}: {a.usable} of {a.tries} tries usable ({a.rate:.0%}, "
            f"likely {a.low * 100:.0f}-{a.high * 100:.0f}%) from {members}{pooled}: "
            f"{a.band.replace('_', ' ') or 'no band'}")


def _claim_line(c: ClaimView, names: dict[str, str]) -> str:
    note = f": {c.notes[0]}" if c.notes else ""
    src = f" [{c.sources[0]}]" if c.sources else ""
    return _wrap(f"- {names.get(c.capability, c.capability)}{note}{src}")


def render_model(r: ModelReport, prefix: str = SLASH) -> str:
    lines = [f"{r.name} ({r.vendor}{', ' + r.released if r.released else ''})"]
    if r.workflows:
        lines.append(f"  workflows: {', '.join(r.workflows)}")
    if r.notes:
        lines.append(_wrap(r.notes))
    for title, group in (("Strengths", r.strengths), ("Hit and miss", r.mixed), ("Weak spots", r.weaknesses)):
        lines.append(f"{title}:" if group else f"{title}: none documented")
        lines += [_claim_line(c, r.names) for c in group]
    if r.undocumented:
        lines.append("Nobody has documented: " + ", ".join(r.names.get(c, c) for c in r.undocumented))
    if r.demos:
        lines.append("How its famous demos were made:")
        lines += [_wrap(f"- {d}") for d in r.demos]
    if r.attempts_scope:
        where = "shared by the communities that opted in" if r.attempts_scope == "shared" else "this community"
        lines.append(f"Hit rates reported by members ({where}):" if r.hit_rates else
                     f"Hit rates reported by members ({where}): none yet; report yours with {spell('tried', prefix)}")
        lines += [_wrap(_rate_line(a, r.names)) for a in r.hit_rates]
    if r.most_checked:
        lines.append("Most-checked clips here:")
        for c in r.most_checked:
            verdict = f"consensus {c.consensus}" if c.consensus else "no consensus"
            lines.append(_wrap(f"- {c.canonical_url} (id {c.clip_id}): checked {c.checks}x, {c.voters} votes, "
                               f"{verdict}: {c.basis}"))
    if r.unreported:
        lines.append(_wrap("Nobody has reported attempts at: " + ", ".join(r.names.get(c, c) for c in r.unreported),
                           indent=""))
    if r.chart_path:
        lines.append(f"Chart: {r.chart_path}")
    return "\n".join(lines)


def render_vote(r: VoteResult) -> str:
    if r.before is None:
        said = f"Your vote on {r.clip_url} is stored: {r.label}."
    elif r.changed:
        said = f"Your vote on {r.clip_url} changed from {r.before} to {r.label}."
    else:
        said = f"You had already voted {r.label} on {r.clip_url}; nothing changed."
    return said + "\n  Votes here: " + ", ".join(f"{k} {n}" for k, n in r.votes.items())


def render_verdicts(r: VerdictsResult) -> str:
    c = r.consensus
    lines = [f"Votes on {r.clip_url} (id {r.clip_id}):",
             "  " + ", ".join(f"{k} {n}" for k, n in c.votes.items())]
    if c.consensus is not None:
        lines.append(_wrap(f"Consensus: {c.consensus.label} ({c.consensus.basis})", indent=""))
    else:
        lines.append(_wrap(f"No consensus: {c.note}", indent=""))
    return "\n".join(lines)


def render_attempt(r: AttemptResult) -> str:
    where = "the shared pool" if r.scope == "shared" else "this community"
    return (f"Thanks: {r.usable} usable of {r.tries} tries of {r.capability_name} with {r.model_name} is stored.\n"
            + _wrap(f"{r.model_name} at {r.capability_name} in {where}: {r.rate.describe()}; "
                    f"{r.rate.band.replace('_', ' ')}."))


def render_model_list(r: ModelList, prefix: str = SLASH) -> str:
    lines = [f"Models I know (use {spell('model', prefix)} NAME for a report):"]
    lines += [f"  {name:<28} {vendor:<22} {count:>3} claims" for _id, name, vendor, count in r.models]
    return "\n".join(lines)


def render_help(r: HelpResult) -> str:
    lines = [textwrap.fill(r.intro, WIDTH), "", "Commands:"]
    lines += [f"  {usage}\n      {desc}" for usage, desc in r.lines]
    lines.append("Or paste a clip link on its own and I'll check it.")
    return "\n".join(lines)


def render_digest(r: DigestResult) -> str:
    lines = [f"Digest preview for {r.community_id}: {r.since:%Y-%m-%d} to {r.until:%Y-%m-%d}"]
    lines += _digest_figures(r)
    lines += [f"  {line}" for line in r.usage_lines]
    return for_console("\n".join(lines))


def _digest_figures(r: DigestResult, weak_spots: bool = True) -> list[str]:
    f, names = r.figures, r.names
    lines = []
    if not f.checks:
        lines.append("  No clips were checked this week.")
    else:
        levels = ", ".join(f"{n} {Level(level).title}" for level, n in f.by_level.items() if n)
        lines.append(f"  {f.checks} clip checks: {levels}.")
        top = sorted(f.by_model.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        if top:
            lines.append("  Models: " + ", ".join(f"{names.get(m, m)} ({n})" for m, n in top))
        shots = sorted(f.shown.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        if shots:
            lines.append("  Kinds of shot shown: " + ", ".join(f"{names.get(c, c)} ({n})" for c, n in shots))
    if weak_spots and r.unshown_weaknesses:
        lines.append(_wrap("Documented weak spots nobody showed this week: "
                           + ", ".join(names.get(c, c) for c in r.unshown_weaknesses), indent="  "))
    lines.append(f"  Knowledge-base changes by curators: {f.kb_changes}")
    return lines


VOTE_WORDS = {"representative": "representative", "cherry_picked": "cherry-picked",
              "misleading_workflow": "misleading workflow", "cant_tell": "can't tell"}


def _vote_word(label: str) -> str:
    return VOTE_WORDS.get(label, label.replace("_", " "))


def _share(rate: float | None) -> str:
    return "none" if rate is None else f"{rate:.0%}"


def render_weekly_digest(d: WeeklyDigest) -> str:
    """The posted digest: the week's figures first, then what the community itself concluded."""
    base, names = d.base, d.base.names
    lines = [f"Weekly digest for {d.community_id}, week {d.week} ({base.since:%Y-%m-%d} to {base.until:%Y-%m-%d})"]
    lines += _digest_figures(base, weak_spots=False)  # replaced by "nobody has shown working yet" below
    top = d.most_contested
    if top is not None:
        split = ", ".join(f"{n} {_vote_word(label)}" for label, n in top.votes.items() if n)
        lines.append(_wrap(f"Most contested clip: {top.canonical_url} ({split})", indent="  "))
    if d.consensus:
        lines.append(f"  Consensus reached on {len(d.consensus)} clip(s):")
        lines += [_wrap(f"- {c.canonical_url}: {_vote_word(c.label)} ({c.basis})", indent="    ")
                  for c in d.consensus[:5]]
    else:
        lines.append("  No clip reached a community consensus this week.")
    a = d.attempts
    lines.append(f"  Attempt reports: {a.reports} new ({a.usable} usable of {a.tries} tries)." if a.reports
                 else "  No new attempt reports.")
    for m in d.movers:
        lines.append(_wrap(f"- {names.get(m.model, m.model)} x {names.get(m.capability, m.capability)}: hit rate "
                           f"{_share(m.before)} -> {_share(m.after)} ({m.usable}/{m.tries})", indent="    "))
    if d.not_shown_working:
        lines.append(_wrap("Shots nobody has shown working yet: "
                           + ", ".join(names.get(c, c) for c in d.not_shown_working), indent="  "))
    if d.chart is not None:
        lines.append(f"  Chart: {d.chart}")
    return for_console("\n".join(lines))


def render_usage(r: UsageResult) -> str:
    return "\n".join(r.lines)


def state_phrase(kind: str, state: State) -> str:
    """A curation state in a few words: enough to see what changed, not the whole document."""
    if state is None:
        return "(nothing)"
    doc = state.get("doc") or state.get("global") or {}
    if kind == "claim":
        src = (doc.get("sources") or [{}])[0].get("url", "")
        text = f"{doc.get('rating', '?')} [{src}]" + (f" {doc['note']!r}" if doc.get("note") else "")
    elif kind == "model":
        aliases = ", ".join(doc.get("aliases") or [])
        text = f"{doc.get('name', '?')}" + (f" (aliases: {aliases})" if aliases else "")
    else:
        parent = f" under {doc['parent']}" if doc.get("parent") else ""
        text = f"{doc.get('name', '?')}{parent}, {len(doc.get('terms') or [])} words"
    if "global" in state:
        return f"global: {text}"
    return text + (" (retired)" if state.get("retired") else "")


def _change_line(c: ChangeRecord) -> str:
    undo = f" of #{c.undoes}" if c.undoes else ""
    return _wrap(f"#{c.change_id} {c.at[:16].replace('T', ' ')} {c.actor}: {c.action}{undo} {c.kind} {c.key}: "
                 f"{state_phrase(c.kind, c.before)} -> {state_phrase(c.kind, c.after)}", indent="  ")


def render_curation(r: CurationResult) -> str:
    return f"{r.message}\n{_change_line(r.change)}"


def render_curation_history(r: CurationHistory, prefix: str = SLASH) -> str:
    what = f" of {r.thing}" if r.thing else ""
    if not r.changes:
        return f"No curation changes{what} in this community yet."
    lines = [f"Curation history{what}, newest first (undo one with {spell('kb undo', prefix)} ID):"]
    lines += [_change_line(c) for c in r.changes]
    return "\n".join(lines)


def render_setup(r: SetupResult) -> str:
    return r.message


def render_error(r: ErrorResult) -> str:
    return f"Sorry: {r.message}"


RENDERERS: dict[type, Callable[[Any], str]] = {
    CheckResult: render_check,
    ChecksReply: render_checks,
    ModelReport: render_model,
    ModelList: render_model_list,
    HelpResult: render_help,
    DigestResult: render_digest,
    UsageResult: render_usage,
    CurationResult: render_curation,
    CurationHistory: render_curation_history,
    SetupResult: render_setup,
    ErrorResult: render_error,
    WeeklyDigest: render_weekly_digest,
    VoteResult: render_vote,
    VerdictsResult: render_verdicts,
    AttemptResult: render_attempt,
}
NAMES_COMMANDS = frozenset({ModelReport, ModelList, CurationHistory, ChecksReply})  # their renderers take the prefix

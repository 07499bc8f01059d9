"""What a clip reveals about how it was made: model, workflow, prompt, takes, capabilities shown.

Each signal records where it came from. What the user typed explicitly wins over any guess;
then the link itself (a vendor's own site), then the caption the user pasted, then the fetched
title and description.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.classifier import CapabilityClassifier
from bot.knowledge import WORKFLOWS, KnowledgeBase, Model
from bot.links import VENDOR_PLATFORMS, LinkError, parse_link
from bot.results import ModelSignal, Provenance, Shown, Signals, Takes, WorkflowSignal
from bot.text import clean


class UnknownModel(ValueError):
    """The user named a model the knowledge base does not know."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else " Try /model to list them."
        super().__init__(f"I don't know a model called {name!r}.{hint}")
        self.name = name
        self.suggestions = suggestions


class UnknownWorkflow(ValueError):
    pass


def _alias_regex(alias: str) -> str:
    parts = re.findall(r"[a-z]+|\d+", clean(alias).lower())
    if not parts:
        return ""
    out = [re.escape(parts[0])]
    for prev, cur in zip(parts, parts[1:], strict=False):
        if prev.isdigit() and cur.isdigit():
            out.append(r"[.\s_\-]?")
        elif cur.isdigit():
            out.append(r"[\s\-_]*v?")
        else:
            out.append(r"[\s\-_]*")
        out.append(re.escape(cur))
    return "".join(out)


class ModelMatcher:
    """Finds model names, versions and hashtags in text; longest alias wins at a position."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        by_pattern: dict[str, str] = {}
        firsts: set[str] = set()
        for model in kb.models:
            names = [model.name, *model.aliases, *(h.lstrip("#") for h in model.hashtags)]
            for alias in names:
                pattern = _alias_regex(alias)
                if pattern and pattern not in by_pattern:
                    by_pattern[pattern] = model.id
                    firsts.add(re.findall(r"[a-z]+|\d+", clean(alias).lower())[0])
        ordered = sorted(by_pattern, key=lambda p: (-len(p), p))
        self._groups = [by_pattern[p] for p in ordered]
        alternation = "|".join(f"({p})" for p in ordered) or r"(?!x)x"
        self._regex = re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])", re.IGNORECASE)
        # Where an alias can start: trying the full alternation only there is several times faster
        # than letting it scan every position of a caption.
        starts = "|".join(re.escape(f) for f in sorted(firsts, key=lambda f: (-len(f), f))) or r"(?!x)x"
        self._starts = re.compile(rf"(?<![a-z0-9])(?:{starts})", re.IGNORECASE)
        # The start found is the longest first word there; only aliases whose first word is a prefix of it can
        # match at that position. One small alternation per start word, in the global order, gives the same
        # match as the whole alternation at a fraction of the cost (a hundred-odd branches tried per "in").
        first_of = {p: re.findall(r"[a-z]+|\d+", p.replace("\\", ""))[0] for p in ordered}
        self._by_start: dict[str, tuple[re.Pattern[str], list[str]]] = {}
        for f in firsts:
            subset = [p for p in ordered if f.startswith(first_of[p])]
            alternation = "|".join(f"({p})" for p in subset)
            self._by_start[f] = (re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])", re.IGNORECASE),
                                 [by_pattern[p] for p in subset])
        self._exact = {re.sub(r"[^a-z0-9]", "", a.lower()): mid for a, mid in self._names()}
        # host -> (path prefix, score, -position in the knowledge base, model); built on first use
        self._sites: dict[str, list[tuple[str, int, int, Model]]] | None = None

    def _names(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for model in self._kb.models:
            out.append((model.id, model.id))
            out.append((model.name, model.id))
            out.extend((a, model.id) for a in model.aliases)
        return out

    def find(self, text: str) -> list[tuple[str, str]]:
        """(model id, matched text) in order of appearance, each model once."""
        return [(model_id, matched) for model_id, matched, _ in self.find_spans(clean(text))]

    def find_spans(self, text: str) -> list[tuple[str, str, int]]:
        """(model id, matched text, start in `text`) for already cleaned text, each model once."""
        seen: dict[str, tuple[str, int]] = {}
        for model_id, matched, at in self._all_spans(text):
            seen.setdefault(model_id, (matched, at))
        return [(mid, matched, at) for mid, (matched, at) in seen.items()]

    def _all_spans(self, text: str) -> list[tuple[str, str, int]]:
        out: list[tuple[str, str, int]] = []
        resume = 0
        for start in self._starts.finditer(text):
            if start.start() < resume:
                continue
            regex, groups = self._by_start.get(start.group().lower(), (self._regex, self._groups))
            m = regex.match(text, start.start())
            if m is None:
                continue
            resume = m.end()
            model_id = groups[m.lastindex - 1] if m.lastindex else None
            if model_id:
                out.append((model_id, m.group(), m.start()))
        return out

    def find_ranked(self, text: str) -> list[tuple[str, str, bool]]:
        """(model id, matched text, negated), the model the text attributes the clip to first.

        "Not Sora, this is Kling 2.1" is a Kling clip: a model named after a negation ("not",
        "instead of", "unlike") anywhere in the text, and never named as the maker, is marked
        negated and goes last; one introduced as the maker ("this is", "made with") goes first;
        one named only in somebody's guess ("everyone thinks it's Sora") goes after plain mentions;
        otherwise the order of appearance stands.
        """
        first: dict[str, tuple[str, int]] = {}
        negated: set[str] = set()
        guessed: set[str] = set()
        attributed: set[str] = set()
        for model_id, matched, at in self._all_spans(text):
            first.setdefault(model_id, (matched, at))
            before = clause_before(text, at)
            if _NEGATED_BEFORE.search(before):
                negated.add(model_id)
            elif _GUESSED_BEFORE.search(before):
                guessed.add(model_id)
            elif _ATTRIBUTED_BEFORE.search(before):
                attributed.add(model_id)
        negated -= attributed
        guessed -= attributed

        def rank(mid: str) -> tuple[int, int]:
            tier = 3 if mid in negated else 0 if mid in attributed else 2 if mid in guessed else 1
            return tier, first[mid][1]

        return [(mid, first[mid][0], mid in negated) for mid in sorted(first, key=rank)]

    def resolve(self, name: str) -> Model:
        """The model a user named explicitly; raises UnknownModel with close suggestions."""
        key = re.sub(r"[^a-z0-9]", "", clean(name).lower())
        model_id = self._exact.get(key)
        if model_id is None:
            found = self.find(name)
            if len(found) == 1 and len(found[0][1]) >= len(name.strip()) * 0.6:
                model_id = found[0][0]
        if model_id is None:
            names = [m.name for m in self._kb.models]
            close = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.5)
            raise UnknownModel(name.strip()[:80], close)
        return self._kb.model_by_id[model_id]

    def from_url(self, canonical_url: str) -> Model | None:
        """The model whose site the link is on: the longest listed site (host and path prefix) wins.

        A vendor's subdomain counts (`app.sora.com`); the sites are looked up by the host and each of its
        parent domains rather than by scanning every model's sites on every check.
        """
        if self._sites is None:
            sites: dict[str, list[tuple[str, int, int, Model]]] = {}
            for order, model in enumerate(self._kb.models):
                for site in model.sites:
                    site_host, _, site_path = site.lower().removeprefix("www.").partition("/")
                    sites.setdefault(site_host, []).append((site_path, len(site), -order, model))
            self._sites = sites
        parts = urlsplit(canonical_url)
        host = (parts.hostname or "").removeprefix("www.")
        path = parts.path.lower().lstrip("/")
        best: tuple[int, int, Model] | None = None  # the longest site; at a tie, the model listed first
        labels = host.split(".")
        for i in range(len(labels) - 1):
            for site_path, score, order, model in self._sites.get(".".join(labels[i:]), ()):
                if site_path and not path.startswith(site_path):
                    continue
                if best is None or (score, order) > best[:2]:
                    best = (score, order, model)
        return best[2] if best else None


_CLAUSE_END = re.compile(r"[.!?;:,()\n\"“”]|\bbut\b|\bthough\b|\bhowever\b", re.IGNORECASE)
_NEGATED_BEFORE = re.compile(
    r"(?:\bnot|n['’]t|\b(?:dont|didnt|isnt|wasnt|arent|aint)|\bno|\bnever|\bnor|\binstead\s+of|\brather\s+than|"
    r"\bunlike|\bwithout|\bnope)\s+"
    r"(?:(?:made|done|generated|created|rendered|using|use|used|with|in|on|by|from|a|an|the|just|even|really|"
    r"actually|pure|plain|simple|some|any|my)\s+){0,3}$",
    re.IGNORECASE,
)
# Somebody's guess names a model without naming the maker: "everyone thinks it's Sora", "looks like Veo".
_GUESSED_BEFORE = re.compile(
    r"\b(?:thinks?|thought|says?|said|claims?|claimed|insists?|looks?\s+like|assumed?|guess(?:ed)?|"
    r"mistaken\s+for|confused\s+(?:it\s+)?(?:with|for))\s+"
    r"(?:(?:it'?s|it\s+is|this\s+is|it\s+was|this\s+was|that'?s|was|is|made\s+(?:with|by|in)|from|a|an|the)\s+){0,2}$",
    re.IGNORECASE,
)
_ATTRIBUTED_BEFORE = re.compile(
    r"(?:\bthis\s+is|\bthis'?s|\bit'?s|\bit\s+is|\bthat'?s|\bthat\s+is|\bwas|\bmade|\bgenerated|\bcreated|"
    r"\brendered|\bdone|\bshot|\banimated|\bused|\busing|\bvia|\bpowered\s+by)\s+"
    r"(?:(?:with|in|on|by|using|all|entirely|fully|the|new|just|pure|100%|actually|really|clearly|obviously|"
    r"definitely)\s+){0,2}$",
    re.IGNORECASE,
)


def clause_before(text: str, at: int, window: int = 60) -> str:
    """The words of the same clause just before position `at`: where a negation would be."""
    before = text[max(0, at - window):at]
    cut = 0
    for m in _CLAUSE_END.finditer(before):
        cut = m.end()
    return before[cut:]


def is_negated(text: str, at: int) -> bool:
    return bool(_NEGATED_BEFORE.search(clause_before(text, at)))


_WORKFLOW_CUES: tuple[tuple[str, str], ...] = (
    ("image-to-video", r"image[\s\-_]*(?:to|2)[\s\-_]*vid(?:eo)?|img[\s\-_]*(?:to|2)[\s\-_]*vid(?:eo)?|\bi2v\b"),
    ("image-to-video", r"photo[\s\-_]*(?:to|2)[\s\-_]*video|animat(?:e|ed|ing)\s+(?:a|an|my|this|the|an old)\s+"
                       r"(?:own\s+)?(?:photo|image|still|picture|painting|portrait|drawing|illustration|render)"),
    ("image-to-video", r"\bfrom\s+(?:a|an|my|the|this|our)\s+(?:own\s+)?(?:midjourney|mj|flux|sdxl|stable diffusion|"
                       r"dall[\s\-]?e|ai|single|still|old|real|family)?\s*(?:still|image|photo|picture|frame|render|"
                       r"illustration|drawing|painting|sketch|selfie|portrait|snapshot)s?\b"),
    ("image-to-video", r"\b(?:photo|image|picture|still|painting|portrait|drawing|selfie|illustration)s?\s+"
                       r"(?:animated|brought\s+to\s+life|comes?\s+(?:alive|to\s+life)|came\s+(?:alive|to\s+life))|"
                       r"\bbr(?:ing|ought)\s+(?:a|an|my|the|this|our|an\s+old)\s+(?:old\s+)?(?:family\s+)?"
                       r"(?:photo|image|picture|painting|portrait|drawing)s?\s+to\s+life"),
    ("image-to-video", r"\b(?:start(?:ing)?|first|end(?:ing)?|last)[\s\-]+frames?\b|\breference\s+image|"
                       r"\bkeyframes?\b|\bmidjourney\s+(?:still|image|v\d)|\bmj\s+(?:still|image)"),
    ("video-to-video", r"video[\s\-_]*(?:to|2)[\s\-_]*video|vid[\s\-_]*2[\s\-_]*vid|\bv2v\b|"
                       r"\brestyl(?:e|ed|ing)\b|style[\s\-]transfer|\brotoscop\w*|motion[\s\-]transfer|"
                       r"driving\s+video|\bact[\s\-]one\b|\baleph\b|over\s+(?:my|real)\s+footage|"
                       r"\bfilmed\s+(?:myself|it|this)\b|\bre[\s\-]?render(?:ed)?\s+(?:my|the)\s+(?:footage|video)"),
    ("text-to-video", r"text[\s\-_]*(?:to|2)[\s\-_]*vid(?:eo)?|txt[\s\-_]*2[\s\-_]*vid|\bt2v\b|"
                      r"\b(?:pure|just\s+a|only\s+a|from\s+a)\s+(?:text\s+)?prompt\b|prompt[\s\-]only|"
                      r"no\s+(?:input|reference|init)\s+image"),
)
_WORKFLOW_REGEX = [(value, re.compile(p, re.IGNORECASE)) for value, p in _WORKFLOW_CUES]
# Every cue above holds one of these fragments (lowercase); seven scans of a caption that has none are skipped.
# Plain substring tests: one regex alternation over the caption cost as much as the seven scans.
_WORKFLOW_FRAGMENTS = (
    "vid", "v2v", "i2v", "t2v", "image", "img", "photo", "picture", "still", "painting", "portrait", "drawing",
    "illustration", "render", "selfie", "sketch", "snapshot", "frame", "reference", "midjourney", "mj", "restyl",
    "style", "rotoscop", "motion", "driving", "act", "aleph", "footage", "filmed", "text", "txt", "prompt", "input",
    "init",
)

# Work done on the clip after generation. "Rotoscoped in post" is a compositor's mask, not a
# video-to-video generation, and it means what you see is not the model's output alone.
_POST_PRODUCTION = re.compile(
    r"\bpost[\s\-]?production\b|\b(?:in|during)\s+post\b|\bcorrective\s+vfx\b|\bvfx\s+clean[\s\-]?up\b|"
    r"\b(?:in|with|using|through)\s+(?:after\s+effects|nuke|davinci(?:\s+resolve)?|premiere(?:\s+pro)?)\b|"
    r"\bcomposited\b|\b(?:free)?hand[\s\-]rotoscop\w*|\brotoscop\w*\s+(?:\w+\s+){0,2}?(?:by\s+hand|manually)",
    re.IGNORECASE,
)
_PROMPT_REGEX = re.compile(
    r"\bprompts?\s*(?:used\s*)?[:=\-–—]\s*\S|\bprompts?\s+(?:was|is|were)\s*[:\"“']|"
    r"[\"“][^\"”]{25,}[\"”]\s*(?:was|is)?\s*(?:the|my)\s+prompt|"
    r"\bprompts?\s+(?:is\s+|are\s+)?(?:in|below|above|in\s+the)\s+(?:the\s+)?"
    r"(?:comments?|replies|reply|thread|alt|description|caption|first\s+comment|🧵)|"
    r"\bfull\s+prompts?\b|\bprompt\s+(?:below|👇|⬇)|\bhere'?s\s+(?:the|my)\s+prompt",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "a dozen": 12, "a hundred": 100,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "twelfth": 12, "twentieth": 20,
}
_NUM = r"(\d{1,5}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_TAKE = (r"(?:gens?|generations?|tries|try|takes?|attempts?|outputs?|rolls?|re-?rolls?|renders?|iterations?|"
         r"seeds?|samples?|clips?|versions?|variations?|retries|runs?)")
# Each pattern with the fragments (lowercase) one of which any match of it contains: a pattern whose fragments
# are all absent from a caption is not run. Most captions mention none, and these regexes are the dearest part of
# reading a long caption (bench/check_speed.py; tests/bot/test_fast_paths.py compares with running them all).
_Gated = tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]


def _compiled(gated: list[tuple[tuple[str, ...], str]]) -> list[_Gated]:
    """Each pattern twice: case-sensitive for lowercased captions, IGNORECASE for the rare one lower() resizes."""
    return [(gates, re.compile(p), re.compile(p, re.IGNORECASE)) for gates, p in gated]


_TAKE_FRAGMENTS = ("gen", "tri", "try", "take", "attempt", "output", "roll", "render", "iteration", "seed", "sample",
                   "clip", "version", "variation", "run")
_TRY_FRAGMENTS = ("try", "take", "attempt", "gen", "roll")
_TAKES_COUNT_GATED: list[tuple[tuple[str, ...], str]] = [
    (("best",), rf"\bbest\s+(?:one\s+|take\s+|clip\s+)?(?:of|out\s+of|from)\s+(?:~\s*)?{_NUM}\b"),
    (("1", "one"), rf"\b(?:1|one)\s*(?:of|out\s+of|in|/)\s*(?:~\s*)?{_NUM}\s+{_TAKE}\b"),
    (("pick", "select", "chosen", "curat", "pulled"),
     rf"\b(?:cherry[\s\-]?picked|picked|selected|chosen|curated|pulled)\s+(?:out\s+)?(?:from|of|among|"
     rf"out\s+of)\s+(?:~\s*|about\s+|around\s+|over\s+|like\s+)?{_NUM}\b"),
    (_TAKE_FRAGMENTS, rf"\b(?:after|took(?:\s+me)?(?:\s+like)?|in|from|needed|about|around|over|roughly|~)\s+"
                      rf"(?:~\s*)?{_NUM}\s+{_TAKE}\b"),
    (_TAKE_FRAGMENTS, rf"\b{_NUM}\s+{_TAKE}\s+(?:to\s+get|for\s+this|until|before|later|in)\b"),
    (_TAKE_FRAGMENTS, rf"(?:^|[\s(])(?:~\s*)?{_NUM}\s+{_TAKE}\s*(?:[!.)]|$)"),  # "1 try!", "40 rolls."
    (_TRY_FRAGMENTS, r"\b(\d{1,4})(?:st|nd|rd|th)\s+(?:try|take|attempt|gen|generation|roll)\b"),
    (tuple(o for o in _ORDINALS if o != "first"),
     r"\b(" + "|".join(o for o in _ORDINALS if o != "first") + r")\s+(?:try|take|attempt|gen|generation|roll)\b"),
]
_TAKES_COUNT = _compiled(_TAKES_COUNT_GATED)
# Three of them need a number right before a word for a take ("40 rolls"): found from the take words, which
# are rare, rather than by trying every number word at every word of the caption.
_NEEDS_NUMBER_THEN_TAKE = {3, 4, 5}
_TAKE_WORD = re.compile(rf"\b{_TAKE}\b")
_NUMBER_AT_END = re.compile(rf"(?:^|[^a-z0-9]){_NUM}$")


def _number_then_take(lower: str) -> bool:
    for m in _TAKE_WORD.finditer(lower):
        before = lower[max(0, m.start() - 40):m.start()]
        if before[-1:].isspace() and _NUMBER_AT_END.search(before.rstrip()):
            return True
    return False
# "first try" etc.; "my first try at Kling" is a first experiment with a tool, not one take.
_NOT_AT = r"(?!\s+(?:at|with|of|using|on)\b)"
_TAKES_ONE_GATED: list[tuple[tuple[str, ...], str]] = [
    (("first", "1st", "single"),
     rf"\b(?:first|1st|single)[\s\-]+(?:try|take|attempt|gen|generation|roll|output|go)\b{_NOT_AT}"),
    (("one",), rf"\bone[\s\-]+(?:take|generation|gen|roll|output)\b{_NOT_AT}"),
    (("one",), r"\bone[\s\-]?shott?ed\b|\bone-?shot\b(?!\s+of\b)|\bone\s+and\s+done\b"),
    (("go",), r"\b(?:in\s+one|on\s+the\s+first)\s+go\b"),
    (("no",), r"\bno\s+(?:cherry[\s\-]?pick\w*|rerolls?|re-rolls?|retries|second\s+tries|curation)\b"),
    (("cherry",), r"(?:\bnot|\bnever|n['’]t)\s+(?:been\s+)?cherry[\s\-]?pick\w*"),
    (("uncurated", "unselected"), r"\buncurated\b|\bunselected\b"),
    (("zero",), r"\bzero\s+(?:cherry[\s\-]?pick\w*|rerolls?|re-rolls?)"),
    (("raw",), r"\braw\s+outputs?\b"),
]
_TAKES_SOME_GATED: list[tuple[tuple[str, ...], str]] = [
    (("cherry", "best", "curated", "pick", "select"),
     r"\bcherry[\s\-]?picked\b|\bbest\s+(?:of\s+(?:many|several|a\s+bunch|lots)|outputs?|takes?|results?)\b|"
     r"\bcurated\b|\bhand[\s\-]?picked\b|\bselected\s+(?:from|outputs?)"),
    (_TAKE_FRAGMENTS,
     rf"\b(?:hundreds|dozens|thousands|tons|lots|loads|a\s+ton|a\s+bunch|countless|endless|many|multiple|several|"
     rf"a\s+few\s+hundred|a\s+couple\s+(?:of\s+)?(?:hundred|dozen)|a\s+lot)\s+(?:of\s+)?{_TAKE}\b"),
]
_TAKES_ONE = _compiled(_TAKES_ONE_GATED)
_TAKES_SOME = _compiled(_TAKES_SOME_GATED)


def _gated(regexes: list[_Gated], lower: str, folded: bool) -> list[re.Pattern[str]]:
    """The regexes whose fragments occur in the (lowercased, NFKC-cleaned) caption.

    `folded`: the caption was lowercased without changing its length, so the case-sensitive twin of each
    pattern runs on the lowercase text (half the cost of IGNORECASE) and positions still index the original.
    """
    return [cased if folded else ignoring for gates, cased, ignoring in regexes if any(g in lower for g in gates)]


def _leftmost(regexes: list[re.Pattern[str]], text: str) -> re.Match[str] | None:
    """The first match of the alternation of `regexes` (leftmost; at a tie, the earlier regex), run one by one."""
    best: re.Match[str] | None = None
    for regex in regexes:
        m = regex.search(text)
        if m is not None and (best is None or m.start() < best.start()):
            best = m
    return best


# Every phrase above holds one of these words (or a word starting with one); a caption without any is not scanned
# further. Most captions say nothing about takes, and one pass of this is far cheaper than the eleven regexes.
_TAKES_HINT = re.compile(
    r"\b(?:gen|tr(?:y|ies)|take|attempt|output|roll|re-?roll|render|iteration|seed|sample|clip|version|variation|"
    r"run|retries|cherry|pick|hand[\s\-]?pick|select|unselect|chosen|curat|uncurat|pulled|best|shot|one-?shot|go|done|"
    r"raw)",
    re.IGNORECASE,
)
# The counting phrases all hold a number: digits, a number word or an ordinal.
_HAS_NUMBER = re.compile(r"\d|\b(?:" + "|".join(sorted({*_NUMBER_WORDS, *_ORDINALS}, key=len, reverse=True))
                         + r")\b", re.IGNORECASE)


def _number(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word) or _ORDINALS.get(word, 0)


def detect_takes(text: str) -> Takes:
    """What the creator says about selection: a count, a single take, or "picked from many".

    A negated single take ("not a first try") is a curated clip with no count.
    """
    if not _TAKES_HINT.search(text):
        return Takes()  # most captions say nothing about takes: one cheap scan settles it
    lower = text.lower()
    folded = len(lower) == len(text)
    subject = lower if folded else text
    counted = _gated(_TAKES_COUNT, lower, folded) if _HAS_NUMBER.search(text) else []
    if counted and not _number_then_take(lower):
        skip = {entry[1 if folded else 2] for i, entry in enumerate(_TAKES_COUNT) if i in _NEEDS_NUMBER_THEN_TAKE}
        counted = [r for r in counted if r not in skip]
    for regex in counted:
        for m in regex.finditer(subject):
            count = _number(m.group(1))
            if count <= 0 or is_negated(text, m.start()):
                continue
            return Takes(True, count, text[m.start():m.end()].strip(), curated=count > 1)
    m = _leftmost(_gated(_TAKES_ONE, lower, folded), subject)
    if m is not None:
        phrase = text[m.start():m.end()]
        if is_negated(text, m.start()):
            return Takes(True, None, phrase, curated=True)
        uncurated_only = phrase.lower().startswith(("no", "not", "never", "zero", "uncurated", "unselected", "raw"))
        return Takes(True, None if uncurated_only or "n't" in phrase or "n’t" in phrase else 1, phrase,
                     curated=False)
    m = _leftmost(_gated(_TAKES_SOME, lower, folded), subject)
    if m is not None:
        return Takes(True, None, text[m.start():m.end()], curated=not is_negated(text, m.start()))
    return Takes()


def detect_workflow(text: str) -> tuple[str, str] | None:
    """The first workflow the text states, skipping negated ones ("not text-to-video: ...").

    A rotoscope that the text places in post-production is compositing, not video-to-video.
    """
    lower = text.lower()
    if not any(fragment in lower for fragment in _WORKFLOW_FRAGMENTS):
        return None
    best: tuple[int, str, str] | None = None
    for value, regex in _WORKFLOW_REGEX:
        for m in regex.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            if is_negated(text, m.start()):
                continue
            if m.group().lower().startswith("rotoscop") and _is_post(text, m):
                continue
            best = (m.start(), value, m.group())
            break
    return (best[1], best[2]) if best else None


def _is_post(text: str, m: re.Match[str]) -> bool:
    after = text[m.start():m.end() + 40]
    sentence = re.split(r"[.!?;\n]", after, maxsplit=1)[0]
    # searched in place, not in a slice: a slice starting inside a word ("free|hand-rotoscoped") would give the
    # pattern a word boundary the text does not have, and this reader and detect_post_production would disagree
    before = _POST_PRODUCTION.search(text, max(0, m.start() - len("freehand-")), m.end())
    return bool(_POST_PRODUCTION.search(sentence)) or bool(before)


def detect_post_production(text: str) -> str:
    """The words that say the clip was worked on after generation, or ""."""
    for m in _POST_PRODUCTION.finditer(text):
        if not is_negated(text, m.start()):
            return m.group()
    return ""


def prompt_disclosed(text: str) -> bool:
    return bool(_PROMPT_REGEX.search(text))


def normalise_workflow(value: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", value.lower())
    table = {
        "texttovideo": "text-to-video", "t2v": "text-to-video", "text": "text-to-video",
        "imagetovideo": "image-to-video", "i2v": "image-to-video", "image": "image-to-video",
        "img2vid": "image-to-video", "videotovideo": "video-to-video", "v2v": "video-to-video",
        "video": "video-to-video", "vid2vid": "video-to-video",
    }
    if key not in table:
        raise UnknownWorkflow(
            f"{value.strip()[:40]!r} is not a workflow I know: use one of {', '.join(WORKFLOWS)}."
        )
    return table[key]


@dataclass(frozen=True)
class SignalInput:
    canonical_url: str
    caption: str | None = None  # what the member pasted or typed
    title: str | None = None  # fetched metadata
    description: str | None = None  # fetched metadata
    model: str | None = None  # explicit option
    workflow: str | None = None  # explicit option
    url: str | None = None  # the link as pasted: it may name an account the canonical form drops
    author: str | None = None  # fetched metadata (oEmbed author name)
    platform: str | None = None  # bot.links platform key, when the caller has parsed the link already


class SignalExtractor:
    """Built once per knowledge-base version."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.models = ModelMatcher(kb)
        self.capabilities = CapabilityClassifier(kb)
        self.provenance = ProvenanceDetector(kb, self.models)

    def extract(self, given: SignalInput) -> Signals:
        caption = clean(given.caption)
        metadata = clean(" \n ".join(x for x in (given.title, given.description) if x))
        texts = [("caption", caption), ("metadata", metadata)]
        site = self.models.from_url(given.canonical_url)
        model, others = self._model(given, texts, site)
        workflow = self._workflow(given, texts)
        joined = f"{caption}\n{metadata}"
        shown = tuple(
            Shown(cap, self.kb.path(cap), evidence)
            for cap, evidence in self.capabilities.classify(given.title, caption, given.description)
        )
        return Signals(
            model=model,
            workflow=workflow,
            prompt_disclosed=prompt_disclosed(joined),
            takes=detect_takes(joined),
            shown=shown,
            other_models=others,
            provenance=self.provenance.detect(given.canonical_url, given.url, given.author, site=site,
                                              platform=given.platform),
            post_production=detect_post_production(joined),
        )

    def _model(
        self, given: SignalInput, texts: list[tuple[str, str]], site: Model | None
    ) -> tuple[ModelSignal | None, tuple[str, ...]]:
        found: list[tuple[str, str, str]] = []  # (model id, source, evidence)
        if given.model:
            chosen = self.models.resolve(given.model)
            found.append((chosen.id, "user", given.model.strip()))
        by_url = site
        if by_url:
            found.append((by_url.id, "url", urlsplit(given.canonical_url).hostname or ""))
        for source, text in texts:
            found.extend((mid, source, ev) for mid, ev, negated in self.models.find_ranked(text) if not negated)
        if not found:
            return None, ()
        model_id, source, evidence = found[0]
        others = tuple(dict.fromkeys(mid for mid, _, _ in found if mid != model_id))
        model = self.kb.model_by_id[model_id]
        return ModelSignal(model.id, model.name, source, evidence), others

    def _workflow(self, given: SignalInput, texts: list[tuple[str, str]]) -> WorkflowSignal:
        if given.workflow:
            return WorkflowSignal(normalise_workflow(given.workflow), "user", given.workflow)
        for source, text in texts:
            hit = detect_workflow(text)
            if hit:
                return WorkflowSignal(hit[0], source, hit[1])
        return WorkflowSignal("unknown", None)


_ACCOUNT_HOSTS = {
    "x.com": "x.com", "twitter.com": "x.com", "mobile.twitter.com": "x.com", "fxtwitter.com": "x.com",
    "vxtwitter.com": "x.com", "fixupx.com": "x.com", "fixvx.com": "x.com",
    "youtube.com": "youtube.com", "m.youtube.com": "youtube.com",
    "tiktok.com": "tiktok.com", "m.tiktok.com": "tiktok.com",
    "instagram.com": "instagram.com",
}
_NOT_HANDLES = {"i", "watch", "shorts", "embed", "live", "reel", "reels", "p", "tv", "video", "t", "status"}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", clean(text).lower())


class ProvenanceDetector:
    """Was the clip posted by the vendor itself? Its own site, an official account in the link, or
    an oEmbed author that is the vendor or one of its handles."""

    def __init__(self, kb: KnowledgeBase, models: ModelMatcher) -> None:
        self._models = models
        self._accounts: dict[str, Model] = {}
        self._authors: dict[str, Model] = {}
        for model in kb.models:
            for account in model.official_accounts:
                self._accounts.setdefault(account.lower(), model)
                handle = _key(account.partition("/")[2])
                if handle:
                    self._authors.setdefault(handle, model)
            if model.vendor and model.official_accounts:
                self._authors.setdefault(_key(model.vendor), model)

    def detect(
        self,
        canonical_url: str,
        url: str | None,
        author: str | None,
        *,
        site: Model | None,
        platform: str | None = None,
    ) -> Provenance:
        """`site` is `ModelMatcher.from_url(canonical_url)`, which the caller has already computed."""
        host = (urlsplit(canonical_url).hostname or "").removeprefix("www.")
        if site is not None:
            where = self._site_in(site, host, urlsplit(canonical_url).path.lower())
            return Provenance(True, f"the link is on {where}, {site.vendor or site.name}'s own site")
        if platform is None:
            try:
                platform = parse_link(canonical_url).platform
            except LinkError:
                platform = ""
        if platform in VENDOR_PLATFORMS:
            return Provenance(True, f"the link is on {host}, a video model vendor's own site")
        for link in (url, canonical_url):
            account = self._account_in(link)
            if account:
                model = self._accounts[account]
                return Provenance(True, f"posted by {account}, an official account of {model.vendor or model.name}")
        if author and (model := self._authors.get(_key(author))) is not None:
            return Provenance(True, f"the platform names the author {clean(author)[:60]!r}, which is "
                                    f"{model.vendor or model.name}'s own account")
        return Provenance()

    @staticmethod
    def _site_in(model: Model, host: str, path: str) -> str:
        """The entry of `model.sites` the link is on ("github.com/wan-video", not just "github.com")."""
        for site in sorted(model.sites, key=len, reverse=True):
            site_host, _, site_path = site.lower().removeprefix("www.").partition("/")
            if (host == site_host or host.endswith("." + site_host)) and path.lstrip("/").startswith(site_path):
                return site.lower()
        return host

    def _account_in(self, link: str | None) -> str | None:
        if not link:
            return None
        try:
            parts = urlsplit(link.strip() if "://" in link else "https://" + link.strip())
            host = (parts.hostname or "").lower().removeprefix("www.")
        except ValueError:
            return None
        platform = _ACCOUNT_HOSTS.get(host)
        if platform is None:
            return None
        for seg in [x for x in parts.path.split("/") if x][:2]:
            seg = seg.lower()
            if seg in _NOT_HANDLES:
                continue
            candidate = f"{platform}/{seg}"
            return candidate if candidate in self._accounts else None
        return None

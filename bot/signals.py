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
from bot.results import ModelSignal, Shown, Signals, Takes, WorkflowSignal
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
        self._exact = {re.sub(r"[^a-z0-9]", "", a.lower()): mid for a, mid in self._names()}

    def _names(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for model in self._kb.models:
            out.append((model.id, model.id))
            out.append((model.name, model.id))
            out.extend((a, model.id) for a in model.aliases)
        return out

    def find(self, text: str) -> list[tuple[str, str]]:
        """(model id, matched text) in order of appearance, each model once."""
        seen: dict[str, str] = {}
        text = clean(text)
        resume = 0
        for start in self._starts.finditer(text):
            if start.start() < resume:
                continue
            m = self._regex.match(text, start.start())
            if m is None:
                continue
            resume = m.end()
            model_id = self._groups[m.lastindex - 1] if m.lastindex else None
            if model_id and model_id not in seen:
                seen[model_id] = m.group()
        return list(seen.items())

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
        parts = urlsplit(canonical_url)
        host = (parts.hostname or "").removeprefix("www.")
        path = parts.path.lower()
        best: tuple[int, Model] | None = None
        for model in self._kb.models:
            for site in model.sites:
                site_host, _, site_path = site.lower().removeprefix("www.").partition("/")
                if host != site_host and not host.endswith("." + site_host):
                    continue
                if site_path and not path.lstrip("/").startswith(site_path):
                    continue
                score = len(site)
                if best is None or score > best[0]:
                    best = (score, model)
        return best[1] if best else None


_WORKFLOW_CUES: tuple[tuple[str, str], ...] = (
    ("image-to-video", r"image[\s\-_]*(?:to|2)[\s\-_]*vid(?:eo)?|img[\s\-_]*(?:to|2)[\s\-_]*vid(?:eo)?|\bi2v\b"),
    ("image-to-video", r"photo[\s\-_]*(?:to|2)[\s\-_]*video|animat(?:e|ed|ing)\s+(?:a|an|my|this|the|an old)\s+"
                       r"(?:photo|image|still|picture|painting|portrait|drawing|illustration|render)"),
    ("image-to-video", r"\bfrom\s+(?:a|an|my|the)\s+(?:midjourney|mj|flux|sdxl|stable diffusion|dall[\s\-]?e|"
                       r"ai|single|still)?\s*(?:still|image|photo|picture|frame|render|illustration)"),
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
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "fifty": 50, "hundred": 100,
}
_NUM = r"(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")"
_TAKES_COUNT = [
    re.compile(rf"\bbest\s+(?:one\s+)?(?:of|out\s+of)\s+{_NUM}\b", re.IGNORECASE),
    re.compile(rf"\b(?:1|one)\s+(?:of|out\s+of)\s+{_NUM}\s+(?:gens?|generations?|tries|takes|attempts|"
               r"outputs?|rolls?|rerolls?|renders?|clips?|samples?|seeds?)\b", re.IGNORECASE),
    re.compile(rf"\b(?:after|took(?:\s+me)?|in|from|needed|about|around|over)\s+(?:~\s*)?{_NUM}\s+"
               r"(?:gens?|generations?|tries|takes|attempts|rolls?|rerolls?|renders?|iterations?|seeds?)\b",
               re.IGNORECASE),
    re.compile(rf"\b{_NUM}\s+(?:gens?|generations?|tries|takes|attempts|rerolls?|renders?)\s+"
               r"(?:to\s+get|for\s+this|until|before)\b", re.IGNORECASE),
]
_TAKES_ONE = re.compile(
    r"\b(?:first|1st|one|single)[\s\-]+(?:try|take|attempt|gen|generation|shot|roll|output)\b|"
    r"\bone[\s\-]?shot(?:ted)?\b|\bno\s+(?:cherry[\s\-]?pick\w*|rerolls?|re-rolls?)\b|"
    r"\bnot\s+cherry[\s\-]?picked\b|\buncurated\b|\bzero\s+cherry[\s\-]?pick\w*|\braw\s+outputs?\b",
    re.IGNORECASE,
)
_TAKES_SOME = re.compile(
    r"\bcherry[\s\-]?picked\b|\bbest\s+(?:of\s+(?:many|several|a\s+bunch|lots)|outputs?|takes?|results?)\b|"
    r"\bcurated\b|\bhand[\s\-]?picked\b|\bselected\s+(?:from|outputs?)|\bmany\s+(?:tries|attempts|gens|rerolls)",
    re.IGNORECASE,
)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def detect_takes(text: str) -> Takes:
    for regex in _TAKES_COUNT:
        m = regex.search(text)
        if m:
            count = _number(m.group(1))
            if count > 0:
                return Takes(True, count, m.group(), curated=count > 1)
    m = _TAKES_ONE.search(text)
    if m:
        first = re.search(r"first|1st|one|single|one[\s\-]?shot", m.group(), re.IGNORECASE)
        is_one = bool(first) and not m.group().lower().startswith(("no", "not", "zero", "uncurated", "raw"))
        return Takes(True, 1 if is_one else None, m.group(), curated=False)
    m = _TAKES_SOME.search(text)
    if m:
        return Takes(True, None, m.group(), curated=True)
    return Takes()


def detect_workflow(text: str) -> tuple[str, str] | None:
    best: tuple[int, str, str] | None = None
    for value, regex in _WORKFLOW_REGEX:
        m = regex.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), value, m.group())
    return (best[1], best[2]) if best else None


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


class SignalExtractor:
    """Built once per knowledge-base version."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.models = ModelMatcher(kb)
        self.capabilities = CapabilityClassifier(kb)

    def extract(self, given: SignalInput) -> Signals:
        caption = clean(given.caption)
        metadata = clean(" \n ".join(x for x in (given.title, given.description) if x))
        texts = [("caption", caption), ("metadata", metadata)]
        model, others = self._model(given, texts)
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
        )

    def _model(
        self, given: SignalInput, texts: list[tuple[str, str]]
    ) -> tuple[ModelSignal | None, tuple[str, ...]]:
        found: list[tuple[str, str, str]] = []  # (model id, source, evidence)
        if given.model:
            chosen = self.models.resolve(given.model)
            found.append((chosen.id, "user", given.model.strip()))
        by_url = self.models.from_url(given.canonical_url)
        if by_url:
            found.append((by_url.id, "url", urlsplit(given.canonical_url).hostname or ""))
        for source, text in texts:
            found.extend((mid, source, ev) for mid, ev in self.models.find(text))
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

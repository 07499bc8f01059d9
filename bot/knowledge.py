"""The knowledge base as the core sees it: plain, immutable objects loaded once per version.

The core never reads the database while judging a clip; it works on a `KnowledgeBase` snapshot
that storage builds. That keeps a check to a few dictionary lookups and lets the same verdict
code run against seed files in tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

RATINGS = ("strength", "mixed", "weakness")
WORKFLOWS = ("text-to-video", "image-to-video", "video-to-video")


@dataclass(frozen=True)
class Source:
    url: str
    date: str  # ISO date (YYYY-MM-DD or YYYY-MM) of the source, not of curation
    note: str = ""


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    vendor: str = ""
    released: str = ""
    aliases: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()  # hosts or host/path prefixes that identify the model, e.g. "sora.com"
    hashtags: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()
    notes: str = ""
    # The vendor's own channels, "host/handle" ("x.com/runwayml", "youtube.com/@openai"): a clip posted
    # there is curated by construction, so it can never be judged typical on its own.
    official_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capability:
    id: str
    name: str
    parent: str | None = None
    terms: tuple[str, ...] = ()  # words and phrases that reveal it in a caption
    not_terms: tuple[str, ...] = ()  # phrases that look like a term but are not (e.g. "hands-on")
    description: str = ""
    implies: tuple[str, ...] = ()  # shown along with this one: a dunk shows people ...
    unless: tuple[str, ...] = ()  # ... unless one of these is shown too (a cat dunking shows no people)


@dataclass(frozen=True)
class Claim:
    model: str
    capability: str
    rating: str
    note: str = ""
    sources: tuple[Source, ...] = ()
    derived_from: str = ""  # e.g. "vbench2:Human_Anatomy" for benchmark-derived claims
    id: int | None = None


@dataclass(frozen=True)
class Demo:
    """How a well-known demo of a model was made: takes, post-production, tools around the model.

    Kept apart from claims because it rates no capability: it tells a reader how far a famous clip
    is from a single generation ("about 700 clips generated, 55 used").
    """

    model: str
    title: str  # the demo as people know it, e.g. "Air Head (shy kids, 2024)"
    fact: str  # what the makers or press said about how it was made, in our words
    url: str
    date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD when the source shows one
    source: str = ""  # whose word it is: "the makers, via press", "press", ...


@dataclass(frozen=True)
class KnowledgeBase:
    models: tuple[Model, ...]
    capabilities: tuple[Capability, ...]
    claims: tuple[Claim, ...]
    version: str = "seed"
    demos: tuple[Demo, ...] = ()

    @cached_property
    def model_by_id(self) -> dict[str, Model]:
        return {m.id: m for m in self.models}

    @cached_property
    def capability_by_id(self) -> dict[str, Capability]:
        return {c.id: c for c in self.capabilities}

    @cached_property
    def children(self) -> dict[str | None, tuple[str, ...]]:
        out: dict[str | None, list[str]] = {}
        for cap in self.capabilities:
            out.setdefault(cap.parent, []).append(cap.id)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def claims_by_model(self) -> dict[str, dict[str, tuple[Claim, ...]]]:
        """model id -> capability id -> claims (several sources may rate one pair)."""
        out: dict[str, dict[str, list[Claim]]] = {}
        for claim in self.claims:
            out.setdefault(claim.model, {}).setdefault(claim.capability, []).append(claim)
        return {m: {c: tuple(v) for c, v in caps.items()} for m, caps in out.items()}

    @cached_property
    def demos_by_model(self) -> dict[str, tuple[Demo, ...]]:
        out: dict[str, list[Demo]] = {}
        for demo in self.demos:
            out.setdefault(demo.model, []).append(demo)
        return {m: tuple(v) for m, v in out.items()}

    @cached_property
    def _paths(self) -> dict[str, tuple[str, ...]]:
        return {c.id: self._walk(c.id) for c in self.capabilities}

    def path(self, capability_id: str) -> tuple[str, ...]:
        """Ids from the root of the tree down to `capability_id`."""
        found = self._paths.get(capability_id)
        return found if found is not None else self._walk(capability_id)

    def _walk(self, capability_id: str) -> tuple[str, ...]:
        out: list[str] = []
        seen: set[str] = set()
        current: str | None = capability_id
        while current is not None and current not in seen:
            seen.add(current)
            out.append(current)
            cap = self.capability_by_id.get(current)
            current = cap.parent if cap else None
        return tuple(reversed(out))

    def siblings(self, capability_id: str) -> tuple[str, ...]:
        cap = self.capability_by_id.get(capability_id)
        if cap is None or cap.parent is None:
            return ()
        return tuple(c for c in self.children.get(cap.parent, ()) if c != capability_id)


def knowledge_version(models: Iterable[Model], capabilities: Iterable[Capability], claims: Iterable[Claim],
                      demos: Iterable[Demo] = ()) -> str:
    """The one version of a knowledge base: a short hash of every field a person could see.

    Display fields (vendor, release date, notes, descriptions, source notes) count too, so a process
    holding an old snapshot notices an import that only rewrote a note. Claim ids and order don't:
    equal knowledge has an equal version wherever it was loaded from.
    """
    def plain(obj: object) -> dict[str, Any]:
        d = dataclasses.asdict(obj)  # type: ignore[call-overload]
        d.pop("id", None) if isinstance(obj, Claim) else None
        return d

    payload = {
        "models": sorted((plain(m) for m in models), key=lambda d: d["id"]),
        "capabilities": [plain(c) for c in capabilities],
        "claims": sorted((plain(c) for c in claims), key=lambda d: json.dumps(d, sort_keys=True)),
    }
    demo_entries = [plain(d) for d in demos]
    if demo_entries:  # absent when there are none, so versions of demo-less knowledge do not move
        payload["demos"] = demo_entries
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

"""The knowledge base as the core sees it: plain, immutable objects loaded once per version.

The core never reads the database while judging a clip; it works on a `KnowledgeBase` snapshot
that storage builds. That keeps a check to a few dictionary lookups and lets the same verdict
code run against seed files in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
class KnowledgeBase:
    models: tuple[Model, ...]
    capabilities: tuple[Capability, ...]
    claims: tuple[Claim, ...]
    version: str = "seed"

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

"""A community's layer over the global knowledge base: documents, the layered snapshot, its version.

Storage keeps a community's own models, capabilities and claims as JSON documents (`OverrideRow`);
the snapshot cache calls `layer` to build what that community sees, keyed by `override_version`, so a
check in one community never sees another's curation and a change anywhere is noticed by version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.knowledge import Capability, Claim, KnowledgeBase, Model, Source

KINDS = ("model", "capability", "claim")


# -- documents -------------------------------------------------------------------------------------------


def model_doc(m: Model) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(m).items()}


def capability_doc(c: Capability) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(c).items()}


def claim_doc(c: Claim) -> dict[str, Any]:
    return {"model": c.model, "capability": c.capability, "rating": c.rating, "note": c.note,
            "sources": [{"url": s.url, "date": s.date, "note": s.note} for s in c.sources]}


def _model(doc: dict[str, Any]) -> Model:
    return Model(id=doc["id"], name=doc["name"], vendor=doc.get("vendor", ""), released=doc.get("released", ""),
                 aliases=tuple(doc.get("aliases") or ()), sites=tuple(doc.get("sites") or ()),
                 hashtags=tuple(doc.get("hashtags") or ()), workflows=tuple(doc.get("workflows") or ()),
                 notes=doc.get("notes", ""))


def _capability(doc: dict[str, Any]) -> Capability:
    return Capability(id=doc["id"], name=doc["name"], parent=doc.get("parent"), terms=tuple(doc.get("terms") or ()),
                      not_terms=tuple(doc.get("not_terms") or ()), description=doc.get("description", ""),
                      implies=tuple(doc.get("implies") or ()), unless=tuple(doc.get("unless") or ()))


def _claim(doc: dict[str, Any]) -> Claim:
    return Claim(model=doc["model"], capability=doc["capability"], rating=doc["rating"], note=doc.get("note", ""),
                 sources=tuple(Source(s.get("url", ""), s.get("date", ""), s.get("note", ""))
                               for s in doc.get("sources") or ()))


def claim_key(model_id: str, capability_id: str) -> str:
    return f"{model_id} x {capability_id}"


# -- layering: what the snapshot cache builds for a community ---------------------------------------------


@dataclass(frozen=True)
class OverrideRow:
    kind: str
    key: str
    doc: dict[str, Any]
    retired: bool = False


def override_version(rows: Sequence[OverrideRow], legacy_claims: Sequence[Claim] = ()) -> str:
    """The community's override version: changes whenever anything it curated changes ("" = nothing)."""
    if not rows and not legacy_claims:
        return ""
    payload = {
        "rows": sorted([[r.kind, r.key, r.doc, r.retired] for r in rows], key=lambda x: json.dumps(x[:2])),
        "legacy": sorted(json.dumps(claim_doc(c), sort_keys=True) for c in legacy_claims),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def layer(glob: KnowledgeBase, rows: Sequence[OverrideRow], legacy_claims: Sequence[Claim],
          version: str) -> KnowledgeBase:
    """The global knowledge base as one community sees it: its own models, capabilities and claims win.

    A community claim replaces every global claim of its model x capability; a retired one hides them.
    Claims about a model or capability the community retired disappear with it.
    """
    by_kind: dict[str, dict[str, OverrideRow]] = {k: {} for k in KINDS}
    for r in rows:
        by_kind.setdefault(r.kind, {})[r.key] = r

    def merged(items: Sequence[Any], kind: str, build: Callable[[dict[str, Any]], Any]) -> tuple[Any, ...]:
        own = by_kind[kind]
        out = []
        for item in items:
            r = own.get(item.id)
            if r is None:
                out.append(item)
            elif not r.retired:
                out.append(build(r.doc))
        known = {i.id for i in items}
        out += [build(r.doc) for key, r in sorted(own.items()) if key not in known and not r.retired]
        return tuple(out)

    models = merged(glob.models, "model", _model)
    caps = merged(glob.capabilities, "capability", _capability)
    live_models, live_caps = {m.id for m in models}, {c.id for c in caps}
    replaced = {(c.model, c.capability) for c in legacy_claims}
    replaced |= {tuple(r.key.split(" x ", 1)) for r in by_kind["claim"].values()}  # type: ignore[misc]
    claims = [c for c in glob.claims if (c.model, c.capability) not in replaced]
    claims += list(legacy_claims)
    claims += [_claim(r.doc) for _, r in sorted(by_kind["claim"].items()) if not r.retired]
    claims = [c for c in claims if c.model in live_models and c.capability in live_caps]
    return KnowledgeBase(models, caps, tuple(claims), version=f"{glob.version}+{version}", demos=glob.demos)

"""A community's curation of the knowledge base: its own models, capabilities and claims, with history and undo.

What a community's admins curate is that community's override of the global knowledge base, never the
global one (the operator curates that through the reviewable files). Each change is decided here from
the thing's current state, then stored by the `CurationStore` port in one unit of work together with
its history row and the community's version bump, so a change is either fully live or not there.

States, as stored in a change's before/after (so history can show them and undo can restore them):
- ``None``: the thing did not exist for this community;
- ``{"global": doc}``: no override, the global thing applied;
- ``{"doc": doc, "retired": bool}``: the community's own version (``retired`` hides it there).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.errors import InputError
from bot.knowledge import RATINGS, Capability, Claim, KnowledgeBase, Model, Source
from bot.overrides import (
    capability_doc,
    claim_doc,
    claim_key,
    model_doc,
)
from bot.ports import Actor
from bot.signals import ModelMatcher
from bot.text import printable

_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
MAX_NAME = 200
MAX_NOTE = 1000
MAX_WORDS = 200

State = dict[str, Any] | None


class CurationError(InputError):
    """An admin's change that cannot be made as asked; the message says why and what would work."""


# -- sources ---------------------------------------------------------------------------------------------


def source_url_problem(url: str) -> str | None:
    """Why `url` is not a citable source, or None. A source is a full http(s) URL with a path, never fetched.

    A bare host ("https://openai.com") names a site, not the page that says what the claim says.
    """
    text = (url or "").strip()
    if not text:
        return "a source needs a URL"
    if any(ch.isspace() for ch in text):
        return f"source {text[:60]!r} has spaces in it"
    if printable(text) != text:
        return f"source {printable(text)[:60]!r} has control characters in it"
    try:
        parts = urlsplit(text)
    except ValueError:
        return f"source {text[:60]!r} is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"source {text[:60]!r} must be an http(s) link"
    if "." not in parts.hostname:
        return f"source {text[:60]!r} has no public host name"
    if parts.path.strip("/") == "" and not parts.query:
        return f"source {text[:60]!r} is a bare host: give the full URL of the page that says it"
    return None


# -- the port and the replies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRecord:
    """One row of a community's curation history."""

    change_id: int
    community_id: str
    actor: str
    at: str  # ISO 8601, UTC
    kind: str
    key: str
    action: str  # "create" | "update" | "retire" | "undo"
    before: State
    after: State
    undoes: int | None = None


Decide = Callable[[State], tuple[str, State]]  # current state -> (action, new state); raises CurationError


class CurationStore(Protocol):
    def change(self, community_id: str, kind: str, key: str, decide: Decide, actor: str,
               glob: State = None, undoes: int | None = None) -> ChangeRecord:
        """Read the community's override, apply `decide`, store it, its history row and the version bump
        in one unit of work. `glob` is the global thing's state, used when there is no override."""
        ...

    def find_change(self, community_id: str, change_id: int) -> ChangeRecord | None: ...

    def history(self, community_id: str, thing: str | None, limit: int) -> list[ChangeRecord]: ...


@dataclass(frozen=True)
class CurationResult:
    """The reply to a change: what changed, with the id `/kb undo` takes."""

    change: ChangeRecord
    message: str


@dataclass(frozen=True)
class CurationHistory:
    thing: str | None
    changes: tuple[ChangeRecord, ...]


# -- the service -----------------------------------------------------------------------------------------


def _split_list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    parts = [" ".join(p.split()) for p in re.split(r"[,;\n]", text)]
    return tuple(dict.fromkeys(p for p in parts if p))


def _check_text(value: str, what: str, limit: int = MAX_NAME) -> str:
    """What everyone in the community will read: one line, no control or bidi characters."""
    value = printable(" ".join((value or "").split()))
    if not value:
        raise CurationError(f"The {what} can't be empty.")
    if len(value) > limit:
        raise CurationError(f"The {what} is {len(value):,} characters long; at most {limit:,}, please.")
    return value


def _alias_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Curation:
    """The use cases behind `/kb add|update|retire|history|undo`; synchronous, run on the storage threads."""

    def __init__(self, store: CurationStore, knowledge: Callable[[str], KnowledgeBase],
                 global_knowledge: Callable[[], KnowledgeBase]) -> None:
        self.store = store
        self.knowledge = knowledge  # community id -> that community's layered snapshot
        self.global_knowledge = global_knowledge

    # resolution ---------------------------------------------------------------------------------------

    def resolve_model(self, kb: KnowledgeBase, name: str) -> Model:
        return ModelMatcher(kb).resolve(name)  # raises UnknownModel with close names

    def resolve_capability(self, kb: KnowledgeBase, name: str) -> Capability:
        text = (name or "").strip()
        by_id = kb.capability_by_id
        if text.lower() in by_id:
            return by_id[text.lower()]
        by_name = {c.name.lower(): c for c in kb.capabilities}
        if text.lower() in by_name:
            return by_name[text.lower()]
        slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
        if slug in by_id:
            return by_id[slug]
        close = difflib.get_close_matches(text.lower(), [*by_id, *by_name], n=3, cutoff=0.6)
        names = list(dict.fromkeys((by_id.get(c) or by_name[c]).id for c in close))
        hint = f" Did you mean {', '.join(names)}?" if names else ""
        raise CurationError(f"I don't know a capability called {text[:40]!r}.{hint}")

    def _global_state(self, kind: str, key: str) -> State:
        g = self.global_knowledge()
        if kind == "model" and key in g.model_by_id:
            return {"global": model_doc(g.model_by_id[key])}
        if kind == "capability" and key in g.capability_by_id:
            return {"global": capability_doc(g.capability_by_id[key])}
        if kind == "claim":
            m, c = key.split(" x ", 1)
            found = g.claims_by_model.get(m, {}).get(c)
            if found:
                return {"global": claim_doc(found[0]) | {"count": len(found)}}
        return None

    def _change(self, actor: Actor, kind: str, key: str, decide: Decide, message: str) -> CurationResult:
        record = self.store.change(actor.community_id, kind, key, decide, actor.user_id,
                                   glob=self._global_state(kind, key))
        return CurationResult(record, message.replace("{id}", str(record.change_id)))

    # models -------------------------------------------------------------------------------------------

    def _aliases_free(self, kb: KnowledgeBase, model_id: str, names: Sequence[str]) -> None:
        owners: dict[str, str] = {}
        for m in kb.models:
            if m.id == model_id:
                continue
            for n in (m.id, m.name, *m.aliases):
                owners.setdefault(_alias_key(n), m.id)
        for n in names:
            key = _alias_key(n)
            if not key:
                raise CurationError(f"The name {n!r} has no letters or digits.")
            if key in owners:
                raise CurationError(f"{n!r} already names the model {owners[key]}; pick another name.")

    def add_model(self, actor: Actor, model_id: str, name: str, aliases: str | None) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        model_id = (model_id or "").strip().lower()
        if not _ID.match(model_id):
            raise CurationError(f"A model id is lowercase letters, digits, '-' or '_' (up to 64), not "
                                f"{model_id[:40]!r}.")
        name = _check_text(name, "model's name")
        alias_list = tuple(_check_text(a, "alias") for a in _split_list(aliases))
        if model_id in kb.model_by_id:
            raise CurationError(f"The model {model_id} exists already; use "
                                f"{actor.spell(f'kb update model {model_id}')}.")
        self._aliases_free(kb, model_id, (model_id, name, *alias_list))
        doc = model_doc(Model(id=model_id, name=name, aliases=alias_list))

        def decide(state: State) -> tuple[str, State]:
            if state is not None and "doc" in state and not state.get("retired"):
                raise CurationError(f"The model {model_id} exists already; use "
                                    f"{actor.spell(f'kb update model {model_id}')}.")
            return "create", {"doc": doc, "retired": False}

        return self._change(actor, "model", model_id, decide, f"Added the model {name} ({model_id}) for this "
                            "community. Change #{id}.")

    def update_model(self, actor: Actor, model: str, name: str | None, aliases: str | None) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        current = self.resolve_model(kb, model)
        if name is None and aliases is None:
            raise CurationError("Say what to change: name:'New name' and/or the aliases, comma-separated.")
        new_name = _check_text(name, "model's name") if name is not None else current.name
        new_aliases = tuple(_check_text(a, "alias") for a in _split_list(aliases)) if aliases is not None \
            else current.aliases
        self._aliases_free(kb, current.id, (new_name, *new_aliases))
        doc = model_doc(dataclasses.replace(current, name=new_name, aliases=new_aliases))
        return self._change(actor, "model", current.id, self._update(actor, doc, "model", current.id),
                            f"Updated the model {new_name} ({current.id}) for this community. Change #{{id}}.")

    # capabilities -------------------------------------------------------------------------------------

    def add_capability(self, actor: Actor, cap_id: str, name: str, parent: str | None,
                       words: str | None) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        cap_id = (cap_id or "").strip().lower()
        if not _ID.match(cap_id):
            raise CurationError(f"A capability id is lowercase letters, digits, '-' or '_' (up to 64), not "
                                f"{cap_id[:40]!r}.")
        if cap_id in kb.capability_by_id:
            raise CurationError(f"The capability {cap_id} exists already; use "
                                f"{actor.spell(f'kb update capability {cap_id}')}.")
        name = _check_text(name, "capability's name")
        parent_id = self.resolve_capability(kb, parent).id if parent else None
        terms = self._words(words)
        doc = capability_doc(Capability(id=cap_id, name=name, parent=parent_id, terms=terms))

        def decide(state: State) -> tuple[str, State]:
            if state is not None and "doc" in state and not state.get("retired"):
                raise CurationError(f"The capability {cap_id} exists already.")
            return "create", {"doc": doc, "retired": False}

        where = f" under {parent_id}" if parent_id else ""
        return self._change(actor, "capability", cap_id, decide,
                            f"Added the capability {name} ({cap_id}){where} for this community. Change #{{id}}.")

    def _words(self, words: str | None) -> tuple[str, ...]:
        terms = tuple(_check_text(w, "word", 100).lower() for w in _split_list(words))
        if len(terms) > MAX_WORDS:
            raise CurationError(f"That is {len(terms)} words; at most {MAX_WORDS}, please.")
        return terms

    def update_capability(self, actor: Actor, capability: str, name: str | None, parent: str | None,
                          words: str | None) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        current = self.resolve_capability(kb, capability)
        if name is None and parent is None and words is None:
            raise CurationError("Say what to change: name:'New name', parent:ID and/or the words, comma-separated.")
        new_parent = current.parent
        if parent is not None:
            new_parent = None if parent.lower() in ("none", "-", "root") else self.resolve_capability(kb, parent).id
            if new_parent is not None and current.id in kb.path(new_parent):
                raise CurationError(f"{new_parent} is under {current.id}; a capability can't be its own ancestor.")
        doc = capability_doc(dataclasses.replace(
            current, name=_check_text(name, "capability's name") if name is not None else current.name,
            parent=new_parent, terms=self._words(words) if words is not None else current.terms))
        return self._change(actor, "capability", current.id, self._update(actor, doc, "capability", current.id),
                            f"Updated the capability {current.id} for this community. Change #{{id}}.")

    # claims -------------------------------------------------------------------------------------------

    def set_claim(self, actor: Actor, model: str, capability: str, rating: str, source: str, note: str | None,
                  *, update: bool) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        m = self.resolve_model(kb, model)
        c = self.resolve_capability(kb, capability)
        rating = (rating or "").strip().lower()
        if rating not in RATINGS:
            close = difflib.get_close_matches(rating, RATINGS, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise CurationError(f"{rating[:20]!r} is not a rating: use strength, mixed or weakness.{hint}")
        problem = source_url_problem(source)
        if problem:
            raise CurationError(problem[0].upper() + problem[1:] + ".")
        note_text = printable(" ".join((note or "").split()))
        if len(note_text) > MAX_NOTE:
            raise CurationError(f"The note is {len(note_text):,} characters long; at most {MAX_NOTE:,}, please.")
        doc = claim_doc(Claim(model=m.id, capability=c.id, rating=rating, note=note_text,
                              sources=(Source(source.strip(), "", ""),)))
        key = claim_key(m.id, c.id)

        def decide(state: State) -> tuple[str, State]:
            own = state is not None and "doc" in state and not state.get("retired")
            if update and not own:
                raise CurationError(f"This community has no claim of its own on {m.name} x {c.id} yet; "
                                    f"use {actor.spell('kb add claim')}.")
            if not update and own:
                raise CurationError(f"This community already rates {m.name} x {c.id}; use "
                                    f"{actor.spell('kb update claim')}.")
            if own and state is not None and state["doc"] == doc:
                raise CurationError("That is what the claim says already; nothing changed.")
            return ("update" if own else "create"), {"doc": doc, "retired": False}

        verb = "Updated" if update else "Added"
        return self._change(actor, "claim", key, decide, f"{verb} this community's claim: {m.name} x {c.id} is "
                            f"{rating} (source {source.strip()}). Change #{{id}}.")

    # retire, history, undo ----------------------------------------------------------------------------

    def _update(self, actor: Actor, doc: dict[str, Any], kind: str, key: str) -> Decide:
        def decide(state: State) -> tuple[str, State]:
            current = state.get("doc") if state and "doc" in state else (state or {}).get("global")
            if state is not None and state.get("retired"):
                raise CurationError(f"The {kind} {key} is retired here; {actor.spell('kb undo')} the retirement "
                                    "first.")
            if current == doc:
                raise CurationError("That is what it says already; nothing changed.")
            return "update", {"doc": doc, "retired": False}

        return decide

    def retire(self, actor: Actor, kind: str, thing: str, capability: str | None) -> CurationResult:
        kb = self.knowledge(actor.community_id)
        if kind == "model":
            key = self.resolve_model(kb, thing).id
        elif kind == "capability":
            cap = self.resolve_capability(kb, thing)
            key = cap.id
            children = kb.children.get(key, ())
            if children:
                raise CurationError(f"{key} has kinds of shot under it ({', '.join(children[:5])}); "
                                    "retire or move those first.")
        else:
            if not capability:
                raise CurationError(f"Which claim? {actor.spell('kb retire claim')} <model> <capability>.")
            key = claim_key(self.resolve_model(kb, thing).id, self.resolve_capability(kb, capability).id)
            if not kb.claims_by_model.get(key.split(" x ")[0], {}).get(key.split(" x ")[1]):
                raise CurationError(f"Nothing rates {key} here; there is no claim to retire.")

        def decide(state: State) -> tuple[str, State]:
            if state is None:
                raise CurationError(f"There is no {kind} {key} to retire.")
            if state.get("retired"):
                raise CurationError(f"The {kind} {key} is retired here already.")
            doc = state["doc"] if "doc" in state else {k: v for k, v in state["global"].items() if k != "count"}
            return "retire", {"doc": doc, "retired": True}

        return self._change(actor, kind, key, decide, f"Retired the {kind} {key} for this community (it stays in "
                            f"{actor.spell('kb history')}; {actor.spell('kb undo')} {{id}} brings it back). "
                            "Change #{id}.")

    def undo(self, actor: Actor, change_id: int) -> CurationResult:
        target = self.store.find_change(actor.community_id, change_id)
        if target is None:
            raise CurationError(f"This community has no change #{change_id}; {actor.spell('kb history')} lists "
                                "them.")

        def own(state: State) -> State:
            return state if state is not None and "doc" in state else None

        def decide(state: State) -> tuple[str, State]:
            if own(state) == own(target.before) and own(state) != own(target.after):
                raise CurationError(f"Change #{change_id} is undone already; {actor.spell('kb history')} shows it.")
            if own(state) != own(target.after):
                raise CurationError(f"{target.kind} {target.key} changed again after #{change_id}; undo the later "
                                    f"changes first (see {actor.spell('kb history')}).")
            restored = own(target.before)
            if restored is None and state is None:
                raise CurationError(f"Change #{change_id} left nothing of its own to undo.")
            return "undo", restored

        record = self.store.change(actor.community_id, target.kind, target.key, decide, actor.user_id,
                                   glob=self._global_state(target.kind, target.key), undoes=change_id)
        return CurationResult(record, f"Undid change #{change_id} ({target.action} of {target.kind} {target.key}). "
                                      f"Change #{record.change_id}.")

    def history(self, actor: Actor, thing: str | None, limit: int = 50) -> CurationHistory:
        key = None
        if thing:
            kb = self.knowledge(actor.community_id)
            text = thing.strip()
            lowered = text.lower()
            if lowered in kb.capability_by_id or lowered in kb.model_by_id:
                key = lowered
            else:
                try:
                    key = self.resolve_model(kb, text).id
                except ValueError:
                    known = {r.key for r in self.store.history(actor.community_id, None, 10_000)}
                    if lowered in known or any(lowered in k.split(" x ") for k in known):
                        key = lowered  # a retired thing: it stays in history
                    else:
                        key = self.resolve_capability(kb, text).id
        return CurationHistory(key, tuple(self.store.history(actor.community_id, key, limit)))

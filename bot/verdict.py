"""The deterministic verdict: signals + claims + community evidence -> level and reasons.

Rules (DESIGN.md, "The check, step by step", point 6):
- `unknown`: the model or the content cannot be identified (the reasons say which is missing);
- `representative`: community attempts confirm the hit rate for what is shown, or what is shown
  is a fair mix for this model (a `mixed` rating among what it shows, nothing it is weak at), or
  the model has no documented weakness anywhere for the clip to avoid;
- `stress_test`: the clip shows something the model is rated weak at;
- `showcase`: everything rated that the clip shows is a strength, while the model has documented
  weaknesses the clip does not show;
- `mixed`: otherwise (nothing shown is rated, or the sources disagree).
A rating for a capability with no claim of its own is inherited from its nearest rated ancestor
below the root, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import Claim, KnowledgeBase
from bot.results import ClaimView, CommunityEvidence, Signals, Verdict

CONFIRM_MIN_TRIES = 5  # attempts needed before community hit rates can settle a verdict
CONFIRM_HIT_RATE = 0.5
MAX_TRAPS = 8


@dataclass(frozen=True)
class _Rated:
    capability: str
    rating: str
    claims: tuple[Claim, ...]
    via: str | None


def combine(claims: tuple[Claim, ...]) -> str:
    """One rating for a (model, capability) pair from all its claims.

    Claims curated by people outrank claims derived from benchmark tables; disagreement among
    the remaining ones is reported as `mixed`, never resolved silently in either direction.
    """
    curated = [c for c in claims if not c.derived_from]
    pool = curated or list(claims)
    ratings = {c.rating for c in pool}
    return ratings.pop() if len(ratings) == 1 else "mixed"


class VerdictRules:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._weak: dict[str, tuple[str, ...]] = {}  # model -> capabilities rated weakness, tree order

    def name(self, capability: str) -> str:
        cap = self.kb.capability_by_id.get(capability)
        return cap.name if cap else capability

    def rating_for(self, model_id: str, capability: str) -> _Rated | None:
        by_cap = self.kb.claims_by_model.get(model_id, {})
        path = self.kb.path(capability)
        for ancestor in reversed(path[1:] if len(path) > 1 else path):
            claims = by_cap.get(ancestor)
            if claims:
                via = None if ancestor == capability else ancestor
                return _Rated(capability, combine(claims), claims, via)
        return None

    def decide(
        self,
        signals: Signals,
        community: CommunityEvidence,
        *,
        page_is_video: bool | None = None,
        known_platform: bool = True,
    ) -> Verdict:
        model = signals.model
        shown_ids = [s.id for s in signals.shown]
        reasons: list[str] = []
        does_not_tell: list[str] = []
        self._process_notes(signals, reasons, does_not_tell)
        if page_is_video is False:
            reasons.append("The linked page does not look like a video (it declares no video), so this judges "
                           "the words around it, not a clip.")
        elif not known_platform:
            does_not_tell.append("Anything the site itself says: it is not a video site I know, so only the words "
                                 "given were read.")

        if model is None or not shown_ids:
            missing = []
            if model is None:
                missing.append(
                    "which model made it (the link, title and caption name none; give it with --model "
                    "or the model option)"
                )
            if not shown_ids:
                missing.append(
                    "what the clip shows (no kind of shot I know is named in the title or caption; "
                    "add a caption that describes it)"
                )
            reasons.insert(0, "I can't tell " + " or ".join(missing) + ".")
            does_not_tell.append("Without the model and the content, this clip says nothing about any model.")
            return Verdict("unknown", tuple(reasons), (), (), (), tuple(does_not_tell))

        rated = [r for r in (self.rating_for(model.id, cap) for cap in shown_ids) if r]
        unrated = [cap for cap in shown_ids if all(r.capability != cap for r in rated)]
        claims_view = tuple(self._view(r) for r in rated)
        hidden = self._hidden_weaknesses(model.id, shown_ids)
        traps = self._traps(model.id, shown_ids)

        for r in rated:
            reasons.append(self._rating_reason(model.name, r))
        if unrated:
            names = ", ".join(self.name(c) for c in unrated)
            reasons.append(f"Nothing in the knowledge base rates {model.name} at {names}.")

        ratings = {r.rating for r in rated}
        confirmed = self._confirmed(community, shown_ids)
        if confirmed:
            level = "representative"
            reasons.insert(0, confirmed)
        elif "weakness" in ratings:
            level = "stress_test"
            weak = ", ".join(self.name(r.capability) for r in rated if r.rating == "weakness")
            reasons.insert(0, f"It shows {weak}, where {model.name} is documented as weak: worth attention "
                              "if it really works, and worth asking how many takes it needed.")
        elif ratings == {"strength"} and hidden:
            level = "showcase"
            reasons.insert(0, f"Everything rated that it shows is a documented strength of {model.name}, and "
                              f"it avoids the model's documented weaknesses ({self._names(hidden)}).")
        elif ratings and "mixed" in ratings:
            level = "representative"
            reasons.insert(0, f"It shows a fair mix for {model.name}: kinds of shot the model manages only "
                              "sometimes, and nothing it is documented as bad at.")
        elif ratings == {"strength"}:
            level = "representative"
            reasons.insert(0, f"It shows strengths of {model.name}, and no weakness of the model is documented "
                              "for it to avoid.")
        else:
            level = "mixed"
            reasons.insert(0, f"The knowledge base has no rating for what it shows with {model.name}, so it "
                              "can't say whether this is the model at its best or its usual.")

        if hidden:
            does_not_tell.append(
                f"How {model.name} does at {self._names(hidden)}: documented weaknesses this clip does not show."
            )
        if traps:
            does_not_tell.append(
                f"Anything about neighbouring kinds of shot ({self._names(traps)}): "
                "one working example does not carry over to its siblings."
            )
        return Verdict(level, tuple(reasons), claims_view, hidden, traps, tuple(does_not_tell))

    # -- pieces -------------------------------------------------------------------------------

    def _names(self, ids: tuple[str, ...] | list[str]) -> str:
        return ", ".join(self.name(i) for i in ids)

    def _view(self, r: _Rated) -> ClaimView:
        sources = tuple(dict.fromkeys(s.url for c in r.claims for s in c.sources))
        notes = tuple(dict.fromkeys(c.note for c in r.claims if c.note))
        return ClaimView(r.capability, r.rating, sources, notes, r.via)

    def _rating_reason(self, model_name: str, r: _Rated) -> str:
        word = {"strength": "a strength", "weakness": "a weakness", "mixed": "hit and miss"}[r.rating]
        via = f" (rated through {self.name(r.via)})" if r.via else ""
        first = r.claims[0]
        src = first.sources[0] if first.sources else None
        cite = f" [{src.url}, {src.date}]" if src else ""
        return f"{self.name(r.capability).capitalize()} is {word} for {model_name}{via}{cite}."

    def _hidden_weaknesses(self, model_id: str, shown: list[str]) -> tuple[str, ...]:
        shown_and_ancestors: set[str] = set()
        for cap in shown:
            shown_and_ancestors.update(self.kb.path(cap))
        out = [c for c in self._weaknesses(model_id) if c not in shown_and_ancestors]
        # A weak parent already says it for its children: "sports" covers "basketball".
        return tuple(c for c in out if not any(a in out for a in self.kb.path(c)[:-1]))

    def _weaknesses(self, model_id: str) -> tuple[str, ...]:
        cached = self._weak.get(model_id)
        if cached is None:
            order = {c.id: i for i, c in enumerate(self.kb.capabilities)}
            weak = [cap for cap, claims in self.kb.claims_by_model.get(model_id, {}).items()
                    if combine(claims) == "weakness"]
            cached = self._weak[model_id] = tuple(sorted(weak, key=lambda c: order.get(c, 10**6)))
        return cached

    def _traps(self, model_id: str, shown: list[str]) -> tuple[str, ...]:
        """Siblings of what is shown, weakest first: the shots a viewer will wrongly generalise to."""
        shown_set = set(shown)
        siblings: list[str] = []
        for cap in shown:
            if len(self.kb.path(cap)) < 3:
                continue  # children of a root (people vs animals) are not one family of skill
            for sib in self.kb.siblings(cap):
                if sib not in shown_set and sib not in siblings:
                    siblings.append(sib)
        rank = {"weakness": 0, "mixed": 1, None: 2, "strength": 3}

        def key(cap: str) -> int:
            rated = self.rating_for(model_id, cap)
            return rank[rated.rating if rated and rated.via is None else None]

        return tuple(sorted(siblings, key=key)[:MAX_TRAPS])

    def _confirmed(self, community: CommunityEvidence, shown: list[str]) -> str | None:
        rates = [a for a in community.attempts if a.capability in shown and a.tries >= CONFIRM_MIN_TRIES]
        if not rates or {a.capability for a in rates} != set(shown):
            return None
        if all(a.confirms if a.confirms is not None else a.usable / a.tries >= CONFIRM_HIT_RATE for a in rates):
            tries = sum(a.tries for a in rates)
            usable = sum(a.usable for a in rates)
            return (f"Community attempts back it up: {usable} usable out of {tries} tries "
                    "for what this clip shows.")
        return None

    def _process_notes(self, signals: Signals, reasons: list[str], does_not_tell: list[str]) -> None:
        takes = signals.takes
        if takes.disclosed:
            reasons.append(f"The creator says it is {takes.phrase()} ({takes.evidence!r}).")
        else:
            does_not_tell.append("How many takes it took: nobody said, so assume it is the best of several.")
        if signals.workflow.value == "unknown":
            does_not_tell.append(
                "The workflow: nobody said whether it started from text, an image or another video."
            )
        if not signals.prompt_disclosed:
            does_not_tell.append("What was asked for: the prompt is not given, so you can't compare intent "
                                 "with result.")
        if signals.other_models:
            names = ", ".join(self.kb.model_by_id[m].name for m in signals.other_models if m in
                              self.kb.model_by_id)
            if names:
                reasons.append(f"The text also names {names}; the verdict is about the first model named.")

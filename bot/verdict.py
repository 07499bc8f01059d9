"""The deterministic verdict: signals + claims + community evidence -> level and reasons.

Rules (DESIGN.md, "The check, step by step", point 6, and issue 9). A demo is presumed to be the
best of many takes until evidence says otherwise:
- `unknown`: the model or the content cannot be identified (the reasons say which is missing);
- `stress_test`: the clip shows something the model is rated weak at;
- `mixed`: the most specific kinds of shot shown are not rated for this model (a rated `people`
  does not vouch for an unrated `hockey`), or the sources disagree about one of them, and the
  clip is not the vendor's own post;
- `representative`: evidence says the clip is typical: community attempts confirm the hit rate for
  what it shows, or the creator (not the vendor) discloses an uncurated take of kinds of shot rated
  strength or hit and miss;
- `showcase`: otherwise: strengths, or a good take of hit-and-miss shots ("expect misses"), or a
  post on the vendor's own site or account (curated by construction), with no evidence it is typical.
The most specific kinds of shot decide: an ancestor shown with its child (sports with hockey) and a
bare subject shown with an action, camera move or physics (people with dancing) do not vouch for
them. A weakness anywhere in what is shown still makes it a stress test. A rating for a capability
with no claim of its own is inherited from its nearest rated ancestor below the root, and the
reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.demos import demo_reasons
from bot.knowledge import Claim, KnowledgeBase
from bot.results import ClaimView, CommunityEvidence, Signals, Takes, Verdict

# The lead of a showcase whose deciding shots are hit and miss; the summary states the same basis.
HIT_AND_MISS_LEAD = "A good take of a shot the model gets only sometimes"

CONFIRM_MIN_TRIES = 5  # attempts needed before community hit rates can settle a verdict
CONFIRM_HIT_RATE = 0.5
MAX_TRAPS = 8


@dataclass(frozen=True)
class _Rated:
    capability: str
    rating: str
    claims: tuple[Claim, ...]
    via: str | None
    disputed: bool = False  # the sources that count disagree


SUBJECTS_ROOT = "subjects"


def _takes_line(takes: Takes) -> str:
    return f"The creator says it is {takes.phrase()} ({takes.evidence!r})."


def combine(claims: tuple[Claim, ...]) -> str:
    """One rating for a (model, capability) pair from all its claims.

    Claims curated by people outrank claims derived from benchmark tables; disagreement among
    the remaining ones is reported as `mixed`, never resolved silently in either direction.
    """
    curated = [c for c in claims if not c.derived_from]
    pool = curated or list(claims)
    ratings = {c.rating for c in pool}
    return ratings.pop() if len(ratings) == 1 else "mixed"


def disputed(claims: tuple[Claim, ...]) -> bool:
    """True when the claims that count give different ratings (see `combine`)."""
    curated = [c for c in claims if not c.derived_from]
    return len({c.rating for c in (curated or claims)}) > 1


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
                return _Rated(capability, combine(claims), claims, via, disputed(claims))
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
        reasons.extend(demo_reasons(self.kb, model.id))

        level, lead = self._level(signals, community, model.name, shown_ids, rated, hidden)
        if level == "representative" and signals.takes.disclosed:
            reasons = [r for r in reasons if r != _takes_line(signals.takes)]  # the lead already quotes it
        reasons[:0] = lead

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

    def _level(
        self,
        signals: Signals,
        community: CommunityEvidence,
        model: str,
        shown: list[str],
        rated: list[_Rated],
        hidden: tuple[str, ...],
    ) -> tuple[str, list[str]]:
        """The level and the reasons that lead the list, most telling first."""
        decisive = self.decisive(shown)
        by_cap = {r.capability: r for r in rated}
        weak = [r.capability for r in rated if r.rating == "weakness"]
        unrated = [c for c in decisive if c not in by_cap]
        split = [c for c in decisive if c in by_cap and by_cap[c].disputed]
        confirmed, refuted = self._community(community, decisive)
        provenance = signals.provenance
        takes = signals.takes

        if weak:
            lead = [f"It shows {self._names(weak)}, where {model} is documented as weak: worth attention if it "
                    "really works, and worth asking how many takes it needed."]
            if confirmed:
                lead.append(confirmed + " That is better than the documented weakness suggests.")
            return "stress_test", lead
        if confirmed:
            return "representative", [confirmed]

        lead: list[str] = []
        if provenance.vendor_channel:
            # Curated by construction: whatever the ratings say, this is the vendor's pick.
            lead.append(f"It comes from the vendor itself ({provenance.evidence}): a vendor's own post is curated "
                        "by construction, the best of many takes.")
            if takes.disclosed and takes.curated is False:
                lead.append("The post says it is uncurated, but a vendor's word about its own showcase is not "
                            "evidence that it is typical.")
        if unrated:
            broader = [r.capability for r in rated if r.capability not in decisive]
            vouch = (f" A rating for {self._names(broader)} does not vouch for the more specific shot."
                     if broader else "")
            lead.append(f"Nothing rates {model} at {self._names(unrated)}, so this can't say whether it is the "
                        f"model at its best or its usual.{vouch}")
            return ("showcase" if provenance.vendor_channel else "mixed"), lead
        if split:
            lead.append(f"The sources disagree about {self._names(split)} for {model}, so this can't say whether "
                        "it is the model at its best or its usual.")
            return ("showcase" if provenance.vendor_channel else "mixed"), lead

        hit_and_miss = [c for c in decisive if by_cap[c].rating == "mixed"]
        uncurated = takes.disclosed and takes.curated is False
        if uncurated and not provenance.vendor_channel and not refuted and not signals.post_production:
            verb = "is" if len(decisive) == 1 else "are"
            kind = ("hit and miss" if len(hit_and_miss) == len(decisive) else
                    "rated strength or hit and miss" if hit_and_miss else "a strength" if verb == "is" else "strengths")
            return "representative", [
                f"Evidence that it is typical: the creator says it was not picked from many takes "
                f"({takes.evidence!r}), and {self._names(decisive)} {verb} {kind} for {model}: a fair sample of "
                "what the model does."
            ]

        if hit_and_miss:
            lead.append(f"{HIT_AND_MISS_LEAD}: expect misses "
                        f"({self._names(hit_and_miss)} {'is' if len(hit_and_miss) == 1 else 'are'} hit and miss "
                        f"for {model}).")
        else:
            avoid = f", and it avoids the model's documented weaknesses ({self._names(hidden)})" if hidden else ""
            lead.append(f"It shows the model's strengths ({self._names(decisive)} for {model}){avoid}: presume "
                        "it is the best of several takes until someone shows it is typical.")
        if refuted:
            lead.append(refuted)
        if uncurated and signals.post_production and not provenance.vendor_channel:
            lead.append("The creator says it is one take, but it was also worked on after generation, so it is "
                        "not the model's output alone.")
        return "showcase", lead

    def decisive(self, shown: list[str]) -> list[str]:
        """The most specific kinds of shot shown: they, not their parents or a bare subject, decide."""
        paths = {c: self.kb.path(c) for c in shown}
        specific = [c for c in shown if not any(o != c and c in paths[o][:-1] for o in shown)]
        beyond_subjects = [c for c in specific if paths[c][0] != SUBJECTS_ROOT]
        return beyond_subjects or specific

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
        cite = f" [{src.url}{', ' + src.date if src.date else ''}]" if src else ""  # undated sources exist
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

    def _community(self, community: CommunityEvidence, decisive: list[str]) -> tuple[str | None, str | None]:
        """(confirmation, refutation) from members' attempt reports for the kinds of shot that decide."""
        rates = {a.capability: a for a in community.attempts
                 if a.capability in decisive and a.tries >= CONFIRM_MIN_TRIES}
        low = [a for a in rates.values() if a.usable / a.tries < CONFIRM_HIT_RATE]
        if low:
            tries = sum(a.tries for a in low)
            usable = sum(a.usable for a in low)
            return None, (f"Community attempts get {usable} usable out of {tries} tries at "
                          f"{self._names([a.capability for a in low])}: expect fewer hits than this clip suggests.")
        # the community's own rule (enough tries from enough members, a Wilson bound) where it was applied
        if rates and set(rates) == set(decisive) and all(a.confirms is not False for a in rates.values()):
            tries = sum(a.tries for a in rates.values())
            usable = sum(a.usable for a in rates.values())
            return (f"Community attempts back it up: {usable} usable out of {tries} tries "
                    "for what this clip shows."), None
        return None, None

    def _process_notes(self, signals: Signals, reasons: list[str], does_not_tell: list[str]) -> None:
        takes = signals.takes
        if takes.disclosed:
            reasons.append(_takes_line(takes))
        else:
            does_not_tell.append("How many takes it took: nobody said, so assume it is the best of several.")
        if signals.post_production:
            reasons.append(f"It was worked on after generation ({signals.post_production!r}): part of what you "
                           "see is not the model's output.")
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

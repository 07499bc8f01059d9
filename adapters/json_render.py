"""One JSON object per reply, each with a "type", for `yuntai chat --json` and any script reading it.

A check is the `yuntai check --json` object of DESIGN.md plus `"type": "check"`; an error is
`{"type": "error", "message": ...}`. Fields may be added, never renamed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.attempts import AttemptResult
from bot.curation import ChangeRecord, CurationHistory, CurationResult
from bot.digest import DigestResult, WeeklyDigest
from bot.hitrate import HitRate
from bot.results import (
    AttemptRate,
    CheckResult,
    ChecksReply,
    ClaimView,
    ClipStanding,
    ErrorResult,
    HelpResult,
    ModelList,
    ModelReport,
    UsageResult,
)
from bot.setup import SetupResult
from bot.votes import VerdictsResult, VoteResult


def to_json(reply: object) -> dict[str, Any]:
    renderer = JSON_RENDERERS.get(type(reply))
    if renderer is None:
        raise TypeError(f"no JSON renderer for {type(reply).__name__}")
    return renderer(reply)


def _check(r: CheckResult) -> dict[str, Any]:
    return {"type": "check", **r.to_json()}


def _checks(r: ChecksReply) -> dict[str, Any]:
    """Each link with its check object (as `yuntai check --json`) or its error, in the order pasted."""
    return {"type": "checks", "checks": [{"link": i.link, **to_json(i.result)} for i in r.items],
            "left_out": r.left_out}


def _claim(c: ClaimView) -> dict[str, Any]:
    return {"capability": c.capability, "rating": c.rating, "sources": list(c.sources), "notes": list(c.notes)}


def _model(r: ModelReport) -> dict[str, Any]:
    return {
        "type": "model", "id": r.model_id, "name": r.name, "vendor": r.vendor, "released": r.released,
        "workflows": list(r.workflows), "notes": r.notes,
        "strengths": [_claim(c) for c in r.strengths], "mixed": [_claim(c) for c in r.mixed],
        "weaknesses": [_claim(c) for c in r.weaknesses], "undocumented": list(r.undocumented),
        "community": {
            "scope": r.attempts_scope or None,
            "hit_rates": [_rate(a) for a in r.hit_rates],
            "most_checked": [_standing(c) for c in r.most_checked],
            "unreported": list(r.unreported),
        },
        "chart": r.chart_path,
    }


def _rate(a: AttemptRate) -> dict[str, Any]:
    return {"capability": a.capability, "tries": a.tries, "usable": a.usable, "rate": round(a.rate, 3),
            "low": round(a.low, 3), "high": round(a.high, 3), "members": a.members, "reports": a.reports,
            "band": a.band, "scope": a.scope}


def _standing(c: ClipStanding) -> dict[str, Any]:
    return {"url": c.canonical_url, "id": c.clip_id, "checks": c.checks, "voters": c.voters,
            "consensus": c.consensus, "basis": c.basis}


def _hit_rate(r: HitRate) -> dict[str, Any]:
    return {"capability": r.capability, "tries": r.tries, "usable": r.usable, "rate": round(r.rate, 3),
            "low": round(r.low, 3), "high": round(r.high, 3), "members": r.members, "reports": r.reports,
            "band": r.band}


def _vote(r: VoteResult) -> dict[str, Any]:
    return {"type": "vote", "clip": {"url": r.clip_url, "id": r.clip_id}, "label": r.label, "before": r.before,
            "changed": r.changed, "votes": dict(r.votes)}


def _verdicts(r: VerdictsResult) -> dict[str, Any]:
    return {"type": "verdicts", "clip": {"url": r.clip_url, "id": r.clip_id}, **r.consensus.to_json(),
            "fresh": r.fresh}


def _attempt(r: AttemptResult) -> dict[str, Any]:
    return {"type": "attempt", "model": r.model_id, "capability": r.capability, "tries": r.tries,
            "usable": r.usable, "scope": r.scope, "hit_rate": _hit_rate(r.rate)}


def _models(r: ModelList) -> dict[str, Any]:
    return {"type": "models", "models": [{"id": i, "name": n, "vendor": v, "claims": c} for i, n, v, c in r.models]}


def _help(r: HelpResult) -> dict[str, Any]:
    return {"type": "help", "intro": r.intro, "commands": [{"usage": u, "summary": d} for u, d in r.lines]}


def _digest(r: DigestResult) -> dict[str, Any]:
    f = r.figures
    return {
        "type": "digest_preview", "community": r.community_id, "since": r.since.isoformat(),
        "until": r.until.isoformat(), "checks": f.checks, "by_level": dict(f.by_level), "by_model": dict(f.by_model),
        "shown": dict(f.shown), "kb_changes": f.kb_changes, "unshown_weaknesses": list(r.unshown_weaknesses),
        "usage": list(r.usage_lines),
    }


def _weekly(d: WeeklyDigest) -> dict[str, Any]:
    f = d.base.figures
    return {
        "type": "digest", "community": d.community_id, "week": d.week, "slot_at": d.slot_at.isoformat(),
        "since": d.base.since.isoformat(), "until": d.base.until.isoformat(), "checks": f.checks,
        "by_level": dict(f.by_level), "by_model": dict(f.by_model), "shown": dict(f.shown),
        "kb_changes": f.kb_changes,
        "most_contested": None if d.most_contested is None else {
            "clip": d.most_contested.short_id, "url": d.most_contested.canonical_url,
            "votes": dict(d.most_contested.votes)},
        "consensus_reached": [{"clip": c.short_id, "url": c.canonical_url, "label": c.label, "basis": c.basis}
                              for c in d.consensus],
        "attempts": {"reports": d.attempts.reports, "tries": d.attempts.tries, "usable": d.attempts.usable},
        "movers": [{"model": m.model, "capability": m.capability, "before": m.before, "after": m.after,
                    "tries": m.tries, "usable": m.usable} for m in d.movers],
        "not_shown_working": list(d.not_shown_working),
        "chart": None if d.chart is None else str(d.chart),
    }


def _usage(r: UsageResult) -> dict[str, Any]:
    return {"type": "usage", "lines": list(r.lines)}


def _change(c: ChangeRecord) -> dict[str, Any]:
    return {"change_id": c.change_id, "community": c.community_id, "actor": c.actor, "at": c.at, "kind": c.kind,
            "id": c.key, "action": c.action, "before": c.before, "after": c.after, "undoes": c.undoes}


def _curation(r: CurationResult) -> dict[str, Any]:
    return {"type": "kb_change", **_change(r.change), "message": r.message}


def _curation_history(r: CurationHistory) -> dict[str, Any]:
    return {"type": "kb_history", "thing": r.thing, "changes": [_change(c) for c in r.changes]}


def _setup(r: SetupResult) -> dict[str, Any]:
    s = r.settings
    return {
        "type": "setup", "changed": r.changed, "message": r.message, "community": s.community_id,
        "settings": {
            "watched_channels": sorted(s.watched_channels), "admins": sorted(s.admins),
            "digest": None if s.digest_channel is None else {
                "channel": s.digest_channel, "weekday": s.digest_weekday, "hour": s.digest_hour,
                "timezone": s.digest_timezone, "set_up_at": s.digest_set_up_at},
            "share_attempts": s.share_attempts,
        },
    }


def _error(r: ErrorResult) -> dict[str, Any]:
    return {"type": "error", "message": r.message}


JSON_RENDERERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    CheckResult: _check,
    ChecksReply: _checks,
    ModelReport: _model,
    ModelList: _models,
    HelpResult: _help,
    DigestResult: _digest,
    UsageResult: _usage,
    CurationResult: _curation,
    CurationHistory: _curation_history,
    SetupResult: _setup,
    ErrorResult: _error,
    WeeklyDigest: _weekly,
    VoteResult: _vote,
    VerdictsResult: _verdicts,
    AttemptResult: _attempt,
}

"""In-memory stand-ins for the core's storage ports, for tests of the core's rules without a database.

Each keeps what storage/gateways.py would keep, in dicts, and behaves as that gateway does where a rule
depends on it (read-change-save for settings, history and undo for curation, one vote per member and
clip). Tests of the storage itself use real SQLite and Postgres databases (tests/storage/).
"""

from __future__ import annotations

from bot.attempts import AttemptPool, MemberTotal
from bot.consensus import LABELS, Vote
from bot.curation import ChangeRecord
from bot.overrides import OverrideRow, layer
from bot.policy import CommunitySettings
from bot.votes import ClipRef, VoteOutcome
from tests.conftest import make_tiny_kb


class MemorySettings:
    """Community settings: read-change-save as the storage gateway does (`saves` counts the writes)."""

    def __init__(self, *settings: CommunitySettings) -> None:
        self.rows: dict[str, CommunitySettings] = {s.community_id: s for s in settings}
        self.saves = 0
        self.reads = 0

    def settings(self, community_id: str) -> CommunitySettings:
        self.reads += 1
        return self.rows.get(community_id, CommunitySettings(community_id))

    def save_settings(self, settings: CommunitySettings, actor: str) -> None:
        self.rows[settings.community_id] = settings
        self.saves += 1

    def update_settings(self, community_id, change, actor):  # type: ignore[no-untyped-def]
        before = self.settings(community_id)
        after = change(before)
        self.save_settings(after, actor)
        return before, after


class BrokenSettings:
    """A settings store that is down: every read raises, as a lost database connection does."""

    def __init__(self) -> None:
        self.reads = 0

    def settings(self, community_id: str) -> CommunitySettings:
        self.reads += 1
        raise ConnectionError("settings database unreachable")


class MemoryVotes:
    """Votes in a dict; clips 'checked here' are those in `checked`."""

    def __init__(self, *checked: tuple[str, ClipRef]) -> None:
        self.checked = set(checked)
        self.votes: dict[tuple[str, int, str], str] = {}
        self.version = 0
        self.reads = 0

    def checked_clip(self, community_id, canonical_url, short_id):
        for community, clip in self.checked:
            if community == community_id and (clip.canonical_url == canonical_url or clip.short_id == short_id):
                return clip
        return None

    def cast_vote(self, community_id, canonical_url, short_id, member, label):
        clip = self.checked_clip(community_id, canonical_url, short_id)
        if clip is None:
            return None
        before = self.votes.get((community_id, clip.id, member))
        if before != label:
            self.votes[(community_id, clip.id, member)] = label
            self.version += 1
        return VoteOutcome(clip, before, label, self.clip_votes(community_id, clip.id))

    def cast_votes(self, votes):
        return [self.cast_vote(v.community_id, v.canonical_url, v.short_id, v.member, v.label) for v in votes]

    def votes_version(self, community_id):
        return self.version

    def community_votes(self, community_id):
        self.reads += 1
        return [Vote(m, str(c), lab) for (cid, c, m), lab in self.votes.items() if cid == community_id]

    def clip_votes(self, community_id, clip_id):
        out = dict.fromkeys(LABELS, 0)
        for (cid, c, _), lab in self.votes.items():
            if cid == community_id and c == clip_id:
                out[lab] += 1
        return out

    def most_checked(self, community_id, model_id, limit=5):
        return [(clip, 4) for cid, clip in self.checked if cid == community_id][:limit]


class MemoryAttempts:
    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def record_attempt(self, community_id, member, model_id, capability_id, tries, usable, note):
        self.rows.append((community_id, member, model_id, capability_id, tries, usable, note))
        return len(self.rows)

    def attempt_pool(self, community_id, model_id, capabilities):
        sums: dict[tuple[str, str], list[int]] = {}
        for cid, member, m, cap, t, u, _ in self.rows:
            if cid == community_id and m == model_id and (capabilities is None or cap in capabilities):
                cell = sums.setdefault((cap, member), [0, 0, 0])
                cell[0] += t
                cell[1] += u
                cell[2] += 1
        return AttemptPool("community", 1, tuple(MemberTotal(c, m, *v) for (c, m), v in sums.items()))


class MemoryCuration:
    """The `CurationStore` port as storage/gateways.py implements it, in dicts: override rows and history."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], dict] = {}  # (community, kind, key) -> {"doc", "retired"}
        self.changes: list[ChangeRecord] = []

    def change(self, community_id, kind, key, decide, actor, glob=None, undoes=None):
        before = self.rows.get((community_id, kind, key)) or glob
        action, after = decide(before)
        if after is None or "doc" not in after:
            self.rows.pop((community_id, kind, key), None)
            after = glob if after is None and action == "undo" and glob is not None else after
        else:
            self.rows[(community_id, kind, key)] = {"doc": after["doc"], "retired": after["retired"]}
        record = ChangeRecord(len(self.changes) + 1, community_id, actor, "2026-11-28T00:00:00+00:00", kind, key,
                              action, before, after, undoes)
        self.changes.append(record)
        return record

    def find_change(self, community_id, change_id):
        found = [c for c in self.changes if c.change_id == change_id and c.community_id == community_id]
        return found[0] if found else None

    def history(self, community_id, thing, limit):
        mine = [c for c in reversed(self.changes) if c.community_id == community_id]
        if thing:
            mine = [c for c in mine if thing in (c.key, *c.key.split(" x "))]
        return mine[:limit]

    def knowledge_base(self, community_id):
        rows = [OverrideRow(kind, key, r["doc"], r["retired"]) for (cid, kind, key), r in self.rows.items()
                if cid == community_id]
        return layer(make_tiny_kb(), rows, (), str(len(self.changes)))

"""SQLModel tables. Migrations in storage/migrations own the schema; these classes mirror it.

The knowledge base is global (`community_id == ""`) with room for per-community overrides,
so knowledge rows carry a community id too. Rows that belong to a community (checks) always do.
Curation keeps history in `kb_change` (who, when, before/after) instead of overwriting silently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

GLOBAL = ""  # community id of the shared knowledge base


def utcnow() -> datetime:
    return datetime.now(UTC)


# Default factories of the JSON columns. Not the builtins `list` and `dict` themselves: for every row it
# builds, pydantic asks `inspect.signature` of each default factory it calls (does it take the validated
# data?), and for a builtin type that answer takes 77 us against 5 us for a plain function. A KbModel has
# four such columns, a KbClaim one and a check record one.


def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[str, Any]:
    return {}


class KbModel(SQLModel, table=True):
    __tablename__ = "kb_model"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    vendor: str = Field(default="", max_length=200)
    released: str = Field(default="", max_length=32)
    sites: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    hashtags: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    workflows: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    official_accounts: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    notes: str = Field(default="")
    retired: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow)


class KbAlias(SQLModel, table=True):
    __tablename__ = "kb_alias"
    __table_args__ = (UniqueConstraint("alias", name="uq_kb_alias_alias"),)
    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(foreign_key="kb_model.id", index=True, max_length=64)
    alias: str = Field(max_length=200)
    position: int = Field(default=0)


class KbCapability(SQLModel, table=True):
    __tablename__ = "kb_capability"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    parent_id: str | None = Field(default=None, max_length=64, index=True)
    description: str = Field(default="")
    terms: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    not_terms: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    implies: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    unless: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    position: int = Field(default=0)


class KbClaim(SQLModel, table=True):
    __tablename__ = "kb_claim"
    __table_args__ = (Index("ix_kb_claim_lookup", "community_id", "model_id", "capability_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(default=GLOBAL, max_length=100)
    model_id: str = Field(foreign_key="kb_model.id", max_length=64)
    capability_id: str = Field(foreign_key="kb_capability.id", max_length=64)
    rating: str = Field(max_length=16)
    note: str = Field(default="")
    derived_from: str = Field(default="", max_length=200)
    sources: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    curated_by: str = Field(default="seed", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = Field(default=None)


class KbDemo(SQLModel, table=True):
    """How a well-known demo of a model was made; replaced as a whole on every seed import."""

    __tablename__ = "kb_demo"
    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(max_length=64, index=True)
    title: str = Field(max_length=300)
    fact: str = Field(default="")
    url: str = Field(max_length=2048)
    date: str = Field(default="", max_length=32)
    source: str = Field(default="", max_length=300)
    position: int = Field(default=0)


class KbChange(SQLModel, table=True):
    """One curation event; `before`/`after` are the row as JSON (null for create/retire)."""

    __tablename__ = "kb_change"
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(default=GLOBAL, max_length=100, index=True)
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)
    entity: str = Field(max_length=32)  # "model" | "capability" | "claim"
    entity_id: str = Field(max_length=200)
    action: str = Field(max_length=16)  # "create" | "update" | "retire" | "undo"
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    undoes: int | None = Field(default=None)  # the change an "undo" reverted


class KbOverride(SQLModel, table=True):
    """A community's own version of one model, capability or claim (model x capability), layered over the
    global knowledge base for that community only; `retired` hides the thing there. History is in kb_change."""

    __tablename__ = "kb_override"
    __table_args__ = (UniqueConstraint("community_id", "kind", "key", name="uq_kb_override_thing"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # "model" | "capability" | "claim"
    key: str = Field(max_length=200)  # model id, capability id, or "model x capability"
    doc: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    retired: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=200)


class KbMeta(SQLModel, table=True):
    __tablename__ = "kb_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


class Clip(SQLModel, table=True):
    __tablename__ = "clip"
    id: int | None = Field(default=None, primary_key=True)
    canonical_url: str = Field(max_length=2048, unique=True)
    platform: str = Field(max_length=32)
    video_id: str | None = Field(default=None, max_length=200)
    first_seen_at: datetime = Field(default_factory=utcnow)
    short_id: str | None = Field(default=None, max_length=16, unique=True)  # fits a button's custom_id


class MetadataCache(SQLModel, table=True):
    __tablename__ = "metadata_cache"
    canonical_url: str = Field(primary_key=True, max_length=2048)
    fetched: bool
    title: str | None = None
    description: str | None = None
    author: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    is_video: bool | None = Field(default=None)
    fetched_at: datetime = Field(default_factory=utcnow)


class CheckRecord(SQLModel, table=True):
    """One reality check as a member asked for it, with the full result for later digests."""

    __tablename__ = "check_record"
    __table_args__ = (Index("ix_check_record_community_clip", "community_id", "clip_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100, index=True)
    actor_id: str = Field(max_length=200)
    clip_id: int = Field(foreign_key="clip.id")
    url: str = Field(max_length=2048)
    caption: str | None = None
    model_id: str | None = Field(default=None, max_length=64)
    level: str = Field(max_length=32)
    kb_version: str = Field(max_length=64)
    result: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # the ids of `result["shown"]`, so the digest counts kinds of shot without parsing every result
    shown_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CommunitySettingsRow(SQLModel, table=True):
    """A community's own settings as one JSON document: admins, watched channels, the digest slot."""

    __tablename__ = "community_settings"
    community_id: str = Field(primary_key=True, max_length=100)
    settings: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=200)


class CommunitySettingsChange(SQLModel, table=True):
    __tablename__ = "community_settings_change"
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100, index=True)
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class DigestPost(SQLModel, table=True):
    """One community's digest for one ISO week: claimed (unique) before it is sent, `sent_at` set after.

    A row with `sent_at` null is a post in flight or one whose process died; another process may take it
    over once `claimed_at` is older than the claim timeout.
    """

    __tablename__ = "digest_post"
    __table_args__ = (UniqueConstraint("community_id", "week", name="uq_digest_post_community_week"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    week: str = Field(max_length=10)
    slot_at: datetime
    claimed_at: datetime
    claimed_by: str = Field(max_length=200)
    attempts: int = Field(default=1)
    sent_at: datetime | None = Field(default=None)
    channel: str | None = Field(default=None, max_length=200)
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class VoteRow(SQLModel, table=True):
    """A member's current vote on a clip in one community; `vote_change` keeps how it got there."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("community_id", "clip_id", "member", name="uq_vote_community_clip_member"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    clip_id: int = Field(foreign_key="clip.id")
    member: str = Field(max_length=200)
    label: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VoteChange(SQLModel, table=True):
    """Who voted what on which clip, when, and what their vote was before (null for a first vote)."""

    __tablename__ = "vote_change"
    __table_args__ = (Index("ix_vote_change_community_id", "community_id", "id"),
                      Index("ix_vote_change_community_clip", "community_id", "clip_id"))
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    clip_id: int = Field(foreign_key="clip.id")
    member: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)
    before: str | None = Field(default=None, max_length=32)
    after: str = Field(max_length=32)


class AttemptRow(SQLModel, table=True):
    """One `/tried` report: a member's tries and usable takes of one model x capability."""

    __tablename__ = "attempt"
    __table_args__ = (Index("ix_attempt_model_capability", "model_id", "capability_id", "community_id"),
                      Index("ix_attempt_community_model", "community_id", "model_id"))
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    member: str = Field(max_length=200)
    model_id: str = Field(max_length=64)
    capability_id: str = Field(max_length=64)
    tries: int
    usable: int
    note: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow)


class SlackEvent(SQLModel, table=True):
    """A Slack delivery (event, command or click) already taken: its id is the primary key.

    Slack redelivers an event it thinks was missed (`X-Slack-Retry-Num`), possibly to another
    worker; the first insert of its id wins, so a retry never produces a second reply or vote.
    """

    __tablename__ = "slack_event"
    event_id: str = Field(primary_key=True, max_length=200)
    team_id: str = Field(max_length=50)
    received_at: datetime = Field(index=True)

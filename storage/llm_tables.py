"""Tables of the LLM summarizer: validated summaries (a shared cache) and token usage per community-day.

Kept out of storage/tables.py so the summarizer's schema travels with its own migration (0002).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import empty_dict, utcnow


class LlmSummary(SQLModel, table=True):
    """One validated LLM summary; `key` is the sha256 of (clip, kb version, prompt version, model, facts)."""

    __tablename__ = "llm_summary"
    key: str = Field(primary_key=True, max_length=64)
    clip_url: str = Field(max_length=2048, index=True)
    kb_version: str = Field(max_length=64)
    prompt_version: str = Field(max_length=16)
    model: str = Field(max_length=200)
    text: str
    tokens: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class LlmUsage(SQLModel, table=True):
    """Tokens, requests and template fallbacks (by reason) of one community on one UTC day."""

    __tablename__ = "llm_usage"
    __table_args__ = (UniqueConstraint("community_id", "day", name="uq_llm_usage_community_day"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(max_length=100)
    day: str = Field(max_length=10)  # YYYY-MM-DD, UTC
    prompt_tokens: int = Field(default=0)
    completion_tokens: int = Field(default=0)
    requests: int = Field(default=0)
    fallbacks: dict[str, int] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)

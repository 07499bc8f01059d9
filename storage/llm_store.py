"""SqlLLMStore: the LLM summarizer's cache and usage counters on SQLite or Postgres.

Every write is one atomic upsert (INSERT ... ON CONFLICT DO UPDATE), so Discord shards and Slack
workers sharing Postgres -- or a console and a bot sharing a SQLite file -- never lose a count
or trip over a unique constraint. Counters are incremented in SQL, not read-modified-written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.llm.ports import SummaryKey, UsageFigures
from storage.llm_tables import LlmSummary, LlmUsage
from storage.tables import utcnow

_FALLBACK_SQL = {
    "sqlite": (
        "INSERT INTO llm_usage (community_id, day, prompt_tokens, completion_tokens, requests, fallbacks, "
        "updated_at) VALUES (:c, :d, 0, 0, 0, json_object(:r, 1), :now) "
        "ON CONFLICT (community_id, day) DO UPDATE SET updated_at = excluded.updated_at, "
        "fallbacks = json_set(coalesce(llm_usage.fallbacks, '{}'), '$.\"' || :r || '\"', "
        "coalesce(json_extract(llm_usage.fallbacks, '$.\"' || :r || '\"'), 0) + 1)"
    ),
    "postgresql": (
        "INSERT INTO llm_usage (community_id, day, prompt_tokens, completion_tokens, requests, fallbacks, "
        "updated_at) VALUES (:c, :d, 0, 0, 0, json_build_object(CAST(:r AS text), 1), :now) "
        "ON CONFLICT (community_id, day) DO UPDATE SET updated_at = excluded.updated_at, "
        "fallbacks = (coalesce(llm_usage.fallbacks::jsonb, '{}'::jsonb) || jsonb_build_object(CAST(:r AS text), "
        "coalesce((llm_usage.fallbacks::jsonb ->> CAST(:r AS text))::int, 0) + 1))::json"
    ),
}


class SqlLLMStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        if self.dialect not in _FALLBACK_SQL:
            raise ValueError(f"SqlLLMStore supports SQLite and Postgres, not {self.dialect}")

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def cached_summary(self, key: SummaryKey) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(LlmSummary.text).where(LlmSummary.key == key.id)).scalar_one_or_none()

    def save_summary(self, key: SummaryKey, text: str, model: str, tokens: int) -> None:
        table = LlmSummary.__table__
        stmt = self._insert(table).values(
            key=key.id, clip_url=key.clip_url[:2048], kb_version=key.kb_version[:64],
            prompt_version=key.prompt_version[:16], model=model[:200], text=text, tokens=tokens,
            created_at=utcnow(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"text": stmt.excluded.text, "tokens": stmt.excluded.tokens, "created_at": stmt.excluded.created_at},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def record_usage(
        self, community_id: str, day: str, prompt_tokens: int, completion_tokens: int, requests: int = 1
    ) -> None:
        table = LlmUsage.__table__
        stmt = self._insert(table).values(
            community_id=community_id, day=day, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            requests=requests, fallbacks={}, updated_at=utcnow(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.community_id, table.c.day],
            set_={
                "prompt_tokens": table.c.prompt_tokens + stmt.excluded.prompt_tokens,
                "completion_tokens": table.c.completion_tokens + stmt.excluded.completion_tokens,
                "requests": table.c.requests + stmt.excluded.requests,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def usage_today(self, community_id: str, day: str) -> UsageFigures:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(LlmUsage.prompt_tokens, LlmUsage.completion_tokens, LlmUsage.requests, LlmUsage.fallbacks)
                .where(LlmUsage.community_id == community_id, LlmUsage.day == day)
            ).first()
        if row is None:
            return UsageFigures()
        fallbacks = {str(k): int(v) for k, v in (row.fallbacks or {}).items()}
        return UsageFigures(row.prompt_tokens, row.completion_tokens, row.requests, fallbacks)

    def count_fallback(self, community_id: str, day: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(_FALLBACK_SQL[self.dialect]), {"c": community_id, "d": day, "r": reason,
                                                             "now": utcnow()})

"""A community's curation rows: its overrides of the knowledge base and their history (`kb_change`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.curation import ChangeRecord, State
from storage.tables import KbChange, KbOverride, utcnow


def _record(row: KbChange) -> ChangeRecord:
    return ChangeRecord(change_id=row.id or 0, community_id=row.community_id, actor=row.actor,
                        at=row.at.isoformat(), kind=row.entity, key=row.entity_id, action=row.action,
                        before=row.before, after=row.after, undoes=row.undoes)


class CurationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, community_id: str, kind: str, key: str) -> KbOverride | None:
        return self.session.exec(select(KbOverride).where(
            KbOverride.community_id == community_id, KbOverride.kind == kind, KbOverride.key == key)
        ).first()

    def state(self, community_id: str, kind: str, key: str) -> State:
        row = self._row(community_id, kind, key)
        return None if row is None else {"doc": dict(row.doc), "retired": row.retired}

    def put(self, community_id: str, kind: str, key: str, state: State, actor: str) -> None:
        """Make the override `state` (None or a global state: no override row)."""
        row = self._row(community_id, kind, key)
        if state is None or "doc" not in state:
            if row is not None:
                self.session.delete(row)
            return
        if row is None:
            row = KbOverride(community_id=community_id, kind=kind, key=key)
        row.doc, row.retired, row.updated_at, row.updated_by = dict(state["doc"]), bool(state["retired"]), \
            utcnow(), actor
        self.session.add(row)

    def record(self, community_id: str, kind: str, key: str, action: str, before: State, after: State,
               actor: str, undoes: int | None = None) -> ChangeRecord:
        row = KbChange(community_id=community_id, actor=actor, entity=kind, entity_id=key, action=action,
                       before=_plain(before), after=_plain(after), undoes=undoes)
        self.session.add(row)
        self.session.flush()
        return _record(row)

    def find(self, community_id: str, change_id: int) -> ChangeRecord | None:
        row = self.session.get(KbChange, change_id)
        if row is None or row.community_id != community_id:
            return None  # another community's change is not this one's to see or undo
        return _record(row)

    def history(self, community_id: str, thing: str | None, limit: int) -> list[ChangeRecord]:
        query = select(KbChange).where(KbChange.community_id == community_id)
        if thing:
            query = query.where(or_(col(KbChange.entity_id) == thing,
                                    col(KbChange.entity_id).like(f"{_escape(thing)} x %", escape="\\"),
                                    col(KbChange.entity_id).like(f"% x {_escape(thing)}", escape="\\")))
        rows = self.session.exec(query.order_by(col(KbChange.id).desc()).limit(limit))
        return [_record(r) for r in rows]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plain(state: State) -> dict[str, Any] | None:
    return None if state is None else dict(state)

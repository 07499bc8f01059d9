"""A community's settings as one JSON document, with a history row for every change."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.policy import CommunitySettings
from storage.tables import CommunitySettingsChange, CommunitySettingsRow, utcnow

_LISTS = ("admins", "admin_roles", "watched_channels")
_SCALARS = ("digest_channel", "digest_weekday", "digest_hour", "digest_timezone", "share_attempts",
            "digest_set_up_at")


def settings_json(settings: CommunitySettings) -> dict[str, Any]:
    doc: dict[str, Any] = {k: sorted(getattr(settings, k)) for k in _LISTS}
    doc.update({k: getattr(settings, k) for k in _SCALARS})
    # keys this version does not model (e.g. when the digest slot was set up) survive a save
    return {**{k: v for k, v in settings.extra.items() if k not in doc}, **doc}


def settings_from_json(community_id: str, doc: dict[str, Any] | None) -> CommunitySettings:
    doc = doc or {}
    base = CommunitySettings(community_id)
    values: dict[str, Any] = {k: frozenset(str(x) for x in doc.get(k) or ()) for k in _LISTS}
    for k in _SCALARS:
        values[k] = doc.get(k, getattr(base, k))
    extra = {k: str(v) for k, v in doc.items() if k not in values and isinstance(v, str | int | float)}
    return CommunitySettings(community_id, **values, extra=extra)


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, community_id: str) -> CommunitySettings:
        row = self.session.get(CommunitySettingsRow, community_id)
        return settings_from_json(community_id, row.settings if row else None)

    def save(self, settings: CommunitySettings, actor: str) -> None:
        s = self.session
        row = s.get(CommunitySettingsRow, settings.community_id)
        before = dict(row.settings) if row else None
        after = settings_json(settings)
        if before == after:
            return
        if row is None:
            row = CommunitySettingsRow(community_id=settings.community_id)
        row.settings, row.updated_at, row.updated_by = after, utcnow(), actor
        s.add(row)
        s.add(CommunitySettingsChange(community_id=settings.community_id, actor=actor, before=before, after=after))

    def history(self, community_id: str) -> list[dict[str, Any]]:
        from sqlmodel import select

        rows = self.session.exec(
            select(CommunitySettingsChange).where(CommunitySettingsChange.community_id == community_id)
            .order_by(CommunitySettingsChange.id)  # type: ignore[arg-type]
        )
        return [{"actor": r.actor, "at": r.at.isoformat(), "before": r.before, "after": r.after} for r in rows]

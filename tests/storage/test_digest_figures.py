"""The digest's kinds-of-shot count: from `shown_ids` where stored, from the full result where not."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, text

from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from storage.db import MIGRATIONS, make_engine, upgrade
from storage.tables import CheckRecord

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_new_checks_store_their_shown_ids_and_old_rows_still_count(storage):
    svc = CheckService(storage.knowledge, check_log=storage.checks, io=storage.threads)
    asyncio.run(svc.check(CheckRequest(YT, caption="Sora: a woman eating noodles", fetch=False),
                          Actor("discord:1", "u")))
    with storage.engine.begin() as conn:
        [(stored,)] = conn.execute(text("SELECT shown_ids FROM check_record")).all()
        stored = json.loads(stored) if isinstance(stored, str) else stored
        assert sorted(stored) == ["eating", "food", "people"]
        clip_id = conn.execute(text("SELECT id FROM clip")).scalar()
        now = datetime.now(UTC)
        old = dict(community_id="discord:1", actor_id="u", clip_id=clip_id, url=YT, caption=None, model_id="sora",
                   level="showcase", kb_version="v", created_at=now - timedelta(hours=1))
        conn.execute(insert(CheckRecord), [  # rows written without shown_ids (an older process)
            dict(old, result={"shown": [{"id": "eating"}, {"id": "plants"}]}),
            dict(old, result={"shown": [{"id": 7}, "walking", {"no": "id"}]}),  # malformed items are skipped
            dict(old, result={"shown": {"id": "walking"}}),  # not a list at all
            dict(old, result={}),
        ])
    f = storage.checks.digest_figures("discord:1", now - timedelta(days=7), now + timedelta(minutes=1))
    assert f.checks == 5
    assert f.shown == {"eating": 2, "food": 1, "people": 1, "plants": 1}


def test_migration_0010_backfills_shown_ids_of_existing_checks(sqlite_url):
    engine = make_engine(sqlite_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clip (id, canonical_url, platform, first_seen_at) "
                          "VALUES (1, :u, 'youtube', '2026-11-01 00:00:00')"), {"u": YT})
        for result in ({"shown": [{"id": "walking"}, {"id": "people"}]}, {"shown": "oops"}):
            conn.execute(text("INSERT INTO check_record (community_id, actor_id, clip_id, url, level, kb_version, "
                              "result, created_at) VALUES ('c', 'u', 1, :u, 'mixed', 'v', :r, '2026-11-02 00:00:00')"),
                         {"u": YT, "r": json.dumps(result)})
    upgrade(engine)
    with engine.connect() as conn:
        rows = [json.loads(r[0]) for r in conn.execute(text("SELECT shown_ids FROM check_record ORDER BY id"))]
        assert rows == [["walking", "people"], []]
        assert conn.execute(text("SELECT count(*) FROM digest_post")).scalar() == 0
    engine.dispose()

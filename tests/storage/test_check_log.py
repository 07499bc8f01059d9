"""The check log's reads on SQLite and Postgres: recent checks, counts and the digest's week window.

Why rows are inserted directly: each one needs a chosen time, so the window's edges can be tested to the
microsecond (a check at `since` counts, one at `until` belongs to the next week).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from storage.bootstrap import Storage
from storage.tables import CheckRecord, KbChange

SINCE = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
TICK = timedelta(microseconds=1)


def add(st: Storage, rows: list[tuple[str, str, str | None, datetime, list[str]]]) -> None:
    """(community, level, model, created_at, shown ids) each; one clip for all of them."""
    with st.engine.begin() as conn:
        conn.execute(text("INSERT INTO clip (canonical_url, platform, first_seen_at, short_id) "
                          "VALUES ('https://vimeo.com/1', 'vimeo', :t, 'abc')"), {"t": SINCE})
        clip_id = conn.execute(text("SELECT id FROM clip")).scalar()
        conn.execute(insert(CheckRecord), [
            dict(community_id=community, actor_id="u", clip_id=clip_id, url=f"https://vimeo.com/1?n={i}",
                 caption=None, model_id=model, level=level, kb_version="v", result={}, created_at=at,
                 shown_ids=shown)
            for i, (community, level, model, at, shown) in enumerate(rows)
        ])


def test_the_digest_window_counts_from_since_up_to_but_not_including_until(storage):
    add(storage, [
        ("discord:1", "showcase", "sora", SINCE - TICK, ["food"]),  # last week
        ("discord:1", "showcase", "sora", SINCE, ["food"]),
        ("discord:1", "mixed", "sora", SINCE + timedelta(days=1), ["walking"]),
        ("discord:1", "mixed", "kling-2", UNTIL - TICK, ["walking", "food"]),
        ("discord:1", "unknown", None, UNTIL - TICK, []),
        ("discord:1", "showcase", "sora", UNTIL, ["food"]),  # next week
        ("discord:2", "showcase", "sora", SINCE + timedelta(days=1), ["food"]),  # another community
    ])
    week = storage.checks.digest_figures("discord:1", SINCE, UNTIL)
    assert (week.checks, week.by_level, week.by_model, week.shown) == (
        4, {"showcase": 1, "mixed": 2, "unknown": 1}, {"sora": 2, "kling-2": 1}, {"food": 2, "walking": 2})
    open_ended = storage.checks.digest_figures("discord:1", SINCE)  # a preview of the week so far
    assert (open_ended.checks, open_ended.by_level) == (5, {"showcase": 2, "mixed": 2, "unknown": 1})


def test_recent_checks_are_this_communitys_newest_first_and_counts_are_per_community(storage):
    add(storage, [("discord:1", "showcase", "sora", SINCE + timedelta(hours=i), []) for i in range(3)]
        + [("discord:2", "mixed", None, SINCE, [])])
    recent = storage.checks.recent_checks("discord:1", limit=2)
    assert recent == [
        {"url": "https://vimeo.com/1?n=2", "level": "showcase", "model": "sora",
         "at": recent[0]["at"]},
        {"url": "https://vimeo.com/1?n=1", "level": "showcase", "model": "sora", "at": recent[1]["at"]},
    ]
    assert [datetime.fromisoformat(r["at"]).replace(tzinfo=UTC) for r in recent] == [
        SINCE + timedelta(hours=2), SINCE + timedelta(hours=1)]
    assert [r["model"] for r in storage.checks.recent_checks("discord:2")] == [None]
    assert (storage.checks.count_checks("discord:1"), storage.checks.count_checks("discord:2"),
            storage.checks.count_checks()) == (3, 1, 4)
    assert storage.checks.count_checks("discord:3") == 0


def test_a_week_given_in_another_time_zone_counts_the_same_checks(storage):
    """A community's week may be computed in its own zone; the window is compared in UTC, shots included."""
    from datetime import timezone

    add(storage, [
        ("discord:1", "showcase", "sora", SINCE - TICK, ["food"]),
        ("discord:1", "mixed", "sora", SINCE, ["walking"]),
        ("discord:1", "mixed", "sora", UNTIL - TICK, ["walking"]),
        ("discord:1", "showcase", "sora", UNTIL, ["food"]),
    ])
    new_york = timezone(timedelta(hours=-5))
    week = storage.checks.digest_figures("discord:1", SINCE.astimezone(new_york), UNTIL.astimezone(new_york))
    assert (week.checks, week.shown) == (2, {"walking": 2})


def test_checks_store_each_clip_once_whole_and_fill_in_a_missing_short_id(storage, monkeypatch):
    """The clip upsert as a new process builds it (the statement is cached per dialect once built)."""
    import asyncio

    import storage.repositories.checks as checks
    from bot.clip_ids import short_clip_id
    from bot.ports import Actor
    from bot.service import CheckRequest, CheckService

    monkeypatch.setattr(checks, "_CLIP_UPSERTS", {})
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    svc = CheckService(storage.knowledge, check_log=storage.checks, io=storage.threads)

    def run(community: str) -> None:
        asyncio.run(svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora: a woman eating noodles",
                                           fetch=False), Actor(community, "u")))

    def clips() -> list[tuple]:
        with storage.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT canonical_url, platform, video_id, short_id, first_seen_at IS NOT NULL FROM clip"))]

    run("discord:1")
    run("discord:2")
    assert clips() == [(url, "youtube", "dQw4w9WgXcQ", short_clip_id(url), True)]
    with storage.engine.begin() as conn:  # a clip stored before short ids existed
        conn.execute(text("UPDATE clip SET short_id = NULL"))
    run("discord:1")
    assert clips() == [(url, "youtube", "dQw4w9WgXcQ", short_clip_id(url), True)]
    with storage.engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT clip_id), count(*) FROM check_record")).one() == (1, 3)
        assert conn.execute(text("SELECT DISTINCT caption, model_id FROM check_record")).all() == [
            ("Sora: a woman eating noodles", "sora")]
    asyncio.run(svc.check(CheckRequest("https://vimeo.com/76979871", caption="a woman eating noodles", fetch=False),
                          Actor("discord:1", "u")))  # no model named: stored without one
    with storage.engine.connect() as conn:
        assert conn.execute(text("SELECT model_id FROM check_record WHERE url LIKE '%vimeo%'")).all() == [(None,)]


def test_the_digest_counts_this_weeks_curation_changes_here_and_global_but_not_the_seeds(storage):
    # the tiny knowledge base was imported just now, as "seed": its own rows are not curation
    assert storage.checks.digest_figures("discord:1", SINCE - timedelta(days=3650)).kb_changes == 0
    changes = [
        ("", "discord:9/admin", SINCE),  # a global change counts in every community
        ("discord:1", "discord:1/admin", SINCE + timedelta(days=1)),
        ("discord:1", "discord:1/admin", UNTIL - TICK),
        ("discord:1", "discord:1/admin", SINCE - TICK),  # last week
        ("discord:1", "discord:1/admin", UNTIL),  # next week
        ("discord:2", "discord:2/admin", SINCE + timedelta(days=1)),  # another community's own
        ("", "seed", SINCE + timedelta(days=2)),  # a seed import is not curation
    ]
    with storage.engine.begin() as conn:
        conn.execute(insert(KbChange), [
            dict(community_id=community, actor=actor, at=at, entity="claim", entity_id=f"sora:food:{i}",
                 action="update") for i, (community, actor, at) in enumerate(changes)])
    assert storage.checks.digest_figures("discord:1", SINCE, UNTIL).kb_changes == 3
    assert storage.checks.digest_figures("discord:1", SINCE).kb_changes == 4  # a preview: no end to the window
    assert storage.checks.digest_figures("discord:2", SINCE, UNTIL).kb_changes == 2

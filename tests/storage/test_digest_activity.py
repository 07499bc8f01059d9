"""The digest's votes and attempts, read from what members did through the real commands."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.wiring import build_app
from bot.config import Settings
from bot.policy import Requester
from helpers.seeded_db import seeded_copy
from storage.activity import SqlCommunityActivity

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"


def test_contested_clips_attempts_and_movers_come_from_this_weeks_activity(tmp_path):
    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'a.db')), fetch=False)
    here, elsewhere = "discord:1", "discord:2"

    async def scenario() -> None:
        say = app.chat.handle_text
        await say(f"/check {YT} Sora: a woman walking in the rain", Requester(here, "u1"))
        await say(f"/check {VIMEO} Sora: a forest at dawn", Requester(here, "u1"))
        for member, label in (("u1", "representative"), ("u2", "cherry_picked"), ("u3", "cherry_picked")):
            reply = await say(f"/vote {YT} {label}", Requester(here, member))
            assert type(reply).__name__ == "VoteResult", reply
        for member in ("u1", "u2"):
            await say(f"/vote {VIMEO} cherry_picked", Requester(here, member))  # agreed: not contested
        reply = await say("/tried Sora walking 10 3 slow pans only", Requester(here, "u1"))
        assert type(reply).__name__ == "AttemptResult", reply
        await say(f"/check {YT} Sora walking", Requester(elsewhere, "x"))
        await say(f"/vote {YT} representative", Requester(elsewhere, "x"))
        await app.aclose()

    asyncio.run(scenario())
    activity = SqlCommunityActivity(app.storage.uow)
    now = datetime.now(UTC)
    week = (now - timedelta(days=7), now + timedelta(minutes=1))

    contested = activity.contested_clips(here, *week)
    assert [c.canonical_url for c in contested] == [YT]
    assert contested[0].votes == {"representative": 1, "cherry_picked": 2, "misleading_workflow": 0, "cant_tell": 0}
    assert len(contested[0].short_id) == 12
    assert activity.contested_clips(elsewhere, *week) == []  # one vote is no contest, and communities are apart
    assert activity.contested_clips(here, now - timedelta(days=14), now - timedelta(days=7)) == []  # not last week

    summary = activity.attempt_summary(here, *week)
    assert (summary.reports, summary.tries, summary.usable) == (1, 10, 3)
    movers = activity.attempt_movers(here, *week)
    assert [(m.model, m.capability, m.before, m.after) for m in movers] == [("sora", "walking", None, 0.3)]
    assert activity.working_capabilities(here, week[1]) == frozenset()  # 3 of 10 confirms nothing
    assert activity.attempt_summary(elsewhere, *week).reports == 0
    app.close()

"""The closed set of replies a command can give; every adapter has a renderer for each.

A test walks this tuple against each adapter's renderers, so a new reply type without a renderer is
a failing test, never a `str(result)` shown to a member.
"""

from __future__ import annotations

from bot.attempts import AttemptResult
from bot.curation import CurationHistory, CurationResult
from bot.digest import DigestResult, WeeklyDigest
from bot.results import CheckResult, ChecksReply, ErrorResult, HelpResult, ModelList, ModelReport, UsageResult
from bot.setup import SetupResult
from bot.votes import VerdictsResult, VoteResult

REPLY_TYPES: tuple[type, ...] = (CheckResult, ChecksReply, ModelReport, ModelList, HelpResult, DigestResult,
                                 UsageResult, CurationResult, CurationHistory, SetupResult, ErrorResult, WeeklyDigest,
                                 VoteResult, VerdictsResult, AttemptResult)

Reply = (CheckResult | ChecksReply | ModelReport | ModelList | HelpResult | DigestResult | UsageResult
         | CurationResult | CurationHistory | SetupResult | ErrorResult | WeeklyDigest | VoteResult | VerdictsResult
         | AttemptResult)

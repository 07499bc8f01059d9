"""Charts (`/model`, the weekly digest) shared in a Slack channel through slack_sdk's `files_upload_v2`.

Why a separate step after the answer: a slash command is answered through `response_url`, which
carries text and blocks but no files, so the chart goes to the command's channel with the Web API
(`files.getUploadURLExternal`, the bytes to the returned URL, `files.completeUploadExternal`). The
bot must be a member of that channel; when it is not, the member still has the answer and is told
politely how to get charts. A chart that cannot be shared is never worth failing the answer for.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

MISSING = "missing_file"
FAILED = "upload_failed"
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
NOT_IN_CHANNEL_NOTE = ("I couldn't share the chart here because I'm not a member of this channel. "
                       "Add me to the channel (its settings, Integrations, Add apps) and ask again to get the chart.")


async def upload_chart(client: AsyncWebClient, path: Path, channel: str, *, title: str,
                       thread_ts: str | None = None) -> str | None:
    """Share the PNG at `path` in `channel` (in the thread `thread_ts`); None when shared, else why not.

    The file is read on a worker thread (the event loop acknowledges other members meanwhile) and
    passed as bytes, so a chart deleted between drawing and sharing is one log line, not an error.
    """
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        log.warning("chart %s cannot be read (%s); answering without it", path.name, exc.strerror or exc)
        return MISSING
    if not data:
        log.warning("chart %s is empty; answering without it", path.name)
        return MISSING
    try:
        await client.files_upload_v2(file=data, filename=path.name, title=title, channel=channel,
                                     thread_ts=thread_ts)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or FAILED)
        log.warning("sharing chart %s in %s failed: %s", path.name, channel, error)
        return error
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("sharing chart %s in %s failed: %s", path.name, channel, type(exc).__name__)
        return FAILED
    return None

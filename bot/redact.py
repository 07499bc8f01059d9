"""Secrets out of URLs before they reach a log line, a terminal or an error message.

Operators put credentials in URLs in two ways: `scheme://user:password@host` and query parameters
such as `?password=...` (libpq accepts both for DATABASE_URL). One function handles both so every
place that shows a URL hides the same things, and a logging filter applies it to third-party log
lines (httpx logs every request URL at INFO, with the user and password of OPENAI_BASE_URL).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "***"
# Query/fragment keys whose value is a secret (libpq, OAuth, common API conventions).
SECRET_KEYS = ("password", "passwd", "pwd", "pass", "secret", "token", "access_token", "api_key", "apikey",
               "key", "sslpassword", "auth")

# user:password@ inside anything that looks like a URL authority: "scheme://user:pass@host".
_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.\-]*://)([^/?#@\s:]*):([^/?#\s]*)@")  # greedy: "p@ss" too
_SECRET_PARAM = re.compile(rf"(?i)([?&;#](?:{'|'.join(SECRET_KEYS)})=)([^&#;\s\"'<>]*)")


def redact_url(text: str) -> str:
    """`text` with every URL password and secret query value replaced by ***.

    Works on a bare URL and on free text containing URLs (log messages, exception strings); never
    raises, whatever the input, because it runs on error paths.
    """
    if not isinstance(text, str) or ("@" not in text and "=" not in text):
        return text
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{HIDDEN}@", text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}{HIDDEN}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with `redact_url`; attach it to every handler Yuntai installs."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's problem, not ours
            return True
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_url(logging.Formatter().formatException(record.exc_info))
        return True

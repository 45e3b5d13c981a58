"""Keep secret link tokens out of every log line: gunicorn's access log and Django's own logs.

Invitation and survey links carry a 128-bit token in their path (tenancy/tokens.py: at least 22
URL-safe characters). A log line keeps the shape of a path and loses anything that could be a
token: a path segment of 20 or more URL-safe characters becomes ':token' — except an
organisation slug (the segment after '/o/', where no token is ever routed) and a UUID — and a
query string becomes '?…'. The rule is positional, not a guess about randomness, so no token
slips through by looking like a word.
"""

import logging
import re

_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A path inside free text: from a slash up to whitespace, a quote or an angle bracket.
_PATH_IN_TEXT = re.compile(r"/[^\s\"'<>]*")


def redact_path(path: str) -> str:
    """The path as it may be logged."""
    path, query_mark, _query = path.partition("?")
    segments = path.split("/")
    for index, segment in enumerate(segments):
        after_organisation = index > 0 and segments[index - 1] == "o"
        if _TOKEN_LIKE.fullmatch(segment) and not after_organisation and not _UUID.fullmatch(segment):
            segments[index] = ":token"
    return "/".join(segments) + ("?…" if query_mark else "")


def redact_text(text: str) -> str:
    """Every path-looking part of a message, redacted as by redact_path."""
    return _PATH_IN_TEXT.sub(lambda match: redact_path(match.group(0)), text)


class RedactTokens(logging.Filter):
    """Logging filter for handlers: rewrites the message and any traceback before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True

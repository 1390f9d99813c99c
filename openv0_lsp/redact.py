"""Keep API keys out of every log line, whoever writes it.

A logging filter on the server's handler rewrites each record's final text: the keys it was told
about (from the environment at start, and from settings as they arrive) become `[api key]`, and
so does anything shaped like a key — an `apiKey` value in a logged JSON message (pygls logs
whole messages at `-vv`, the `initialize` request with its `initializationOptions` included),
a `Bearer` credential, or an `sk-…` token — even before the server knows it is a key.
"""

from __future__ import annotations

import logging
import re

MASK = "[api key]"
_SHAPES = re.compile(
    r"""(?P<field>["']?api_?key["']?\s*[:=]\s*["']?)(?!\[api key\])[^"',}\s]+"""
    r"""|(?P<bearer>Bearer\s+)\S+"""
    r"""|\bsk-[A-Za-z0-9_\-]{8,}""",
    re.IGNORECASE,
)
_known: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Mask this exact text from now on (short values are ignored: they would mask words)."""
    if secret and len(secret) >= 8:
        _known.add(secret)


def redact(text: str) -> str:
    for secret in _known:
        if secret in text:
            text = text.replace(secret, MASK)
    return _SHAPES.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    prefix = match.group("field") or match.group("bearer") or ""
    return prefix + MASK


class RedactingFilter(logging.Filter):
    """Formats the record's message once, masked; arguments are dropped so nothing re-adds
    them. Exception text is masked by `RedactingFormatter`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

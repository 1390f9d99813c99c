"""Log lines never carry an API key, known or only key-shaped."""

from __future__ import annotations

import io
import json
import logging

from openv0_lsp.redact import (
    MASK,
    RedactingFilter,
    RedactingFormatter,
    redact,
    register_secret,
)

KEY = "sk-or-v1-" + "ab12" * 16


def test_key_shapes_are_masked_before_the_key_is_known():
    message = json.dumps({"initializationOptions": {"openv0": {"apiKey": KEY, "model": "m"}}})
    assert KEY not in redact(message) and '"model": "m"' in redact(message)
    assert redact(f"Authorization: Bearer {KEY}") == f"Authorization: Bearer {MASK}"
    assert redact(f"echo {KEY} back") == f"echo {MASK} back"
    assert redact("api_key=hunter2hunter2 done") == f"api_key={MASK} done"
    assert redact(redact(f"{{'apiKey': '{KEY}'}}")) == f"{{'apiKey': '{MASK}'}}"  # idempotent


def test_a_registered_key_of_any_shape_is_masked():
    register_secret("ollama-local-token-1234")
    assert redact("token ollama-local-token-1234 rejected") == f"token {MASK} rejected"
    register_secret("short")  # too short to mask safely: words would vanish
    assert redact("a short note") == "a short note"


def test_the_filter_masks_arguments_and_exceptions():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter("%(message)s"))
    logger = logging.getLogger("test_redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s", {"apiKey": KEY})
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert KEY not in text
    assert "sending" in text and "ValueError: bad key" in text and MASK in text

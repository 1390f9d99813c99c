"""The SSE decoder takes bytes as the network cuts them and gives back whole events."""

from __future__ import annotations

import pytest

from openv0_lsp.providers.sse import SSEComment, SSEDecoder, SSEError, SSEEvent

STREAM = (
    ": OPENROUTER PROCESSING\n"
    'data: {"content": "Grüße 👋 日本"}\n'
    "\n"
    ": OPENROUTER PROCESSING\r\n"
    'data: {"content": "é"}\r\n'
    "\r\n"
    "data: [DONE]\n"
    "\n"
).encode()

EXPECTED = [
    SSEComment("OPENROUTER PROCESSING"),
    SSEEvent('{"content": "Grüße 👋 日本"}'),
    SSEComment("OPENROUTER PROCESSING"),
    SSEEvent('{"content": "é"}'),
    SSEEvent("[DONE]"),
]


def decode(*chunks: bytes) -> list[SSEEvent | SSEComment]:
    decoder = SSEDecoder()
    out: list[SSEEvent | SSEComment] = []
    for piece in chunks:
        out += decoder.feed(piece)
    assert not decoder.pending
    return out


def test_a_stream_in_one_chunk_gives_its_comments_and_events_in_order():
    assert decode(STREAM) == EXPECTED
    assert decode(STREAM)[-1].is_done  # type: ignore[union-attr]


def test_a_split_anywhere_even_inside_a_utf8_character_or_data_gives_the_same_events():
    assert any(b >= 0x80 for b in STREAM)  # the stream has multi-byte characters to cut
    for cut in range(len(STREAM) + 1):
        assert decode(STREAM[:cut], STREAM[cut:]) == EXPECTED, cut
    for first in range(0, len(STREAM), 7):
        for second in range(first, len(STREAM), 11):
            parts = STREAM[:first], STREAM[first:second], STREAM[second:]
            assert decode(*parts) == EXPECTED, (first, second)


def test_one_byte_at_a_time():
    assert decode(*(STREAM[i : i + 1] for i in range(len(STREAM)))) == EXPECTED


def test_a_cr_at_the_end_of_a_chunk_waits_for_a_possible_lf():
    # Were the \r taken as a line end on its own, the \n would end the event early.
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == [SSEEvent("a\nb")]
    # A lone CR ends a line too.
    assert decode(b"data: lone\r\r: next\n") == [SSEEvent("lone"), SSEComment("next")]


def test_multi_line_data_fields_and_the_spec_rules():
    stream = (
        b"event: update\n"
        b"id: 7\n"
        b"retry: 1500\n"
        b"data: first\n"
        b"data:second, no space\n"
        b"data:  two spaces keep one\n"
        b"data\n"
        b"unknown: ignored\n"
        b"\n"
        b"data: after\n\n"
    )
    decoder = SSEDecoder()
    events = decoder.feed(stream)
    assert events == [
        SSEEvent("first\nsecond, no space\n two spaces keep one\n", event="update", id="7"),
        SSEEvent("after", event="message", id="7"),  # the id stays, the event type resets
    ]
    assert decoder.retry_ms == 1500


def test_blank_lines_without_data_dispatch_nothing():
    assert decode(b"\n\n\r\n: ping\n\n") == [SSEComment("ping")]


def test_an_unfinished_event_at_the_end_is_pending_not_emitted():
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"content": "cut') == []
    assert decoder.pending
    decoder = SSEDecoder()
    assert decoder.feed(b"data: whole line but no blank line\n") == []
    assert decoder.pending


def test_a_leading_bom_is_dropped_even_when_split():
    bom = b"\xef\xbb\xbf"
    assert decode(bom + b"data: x\n\n") == [SSEEvent("x")]
    assert decode(bom[:1], bom[1:2], bom[2:] + b"data: x\n\n") == [SSEEvent("x")]


def test_invalid_utf8_is_replaced_not_fatal():
    assert decode(b"data: \xff\n\n") == [SSEEvent("\ufffd")]


def test_a_line_longer_than_the_limit_is_an_error():
    decoder = SSEDecoder(max_line_bytes=64)
    decoder.feed(b"data: " + b"x" * 50)
    with pytest.raises(SSEError):
        decoder.feed(b"x" * 50)

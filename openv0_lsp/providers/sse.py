"""A server-sent-events decoder over raw byte chunks, as they come off the socket.

Network chunks split the stream anywhere: inside a line, inside `data:`, inside a multi-byte
UTF-8 character. The decoder buffers bytes and decodes only whole lines, so a character is
never cut in two. Lines end with `\\n`, `\\r\\n` or a lone `\\r` (a `\\r` at the end of a chunk
waits for the next one, in case a `\\n` follows). Events follow the SSE specification: `data:`
lines accumulate (joined by `\\n`) until a blank line dispatches the event; `event:`, `id:` and
`retry:` fields are kept; a leading BOM is dropped; an unfinished event at the end of the stream
is discarded. Comment lines (starting with `:`, like OpenRouter's `: OPENROUTER PROCESSING`)
carry no data but are reported, because they are keep-alives: a caller resets its idle timer.
"""

from __future__ import annotations

from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
DONE = "[DONE]"


class SSEError(ValueError):
    """The byte stream cannot be an event stream (a line longer than the decoder accepts)."""


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None

    @property
    def is_done(self) -> bool:
        """OpenAI's end-of-stream sentinel, `data: [DONE]`."""
        return self.data.strip() == DONE


@dataclass(frozen=True, slots=True)
class SSEComment:
    """A `:` line: no data, but proof the server is alive."""

    text: str


class SSEDecoder:
    """Feed byte chunks, get the events and comments completed by each chunk."""

    def __init__(self, *, max_line_bytes: int = 8 * 1024 * 1024):
        self._buffer = bytearray()
        self._max_line = max_line_bytes
        self._started = False  # past a possible BOM
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self.retry_ms: int | None = None  # the server's last `retry:` field

    @property
    def pending(self) -> bool:
        """Bytes or an event are waiting for their end: the stream stopped mid-event."""
        return bool(self._buffer) or bool(self._data)

    def feed(self, chunk: bytes) -> list[SSEEvent | SSEComment]:
        buffer = self._buffer
        buffer += chunk
        if not self._started:
            if len(buffer) < len(BOM) and BOM.startswith(bytes(buffer)):
                return []
            if buffer.startswith(BOM):
                del buffer[: len(BOM)]
            self._started = True
        out: list[SSEEvent | SSEComment] = []
        start = 0
        size = len(buffer)
        while start < size:
            newline = buffer.find(b"\n", start)
            cr = buffer.find(b"\r", start, size if newline < 0 else newline)
            if cr >= 0:
                if cr + 1 == size:  # a \r at the end: a \n may follow in the next chunk
                    break
                end, next_start = cr, cr + 2 if buffer[cr + 1] == 0x0A else cr + 1
            elif newline >= 0:
                end, next_start = newline, newline + 1
            else:
                break
            self._line(buffer[start:end].decode("utf-8", "replace"), out)
            start = next_start
        del buffer[:start]
        if len(buffer) > self._max_line:
            raise SSEError(f"an event-stream line is longer than {self._max_line} bytes")
        return out

    def _line(self, line: str, out: list[SSEEvent | SSEComment]) -> None:
        if not line:
            if self._data:
                out.append(SSEEvent("\n".join(self._data), self._event or "message", self._last_id))
            self._data = []
            self._event = ""
            return
        if line[0] == ":":
            out.append(SSEComment(line[1:].lstrip(" ")))
            return
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        # Other field names are ignored, as the specification says.

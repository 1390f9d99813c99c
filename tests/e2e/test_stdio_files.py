"""`openv0-lsp` over stdio when stdin or stdout is a file or a device, not a pipe: a script that
replays recorded requests, `openv0-lsp < /dev/null` as a smoke check. Editors use pipes, which
every other end-to-end test does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path

SERVER = [sys.executable, "-m", "openv0_lsp"]


def _framed(*messages: dict[str, Any]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return out


def _session(root: Path) -> bytes:
    """Initialize, then shut down and exit at once (a script does not wait for the answer)."""
    return _framed(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": from_fs_path(str(root)), "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    )


def _answers(output: bytes) -> dict[int, dict[str, Any]]:
    answers, rest = {}, output
    while rest:
        header, _, rest = rest.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", header)[1])  # type: ignore[index]
        message, rest = json.loads(rest[:length]), rest[length:]
        if "id" in message and "method" not in message:
            answers[message["id"]] = message
    return answers


def test_requests_read_from_a_file_are_answered_into_a_file(tmp_path: Path):
    requests, answers = tmp_path / "requests", tmp_path / "answers"
    requests.write_bytes(_session(tmp_path))
    with requests.open("rb") as stdin, answers.open("wb") as stdout:
        done = subprocess.run(
            SERVER, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=60
        )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "Traceback" not in done.stderr.decode()
    answered = _answers(answers.read_bytes())
    assert answered[1]["result"]["serverInfo"]["name"] == "openv0-lsp"
    assert "executeCommandProvider" in answered[1]["result"]["capabilities"]


def test_answers_into_a_file_stop_cleanly_at_exit(tmp_path: Path):
    """stdin a pipe, stdout a file: what is still to be sent after `exit` is dropped quietly."""
    answers = tmp_path / "answers"
    with answers.open("wb") as stdout:
        done = subprocess.run(
            SERVER, input=_session(tmp_path), stdout=stdout, stderr=subprocess.PIPE, timeout=60
        )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "Traceback" not in done.stderr.decode()
    assert _answers(answers.read_bytes())[1]["result"]["serverInfo"]["name"] == "openv0-lsp"


def test_no_input_at_all_ends_the_server(tmp_path: Path):
    with open("/dev/null", "rb") as nothing:
        done = subprocess.run(SERVER, stdin=nothing, capture_output=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout == b""
    assert "Traceback" not in done.stderr.decode()

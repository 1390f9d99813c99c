"""Diagnostics of several origins on one file are published together, and cleared apart."""

from __future__ import annotations

from lsprotocol import types

from openv0_lsp.server.diagnostics import DiagnosticsBook

URI = "file:///work/components/Card.tsx"


def _diagnostic(message: str) -> types.Diagnostic:
    start = types.Position(line=0, character=0)
    return types.Diagnostic(range=types.Range(start=start, end=start), message=message)


def test_each_origin_keeps_its_own_and_every_publish_holds_the_union():
    published: list[types.PublishDiagnosticsParams] = []
    book = DiagnosticsBook(published.append)

    book.set(URI, "validation", [_diagnostic("missing alt")])
    book.set(URI, "preview-compile", [_diagnostic("unclosed tag")])
    assert [d.message for d in published[-1].diagnostics] == ["missing alt", "unclosed tag"]

    book.set(URI, "preview-compile", [])  # fixed: only the compile error goes
    assert [d.message for d in published[-1].diagnostics] == ["missing alt"]


def test_a_first_empty_set_is_published_and_repeating_what_is_shown_is_not():
    published: list[types.PublishDiagnosticsParams] = []
    book = DiagnosticsBook(published.append)
    book.set(URI, "validation", [])  # checked, nothing found: the client is told
    assert [p.diagnostics for p in published] == [[]]
    book.set(URI, "preview-runtime", [])
    book.set(URI, "validation", [])
    assert len(published) == 1  # nothing changed
    book.set(URI, "preview-compile", [_diagnostic("unclosed tag")])
    book.set(URI, "preview-compile", [_diagnostic("unclosed tag")])
    assert len(published) == 2

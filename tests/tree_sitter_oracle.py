"""An independent check that generated code parses: tree-sitter's own error nodes.

The project's validator is under test elsewhere; scaffold and planner tests use this oracle so
that a validator bug cannot hide a template that does not parse.
"""

from __future__ import annotations

import tree_sitter_html
import tree_sitter_typescript
from tree_sitter import Language, Parser

LANGUAGES = {
    "react": Language(tree_sitter_typescript.language_tsx()),
    "html": Language(tree_sitter_html.language()),
}


def parse_errors(code: str, framework: str) -> list[str]:
    """Every ERROR or MISSING node with its position; empty when the code parses cleanly."""
    tree = Parser(LANGUAGES[framework]).parse(code.encode())
    found: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(f"{node.type} at {node.start_point}")
        stack.extend(node.children)
    return found

"""Validate step: check a component before it is written, and say plainly what is wrong.

The checks are the ones a reviewer makes first. The code parses (tree-sitter: TSX for React,
HTML for HTML, with line and column). A React module has a default export. Every import resolves
in *this* workspace: React, the project's own files and tsconfig/jsconfig path aliases, packages
that package.json declares or node_modules holds, and lucide-react icons the installed version
really exports. The markup passes basic accessibility checks: images have alt text, form fields
are labelled, buttons have a name.

Findings are plain values with 0-based LSP positions (UTF-16 columns): the server turns them into
diagnostics, the repair step into instructions for the model. Accessibility findings are
warnings, everything else is an error.

This runs on every change of a document, so it stays cheap: languages and queries are built
once, parsers once per thread, the tree is searched with tree-sitter queries (in C) rather than a
Python walk, and what is read from the workspace (package.json, tsconfig.json, lucide's typings)
is cached by path and modification time. The checks lean towards silence where the code could
be right at run time (spread props, ids computed by expressions): a false alarm costs a repair
round-trip with the model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import tree_sitter_html
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Point, Query, QueryCursor, Tree

from openv0_lsp.pipeline.plan import Framework

Severity = Literal["error", "warning"]

MAX_SYNTAX_FINDINGS = 10


@dataclass(frozen=True)
class Finding:
    """One problem. `code` is one of: syntax, missing-default-export, unknown-import,
    unknown-icon (errors); img-alt, input-label, button-name (warnings)."""

    code: str
    message: str  # a sentence naming the thing, e.g. "import 'x' is not a dependency in ..."
    line: int  # 0-based, as LSP positions
    column: int  # 0-based, in UTF-16 code units
    end_line: int
    end_column: int
    severity: Severity = "error"


def validate_component(
    code: str, *, framework: Framework, file_path: Path, workspace_root: Path
) -> list[Finding]:
    """Every finding for `code`, about to be written at `file_path`, sorted by position.

    `file_path` (and its folder) need not exist yet: imports resolve from where it will be.
    """
    source = code.encode("utf-8", errors="replace")
    positions = _Positions(source)
    if framework == "react":
        tree = _parse("tsx", source)
        scan = _scan(tree.root_node, _JSX)
        workspace = _Workspace(Path(file_path), Path(workspace_root))
        findings = [
            *_syntax_findings(tree, scan, positions, _JSX),
            *_default_export_findings(tree.root_node, positions),
            *_import_findings(tree.root_node, scan, positions, workspace),
            *_accessibility_findings(scan, positions, _JSX),
        ]
    elif framework == "html":
        tree = _parse("html", source)
        scan = _scan(tree.root_node, _HTML)
        findings = [
            *_syntax_findings(tree, scan, positions, _HTML),
            *_accessibility_findings(scan, positions, _HTML),
        ]
    else:
        raise ValueError(f"unknown framework {framework!r}: expected 'react' or 'html'")
    findings.sort(key=lambda f: (f.line, f.column, f.end_line, f.end_column, f.code))
    return findings


# --- parsing -------------------------------------------------------------------------------


@cache
def _language(name: str) -> Language:
    if name == "tsx":
        return Language(tree_sitter_typescript.language_tsx())
    if name == "typescript":
        return Language(tree_sitter_typescript.language_typescript())
    return Language(tree_sitter_html.language())


@cache
def _query(language: str, pattern: str) -> Query:
    return Query(_language(language), pattern)


class _ThreadParsers(threading.local):
    """A tree-sitter Parser is not safe to share between threads; one per thread and language."""

    def __init__(self) -> None:
        self.by_language: dict[str, Parser] = {}


_PARSERS = _ThreadParsers()


def _parse(language: str, source: bytes) -> Tree:
    parser = _PARSERS.by_language.get(language)
    if parser is None:
        parser = _PARSERS.by_language[language] = Parser(_language(language))
    return parser.parse(source)


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


class _Positions:
    """Turns tree-sitter points (row, byte column) into LSP positions (line, UTF-16 column)."""

    def __init__(self, source: bytes) -> None:
        self._lines = None if source.isascii() else source.split(b"\n")

    def column(self, point: Point) -> int:
        if self._lines is None or point.row >= len(self._lines):
            return point.column
        prefix = self._lines[point.row][: point.column].decode("utf-8", errors="replace")
        return len(prefix.encode("utf-16-le")) // 2

    def finding(
        self, code: str, message: str, start: Point, end: Point, severity: Severity = "error"
    ) -> Finding:
        return Finding(
            code=code,
            message=message,
            line=start.row,
            column=self.column(start),
            end_line=end.row,
            end_column=self.column(end),
            severity=severity,
        )


# --- markup dialects: what differs between JSX and HTML ---------------------------------------


@dataclass(frozen=True)
class _Tag:
    """An intrinsic element's opening tag: its name, attributes and where it is."""

    name: str  # lower-case tag name
    open: Node  # jsx_opening_element / jsx_self_closing_element / start_tag / self_closing_tag
    name_node: Node
    attrs: dict[str, str | None]  # value None: only known at run time ({expr}, bare JSX attr)
    spread: bool  # {...props}: anything may be in there


@dataclass(frozen=True)
class _Dialect:
    language: str
    query: str  # one pass over the tree finds everything the checks look at: see _scan
    for_attributes: tuple[str, ...]  # what a <label> points at an input with (see _Scan too)
    label_for_hint: str
    tag: Callable[[Node, Node], _Tag | None]  # (opening tag, name) -> _Tag, None to skip
    attributes: Callable[[Node], tuple[dict[str, str | None], bool]]
    inside_label: Callable[[Node], bool]
    content_has_name: Callable[[Node], bool | None]  # None: cannot tell (broken tree)
    quotes: frozenset[str]


_A11Y_TAGS = ("img", "input", "select", "textarea", "button", "label")
_QUOTES = frozenset({'"', "'", "`"})

_A11Y_TAG_LIST = " ".join(f'"{t}"' for t in _A11Y_TAGS)
_JSX_QUERY = f"""
((jsx_opening_element name: (identifier) @tag) @open (#any-of? @tag {_A11Y_TAG_LIST}))
((jsx_self_closing_element name: (identifier) @tag) @open (#any-of? @tag {_A11Y_TAG_LIST}))
(jsx_element
  open_tag: (jsx_opening_element name: (_) @opened)
  close_tag: (jsx_closing_element name: (_) @closed))
(call_expression function: (import) arguments: (arguments . (string) @source .))
((jsx_attribute (property_identifier) @for_name) @label_for (#eq? @for_name "htmlFor"))
"""


def _jsx_tag(open_node: Node, name_node: Node) -> _Tag:
    attrs, spread = _jsx_attributes(open_node)
    return _Tag(_text(name_node), open_node, name_node, attrs, spread)


def _jsx_attributes(open_node: Node) -> tuple[dict[str, str | None], bool]:
    attrs: dict[str, str | None] = {}
    spread = False
    for child in open_node.named_children:
        if child.type == "jsx_attribute" and child.named_child_count:
            parts = child.named_children
            attrs[_text(parts[0])] = _jsx_value(parts[1]) if len(parts) > 1 else None
        elif child.type == "jsx_expression":  # {...props}
            spread = True
    return attrs, spread


def _jsx_value(node: Node) -> str | None:
    """A literal attribute value, also through `{"x"}` and `{`x`}`; None for anything computed."""
    if node.type == "jsx_expression":
        inner = node.named_children
        if len(inner) != 1:
            return None
        node = inner[0]
        if node.type == "template_string" and any(
            c.type == "template_substitution" for c in node.named_children
        ):
            return None
    if node.type in ("string", "template_string"):
        return _text(node)[1:-1]
    return None


def _jsx_tag_name(element: Node) -> str:
    open_tag = element.child_by_field_name("open_tag")
    return _text(open_tag.child_by_field_name("name")) if open_tag is not None else ""


def _jsx_inside_label(open_node: Node) -> bool:
    """Inside a <label>, or a label component (<Label>, <FormLabel>, <Form.Label>)."""
    node = open_node.parent
    while node is not None:
        if node.type == "jsx_element":
            name = _jsx_tag_name(node).rsplit(".", 1)[-1]
            if name == "label" or name.endswith("Label"):
                return True
        node = node.parent
    return False


def _jsx_content_has_name(open_node: Node) -> bool | None:
    if open_node.type == "jsx_self_closing_element":
        return False
    element = open_node.parent
    if element is None or element.type != "jsx_element":
        return None
    return _jsx_children_name(element)


def _jsx_children_name(element: Node) -> bool:
    for child in element.named_children:
        kind = child.type
        if kind == "jsx_text":
            if child.text and child.text.strip():
                return True
        elif kind == "jsx_expression":
            # {label}, {t("save")}, {count}: assume it renders text; {/* comment */} does not
            if any(c.type != "comment" for c in child.named_children):
                return True
        elif kind == "jsx_element":
            open_tag = child.child_by_field_name("open_tag")
            if (open_tag is not None and _names_itself(open_tag, _JSX)) or _jsx_children_name(
                child
            ):
                return True
        elif kind == "jsx_self_closing_element" and _names_itself(child, _JSX):
            return True
    return False


_HTML_QUERY = """
(start_tag (tag_name) @tag) @open
(self_closing_tag (tag_name) @tag) @open
(erroneous_end_tag (erroneous_end_tag_name) @stray)
"""


def _html_tag(open_node: Node, name_node: Node) -> _Tag | None:
    name = _text(name_node).lower()
    if name not in _A11Y_TAGS:
        return None
    attrs, spread = _html_attributes(open_node)
    return _Tag(name, open_node, name_node, attrs, spread)


def _html_attributes(open_node: Node) -> tuple[dict[str, str | None], bool]:
    attrs: dict[str, str | None] = {}
    for child in open_node.named_children:
        if child.type != "attribute" or not child.named_child_count:
            continue
        parts = child.named_children
        name = _text(parts[0]).lower()
        value: str | None = ""  # a bare attribute is the empty string: <img alt>
        if len(parts) > 1:
            value_node = parts[1]
            if value_node.type == "quoted_attribute_value":
                inner = value_node.named_children
                value = _text(inner[0]) if inner else ""
            else:
                value = _text(value_node)
        for prefix in (":", "x-bind:", "v-bind:"):  # Alpine/Vue bindings: computed at run time
            if name.startswith(prefix):
                name, value = name[len(prefix) :], None
                break
        attrs[name] = value
    return attrs, False


def _html_tag_name(element: Node) -> str:
    first = element.child(0)
    if first is None or first.type not in ("start_tag", "self_closing_tag"):
        return ""
    name = first.named_children
    return _text(name[0]).lower() if name else ""


def _html_inside_label(open_node: Node) -> bool:
    node = open_node.parent
    while node is not None:
        if node.type == "element" and _html_tag_name(node) == "label":
            return True
        node = node.parent
    return False


def _html_content_has_name(open_node: Node) -> bool | None:
    element = open_node.parent
    if open_node.type == "self_closing_tag":
        return False
    if element is None or element.type != "element":
        return None
    return _html_children_name(element)


def _html_children_name(element: Node) -> bool:
    for child in element.named_children:
        kind = child.type
        if kind == "entity" or (kind == "text" and child.text and child.text.strip()):
            return True
        if kind == "element":
            first = child.child(0)
            if first is not None and _names_itself(first, _HTML):
                return True
            if _html_children_name(child):
                return True
    return False


_JSX = _Dialect(
    language="tsx",
    query=_JSX_QUERY,
    for_attributes=("for",),  # htmlFor counts on any element, label components too
    label_for_hint="<label htmlFor>",
    tag=_jsx_tag,
    attributes=_jsx_attributes,
    inside_label=_jsx_inside_label,
    content_has_name=_jsx_content_has_name,
    quotes=_QUOTES,
)
_HTML = _Dialect(
    language="html",
    query=_HTML_QUERY,
    for_attributes=("for",),
    label_for_hint="<label for>",
    tag=_html_tag,
    attributes=_html_attributes,
    inside_label=_html_inside_label,
    content_has_name=_html_content_has_name,
    quotes=frozenset({'"', "'"}),
)


@dataclass(frozen=True)
class _Scan:
    """What one query pass over the tree found (one pass costs a third of three)."""

    tags: list[tuple[Node, Node]]  # (opening tag, tag name); JSX: only the a11y-relevant ones
    closed: list[tuple[Node, Node]]  # JSX: (opening name, closing name) of each element
    dynamic_imports: list[Node]  # JSX: the string literal of import("x")
    stray_end_tags: list[Node]  # HTML: names of closing tags that close nothing
    label_targets: list[str | None]  # JSX: every htmlFor (<label>, <Label>...); None: computed


def _scan(root: Node, dialect: _Dialect) -> _Scan:
    scan = _Scan([], [], [], [], [])
    for _, match in QueryCursor(_query(dialect.language, dialect.query)).matches(root):
        if "open" in match:
            scan.tags.append((match["open"][0], match["tag"][0]))
        elif "opened" in match:
            scan.closed.append((match["opened"][0], match["closed"][0]))
        elif "source" in match:
            scan.dynamic_imports.append(match["source"][0])
        elif "stray" in match:
            scan.stray_end_tags.append(match["stray"][0])
        elif "label_for" in match:
            parts = match["label_for"][0].named_children
            scan.label_targets.append(_jsx_value(parts[1]) if len(parts) > 1 else None)
    return scan


# --- syntax --------------------------------------------------------------------------------

_VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"),
)  # fmt: skip
# HTML lets these end implicitly (<li>, <p>, <td>...); an unclosed one is not an error.
_OPTIONAL_END_TAGS = frozenset(
    ("html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
     "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp"),
)  # fmt: skip
_BRACKETS = {")": "(", "]": "[", "}": "{"}


def _syntax_findings(
    tree: Tree, scan: _Scan, positions: _Positions, dialect: _Dialect
) -> list[Finding]:
    found: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()

    def add(message: str, start: Point, end: Point) -> None:
        if (start.row, start.column, message) not in seen:
            seen.add((start.row, start.column, message))
            found.append(positions.finding("syntax", message, start, end))

    root = tree.root_node
    if root.has_error:
        stack = [root]
        while stack:
            node = stack.pop()
            if node.is_missing:
                if node.type != "_implicit_end_tag":  # HTML: the unclosed-element check says it
                    add(_missing_message(node), node.start_point, node.end_point)
                continue
            if node.is_error:
                diagnoses = _diagnose_error(node, dialect)
                for message, at in diagnoses or ():
                    add(message, at.start_point, at.end_point)
                if diagnoses is None and not any(child.has_error for child in node.children):
                    add(*_unexpected(node))
            stack.extend(reversed([c for c in node.children if c.has_error]))

    # What the grammars accept but a compiler or browser would not.
    for opened_name, closed_name in scan.closed:  # JSX: <span>...</div>
        opened, closed = _text(opened_name), _text(closed_name)
        if opened != closed:
            at = closed_name.parent or closed_name
            add(
                f"syntax error: </{closed}> closes <{opened}> (line "
                f"{opened_name.start_point.row + 1}); expected </{opened}>",
                at.start_point,
                at.end_point,
            )
    if dialect is _HTML:
        for open_tag, name_node in scan.tags:
            element = open_tag.parent
            if open_tag.type != "start_tag" or element is None or element.type != "element":
                continue
            name = _text(name_node).lower()
            last = element.child(element.child_count - 1)
            if (
                last is not None
                and last.type != "end_tag"
                and name not in _VOID_ELEMENTS
                and name not in _OPTIONAL_END_TAGS
                and not _inside_foreign_content(element)
            ):
                add(_unclosed_message(name), open_tag.start_point, open_tag.end_point)
        for stray in scan.stray_end_tags:
            tag = stray.parent or stray
            add(
                f"syntax error: closing tag </{_text(stray)}> has no matching opening tag",
                tag.start_point,
                tag.end_point,
            )
    found.sort(key=lambda f: (f.line, f.column))
    return found[:MAX_SYNTAX_FINDINGS]


def _missing_message(node: Node) -> str:
    if node.is_named:
        return f"syntax error: missing {node.type.replace('_', ' ')}"
    return f"syntax error: missing '{node.type}'"


def _unclosed_message(name: str) -> str:
    label = f"<{name}>" if name else "<>"
    return f"syntax error: {label} is never closed (add </{name}>)"


def _diagnose_error(node: Node, dialect: _Dialect) -> list[tuple[str, Node]] | None:
    """What an ERROR node most likely means, pointed at its cause; None when unsure.

    Recovery wraps the unparseable stretch in one node, often much larger than the mistake
    (an unterminated string swallows the rest of the file), so name the usual causes first.
    """
    kids = node.children
    for i, kid in enumerate(kids):
        if kid.type in dialect.quotes:
            following = kids[i + 1 : i + 2]
            if not following or (
                following[0].end_point.row > kid.start_point.row and i + 2 >= len(kids)
            ):
                return [(f"syntax error: string is never closed (missing {kid.type})", kid)]
    unclosed: list[tuple[str, Node]] = []
    for kid in kids:
        if kid.type == "jsx_opening_element":
            unclosed.append((_unclosed_message(_text(kid.child_by_field_name("name"))), kid))
        elif kid.type == "start_tag" and dialect is _HTML:
            named = kid.named_children
            name = _text(named[0]).lower() if named else ""
            if name not in _VOID_ELEMENTS and name not in _OPTIONAL_END_TAGS:
                unclosed.append((_unclosed_message(name), kid))
    if unclosed:
        return unclosed
    if dialect is _HTML and all(
        kid.type in ("start_tag", "element", "text", "entity", "comment") for kid in kids
    ):
        return []  # only elements HTML closes by itself (<html><body><p>... at the end)
    brackets: list[Node] = []
    problems: list[tuple[str, Node]] = []
    for kid in kids:
        if kid.type in ("(", "[", "{"):
            brackets.append(kid)
        elif kid.type in _BRACKETS:
            if brackets and brackets[-1].type == _BRACKETS[kid.type]:
                brackets.pop()
            else:
                problems.append((f"syntax error: unexpected '{kid.type}'", kid))
    problems.extend((f"syntax error: '{b.type}' is never closed", b) for b in brackets)
    return problems or None


def _unexpected(node: Node) -> tuple[str, Point, Point]:
    raw = node.text or b""
    first_line = raw.split(b"\n", 1)[0]
    snippet = first_line.decode("utf-8", errors="replace").strip()
    if len(snippet) > 40:
        snippet = snippet[:40] + "…"
    message = (
        f"syntax error: unexpected '{snippet}'" if snippet else "syntax error: unexpected input"
    )
    start = node.start_point
    end = node.end_point
    if end.row != start.row:  # underline the first line, not the rest of the file
        end = Point(start.row, start.column + len(first_line.rstrip(b"\r")))
    return message, start, end


def _inside_foreign_content(element: Node) -> bool:
    node = element.parent
    while node is not None:
        if node.type == "element" and _html_tag_name(node) in ("svg", "math"):
            return True
        node = node.parent
    return False


# --- default export ------------------------------------------------------------------------


def _default_export_findings(root: Node, positions: _Positions) -> list[Finding]:
    if _has_default_export(root):
        return []
    candidate = _component_candidate(root)
    if candidate is None:
        start = Point(0, 0)
        return [
            positions.finding(
                "missing-default-export",
                "the module has no default export: add `export default` for the component",
                start,
                start,
            )
        ]
    name = _text(candidate)
    return [
        positions.finding(
            "missing-default-export",
            f"the module has no default export: add `export default {name};` "
            f"for the component {name}",
            candidate.start_point,
            candidate.end_point,
        )
    ]


def _has_default_export(root: Node) -> bool:
    for statement in root.children:
        if statement.type != "export_statement":
            continue
        for child in statement.children:
            if child.type == "default":  # export default function / class / X / () => ...
                return True
            if child.type == "export_clause":  # export { App as default }
                for spec in child.named_children:
                    exported = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                    if _text(exported) == "default":
                        return True
    if root.has_error:  # `export default` inside a stretch the parser gave up on still counts
        stack = [root]
        while stack:
            node = stack.pop()
            previous = ""
            for child in node.children:
                if child.type == "default" and previous == "export":
                    return True
                previous = child.type
                if child.has_error:
                    stack.append(child)
    return False


def _component_candidate(root: Node) -> Node | None:
    """The name of the first top-level PascalCase function or const: the likely component."""
    for statement in root.named_children:
        declaration = statement
        if statement.type == "export_statement":
            declaration = statement.child_by_field_name("declaration") or statement
        if declaration.type in ("function_declaration", "class_declaration"):
            name = declaration.child_by_field_name("name")
            if name is not None and _text(name)[:1].isupper():
                return name
        elif declaration.type == "lexical_declaration":
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                if (
                    declarator.type == "variable_declarator"
                    and name is not None
                    and name.type == "identifier"
                    and _text(name)[:1].isupper()
                ):
                    return name
    return None


# --- imports -------------------------------------------------------------------------------

_FILE_EXTENSIONS = (".tsx", ".ts", ".jsx", ".js", ".mjs", ".css", ".json")
_ASSET_EXTENSIONS = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".scss")
_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


@dataclass(frozen=True)
class _Import:
    module: str
    source: Node  # the string literal
    names: tuple[Node, ...]  # imported names as the module exports them: { X as Y } gives X


def _imports(root: Node, scan: _Scan) -> Iterator[_Import]:
    for statement in root.children:
        if statement.type not in ("import_statement", "export_statement"):
            continue
        source = statement.child_by_field_name("source")
        if source is None:
            continue
        names: list[Node] = []
        for clause in statement.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "named_imports":
                    for spec in part.named_children:
                        name = spec.child_by_field_name("name")
                        if spec.type == "import_specifier" and name is not None:
                            names.append(name)
        yield _Import(_text(source)[1:-1], source, tuple(names))
    for source in scan.dynamic_imports:
        yield _Import(_text(source)[1:-1], source, ())


def _import_findings(
    root: Node, scan: _Scan, positions: _Positions, workspace: _Workspace
) -> list[Finding]:
    findings: list[Finding] = []
    for imported in _imports(root, scan):
        problem = workspace.import_problem(imported.module)
        if problem is not None:
            findings.append(
                positions.finding(
                    "unknown-import",
                    f"import '{imported.module}' {problem}",
                    imported.source.start_point,
                    imported.source.end_point,
                )
            )
        elif imported.module == "lucide-react" and imported.names:
            icons = workspace.lucide_exports()
            if icons is None:
                continue  # not installed: nothing to check against
            for name_node in imported.names:
                name = _text(name_node)
                if name in icons.names:
                    continue
                close = difflib.get_close_matches(name, icons.suggestions, n=1, cutoff=0.7)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                findings.append(
                    positions.finding(
                        "unknown-icon",
                        f"icon '{name}' is not exported by {icons.package}{hint}",
                        name_node.start_point,
                        name_node.end_point,
                    )
                )
    return findings


T = TypeVar("T")


class _FileCache(Generic[T]):
    """Values derived from a file, recomputed when its modification time or size changes."""

    def __init__(self, load: Callable[[Path], T]) -> None:
        self._load = load
        self._entries: dict[Path, tuple[int, int, T]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> T | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        with self._lock:
            entry = self._entries.get(path)
        if entry is not None and entry[:2] == (stat.st_mtime_ns, stat.st_size):
            return entry[2]
        try:
            value = self._load(path)
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        with self._lock:
            self._entries[path] = (stat.st_mtime_ns, stat.st_size, value)
        return value


def _read_jsonc(path: Path) -> Any:
    """JSON with comments and trailing commas, as tsconfig.json and jsconfig.json allow."""
    text = path.read_text(encoding="utf-8-sig")
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        elif ch in "}]":
            # drop a trailing comma before a closing bracket
            j = len(out) - 1
            while j >= 0 and out[j].isspace():
                j -= 1
            if j >= 0 and out[j] == ",":
                del out[j]
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    return json.loads("".join(out))


@dataclass(frozen=True)
class _PackageJson:
    dependencies: frozenset[str]
    has_imports: bool  # "imports": {"#x": ...} subpath imports
    version: str


def _load_package_json(path: Path) -> _PackageJson:
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if not isinstance(data, dict):
        raise ValueError("package.json is not an object")
    names: set[str] = set()
    for field_name in _DEPENDENCY_FIELDS:
        section = data.get(field_name)
        if isinstance(section, dict):
            names.update(section)
    return _PackageJson(
        dependencies=frozenset(names),
        has_imports=isinstance(data.get("imports"), dict),
        version=str(data.get("version", "")),
    )


@dataclass(frozen=True)
class _LucideIcons:
    names: frozenset[str]
    suggestions: tuple[str, ...]  # canonical names only (no FooIcon / LucideFoo aliases)
    package: str = "lucide-react"  # with the installed version, for messages


def _exported_names(path: Path, depth: int = 0) -> set[str]:
    """Names a .d.ts file exports, following `export * from './x'` a few levels deep."""
    tree = _parse("typescript", path.read_bytes())
    names: set[str] = set()
    statements = list(tree.root_node.children)
    while statements:
        statement = statements.pop()
        if statement.type == "ambient_declaration":  # declare module 'lucide-react' { ... }
            for module in statement.named_children:
                body = module.child_by_field_name("body") if module.type == "module" else None
                if body is not None:
                    statements.extend(body.children)
            continue
        if statement.type != "export_statement":
            continue
        source = statement.child_by_field_name("source")
        declaration = statement.child_by_field_name("declaration")
        clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
        namespace = next(
            (c for c in statement.named_children if c.type == "namespace_export"), None
        )
        if clause is not None:
            for spec in clause.named_children:
                exported = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if exported is not None:
                    names.add(_text(exported))
        elif namespace is not None:
            names.add(_text(namespace.named_children[-1]) if namespace.named_children else "")
        elif declaration is not None:
            names.update(_declared_names(declaration))
        elif source is not None and depth < 3:  # export * from './icons'
            target = _typings_file(path.parent / _text(source)[1:-1])
            if target is not None:
                names.update(_exported_names(target, depth + 1))
    return names


def _declared_names(declaration: Node) -> Iterator[str]:
    if declaration.type == "ambient_declaration":
        for inner in declaration.named_children:
            yield from _declared_names(inner)
    elif declaration.type in ("lexical_declaration", "variable_declaration"):
        for declarator in declaration.named_children:
            name = declarator.child_by_field_name("name")
            if declarator.type == "variable_declarator" and name is not None:
                yield _text(name)
    else:
        name = declaration.child_by_field_name("name")
        if name is not None:
            yield _text(name)


def _typings_file(stem: Path) -> Path | None:
    base = str(stem)
    for suffix in (".js", ".mjs", ".cjs", ".d.ts"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    for candidate in (Path(base + ".d.ts"), Path(base) / "index.d.ts", Path(base + ".d.mts")):
        if candidate.is_file():
            return candidate
    return None


def _load_lucide(typings: Path) -> _LucideIcons:
    names = frozenset(_exported_names(typings))
    canonical = tuple(
        sorted(
            n
            for n in names
            if n[:1].isupper() and not n.endswith("Icon") and not n.startswith("Lucide")
        )
    )
    return _LucideIcons(names=names, suggestions=canonical)


_PACKAGE_JSONS = _FileCache(_load_package_json)
_TSCONFIGS = _FileCache(_read_jsonc)
_LUCIDE = _FileCache(_load_lucide)


@dataclass(frozen=True)
class _PathAliases:
    """compilerOptions.paths of one tsconfig/jsconfig, and where their targets start from."""

    config: Path
    base: Path
    paths: tuple[tuple[str, tuple[str, ...]], ...]


class _Workspace:
    """Answers "does this import resolve?" for a file (maybe not yet written) in a workspace."""

    def __init__(self, file_path: Path, workspace_root: Path) -> None:
        self.root = Path(os.path.abspath(workspace_root))
        file_path = file_path if file_path.is_absolute() else self.root / file_path
        self.folder = Path(os.path.abspath(file_path)).parent
        if not self.folder.is_relative_to(self.root):  # one side may go through a symlink
            self.root, self.folder = self.root.resolve(), self.folder.resolve()
        # from the file's folder up to the workspace root: where package.json, tsconfig.json
        # and node_modules are looked for (the folders need not exist)
        self.chain: list[Path] = [self.folder]
        if self.folder.is_relative_to(self.root):
            while self.chain[-1] != self.root:
                self.chain.append(self.chain[-1].parent)
        elif self.folder != self.root:
            self.chain.append(self.root)
        self._aliases: list[_PathAliases] | None = None
        self._base_urls: list[Path] = []

    def show(self, path: Path) -> str:
        """A path as the user reads it: relative to the workspace root when inside it."""
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def import_problem(self, module: str) -> str | None:
        """None when `module` resolves; otherwise why not, to follow "import 'x' "."""
        if module in ("react", "react-dom") or module.startswith(("react/", "react-dom/")):
            return None
        if module.startswith(("./", "../")) or module in (".", ".."):
            target = Path(os.path.normpath(self.folder / module))
            if _resolve_file(target) is not None:
                return None
            return f"does not resolve to a file: {_looked_for(self.show(target))}"
        if not module or "://" in module or module.startswith(("node:", "data:")):
            return (
                "is not a module this project can resolve (not React, a project file or a package)"
            )
        alias_problem = None
        for aliases in self._path_aliases():
            for pattern, targets in aliases.paths:
                star = _match_pattern(pattern, module)
                if star is None:
                    continue
                tried = [
                    Path(os.path.normpath(aliases.base / t.replace("*", star, 1))) for t in targets
                ]
                if any(_resolve_file(target) is not None for target in tried):
                    return None
                if alias_problem is None and tried:
                    alias_problem = (
                        f"matches '{pattern}' in {self.show(aliases.config)}, but "
                        f"{_looked_for(self.show(tried[0]))}"
                    )
        for base_url in self._base_urls:
            if _resolve_file(Path(os.path.normpath(base_url / module))) is not None:
                return None
        package = _package_name(module)
        nearest = self._nearest_package_json()
        if package is not None and self._has_package(package, nearest):
            return None
        if module.startswith("#") and nearest is not None and nearest[1].has_imports:
            return None  # a package.json "imports" subpath: trust it
        if alias_problem is not None:
            return alias_problem
        if package is None:
            prefix = module.split("/", 1)[0]
            return (
                f"uses the alias '{prefix}/', but no tsconfig.json or jsconfig.json "
                "compilerOptions.paths in the workspace defines it"
            )
        what = "is" if module == package else f"needs the package '{package}', which is"
        if nearest is None:
            return (
                f"{what} not a dependency: there is no package.json in the workspace and "
                "it is not installed in node_modules"
            )
        return (
            f"{what} not a dependency in {self.show(nearest[0])} "
            "and is not installed in node_modules"
        )

    def _nearest_package_json(self) -> tuple[Path, _PackageJson] | None:
        for folder in self.chain:
            path = folder / "package.json"
            data = _PACKAGE_JSONS.get(path)
            if data is not None:
                return path, data
        return None

    def _has_package(self, package: str, nearest: tuple[Path, _PackageJson] | None) -> bool:
        if nearest is not None and package in nearest[1].dependencies:
            return True
        return any(
            (folder / "node_modules" / package / "package.json").is_file() for folder in self.chain
        )

    def lucide_exports(self) -> _LucideIcons | None:
        for folder in self.chain:
            package_dir = folder / "node_modules" / "lucide-react"
            package_json = package_dir / "package.json"
            if not package_json.is_file():
                continue
            typings = _lucide_typings(package_dir)
            icons = _LUCIDE.get(typings) if typings is not None else None
            if icons is None:
                return None
            info = _PACKAGE_JSONS.get(package_json)
            if info is None or not info.version:
                return icons
            return dataclasses.replace(icons, package=f"lucide-react {info.version}")
        return None

    def _path_aliases(self) -> list[_PathAliases]:
        if self._aliases is None:
            self._aliases = []
            for folder in self.chain:
                config = next(
                    (
                        folder / n
                        for n in ("tsconfig.json", "jsconfig.json")
                        if (folder / n).is_file()
                    ),
                    None,
                )
                if config is not None:
                    self._collect_aliases(config, set(), depth=0)
                    break
        return self._aliases

    def _collect_aliases(self, config: Path, seen: set[Path], depth: int) -> None:
        """Paths of `config` (with what it extends) and of the configs it references."""
        if config in seen or depth > 4:
            return
        seen.add(config)
        paths, base, base_url = _compiler_paths(config, depth=0)
        if base_url is not None and base_url not in self._base_urls:
            self._base_urls.append(base_url)
        if paths:
            assert self._aliases is not None
            self._aliases.append(_PathAliases(config, base, paths))
        data = _TSCONFIGS.get(config)
        references = data.get("references") if isinstance(data, dict) else None
        for reference in references if isinstance(references, list) else []:
            ref = reference.get("path") if isinstance(reference, dict) else None
            if isinstance(ref, str):
                target = config.parent / ref
                if not target.name.endswith(".json"):
                    target = target / "tsconfig.json"
                self._collect_aliases(Path(os.path.normpath(target)), seen, depth + 1)


def _compiler_paths(
    config: Path, depth: int
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], Path, Path | None]:
    """(paths, where their targets start, baseUrl) of `config`, following relative `extends`."""
    data = _TSCONFIGS.get(config)
    if not isinstance(data, dict):
        return (), config.parent, None
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    paths_base, base_url = config.parent, None
    extends = data.get("extends")
    for parent in [extends] if isinstance(extends, str) else extends or []:
        if isinstance(parent, str) and parent.startswith(".") and depth < 4:
            parent_path = config.parent / parent
            if not parent_path.name.endswith(".json"):
                parent_path = parent_path.with_name(parent_path.name + ".json")
            p_paths, p_base, p_url = _compiler_paths(Path(os.path.normpath(parent_path)), depth + 1)
            paths, paths_base = (p_paths, p_base) if p_paths else (paths, paths_base)
            base_url = p_url or base_url
    options = data.get("compilerOptions")
    options = options if isinstance(options, dict) else {}
    if isinstance(options.get("baseUrl"), str):
        base_url = Path(os.path.normpath(config.parent / options["baseUrl"]))
    raw = options.get("paths")
    if isinstance(raw, dict):
        paths = tuple(
            (pattern, tuple(t for t in targets if isinstance(t, str)))
            for pattern, targets in raw.items()
            if isinstance(targets, list)
        )
        paths_base = config.parent
    if base_url is not None:
        paths_base = base_url
    return paths, paths_base, base_url


def _match_pattern(pattern: str, module: str) -> str | None:
    """What `*` stands for when `module` matches a paths pattern ('' for an exact match)."""
    if "*" not in pattern:
        return "" if pattern == module else None
    prefix, suffix = pattern.split("*", 1)
    if (
        len(module) >= len(prefix) + len(suffix)
        and module.startswith(prefix)
        and module.endswith(suffix)
    ):
        return module[len(prefix) : len(module) - len(suffix)]
    return None


def _package_name(module: str) -> str | None:
    """'@scope/name/sub' -> '@scope/name', 'name/sub' -> 'name'; None if not a package name."""
    parts = module.split("/")
    if module.startswith("@"):
        if len(parts) < 2 or len(parts[0]) < 2 or not parts[1]:
            return None
        return f"{parts[0]}/{parts[1]}"
    if not parts[0] or parts[0].startswith((".", "_", "#", "~")):
        return None
    return parts[0]


def _resolve_file(target: Path) -> Path | None:
    """The file an import of `target` loads: itself, with an extension added, or a folder index."""
    folder = target.parent
    if not folder.is_dir():
        return None
    if target.is_file():  # any existing file, including assets a bundler imports (.svg, .png)
        return target
    base = str(target)
    for extension in _FILE_EXTENSIONS:
        if os.path.isfile(base + extension):
            return Path(base + extension)
    if target.suffix in (".js", ".jsx", ".mjs"):  # TypeScript ESM style: './x.js' is ./x.ts
        stem = base[: -len(target.suffix)]
        for extension in (".ts", ".tsx", ".mts"):
            if os.path.isfile(stem + extension):
                return Path(stem + extension)
    if target.is_dir():
        for extension in _FILE_EXTENSIONS:
            index = target / f"index{extension}"
            if index.is_file():
                return index
    return None


def _looked_for(shown: str) -> str:
    """What _resolve_file tried, for a message."""
    if os.path.splitext(shown)[1] in _FILE_EXTENSIONS + _ASSET_EXTENSIONS:
        return f"{shown} does not exist"
    return f"there is no {shown}{', '.join(_FILE_EXTENSIONS)} nor {shown}/index.*"


def _lucide_typings(package_dir: Path) -> Path | None:
    info: Any = None
    with contextlib.suppress(OSError, ValueError):
        info = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    candidates: list[str] = []
    if isinstance(info, dict):
        for key in ("types", "typings"):
            if isinstance(info.get(key), str):
                candidates.append(info[key])
        exports = info.get("exports")
        main = exports.get(".") if isinstance(exports, dict) else None
        if isinstance(main, dict) and isinstance(main.get("types"), str):
            candidates.append(main["types"])
    candidates += ["dist/lucide-react.d.ts", "dist/index.d.ts", "index.d.ts"]
    for candidate in candidates:
        path = package_dir / candidate
        if path.is_file():
            return path
    return None


# --- accessibility -------------------------------------------------------------------------

_UNLABELLED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})


def _has_text_attr(attrs: dict[str, str | None], *names: str) -> bool:
    """An attribute that gives a name: present and not the empty string (computed counts)."""
    return any(name in attrs and attrs[name] != "" for name in names)


def _names_itself(open_node: Node, dialect: _Dialect) -> bool:
    """Whether an element inside a button gives it a name by its own attributes."""
    attrs, _ = dialect.attributes(open_node)
    if _has_text_attr(attrs, "aria-label", "aria-labelledby", "title"):
        return True
    name_node = open_node.named_children[0] if open_node.named_children else None
    return _text(name_node).lower() == "img" and _has_text_attr(attrs, "alt")


def _describe(tag: _Tag, *keys: str) -> str:
    """`<input type="email" id="email">`: the tag with the attributes that identify it."""
    shown = [f'{k}="{v}"' for k in keys if isinstance(v := tag.attrs.get(k), str) and v]
    text = " ".join([tag.name, *shown])
    return f"<{text[:60]}…>" if len(text) > 60 else f"<{text}>"


@dataclass(frozen=True)
class _Labels:
    """What the file's <label for/htmlFor> point at."""

    ids: frozenset[str]  # literal targets
    computed: bool  # some target is an expression
    any: bool


def _accessibility_findings(scan: _Scan, positions: _Positions, dialect: _Dialect) -> list[Finding]:
    tags = [t for open_tag, name in scan.tags if (t := dialect.tag(open_tag, name)) is not None]
    targets = scan.label_targets + [
        tag.attrs[attribute]
        for tag in tags
        if tag.name == "label"
        for attribute in dialect.for_attributes
        if attribute in tag.attrs
    ]
    labels = _Labels(
        ids=frozenset(t for t in targets if t is not None),
        computed=None in targets,
        any=bool(targets),
    )
    findings: list[Finding] = []
    for tag in tags:
        if tag.spread:  # {...props} may carry alt, aria-label, id: say nothing
            continue
        if tag.name == "img":
            code, message = "img-alt", _img_problem(tag)
        elif tag.name in ("input", "select", "textarea"):
            code, message = "input-label", _field_problem(tag, labels, dialect)
        elif tag.name == "button":
            code, message = "button-name", _button_problem(tag, dialect)
        else:
            continue
        if message is not None:
            findings.append(
                positions.finding(
                    code, message, tag.open.start_point, tag.name_node.end_point, "warning"
                )
            )
    return findings


def _img_problem(tag: _Tag) -> str | None:
    attrs = tag.attrs
    if "alt" in attrs or _has_text_attr(attrs, "aria-label", "aria-labelledby"):
        return None
    if attrs.get("role") in ("presentation", "none"):
        return None
    return (
        f"{_describe(tag, 'src')} has no alt attribute: describe the image in alt, "
        'or use alt="" if it is decorative'
    )


def _field_problem(tag: _Tag, labels: _Labels, dialect: _Dialect) -> str | None:
    attrs = tag.attrs
    kind = attrs.get("type")
    if tag.name == "input" and isinstance(kind, str) and kind.lower() in _UNLABELLED_INPUT_TYPES:
        return None
    if _has_text_attr(attrs, "aria-label", "aria-labelledby", "title"):
        return None
    if "id" in attrs:
        element_id = attrs["id"]
        if element_id is not None and element_id in labels.ids:
            return None
        # an id or a label target computed at run time may well match: do not guess
        if labels.any and (element_id is None or labels.computed):
            return None
    if dialect.inside_label(tag.open):
        return None
    return (
        f"{_describe(tag, 'type', 'id', 'name')} has no label: wrap it in a <label>, "
        f"point a {dialect.label_for_hint} at its id, or give it an aria-label"
    )


def _button_problem(tag: _Tag, dialect: _Dialect) -> str | None:
    if _has_text_attr(tag.attrs, "aria-label", "aria-labelledby", "title", "children"):
        return None
    if dialect.content_has_name(tag.open) is not False:
        return None
    return (
        "<button> has no accessible name: give it visible text, or an aria-label "
        "when it shows only an icon"
    )

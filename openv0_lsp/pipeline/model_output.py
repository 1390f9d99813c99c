"""Reading a model's answer: the component source, the JSON plan, and a token estimate.

Models rarely answer with exactly what was asked. Code arrives in Markdown fences of any
language (or none), next to prose, sometimes several fences at once, sometimes cut off by the
token limit before the closing fence; a plan arrives as JSON inside prose, inside a fence, or
after a `<think>` block. This module turns that text into what the pipeline needs, or fails with
an error that says why in terms the user can act on, quoting only a short preview of the answer.

Plain strings in, plain values out: the providers stream text, the pipeline calls these once the
answer is complete (or cut off).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openv0_lsp.pipeline.framework import Framework

__all__ = [
    "NoCodeFound",
    "NoJSONFound",
    "count_tokens_estimate",
    "extract_code",
    "extract_json",
]


class NoCodeFound(ValueError):
    """The model's answer holds no code for the requested framework."""


class NoJSONFound(ValueError):
    """The model's answer holds no JSON object that parses."""


# How much of the answer an error message may quote.
PREVIEW_CHARS = 160

# Fence languages, lower-cased. A fence "fits" a framework unless its language is known to be
# something else: an unknown or missing language may still hold the component.
_LANGUAGES: dict[Framework, frozenset[str]] = {
    "react": frozenset(
        {"tsx", "jsx", "ts", "typescript", "js", "javascript", "mjs", "react",
         "typescriptreact", "javascriptreact"}
    ),
    "html": frozenset({"html", "htm", "xhtml", "xml"}),
}  # fmt: skip
_OTHER_LANGUAGES = frozenset(
    {"css", "scss", "sass", "less", "bash", "sh", "shell", "zsh", "console", "shellscript",
     "powershell", "ps1", "cmd", "bat", "json", "jsonc", "json5", "yaml", "yml", "toml", "ini",
     "env", "python", "py", "diff", "patch", "sql", "graphql", "gql"}
)  # fmt: skip
# Fences a model wraps around its whole answer, with the real fences inside.
_CONTAINER_LANGUAGES = frozenset({"", "md", "markdown", "text", "txt", "plaintext"})
_JSON_LANGUAGES = frozenset({"json", "jsonc", "json5"})

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_FENCE_LANGUAGE = re.compile(r"[\w+#.-]*")

# A line a React/TSX module can start with.
_REACT_START = re.compile(
    r"""^\s*(?:
        (?:import|export)\b
      | ['"]use\ client['"]
      | (?:type|interface|const|let|var|function|class|enum|declare)\s
      | async\s+function\b
      | abstract\s+class\b
    )""",
    re.VERBOSE,
)
_COMMENT_START = re.compile(r"^\s*(?://|/\*)")
# The last line of a module usually closes something, or is `export default Name`.
_REACT_END = re.compile(r"[});>\]]\s*$")
_EXPORT_DEFAULT = re.compile(r"\bexport\s+default\b")
_MARKUP_TAG = re.compile(r"<(?:[A-Za-z][\w.:-]*(?=[\s/>])|!--|!doctype\b)", re.IGNORECASE)
_REACT_CODE_SIGNS = re.compile(r"[{}]|=>|;[ \t]*$", re.MULTILINE)

_THINK_BLOCK = re.compile(r"\s*<(think|thinking)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"\s*<(?:think|thinking)>", re.IGNORECASE)

_LABEL: dict[Framework, str] = {"react": "React/TSX", "html": "HTML"}


@dataclass(frozen=True, slots=True)
class _Fence:
    language: str
    body: str
    first_line: int  # the opening fence line
    last_line: int  # the closing fence line, or the answer's last line when unterminated
    closed: bool


# ---------------------------------------------------------------------------------------------
# Code


def extract_code(text: str, framework: Framework) -> str:
    """The component source in a model's answer, ending with exactly one newline.

    The component is picked from the answer's fences (a fence inside a Markdown fence counts):
    for React the fence with `export default`, else the largest fence whose language fits; for
    HTML the fence with the most markup. A fence left open by a cut-off stream runs to the end.
    Without a fitting fence, the code is cut out of the prose around it, line by line.

    Raises `NoCodeFound` when there is no code for `framework` at all.
    """
    answer, top_level, chosen = _read_fences(text, framework)
    if chosen is not None:
        return _finish(chosen.body)

    outside = _lines_outside(answer, top_level)
    code = _code_from_prose(outside, framework)
    if code is not None:
        return _finish(code)

    label = _LABEL[framework]
    languages = sorted({f.language or "no language" for f in top_level})
    detail = f" (its fences are: {', '.join(languages)})" if top_level else ""
    raise NoCodeFound(f"the model's answer has no {label} code{detail}: {_preview(answer)}")


def closed_code(text: str, framework: Framework) -> str | None:
    """The code `extract_code` takes from `text` if the answer ends here, once the fence that
    holds it is closed (a model often writes prose after its code); None before that."""
    try:
        _, _, chosen = _read_fences(text, framework)
    except NoCodeFound:
        return None
    return _finish(chosen.body) if chosen is not None and chosen.closed else None


def _read_fences(text: str, framework: Framework) -> tuple[str, list[_Fence], _Fence | None]:
    """The answer after any <think> blocks, its top-level fences and the one holding the
    component (None: the code, if any, is in prose); `NoCodeFound` if there is no answer."""
    answer = _normalise(text)
    start = _answer_start(answer)
    if start is None:
        raise NoCodeFound(
            f"the model's answer ends inside a <think> block, before any code: {_preview(answer)}"
        )
    answer = answer[start:]
    if not answer.strip():
        raise NoCodeFound("the model's answer is empty")
    top_level = _fences(answer)
    return answer, top_level, _choose_fence(list(_expand_containers(top_level)), framework)


def _choose_fence(fences: list[_Fence], framework: Framework) -> _Fence | None:
    fitting = [f for f in fences if _fits(f.language, framework) and _is_code(f.body, framework)]
    if not fitting:
        return None
    if framework == "react":
        exporting = [f for f in fitting if _EXPORT_DEFAULT.search(f.body)]
        # max() keeps the first of equals, so ties go to the earlier fence.
        return max(exporting or fitting, key=lambda f: len(f.body))
    return max(fitting, key=lambda f: len(_MARKUP_TAG.findall(f.body)))


def _fits(language: str, framework: Framework) -> bool:
    if language in _LANGUAGES[framework]:
        return True
    elsewhere = any(language in langs for fw, langs in _LANGUAGES.items() if fw != framework)
    return not elsewhere and language not in _OTHER_LANGUAGES


def _is_code(body: str, framework: Framework) -> bool:
    if framework == "html":
        return _MARKUP_TAG.search(body) is not None
    return (
        any(_REACT_START.match(line) for line in body.split("\n"))
        or _MARKUP_TAG.search(body) is not None
        or _REACT_CODE_SIGNS.search(body) is not None
    )


def _code_from_prose(lines: list[str], framework: Framework) -> str | None:
    """The code in unfenced text: from the first line that starts code to the last that ends it."""
    if framework == "react":
        first = next((i for i in range(len(lines)) if _starts_react(lines, i)), None)
        if first is None:
            return None
        # The first line qualifies: it is code, or a comment right before code.
        last = first
        for i in range(first + 1, len(lines)):
            if _REACT_END.search(lines[i]) or _REACT_START.match(lines[i]):
                last = i
    else:
        first = next((i for i, line in enumerate(lines) if line.lstrip().startswith("<")), None)
        if first is None:
            return None
        ends = [i for i in range(first, len(lines)) if lines[i].rstrip().endswith(">")]
        last = ends[-1] if ends else len(lines) - 1
    return "\n".join(lines[first : last + 1])


def _starts_react(lines: list[str], index: int) -> bool:
    """Whether React code starts at `lines[index]`: code, or comments directly followed by code."""
    if _REACT_START.match(lines[index]):
        return True
    if not _COMMENT_START.match(lines[index]):
        return False
    in_block = False
    for line in lines[index:]:
        stripped = line.strip()
        if in_block:
            in_block = "*/" not in stripped
        elif stripped.startswith("//"):
            pass
        elif stripped.startswith("/*"):
            in_block = "*/" not in stripped[2:]
        else:
            return _REACT_START.match(line) is not None
    return False


def _finish(code: str) -> str:
    code = code.lstrip("\ufeff")
    code = re.sub(r"\A(?:[ \t]*\n)+", "", code)
    return code.rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Fences


def _fences(text: str) -> list[_Fence]:
    """The fenced blocks of `text`, CommonMark-style: a fence closes with the same character,
    at least as many of them and nothing else on the line; an unclosed fence runs to the end."""
    lines = text.split("\n")
    fences: list[_Fence] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if match is None or (match["marker"][0] == "`" and "`" in match["info"]):
            i += 1
            continue
        marker, indent = match["marker"], len(match["indent"])
        language_match = _FENCE_LANGUAGE.match(match["info"].strip())
        language = language_match[0].lower() if language_match else ""
        closing = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            body.append(_dedent(lines[j], indent))
            j += 1
        closed = j < len(lines)
        last = j if closed else len(lines) - 1
        fences.append(_Fence(language, "\n".join(body), i, last, closed))
        i = last + 1
    return fences


def _expand_containers(fences: list[_Fence]) -> Iterator[_Fence]:
    """The fences, with a Markdown-ish fence that holds fences replaced by the ones inside."""
    for fence in fences:
        inner = _fences(fence.body) if fence.language in _CONTAINER_LANGUAGES else []
        if inner:
            yield from _expand_containers(inner)
        else:
            yield fence


def _dedent(line: str, indent: int) -> str:
    # A fence indented inside a list item indents its content too.
    k = 0
    while k < indent and k < len(line) and line[k] in " \t":
        k += 1
    return line[k:]


def _lines_outside(text: str, fences: list[_Fence]) -> list[str]:
    inside = {n for f in fences for n in range(f.first_line, f.last_line + 1)}
    return [line for n, line in enumerate(text.split("\n")) if n not in inside]


# ---------------------------------------------------------------------------------------------
# JSON


def extract_json(text: str) -> Any:
    """The first JSON object in a model's answer.

    Accepts a bare object, one in a ```json fence, one surrounded by prose, and leading
    `<think>…</think>` blocks. Braces inside JSON strings do not count when finding where the
    object ends; literal control characters inside strings and trailing commas before `}` or `]`
    are tolerated.

    Raises `NoJSONFound` with a short reason when no object parses.
    """
    answer = _normalise(text)
    start = _answer_start(answer)
    if start is None:
        raise NoJSONFound("the answer ends inside a <think> block, before any JSON")
    if not answer[start:].strip():
        raise NoJSONFound("the answer is empty")

    # Prefer a fence that says it is JSON, so braces in the prose before it cannot interfere.
    for fence in _fences(answer[start:]):
        if fence.language in _JSON_LANGUAGES:
            with contextlib.suppress(NoJSONFound):
                return _first_object(fence.body, 0)
    return _first_object(answer, start)


def _first_object(text: str, start: int) -> Any:
    """The first `{…}` from `start` that parses.

    When none does, the reason given is that of the longest candidate tried: usually the plan.
    """
    reason, reason_length = "the answer has no JSON object", -1
    position = text.find("{", start)
    while position != -1:
        end = _object_end(text, position)
        if end is None:
            if len(text) - position > reason_length:
                line, column = _line_column(text, position)
                reason = (
                    f"the JSON object at line {line} column {column} is never closed "
                    f"(was the answer cut off?)"
                )
            break
        candidate = text[position : end + 1]
        try:
            return _DECODER.decode(candidate)
        except json.JSONDecodeError as error:
            with contextlib.suppress(json.JSONDecodeError):
                return _DECODER.decode(_without_trailing_commas(candidate))
            if len(candidate) > reason_length:
                reason_length = len(candidate)
                line, column = _line_column(text, position + error.pos)
                reason = f"the JSON object is not valid: {error.msg} at line {line} column {column}"
        position = text.find("{", end + 1)
    raise NoJSONFound(reason)


# strict=False lets strings hold raw newlines and tabs, which models write inside long texts.
_DECODER = json.JSONDecoder(strict=False)


def _scan(text: str, start: int = 0) -> Iterator[tuple[int, str, bool]]:
    """Each character of `text` from `start` with its index and whether it is inside a JSON
    string (escapes respected): braces and commas count only outside strings."""
    in_string = escaped = False
    for i in range(start, len(text)):
        char = text[i]
        inside = in_string
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = inside = False
        elif char == '"':
            in_string = True
        yield i, char, inside


def _object_end(text: str, start: int) -> int | None:
    """The index of the `}` closing the `{` at `start`, skipping JSON strings; None if unclosed."""
    depth = 0
    for i, char, inside in _scan(text, start):
        if inside:
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _without_trailing_commas(candidate: str) -> str:
    out: list[str] = []
    for i, char, inside in _scan(candidate):
        if not inside and char == "," and candidate[i + 1 :].lstrip()[:1] in ("}", "]"):
            continue
        out.append(char)
    return "".join(out)


def _line_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column


# ---------------------------------------------------------------------------------------------
# Shared


def count_tokens_estimate(text: str) -> int:
    """An estimate of the tokens in `text`, about four characters each.

    Only for progress and history when a provider does not report usage; real tokenisers differ
    by model and language, so never use it for limits or billing.
    """
    if not text:
        return 0
    return max(1, round(len(text) / 4))


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _answer_start(text: str) -> int | None:
    """Where the answer starts after leading <think> blocks; None if the last one never ends."""
    position = 0
    while match := _THINK_BLOCK.match(text, position):
        position = match.end()
    if _THINK_OPEN.match(text, position):
        return None
    return position


def _preview(text: str) -> str:
    collapsed = " ".join(text.split())
    if len(collapsed) > PREVIEW_CHARS:
        collapsed = collapsed[: PREVIEW_CHARS - 1] + "…"
    return repr(collapsed)

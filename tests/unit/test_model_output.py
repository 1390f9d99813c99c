"""Reading a model's answer: whatever the model wrapped around it, the pipeline gets the code.

Every answer here is shaped like one a real model gave: fences of every language, prose before
and after, several fences, no fence, a stream cut at the token limit, a `<think>` block.
"""

from __future__ import annotations

import pytest

from openv0_lsp.pipeline.framework import Framework
from openv0_lsp.pipeline.model_output import (
    NoCodeFound,
    NoJSONFound,
    closed_code,
    count_tokens_estimate,
    extract_code,
    extract_json,
)

CARD = """\
import { Check } from 'lucide-react';

export default function Card({ title }: { title: string }) {
  return (
    <div className="rounded-xl p-6">
      <Check className="h-4 w-4" /> {title}
    </div>
  );
}
"""

PAGE = """\
<!doctype html>
<html lang="en">
  <body class="bg-slate-50">
    <section class="mx-auto max-w-xl p-6">
      <h1 class="text-2xl font-bold">Pricing</h1>
    </section>
  </body>
</html>
"""

USAGE = '<Card title="Pro" />\n'


def fenced(code: str, language: str = "", marker: str = "```") -> str:
    return f"{marker}{language}\n{code}{marker}\n"


# ---------------------------------------------------------------------------------------------
# extract_code: React


@pytest.mark.parametrize(
    "language", ["tsx", "jsx", "typescript", "ts", "javascript", "", "TSX", "tsx title=Card.tsx"]
)
def test_a_react_component_in_a_fence_of_any_fitting_language_is_extracted(language: str) -> None:
    assert extract_code(fenced(CARD, language), "react") == CARD


def test_a_tilde_fence_works_like_a_backtick_fence() -> None:
    assert extract_code(fenced(CARD, "tsx", marker="~~~"), "react") == CARD


def test_prose_before_and_after_the_fence_is_dropped() -> None:
    answer = (
        "Here is the component:\n\n"
        + fenced(CARD, "tsx")
        + "\nThis component uses Tailwind for styling and lucide-react for the icon.\n"
    )
    assert extract_code(answer, "react") == CARD


def test_the_fence_with_export_default_wins_over_a_larger_usage_example() -> None:
    usage = "import Card from './Card';\n\n" + "".join(
        f'<Card title="Plan {n} with a long descriptive title" />\n' for n in range(20)
    )
    answer = (
        "Install the icons:\n"
        + fenced("npm install lucide-react\n", "bash")
        + "The component:\n"
        + fenced(CARD, "tsx")
        + "Use it like this:\n"
        + fenced(usage, "tsx")
    )
    assert len(usage) > len(CARD)
    assert extract_code(answer, "react") == CARD


def test_without_export_default_the_largest_fitting_fence_wins() -> None:
    small = "const x = 1;\n"
    large = 'const Card = () => <div className="p-4">Card</div>;\n\nexport { Card };\n'
    css = ".card {\n  padding: 1rem;\n  margin: 0 auto;\n  border: 1px solid #eee;\n}\n" * 3
    answer = fenced(small, "ts") + fenced(css, "css") + fenced(large, "jsx")
    assert extract_code(answer, "react") == large


def test_a_fence_cut_off_by_the_token_limit_runs_to_the_end() -> None:
    answer = (
        "Here you go:\n```tsx\n"
        "import React from 'react';\n\nexport default function Card() {\n  return <div cla"
    )
    assert extract_code(answer, "react") == (
        "import React from 'react';\n\nexport default function Card() {\n  return <div cla\n"
    )


def test_crlf_and_a_leading_bom_are_normalised() -> None:
    answer = "\ufeffHere it is:\r\n" + fenced(CARD, "tsx").replace("\n", "\r\n") + "Done.\r\n"
    code = extract_code(answer, "react")
    assert code == CARD
    assert "\r" not in code


def test_the_code_ends_with_exactly_one_newline() -> None:
    answer = "```tsx\n\n\nexport default function Card() {}   \n\n\n```"
    assert extract_code(answer, "react") == "export default function Card() {}\n"


def test_a_fence_indented_in_a_list_item_is_dedented() -> None:
    answer = (
        "1. Create `Card.tsx`:\n\n"
        "   ```tsx\n   export default function Card() {\n     return null;\n   }\n   ```\n"
    )
    assert extract_code(answer, "react") == (
        "export default function Card() {\n  return null;\n}\n"
    )


def test_a_component_fence_nested_in_a_markdown_fence_is_unwrapped() -> None:
    answer = "````markdown\n# Card\n\nThe component:\n\n" + fenced(CARD, "tsx") + "````\n"
    assert extract_code(answer, "react") == CARD


def test_a_fence_nested_in_a_plain_fence_of_the_same_length_is_unwrapped() -> None:
    # CommonMark reads the inner opener as text and the inner closer as the outer closer.
    answer = "```\nHere's the file:\n```tsx\n" + CARD + "```\n```\n"
    assert extract_code(answer, "react") == CARD


def test_fence_markers_inside_a_longer_fence_are_code() -> None:
    code = "export const md = `\n```js\nlet a = 1;\n```\n`;\n"
    assert extract_code(fenced(code, "tsx", marker="````"), "react") == code


def test_a_leading_think_block_with_a_draft_is_ignored() -> None:
    answer = "<think>Draft:\n```tsx\nexport default function Draft() {}\n```\n</think>\n" + fenced(
        CARD, "tsx"
    )
    assert extract_code(answer, "react") == CARD


# ---------------------------------------------------------------------------------------------
# extract_code: React without fences


def test_unfenced_code_is_cut_out_of_the_prose_around_it() -> None:
    answer = (
        "Sure! Here is the component you asked for.\n\n" + CARD + "\nThis uses Tailwind.\nEnjoy!\n"
    )
    assert extract_code(answer, "react") == CARD


@pytest.mark.parametrize(
    "first_line",
    [
        "'use client';",
        '"use client"',
        "import React from 'react';",
        "type Props = { title: string };",
        "interface Props { title: string }",
        "const Card = () => {",
        "function Card() {",
        "export default function Card() {",
    ],
)
def test_unfenced_code_starts_at_the_first_line_that_starts_code(first_line: str) -> None:
    code = f"{first_line}\n  return null;\n}}\n"
    answer = f"Okay, the component:\n{code}That's all.\n"
    assert extract_code(answer, "react") == code


def test_a_comment_directly_before_code_is_kept() -> None:
    code = (
        "// Card.tsx: a pricing card\n/* Tailwind only */\n"
        "export default function Card() {\n  return null;\n}\n"
    )
    answer = "Here you go:\n" + code + "Hope it helps."
    assert extract_code(answer, "react") == code


def test_a_multi_line_block_comment_directly_before_code_is_kept() -> None:
    code = "/**\n * A pricing card.\n */\nexport default function Card() {}\n"
    assert extract_code("Here:\n" + code, "react") == code


def test_a_comment_not_followed_by_code_is_prose() -> None:
    answer = "// note: see below\n\nI wrote it like this:\nexport default function Card() {}\n"
    assert extract_code(answer, "react") == "export default function Card() {}\n"


def test_unfenced_code_may_end_with_export_default_and_no_semicolon() -> None:
    code = "function Card() {\n  return null\n}\n\nexport default Card\n"
    assert extract_code(code + "\nLet me know if you want changes.", "react") == code


def test_code_outside_fences_is_found_when_the_only_fence_is_a_shell_command() -> None:
    answer = "Install first:\n" + fenced("npm i lucide-react\n", "bash") + "Then:\n" + CARD
    assert extract_code(answer, "react") == CARD


# ---------------------------------------------------------------------------------------------
# extract_code: HTML


@pytest.mark.parametrize("language", ["html", "", "HTML", "htm"])
def test_an_html_page_in_a_fence_is_extracted(language: str) -> None:
    answer = "Here is the page:\n" + fenced(PAGE, language) + "It uses the Tailwind CDN."
    assert extract_code(answer, "html") == PAGE


def test_for_html_the_fence_with_the_most_markup_wins() -> None:
    snippet = '<button class="btn">Buy</button>\n'
    styles = "body {\n  font-family: system-ui, sans-serif;\n}\n" * 10
    answer = fenced(snippet, "html") + fenced(styles, "css") + fenced(PAGE, "html")
    assert extract_code(answer, "html") == PAGE


def test_for_html_a_tsx_fence_is_not_the_page() -> None:
    answer = fenced(CARD, "tsx") + fenced(PAGE, "html")
    assert extract_code(answer, "html") == PAGE


def test_unfenced_html_starts_at_the_first_tag_and_ends_at_the_last() -> None:
    answer = "Here's your page (Tailwind via CDN).\n" + PAGE + "Open it in a browser."
    assert extract_code(answer, "html") == PAGE


def test_an_unterminated_html_fence_runs_to_the_end() -> None:
    answer = '```html\n<section class="p-6">\n  <h1>Pri'
    assert extract_code(answer, "html") == '<section class="p-6">\n  <h1>Pri\n'


# ---------------------------------------------------------------------------------------------
# extract_code: no code


@pytest.mark.parametrize(
    ("answer", "framework", "message"),
    [
        ("", "react", "the model's answer is empty"),
        ("  \n\r\n\t", "html", "the model's answer is empty"),
        (
            "I'm sorry, but I can't help with that.",
            "react",
            "the model's answer has no React/TSX code: \"I'm sorry, but I can't help with that.\"",
        ),
        (
            "Sure.\n```\nI would need more details about the card.\n```\n",
            "react",
            "the model's answer has no React/TSX code (its fences are: no language): "
            "'Sure. ``` I would need more details about the card. ```'",
        ),
        (
            "The page would have a header and a footer.",
            "html",
            "the model's answer has no HTML code: 'The page would have a header and a footer.'",
        ),
        (
            fenced(PAGE, "html"),
            "react",
            "the model's answer has no React/TSX code (its fences are: html): ",
        ),
        ("```tsx\n", "react", "the model's answer has no React/TSX code (its fences are: tsx): "),
        (
            "<think>The user wants a card, so I should",
            "react",
            "the model's answer ends inside a <think> block, before any code: ",
        ),
    ],
)
def test_an_answer_without_code_says_so(answer: str, framework: Framework, message: str) -> None:
    with pytest.raises(NoCodeFound) as raised:
        extract_code(answer, framework)
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, ValueError)


def test_the_error_quotes_only_a_short_preview_of_a_long_answer() -> None:
    answer = "I cannot write that component. " * 100
    with pytest.raises(NoCodeFound) as raised:
        extract_code(answer, "react")
    message = str(raised.value)
    assert len(message) < 250
    assert message.endswith("…'")


# ---------------------------------------------------------------------------------------------
# extract_json

PLAN = {"name": "PricingCard", "sections": [{"kind": "hero", "title": "Pro"}], "dark": True}
PLAN_TEXT = '{"name": "PricingCard", "sections": [{"kind": "hero", "title": "Pro"}], "dark": true}'


@pytest.mark.parametrize(
    "answer",
    [
        PLAN_TEXT,
        f"  {PLAN_TEXT}\n",
        f"\ufeff{PLAN_TEXT}",
        f"```json\n{PLAN_TEXT}\n```",
        f"```\n{PLAN_TEXT}\n```\n",
        f"Here is the plan:\n\n```json\n{PLAN_TEXT}\n```\n\nLet me know if it fits.",
        f"Here is the plan: {PLAN_TEXT} — I chose a hero section.",
        f'<think>They want {{a card}}; maybe {{"name": "Draft"}}.</think>\n{PLAN_TEXT}',
        f"<think>one</think><think>two {{</think>```json\n{PLAN_TEXT}\n```",
        PLAN_TEXT.replace(", ", ",\r\n  "),
        f"I'll use {{braces}} like this {{ to plan }}.\n{PLAN_TEXT}",
    ],
)
def test_the_plan_is_found_however_the_model_wraps_it(answer: str) -> None:
    assert extract_json(answer) == PLAN


def test_braces_and_escaped_quotes_inside_strings_do_not_end_the_object() -> None:
    answer = (
        'Plan: {"title": "Use {curly} braces }}", "quote": "say \\"}\\" now", "n": 1} trailing }'
    )
    assert extract_json(answer) == {
        "title": "Use {curly} braces }}",
        "quote": 'say "}" now',
        "n": 1,
    }


def test_a_json_fence_is_preferred_over_braces_in_the_prose_before_it() -> None:
    answer = 'Example shape: {"name": "Example"}\n```json\n{"name": "Real"}\n```'
    assert extract_json(answer) == {"name": "Real"}


def test_the_first_top_level_object_wins() -> None:
    assert extract_json('{"a": {"b": 1}} and then {"c": 2}') == {"a": {"b": 1}}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"a": [1, 2, ], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),
        ('{"a": [1, 2,\n  ],\n}', {"a": [1, 2]}),
        ('{"keep": "a,}", "b": 1,}', {"keep": "a,}", "b": 1}),
    ],
)
def test_trailing_commas_outside_strings_are_tolerated(answer: str, expected: object) -> None:
    assert extract_json(answer) == expected


def test_raw_newlines_inside_strings_are_tolerated() -> None:
    assert extract_json('{"text": "line one\nline two"}') == {"text": "line one\nline two"}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "the answer is empty"),
        ("   \n", "the answer is empty"),
        ("I can't plan that component.", "the answer has no JSON object"),
        ("[1, 2, 3]", "the answer has no JSON object"),
        ("```json\n```", "the answer has no JSON object"),
        ("<think>planning {", "the answer ends inside a <think> block, before any JSON"),
        (
            'Plan:\n{"name": "Card", "sections": [{"kind": "hero"}',
            "the JSON object at line 2 column 1 is never closed (was the answer cut off?)",
        ),
        (
            '{"name": "Card", "title": "broken {"',
            "the JSON object at line 1 column 1 is never closed (was the answer cut off?)",
        ),
        (
            'Plan:\n{"name": "Card",\n "dark": yes}',
            "the JSON object is not valid: Expecting value at line 3 column 10",
        ),
        (
            "{like this} and {'name': 'Card', 'sections': []}",
            "the JSON object is not valid: Expecting property name enclosed in double quotes "
            "at line 1 column 18",
        ),
    ],
)
def test_an_answer_without_a_usable_object_gives_a_short_reason(answer: str, reason: str) -> None:
    with pytest.raises(NoJSONFound) as raised:
        extract_json(answer)
    assert str(raised.value) == reason
    assert isinstance(raised.value, ValueError)


def test_a_cut_off_plan_is_not_mistaken_for_the_object_nested_inside_it() -> None:
    with pytest.raises(NoJSONFound, match="never closed"):
        extract_json('{"name": "Card", "sections": [{"kind": "hero"}, {"kind": "fea')


# ---------------------------------------------------------------------------------------------
# count_tokens_estimate


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("a", 1), ("ab", 1), ("abc", 1), ("abcd", 1), ("abcdef", 2), ("x" * 400, 100)],
)
def test_the_token_estimate_is_about_four_characters_each(text: str, tokens: int) -> None:
    assert count_tokens_estimate(text) == tokens


# ---------------------------------------------------------------------------------------------
# closed_code: the code as soon as its fence closes, while the model may still be writing


def test_closed_code_waits_for_the_fence_to_close() -> None:
    answer = f"Here it is:\n\n{fenced(CARD, 'tsx')}\nIt uses lucide icons."
    closing = answer.index("```\n", len("Here it is:\n\n```tsx"))
    assert closed_code(answer[: closing + 2], "react") is None  # "``": not closed yet
    assert closed_code(answer[: closing + 3], "react") == CARD
    for end in (closing + 4, len(answer)):  # the prose after it changes nothing
        assert closed_code(answer[:end], "react") == extract_code(answer[:end], "react") == CARD


def test_closed_code_is_none_without_a_closed_fence() -> None:
    assert closed_code("", "react") is None
    assert closed_code("<think>planning the card", "react") is None
    assert closed_code(f"Prose first, then code:\n{CARD}", "react") is None  # no fence at all
    assert closed_code(f"```bash\nnpm i lucide-react\n```\n```tsx\n{CARD}", "react") is None
    assert closed_code(f"{fenced(PAGE, 'html')}", "html") == PAGE

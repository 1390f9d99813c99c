"""A scripted model for the fake OpenRouter: answers plan, enhance and repair requests the way a
real model would, from what the request asks (the pipeline's prompts), so end-to-end tests and
benchmarks run the whole AI pipeline without a network.

- a *plan* request (it carries `response_format`, or its system prompt plans) gets `plan` as
  JSON, inside prose and a fence like many models answer;
- an *enhance* request gets `component` in a ```tsx fence with prose around it;
- a *repair* request ("does not pass validation") gets `repaired`.

Each can be replaced by a `Reply` (a fault) or a callable; `calls` counts the kinds seen.

    model = ScriptedModel()
    fake.responder = model
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_openrouter import Received, Reply

PLAN = {
    "name": "PricingSection",
    "summary": "Three pricing tiers with a billing switch",
    "accent": "emerald",
    "sections": [
        {
            "block": "pricing",
            "heading": "Plans for every team",
            "billing_toggle": True,
            "tiers": [
                {"name": "Hobby", "price_monthly": 0, "price_yearly": 0},
                {"name": "Team", "price_monthly": 29, "price_yearly": 24, "highlighted": True},
                {"name": "Company", "price_monthly": 99, "price_yearly": 79},
            ],
        }
    ],
}

MARKER = "Made by the scripted model"


def component(name: str = "PricingSection", marker: str = MARKER) -> str:
    return f"""import {{ useState }} from "react";

type Props = {{ title?: string }};

export default function {name}({{ title = "Plans for every team" }}: Props) {{
  const [yearly, setYearly] = useState(false);
  return (
    <section className="bg-white py-16 dark:bg-gray-950">
      <h2 className="text-3xl font-bold text-gray-900 dark:text-white">{{title}}</h2>
      <p className="text-gray-600 dark:text-gray-300">{marker} — Grüße 👋</p>
      <button type="button" onClick={{() => setYearly(!yearly)}}>
        {{yearly ? "Yearly" : "Monthly"}}
      </button>
    </section>
  );
}}
"""


BROKEN = 'export default function PricingSection() {\n  return <section className="x">\n}\n'

Answer = Reply | str | Callable[[Received], Reply]


@dataclass
class ScriptedModel:
    plan: Answer = field(default_factory=lambda: json.dumps(PLAN))
    enhance: Answer = field(default_factory=component)
    repair: Answer = field(default_factory=component)
    tokens_per_second: float | None = None  # pace the code streams (benchmarks, cancel tests)
    calls: Counter[str] = field(default_factory=Counter)

    @staticmethod
    def kind(request: Received) -> str:
        body = request.json or {}
        messages = body.get("messages") or []
        text = "\n".join(str(m.get("content", "")) for m in messages)
        if "does not pass validation" in text:
            return "repair"
        if body.get("response_format") or "You plan user-interface components" in text:
            return "plan"
        return "enhance"

    def __call__(self, request: Received) -> Reply:
        kind = self.kind(request)
        self.calls[kind] += 1
        answer: Any = getattr(self, kind)
        if callable(answer) and not isinstance(answer, Reply):
            answer = answer(request)
        if isinstance(answer, Reply):
            return answer
        if kind == "plan":
            text = f"Here is the plan:\n```json\n{answer}\n```"
        else:
            text = f"Here is the component:\n\n```tsx\n{answer}```\n\nIt uses Tailwind."
        return Reply.code_stream(text, tokens_per_second=self.tokens_per_second)

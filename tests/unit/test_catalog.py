"""Every block of the catalog renders, in every framework, into code that parses cleanly."""

from __future__ import annotations

import pytest

from openv0_lsp.pipeline.catalog import load_catalog
from openv0_lsp.pipeline.plan import FRAMEWORKS, Plan
from openv0_lsp.pipeline.scaffold import scaffold_component
from tests.tree_sitter_oracle import parse_errors

CATALOG = load_catalog()


def test_the_catalog_has_at_least_twenty_blocks():
    assert len(CATALOG) >= 20, sorted(CATALOG)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("block_id", sorted(CATALOG))
def test_block_renders_and_parses(block_id: str, framework: str):
    block = CATALOG[block_id]
    plan = Plan(name=block.component_name, framework=framework, sections=[block.defaults])
    code = scaffold_component(plan).code
    assert parse_errors(code, framework) == []
    if framework == "react":
        assert f"export default {block.component_name};" in code
    # the block's default content is what the user sees
    for text in [block.defaults.heading, *(t.name for t in block.defaults.tiers)]:
        if text:
            assert text in code


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_blocks_compose_into_one_component(framework: str):
    sections = [block.defaults for block in CATALOG.values()]
    for start in range(0, len(sections), 10):
        plan = Plan(name="KitchenSink", framework=framework, sections=sections[start : start + 10])
        code = scaffold_component(plan).code
        assert parse_errors(code, framework) == []
        if framework == "react":
            assert "export default function KitchenSink()" in code

"""Settings layer in order; a bad value is named and the lower layer stays in force."""

from __future__ import annotations

from pathlib import Path

from openv0_lsp.config import Settings, environment_layer, resolve_settings, section_of


def test_later_layers_win():
    settings, problems = resolve_settings(
        [
            ("environment", {"framework": "html", "outputDir": "env"}),
            ("initializationOptions", {"outputDir": "init"}),
            ("workspace/configuration", {"outputDir": "config"}),
        ]
    )
    assert problems == []
    assert settings.framework == "html"
    assert settings.output_dir == "config"


def test_an_invalid_value_is_reported_and_the_previous_value_kept():
    settings, problems = resolve_settings(
        [("environment", {"framework": "html"}), ("workspace/configuration", {"framework": "vue"})]
    )
    assert settings.framework == "html"
    [problem] = problems
    assert problem.key == "framework" and problem.source == "workspace/configuration"
    assert "openv0.framework" in str(problem)


def test_unknown_keys_and_non_objects_are_reported():
    _, problems = resolve_settings([("initializationOptions", {"colour": 1}), ("x", [1, 2])])
    assert [p.key for p in problems] == ["colour", "*"]


def test_environment_variables_use_the_openv0_prefix():
    layer = environment_layer({"OPENV0_OUTPUT_DIR": "ui", "OPENV0_STEP_DELAY_MS": "5", "HOME": "/"})
    assert layer == {"outputDir": "ui", "stepDelayMs": "5"}
    settings, problems = resolve_settings([("environment", layer)])
    assert problems == [] and settings.step_delay_ms == 5


def test_section_of_accepts_wrapped_and_flat_options():
    assert section_of({"openv0": {"framework": "html"}}) == {"framework": "html"}
    assert section_of({"framework": "html"}) == {"framework": "html"}
    assert section_of(None) is None


def test_output_dir_default_depends_on_src(tmp_path: Path):
    assert Settings().output_dir_for(tmp_path) == "components"
    (tmp_path / "src").mkdir()
    assert Settings().output_dir_for(tmp_path) == "src/components"

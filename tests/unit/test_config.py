"""Settings layer in order; a bad value is named and the lower layer stays in force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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


# --- provider settings -----------------------------------------------------------------------

SECRET = "sk-or-v1-" + "0badc0de" * 8


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("temperature", 3),
        ("maxTokens", 10),
        ("timeouts", {"idle": 0}),
        ("fallbackModels", ["m"] * 11),
        ("provider", "anthropic"),
    ],
)
def test_a_bad_provider_setting_is_named_and_the_previous_value_kept(key: str, value: Any):
    previous = {
        "temperature": 0.5,
        "maxTokens": 4000,
        "timeouts": {"idle": 12},
        "fallbackModels": ["a/b"],
        "provider": "openrouter",
    }[key]
    settings, problems = resolve_settings(
        [("initializationOptions", {key: previous}), ("workspace/configuration", {key: value})]
    )
    [problem] = problems
    assert (problem.key, problem.source) == (key, "workspace/configuration")
    assert f"openv0.{key}" in str(problem) and "previous value is kept" in str(problem)
    expected = resolve_settings([("initializationOptions", {key: previous})])[0]
    assert settings == expected


def test_an_unsafe_base_url_stays_in_force_and_the_provider_refuses_it():
    """Never replaced by a lower layer's URL: the key must not go anywhere the user did not
    name. The provider choice says why it cannot run (see test_select)."""
    from openv0_lsp.providers.select import choose_provider

    settings, problems = resolve_settings(
        [
            ("environment", {"baseUrl": "https://openrouter.ai/api/v1", "apiKey": SECRET}),
            ("workspace/configuration", {"baseUrl": "http://example.com/v1"}),
        ]
    )
    assert problems == [] and settings.base_url == "http://example.com/v1"
    problem = choose_provider(settings, {}).problem()
    assert problem is not None and "plain HTTP" in problem and "example.com" in problem
    for url in (
        "http://127.0.0.1:11434/v1",
        "http://localhost:8080/v1",
        "https://openrouter.ai/api/v1",
    ):
        settings, _ = resolve_settings([("environment", {"baseUrl": url, "apiKey": SECRET})])
        assert choose_provider(settings, {}).problem() is None


def test_timeouts_accept_a_partial_object():
    settings, problems = resolve_settings(
        [("workspace/configuration", {"timeouts": {"firstByte": 5}})]
    )
    assert problems == []
    assert settings.timeouts.first_byte == 5
    assert (settings.timeouts.connect, settings.timeouts.idle) == (10.0, 30.0)


def test_a_bad_timeout_names_which_timeout():
    _, problems = resolve_settings([("environment", {"timeouts": {"connect": 5, "idle": 0}})])
    [problem] = problems
    assert "idle" in str(problem)


def test_provider_settings_come_from_openv0_environment_variables():
    layer = environment_layer(
        {
            "OPENV0_API_KEY": SECRET,
            "OPENV0_MODEL": "qwen/qwen3-coder:free",
            "OPENV0_BASE_URL": "http://127.0.0.1:11434/v1",
            "OPENV0_PROVIDER": "openai",
            "OPENV0_FALLBACK_MODELS": "a/b, c/d",
            "OPENV0_TIMEOUTS": '{"idle": 7}',
            "OPENV0_TEMPERATURE": "0.2",
            "OPENV0_MAX_TOKENS": "2048",
            "OPENROUTER_API_KEY": "read by the provider choice, not by the settings",
        }
    )
    settings, problems = resolve_settings([("environment", layer)])
    assert problems == []
    assert settings.api_key_value() == SECRET
    assert settings.model == "qwen/qwen3-coder:free"
    assert settings.base_url == "http://127.0.0.1:11434/v1"
    assert settings.provider == "openai"
    assert settings.fallback_models == ("a/b", "c/d")
    assert settings.timeouts.idle == 7 and settings.timeouts.first_byte == 60
    assert settings.temperature == 0.2 and settings.max_tokens == 2048


def test_a_malformed_timeouts_variable_is_reported_not_raised():
    settings, problems = resolve_settings(
        [("environment", environment_layer({"OPENV0_TIMEOUTS": "idle=7"}))]
    )
    assert [p.key for p in problems] == ["timeouts"]
    assert settings.timeouts.idle == 30


def test_the_api_key_is_masked_in_every_rendering_of_the_settings():
    settings, _ = resolve_settings([("environment", environment_layer({"OPENV0_API_KEY": SECRET}))])
    assert settings.api_key_value() == SECRET
    for text in (
        repr(settings),
        str(settings),
        json.dumps(settings.model_dump(mode="json")),
        json.dumps(settings.model_dump(mode="json", by_alias=True)),
    ):
        assert SECRET not in text
    assert settings.model_dump(mode="json", by_alias=True)["apiKey"] == "**********"


def test_a_rejected_api_key_value_is_not_quoted_in_the_problem():
    _, problems = resolve_settings([("workspace/configuration", {"apiKey": [SECRET]})])
    [problem] = problems
    assert problem.key == "apiKey" and SECRET not in str(problem)

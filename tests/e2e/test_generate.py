"""A user runs "OpenV0: Generate component…" and gets a whole, validated file, with progress."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.conftest import PROFILES, generate, open_session, wait_until

STEPS = ["plan", "scaffold", "enhance", "validate", "write"]
PROMPT = "pricing section with three tiers and a monthly/yearly toggle"


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_generate_writes_the_component_and_reports_each_step(
    client: LanguageClient, tmp_path: Path, profile: str
):
    await open_session(client, tmp_path, profile)

    result = await generate(client, prompt=PROMPT)

    target = tmp_path / "components" / "PricingSection.tsx"
    assert result["status"] == "written", result
    assert result["component"] == "PricingSection"
    assert result["files"] == [str(target)]
    assert result["model"] == "offline"
    code = target.read_text()
    assert "export default PricingSection;" in code
    assert "Monthly" in code and "Yearly" in code
    uri = from_fs_path(str(target))
    await wait_until(lambda: uri in client.diagnostics)
    assert [d.message for d in client.diagnostics[uri]] == []

    if profile == "bare":  # no progress support: window/logMessage lines instead
        assert client.progress_reports == {}
        lines = [m.message for m in client.log_messages if m.message.startswith("OpenV0")]
        for step in STEPS:
            assert any(f"] {step}:" in line for line in lines), (step, lines)
        assert "wrote components/PricingSection.tsx" in lines[-1]
    else:
        [(_token, reports)] = client.progress_reports.items()
        begin, *steps, end = reports
        assert isinstance(begin, types.WorkDoneProgressBegin)
        assert begin.cancellable is True and begin.title == "OpenV0: Generate"
        assert [r.message.split(":")[0] for r in steps] == STEPS
        percentages = [r.percentage for r in steps]
        assert percentages == sorted(percentages) and percentages[0] > 0
        assert isinstance(end, types.WorkDoneProgressEnd)
        assert "wrote components/PricingSection.tsx" in end.message

    if profile == "vscode":  # the editor is asked to show the file right after the answer
        await wait_until(lambda: client.shown_documents)
        assert [d.uri for d in client.shown_documents] == [uri]
    else:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.status")
        )  # a round trip after the answer: anything the server was going to ask came before
        assert client.shown_documents == []


async def test_the_answer_comes_before_the_finished_notification(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path)
    answered_by_then: list[bool] = []
    params = types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": PROMPT}])
    answer = client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params)

    @client.feature("openv0/generationFinished")
    def finished(_client: object, _params: object) -> None:
        answered_by_then.append(answer.done())  # the client reads its messages in order

    assert (await asyncio.wrap_future(answer))["status"] == "written"
    await wait_until(lambda: answered_by_then)
    assert answered_by_then == [True]


async def test_output_goes_to_src_components_when_the_workspace_has_src(
    client: LanguageClient, tmp_path: Path
):
    (tmp_path / "src").mkdir()
    await open_session(client, tmp_path)
    result = await generate(client, prompt="a login form with email and password")
    assert result["files"] == [str(tmp_path / "src" / "components" / "LoginForm.tsx")]


async def test_html_framework_and_explicit_name_and_path(client: LanguageClient, tmp_path: Path):
    await open_session(client, tmp_path)
    result = await generate(
        client, prompt="faq about shipping", framework="html", name="ShippingFaq", path="ui/"
    )
    target = tmp_path / "ui" / "ShippingFaq.html"
    assert result["files"] == [str(target)]
    assert '<div data-component="ShippingFaq"' in target.read_text()


async def test_an_existing_file_is_never_overwritten_a_new_name_is_used(
    client: LanguageClient, tmp_path: Path
):
    mine = tmp_path / "components" / "PricingSection.tsx"
    mine.parent.mkdir()
    mine.write_text("// my own work\n")
    await open_session(client, tmp_path)

    result = await generate(client, prompt=PROMPT)
    assert result["files"] == [str(mine.with_name("PricingSection2.tsx"))]
    assert "PricingSection.tsx was kept (it already exists)" in result["message"]

    # asking to overwrite a file the user wrote still keeps it
    again = await generate(client, prompt=PROMPT, overwrite=True)
    assert again["files"] == [str(mine.with_name("PricingSection3.tsx"))]
    assert "not generated by openv0" in again["message"]
    assert mine.read_text() == "// my own work\n"


async def test_overwrite_replaces_a_generated_file_unless_it_was_edited(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path)
    first = await generate(client, prompt="stats section", name="Numbers")
    target = Path(first["files"][0])

    replaced = await generate(
        client, prompt="stats section with 3 stats", name="Numbers", overwrite=True
    )
    assert replaced["files"] == [str(target)]

    target.write_text(target.read_text() + "\n// edited by hand\n")
    kept = await generate(client, prompt="stats section", name="Numbers", overwrite=True)
    assert kept["files"] == [str(target.with_name("Numbers2.tsx"))]
    assert target.read_text().endswith("// edited by hand\n")


async def test_the_server_answers_other_requests_while_a_generation_runs(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, options={"stepDelayMs": 300})
    running = asyncio.ensure_future(generate(client, prompt=PROMPT))
    await wait_until(lambda: client.progress_reports)

    status = await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command="openv0.status")),
        1.0,
    )
    assert status["runningGenerations"] == 1
    assert not running.done()
    assert (await running)["status"] == "written"


async def test_wait_false_answers_at_once_and_notifies_when_done(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, profile="bare", options={"stepDelayMs": 50})
    finished = asyncio.ensure_future(client.wait_for_notification("openv0/generationFinished"))

    answer = await generate(client, prompt=PROMPT, wait=False)
    assert answer["status"] == "running"

    outcome = await asyncio.wait_for(finished, 10)  # custom params arrive as a namedtuple
    assert outcome.generationId == answer["generationId"]
    assert outcome.status == "written"
    assert Path(outcome.files[0]).is_file()


async def test_five_concurrent_generations_each_write_their_own_file(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path)
    results = await asyncio.gather(*(generate(client, prompt=PROMPT) for _ in range(5)))
    files = sorted(r["files"][0] for r in results)
    assert len(set(files)) == 5
    assert all(Path(f).read_text().startswith("// PricingSection") for f in files)


async def test_status_reports_the_offline_provider(client: LanguageClient, tmp_path: Path):
    await open_session(client, tmp_path)
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status", arguments=[])
    )
    assert status["provider"] == "offline"
    assert status["workspaceFolders"] == [str(tmp_path)]
    assert status["settings"]["framework"] == "react"
    for _ in range(300):  # the templates and parsers load in the background after `initialized`
        if status["warmedUp"]:
            break
        await asyncio.sleep(0.05)
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.status", arguments=[])
        )
    assert status["warmedUp"] is True


# The client made up its own token rather than asking for one: pytest-lsp warns, rightly.
@pytest.mark.filterwarnings(
    "ignore:Unknown progress token:pytest_lsp.checks.LspSpecificationWarning"
)
async def test_a_client_token_carries_the_progress_when_the_client_sends_one(
    client: LanguageClient, tmp_path: Path
):
    """A client that declares no progress support but sends a workDoneToken still gets it."""
    await open_session(client, tmp_path, profile="bare")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="openv0.generate", arguments=[{"prompt": PROMPT}], work_done_token="mine-1"
        )
    )
    assert result["status"] == "written"
    reports = client.progress_reports["mine-1"]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert [r.message.split(":")[0] for r in reports[1:-1]] == STEPS
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)

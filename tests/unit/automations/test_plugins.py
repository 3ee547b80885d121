"""Plugin discovery from the three sources, with real plugin files and a real installed entry
point; broken plugins are reported by name and skipped, the others still load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from app.automations.api import Action, Permission
from app.automations.plugins import action_problems, load_plugins, unbounded_strings

GOOD = """
from app.automations.api import Action, Permission, Trigger, hookimpl

async def shout(context, params):
    return params["text"].upper()

@hookimpl
def register_actions(register):
    register(Action(
        id="{name}.shout",
        title="Shout",
        description="Upper-case a text.",
        parameters={{"type": "object", "properties": {{
            "text": {{"type": "string", "maxLength": 2000}}}}, "required": ["text"]}},
        output={{"type": "string", "maxLength": 2000}},
        permissions=(),
        run=shout,
    ))

@hookimpl
def register_triggers(register):
    register(Trigger(id="{name}.tick", title="Tick", description="Every tick.",
                     parameters={{"type": "object", "properties": {{}}}}))
"""


def write_plugin(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")


def test_user_folder_plugins_register_actions_and_triggers(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    write_plugin(folder, "loud", GOOD.format(name="loud"))
    package = folder / "packaged"
    package.mkdir()
    (package / "__init__.py").write_text(GOOD.format(name="packaged"), encoding="utf-8")
    registry = load_plugins(user_folder=folder, entry_points=False)
    assert registry.problems == []
    assert set(registry.actions) == {"loud.shout", "packaged.shout"}
    assert registry.actions["loud.shout"].plugin == "loud"
    assert set(registry.triggers) == {"loud.tick", "packaged.tick"}


def test_broken_plugins_are_named_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    write_plugin(folder, "a_good", GOOD.format(name="good"))
    write_plugin(folder, "b_syntax", "def broken(:\n")
    write_plugin(folder, "c_import", "import a_module_that_does_not_exist\n")
    write_plugin(
        folder,
        "d_raises",
        """
        from app.automations.api import hookimpl

        @hookimpl
        def register_actions(register):
            raise RuntimeError("boom")
        """,
    )
    write_plugin(
        folder,
        "e_unbounded",
        """
        from app.automations.api import Action, hookimpl

        async def run(context, params):
            return ""

        @hookimpl
        def register_actions(register):
            register(Action(
                id="e.free_text", title="Free", description="",
                parameters={"type": "object", "properties": {"text": {"type": "string"}}},
                output={"type": "string", "maxLength": 10}, permissions=(), run=run))
        """,
    )
    write_plugin(folder, "f_duplicate", GOOD.format(name="good"))
    registry = load_plugins(user_folder=folder, entry_points=False)
    assert (
        set(registry.actions) == {"good.shout"}
        and registry.actions["good.shout"].plugin == "a_good"
    )
    by_plugin = {p.plugin: p.message for p in registry.problems}
    assert "SyntaxError" in by_plugin["b_syntax"]
    assert "ModuleNotFoundError" in by_plugin["c_import"]
    assert by_plugin["d_raises"] == "register_actions: RuntimeError: boom"
    assert "properties.text is a string without maxLength" in by_plugin["e_unbounded"]
    assert "already taken by plugin a_good" in by_plugin["f_duplicate"]
    assert registry.plugins == ["a_good", "d_raises", "e_unbounded", "f_duplicate"]


def test_an_installed_entry_point_plugin_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "steward_example_ep").mkdir(parents=True)
    (site / "steward_example_ep" / "__init__.py").write_text(GOOD.format(name="ep"))
    dist = site / "steward_example_ep-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: steward-example-ep\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[steward.automations]\nexample_ep = steward_example_ep\n"
    )
    monkeypatch.syspath_prepend(str(site))
    registry = load_plugins()
    assert "ep.shout" in registry.actions and registry.actions["ep.shout"].plugin == "example_ep"


def test_declarations_are_checked() -> None:
    async def run(context, params):
        return None

    def sync_run(context, params):
        return None

    base = dict(
        id="files.read_text",
        title="Read text",
        description="",
        parameters={
            "type": "object",
            "properties": {"path": {"type": "string", "maxLength": 4096}},
        },
        output={"type": "string", "maxLength": 100_000},
        permissions=(Permission("files.read", "path"),),
        run=run,
    )
    assert action_problems(Action(**base)) == []
    assert Action(**base).needs_approval is False
    assert Action(**{**base, "permissions": (Permission("files.write", "path"),)}).needs_approval
    bad = Action(
        **{
            **base,
            "id": "NoDot",
            "permissions": (Permission("files.read", "folder"), Permission("teleport")),  # type: ignore[arg-type]
            "run": sync_run,
        }
    )
    problems = " | ".join(action_problems(bad))
    for expected in (
        "not of the form plugin.name",
        "must name the parameter",
        "unknown permission",
        "async",
    ):
        assert expected in problems
    nested = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": ["string", "null"]}},
            "choice": {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "string"}]},
        },
    }
    assert unbounded_strings(nested, "p") == [
        "p.properties.items.items",
        "p.properties.choice.anyOf[1]",
    ]

"""A plugin's planning hints (``Action.planning``): its words ask for it in English and in
Chinese, its role puts it in the flow of data, a step name it cannot have is refused, and the
planner's view of the installed actions does not depend on the order plugins load in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.automations import intent
from app.automations.builtins import MODULES
from app.automations.draft import DraftSchema, system_prompt
from app.automations.plugins import load_plugins
from app.automations.stages import plan_stages

PLUGIN = """
from app.automations.api import Action, Ask, Planning, hookimpl, params, text

WEATHER = Ask("a weather report", {"en": r"\\b(weather|forecast)\\b", "zh": r"天气|预报"})


async def today(context, p):
    return {"text": "sunny"}


@hookimpl
def register_actions(register):
    register(Action(
        id="weather.today",
        title="Today's weather",
        description="The weather for today, in a sentence.",
        parameters=params(()),
        output=params(("text",), text=text(200)),
        permissions=(),
        run=today,
        planning=Planning(STEP, "source", (WEATHER,)%s),
    ))
"""


def install(folder: Path, step: str = '"forecast"', extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    source = PLUGIN.replace("STEP", step) % extra
    (folder / "weather.py").write_text(source, encoding="utf-8")


def test_words_in_english_or_chinese_ask_for_a_plugin_action(tmp_path: Path) -> None:
    install(tmp_path)
    registry = load_plugins(builtins=MODULES, user_folder=tmp_path, entry_points=False)
    assert registry.problems == []
    for request in ("Every day at 7 tell me the weather", "每天早上7点告诉我天气"):
        facts = intent.read(request, registry)
        wanted = {c.name: c.actions for c in facts.wants}
        assert wanted == {
            "a notification": ("notify.show",),
            "a weather report": ("weather.today",),
        }
        # read first, then told: the plugin's source and the built-in notification
        stages = plan_stages(registry, facts)
        assert stages is not None
        assert [[a.id for a in stage] for stage in stages] == [["weather.today"], ["notify.show"]]
        schema = DraftSchema(registry, facts).build()
        first = schema["properties"]["steps"]["prefixItems"][0]["anyOf"][0]
        assert first["properties"]["action"] == {"const": "forecast"}
    assert "- forecast: Today's weather. The weather for today" in system_prompt(registry)
    # without its words, it is not offered
    assert intent.read("Every day at 7 remind me to stretch", registry).wants[0].actions == (
        "notify.show",
    )


def test_a_term_that_is_taken_or_a_malformed_name_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    cases: list[tuple[str, str, str]] = [
        (
            '"forecast"',
            ', term="files.move"',
            "the term 'files.move' is already taken by files.move",
        ),
        ('"forecast"', ', term="Files move"', "term 'Files move' is not lower-case words and dots"),
        ('"Fore cast"', "", "step name 'Fore cast' is not a lower-case word"),
        ('"forecast"', ', paths={"city": "file"}', "planning names no parameter 'city'"),
        ('"forecast"', "", ""),
    ]
    for n, (step, extra, problem) in enumerate(cases):
        folder = tmp_path / str(n)
        install(folder, step, extra)
        registry = load_plugins(builtins=MODULES, user_folder=folder, entry_points=False)
        said = [str(p) for p in registry.problems]
        if problem:
            assert len(said) == 1 and problem in said[0], said
            assert "weather.today" not in registry.actions
        else:
            assert said == [] and "weather.today" in registry.actions


def test_a_bad_phrase_is_refused(tmp_path: Path) -> None:
    install(tmp_path)
    path = tmp_path / "weather.py"
    path.write_text(path.read_text().replace("天气|预报", "天气(预报"), encoding="utf-8")
    registry = load_plugins(builtins=MODULES, user_folder=tmp_path, entry_points=False)
    [problem] = registry.problems
    assert "the zh phrase of 'a weather report'" in str(problem)


def test_the_planner_sees_the_same_whatever_order_the_plugins_load_in() -> None:
    forward = load_plugins(builtins=MODULES, entry_points=False)
    backward = load_plugins(builtins=tuple(reversed(MODULES)), entry_points=False)
    assert list(forward.actions) != list(backward.actions)
    assert system_prompt(forward) == system_prompt(backward)
    request = "When a PDF lands in ~/Downloads, summarize it into my journal and notify me"
    views: list[Any] = []
    for registry in (forward, backward):
        facts = intent.read(request, registry)
        views.append(
            (
                [(c.name, c.actions) for c in facts.wants],
                DraftSchema(registry, facts).build(),
            )
        )
    assert views[0] == views[1]

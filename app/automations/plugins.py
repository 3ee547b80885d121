"""Finding and loading plugins: built-in modules, Python entry points (group
``steward.automations``) and the user plugin folder (``<data>/plugins``, the only way to
extend a frozen build).

A plugin that fails to import, raises in a hook or declares something invalid is reported
with its name and what is wrong, and skipped; every other plugin still loads.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from app.automations.api import (
    ENTRY_POINT_GROUP,
    PERMISSION_KINDS,
    PROJECT,
    ROLES,
    SCOPED,
    Action,
    Hooks,
    Permission,
    Schema,
    Trigger,
)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# built-in triggers have one-word ids (manual, schedule, folder_watch, app_start)
STEP_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
TERM_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
TRIGGER_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
USER_MODULE_PREFIX = "steward_user_plugin_"


@dataclass(frozen=True)
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin}: {self.message}"


@dataclass
class Registry:
    """What the loaded plugins offer, and what went wrong while loading them."""

    actions: dict[str, Action] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)  # loaded, in load order
    problems: list[PluginProblem] = field(default_factory=list)

    def term(self, action_id: str) -> str:
        """What the model writes for a step of an action (unique in the registry)."""
        action = self.actions.get(action_id)
        return action.term if action is not None else action_id

    def named(self, term: str) -> Action | None:
        """The action the model means by a term."""
        return next((a for a in self.actions.values() if a.term == term), None)

    def with_step_id(self, step_id: str) -> Action | None:
        """The first action (by term) whose drafted steps get this id ("move")."""
        return next((a for a in self.by_term() if a.step_id == step_id), None)

    def by_term(self) -> list[Action]:
        """The actions by term: the order the planner shows and offers them in, so a
        draft does not depend on the order plugins load in."""
        return sorted(self.actions.values(), key=lambda a: a.term)

    def reading(self, what: str) -> list[Action]:
        """The actions that read ``what`` ("file", "folder", "url", "clipboard", "program")
        as the start of a workflow, by term."""
        return [a for a in self.by_term() if a.planning is not None and a.planning.reads == what]


def unbounded_strings(schema: Any, where: str) -> list[str]:
    """Places in a JSON schema where a string has neither ``maxLength`` nor ``enum``/``const``."""
    found: list[str] = []
    if isinstance(schema, dict):
        kinds = schema.get("type")
        is_string = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
        if is_string and not any(k in schema for k in ("maxLength", "enum", "const")):
            found.append(where)
        for key in ("properties", "$defs", "definitions", "patternProperties"):
            children = schema.get(key)
            if isinstance(children, dict):
                for name, child in children.items():
                    found += unbounded_strings(child, f"{where}.{key}.{name}")
        for key in ("items", "additionalProperties", "not", "if", "then", "else"):
            if isinstance(schema.get(key), dict):
                found += unbounded_strings(schema[key], f"{where}.{key}")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            options = schema.get(key)
            if isinstance(options, list):
                for n, child in enumerate(options):
                    found += unbounded_strings(child, f"{where}.{key}[{n}]")
    return found


def _schema_problems(schema: Schema, where: str) -> list[str]:
    if not isinstance(schema, dict) or not schema:
        return [f"{where} is not a JSON schema object"]
    return [
        f"{place} is a string without maxLength or enum"
        for place in unbounded_strings(schema, where)
    ]


def action_problems(action: Action) -> list[str]:
    """Everything wrong with an action's declaration (empty when it can be registered)."""
    problems: list[str] = []
    if not ID_PATTERN.match(action.id):
        problems.append(f"action id {action.id!r} is not of the form plugin.name")
    if not action.title.strip():
        problems.append(f"action {action.id} has no title")
    problems += _schema_problems(action.parameters, f"{action.id} parameters")
    problems += _schema_problems(action.output, f"{action.id} output")
    problems += _permission_problems(action.id, action.permissions, action.parameters)
    if not inspect.iscoroutinefunction(action.run):
        problems.append(f"{action.id}: run must be an async function")
    if action.timeout_s <= 0 or action.retries < 0:
        problems.append(f"{action.id}: timeout_s must be positive and retries not negative")
    return problems + _planning_problems(action)


def _planning_problems(action: Action) -> list[str]:
    planning = action.planning
    if planning is None:
        return []
    problems = []
    if not STEP_NAME_PATTERN.match(planning.step):
        problems.append(f"{action.id}: step name {planning.step!r} is not a lower-case word")
    if planning.term and not TERM_PATTERN.match(planning.term):
        problems.append(f"{action.id}: term {planning.term!r} is not lower-case words and dots")
    if planning.role not in ROLES:
        problems.append(f"{action.id}: unknown planning role {planning.role!r}")
    properties = action.parameters.get("properties", {})
    named = [*planning.paths, *planning.offers]
    named += [p for fill in planning.fills.values() for p in fill]
    kinds = [k for k in planning.paths.values() if k not in ("file", "folder", "notes")]
    problems += [f"{action.id}: unknown path kind {k!r}" for k in kinds]
    problems += [
        f"{action.id}: planning names no parameter {p!r}" for p in named if p not in properties
    ]
    for ask in planning.asks:
        for language, phrase in ask.phrases.items():
            try:
                re.compile(phrase)
            except re.error as exc:
                problems.append(f"{action.id}: the {language} phrase of {ask.name!r}: {exc}")
    return problems


def _permission_problems(
    owner: str, permissions: tuple[Permission, ...], parameters: Schema
) -> list[str]:
    problems: list[str] = []
    params = parameters.get("properties", {}) if isinstance(parameters, dict) else {}
    for permission in permissions:
        if permission.kind not in PERMISSION_KINDS:
            problems.append(f"{owner} asks for an unknown permission {permission.kind!r}")
        elif permission.kind == "mcp" and not owner.startswith("mcp."):
            problems.append(f"{owner}: only the tools of MCP servers use the mcp permission")
        elif permission.kind in SCOPED and permission.param not in params:
            problems.append(
                f"{owner}: permission {permission.kind} must name the parameter that "
                f"scopes it (got {permission.param!r})"
            )
    return problems


def trigger_problems(trigger: Trigger) -> list[str]:
    problems: list[str] = []
    if not TRIGGER_ID_PATTERN.match(trigger.id):
        problems.append(f"trigger id {trigger.id!r} is not a lower-case name")
    problems += _schema_problems(trigger.parameters, f"{trigger.id} parameters")
    problems += _permission_problems(trigger.id, trigger.permissions, trigger.parameters)
    if trigger.watch is not None and not inspect.iscoroutinefunction(trigger.watch):
        problems.append(f"{trigger.id}: watch must be an async function")
    return problems


def _user_modules(folder: Path) -> Iterable[tuple[str, Callable[[], ModuleType]]]:
    """Each ``*.py`` file and each package (a folder with ``__init__.py``) in ``folder``."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            yield path.name, functools.partial(_import_file, path.name, path / "__init__.py", path)
        elif path.suffix == ".py" and path.is_file():
            yield path.stem, functools.partial(_import_file, path.stem, path, None)


def _import_file(name: str, file: Path, package: Path | None = None) -> ModuleType:
    module_name = USER_MODULE_PREFIX + re.sub(r"\W", "_", name)
    locations = [str(package)] if package is not None else None
    spec = importlib.util.spec_from_file_location(
        module_name, file, submodule_search_locations=locations
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _entry_point_modules() -> Iterable[tuple[str, Callable[[], Any]]]:
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        yield entry.name, entry.load


def load_plugins(
    *,
    builtins: Sequence[str] = (),
    user_folder: Path | None = None,
    entry_points: bool = True,
) -> Registry:
    """Load every plugin from the three sources (built-in module names first, then entry
    points, then the user folder) and collect what they register."""
    registry = Registry()
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(Hooks)
    sources: list[tuple[str, Callable[[], Any]]] = [
        (name, functools.partial(importlib.import_module, name)) for name in builtins
    ]
    if entry_points:
        sources += list(_entry_point_modules())
    if user_folder is not None:
        sources += list(_user_modules(user_folder))
    for name, load in sources:
        try:
            plugin = load()
            if manager.has_plugin(name) or manager.is_registered(plugin):
                raise ValueError("a plugin of this name is already loaded")
            manager.register(plugin, name=name)
        except Exception as exc:  # a broken plugin must not stop the others
            registry.problems.append(PluginProblem(name, _describe(exc)))
            continue
        registry.plugins.append(name)
    _collect(manager, registry)
    return registry


def _collect(manager: pluggy.PluginManager, registry: Registry) -> None:
    """Call each plugin's hooks on their own, so one that raises loses only its own part."""
    for hook_name, kind in (("register_actions", "action"), ("register_triggers", "trigger")):
        hook = getattr(manager.hook, hook_name)
        for impl in hook.get_hookimpls():  # in registration order
            plugin = impl.plugin_name
            register = _registrar(registry, plugin, kind)
            try:
                impl.function(register=register)
            except Exception as exc:
                registry.problems.append(PluginProblem(plugin, f"{hook_name}: {_describe(exc)}"))


def _registrar(registry: Registry, plugin: str, kind: str) -> Callable[[Any], None]:
    def register(item: Any) -> None:
        if kind == "action":
            if not isinstance(item, Action):
                registry.problems.append(
                    PluginProblem(plugin, "registered something not an Action")
                )
                return
            problems = action_problems(item)
            table: dict[str, Any] = registry.actions
        else:
            if not isinstance(item, Trigger):
                registry.problems.append(
                    PluginProblem(plugin, "registered something not a Trigger")
                )
                return
            problems = trigger_problems(item)
            table = registry.triggers
        if kind == "action" and item.id.startswith("mcp."):
            problems.append(f"action id {item.id}: ids under mcp. are MCP servers' tools")
        elif item.id in table:
            problems.append(
                f"{kind} id {item.id} is already taken by plugin {table[item.id].plugin}"
            )
        elif kind == "action" and (same := registry.named(item.term)) is not None:
            problems.append(
                f"action {item.id}: the term {item.term!r} is already taken by "
                f"{same.id} (plugin {same.plugin}); give it planning=Planning(step=..., term=...)"
            )
        if problems:
            registry.problems += [PluginProblem(plugin, p) for p in problems]
            return
        table[item.id] = replace(item, plugin=plugin)

    return register


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


__all__ = [
    "PluginProblem",
    "Registry",
    "action_problems",
    "load_plugins",
    "trigger_problems",
    "unbounded_strings",
]

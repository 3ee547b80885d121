"""Steward's built-in automation plugins; each module is a plugin like any other (``asks``
and ``trigger_words`` are shared words, not plugins). The planner does not depend on their
order (it lists actions by term and asks by name)."""

MODULES = (
    "app.automations.builtins.triggers",
    "app.automations.builtins.files",
    "app.automations.builtins.notes",
    "app.automations.builtins.text",
    "app.automations.builtins.model",
    "app.automations.builtins.http",
    "app.automations.builtins.process",
    "app.automations.builtins.desktop",
)

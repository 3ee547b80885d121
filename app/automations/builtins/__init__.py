"""Steward's built-in automation plugins; each module is a plugin like any other."""

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

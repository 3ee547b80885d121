"""Automations: plugins, workflows and their runner (no Qt here)."""

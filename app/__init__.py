"""Steward: a private, local-first personal assistant."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("steward-assistant")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

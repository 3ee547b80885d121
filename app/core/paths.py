"""Where Steward keeps its files.

``STEWARD_HOME`` puts everything (data, config, logs, caches, models) under one folder, for
tests and scripted use. Without it, the platform's conventional locations (platformdirs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.core.errors import StorageError
from app.language import _t

APP_NAME = "Steward"
HOME_ENV = "STEWARD_HOME"


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path
    logs: Path
    cache: Path
    models: Path

    @property
    def database(self) -> Path:
        return self.data / "steward.db"

    @property
    def database_meta(self) -> Path:
        """Non-secret facts about the database: its id and how its key is kept."""
        return self.data / "steward.db.json"

    @property
    def backups(self) -> Path:
        return self.data / "backups"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def log_file(self) -> Path:
        return self.logs / "steward.log"

    @property
    def crash_dir(self) -> Path:
        return self.logs / "crashes"

    @property
    def saved_states(self) -> Path:
        """The encrypted conversation states (app.core.llm.saved_states)."""
        return self.cache / "conversation-states"

    @property
    def tmp(self) -> Path:
        """Steward's own temporary folder (inside the data folder, never world-readable)."""
        return self.cache / "tmp"

    def all_dirs(self) -> tuple[Path, ...]:
        return (self.data, self.config, self.logs, self.cache, self.models, self.tmp)

    def ensure(self) -> Paths:
        """Create every folder; a folder that cannot be made becomes a clear StorageError."""
        for folder in self.all_dirs():
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StorageError(
                    _t("Cannot create Steward's folder {0}: {1}.").format(
                        folder, exc.strerror or exc
                    ),
                    hint=_t("Check that the location exists and is writable, or set STEWARD_HOME."),
                ) from exc
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StorageError(
                    _t("Steward's folder {0} is not writable.").format(folder),
                    hint=_t("Fix its permissions, or set STEWARD_HOME to a writable folder."),
                )
        return self


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """Paths for ``home`` if given, else ``$STEWARD_HOME``, else the platform defaults."""
    root = home if home is not None else os.environ.get(HOME_ENV) or None
    if root is not None:
        base = Path(root).expanduser().resolve()
        return Paths(
            data=base / "data",
            config=base / "config",
            logs=base / "logs",
            cache=base / "cache",
            models=base / "models",
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(
        data=Path(dirs.user_data_dir),
        config=Path(dirs.user_config_dir),
        logs=Path(dirs.user_log_dir),
        cache=Path(dirs.user_cache_dir),
        models=Path(dirs.user_data_dir) / "models",
    )

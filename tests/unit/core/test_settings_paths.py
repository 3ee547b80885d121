from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import StorageError, UsageError
from app.core.paths import resolve_paths
from app.core.settings import ModelSettings, Settings, SettingsStore


def test_steward_home_puts_everything_under_one_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "h"))
    paths = resolve_paths().ensure()
    for folder in paths.all_dirs():
        assert folder.is_relative_to(tmp_path / "h") and folder.is_dir()
    assert paths.database.parent == paths.data


def test_data_folder_under_a_regular_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("I am a file")
    with pytest.raises(StorageError, match="Cannot create Steward's folder"):
        resolve_paths(blocker / "home").ensure()
    assert blocker.read_text() == "I am a file"


def test_settings_round_trip_per_model_and_notify(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.toml")
    seen: list[Settings] = []
    unsubscribe = store.subscribe(seen.append)
    settings = store.load()
    settings.set_model_settings(ModelSettings(n_ctx=2048, temperature=0.2))
    settings.model_path = str(tmp_path / "other.gguf")
    settings.set_model_settings(ModelSettings(max_tokens=64))
    store.save(settings)
    assert len(seen) == 1
    unsubscribe()
    loaded = store.load()
    assert loaded.model_settings("embedded").n_ctx == 2048
    assert loaded.model_settings("embedded").temperature == 0.2
    assert loaded.model_settings().max_tokens == 64  # the active (other) model
    assert loaded.model_id() == str(tmp_path / "other.gguf")


def test_invalid_model_settings_rejected() -> None:
    with pytest.raises(UsageError, match="temperature"):
        ModelSettings(temperature=9).validate()
    with pytest.raises(UsageError, match="max_tokens"):
        ModelSettings(n_ctx=512, max_tokens=1024).validate()


def test_broken_settings_file_is_a_clear_error_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("model_path = [unclosed")
    with pytest.raises(StorageError, match="cannot be read"):
        SettingsStore(path).load()
    assert path.read_text() == "model_path = [unclosed"


def test_wrongly_typed_values_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[models.embedded]\nn_ctx = "big"\ntemperature = 1\n')
    ms = SettingsStore(path).load().model_settings()
    assert ms.n_ctx == ModelSettings().n_ctx and ms.temperature == 1.0


def test_apply_setting_parses_validates_and_targets_the_active_model(tmp_path: Path) -> None:
    from app.core.errors import ModelError
    from app.core.settings import apply_setting

    s = Settings()
    apply_setting(s, "temperature", "0.3")
    apply_setting(s, "n_ctx", "2048")
    apply_setting(s, "system_prompt", "Answer like a pirate.")
    ms = s.model_settings("embedded")
    assert (ms.temperature, ms.n_ctx, ms.system_prompt) == (0.3, 2048, "Answer like a pirate.")
    with pytest.raises(UsageError, match="whole number"):
        apply_setting(s, "n_ctx", "big")
    with pytest.raises(UsageError, match="temperature"):
        apply_setting(s, "temperature", "12")
    with pytest.raises(ModelError, match="does not exist"):
        apply_setting(s, "model_path", str(tmp_path / "missing.gguf"))
    assert s.model_path == ""  # a rejected path changes nothing
    assert s.model_settings("embedded").temperature == 0.3

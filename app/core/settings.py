"""Typed settings kept in a TOML file in the config folder.

Model parameters are kept per model (keyed by ``"embedded"`` or the model file's absolute path),
so switching models restores the parameters the user chose for each one. Listeners registered
with :meth:`SettingsStore.subscribe` hear about every saved change.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w

from app.core.errors import StorageError, UsageError
from app.language import _t

EMBEDDED_MODEL_ID = "embedded"
DEFAULT_SYSTEM_PROMPT = (
    "You are Steward, a helpful, concise and honest assistant running privately on the "
    "user's own computer."
)


@dataclass
class ModelSettings:
    n_ctx: int = 4096
    n_threads: int = 0  # 0: as many threads as the machine has cores
    n_gpu_layers: int = 0  # used when llama-cpp-python was built with a GPU backend
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    chat_format: str = ""  # empty: the chat template from the GGUF metadata
    seed: int = -1  # -1: random
    # how much of a drafted workflow's shape the planner fixes for this model: "fixed" (the
    # steps the words call for, in order; what a small model needs) or "free" (the model
    # picks one to four steps itself; for a model that drafts well). Same meaning checks.
    planner_shapes: str = "fixed"

    def validate(self) -> None:
        problems = []
        if not 256 <= self.n_ctx <= 1_048_576:
            problems.append("n_ctx must be between 256 and 1048576")
        if not 0 <= self.n_threads <= 512:
            problems.append("n_threads must be between 0 and 512")
        if not 0 <= self.n_gpu_layers <= 10_000:
            problems.append("n_gpu_layers must be between 0 and 10000")
        if not 0.0 <= self.temperature <= 5.0:
            problems.append("temperature must be between 0 and 5")
        if not 0.0 < self.top_p <= 1.0:
            problems.append("top_p must be above 0 and at most 1")
        if not 1 <= self.max_tokens <= self.n_ctx:
            problems.append("max_tokens must be at least 1 and at most n_ctx")
        from app.core.llm.templates import FORMATS

        if self.planner_shapes not in ("fixed", "free"):
            problems.append("planner_shapes must be fixed or free")
        if self.chat_format and self.chat_format not in FORMATS:
            problems.append(
                "chat_format must be empty (the model file's template) or one of "
                + ", ".join(FORMATS)
            )
        if problems:
            raise UsageError("Invalid model settings: " + "; ".join(problems) + ".")

    def threads(self) -> int:
        return self.n_threads or os.cpu_count() or 1


CloudPolicy = Literal["auto", "local", "cloud"]
CLOUD_POLICIES: tuple[CloudPolicy, ...] = ("auto", "local", "cloud")


@dataclass
class CloudSettings:
    """An OpenAI-compatible endpoint used only when enabled and the policy allows it.
    The API key is not here: it lives in the keyring or the encrypted database."""

    enabled: bool = False
    base_url: str = ""
    model: str = ""
    policy: CloudPolicy = "auto"
    redact: bool = False  # replace e-mail addresses, phone numbers, home paths before sending
    connect_timeout: float = 10.0
    first_byte_timeout: float = 60.0  # also the longest pause allowed between chunks
    max_retries: int = 3


APPEARANCES = ("system", "light", "dark")
LANGUAGES = ("system", "en", "zh_CN")  # the interface's: the system's, English, Simplified Chinese


@dataclass
class DownloadSettings:
    """How model files are downloaded (see app.core.llm.download). The hub token is not
    here: it lives in the keyring or the encrypted database."""

    stall_timeout: float = 30.0  # seconds without a byte before reconnecting
    retries: int = 10  # failed attempts in a row before giving up
    ca_file: str = ""  # an extra CA certificate (PEM) for networks that inspect TLS
    proxy: str = ""  # empty: HTTPS_PROXY / NO_PROXY from the environment
    mirror: str = ""  # a host with the hub's URL layout (e.g. https://hf-mirror.com)


@dataclass
class ApiSettings:
    """The local OpenAI-compatible API (app.api). Its token is not here: it lives in the
    keyring or the encrypted database."""

    enabled: bool = False  # served by the desktop app while it runs
    port: int = 8642
    network: bool = False  # listen on every address, not only 127.0.0.1 (warned about)
    origins: str = ""  # web pages allowed to call it (CORS), separated by spaces
    queue: int = 4  # requests that may wait for the model; more are answered 429
    keep_history: bool = False  # keep what other apps ask, and the answers, in the history
    switch_models: bool = False  # a request naming another installed model loads it
    allow_cloud: bool = False  # the cloud fallback may answer API requests (its policy)


@dataclass
class Settings:
    model_path: str = ""  # empty: the embedded default model
    state_cache_entries: int = 4  # conversations whose model state stays in memory
    # room on disk for the encrypted states that let a conversation resume at once after a
    # restart (app.core.llm.saved_states); 0 keeps none
    saved_states_mb: int = 512
    backups_kept: int = 5
    start_minimized: bool = False  # start in the tray, without opening the window
    appearance: str = "system"  # one of APPEARANCES: follow the system, or always light/dark
    language: str = "system"  # one of LANGUAGES
    models: dict[str, ModelSettings] = field(default_factory=dict)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    downloads: DownloadSettings = field(default_factory=DownloadSettings)
    api: ApiSettings = field(default_factory=ApiSettings)

    def model_id(self) -> str:
        return (
            str(Path(self.model_path).expanduser().resolve())
            if self.model_path
            else (EMBEDDED_MODEL_ID)
        )

    def model_settings(self, model_id: str | None = None) -> ModelSettings:
        key = model_id or self.model_id()
        return self.models.get(key) or ModelSettings()

    def set_model_settings(self, values: ModelSettings, model_id: str | None = None) -> None:
        values.validate()
        self.models[model_id or self.model_id()] = values


Listener = Callable[[Settings], None]

_MODEL_KEYS = [f.name for f in dataclasses.fields(ModelSettings)]
SETTING_KEYS = [
    "model_path",
    "state_cache_entries",
    "saved_states_mb",
    "backups_kept",
    "appearance",
    "language",
    *_MODEL_KEYS,
]
# the settings chosen from a few words
CHOICES = {"appearance": APPEARANCES, "language": LANGUAGES}
# the whole-number settings and the most each may be (saved_states_mb: a terabyte at most)
COUNT_LIMITS = {"state_cache_entries": 100, "backups_kept": 100, "saved_states_mb": 2**20}


def apply_setting(settings: Settings, key: str, text: str) -> None:
    """Set ``key`` from the text the user typed; model parameters apply to the active model.

    A model path is checked (it must be a GGUF file) before it is accepted; an empty value
    returns to the embedded model.
    """
    if key == "model_path":
        if text:
            from app.core.llm.model_files import check_gguf

            path = Path(text).expanduser().resolve()
            check_gguf(path)
            text = str(path)
        settings.model_path = text
        return
    if key in CHOICES:
        if text not in CHOICES[key]:
            raise UsageError(_t("{0} must be one of: {1}.").format(key, ", ".join(CHOICES[key])))
        setattr(settings, key, text)
        return
    if key in COUNT_LIMITS:
        value, most = _parse_int(key, text), COUNT_LIMITS[key]
        if not 0 <= value <= most:
            raise UsageError(_t("{0} must be between 0 and {1}.").format(key, most))
        setattr(settings, key, value)
        return
    if key not in _MODEL_KEYS:
        raise UsageError(
            _t("Unknown setting {0!r}; one of: {1}.").format(key, ", ".join(SETTING_KEYS))
        )
    current = settings.model_settings()
    kind = type(getattr(current, key))
    if kind is int:
        parsed: object = _parse_int(key, text)
    elif kind is float:
        try:
            parsed = float(text)
        except ValueError:
            raise UsageError(_t("{0} must be a number, not {1!r}.").format(key, text)) from None
    else:
        parsed = text
    updated = dataclasses.replace(current)
    setattr(updated, key, parsed)
    settings.set_model_settings(updated)


def _parse_int(key: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(_t("{0} must be a whole number, not {1!r}.").format(key, text)) from None


def _typed(raw: dict[str, Any], defaults: Any) -> dict[str, Any]:
    """The entries of ``raw`` that name a field of ``defaults`` with a value of its type."""
    names = {f.name for f in dataclasses.fields(defaults)}
    known = {k: v for k, v in raw.items() if k in names}
    for name, value in list(known.items()):
        expected = type(getattr(defaults, name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            known[name] = float(value)
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            del known[name]  # a hand-edited value of the wrong type falls back to the default
    return known


def _model_from_dict(raw: dict[str, Any]) -> ModelSettings:
    return ModelSettings(**_typed(raw, ModelSettings()))


def _load_sections(settings: Settings, raw: dict[str, Any]) -> None:
    cloud = raw.get("cloud", {})
    if isinstance(cloud, dict):
        settings.cloud = _cloud_from_dict(cloud)
    downloads = raw.get("downloads", {})
    if isinstance(downloads, dict):
        settings.downloads = DownloadSettings(**_typed(downloads, DownloadSettings()))
    api = raw.get("api", {})
    if isinstance(api, dict):
        settings.api = ApiSettings(**_typed(api, ApiSettings()))
        if not 1 <= settings.api.port <= 65535:
            settings.api.port = ApiSettings.port


def _cloud_from_dict(raw: dict[str, Any]) -> CloudSettings:
    cloud = CloudSettings(**_typed(raw, CloudSettings()))
    if cloud.policy not in CLOUD_POLICIES:
        cloud.policy = "auto"
    return cloud


class SettingsStore:
    """Loads and saves :class:`Settings`; never stores a secret."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._listeners: list[Listener] = []

    def load(self) -> Settings:
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StorageError(
                _t("The settings file {0} cannot be read: {1}.").format(self.path, exc),
                hint=_t("Fix it by hand, or delete it to start from the defaults."),
            ) from exc
        settings = Settings()
        if isinstance(raw.get("model_path"), str):
            settings.model_path = raw["model_path"]
        for name in ("state_cache_entries", "backups_kept", "saved_states_mb"):
            if isinstance(raw.get(name), int) and not isinstance(raw.get(name), bool):
                setattr(settings, name, raw[name])
        if isinstance(raw.get("start_minimized"), bool):
            settings.start_minimized = raw["start_minimized"]
        if raw.get("appearance") in APPEARANCES:
            settings.appearance = raw["appearance"]
        if raw.get("language") in LANGUAGES:
            settings.language = raw["language"]
        _load_sections(settings, raw)
        models = raw.get("models", {})
        if isinstance(models, dict):
            for key, value in models.items():
                if isinstance(value, dict):
                    settings.models[key] = _model_from_dict(value)
        return settings

    def save(self, settings: Settings) -> None:
        data: dict[str, Any] = {
            "model_path": settings.model_path,
            "state_cache_entries": settings.state_cache_entries,
            "saved_states_mb": settings.saved_states_mb,
            "backups_kept": settings.backups_kept,
            "start_minimized": settings.start_minimized,
            "appearance": settings.appearance,
            "language": settings.language,
            "models": {k: dataclasses.asdict(v) for k, v in settings.models.items()},
            "cloud": dataclasses.asdict(settings.cloud),
            "downloads": dataclasses.asdict(settings.downloads),
            "api": dataclasses.asdict(settings.api),
        }
        tmp = self.path.with_suffix(".toml.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            raise StorageError(
                _t("Cannot save settings to {0}: {1}.").format(self.path, exc)
            ) from exc
        for listener in list(self._listeners):
            listener(settings)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after each save; returns a function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

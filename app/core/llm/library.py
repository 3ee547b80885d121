"""The models Steward can answer with: the embedded one, the ones it downloaded, and the ones
the user added or Steward found in other apps' folders (referenced where they are).

The list lives in ``models.json`` in the data folder (paths and names, no conversation
content). Files in the models folder that it does not know yet (a download from an older
version, a file put there by hand) join it as downloaded. The same file reached twice (a
link, or a copy another app keeps) is one model: equal paths at once, equal sizes by their
SHA-256 (known from the layout, the hub or a hash computed by ``settle``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.core.errors import ModelError, StorageError, UsageError
from app.core.llm.discovery import APPS, discover
from app.core.llm.model_files import (
    EMBEDDED_NAME,
    check_gguf,
    embedded_model_path,
)
from app.core.paths import Paths
from app.core.settings import EMBEDDED_MODEL_ID, Settings
from app.language import N_, _t

ORIGINS = {
    "embedded": N_("ships with Steward"),
    "downloaded": N_("downloaded by Steward"),
    "added": N_("added by you"),
}
FOUND_IN = N_("found in {0}")  # another app's folder: APPS names it
MISSING_FIX = (
    "put the file back, or remove the model from the list with `steward models rm {id}` "
    "(Settings › Models in the window)"
)


@dataclass
class ModelRecord:
    id: str
    name: str
    path: str
    origin: str  # a key of ORIGINS
    size: int
    sha256: str = ""  # "" until known
    verification: str = ""  # downloads: "hub", "given" or "unverified"
    source: str = ""  # the URL it came from, or the app's name for it

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def model_id(self) -> str:
        """The key of its parameters in the settings."""
        return EMBEDDED_MODEL_ID if self.origin == "embedded" else str(self.file.resolve())

    @property
    def missing(self) -> bool:
        return not self.file.is_file()

    @property
    def where(self) -> str:
        """Where the model came from, in words."""
        if self.origin in APPS:
            return _t(FOUND_IN).format(APPS[self.origin])
        return _t(ORIGINS[self.origin]) if self.origin in ORIGINS else self.origin


@dataclass
class ScanResult:
    added: list[ModelRecord] = field(default_factory=list)
    known: int = 0  # found again, or the same file as a model already listed
    merged: list[tuple[ModelRecord, ModelRecord]] = field(default_factory=list)


def slug(text: str) -> str:
    """A model id: lower case, letters, digits, dots and dashes."""
    text = re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")
    return text or "model"


def file_sha256(path: Path, chunk: int = 4 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class ModelLibrary:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.file = paths.data / "models.json"
        self.records: list[ModelRecord] = []
        self.forgotten: set[str] = set()  # found models the user removed: a scan skips them
        self._load()
        self._adopt_downloads()

    # --- storage -------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise self._unreadable(str(exc)) from exc
        if not isinstance(raw, dict):
            raise self._unreadable("it is not a JSON object")
        names = {f.name for f in ModelRecord.__dataclass_fields__.values()}
        for item in raw.get("models", []):
            if isinstance(item, dict) and {"id", "name", "path", "origin"} <= item.keys():
                self.records.append(ModelRecord(**{k: v for k, v in item.items() if k in names}))
        self.forgotten = {str(p) for p in raw.get("forgotten", []) if isinstance(p, str)}

    def _unreadable(self, why: str) -> StorageError:
        return StorageError(
            _t("The model list {0} cannot be read: {1}.").format(self.file, why),
            hint=_t("Delete it: Steward lists its downloads again, and a scan finds the rest."),
        )

    def save(self) -> None:
        data = {
            "models": [asdict(r) for r in self.records],
            "forgotten": sorted(self.forgotten),
        }
        tmp = self.file.with_suffix(".json.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError as exc:
            raise StorageError(
                _t("Cannot save the model list to {0}: {1}.").format(self.file, exc)
            ) from exc

    def _adopt_downloads(self) -> None:
        folder = self.paths.models
        if not folder.is_dir():
            return
        known = {os.path.realpath(r.path) for r in self.records}
        changed = False
        for path in sorted(folder.glob("*.gguf")):
            if os.path.realpath(path) not in known and path.is_file():
                self.records.append(self._record(path, "downloaded"))
                changed = True
        if changed:
            self.save()

    # --- the list ------------------------------------------------------------------------

    def embedded(self) -> ModelRecord | None:
        path = embedded_model_path()
        if path is None:
            return None
        return ModelRecord(
            EMBEDDED_MODEL_ID, EMBEDDED_NAME, str(path), "embedded", path.stat().st_size
        )

    def all(self) -> list[ModelRecord]:
        """The embedded model first, then the others in the order they joined."""
        embedded = self.embedded()
        return ([embedded] if embedded else []) + list(self.records)

    def find(self, name: str) -> ModelRecord:
        """The model called ``name``: its id, its name, or the start of one of them."""
        models = self.all()
        wanted = name.strip().lower()
        for test in (
            lambda r: r.id == wanted or r.name.lower() == wanted,
            lambda r: r.id.startswith(wanted) or r.name.lower().startswith(wanted),
            lambda r: wanted in r.id or wanted in r.name.lower(),
        ):
            hits = [r for r in models if wanted and test(r)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise UsageError(
                    _t("{0!r} names several models: {1}. Give one of these ids.").format(
                        name, ", ".join(r.id for r in hits)
                    )
                )
        raise UsageError(
            _t("No model is called {0!r}.").format(name),
            hint=_t("`steward models list` shows the models there are."),
        )

    def by_path(self, path: str) -> ModelRecord | None:
        if not path:
            return self.embedded()
        real = os.path.realpath(path)
        return next((r for r in self.all() if os.path.realpath(r.path) == real), None)

    def _unique_id(self, name: str) -> str:
        base = slug(name)
        taken = {r.id for r in self.all()}
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def _record(self, path: Path, origin: str, name: str = "", **extra: str) -> ModelRecord:
        name = name or path.stem
        # ids are short: the file's name, or the app's name where files are named alike
        # (Ollama's blobs by their hash, Jan's model.gguf)
        base = name if origin in ("ollama", "jan") else path.stem
        return ModelRecord(
            self._unique_id(base), name, str(path), origin, path.stat().st_size, **extra
        )

    # --- changes -------------------------------------------------------------------------

    def add(
        self,
        path: Path,
        *,
        origin: str = "added",
        name: str = "",
        sha256: str = "",
        verification: str = "",
        source: str = "",
    ) -> tuple[ModelRecord, bool]:
        """List the GGUF at ``path`` (checked first); (the model, whether it is new). A file
        listed already (by path, or by hash when both are known) is not listed twice."""
        path = Path(os.path.abspath(path.expanduser()))
        check_gguf(path)
        same = self.by_path(str(path))
        if same is None and sha256:
            same = next((r for r in self.all() if r.sha256 == sha256), None)
        if same is not None:
            if origin == "added":
                self.forgotten.discard(str(path))
                self.save()
            return same, False
        record = self._record(
            path, origin, name, sha256=sha256, verification=verification, source=source
        )
        self.records.append(record)
        self.forgotten.discard(str(path))
        self.save()
        return record, True

    def record_download(
        self, path: Path, *, sha256: str, verification: str, source: str, name: str = ""
    ) -> ModelRecord:
        """List a finished download (its hash, how it was verified, where it came from;
        ``name``: the catalog's name for it)."""
        record = self.by_path(str(path))
        if record is None:
            record, _ = self.add(
                path,
                origin="downloaded",
                name=name,
                sha256=sha256,
                verification=verification,
                source=source,
            )
            return record
        record.sha256, record.verification, record.source = sha256, verification, source
        record.origin = "downloaded"
        record.name = name or record.name
        record.size = path.stat().st_size
        self.save()
        return record

    def remove(self, record: ModelRecord) -> str:
        """Delete a model Steward downloaded (its file too); forget any other (its file stays
        where it is). Returns what was done, in a sentence."""
        if record.origin == "embedded":
            raise UsageError(
                _t("The embedded model ships with Steward and cannot be removed."),
                hint=_t("Choose another model instead: `steward models use NAME`."),
            )
        self.records = [r for r in self.records if r.id != record.id]
        if record.origin == "downloaded":
            try:
                record.file.unlink(missing_ok=True)
            except OSError as exc:
                self.records.append(record)
                raise StorageError(
                    _t("Cannot delete {0}: {1}.").format(record.path, exc.strerror)
                ) from exc
            self.save()
            return f"Deleted {record.name} ({record.path})."
        self.forgotten.add(record.path)
        self.save()
        return f"Removed {record.name} from the list; the file stays in {record.path}."

    # --- other apps' models --------------------------------------------------------------

    def scan(
        self, roots: dict[str, list[Path]], hasher: Callable[[Path], str] = file_sha256
    ) -> ScanResult:
        """List the models other apps keep in ``roots`` (models the user removed stay
        removed), then merge those that turn out to be one file."""
        result = ScanResult()
        for found in discover(roots):
            if str(found.path) in self.forgotten:
                continue
            try:
                record, new = self.add(
                    found.path,
                    origin=found.app,
                    name=found.name,
                    sha256=found.sha256,
                    source=found.name,
                )
            except ModelError:  # not a complete GGUF file (a download in progress)
                continue
            if new:
                result.added.append(record)
            else:
                result.known += 1
        result.merged = self.settle(hasher)
        for dropped, _kept in result.merged:
            if dropped in result.added:
                result.added.remove(dropped)
                result.known += 1
        return result

    def settle(
        self, hasher: Callable[[Path], str] = file_sha256
    ) -> list[tuple[ModelRecord, ModelRecord]]:
        """Hash the models that share a size with another, and merge each group with one
        hash into its first model (downloads and the embedded model are kept). Returns the
        (dropped, kept) pairs."""
        by_size: dict[int, list[ModelRecord]] = {}
        for record in self.all():
            if not record.missing:
                by_size.setdefault(record.size, []).append(record)
        merged: list[tuple[ModelRecord, ModelRecord]] = []
        for group in by_size.values():
            if len(group) < 2:
                continue
            for record in group:
                if not record.sha256:
                    record.sha256 = hasher(record.file)
            merged.extend(self._merge(group))
        self.save()
        return merged

    def _merge(self, group: Iterable[ModelRecord]) -> list[tuple[ModelRecord, ModelRecord]]:
        keep: dict[str, ModelRecord] = {}
        pairs = []
        rank = {"embedded": 0, "downloaded": 1, "added": 2}
        for record in sorted(group, key=lambda r: rank.get(r.origin, 3)):
            kept = keep.setdefault(record.sha256, record)
            if kept is not record:
                self.records = [r for r in self.records if r.id != record.id]
                pairs.append((record, kept))
        return pairs


def choose(settings: Settings, record: ModelRecord, chat_format: str = "") -> None:
    """Make ``record`` the model of ``settings`` (the caller saves them). ``chat_format`` is
    the user's choice of format (a name of templates.FORMATS); without one, a model whose
    file has no working template raises TemplateNeededError and nothing changes."""
    from app.core.llm.gguf_info import read_gguf
    from app.core.llm.prompt import TemplateNeededError
    from app.core.llm.templates import check, format_render

    if record.missing:
        raise ModelError(
            _t("The file of {0} is gone ({1}).").format(record.name, record.path),
            hint=MISSING_FIX.format(id=record.id).capitalize() + ".",
        )
    model_id = record.model_id
    values = settings.model_settings(model_id)
    if chat_format:
        format_render(chat_format)  # an unknown name is refused here
        values = dataclasses.replace(values, chat_format=chat_format)
    elif not values.chat_format:
        header = read_gguf(record.file)
        result = check(header.chat_template, header.bos_text, header.eos_text)
        if result.status != "ok":
            raise TemplateNeededError(result, record.name, record.id)
    settings.models[model_id] = values
    settings.model_path = "" if record.origin == "embedded" else record.path


__all__ = [
    "MISSING_FIX",
    "ORIGINS",
    "ModelLibrary",
    "ModelRecord",
    "ScanResult",
    "choose",
    "slug",
]

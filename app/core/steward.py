"""The core facade: paths, settings, the database key and the store, opened together."""

from __future__ import annotations

import dataclasses
import logging
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import StorageError
from app.core.llm.engine import LocalEngine
from app.core.llm.model_files import ModelRef, resolve_model
from app.core.llm.prompt_states import prepared_folder
from app.core.llm.saved_states import SavedStates, remove_all
from app.core.paths import Paths, resolve_paths
from app.core.secrets import KeyManager, PassphraseAsker, UnlockResult, terminal_asker
from app.core.settings import CloudSettings, ModelSettings, Settings, SettingsStore
from app.core.store.database import Database, open_database
from app.language import _t

if TYPE_CHECKING:
    from app.core.assistant import CloudRoute
    from app.core.llm.cloud import CloudEndpoint
    from app.core.llm.gate import OnRouted

log = logging.getLogger(__name__)


class Steward:
    """Everything a front end (CLI or GUI) needs to reach Steward's data."""

    def __init__(
        self,
        paths: Paths | None = None,
        *,
        ask_passphrase: PassphraseAsker = terminal_asker,
        on_recovery_key: Callable[[str], None] | None = None,
    ) -> None:
        self.paths = (paths or resolve_paths()).ensure()
        self.settings_store = SettingsStore(self.paths.settings_file)
        self.settings: Settings = self.settings_store.load()
        self.keys = KeyManager(self.paths, ask_passphrase)
        self.on_recovery_key = on_recovery_key
        self.key: bytes | None = None
        self.db: Database | None = None
        # the encrypted conversation states, while the store is open (never read while locked)
        self.states: SavedStates | None = None
        self._engines: weakref.WeakSet[LocalEngine] = weakref.WeakSet()

    def open_store(self, *, check: bool = True) -> Database:
        """Unlock and open the encrypted database (created, with a new key, on first use)."""
        if self.db is not None:
            return self.db
        unlock: UnlockResult = self.keys.unlock(create=True)
        if unlock.created and self.paths.database.exists():
            raise StorageError(  # pragma: no cover - KeyManager refuses this first
                _t("Refusing to make a new key for the existing database {0}.").format(
                    self.paths.database
                )
            )
        self.db = open_database(self.paths.database, unlock.key, check=check)
        self.key = unlock.key
        limit = self.settings.saved_states_mb
        self.states = SavedStates(self.paths.saved_states, unlock.key, limit)
        self.db.on_deleted.append(self._forget_state)
        if unlock.created and unlock.recovery_key and self.on_recovery_key:
            self.on_recovery_key(unlock.recovery_key)
        log.info("database opened (id %s)", unlock.meta.database_id)
        return self.db

    def _forget_state(self, conversation_id: str) -> None:
        """A conversation was deleted: its saved state and what engines hold of it go too."""
        if self.states is not None:
            self.states.forget(conversation_id)
        for engine in list(self._engines):
            engine.forget(conversation_id)

    def close(self) -> None:
        if self.states is not None:
            self.states.close()
        if self.db is not None:
            self.db.close()
        self.db, self.key, self.states = None, None, None

    def erase_all(self) -> None:
        """Delete the database (with its WAL), backups, metadata and the keyring entries.
        Settings stay. The next open creates a new, empty database with a new key."""
        import shutil

        from app.core.secrets import _keyring_delete

        self.close()
        for name in SECRET_NAMES:
            _keyring_delete(self.keys.secret_user(name))
        self.keys.forget()
        for suffix in ("", "-wal", "-shm"):
            self.paths.database.with_name(self.paths.database.name + suffix).unlink(missing_ok=True)
        shutil.rmtree(self.paths.backups, ignore_errors=True)
        remove_all(self.paths.saved_states)

    def model(self, override: str | None = None) -> ModelRef:
        return resolve_model(self.settings, override)

    def model_settings(self, model: ModelRef) -> ModelSettings:
        return self.settings.model_settings(model.id)

    def engine(self, override: str | None = None) -> LocalEngine:
        model = self.model(override)
        engine = LocalEngine(
            model,
            self.model_settings(model),
            state_cache_entries=self.settings.state_cache_entries,
            prompt_states=self.paths.cache / "prompt-states",
            prepared_states=prepared_folder(),
            saved_states=lambda: self.states,
        )
        self._engines.add(engine)
        return engine

    def backup(self, destination: Path | None = None) -> tuple[Path, int]:
        """Write an encrypted, verified copy; without a destination, a rotated automatic one."""
        from app.core.store.database import backup_name, rotate_backups

        db = self.open_store()
        assert self.key is not None
        if destination is None:
            self.paths.backups.mkdir(parents=True, exist_ok=True)
            destination = self.paths.backups / backup_name()
            count = db.backup_to(destination, self.key)
            rotate_backups(self.paths.backups, self.settings.backups_kept)
        else:
            count = db.backup_to(destination, self.key)
        return destination, count


class SecretStore:
    """Secrets other than the database key (the cloud API key).

    Kept in the OS keyring, next to the database key, when that is where the database key
    lives; otherwise in the encrypted database, which the passphrase protects. Never in a
    settings file.
    """

    def __init__(self, steward: Steward) -> None:
        self.steward = steward

    def _in_keyring(self) -> bool:
        meta = self.steward.keys.meta()
        return meta is not None and meta.key_storage == "keyring"

    def get(self, name: str) -> str | None:
        from app.core.secrets import keyring_secret_get

        db = self.steward.open_store(check=False)
        if self._in_keyring():
            value = keyring_secret_get(self.steward.keys.secret_user(name))
            if value is not None:
                return value
        return db.secret(name)

    def set(self, name: str, value: str | None) -> None:
        from app.core.secrets import _keyring_delete, keyring_secret_set

        db = self.steward.open_store(check=False)
        user = self.steward.keys.secret_user(name)
        if value is not None and self._in_keyring():
            keyring_secret_set(user, value)
            db.set_secret(name, None)
        else:
            db.set_secret(name, value)
            if self._in_keyring():
                _keyring_delete(user)

    def relocate(self, names: tuple[str, ...]) -> None:
        """After the database key moved (keyring <-> passphrase), move secrets along."""
        from app.core.secrets import _keyring_delete, keyring_secret_get

        db = self.steward.open_store(check=False)
        for name in names:
            user = self.steward.keys.secret_user(name)
            value = db.secret(name)
            if value is None:
                try:
                    value = keyring_secret_get(user)
                except Exception:
                    value = None
            if value is not None:
                self.set(name, value)
                if not self._in_keyring():
                    _keyring_delete(user)


CLOUD_KEY = "cloud-api-key"
HUB_TOKEN = "hub-token"  # an access token for model downloads from the hub
API_TOKEN = "api-token"  # the bearer token of the local API (`steward serve`)
SECRET_NAMES = (CLOUD_KEY, HUB_TOKEN, API_TOKEN)  # every secret SecretStore keeps


def cloud_endpoint(cloud: CloudSettings, api_key: str, *, retries: bool = True) -> CloudEndpoint:
    from app.core.llm.cloud import CloudEndpoint

    return CloudEndpoint(
        cloud.base_url,
        cloud.model,
        api_key,
        connect_timeout=cloud.connect_timeout,
        first_byte_timeout=cloud.first_byte_timeout,
        max_retries=cloud.max_retries if retries else 0,
    )


def cloud_route(steward: Steward) -> CloudRoute | None:
    """The configured cloud endpoint with its key, or None when the cloud is off."""
    from app.core.assistant import CloudRoute
    from app.core.llm.cloud import CloudClient

    cloud = steward.settings.cloud
    if not cloud.enabled or not cloud.base_url:
        return None
    key = SecretStore(steward).get(CLOUD_KEY) or ""
    return CloudRoute(CloudClient(cloud_endpoint(cloud, key)), cloud)


async def check_cloud_endpoint(
    cloud: CloudSettings, api_key: str, on_routed: OnRouted | None = None
) -> float:
    """One short request to the endpoint in ``cloud`` (no retries), through the cloud gate:
    the round trip in ms, or CloudError saying what went wrong. Nothing of the user's is sent;
    testing is itself the consent (the settings need not be saved or switched on)."""
    from app.core.llm.cloud import CloudClient
    from app.core.llm.gate import CloudGate, CloudRoute

    settings = dataclasses.replace(cloud, enabled=True)
    gate = CloudGate(
        CloudRoute(CloudClient(cloud_endpoint(cloud, api_key, retries=False)), settings)
    )
    try:
        return await gate.test_connection(on_routed)
    finally:
        await gate.aclose()

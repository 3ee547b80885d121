"""The database key: where it lives and how it is unlocked.

The key is 32 random bytes. It is kept in the OS keyring under an entry named after the
database's random id (so a second data folder or a test can never touch the user's real key),
or — with no usable keyring, or when the user asks for it — wrapped by a passphrase
(scrypt + AES-GCM). The wrapped form sits in the database's non-secret metadata file; the key
itself is never written to disk in clear.

The recovery key is the database key itself, written for humans (base32 in groups, with a
checksum that catches typos). It opens the database and its backups on its own.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import getpass
import hashlib
import json
import os
import secrets
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.core.errors import LockedError, StorageError, UsageError, WrongKeyError
from app.core.paths import Paths
from app.language import _t

KEY_BYTES = 32
KEYRING_SERVICE = "Steward"
PASSPHRASE_ENV = "STEWARD_PASSPHRASE"
RECOVERY_ENV = "STEWARD_RECOVERY_KEY"
MIN_PASSPHRASE = 8
# about 0.5 s a guess on a typical laptop (128 MiB); keys wrapped at a lower cost by an
# older Steward are wrapped again at the next unlock
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1

RECOVERY_CHARS = 55  # base32 of 32 key bytes + 2 checksum bytes, unpadded

KeyStorage = Literal["keyring", "passphrase"]


# --- recovery key -------------------------------------------------------------------------


def format_recovery_key(key: bytes) -> str:
    """32 key bytes + 2 checksum bytes as base32 in dash-separated groups of five."""
    check = hashlib.sha256(key).digest()[:2]
    text = base64.b32encode(key + check).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def parse_recovery_key(text: str) -> bytes:
    """The key inside a recovery key; a mistyped one raises WrongKeyError."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    compact = compact.replace("0", "O").replace("1", "I").replace("8", "B")
    if len(compact) != RECOVERY_CHARS:
        raise WrongKeyError(
            _t("That recovery key has the wrong length ({0} of {1} characters).").format(
                len(compact), RECOVERY_CHARS
            ),
            hint=_t("It has 11 groups of letters and digits."),
        )
    try:
        raw = base64.b32decode(compact + "=" * (-len(compact) % 8))
    except (ValueError, binascii.Error) as exc:
        raise WrongKeyError(_t("That is not a Steward recovery key.")) from exc
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if hashlib.sha256(key).digest()[:2] != check:
        raise WrongKeyError(_t("That recovery key has a typo (its checksum does not match)."))
    return key


# --- passphrase wrapping ------------------------------------------------------------------


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def wrap_key(key: bytes, passphrase: str, database_id: str) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    box = AESGCM(kek).encrypt(nonce, key, database_id.encode())
    enc = base64.b64encode
    return {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": enc(salt).decode(),
        "nonce": enc(nonce).decode(),
        "wrapped": enc(box).decode(),
    }


def unwrap_key(wrap: dict[str, Any], passphrase: str, database_id: str) -> bytes:
    dec = base64.b64decode
    try:
        kek = _kek(passphrase, dec(wrap["salt"]), int(wrap["n"]), int(wrap["r"]), int(wrap["p"]))
        return AESGCM(kek).decrypt(dec(wrap["nonce"]), dec(wrap["wrapped"]), database_id.encode())
    except InvalidTag as exc:
        raise WrongKeyError(
            _t("Wrong passphrase: the database stays locked and untouched.")
        ) from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise StorageError(
            _t("The passphrase-wrapped key in Steward's metadata is damaged.")
        ) from exc


# --- metadata beside the database ---------------------------------------------------------


@dataclass
class DatabaseMeta:
    database_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key_storage: KeyStorage = "keyring"
    passphrase_wrap: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format: int = 1

    @property
    def keyring_user(self) -> str:
        return f"database-key:{self.database_id}"

    @classmethod
    def load(cls, path: Path) -> DatabaseMeta | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StorageError(
                _t("Steward's database metadata {0} cannot be read: {1}.").format(path, exc)
            ) from exc
        try:
            return cls(
                database_id=str(raw["database_id"]),
                key_storage=raw.get("key_storage", "keyring"),
                passphrase_wrap=raw.get("passphrase_wrap"),
                created=str(raw.get("created", "")),
                format=int(raw.get("format", 1)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StorageError(
                _t("Steward's database metadata {0} is damaged.").format(path)
            ) from exc

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(self), indent=2))
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError(
                _t("Cannot write {0}: {1}.").format(path, exc.strerror or exc)
            ) from exc


# --- keyring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyringInfo:
    usable: bool
    backend: str


def keyring_info() -> KeyringInfo:
    """Which keyring backend is active, and whether it can actually keep a secret."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if isinstance(backend, fail.Keyring):
        return KeyringInfo(False, name)
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return KeyringInfo(False, name)
    try:
        priority = float(backend.priority)
    except Exception:
        priority = 1.0
    return KeyringInfo(priority > 0, name)


def _keyring_get(user: str) -> bytes | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except KeyringError as exc:
        raise LockedError(_t("The keyring could not be read: {0}.").format(exc)) from exc
    if value is None:
        return None
    try:
        key = bytes.fromhex(value)
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def _keyring_set(user: str, key: bytes) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, user, key.hex())
    except KeyringError as exc:
        raise LockedError(
            _t("The keyring refused to store Steward's key: {0}.").format(exc)
        ) from exc


def keyring_secret_get(user: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except KeyringError as exc:
        raise LockedError(_t("The keyring could not be read: {0}.").format(exc)) from exc
    return value if isinstance(value, str) else None


def keyring_secret_set(user: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, user, value)
    except KeyringError as exc:
        raise LockedError(_t("The keyring refused to store a secret: {0}.").format(exc)) from exc


def _keyring_delete(user: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(KEYRING_SERVICE, user)


# --- asking for passphrases ---------------------------------------------------------------

# ``ask(new)`` returns the passphrase, or None when nobody can be asked. ``new`` is True when
# a passphrase is being set (the asker should have the user confirm it).
PassphraseAsker = Callable[[bool], str | None]


def terminal_asker(new: bool) -> str | None:
    """Passphrase from ``$STEWARD_PASSPHRASE``, else from the terminal, else None."""
    if env := os.environ.get(PASSPHRASE_ENV):
        return env
    if not sys.stdin.isatty():
        return None
    if not new:
        return getpass.getpass("Steward passphrase: ")
    first = getpass.getpass("Choose a passphrase for Steward's database: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UsageError(_t("The two passphrases differ; nothing was changed."))
    return first


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(
            _t("The passphrase must have at least {0} characters.").format(MIN_PASSPHRASE)
        )


@dataclass
class UnlockResult:
    key: bytes
    meta: DatabaseMeta
    created: bool  # a new database id and key were made: show the recovery key once
    recovery_key: str | None = None


class KeyManager:
    """Finds, creates and re-homes the key of the database in ``paths``."""

    def __init__(self, paths: Paths, ask: PassphraseAsker = terminal_asker) -> None:
        self.paths = paths
        self.ask = ask

    def meta(self) -> DatabaseMeta | None:
        return DatabaseMeta.load(self.paths.database_meta)

    def unlock(self, *, create: bool = True) -> UnlockResult:
        meta = self.meta()
        db_exists = self.paths.database.exists()
        if meta is None:
            if db_exists:
                raise LockedError(
                    _t(
                        "The database {0} has no metadata file beside it, so Steward cannot tell "
                        "how its key is kept."
                    ).format(self.paths.database),
                    hint=_t("Use `steward recover` with its recovery key; nothing was changed."),
                )
            if not create:
                raise LockedError(_t("There is no Steward database here yet."))
            return self._create()
        if meta.key_storage == "passphrase":
            return UnlockResult(self._key_from_passphrase(meta), meta, created=False)
        info = keyring_info()
        if not info.usable:
            raise LockedError(
                _t(
                    "The key of this database is kept in a keyring, but none is usable now ({0})."
                ).format(info.backend),
                hint=_t(
                    "Unlock the keyring (or start its service), or use `steward recover` with "
                    "the recovery key."
                ),
            )
        key = _keyring_get(meta.keyring_user)
        if key is None:
            raise LockedError(
                _t("The keyring does not hold the key of this database."),
                hint=_t(
                    "Use `steward recover` with the recovery key you were shown when it was "
                    "created; the database was not changed."
                ),
            )
        return UnlockResult(key, meta, created=False)

    def _key_from_passphrase(self, meta: DatabaseMeta) -> bytes:
        if meta.passphrase_wrap is None:
            raise StorageError(_t("Steward's metadata says a passphrase is used but holds no key."))
        passphrase = self.ask(False)
        if not passphrase:
            raise LockedError(
                _t("The database is locked with a passphrase."),
                hint=_t("Enter it when asked, or set {0}.").format(PASSPHRASE_ENV),
            )
        key = unwrap_key(meta.passphrase_wrap, passphrase, meta.database_id)
        if int(meta.passphrase_wrap.get("n", 0)) < SCRYPT_N:
            meta.passphrase_wrap = wrap_key(key, passphrase, meta.database_id)
            meta.save(self.paths.database_meta)
        return key

    def _create(self) -> UnlockResult:
        key = secrets.token_bytes(KEY_BYTES)
        meta = DatabaseMeta()
        if keyring_info().usable:
            _keyring_set(meta.keyring_user, key)
        else:
            passphrase = self.ask(True)
            if not passphrase:
                raise LockedError(
                    _t(
                        "No keyring is available to keep the database key, and no passphrase was "
                        "given."
                    ),
                    hint=_t(
                        "Set {0} or run Steward in a terminal to choose one. Steward never stores "
                        "your history unencrypted."
                    ).format(PASSPHRASE_ENV),
                )
            check_passphrase_strength(passphrase)
            meta.key_storage = "passphrase"
            meta.passphrase_wrap = wrap_key(key, passphrase, meta.database_id)
        meta.save(self.paths.database_meta)
        return UnlockResult(key, meta, created=True, recovery_key=format_recovery_key(key))

    # --- changes made after unlocking -------------------------------------------------------

    def check_passphrase(self, passphrase: str) -> None:
        """Raise WrongKeyError unless ``passphrase`` opens this database's key (asked before
        the passphrase is changed or the recovery key is shown)."""
        meta = self.meta()
        if meta is None or meta.key_storage != "passphrase" or meta.passphrase_wrap is None:
            raise UsageError(_t("This database's key is not protected by a passphrase."))
        try:
            unwrap_key(meta.passphrase_wrap, passphrase, meta.database_id)
        except WrongKeyError:
            raise WrongKeyError(_t("Wrong passphrase: nothing was changed or shown.")) from None

    def uses_passphrase(self) -> bool:
        meta = self.meta()
        return meta is not None and meta.key_storage == "passphrase"

    def set_passphrase(self, key: bytes, passphrase: str) -> DatabaseMeta:
        """Require ``passphrase`` from now on (the keyring entry, if any, is removed)."""
        check_passphrase_strength(passphrase)
        meta = self.meta() or DatabaseMeta()
        meta.passphrase_wrap = wrap_key(key, passphrase, meta.database_id)
        meta.key_storage = "passphrase"
        meta.save(self.paths.database_meta)
        _keyring_delete(meta.keyring_user)
        return meta

    def use_keyring(self, key: bytes) -> DatabaseMeta:
        """Keep the key in the keyring and drop the passphrase."""
        info = keyring_info()
        if not info.usable:
            raise LockedError(
                _t("No usable keyring ({0}); keep using a passphrase.").format(info.backend)
            )
        meta = self.meta() or DatabaseMeta()
        _keyring_set(meta.keyring_user, key)
        meta.key_storage = "keyring"
        meta.passphrase_wrap = None
        meta.save(self.paths.database_meta)
        return meta

    def adopt(self, key: bytes, *, passphrase: str | None = None) -> DatabaseMeta:
        """Store ``key`` (from a recovery key) for the database here, keeping its id if known."""
        meta = self.meta() or DatabaseMeta()
        if passphrase is None and keyring_info().usable:
            _keyring_set(meta.keyring_user, key)
            meta.key_storage, meta.passphrase_wrap = "keyring", None
        else:
            passphrase = passphrase or self.ask(True)
            if not passphrase:
                raise LockedError(
                    _t("No keyring is available and no passphrase was given to protect the key."),
                    hint=_t("Set {0} or run Steward in a terminal.").format(PASSPHRASE_ENV),
                )
            check_passphrase_strength(passphrase)
            meta.key_storage = "passphrase"
            meta.passphrase_wrap = wrap_key(key, passphrase, meta.database_id)
        meta.save(self.paths.database_meta)
        return meta

    def secret_user(self, name: str) -> str:
        meta = self.meta()
        return f"{name}:{meta.database_id if meta else 'none'}"

    def forget(self) -> None:
        """Remove the keyring entry and metadata (used when erasing all data)."""
        meta = self.meta()
        if meta is not None:
            _keyring_delete(meta.keyring_user)
            self.paths.database_meta.unlink(missing_ok=True)

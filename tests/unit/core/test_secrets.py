"""Recovery keys, passphrase wrapping, and the key manager on the no-keyring path.

The keyring path itself runs against a real Secret Service in
tests/integration/test_keyring_secret_service.py."""

from __future__ import annotations

import json

import pytest

from app.core.errors import LockedError, UsageError, WrongKeyError
from app.core.paths import resolve_paths
from app.core.secrets import (
    KeyManager,
    format_recovery_key,
    keyring_info,
    parse_recovery_key,
    unwrap_key,
    wrap_key,
)


def test_recovery_key_round_trip_and_typos(key: bytes) -> None:
    text = format_recovery_key(key)
    assert len(text.split("-")) == 11
    assert parse_recovery_key(text) == key
    assert parse_recovery_key(text.lower().replace("-", " ")) == key
    typo = ("A" if text[0] != "A" else "B") + text[1:]
    with pytest.raises(WrongKeyError, match="typo"):
        parse_recovery_key(typo)
    with pytest.raises(WrongKeyError, match="length"):
        parse_recovery_key(text[:20])


def test_wrap_unwrap(key: bytes) -> None:
    wrapped = wrap_key(key, "a long passphrase", "db-1")
    assert key.hex() not in json.dumps(wrapped)
    assert unwrap_key(wrapped, "a long passphrase", "db-1") == key
    with pytest.raises(WrongKeyError, match="Wrong passphrase"):
        unwrap_key(wrapped, "another passphrase", "db-1")
    with pytest.raises(WrongKeyError):  # bound to its database id
        unwrap_key(wrapped, "a long passphrase", "db-2")


def test_fail_backend_is_not_usable() -> None:
    info = keyring_info()
    assert not info.usable and "fail" in info.backend


def test_passphrase_path_creates_then_unlocks(tmp_path) -> None:
    paths = resolve_paths(tmp_path / "h").ensure()
    created = KeyManager(paths, lambda new: "passphrase-one").unlock()
    assert created.created and created.recovery_key
    assert parse_recovery_key(created.recovery_key) == created.key
    meta = json.loads(paths.database_meta.read_text())
    assert meta["key_storage"] == "passphrase" and created.key.hex() not in json.dumps(meta)
    paths.database.touch()  # the database now exists
    again = KeyManager(paths, lambda new: "passphrase-one").unlock()
    assert not again.created and again.key == created.key
    with pytest.raises(WrongKeyError):
        KeyManager(paths, lambda new: "passphrase-two").unlock()


def test_no_keyring_and_no_passphrase_refuses(tmp_path) -> None:
    paths = resolve_paths(tmp_path / "h").ensure()
    with pytest.raises(LockedError, match="No keyring"):
        KeyManager(paths, lambda new: None).unlock()
    assert not paths.database_meta.exists()


def test_short_passphrase_refused(tmp_path) -> None:
    paths = resolve_paths(tmp_path / "h").ensure()
    with pytest.raises(UsageError, match="at least 8"):
        KeyManager(paths, lambda new: "short").unlock()


def test_existing_database_without_metadata_is_never_replaced(tmp_path) -> None:
    paths = resolve_paths(tmp_path / "h").ensure()
    paths.database.write_bytes(b"existing encrypted data")
    with pytest.raises(LockedError, match="no metadata"):
        KeyManager(paths, lambda new: "passphrase-one").unlock()
    assert paths.database.read_bytes() == b"existing encrypted data"
    assert not paths.database_meta.exists()


def test_erase_all_removes_history_and_key_then_starts_fresh(tmp_path) -> None:
    from app.core.steward import Steward

    paths = resolve_paths(tmp_path / "h")
    first = Steward(paths, ask_passphrase=lambda new: "passphrase-one")
    db = first.open_store()
    db.add_message(db.create_conversation("secret").id, "user", "forget me")
    old_key = first.key
    assert first.backup()[1] == 1
    first.erase_all()
    assert not paths.database.exists() and not paths.database_meta.exists()
    assert not list(paths.backups.glob("*"))
    again = Steward(paths, ask_passphrase=lambda new: "passphrase-two")
    fresh = again.open_store()
    assert fresh.count() == 0 and again.key != old_key
    again.close()


def test_a_key_wrapped_at_the_old_cost_is_wrapped_again_at_the_next_unlock(tmp_path) -> None:
    from app.core.secrets import SCRYPT_N, DatabaseMeta

    assert SCRYPT_N >= 2**17  # about half a second a guess on a typical laptop
    paths = resolve_paths(tmp_path / "h").ensure()
    created = KeyManager(paths, lambda new: "passphrase-one").unlock()
    paths.database.touch()
    meta = DatabaseMeta.load(paths.database_meta)
    assert meta is not None and meta.passphrase_wrap is not None
    assert meta.passphrase_wrap["n"] == SCRYPT_N
    # as an older Steward left it: the same key under the old, cheaper cost
    old = dict(meta.passphrase_wrap)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.core.secrets.SCRYPT_N", 2**15)
        meta.passphrase_wrap = wrap_key(created.key, "passphrase-one", meta.database_id)
    meta.save(paths.database_meta)
    assert DatabaseMeta.load(paths.database_meta).passphrase_wrap["n"] == 2**15  # type: ignore[union-attr]
    again = KeyManager(paths, lambda new: "passphrase-one").unlock()
    assert again.key == created.key
    rewrapped = DatabaseMeta.load(paths.database_meta).passphrase_wrap  # type: ignore[union-attr]
    assert rewrapped["n"] == SCRYPT_N and rewrapped["salt"] != old["salt"]
    assert unwrap_key(rewrapped, "passphrase-one", meta.database_id) == created.key

"""SQLCipher through sqlcipher3, made to agree with sqlite-utils.

sqlite-utils binds its ``OperationalError`` when it is first imported (pysqlite3 if present,
else the standard library), so its ``alter=True`` and other paths that catch that class
would miss sqlcipher3's errors. Registering sqlcipher3 under the ``pysqlite3`` names before
sqlite-utils is imported makes both use sqlcipher3's classes. Get ``sqlite_utils`` only
through :func:`sqlite_utils_module` (imported when a store first opens: the window paints
without it).
"""

from __future__ import annotations

import sys
from types import ModuleType

import sqlcipher3
import sqlcipher3.dbapi2

_already = sys.modules.get("sqlite_utils")
sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", sqlcipher3.dbapi2)


def sqlite_utils_module() -> ModuleType:
    """sqlite_utils, checked to catch sqlcipher3's errors."""
    import sqlite_utils
    from sqlite_utils.utils import OperationalError as su_operational_error

    if su_operational_error is not sqlcipher3.dbapi2.OperationalError:  # pragma: no cover
        raise ImportError(
            "sqlite_utils was imported before app.core.store.sqlcipher and catches the wrong "
            f"OperationalError class (already imported: {_already is not None})."
        )
    return sqlite_utils


dbapi = sqlcipher3.dbapi2
Connection = sqlcipher3.dbapi2.Connection
DatabaseError = sqlcipher3.dbapi2.DatabaseError
OperationalError = sqlcipher3.dbapi2.OperationalError
IntegrityError = sqlcipher3.dbapi2.IntegrityError

__all__ = [
    "Connection",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "dbapi",
    "sqlite_utils_module",
]

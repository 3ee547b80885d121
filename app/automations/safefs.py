"""File work that cannot leave a granted folder.

A :class:`GrantedTree` is one granted folder, resolved once. Every operation walks from
that folder to its target one name at a time, opening each folder with ``O_NOFOLLOW``
relative to the one before, and then acts on the last name relative to its folder's handle
(``openat``, ``renameat``, ``unlinkat``, ``mkdirat``). A link anywhere below the grant —
planted before the run, swapped in while an approval question waited, or made by an
earlier step — is never followed: the operation fails with :class:`LinkRefused` naming it.
What was checked is therefore what is used: there is no moment between a check of a path
and its use in which the path could be redirected.

Temporary files are created with ``O_EXCL`` under a random name, so a link planted at a
predictable temporary name is never written through. Copies keep links as links (they are
never read through), and moving or trashing a link moves the link itself.

On a platform without ``*at`` calls (Windows), each component is checked with ``lstat``
just before use instead: a link present at that moment is refused, but a swap in the
instant between check and use is not excluded there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from app.language import _t

_AT = os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20
TEMP_SUFFIX = ".steward-tmp"


class LinkRefused(PermissionError):
    """A link (or something that is not a folder) stands where the path needs a folder or
    a file of its own; nothing was done through it."""


class OutsideGrant(PermissionError):
    """The path is not inside the granted folder."""


def temp_name(name: str) -> str:
    """A fresh temporary name beside ``name`` (hidden, random, recognisable by watchers)."""
    return f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


class GrantedTree:
    """One granted folder; paths below it are used without following any link."""

    def __init__(self, root: Path | str) -> None:
        # taken as given (absolute, normalised): the caller resolves a grant once, when it
        # is checked; a root that is later swapped for a link is then refused, not followed
        self.root = Path(os.path.normpath(os.path.abspath(os.fspath(root))))

    def __repr__(self) -> str:
        return f"GrantedTree({str(self.root)!r})"

    def contains(self, path: Path | str) -> bool:
        try:
            self.parts(path)
        except OutsideGrant:
            return False
        return True

    def parts(self, path: Path | str) -> list[str]:
        """The names from the root down to ``path`` (``[]`` for the root itself). The path
        is read as written (made absolute and normalised, no link resolved)."""
        absolute = Path(os.path.normpath(os.path.abspath(os.fspath(path))))
        if absolute == self.root:
            return []
        try:
            relative = absolute.relative_to(self.root)
        except ValueError:
            raise OutsideGrant(
                _t("{0} is outside the granted folder {1}").format(path, self.root)
            ) from None
        return list(relative.parts)

    # --- walking --------------------------------------------------------------------------

    def _open_root(self, create: bool = False) -> int:
        try:
            return os.open(self.root, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        except FileNotFoundError:
            if not create:
                raise
        except OSError as exc:
            raise _refusal(exc, self.root) from None
        # a granted folder that does not exist yet is made when something is written into it
        os.makedirs(self.root, exist_ok=True)
        return self._open_root()

    def _open_dir(self, fd: int, name: str, where: Path, create: bool) -> int:
        try:
            return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
        except OSError as exc:
            raise _refusal(exc, where) from None
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=fd)
        return self._open_dir(fd, name, where, False)

    @contextlib.contextmanager
    def folder(self, parts: list[str], *, create: bool = False) -> Iterator[int]:
        """A handle on the folder ``root/parts…``, reached without following links."""
        fd = self._open_root(create)
        where = self.root
        try:
            for name in parts:
                where = where / name
                child = self._open_dir(fd, name, where, create)
                os.close(fd)
                fd = child
            yield fd
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def parent(self, path: Path | str, *, create: bool = False) -> Iterator[tuple[int, str]]:
        """The folder holding ``path`` (a handle) and the name of ``path`` in it. For the
        granted path itself (a grant may name a single file), the folder above it, which was
        resolved with it when the grant was checked."""
        parts = self.parts(path)
        if not parts:
            above = GrantedTree(self.root.parent)
            with above.folder([], create=create) as fd:
                yield fd, self.root.name if _AT else str(self.root)
            return
        if not _AT:
            self._check_components(parts[:-1], create)
        with self.folder(parts[:-1] if _AT else [], create=create) as fd:
            yield fd, parts[-1] if _AT else str(Path(self.root, *parts))

    def _check_components(self, parts: list[str], create: bool) -> None:
        where = self.root
        for name in parts:
            where = where / name
            try:
                info = os.lstat(where)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(where)
                continue
            if not stat.S_ISDIR(info.st_mode):
                raise LinkRefused(
                    _t("{0} is a link or not a folder; nothing was done through it").format(where)
                )

    # --- looking --------------------------------------------------------------------------

    def lstat(self, path: Path | str) -> os.stat_result | None:
        """What stands at ``path`` (a link is reported as a link), or None."""
        try:
            with self.parent(path) as (fd, name):
                return os.lstat(name, dir_fd=fd) if _AT else os.lstat(name)
        except FileNotFoundError:
            return None

    def open_read(self, path: Path | str) -> int:
        """A file descriptor for reading the regular file at ``path``."""
        with self.parent(path) as (fd, name):
            handle = _open_at(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, fd, Path(path))
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            os.close(handle)
            raise IsADirectoryError(f"{path} is not a file")
        return handle

    def read_text(self, path: Path | str, limit: int) -> str:
        with os.fdopen(self.open_read(path), encoding="utf-8", errors="replace") as handle:
            return handle.read(limit)

    # --- writing --------------------------------------------------------------------------

    def write_bytes(self, path: Path | str, data: bytes) -> None:
        """Replace (or create) the file at ``path`` atomically: the data
        goes to a fresh temporary file beside it, which is then renamed over the name. A
        link at the name is replaced, never written through."""
        with self.parent(path, create=True) as (fd, name):
            existing = _lstat_at(name, fd)
            if existing is not None and stat.S_ISDIR(existing.st_mode):
                raise IsADirectoryError(f"{path} is a folder")
            regular = existing is not None and stat.S_ISREG(existing.st_mode)
            mode = stat.S_IMODE(existing.st_mode) if existing is not None and regular else None
            _replace_at(fd, name, Path(path), [data], mode)

    def append_bytes(self, path: Path | str, data: bytes) -> None:
        with self.parent(path, create=True) as (fd, name):
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC
            out = _open_at(name, flags, fd, Path(path))
            try:
                if not stat.S_ISREG(os.fstat(out).st_mode):
                    raise IsADirectoryError(f"{path} is not a file")
                written = 0
                while written < len(data):
                    written += os.write(out, data[written:])
            finally:
                os.close(out)

    def make_folder(self, path: Path | str) -> None:
        with self.folder(self.parts(path), create=True):
            pass

    # --- copying, moving, removing --------------------------------------------------------

    def copy_in(self, source: GrantedTree, src: Path | str, dst: Path | str) -> None:
        """Copy the file or folder ``src`` (in ``source``) to ``dst`` here, replacing a file
        or link there. Links inside a copied folder are copied as links."""
        with (
            source.parent(src) as (sfd, sname),
            self.parent(dst, create=True) as (dfd, dname),
        ):
            _copy_entry(sfd, sname, dfd, dname, Path(src), Path(dst))

    def copy_out(self, src: Path | str, destination: Path) -> None:
        """Copy what stands at ``src`` (file, folder or link, never followed) to
        ``destination``, a new path in Steward's own folders."""
        outside = _own_folder(destination.parent)
        outside.copy_in(self, src, outside.root / destination.name)

    def move_within(self, target: GrantedTree, src: Path | str, dst: Path | str) -> None:
        """Move ``src`` here to ``dst`` in ``target``; a link moves as the link."""
        with (
            self.parent(src) as (sfd, sname),
            target.parent(dst, create=True) as (dfd, dname),
        ):
            try:
                _rename_at(sname, sfd, dname, dfd)
                return
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
            _copy_entry(sfd, sname, dfd, dname, Path(src), Path(dst))
            _remove_at(sname, sfd)

    def move_out(self, src: Path | str, destination: Path) -> None:
        """Move what stands at ``src`` (never followed) to ``destination`` in Steward's own
        folders (its trash)."""
        outside = _own_folder(destination.parent)
        self.move_within(outside, src, outside.root / destination.name)

    def is_empty_folder(self, path: Path | str) -> bool:
        """Whether ``path`` is a folder (not a link to one) with nothing in it."""
        parts = self.parts(path)
        with self.folder(parts) as fd:
            if os.listdir in os.supports_fd:
                return not os.listdir(fd)
            return not os.listdir(self.root.joinpath(*parts))

    def remove(self, path: Path | str) -> None:
        """Remove the file, link or folder at ``path`` (a folder with all it holds); links
        are removed, never followed."""
        with self.parent(path) as (fd, name):
            _remove_at(name, fd)


def _replace_at(
    fd: int,
    name: str,
    where: Path,
    chunks: Iterator[bytes] | list[bytes],
    mode: int | None,
    times: tuple[int, int] | None = None,
) -> None:
    tmp = temp_name(os.path.basename(name))
    if not _AT:
        tmp = os.path.join(os.path.dirname(name), tmp)
    out = _open_at(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, fd, where)
    try:
        with os.fdopen(out, "wb", closefd=False) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(out, mode)
            if times is not None and os.utime in os.supports_fd:
                os.utime(out, ns=times)
            os.fsync(out)
        os.close(out)
        out = -1
        _rename_at(tmp, fd, name, fd)
    except BaseException:
        if out >= 0:
            os.close(out)
        with contextlib.suppress(OSError):
            _unlink_at(tmp, fd)
        raise


def _own_folder(folder: Path) -> GrantedTree:
    """A folder of Steward's own (its trash), created private when missing."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return GrantedTree(os.path.realpath(folder))


# --- the *at calls, with the lstat fallback ---------------------------------------------


def _refusal(exc: OSError, where: Path) -> OSError:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return LinkRefused(
            _t("{0} is a link or not a folder; nothing was done through it").format(where)
        )
    return exc


def _open_at(name: str, flags: int, fd: int, where: Path) -> int:
    try:
        if _AT:
            return os.open(name, flags, 0o666, dir_fd=fd)
        info = _lstat_at(name, fd)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise LinkRefused(_t("{0} is a link; nothing was done through it").format(where))
        return os.open(name, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LinkRefused(
                _t("{0} is a link; nothing was done through it").format(where)
            ) from None
        raise


def _lstat_at(name: str, fd: int) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=fd) if _AT else os.lstat(name)
    except FileNotFoundError:
        return None


def _rename_at(src: str, sfd: int, dst: str, dfd: int) -> None:
    if _AT:
        os.rename(src, dst, src_dir_fd=sfd, dst_dir_fd=dfd)
    else:
        os.replace(src, dst)


def _unlink_at(name: str, fd: int) -> None:
    if _AT:
        os.unlink(name, dir_fd=fd)
    else:
        os.unlink(name)


def _remove_at(name: str, fd: int) -> None:
    info = _lstat_at(name, fd)
    if info is None:
        raise FileNotFoundError(errno.ENOENT, "not found", name)
    if stat.S_ISDIR(info.st_mode):
        # rmtree with dir_fd opens nothing through links (avoids_symlink_attacks)
        shutil.rmtree(name, dir_fd=fd if _AT else None)
    else:
        _unlink_at(name, fd)


class _At(NamedTuple):
    """An entry by its name in an open folder (a path of its own without *at calls), and
    its path, for messages."""

    fd: int
    name: str
    path: Path


def _copy_entry(sfd: int, sname: str, dfd: int, dname: str, src: Path, dst: Path) -> None:
    info = _lstat_at(sname, sfd)
    if info is None:
        raise FileNotFoundError(errno.ENOENT, f"{src} does not exist", str(src))
    source, target = _At(sfd, sname, src), _At(dfd, dname, dst)
    existing = _lstat_at(dname, dfd)
    if stat.S_ISLNK(info.st_mode):
        _copy_link(source, target, existing)
    elif stat.S_ISDIR(info.st_mode):
        _copy_folder(source, target, info, existing)
    elif stat.S_ISREG(info.st_mode):
        _copy_file(source, target, info, existing)
    else:
        raise PermissionError(f"{src} is not a regular file, folder or link")


def _copy_link(source: _At, target: _At, existing: os.stat_result | None) -> None:
    link = os.readlink(source.name, dir_fd=source.fd) if _AT else os.readlink(source.name)
    if existing is not None:
        _remove_at(target.name, target.fd)
    if _AT:
        os.symlink(link, target.name, dir_fd=target.fd)
    else:
        os.symlink(link, target.name)


def _copy_folder(
    source: _At, target: _At, info: os.stat_result, existing: os.stat_result | None
) -> None:
    if existing is not None and not stat.S_ISDIR(existing.st_mode):
        _remove_at(target.name, target.fd)
    mode = stat.S_IMODE(info.st_mode) | 0o700
    with contextlib.suppress(FileExistsError):
        if _AT:
            os.mkdir(target.name, mode, dir_fd=target.fd)
        else:
            os.mkdir(target.name, mode)
    flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
    inner_s = _open_at(source.name, flags, source.fd, source.path)
    try:
        inner_d = _open_at(target.name, flags, target.fd, target.path)
        try:
            for entry in sorted(os.listdir(inner_s if _AT else source.name)):
                # with *at calls, names are relative to the open folders; without, paths
                inner_sname = entry if _AT else os.path.join(source.name, entry)
                inner_dname = entry if _AT else os.path.join(target.name, entry)
                _copy_entry(
                    inner_s,
                    inner_sname,
                    inner_d,
                    inner_dname,
                    source.path / entry,
                    target.path / entry,
                )
        finally:
            os.close(inner_d)
    finally:
        os.close(inner_s)


def _copy_file(
    source: _At, target: _At, info: os.stat_result, existing: os.stat_result | None
) -> None:
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(f"{target.path} is a folder")
    handle = _open_at(source.name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, source.fd, source.path)
    try:

        def chunks() -> Iterator[bytes]:
            while chunk := os.read(handle, _CHUNK):
                yield chunk

        _replace_at(
            target.fd,
            target.name,
            target.path,
            chunks(),
            stat.S_IMODE(info.st_mode),
            (info.st_atime_ns, info.st_mtime_ns),
        )
    finally:
        os.close(handle)


__all__ = ["TEMP_SUFFIX", "GrantedTree", "LinkRefused", "OutsideGrant", "temp_name"]

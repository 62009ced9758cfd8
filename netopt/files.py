"""Files written whole or not at all, and output folders replaced whole or not at all.

A folder of outputs (solution.json and its tables) is written into a temporary sibling and
swapped in for the old one in one step (renameat2 RENAME_EXCHANGE on Linux; elsewhere two
renames, between which the folder is briefly absent but never half old, half new). While it is
written the folder is locked (flock): a second writer is refused instead of interleaving.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path as FsPath

from .errors import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once: os.umask is process-wide, reading it later could race threads


class OutputError(UsageError):
    """An output location that cannot be written: what failed and where (exit code 2)."""


def write_all(f: object, data: bytes | str, path: str | FsPath | None = None) -> None:
    """Every write of netopt's outputs goes through here (netopt.testing fails it on purpose);
    `path`: the file that will hold the data (default: the file object's name)."""
    f.write(data)  # type: ignore[attr-defined]


def write_atomic(path: FsPath, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file.
    An OSError names `path`, not the temporary file the user never asked for."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write_all(f, data.encode("utf-8") if isinstance(data, str) else data, path)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and e.filename in (tmp, None) and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise


# what netopt writes in an output folder: a folder holding anything else is not replaced
_OURS = re.compile(r"(solution\.(json|nc)|[a-z_]+\.(csv|parquet)"
                   r"|network(-[A-Za-z0-9_.\-]+)?\.graphml|\..*\.tmp)")
SOLUTION_FILES = _OURS
# tempfile's names: the prefix, then 8 of "a-z0-9_" (tempfile._RandomNameSequence), the suffix
_RANDOM = r"[a-z0-9_]{8}"


def _stale_name(name: str) -> re.Pattern[str]:
    """The temporary siblings netopt makes for a folder or file called `name`."""
    return re.compile(rf"\.{re.escape(name)}\.{_RANDOM}\.tmp")


def _why(e: OSError) -> str:
    return e.strerror or str(e)


class OutputFolder:
    """An output folder written as one step: `prepare()` (before solving: the location is
    checked, created, locked), then `writing()` yields a temporary sibling to fill; on success it
    replaces the folder, on any error or interrupt it is removed and the old folder stays."""

    def __init__(self, target: str | FsPath, ours: re.Pattern[str] = _OURS) -> None:
        """`ours`: the names of the files netopt writes there (solve's by default; a sweep's and
        a front's are others): a folder holding any other file is refused."""
        self.target = FsPath(target)
        self.ours = ours
        self.cleaned: list[FsPath] = []  # stale temporary files prepare() removed
        self._fd: int | None = None
        self._created = False

    def prepare(self) -> None:
        if self._fd is not None:
            return
        t = self.target
        if t.exists() and not t.is_dir():
            raise OutputError(f"cannot write to {t}: it is a file, not a folder")
        try:
            foreign = sorted(p.name for p in t.iterdir() if not self.ours.fullmatch(p.name)) \
                if t.is_dir() else []
        except OSError as e:  # a folder that cannot be listed cannot be written either
            raise OutputError(f"cannot write to {t}: {_why(e)}") from None
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputError(f"cannot write to {t}: it holds files netopt did not write "
                              f"({shown}); give a new or empty folder, or one netopt wrote")
        try:
            if not t.exists():
                t.mkdir(parents=True)
                self._created = True
            fd = os.open(t, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as e:
            raise OutputError(f"cannot write to {t}: {_why(e)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputError(f"cannot write to {t}: another netopt is writing there now; wait "
                              "for it or give another folder") from None
        self._fd = fd
        try:  # can a sibling be made? (a read-only parent, /proc): known before any solve
            probe = tempfile.mkdtemp(dir=t.parent, prefix=f".{t.name}.", suffix=".tmp")
            os.rmdir(probe)
        except OSError as e:
            self.release()
            raise OutputError(f"cannot write to {t}: {_why(e)}") from None
        self.cleaned = self._clean_stale()

    def _clean_stale(self) -> list[FsPath]:
        """Remove what a netopt killed while writing here (SIGKILL, power loss) left: its
        temporary sibling folders, and temporary files in the folder. Only with the lock held:
        every netopt writing here holds it while its temporaries exist, so none is live; only
        names netopt gives, owned by this user, holding only what netopt writes."""
        t, removed = self.target, []
        mine = os.getuid() if hasattr(os, "getuid") else None
        pattern = _stale_name(t.name)
        try:
            siblings = [p for p in t.parent.iterdir() if pattern.fullmatch(p.name)]
            inside = [p for p in t.iterdir() if p.name.startswith(".")
                      and re.fullmatch(rf"\..+\.{_RANDOM}\.tmp", p.name)]
        except OSError:
            return []
        for p in siblings + inside:
            try:
                st = p.lstat()
                if mine is not None and st.st_uid != mine:
                    continue
                if p in siblings and p.is_dir() and not p.is_symlink():
                    names = [q.name for q in p.iterdir()]
                    if all(self.ours.fullmatch(n) or n == "old" for n in names):
                        shutil.rmtree(p)
                        removed.append(p)
                elif p in inside and p.is_file() and not p.is_symlink():
                    p.unlink()
                    removed.append(p)
            except OSError:
                continue  # left for the user: it is not in the way
        return removed

    @contextmanager
    def writing(self) -> Iterator[FsPath]:
        """A temporary folder to write the set into; swapped in when the block ends."""
        self.prepare()
        t = self.target
        try:
            tmp = FsPath(tempfile.mkdtemp(dir=t.parent, prefix=f".{t.name}.", suffix=".tmp"))
        except OSError as e:
            self.release()
            raise OutputError(f"cannot write to {t}: {_why(e)}") from None
        done = False
        try:
            try:
                yield tmp
                os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700
                _swap(tmp, t)
                done = True
            except OSError as e:
                name = e.filename
                if isinstance(name, str) and FsPath(name).is_relative_to(tmp):
                    name = str(t / FsPath(name).relative_to(tmp))  # the file the user will see
                where = f" ({name})" if name else ""
                raise OutputError(f"cannot write to {t}: {_why(e)}{where}; it is left as it "
                                  "was") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # after the swap: the old outputs
            self.release() if done else self.abandon()

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def abandon(self) -> None:
        """Nothing will be written: unlock, and remove the folder if prepare() made it."""
        self.release()
        if self._created:
            try:
                self.target.rmdir()
            except OSError:
                pass


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(new: FsPath, target: FsPath) -> None:
    """Put folder `new` at `target` in one step; the old `target` ends up at `new`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target),
                     _RENAME_EXCHANGE) == 0:
            return
        e = ctypes.get_errno()
        if e not in (errno.ENOSYS, errno.EINVAL, errno.ENOENT):
            raise OSError(e, os.strerror(e), str(target))
    if not target.exists():
        os.rename(new, target)
        return
    old = FsPath(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    os.rename(target, old / "old")
    os.rename(new, target)
    os.rename(old, new)  # the caller removes `new`: the old outputs


def keep_somewhere(name: str, data: str, suffix: str = ".json") -> FsPath | None:
    """Save `data` as `name` in the first place that takes it (the temporary folder, the
    current folder, home): a finished solve is not lost to an output that failed."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (tempfile.gettempdir(), os.getcwd(), os.path.expanduser("~")):
        path = FsPath(folder) / f"netopt-{name}-{stamp}-{os.getpid()}{suffix}"
        try:
            write_atomic(path, data)
            return path
        except OSError:
            continue
    return None

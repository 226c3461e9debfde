"""Atomic file writes: a temporary file in the target's folder, flushed and ``fsync``-ed, renamed over the target with
``os.replace``, then the folder ``fsync``-ed, so a crash or an exception leaves either the old file or the new one,
never a half-written file. The temporary file is removed on every error and on SIGINT/SIGTERM/SIGHUP; one left by a
writer that was killed outright (SIGKILL) carries its pid in its name and is removed by the next write into the
folder."""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, Union

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["PathLike", "atomic_write_bytes", "remove_stale_temp_files"]


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# the temporary file of a write: ".<target name>.<writer pid>.<random>.tmp" in the target's folder
_TEMP = re.compile(r"^\..+\.(\d+)\.[a-z0-9_]{8}\.tmp$")
# signals whose default action kills the process without unwinding: during a write they raise instead, so the
# temporary file is removed, then the signal is delivered again as before (SIGINT already raises KeyboardInterrupt)
_FATAL_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class _Signalled(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum: int, frame: Any) -> None:
    raise _Signalled(signum)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or a platform without signal 0
        return True
    return True


def remove_stale_temp_files(folder: PathLike) -> list[str]:
    """Remove the temporary files that writers which died mid-write (SIGKILL, power loss) left in ``folder``.

    A temporary file is named ``.<name>.<pid>.<random>.tmp``; it is stale when no process with that pid is alive
    (a live writer's file, this process's included, is never touched). :func:`atomic_write_bytes` calls this before
    every write, so the next save into a folder cleans it. Returns the names removed.
    """
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            pass
    return removed


def _install_handlers() -> dict[int, Any]:
    """During a write in the main thread, make SIGTERM/SIGHUP (if at their default) raise so cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in _FATAL_SIGNALS:
        try:
            if signal.getsignal(sig) is signal.SIG_DFL:
                previous[sig] = signal.signal(sig, _raise_signalled)
        except (ValueError, OSError):  # not allowed here (embedded interpreter, ...)
            pass
    return previous


def _restore_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):
            pass


_BLOCKABLE = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _block_signals() -> Any:
    """Block the interrupting signals (main thread, POSIX) and return the mask to restore; None when not possible."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        return None
    return mask(signal.SIG_BLOCK, _BLOCKABLE)


def _unblock_signals(old: Any) -> None:
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, ``os.replace``, fsync the folder.

    On any exception, and on SIGINT, SIGTERM or SIGHUP during the write, the temporary file is removed and a
    previous file at ``path`` is left untouched (a signal is then delivered again, so the process ends as it would
    have). Temporary files of writers that died (SIGKILL) are removed by the next write into the folder
    (:func:`remove_stale_temp_files`).

    Raises:
        FileNotFoundError: the folder does not exist.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: folder {folder} does not exist (while writing {path})")
    remove_stale_temp_files(folder)
    previous = _install_handlers()
    tmp, fd = None, None
    try:
        # mkstemp with the signals blocked: one arriving after the file exists but before its name is assigned
        # would leave it behind; blocked, it is delivered once ``tmp`` is set and the cleanup below removes it
        mask = _block_signals()
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
        finally:
            _unblock_signals(mask)
        f = os.fdopen(fd, "wb")
        fd = None  # owned by ``f`` now
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except BaseException as e:
        if fd is not None:  # a signal between mkstemp and fdopen
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        _restore_handlers(previous)
        previous = {}
        if isinstance(e, _Signalled):
            signal.raise_signal(e.signum)  # the default action: the process ends, as without this write
            raise InterruptedError(f"save: interrupted by signal {e.signum} while writing {path}") from None
        raise
    finally:
        _restore_handlers(previous)
    _fsync_dir(folder)

"""The writers of every Duban process on one SQLite file take turns on an OS lock beside it.

SQLite lets one transaction write at a time, and a connection that finds the file's write
lock taken waits in SQLite's busy handler, which sleeps for growing intervals (1, 2, 5, 10,
… 100 ms) between tries. Between two server processes that both write all the time, the
one sleeping keeps missing the moments the lock is free: the other takes it again at once,
and the sleeper's requests, all queued behind its writer, wait tens of milliseconds while
its share of the machine stands idle. Here the writers of all processes first take an
advisory lock on ``<database>.writers`` (``flock``), tried again every few tenths of a
millisecond, so a waiting writer gets its turn within a millisecond of the last one's
commit; SQLite's own lock then finds the file free. Programs other than Duban (the
``sqlite3`` shell) do not take this lock; SQLite's busy handler still guards against them.

The lock is taken after the process's own writer lock (``core.db.WriterLock``), so one
thread of a process holds or waits for it at a time, and each process opens the lock file
for itself (a descriptor inherited across ``fork`` would share its lock with the parent).
"""
from __future__ import annotations

import os
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]  # no module on this system: the lock is then skipped

FIRST_PAUSE = 0.0001
LONGEST_PAUSE = 0.0005


class WriterFileLock:
    """An exclusive ``flock`` on ``path``, held by one thread of this process at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._descriptor: int | None = None
        self._pid: int | None = None
        self._opening = threading.Lock()

    def _file(self) -> int:
        pid = os.getpid()
        if self._descriptor is None or self._pid != pid:
            with self._opening:
                if self._descriptor is None or self._pid != pid:
                    # After a fork the inherited descriptor is left alone: closing it could drop the parent's lock.
                    self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                    self._pid = pid
        return self._descriptor

    def acquire(self, timeout: float) -> bool:
        """Take the lock, trying again until ``timeout`` seconds have passed; False if it never came free."""
        if fcntl is None:
            return True
        descriptor = self._file()
        deadline = time.monotonic() + timeout
        pause = FIRST_PAUSE
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)

    def release(self) -> None:
        if fcntl is not None and self._descriptor is not None and self._pid == os.getpid():
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)

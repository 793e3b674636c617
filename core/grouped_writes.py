"""Group commit: short writes from the threads of one process, committed together.

The busiest public writes (a survey answer: one insert) cost less to make than the
transaction around them: taking a connection, beginning, committing (on PostgreSQL a
flush of the write-ahead log; on SQLite the file's write lock). A thread with such a
write joins the writes waiting; when no thread of the process is writing, it becomes the
writer: it takes every write waiting, its own among them, makes them in order in one
transaction, commits once, and hands each thread its own write's result. Threads that
arrived meanwhile wait for the next writer, one of them. Nobody's answer is acknowledged
before the transaction holding it has committed.

Each write must be all or nothing by itself: one statement that writes, with reads around
it, or a refusal (an exception) raised before it writes. A refusal is that write's alone:
its thread raises it and the others' writes go on. A database error ends the whole
transaction, so nothing of it is kept and every write in it is made again, each alone in a
transaction of its own by its own thread, where an error is that write's alone.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

T = TypeVar("T")


@dataclass
class _Write:
    work: Callable[[Connection], Any]
    done: bool = False
    value: Any = None
    refused: Exception | None = None
    alone: bool = False


class GroupedWrites(Generic[T]):
    """Writes made together; ``begin`` opens the transaction (e.g. ``lambda: database.begin(**WRITE_INTENT)``)."""

    def __init__(self, begin: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._begin = begin
        self._changed = threading.Condition(threading.Lock())
        self._waiting: list[_Write] = []
        self._writing = False
        self.transactions = 0  # committed or not: how many the writers began (tests and benchmarks read it)

    def run(self, work: Callable[[Connection], T]) -> T:
        """Make ``work(connection)`` with the writes waiting; returns its result or raises its refusal."""
        mine = _Write(work)
        with self._changed:
            self._waiting.append(mine)
            while self._writing and not mine.done:
                self._changed.wait()
            leading = not mine.done
            if leading:
                self._writing = True
                batch, self._waiting = self._waiting, []
        if leading:
            try:
                self._write(batch)
            finally:
                with self._changed:
                    for write in batch:
                        if not write.done:  # the writer itself was interrupted
                            write.done = write.alone = True
                    self._writing = False
                    self._changed.notify_all()
        if mine.alone:
            with self._begin() as connection:
                return work(connection)
        if mine.refused is not None:
            raise mine.refused
        return mine.value  # type: ignore[no-any-return]  # what work returned

    def _write(self, batch: list[_Write]) -> None:
        self.transactions += 1
        try:
            with self._begin() as connection:
                for write in batch:
                    try:
                        write.value = write.work(connection)
                    except SQLAlchemyError:
                        raise
                    except Exception as refusal:  # raised before it wrote: its own, not the others'
                        write.refused = refusal
        except SQLAlchemyError:
            for write in batch:
                write.value, write.refused, write.alone = None, None, True
        for write in batch:
            write.done = True

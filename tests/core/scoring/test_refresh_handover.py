"""A committing thread rescores a bounded number of times, then hands over (core.scoring.freshness).

Seen with bench/faults.py (55 clients, no faults): a few signal posts got no answer within the
client's 15 s. The request whose commit started the process's rescoring went round again for every
change the other threads committed meanwhile, and under a steady stream of writes never returned.
"""
from __future__ import annotations

import threading
from types import SimpleNamespace

from sqlalchemy.orm import sessionmaker

from core.db import utcnow
from core.scoring import freshness

CHANGES = 10


def test_a_stream_of_changes_is_left_to_a_thread_of_its_own():
    refresher = freshness._Refresher(sessionmaker())
    ran: list[str] = []
    done = threading.Event()

    def run(_since):  # each rescoring finds that another commit came in meanwhile
        ran.append(threading.current_thread().name)
        if len(ran) < CHANGES:
            with refresher.lock:
                refresher.pending = utcnow()
        else:
            done.set()

    refresher._run = run
    refresher.after_commit(SimpleNamespace(info={freshness._WROTE: utcnow()}))

    here = threading.current_thread().name
    assert ran.count(here) < CHANGES  # the commit's request is answered while changes keep coming
    assert done.wait(60), ran  # the rest is rescored all the same, on another thread
    for thread in threading.enumerate():
        if thread.name == "duban-rescoring":
            thread.join(60)
    assert ran[:freshness.ROUNDS_IN_A_REQUEST] == [here] * freshness.ROUNDS_IN_A_REQUEST
    assert ran.count(here) == freshness.ROUNDS_IN_A_REQUEST and len(ran) == CHANGES
    assert not refresher.running and refresher.pending is None


def test_a_commit_that_finds_nothing_more_returns_after_its_own_rescoring():
    refresher = freshness._Refresher(sessionmaker())
    ran: list[str] = []
    refresher._run = lambda _since: ran.append(threading.current_thread().name)
    refresher.after_commit(SimpleNamespace(info={freshness._WROTE: utcnow()}))
    assert ran == [threading.current_thread().name] and not refresher.running

"""Group commit (core.grouped_writes): writes waiting together go in one transaction, each keeps its own outcome."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from core.db import WRITE_INTENT, Database
from core.grouped_writes import GroupedWrites

WRITERS = 12


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS grouped_t"))
        connection.execute(text("CREATE TABLE grouped_t (n INTEGER PRIMARY KEY)"))
    yield database
    with database.begin() as connection:
        connection.execute(text("DROP TABLE grouped_t"))
    database.engine.dispose()


def stored(database: Database) -> list[int]:
    with database.engine.connect() as connection:
        return list(connection.scalars(text("SELECT n FROM grouped_t ORDER BY n")))


class Held:
    """The first write waits inside its transaction until the others are queued behind it."""

    def __init__(self, group: GroupedWrites[Any]) -> None:
        self.group = group
        self.inside = threading.Event()
        self.release = threading.Event()

    def first(self, connection: Connection) -> int:
        connection.execute(text("INSERT INTO grouped_t (n) VALUES (0)"))
        self.inside.set()
        assert self.release.wait(30)
        return 0

    def queued(self, count: int) -> None:
        """Let the first write finish once ``count`` writes wait behind it."""
        for _ in range(3000):
            with self.group._changed:
                if len(self.group._waiting) >= count:
                    break
            threading.Event().wait(0.01)
        self.release.set()


def insert(n: int, connection: Connection) -> int:
    connection.execute(text("INSERT INTO grouped_t (n) VALUES (:n)"), {"n": n})
    return n * 10


def run_all(group: GroupedWrites[Any], works: list[Any]) -> dict[int, Any]:
    """Run the first work, then the others from their own threads once it is inside; outcomes by index."""
    held = Held(group)
    outcomes: dict[int, Any] = {}

    def one(index: int, work: Any) -> None:
        try:
            outcomes[index] = group.run(work)
        except Exception as error:  # the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=one, args=(0, held.first))]
    threads[0].start()
    assert held.inside.wait(30)
    threads += [threading.Thread(target=one, args=(i, work)) for i, work in enumerate(works, start=1)]
    for thread in threads[1:]:
        thread.start()
    held.queued(len(works))
    for thread in threads:
        thread.join(60)
    return outcomes


def test_writes_waiting_are_committed_in_one_transaction_each_with_its_own_result(database: Database) -> None:
    group: GroupedWrites[int] = GroupedWrites(partial(database.begin, **WRITE_INTENT))
    outcomes = run_all(group, [partial(insert, n) for n in range(1, WRITERS)])
    assert outcomes == {n: n * 10 for n in range(WRITERS)}
    assert stored(database) == list(range(WRITERS))
    assert group.transactions == 2  # the first write's, then every write that waited behind it


def test_a_refusal_is_its_own_writes_alone(database: Database) -> None:
    def refused(connection: Connection) -> int:
        raise ValueError("not this one")

    group: GroupedWrites[int] = GroupedWrites(partial(database.begin, **WRITE_INTENT))
    works = [partial(insert, 1), refused, partial(insert, 3)]
    outcomes = run_all(group, works)
    assert isinstance(outcomes[2], ValueError)
    assert {k: v for k, v in outcomes.items() if k != 2} == {0: 0, 1: 10, 3: 30}
    assert stored(database) == [0, 1, 3]
    assert group.transactions == 2


def test_a_database_error_undoes_the_group_and_each_write_is_made_again_alone(database: Database) -> None:
    group: GroupedWrites[int] = GroupedWrites(partial(database.begin, **WRITE_INTENT))
    # The third write repeats the second's key: the group's transaction fails as a whole.
    works = [partial(insert, 1), partial(insert, 2), partial(insert, 2), partial(insert, 4)]
    outcomes = run_all(group, works)
    assert outcomes[0] == 0 and outcomes[4] == 40
    errors = [k for k, v in outcomes.items() if isinstance(v, IntegrityError)]
    assert len(errors) == 1 and errors[0] in (2, 3)  # whichever of the two came second, alone
    assert {outcomes[k] for k in (2, 3) if k not in errors} == {20}
    assert outcomes[1] == 10
    assert stored(database) == [0, 1, 2, 4]


def test_alone_a_write_is_its_own_transaction(database: Database) -> None:
    group: GroupedWrites[int] = GroupedWrites(partial(database.begin, **WRITE_INTENT))
    assert [group.run(partial(insert, n)) for n in (5, 6)] == [50, 60]
    assert group.transactions == 2
    with pytest.raises(IntegrityError):
        group.run(partial(insert, 5))
    assert stored(database) == [5, 6]

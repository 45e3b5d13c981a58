"""surveys.disclosure.forked: independent computations spread over forked processes."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from django.db import connection

from surveys.disclosure.forked import MAX_TASKS, ForkedTasks, run_forked

PARENT = os.getpid()


def square_and_whose(x):
    return x * x, os.getpid()


def slowly_square_and_whose(x):
    import time

    time.sleep(0.01)
    return x * x, os.getpid()


@pytest.mark.parametrize("children", [0, 1, 3])
def test_every_result_comes_back_in_the_tasks_order(children):
    results = run_forked(square_and_whose, list(range(200)), children=children)

    assert [value for value, _ in results] == [x * x for x in range(200)]


def test_more_tasks_than_the_pipe_holds_are_computed_here():
    tasks = list(range(MAX_TASKS + 1))

    assert [value for value, _ in run_forked(square_and_whose, tasks, children=2)] == [x * x for x in tasks]
    with pytest.raises(ValueError, match="at most"):
        ForkedTasks(square_and_whose, tasks, children=2)


def test_the_children_do_share_the_work():
    workers = {pid for _, pid in run_forked(slowly_square_and_whose, list(range(40)), children=2)}

    assert len(workers) >= 2


def test_a_task_that_fails_in_a_child_fails_here_too():
    def fails_on_seven(x):
        if x == 7:
            raise ValueError("seven")
        return x

    with pytest.raises(ValueError, match="seven"):
        ForkedTasks(fails_on_seven, list(range(20)), children=2).results(help=False)


def test_a_child_that_dies_loses_nothing():
    """A child killed mid-way (the OOM killer, say): the parent computes what it did not send."""

    def dies_in_a_child(x):
        if os.getpid() != PARENT and x == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return x + 1

    assert ForkedTasks(dies_in_a_child, list(range(30)), children=2).results(help=False) == list(range(1, 31))


def _in_a_daemon(queue):
    queue.put(run_forked(slowly_square_and_whose, list(range(50)), children=2))


def test_it_runs_in_a_daemonic_process_like_a_celery_prefork_child():
    """multiprocessing refuses children to daemonic processes (Celery's prefork children are)."""
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_in_a_daemon, args=(queue,), daemon=True)
    process.start()
    results = queue.get(timeout=60)
    process.join(timeout=60)

    assert [value for value, _ in results] == [x * x for x in range(50)]
    assert len({pid for _, pid in results}) >= 2


@pytest.mark.django_db
def test_the_parents_database_connection_is_left_as_it_was():
    """The children leave with os._exit: nothing of theirs closes or talks on the connection they
    inherited."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        before = cursor.fetchone()[0]

    run_forked(square_and_whose, list(range(100)), children=2)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), 41 + 1")
        assert cursor.fetchone() == (before, 42)

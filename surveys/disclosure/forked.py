"""Run many independent computations in forked copies of this process, on every core.

The per-measure audits of a release (``surveys.disclosure.measures``) are independent of each
other once their shared inputs exist, and pure: numpy and Python, no database, no files. A
release is built in a Celery worker, whose prefork children are daemonic processes that
``multiprocessing`` will not let start children; ``os.fork`` has no such rule, and a forked copy
starts with every input already in its memory (copy-on-write), so nothing is pickled on the way
in.

How it works: the tasks' indices are written to a pipe before forking; each child reads the next
index (a 4-byte read from a pipe is never split), computes, and at the end sends its results,
pickled, through a pipe of its own, then leaves with ``os._exit`` (no clean-up of the parent's
database connections, no atexit handlers). The parent may take tasks from the same pipe itself
(``ForkedTasks.results(help=True)``), so the work balances whatever each task costs. A child that
dies, or a task that raises in a child, is recomputed by the parent: the answer never depends on
how it was split.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import traceback
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

_INDEX = struct.Struct("<i")
# The task indices must fit in the pipe before any child starts (64 KiB on Linux).
MAX_TASKS = 15_000


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class ForkedTasks:
    """``func(task)`` for every task, in ``children`` forked processes started at once."""

    def __init__(self, func: Callable[[Any], Any], tasks: Sequence[Any], children: int):
        self.func = func
        self.tasks = list(tasks)
        self.children: list[tuple[int, int]] = []  # (pid, read end of its results)
        self._done: dict[int, Any] = {}
        if len(self.tasks) > MAX_TASKS:  # the pipe would fill, and this write never return
            raise ValueError(f"at most {MAX_TASKS} tasks can be handed out through a pipe")
        children = min(children, len(self.tasks))
        self._queue_read, queue_write = os.pipe()
        os.write(queue_write, b"".join(_INDEX.pack(i) for i in range(len(self.tasks))))
        os.close(queue_write)
        for _ in range(children):
            results_read, results_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(results_read)
                self._child(results_write)
            os.close(results_write)
            self.children.append((pid, results_read))

    def _next(self) -> int | None:
        data = os.read(self._queue_read, _INDEX.size)
        return _INDEX.unpack(data)[0] if len(data) == _INDEX.size else None

    def _child(self, results_write: int) -> None:
        status = 0
        try:
            done, failed = {}, {}
            while (i := self._next()) is not None:
                try:
                    done[i] = self.func(self.tasks[i])
                except Exception:  # the parent computes it again, and raises it there
                    failed[i] = traceback.format_exc()
            payload = pickle.dumps((done, failed), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(results_write, "wb") as out:
                out.write(payload)
        except BaseException:
            status = 1
        finally:
            os._exit(status)

    def results(self, *, help: bool = True) -> list[Any]:
        """Every task's result, in the tasks' order. With ``help``, this process takes tasks too
        until none is left; then it collects the children's."""
        if help:
            while (i := self._next()) is not None:
                self._done[i] = self.func(self.tasks[i])
        for pid, results_read in self.children:
            with os.fdopen(results_read, "rb") as source:
                payload = source.read()
            os.waitpid(pid, 0)
            try:
                done, failed = pickle.loads(payload) if payload else ({}, {})
            except Exception:
                done, failed = {}, {}
            for error in failed.values():
                logger.warning("A forked task failed; computing it here. %s", error)
            self._done.update(done)
        self.children = []
        os.close(self._queue_read)
        # Whatever a child did not hand back (it died, or its task raised) is computed here.
        return [self._done[i] if i in self._done else self.func(task) for i, task in enumerate(self.tasks)]


def run_forked(func: Callable[[Any], Any], tasks: Sequence[Any], children: int | None = None) -> list[Any]:
    """``[func(t) for t in tasks]``, spread over this process and ``children`` forked ones (one
    less than the usable cores by default)."""
    if children is None:
        children = usable_cores() - 1
    if children < 1 or len(tasks) < 2 or len(tasks) > MAX_TASKS:
        return [func(task) for task in tasks]
    return ForkedTasks(func, tasks, children).results(help=True)

"""Work split between this process and one forked child, for the index's large first reads.

Reading a node's actors for the first time (a worker's first request, ``enforce-share
resolve``) profiles and scores every actor: pure Python, one core busy. On a machine with two
cores or more, a forked child does every other item meanwhile and sends its results back
through a pipe. Only a process with a single thread forks (a fork copies no other thread,
and a lock another thread held would stay locked in the child), so inside a threaded server
the work stays in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..errors import Error

T = TypeVar("T")
R = TypeVar("R")


class ChildFailed(Error):
    """The forked child died before sending its share."""

    code = "fork_failed"
    status = 500


def may_fork() -> bool:
    """Whether splitting work in two would use a second core here, safely."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return hasattr(os, "fork") and (cores or 1) >= 2 and threading.active_count() == 1


def in_two(work: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[R]:
    """``work`` over ``items``: every other item in a forked child, the rest here, at once.

    ``work``'s result must pickle. Returns this process's result, then the child's (one
    result only, of all the items, when forking is not possible or not safe).
    """
    if not may_fork():
        return [work(items)]
    reader, writer = multiprocessing.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child: its share, through the pipe, and out without cleaning up
        status = 1
        try:
            reader.close()
            writer.send(work(items[1::2]))
            status = 0
        finally:
            os._exit(status)
    writer.close()
    try:
        mine = work(items[0::2])
        theirs = reader.recv()
    except EOFError as exc:
        raise ChildFailed("the second process died before sending its share") from exc
    finally:
        reader.close()
        os.waitpid(pid, 0)
    return [mine, theirs]

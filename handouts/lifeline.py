"""Render processes die with the build that started them, however the build ends.

A build killed with ``kill -9`` (or by the out-of-memory killer) cannot stop its workers
itself. On Linux each process of the build therefore asks the kernel for a signal when its
parent dies (``prctl(PR_SET_PDEATHSIG)``): the fork server when the build dies, each worker
when the fork server dies. Nothing is left holding the build's output (``build | tee`` ends).

The fork server imports this module (as a preload): it arms itself only when it is a fork
server and its parent is the build that says so in ``HANDOUTS_BUILD_PID``; importing this
module anywhere else does nothing.
"""

from __future__ import annotations

import os
import signal
import sys

PARENT_ENV = "HANDOUTS_BUILD_PID"
PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent: int | None = None) -> bool:
    """Ask for SIGKILL when the parent process dies (Linux); True if armed.

    If the parent is already gone (it died before we asked), exit at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)  # orphaned before the signal was armed
    return True


def _arm_fork_server() -> None:
    expected = os.environ.get(PARENT_ENV, "")
    in_fork_server = sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules
    if not (in_fork_server and expected.isdigit() and int(expected) == os.getppid()):
        return  # not the fork server of the build that set the variable
    if hasattr(os, "register_at_fork") and die_with_parent(int(expected)):
        # Every process the server forks (a worker) dies with the server, armed at once:
        # a worker killed before it ran its initializer would otherwise live on.
        server = os.getpid()
        os.register_at_fork(after_in_child=lambda: die_with_parent(server))


_arm_fork_server()

"""The render workers: processes forked from a server that imports WeasyPrint once.

One worker means rendering in this process. ``watch`` and the desk keep their workers between
builds: a worker that has rendered once renders the next handout about a third faster.

The workers die with the build that started them, however the build ends. A build killed
with ``kill -9`` (or by the out-of-memory killer) cannot stop its workers itself. On Linux
each process of the build therefore asks the kernel for a signal when its parent dies
(``prctl(PR_SET_PDEATHSIG)``): the fork server when the build dies, each worker when the fork
server dies. Nothing is left holding the build's output (``build | tee`` ends). The fork
server imports this module (as a preload): it arms itself only when it is a fork server and
its parent is the build that says so in ``HANDOUTS_BUILD_PID``; importing this module
anywhere else does nothing.

Nor is anything left in the system's temporary folder: WeasyPrint copies the fonts into a
folder of its own there, which a worker that exits never removes. The workers' temporary
files go into one private folder, made and removed by the build. A build killed with ``kill -9``
cannot remove its folder; the folder's name carries the build's process id, and the next build
removes the folders of builds that no longer run.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .pdf import RenderJob, RenderResult

PARENT_ENV = "HANDOUTS_BUILD_PID"
TMP_PREFIX = "handouts-render-"  # + the build's process id + "-" + a random part
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Lost:
    """A job whose worker stopped unexpectedly (killed, out of memory): it was not rendered."""

    key: str


class Workers:
    """The render worker processes: ``start``, ``render`` jobs (as often as needed), ``stop``."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None
        self.tmp: str | None = None  # the workers' temporary folder, while they run

    def start(self) -> None:
        if self.count < 2 or self.pool is not None:
            return
        # here, not at the top: 20 ms a build with nothing to render, or with one worker, never needs
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import forkserver

        context = multiprocessing.get_context("forkserver")
        # The fork server dies with this process; only when started from the main thread, as
        # the kernel's parent-death signal follows the thread that started it.
        if threading.current_thread() is threading.main_thread():
            os.environ[PARENT_ENV] = str(os.getpid())
        context.set_forkserver_preload(["handouts.workers", "handouts.pdf", "handouts.engine"])
        forkserver.ensure_running()
        remove_stale_folders()
        self.tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        self.pool = ProcessPoolExecutor(
            self.count, mp_context=context, initializer=_start_worker, initargs=(self.tmp,)
        )

    def stop(self) -> None:
        """Cancel what has not started, wait for what is rendering (after Ctrl-C too)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.tmp is not None:  # the workers have ended: what they left is removed
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def render(self, jobs: list[RenderJob], begin: Callable[[str], None]) -> Iterator[RenderResult | Lost]:
        """Render every job, longest first (the booklet, articles, cards); yield each result as it comes.

        ``begin`` is told each job's key as it is handed out. If a worker stops unexpectedly the
        pool is unusable: its jobs come back ``Lost``, and the workers are stopped (a later
        ``start`` makes new ones).
        """
        from .pdf import render  # here: 10 ms (measured) a build with nothing to render never needs

        jobs = sorted(jobs, key=lambda j: (j.notes_html is None, "articles/" not in j.key, j.key))
        if self.pool is None:
            for job in jobs:
                begin(job.key)
                yield render(job)
            return
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        futures = {}
        for job in jobs:
            futures[self.pool.submit(render, job)] = job
            begin(job.key)
        broken = False
        for future in as_completed(futures):
            try:
                result: RenderResult | Lost = future.result()
            except BrokenProcessPool:  # a worker was killed or crashed: the others stop too
                result, broken = Lost(futures[future].key), True
            yield result
        if broken:
            self.stop()


def remove_stale_folders() -> None:
    """Remove the workers' folders of builds that no longer run (killed with ``kill -9``), ours only."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        pid = name.removeprefix(TMP_PREFIX).split("-", 1)[0]
        if not name.startswith(TMP_PREFIX) or not pid.isdecimal():
            continue
        path = os.path.join(root, name)
        try:
            if os.lstat(path).st_uid != os.getuid() or _running(int(pid)):
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it runs
        return True
    return True


def _start_worker(tmp: str) -> None:
    """In a worker: temporary files go to the build's folder ``tmp``; Ctrl-C is for the build
    process, which stops the workers itself; and the worker dies with its parent, the fork
    server (which dies with the build)."""
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(os.getppid())


def die_with_parent(expected_parent: int | None = None) -> bool:
    """Ask for SIGKILL when the parent process dies (Linux); True if armed.

    If the parent is already gone (it died before we asked), exit at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: 1.5 ms (measured) that the build process itself never needs

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

"""``serve``: build, then serve the desk (waitress) and rebuild on every change until Ctrl-C.

Three threads: waitress answers the browsers (the main thread), one waits for changes in the
content, templates and styles (as ``watch`` does), one builds when asked (by a change or the
staff's button) and then swaps in the new catalogue. Builds and personalised prints share the
same warm render workers.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from .. import console
from ..build import build
from ..models import UsageError
from ..paths import display
from ..progress import Progress
from ..workers import Workers
from .app import create_app
from .catalogue import make, record
from .guard import WILDCARDS, allowed_hosts, code_refusal, host_name, start_urls
from .state import CHANGED, STARTED, Desk

USAGE, INTERRUPTED = 2, 130  # exit statuses, as the command line's
ACCESS_ENV = "HANDOUTS_ACCESS_CODE"
THREADS = 8


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    content_dir: Path,
    out: Path,
    jobs: int | None,
    quiet: bool,
    host: str,
    port: int,
    access_code: str | None,
    allow_hosts: Sequence[str] = (),
) -> int:
    code = access_code or os.environ.get(ACCESS_ENV) or None
    refused = _refusal(content_dir, host, code, allow_hosts)
    if refused:
        print(refused, file=sys.stderr)
        return USAGE
    if access_code and not quiet:
        print(
            f"handouts: note: --access-code shows in the process list (ps) of every user of this "
            f"computer; set {ACCESS_ENV} instead",
            file=sys.stderr,
        )
    # No access log, and waitress's own messages without request details.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    workers = Workers(max(2, jobs or os.cpu_count() or 1))  # a pool: renders never block each other
    desk = Desk(content_dir, out, workers)
    stop = threading.Event()
    wake = threading.Event()
    desk.request_rebuild = wake.set
    server = None
    try:
        try:  # listen first: a port in use is said before anything is built
            server = _listen(create_app(desk, code, allowed_hosts(host, allow_hosts)), host, port)
        except OSError as exc:
            print(f"handouts: error: cannot serve on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return USAGE
        _rebuild(desk, STARTED, quiet)  # browsers wait until it is done
        threading.Thread(target=_watch, args=(desk, wake, quiet), daemon=True, name="watch").start()
        threading.Thread(target=_builder, args=(desk, stop, wake, quiet), daemon=True, name="build").start()
        _say_where(host, server.effective_port)
        server.run()
    except KeyboardInterrupt:
        if not quiet:
            print("\ndesk stopped.", file=sys.stderr, flush=True)
    finally:
        stop.set()
        wake.set()
        if server is not None:
            server.close()
        workers.stop()
    return INTERRUPTED


def _refusal(content_dir: Path, host: str, code: str | None, allow_hosts: Sequence[str]) -> str | None:
    """Why the desk cannot start as asked (the error and its hint), or None."""
    if not is_loopback(host) and not code:
        return (
            f"handouts: error: --host {host} lets other computers reach the desk: it needs an access code\n"
            f"    hint: set {ACCESS_ENV} (or add --access-code CODE); or serve this computer only "
            "with --host 127.0.0.1"
        )
    refused = code_refusal(code)
    if refused:
        return refused
    bad = [name for name in allow_hosts if host_name(name) is None]
    if bad:
        return (
            f"handouts: error: --allow-host {bad[0]!r} is no host name\n"
            "    hint: a name as typed in the browser's address bar, without http:// or a port, "
            "e.g. --allow-host desk.praktijk.lan"
        )
    if not content_dir.is_dir():
        return f"handouts: error: content folder not found: {display(content_dir)}"
    return None


def _say_where(host: str, port: int) -> None:
    """Where to point the browser, always shown (even with -q): the addresses other computers
    can open when the desk listens on every address (0.0.0.0), else the one it listens on."""
    urls = start_urls(host, port)
    if not urls:  # 0.0.0.0 without a network (yet)
        print(f"desk: http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr)
        print("desk: no network address found: other computers cannot reach it yet", file=sys.stderr)
    else:
        print(f"desk: {urls[0]} (Ctrl-C to stop)", file=sys.stderr)
        if len(urls) > 1:
            print(f"desk: also {', '.join(urls[1:])}", file=sys.stderr)
    if host in WILDCARDS:
        print(f"desk: on this computer http://127.0.0.1:{port}/", file=sys.stderr)
    sys.stderr.flush()


def _listen(app: Flask, host: str, port: int) -> Any:
    """A waitress server on ``host:port``, listening already (OSError: the port is taken)."""
    import waitress

    return waitress.create_server(
        app,
        host=host,
        port=port,
        threads=THREADS,
        ident="handouts",
        # Bodies over the app's limit (16 KB, a Dutch message) up to this one reach the app;
        # both stay under inbuf_overflow, so waitress never spools a form to a temp file.
        max_request_body_size=256 * 1024,
        inbuf_overflow=512 * 1024,
        clear_untrusted_proxy_headers=True,
    )


def _watch(desk: Desk, wake: threading.Event, quiet: bool) -> None:
    """``watch``'s loop, in a thread: every change wakes the build thread."""
    from ..watch import watch

    def rebuild() -> int:
        wake.set()
        return 0

    watch(desk.content_dir, desk.out, rebuild, quiet)


def _builder(desk: Desk, stop: threading.Event, wake: threading.Event, quiet: bool) -> None:
    while True:
        wake.wait()
        if stop.is_set():
            return
        wake.clear()
        reason, desk.reason = desk.reason, CHANGED
        try:
            _rebuild(desk, reason, quiet)
        except Exception as exc:  # keep serving the last catalogue
            if not stop.is_set():  # (stopping: the workers were stopped under the build)
                print(f"handouts: error: rebuild failed: {type(exc).__name__}: {exc}", file=sys.stderr)


def _rebuild(desk: Desk, reason: str, quiet: bool) -> None:
    """Build what changed, print its problems as ``build`` does, and swap in the new catalogue."""
    desk.building = True
    started = datetime.datetime.now()
    clock = time.monotonic()
    progress = Progress(quiet=quiet)
    try:
        try:
            summary = build(desk.content_dir, desk.out, workers=desk.workers, progress=progress)
        finally:
            progress.finish()
        seconds = time.monotonic() - clock
        console.report_build(summary, desk.out, seconds, quiet)
        desk.catalogue = make(desk.content_dir, desk.out)
        desk.history.append(record(summary, started, seconds, reason))
    except UsageError as exc:  # cannot happen for a full build; said plainly if it does
        print(f"handouts: error: {exc}", file=sys.stderr)
    finally:
        desk.building = False

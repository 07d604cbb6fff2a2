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
from .state import Desk

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
) -> int:
    code = access_code or os.environ.get(ACCESS_ENV) or None
    refused = _refusal(content_dir, host, code)
    if refused:
        print(refused, file=sys.stderr)
        return USAGE
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
            server = _listen(create_app(desk, code), host, port)
        except OSError as exc:
            print(f"handouts: error: cannot serve on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return USAGE
        _rebuild(desk, "start van de desk", quiet)  # browsers wait until it is done
        threading.Thread(target=_watch, args=(desk, wake, quiet), daemon=True, name="watch").start()
        threading.Thread(target=_builder, args=(desk, stop, wake, quiet), daemon=True, name="build").start()
        shown = f"[{host}]" if ":" in host else host
        # Always shown, even with -q: where to point the browser.
        print(f"desk: http://{shown}:{server.effective_port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
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


def _refusal(content_dir: Path, host: str, code: str | None) -> str | None:
    """Why the desk cannot start as asked (the error and its hint), or None."""
    if not is_loopback(host) and not code:
        return (
            f"handouts: error: --host {host} lets other computers reach the desk: it needs an access code\n"
            f"    hint: add --access-code CODE, or set {ACCESS_ENV}; or serve this computer only "
            "with --host 127.0.0.1"
        )
    if not content_dir.is_dir():
        return f"handouts: error: content folder not found: {display(content_dir)}"
    return None


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
        reason, desk.reason = desk.reason, "wijziging in de inhoud"
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

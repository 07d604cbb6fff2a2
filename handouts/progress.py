"""What the user sees while a build runs: a live line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Reports rendering progress. ``quiet`` shows nothing; errors are printed by the caller.

    On a terminal one line is redrawn (what is rendering, N of M, elapsed time); in CI or a
    pipe each finished output gets a plain line.
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.total = self.count = 0
        self.workers = 1
        self.started = time.monotonic()
        self.running: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self, total: int, workers: int = 1) -> None:
        self.total, self.count, self.workers = total, 0, workers
        self.started = time.monotonic()
        if self.live:  # keep the clock moving while a long output renders
            threading.Thread(target=self._tick, daemon=True).start()

    def begin(self, key: str) -> None:
        with self._lock:
            self.running.append(key)
        self._show()

    def done(self, key: str, ok: bool) -> None:
        with self._lock:
            if key in self.running:
                self.running.remove(key)
            self.count += 1
        if self.live:
            self._show()
        elif not self.quiet:
            word = "built" if ok else "failed"
            self.stream.write(f"[{self.count}/{self.total}] {word} {key}\n")
            self.stream.flush()

    def finish(self) -> None:
        self._stop.set()
        if self.live:
            with self._lock:
                self.stream.write("\r\033[K")
                self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self._show()

    def _show(self) -> None:
        if not self.live or self._stop.is_set():
            return
        with self._lock:
            now = self.running[: self.workers]  # the rest are queued
            shown = ", ".join(now) + (
                f" (+{len(self.running) - len(now)} queued)" if len(self.running) > len(now) else ""
            )
            elapsed = time.monotonic() - self.started
            line = f"[{self.count}/{self.total}] {elapsed:5.1f} s  rendering {shown}"
            self.stream.write("\r\033[K" + line[:110])
            self.stream.flush()

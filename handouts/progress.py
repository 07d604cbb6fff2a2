"""What the user sees while a build runs: a live line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports rendering progress. ``quiet`` shows nothing; errors are printed by the caller."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.total = 0
        self.count = 0
        self.started = time.monotonic()
        self.running: list[str] = []

    def start(self, total: int) -> None:
        self.total, self.count, self.started = total, 0, time.monotonic()

    def begin(self, key: str) -> None:
        self.running.append(key)
        self._show()

    def done(self, key: str, ok: bool) -> None:
        if key in self.running:
            self.running.remove(key)
        self.count += 1
        if self.quiet:
            return
        if self.live:
            self._show()
        else:
            word = "built" if ok else "failed"
            self.stream.write(f"[{self.count}/{self.total}] {word} {key}\n")
            self.stream.flush()

    def _show(self) -> None:
        if not self.live:
            return
        elapsed = time.monotonic() - self.started
        now = ", ".join(self.running[:2]) + (" ..." if len(self.running) > 2 else "")
        line = f"[{self.count}/{self.total}] {elapsed:5.1f} s  rendering {now}" if now else ""
        self.stream.write("\r\033[K" + line[:100])
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()

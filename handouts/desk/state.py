"""The desk's state, shared by the web threads and the build thread: one ``Desk`` per app.

``create_app`` keeps it in ``app.extensions["handouts.desk"]``; a view reaches it with
``current_desk()``. The build thread replaces ``catalogue`` whole after each build, so the web
threads read it without locks.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from flask import current_app

from ..pdf import RenderJob, RenderResult, render
from ..workers import Workers
from .catalogue import BuildRecord, Catalogue
from .words import N_

EXTENSION = "handouts.desk"  # the key in app.extensions
# Why a build ran, as "Inhoud" lists it (translated there: words.py)
CHANGED = N_("wijziging in de inhoud")
STARTED = N_("start van de desk")


@dataclass
class Desk:
    """The desk's state: the current catalogue, the builds so far, the render workers."""

    content_dir: Path
    out: Path
    workers: Workers
    catalogue: Catalogue = field(default_factory=Catalogue)
    history: deque[BuildRecord] = field(default_factory=lambda: deque(maxlen=20))
    building: bool = False
    reason: str = CHANGED  # why the next build runs, as the staff page says it
    request_rebuild: Callable[[], None] = lambda: None
    _render_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Flask resolves a relative file against the package, not the working folder.
        self.out = self.out.resolve()

    @property
    def practice_name(self) -> str:
        practice = self.catalogue.content.practice if self.catalogue.content else None
        return practice.name if practice else "Handouts"

    def render(self, render_job: RenderJob) -> RenderResult:
        """Render on a warm worker (or here, one at a time, when there is a single worker)."""
        pool = self.workers.pool
        if pool is not None:
            try:
                return pool.submit(render, render_job).result()
            except Exception:  # the pool broke (a worker was killed): render here instead
                pass
        with self._render_lock:
            return render(render_job)


def current_desk() -> Desk:
    """The desk of the app handling the current request."""
    return cast(Desk, current_app.extensions[EXTENSION])

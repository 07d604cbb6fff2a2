"""What the staff page ("Inhoud") shows: the last build's problems in Dutch, causes first; the
handouts with their review, or as failed; the builds so far; the last link check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..dutch import Dutch, cause_first, dutch
from ..linkcheck import last_report
from ..models import Output
from .catalogue import KIND_LABELS, Entry
from .state import Desk
from .words import _


@dataclass(frozen=True)
class Failed:
    """A handout the last build could not make from today's text (a row of the table)."""

    key: str
    title: str
    label: str
    entry: Entry | None  # as the desk still lists it, from its last good PDF; None: never built


def kept_note(entry: Entry) -> str:
    """The staff's mark on a handout printed from its last good PDF (never on the page itself)."""
    assert entry.kept is not None
    date = entry.kept.strftime("%d-%m-%Y")
    return _("laatste goede versie van %(date)s; de tekst heeft een fout", date=date)


def failed_rows(state: Desk) -> list[Failed]:
    """The Dutch handouts whose text or rendering failed: kept from their last good PDF, or never made."""
    catalogue = state.catalogue
    keys = {e.key for e in catalogue.entries if e.kept is not None}
    last = state.history[-1] if state.history else None
    for key in last.failed if last else ():
        try:
            output = Output.parse(key)
        except ValueError:
            continue
        if output.lang == "nl" and output.variant == "standard" and not output.is_booklet:
            keys.add(key)
    rows = []
    for key in sorted(keys):
        entry = catalogue.by_key.get(key)
        kind = Output.parse(key).kind
        title = entry.title if entry else f"{key}.md"
        rows.append(Failed(key, title, _(KIND_LABELS[kind]), entry))
    return rows


def shown_path(state: Desk, path: str) -> str:
    """A problem's file as the staff know it: from the content folder's name on
    ("content/metaphors/glas-water.md"), also when the desk was given the folder as a full path."""
    try:
        return Path(path).relative_to(state.content_dir.resolve().parent).as_posix()
    except ValueError:
        return path


def problems(state: Desk) -> list[Dutch]:
    """The last build's problems, in Dutch where translated, each cause before what follows from it."""
    last = state.history[-1] if state.history else None
    return [dutch(problem) for problem in cause_first(last.problems if last else ())]


def context(state: Desk, queued: bool) -> dict[str, Any]:
    """Everything the staff page shows."""
    failed = failed_rows(state)
    failed_keys = {row.key for row in failed}
    links = last_report(state.out)
    return {
        "catalogue": state.catalogue,
        "entries": [e for e in state.catalogue.entries if e.key not in failed_keys],
        "failed": failed,
        "problems": problems(state),
        "history": list(reversed(state.history)),
        "last": state.history[-1] if state.history else None,
        "building": state.building,
        "queued": queued,
        "links": links,
        "link_problems": [dutch(problem) for problem in links.problems] if links else [],
        "kept_note": kept_note,
        "shown_path": lambda path: shown_path(state, path),
    }

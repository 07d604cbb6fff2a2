"""The build, in one straight line: hold the output folder, stop if nothing changed, load the
content, plan the outputs, render what changed, and sum it up.

What a build makes is ``plan``; what changed, ``incremental``; the output folder, ``outfolder``;
the render processes, ``workers``; what the user is told, ``console``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import console, incremental
from .incremental import MANIFEST, keys_for, read_manifest, tree_digest, variant_of, write_manifest
from .models import STANDARD, Content, Output, Problem, Summary, UsageError, Variant
from .outfolder import (
    FolderBusyError,
    check_folders,
    check_writable,
    lock,
    remove_leftovers,
    remove_stale,
    write_atomic,
    write_problem,
)
from .paths import display
from .plan import Plan, all_outputs, make_job, make_plan
from .progress import Progress
from .verdict import Verdict
from .workers import Lost, Workers

if TYPE_CHECKING:
    from .pdf import RenderJob, RenderResult

__all__ = ["Summary", "build"]

UNKNOWN = ""  # manifest value of an output whose PDF the tool made but whose inputs are not known


@dataclass(frozen=True)
class Request:
    """What was asked: which outputs (all by default), from where, into where."""

    content_dir: Path
    out: Path
    items: tuple[str, ...] = ()
    force: bool = False
    variant: Variant = STANDARD

    @property
    def full(self) -> bool:
        return not self.items


def build(
    content_dir: Path,
    out: Path,
    items: Sequence[str] | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    workers: Workers | None = None,
    variant: Variant = STANDARD,
) -> Summary:
    """Build the requested outputs (all by default). Raises UsageError for bad arguments only.

    ``workers`` lets the caller keep the render workers between builds (``watch`` does);
    by default they are started for this build and stopped at its end. ``variant`` is
    "standard" or "large" (large print, into the output folder's large/).
    """
    check_folders(content_dir, out)
    request = Request(content_dir, out, tuple(items or ()), force, variant)
    created = not out.exists()
    with contextlib.ExitStack() as stack:
        try:
            _hold(stack, out)
        except OSError as exc:
            return Summary(problems=(write_problem(out, exc, "the output folder"),))
        try:
            return _build_held(request, progress or Progress(quiet=True), workers, jobs)
        except UsageError:
            if created:  # wrong use writes nothing: not even the folder
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise
    raise AssertionError("unreachable")  # for mypy: the with block returns


def _hold(stack: contextlib.ExitStack, out: Path) -> None:
    """Hold the output folder; when another build holds it, say so, and wait for it."""
    try:
        stack.enter_context(lock(out, wait=False))
    except FolderBusyError:
        console.waiting_for(out)
        stack.enter_context(lock(out))


def _build_held(request: Request, progress: Progress, workers: Workers | None, jobs: int | None) -> Summary:
    """The build, once the output folder is held: nothing at all when no input changed."""
    remove_leftovers(request.out)  # of a build killed while writing: held now, so no one writes them
    manifest = read_manifest(request.out)
    source = request.content_dir
    tree = tree_digest(source, request.out) if request.full and source.is_dir() else None
    if tree and not request.force:
        unchanged = incremental.unchanged(request.out, manifest, request.variant, tree)
        if unchanged is not None:
            return Summary(unchanged=tuple(unchanged))
    manifest.pop(incremental.tree_key(request.variant), None)  # set again after a clean full build
    with _running(workers, jobs, start=source.is_dir()) as running:
        return _build(request, manifest, tree, running, progress)


@contextlib.contextmanager
def _running(workers: Workers | None, jobs: int | None, start: bool) -> Iterator[Workers]:
    """The caller's workers, or this build's own (stopped at its end)."""
    own = workers or Workers(jobs or os.cpu_count() or 1)
    try:
        if start:  # now: the fork server's WeasyPrint import (half a second) overlaps loading the content
            own.start()
        yield own
    finally:
        if workers is None:
            own.stop()


def _build(
    request: Request, manifest: Mapping[str, str], tree: str | None, workers: Workers, progress: Progress
) -> Summary:
    """Load, plan, render what changed, and record it in the manifest."""
    out, variant = request.out, request.variant
    verdict = Verdict.of(request.content_dir)
    data = verdict.content
    if data.practice is None:
        return Summary(failed=tuple(o.key for o in all_outputs(data, variant)), problems=tuple(data.problems))
    plan = make_plan(verdict, request.items, variant)
    digests = keys_for(data, plan.targets)
    summary = Summary(failed=plan.failed, problems=(*data.problems, *plan.problems))
    if request.full:  # remove the PDFs of this variant whose content is gone, and forget them
        summary += _remove_stale(out, data, manifest, variant)
        current = {o.key for o in all_outputs(data, variant)}  # a broken item's last good PDF stays ours
        wanted = {o.key for o in digests}
        manifest = {
            k: v if k in wanted else UNKNOWN
            for k, v in manifest.items()
            if k in current or variant_of(k) != variant
        }
    todo = _todo(request, plan, digests, manifest)
    summary += Summary(unchanged=tuple(o.key for o in plan.targets if o not in todo))
    if todo:
        try:
            check_writable(out)
        except OSError as exc:
            failed = tuple(o.key for o in todo)
            return summary + Summary(failed=failed, problems=(write_problem(out, exc, "the output folder"),))
        progress.start(len(todo), workers=min(workers.count, len(todo)))
        jobs = [make_job(output, data, digests[output]) for output in todo]
        rendered, manifest = _render(
            jobs, out, workers, progress, manifest, {o.key: digests[o] for o in todo}
        )
        summary += rendered
    manifest = dict(manifest)
    if tree and not summary.errors and not summary.failed:
        manifest[incremental.tree_key(variant)] = tree
    try:
        write_manifest(out, manifest)
    except OSError as exc:
        summary += Summary(problems=(write_problem(out / MANIFEST, exc),))
    return replace(summary, problems=tuple(sorted(summary.problems, key=lambda p: (p.path, p.line or 0))))


def _remove_stale(out: Path, data: Content, manifest: Mapping[str, str], variant: Variant) -> Summary:
    """Remove the PDFs the manifest says this build made and no longer makes; leave the rest, and
    say once how many PDFs it left, and where."""
    made = [key for key in manifest if variant_of(key) == variant]
    try:
        removed, foreign = remove_stale(out, all_outputs(data, variant), made, variant)
    except OSError as exc:
        return Summary(problems=(write_problem(out, exc, "the output folder"),))
    notices: frozenset[str] = frozenset()
    if foreign:
        where = ", ".join(sorted({display(path.parent) + "/" for path in foreign}))
        notices = frozenset({f"left {len(foreign)} PDF(s) that handouts did not make in {where}"})
    return Summary(removed=tuple(removed), notices=notices)


def _todo(
    request: Request, plan: Plan, digests: Mapping[Output, str], manifest: Mapping[str, str]
) -> list[Output]:
    """The targets to render: changed since the manifest's build, or a PDF of theirs missing."""

    def fresh(output: Output) -> bool:
        return manifest.get(output.key) == digests[output] and all(
            (request.out / name).is_file() for name in output.files
        )

    return [output for output in plan.targets if request.force or not fresh(output)]


def _render(
    jobs: list[RenderJob],
    out: Path,
    workers: Workers,
    progress: Progress,
    manifest: Mapping[str, str],
    digests: Mapping[str, str],
) -> tuple[Summary, dict[str, str]]:
    """Render; write each output as it comes, and the manifest after each (an interrupted build
    keeps what it made). Returns what happened, and the manifest that says so."""
    summary, kept, lost = Summary(), dict(manifest), []
    manifest_shown = display(out / MANIFEST)
    for result in workers.render(jobs, progress.begin):
        if isinstance(result, Lost):
            lost.append(result.key)
            _forget(kept, result.key)
            progress.done(result.key, ok=False)
            continue
        saved = _save(result, out)
        summary += saved
        if saved.built:
            kept[result.key] = digests[result.key]
        else:
            _forget(kept, result.key)
        try:
            write_manifest(out, kept)
        except OSError as exc:
            if not any(p.path == manifest_shown for p in summary.problems):
                summary += Summary(problems=(write_problem(out / MANIFEST, exc),))
        progress.done(result.key, ok=bool(saved.built))
    if lost:
        summary += Summary(failed=tuple(lost), problems=(_lost_problem(out, len(lost)),))
        with contextlib.suppress(OSError):  # reported already, if it fails
            write_manifest(out, kept)
    return summary, kept


def _forget(manifest: dict[str, str], key: str) -> None:
    """An output that failed: not up to date, but its last good PDF is still one the tool made."""
    if key in manifest:
        manifest[key] = UNKNOWN


def _save(result: RenderResult, out: Path) -> Summary:
    """One rendered output: its PDFs written, or why it failed."""
    notices = frozenset(result.notices)
    if result.problems or result.outputs is None:
        internal = (result.key,) if result.internal else ()
        return Summary(
            failed=(result.key,), problems=tuple(result.problems), notices=notices, internal=internal
        )
    try:
        for name, pdf in result.outputs:
            write_atomic(out / name, pdf)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile, ...
        return Summary(failed=(result.key,), problems=(write_problem(out / name, exc),), notices=notices)
    return Summary(built=(result.key,), notices=notices)


def _lost_problem(out: Path, count: int) -> Problem:
    return Problem(
        display(out),
        None,
        f"a render worker stopped unexpectedly (killed, or out of memory?): {count} output(s) not rendered",
        "run the build again; what was built is kept",
    )

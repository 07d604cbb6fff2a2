"""The build, in one straight line: load and validate, decide what changed, render, write.

Each output is keyed on a hash of everything it depends on; the keys of the last good build
live in a manifest in the output folder, with one digest of every input file. When that
digest still matches, nothing is even parsed. Outputs whose key is unchanged are skipped
without importing WeasyPrint; the rest render in worker processes.
"""

from __future__ import annotations

import calendar
import contextlib
import errno
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, i18n
from .i18n import catalogue_path, check_catalogues
from .models import DEFAULT_LANG, KINDS, LANGUAGES, Content, Item, Output, Problem, booklet_file
from .paths import STYLES, TEMPLATES, css_references, display, missing_files
from .progress import Progress

if TYPE_CHECKING:  # the real imports wait until there is something to load or render
    from concurrent.futures import ProcessPoolExecutor

    from .pdf import RenderJob, RenderResult

MANIFEST = ".handouts-manifest.json"
TREE = "*all inputs*"  # manifest entry: every input file's digest, after a clean full build
FIXED_EPOCH = 946684800  # 2000-01-01: a fixed date for outputs that have none of their own


class UsageError(Exception):
    """Wrong command-line use (exit status 2)."""


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: set[str] = field(default_factory=set)  # about the machine: printed once
    removed: list[str] = field(default_factory=list)  # stale PDFs removed, as displayed paths
    internal: list[str] = field(default_factory=list)  # outputs that failed on a bug of ours

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _variant_of(manifest_key: str) -> str | None:
    """The variant of a manifest entry; None for entries that are not outputs."""
    try:
        return Output.parse(manifest_key).variant
    except ValueError:
        return None


# ---------------------------------------------------------------------------- hashing


def _digest(parts: Iterable[bytes | str]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def _file_digest(path: Path, cache: dict[Path, str]) -> str:
    if path not in cache:
        try:
            cache[path] = _digest([path.read_bytes()])
        except OSError:
            cache[path] = "missing"
    return cache[path]


def _stylesheet_files(first: Path) -> list[Path]:
    """A stylesheet and every file it loads (@imports, fonts): all it depends on."""
    files: list[Path] = []
    todo = [first]
    while todo:
        path = todo.pop()
        if path in files or not path.is_file():
            continue
        files.append(path)
        if path.suffix == ".css":
            todo += css_references(path)
    return files


def _tool_versions() -> list[str]:
    from importlib import metadata  # here, not at the top: render workers never need it

    versions = [__version__, metadata.version("weasyprint"), metadata.version("pypdf")]
    return [*versions, metadata.version("babel")]  # Babel: the month names


def _item_parts(item: Item, data: Content, cache: dict[Path, str]) -> list[str]:
    from .links import item_links

    links = item_links(item, data)
    parts = [item.key, _file_digest(item.path, cache), *(f"{link.url} {link.note}" for link in links)]
    parts += [f"{p.relative_to(data.root)}={_file_digest(p, cache)}" for p in item.images]
    return parts


def keys_for(data: Content, targets: list[Output]) -> dict[Output, str]:
    """The hash of every input of each target output."""
    cache: dict[Path, str] = {}
    assert data.practice is not None
    common = [
        *_tool_versions(),
        _file_digest(data.root / "practice.yml", cache),
        *(f"{p.name}={_file_digest(p, cache)}" for p in sorted(TEMPLATES.glob("*.html"))),  # not desk/
    ]
    if data.practice.logo:
        common.append(f"logo={_file_digest(data.practice.logo, cache)}")
    if data.theme:  # the practice's theme.css and the fonts it loads
        common += [f"theme:{p.name}={_file_digest(p, cache)}" for p in _stylesheet_files(data.theme)]
    keys = {}
    for target in targets:
        styles = [
            f"{p.name}={_file_digest(p, cache)}"
            for name in target.stylesheets
            for p in _stylesheet_files(STYLES / name)
        ]
        if target.is_booklet:
            booklet = data.booklets[target.lang]
            parts = [_file_digest(booklet.path, cache)]
            for section in booklet.sections:
                for key in section.items:
                    item = data.item(key)
                    if item is not None:
                        parts += _item_parts(item, data, cache)
        else:
            item = data.item(target.source_key)
            assert item is not None
            parts = _item_parts(item, data, cache)
        if target.lang != DEFAULT_LANG:
            parts.append(_file_digest(catalogue_path(target.lang), cache))
        keys[target] = _digest([*common, target.key, *styles, *parts])
    return keys


# ---------------------------------------------------------------------------- manifest and writes


def read_manifest(out: Path) -> dict[str, str]:
    """The keys of the last good build; a missing or corrupt manifest means 'build everything'."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}
    return data


def write_manifest(out: Path, manifest: dict[str, str]) -> None:
    """Save the manifest, only when it changed (a no-op build touches no file)."""
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    try:
        if (out / MANIFEST).read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(out / MANIFEST, data)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- targets


def all_outputs(data: Content, variant: str = "standard") -> list[Output]:
    """Everything a full build makes: every item file found (valid or not), and the booklets."""
    outputs = [Output.parse(key) for key in sorted(data.sources)]
    outputs += [
        Output("booklet", "", lang) for lang in LANGUAGES if (data.root / booklet_file(lang)).exists()
    ]
    return [Output(o.kind, o.slug, o.lang, variant) for o in outputs]


def resolve_items(requested: list[str], data: Content, variant: str = "standard") -> list[Output]:
    """Turn ITEM arguments into outputs; unknown or ambiguous names are usage errors."""
    known = {o.key: o for o in all_outputs(data, "standard")}
    result = []
    for name in requested:
        name = name.removesuffix(".md").removesuffix(".pdf").strip("/")
        # a bare slug names the original (Dutch) output; "fr/metaphors/x" names a translation
        bare = [k for k in known if k.split("/")[-1] == name and known[k].lang == DEFAULT_LANG]
        matches = [name] if name in known else sorted(bare)
        if len(matches) == 1:
            output = known[matches[0]]
            result.append(Output(output.kind, output.slug, output.lang, variant))
        elif matches:
            raise UsageError(f"'{name}' is ambiguous: say {' or '.join(matches)}")
        else:
            from .frontmatter import did_you_mean

            originals = sorted(k for k, o in known.items() if o.lang == DEFAULT_LANG)
            hint = did_you_mean(name, originals + sorted(set(known) - set(originals)))
            raise UsageError(f"unknown item '{name}'" + (f"; {hint}" if hint else ""))
    return list(dict.fromkeys(result))


def make_job(output: Output, data: Content, digest: str) -> RenderJob:
    from . import html
    from .pdf import VIRTUAL_CONTENT, RenderJob

    roots = (data.root, STYLES.resolve())
    identifier = digest[:32].encode()
    # The content folder's location never reaches the renderer (nor so the PDF): its files
    # are addressed under one fixed URL, which the renderer's fetcher maps back.
    real = data.root.as_uri() + "/"

    def placeless(text: str) -> str:
        return text.replace(real, VIRTUAL_CONTENT)

    if output.is_booklet:
        booklet = data.booklets[output.lang]
        # the booklet's items: a problem while rendering is blamed on the item that asked for it
        parts = tuple((item.path, item.text) for item in data.items.values())
        return RenderJob(
            key=output.key,
            files=output.files,
            source=booklet.path,
            source_text=booklet.text,
            html=placeless(html.render_booklet(booklet, data)),
            base_url=VIRTUAL_CONTENT,
            stylesheets=output.stylesheets,
            theme=data.theme,
            roots=roots,
            identifier=identifier,
            source_date_epoch=FIXED_EPOCH,
            notes_html=placeless(html.render_notes(data, output.lang)),
            parts=parts,
        )
    item = data.item(output.source_key)
    assert item is not None
    date = getattr(item, "date", None)
    epoch = calendar.timegm(date.timetuple()) if date and date.year >= 1980 else FIXED_EPOCH
    return RenderJob(
        key=output.key,
        files=output.files,
        source=item.path,
        source_text=item.text,
        html=placeless(html.render_item(item, data)),
        base_url=placeless(item.path.parent.as_uri() + "/"),
        stylesheets=output.stylesheets,
        theme=data.theme,
        roots=roots,
        identifier=identifier,
        source_date_epoch=epoch,
        max_pages=output.max_pages,
    )


# ---------------------------------------------------------------------------- the build


def load(content_dir: Path) -> Content:
    """The content, checked; or, when the tool's own templates or fonts are missing, that one error."""
    missing = missing_files()
    if missing:
        names = ", ".join(display(path) for path in missing)
        problem = Problem(
            names,
            None,
            f"handouts is incomplete: {len(missing)} of its own file(s) missing",
            "reinstall handouts (pip install --force-reinstall handouts), or restore the file from git",
        )
        return Content(root=content_dir.resolve(), practice=None, problems=(problem,))
    from . import content, glyphs

    return content.load(content_dir, check_glyphs=glyphs.check)


def tree_digest(content_dir: Path, out: Path) -> str:
    """One digest of every file a full build reads: content, templates, styles, tool versions.

    Cheap (no parsing, no imports): when it matches the last clean full build, there is
    nothing to do.
    """
    skip = out.resolve()
    parts: list[bytes | str] = [*_tool_versions()]
    folders = (("content", content_dir.resolve()), ("templates", TEMPLATES), ("styles", STYLES))
    for label, folder in (*folders, ("locale", i18n.LOCALE)):
        parts.append(label)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if (
                path.is_relative_to(skip)
                or any(p.startswith(".") for p in relative.parts)
                or not path.is_file()
            ):
                continue
            parts += [str(relative), path.read_bytes()]
    return _digest(parts)


def build(
    content_dir: Path,
    out: Path,
    items: list[str] | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    workers: Workers | None = None,
    variant: str = "standard",
) -> Summary:
    """Build the requested outputs (all by default). Raises UsageError for bad arguments only.

    ``workers`` lets the caller keep the render workers between builds (``watch`` does);
    by default they are started for this build and stopped at its end. ``variant`` is
    "standard" or "large" (large print, into the output folder's large/).
    """
    check_folders(content_dir, out)
    progress = progress or Progress(quiet=True)
    created = not out.exists()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(lock(out))
        except OSError as exc:
            return Summary(problems=[write_problem(out, exc, "the output folder")])
        try:
            return _build_locked(content_dir, out, items, force, jobs, progress, workers, variant)
        except UsageError:
            if created:  # wrong use writes nothing: not even the folder
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise
    raise AssertionError("unreachable")  # for mypy: the with block returns


def _build_locked(
    content_dir: Path,
    out: Path,
    items: list[str] | None,
    force: bool,
    jobs: int | None,
    progress: Progress,
    workers: Workers | None,
    variant: str,
) -> Summary:
    manifest = read_manifest(out)
    full = not items
    tree_key = TREE if variant == "standard" else f"{TREE} {variant}"
    tree = tree_digest(content_dir, out) if full and content_dir.is_dir() else None
    if tree and not force and manifest.get(tree_key) == tree:
        keys = sorted(key for key in manifest if _variant_of(key) == variant)
        if all((out / name).is_file() for key in keys for name in Output.parse(key).files):
            return Summary(unchanged=keys)
    manifest.pop(tree_key, None)
    own_workers = workers is None
    workers = workers or Workers(jobs or os.cpu_count() or 1)
    if content_dir.is_dir():
        # Something may need rendering: start the workers' fork server now, so that its
        # WeasyPrint import (half a second) overlaps loading the content.
        workers.start()
    try:
        return _build(content_dir, out, items, force, progress, manifest, (tree_key, tree), workers, variant)
    finally:
        if own_workers:
            workers.stop()


def check_folders(content_dir: Path, out: Path) -> None:
    """The output folder may be neither the content folder nor inside it, nor hold it."""
    content, output = content_dir.resolve(), out.resolve()
    if content == output or output.is_relative_to(content) or content.is_relative_to(output):
        raise UsageError(
            f"the output folder {display(out)} and the content folder {display(content_dir)} overlap: "
            "a build would read its own PDFs; use --out DIR outside the content folder (e.g. dist)"
        )


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one build: a second build into it waits for the first.

    The lock is an ``flock`` on the folder itself (no lock file to clean up); it ends with the
    process, however the process ends. Raises OSError when the folder cannot be made or opened.
    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"handouts: another build is writing into {display(out)}/; waiting for it to finish"
                " (Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_problem(path: Path, exc: OSError, what: str = "") -> Problem:
    """A failure to write, as an error naming the path and what to do."""
    shown = display(path)
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or exc.errno in (errno.EEXIST, errno.ENOTDIR):
        message = f"cannot write {what or shown}: {shown} (or a folder above it) is a file, not a folder"
        hint = "choose another --out, or move that file away"
    elif exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", -1):
        message = f"cannot write {what or shown}: the disk is full"
        hint = "free some disk space and build again; the PDFs already there are kept"
    elif isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        message = f"cannot write {what or shown}: {exc.strerror or 'permission denied'}"
        hint = "choose another --out, or make the folder writable"
    else:
        message = f"cannot write {what or shown}: {exc.strerror or exc}"
        hint = "check the output folder (--out), then build again"
    return Problem(shown, None, message, hint)


def check_writable(out: Path) -> None:
    """Raise OSError when a file cannot be created in ``out`` (before anything is rendered)."""
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".handouts-probe.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)


def remove_stale(out: Path, data: Content, manifest: dict[str, str], variant: str) -> list[str]:
    """Remove the PDFs of this variant whose content is gone (deleted or renamed items).

    Only PDFs the build made: those its manifest names, and handouts in its own folders
    (``articles/``, ``metaphors/``, per language). Returns the removed files as displayed.
    """
    keep = {o.key for o in all_outputs(data, variant)}
    stale = {key for key in manifest if _variant_of(key) == variant and key not in keep}
    for lang in LANGUAGES:
        for kind in KINDS:
            prefix = Output(kind, "x", lang, variant).prefix
            folder = out / prefix / kind
            if folder.is_dir():
                stale |= {f"{prefix}{kind}/{p.stem}" for p in folder.glob("*.pdf") if p.is_file()}
    stale -= keep
    removed = []
    for key in sorted(stale):
        with contextlib.suppress(ValueError):
            for name in Output.parse(key).files:
                path = out / name
                if path.is_file():
                    path.unlink()
                    removed.append(display(path))
        manifest.pop(key, None)
    return removed


class Workers:
    """The render worker processes, forked from a server that imports WeasyPrint once.

    One worker means rendering in this process. ``watch`` keeps its workers between builds:
    a worker that has rendered once renders the next handout about a third faster.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        if self.count < 2 or self.pool is not None:
            return
        import multiprocessing
        import threading
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import forkserver

        from .lifeline import PARENT_ENV

        context = multiprocessing.get_context("forkserver")
        # The fork server dies with this process (see lifeline.py); only when started from the
        # main thread, as the kernel's parent-death signal follows the thread that started it.
        if threading.current_thread() is threading.main_thread():
            os.environ[PARENT_ENV] = str(os.getpid())
        context.set_forkserver_preload(["handouts.lifeline", "handouts.pdf", "handouts.engine"])
        forkserver.ensure_running()
        self.pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=_start_worker)

    def stop(self) -> None:
        """Cancel what has not started, wait for what is rendering (after Ctrl-C too)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _start_worker() -> None:
    """In a worker: Ctrl-C is for the build process, which stops the workers itself; and the
    worker dies with its parent, the fork server (which dies with the build)."""
    import signal

    from .lifeline import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(os.getppid())


def _build(
    content_dir: Path,
    out: Path,
    items: list[str] | None,
    force: bool,
    progress: Progress,
    manifest: dict[str, str],
    tree: tuple[str, str | None],
    workers: Workers,
    variant: str,
) -> Summary:
    full = not items
    data = load(content_dir)
    summary = Summary(problems=list(data.problems))
    if data.practice is None:
        summary.failed = [o.key for o in all_outputs(data, variant)]
        return summary
    candidates = resolve_items(items, data, variant) if items else all_outputs(data, variant)
    # A language whose catalogue lacks a text makes nothing: its last good PDFs are kept.
    untranslated = set()
    for lang, problems in check_catalogues({o.lang for o in candidates}).items():
        summary.problems += problems
        if any(p.is_error for p in problems):
            untranslated.add(lang)
    targets: list[Output] = []
    for output in candidates:
        valid = output.lang in data.booklets if output.is_booklet else output.source_key not in data.broken
        valid = valid and output.lang not in untranslated
        if valid:
            targets.append(output)
        else:
            summary.failed.append(output.key)
    digests = keys_for(data, targets)
    if full:  # remove the PDFs of this variant whose content is gone, and forget them
        try:
            summary.removed = remove_stale(out, data, manifest, variant)
        except OSError as exc:
            summary.problems.append(write_problem(out, exc, "the output folder"))
        wanted = {o.key for o in digests}
        manifest = {k: v for k, v in manifest.items() if k in wanted or _variant_of(k) != variant}
    todo = []
    for output in targets:
        fresh = manifest.get(output.key) == digests[output] and all((out / f).is_file() for f in output.files)
        if fresh and not force:
            summary.unchanged.append(output.key)
        else:
            todo.append(output)
    if todo:
        try:
            check_writable(out)
        except OSError as exc:
            summary.problems.append(write_problem(out, exc, "the output folder"))
            summary.failed += [o.key for o in todo]
            return summary
        progress.start(len(todo), workers=min(workers.count, len(todo)))
        render_all(
            [make_job(output, data, digests[output]) for output in todo],
            out,
            workers,
            progress,
            summary,
            manifest,
            {o.key: d for o, d in digests.items()},
        )
    tree_key, tree_value = tree
    if tree_value and not summary.errors and not summary.failed:
        manifest[tree_key] = tree_value
    try:
        write_manifest(out, manifest)
    except OSError as exc:
        summary.problems.append(write_problem(out / MANIFEST, exc))
    summary.problems.sort(key=lambda p: (p.path, p.line or 0))
    return summary


def render_all(
    jobs_list: list[RenderJob],
    out: Path,
    workers: Workers,
    progress: Progress,
    summary: Summary,
    manifest: dict[str, str],
    digests: dict[str, str],
) -> None:
    # Longest first: the booklet, then articles, then cards.
    jobs_list.sort(key=lambda j: (j.notes_html is None, "articles/" not in j.key, j.key))

    def finish(result: RenderResult) -> None:
        summary.notices.update(result.notices)
        ok = False
        if result.problems or result.outputs is None:
            summary.failed.append(result.key)
            summary.problems.extend(result.problems)
            if result.internal:
                summary.internal.append(result.key)
            manifest.pop(result.key, None)
        else:
            try:
                for name, pdf in result.outputs:
                    write_atomic(out / name, pdf)
            except OSError as exc:  # a full disk, a folder made read-only meanwhile, ...
                summary.failed.append(result.key)
                summary.problems.append(write_problem(out / name, exc))
                manifest.pop(result.key, None)
            else:
                manifest[result.key] = digests[result.key]
                summary.built.append(result.key)
                ok = True
        try:
            write_manifest(out, manifest)
        except OSError as exc:
            if not any(p.path == display(out / MANIFEST) for p in summary.problems):
                summary.problems.append(write_problem(out / MANIFEST, exc))
        progress.done(result.key, ok=ok)

    from .pdf import render

    if workers.pool is None:
        for job in jobs_list:
            progress.begin(job.key)
            finish(render(job))
        return
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    futures = {}
    for job in jobs_list:
        futures[workers.pool.submit(render, job)] = job
        progress.begin(job.key)
    lost = []
    for future in as_completed(futures):
        try:
            finish(future.result())
        except BrokenProcessPool:  # a worker was killed or crashed: the others stop too
            lost.append(futures[future].key)
            manifest.pop(lost[-1], None)
            progress.done(lost[-1], ok=False)
    if lost:
        summary.failed += lost
        summary.problems.append(
            Problem(
                display(out),
                None,
                f"a render worker stopped unexpectedly (killed, or out of memory?): "
                f"{len(lost)} output(s) not rendered",
                "run the build again; what was built is kept",
            )
        )
        with contextlib.suppress(OSError):  # reported already, if it fails
            write_manifest(out, manifest)
        workers.stop()  # the pool is unusable: the next build (in watch) starts new workers

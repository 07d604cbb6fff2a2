"""The build, in one straight line: load and validate, decide what changed, render, write.

Each output is keyed on a hash of everything it depends on; the keys of the last good build
live in a manifest in the output folder, with one digest of every input file. When that
digest still matches, nothing is even parsed. Outputs whose key is unchanged are skipped
without importing WeasyPrint; the rest render in worker processes.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, i18n
from .i18n import catalogue_path, check_catalogues
from .models import DEFAULT_LANG, LANGUAGES, Content, Item, Output, Problem, booklet_file
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
    from .pdf import RenderJob

    roots = (data.root, STYLES.resolve())
    identifier = digest[:32].encode()
    if output.is_booklet:
        booklet = data.booklets[output.lang]
        return RenderJob(
            key=output.key,
            files=output.files,
            source=booklet.path,
            source_text=booklet.text,
            html=html.render_booklet(booklet, data),
            base_url=data.root.as_uri() + "/",
            stylesheets=output.stylesheets,
            theme=data.theme,
            roots=roots,
            identifier=identifier,
            source_date_epoch=FIXED_EPOCH,
            notes_html=html.render_notes(data, output.lang),
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
        html=html.render_item(item, data),
        base_url=item.path.parent.as_uri() + "/",
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
    progress = progress or Progress(quiet=True)
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
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import forkserver

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["handouts.pdf", "handouts.engine"])
        forkserver.ensure_running()
        self.pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=_ignore_interrupts)

    def stop(self) -> None:
        """Cancel what has not started, wait for what is rendering (after Ctrl-C too)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is for the build process, which stops the workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    if full:  # forget outputs (of this variant) whose content is gone
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
    write_manifest(out, manifest)
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
        if result.problems or result.outputs is None:
            summary.failed.append(result.key)
            summary.problems.extend(result.problems)
            manifest.pop(result.key, None)
        else:
            for name, pdf in result.outputs:
                write_atomic(out / name, pdf)
            manifest[result.key] = digests[result.key]
            summary.built.append(result.key)
        write_manifest(out, manifest)
        progress.done(result.key, ok=not result.problems)

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
        write_manifest(out, manifest)
        workers.stop()  # the pool is unusable: the next build (in watch) starts new workers

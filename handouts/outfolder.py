"""The output folder: held by one build at a time, written atomically, kept free of stale PDFs
and of a killed build's temporary files; the practice's own files in it are never touched.

Nothing here prints: a failure is an exception or a returned ``Problem``, said by the caller.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .models import KINDS, LANGUAGES, VARIANTS, Output, Problem, UsageError, Variant
from .paths import display

try:
    import fcntl
except ImportError:  # not POSIX: no lock
    fcntl = None  # type: ignore[assignment]


class FolderBusyError(Exception):
    """Another build holds the output folder (``lock(out, wait=False)``)."""


@contextlib.contextmanager
def lock(out: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the output folder for one build: a second build into it waits for the first.

    The lock is an ``flock`` on the folder itself (no lock file to clean up); it ends with the
    process, however the process ends. Raises OSError when the folder cannot be made or opened,
    and FolderBusyError when another build holds it and ``wait`` is false.
    """
    out.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise FolderBusyError(out) from None
        yield
    finally:
        os.close(fd)  # releases the lock


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


def check_writable(out: Path) -> None:
    """Raise OSError when a file cannot be created in ``out`` (before anything is rendered)."""
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".handouts-probe.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)


def check_folders(content_dir: Path, out: Path) -> None:
    """The output folder may be neither the content folder nor inside it, nor hold it (UsageError)."""
    content, output = content_dir.resolve(), out.resolve()
    if content == output or output.is_relative_to(content) or content.is_relative_to(output):
        raise UsageError(
            f"the output folder {display(out)} and the content folder {display(content_dir)} overlap: "
            "a build would read its own PDFs; use --out DIR outside the content folder (e.g. dist)"
        )


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


def remove_stale(
    out: Path, keep: Iterable[Output], made: Iterable[str], variant: Variant
) -> tuple[list[str], list[Path]]:
    """Remove the PDFs of this variant that a full build no longer makes (deleted or renamed items).

    Only PDFs the build made: those ``made`` names (the manifest's keys of this variant). Returns
    the removed files as displayed, and the PDFs in the build's own folders (``articles/``,
    ``metaphors/``, per language) that it did not make: the practice's own, left alone. Raises
    OSError when a file cannot be removed.
    """
    kept, made = {o.key for o in keep}, set(made)
    removed = []
    for key in sorted(made - kept):
        with contextlib.suppress(ValueError):
            for name in Output.parse(key).files:
                path = out / name
                if path.is_file():
                    path.unlink()
                    removed.append(display(path))
    ours = {out / f"{key}.pdf" for key in made | kept}
    foreign = []
    for lang in LANGUAGES:
        for kind in KINDS:
            folder = out / Output(kind, "x", lang, variant).prefix / kind
            if folder.is_dir():
                foreign += sorted(p for p in folder.glob("*.pdf") if p not in ours and p.is_file())
    return removed, foreign


# The temporary files of ``write_atomic`` (a PDF's, the manifest's) and ``check_writable``:
# ``.NAME.XXXXXXXX.tmp``, with mkstemp's eight random characters.
TEMPORARY_RE = re.compile(r"^\.(?:.+\.pdf|\.handouts-manifest\.json|handouts-probe)\.[a-z0-9_]{8}\.tmp$")


def remove_leftovers(out: Path) -> int:
    """Remove the temporary files that a build killed while writing left behind; how many.

    Only names of the tool's own pattern (``TEMPORARY_RE``), only in the folders a build writes
    into; called while the folder is held (``lock``), so no other build is writing them.
    """
    folders = {
        out / Output(kind, "x", lang, variant).prefix / sub
        for variant in VARIANTS
        for lang in LANGUAGES
        for kind in KINDS
        for sub in ("", kind)
    }
    count = 0
    for folder in sorted(folders):
        try:
            names = [entry for entry in os.scandir(folder) if TEMPORARY_RE.match(entry.name)]
        except OSError:
            continue
        for entry in names:
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    count += 1
    return count

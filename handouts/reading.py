"""Reading the practice's files: regular files inside the content folder, every problem a value.

``read_bytes`` and ``read_text`` are how practice.yml, booklet.yml, theme.css and every item are
read: a pipe, a device, a file too large, a dangling link, a link loop and a link that leaves the
content folder are each reported to a ``Collector`` (file, line, message, hint), never raised.
``shorten`` is how a user's value is echoed in a message. ``frontmatter`` re-exports all of them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .models import ERROR, WARNING, Problem, Severity
from .paths import display, is_unsafe

ECHO_LIMIT = 60  # characters of a user's value shown in a message: never print a value unbounded
FILE_LIMIT = 2_000_000  # bytes: a content text file larger than this is not a handout
LINK_HINT = "copy the file into the content folder instead of linking to it"


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """A user's value as echoed in a message: at most ``limit`` characters, then an ellipsis.

    On one line, and a control or bidirectional character escaped (``\\u202e``): a value
    never splits a message or turns it around.
    """
    text = value if isinstance(value, str) else show(value)
    text = text.replace("\n", " ")
    if any(is_unsafe(char) for char in text):
        text = "".join(repr(char)[1:-1] if is_unsafe(char) else char for char in text)
    return text if len(text) <= limit else text[:limit] + "…"


def show(value: object) -> str:
    try:
        return repr(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)
    except ValueError:  # an integer too long to print
        return "a very long number"


class Collector:
    """Collects problems for one content folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(
        self,
        path: Path,
        line: int | None,
        message: str,
        hint: str = "",
        severity: Severity = ERROR,
        **params: object,
    ) -> None:
        """A problem; with ``params``, ``message`` and ``hint`` are templates (``Problem.of``)."""
        self.problems.append(Problem.of(display(path), line, message, hint, severity, **params))

    def warn(self, path: Path, line: int | None, message: str, hint: str = "", **params: object) -> None:
        self.add(path, line, message, hint, WARNING, **params)

    def has_errors(self, path: Path) -> bool:
        """The one rule of validity: a file with an error makes nothing."""
        shown = display(path)
        return any(p.path == shown and p.is_error for p in self.problems)


def _tail(text: str, limit: int = ECHO_LIMIT) -> str:
    """A long path cut at its start: its end (the file's name) says the most."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def link_problem(path: Path, root: Path) -> tuple[str, str] | None:
    """Why a file cannot be read through a link (message, hint); None when it is not a link's fault.

    A link loop is called a loop; a dangling link is named with where it points; a file inside
    the content folder ``root`` that leads out of it (itself a link, or in a linked folder) is
    refused with where it leads: its text would end up in a patient's handout.
    """
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that leads back to itself (a loop)", "remove the link, or point it at a file"
        if path.is_symlink():
            return (
                f"a link to '{shorten(os.readlink(path))}', which does not exist",
                "remove the link, or put the file it points to back",
            )
        return None  # missing or unreadable: said when it is opened
    except ValueError:
        return None  # a NUL in the name: said when it is opened
    inside = Path(os.path.abspath(path)).is_relative_to(root)
    target = Path(os.path.realpath(path))
    if inside and not target.is_relative_to(Path(os.path.realpath(root))):
        return f"a link to '{_tail(display(target))}', outside the content folder", LINK_HINT
    return None


def read_bytes(path: Path, out: Collector, limit: int = FILE_LIMIT) -> bytes | None:
    """A regular file's bytes; anything else (a pipe, a device, a link loop, a link out of the
    content folder) is reported."""
    problem = link_problem(path, out.root)
    if problem is not None:
        out.add(path, None, *problem)
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        out.add(path, None, f"cannot read file: {getattr(exc, 'strerror', None) or exc}", _read_hint(exc))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            out.add(
                path, None, "not a regular file (a pipe, a device or a socket)", "replace it with a text file"
            )
            return None
        if info.st_size > limit:
            big = "file too large ({kb} kB; at most {most} kB)"
            hint = "split the text, or make the image smaller"
            out.add(path, None, big, hint, kb=info.st_size // 1000, most=limit // 1000)
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)[:limit]
    except OSError as exc:
        out.add(path, None, f"cannot read file: {exc.strerror}", _read_hint(exc))
        return None
    finally:
        os.close(fd)


def _read_hint(exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        return "give yourself permission to read it (chmod u+r)"
    return "check that the file exists and can be read"


def read_text(path: Path, out: Collector) -> str | None:
    data = read_bytes(path, out)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(
            path,
            line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 in your editor",
        )
        return None

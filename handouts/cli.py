"""The command line: ``build`` (default), ``check``, ``watch``, ``serve``. ``main(argv) -> exit status``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, printcmd
from .console import (
    CONTENT_ERRORS,
    INTERNAL,
    INTERRUPTED,
    OK,
    USAGE,
    internal_error,
    print_problems,
    report_build,
    usage_error,
)
from .models import LARGE, STANDARD, VARIANTS, Variant
from .paths import DEFAULT_CONTENT, DEFAULT_OUT, display, quote, quoted

if TYPE_CHECKING:
    from .workers import Workers


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handouts",
        description="Build branded A4 handouts and an A5 booklet from Markdown content.",
    )
    parser.add_argument("--version", action="version", version=f"handouts {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="build PDFs (the default command)")
    _building(build)
    build.add_argument(
        "items", nargs="*", metavar="ITEM", help="articles/<slug>, metaphors/<slug>, booklet, or a bare slug"
    )
    _checking(commands.add_parser("check", help="validate the content; write nothing"))
    watch = commands.add_parser("watch", help="rebuild on every change until Ctrl-C")
    _building(watch)
    serve = commands.add_parser("serve", help="the desk: a local web app to find, personalise and print")
    _common(serve)
    serve.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder")
    serve.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N", help="worker processes")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; 0.0.0.0: all)"
    )
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free port)")
    serve.add_argument(
        "--access-code",
        metavar="CODE",
        help="required for a --host other than this computer, at least 12 characters; better set "
        "$HANDOUTS_ACCESS_CODE: an option shows in the process list (ps) of every user",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="one more host name the browsers use for the desk (repeatable); other names get 400",
    )
    printcmd.add_commands(commands)
    init = commands.add_parser("init", help="make a new content folder for a practice")
    init.add_argument("folder", type=Path, metavar="DIR", help="the folder to make (new, or empty)")
    return parser


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--content",
        type=Path,
        default=DEFAULT_CONTENT,
        metavar="DIR",
        help="content folder (default: content)",
    )
    sub.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _checking(check: argparse.ArgumentParser) -> None:
    _common(check)
    check.add_argument("--report", action="store_true", help="print the plain-language and review report")
    check.add_argument(
        "--strict", action="store_true", help="cards that miss the plain-language targets are errors"
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    check.add_argument(
        "--links",
        action="store_true",
        help="also fetch every printed address (QR codes, links); the only command that goes online",
    )
    check.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="where --links keeps its result (dist)"
    )
    check.add_argument(
        "--fast",
        action="store_true",
        help="skip rendering: whether each card fits its page and nothing runs off the paper is not checked",
    )
    check.add_argument(
        "--variant",
        choices=VARIANTS,
        default="standard",
        help="render this variant: standard, or large print (what build --variant large makes)",
    )


def _building(sub: argparse.ArgumentParser) -> None:
    _common(sub)
    sub.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: dist)"
    )
    sub.add_argument("--force", action="store_true", help="rebuild even what has not changed")
    sub.add_argument(
        "--variant",
        choices=VARIANTS,
        default="standard",
        help="standard, or large print (into OUT/large/)",
    )
    sub.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        default=None,
        metavar="N",
        help="worker processes (default: all cores)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0].startswith("-") and args[0] not in ("-h", "--help", "--version")):
        args.insert(0, "build")
    try:
        options = _parser().parse_args(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        with _stop_like_ctrl_c():
            return _run(options)
    except KeyboardInterrupt:
        print(
            "\nhandouts: interrupted. The PDFs finished so far are saved; run again to do the rest.",
            file=sys.stderr,
        )
        return INTERRUPTED
    except Exception as exc:  # a bug: never a bare traceback, and a status of its own
        internal_error(exc)
        return INTERNAL


def _run(options: argparse.Namespace) -> int:
    """One function per command."""
    commands: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "print": printcmd.run,
        "printers": printcmd.run,
        "init": lambda o: run_init(o.folder),
        "check": _check,
        "watch": _watch,
        "serve": _serve,
    }
    return commands.get(options.command, _build)(options)


def _check(options: argparse.Namespace) -> int:
    status = run_check(
        options.content,
        options.quiet,
        options.report,
        options.strict,
        options.json,
        options.fast,
        options.variant,
    )
    if options.links:
        from .linkcheck import run_links  # here: httpx, which nothing else needs

        run_links(options.content, options.out, quiet=options.quiet)  # warnings only: never fails
    return status


def _watch(options: argparse.Namespace) -> int:
    from .models import UsageError
    from .outfolder import check_folders  # here, as the build's: check, init and --help need none
    from .watch import watch
    from .workers import Workers

    try:
        check_folders(options.content, options.out)
    except UsageError as exc:
        return usage_error(exc)

    def rebuild(workers: Workers) -> int:
        try:
            return run_build(
                options.content,
                options.out,
                jobs=options.jobs,
                quiet=options.quiet,
                workers=workers,
                variant=options.variant,
            )
        except Exception as exc:  # a bug: say so, and keep watching
            internal_error(exc)
            workers.stop()  # in an unknown state: the next rebuild starts fresh ones
            return INTERNAL

    workers = Workers(options.jobs or os.cpu_count() or 1)  # kept between rebuilds: they stay warm
    try:
        rebuild(workers)
        return watch(options.content, options.out, lambda: rebuild(workers), options.quiet)
    finally:
        workers.stop()


def _serve(options: argparse.Namespace) -> int:
    from .desk.serve import serve

    return serve(
        options.content,
        options.out,
        options.jobs,
        options.quiet,
        options.host,
        options.port,
        options.access_code,
        options.allow_host,
    )


def _build(options: argparse.Namespace) -> int:
    return run_build(
        options.content,
        options.out,
        options.items,
        options.force,
        options.jobs,
        options.quiet,
        variant=options.variant,
    )


@contextmanager
def _stop_like_ctrl_c() -> Iterator[None]:
    """``kill`` (SIGTERM) or a hang-up stops a build as Ctrl-C does, render workers included.

    By default those signals end only this process, and its workers (which hold each other's
    pipes open) would then wait for work forever.
    """
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        numbers = []  # signal handlers can only be set from the main thread
    previous = {number: signal.signal(number, _interrupt) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_init(folder: Path) -> int:
    from .starter import FolderNotEmptyError, create

    shown = quote(str(folder))
    try:
        made = create(folder)
    except FolderNotEmptyError as exc:
        print(f"handouts: error: {exc}", file=sys.stderr)
        print(f"    hint: {exc.hint}", file=sys.stderr)
        return USAGE
    except OSError as exc:
        print(f"handouts: error: cannot make {quoted(str(folder))}: {exc.strerror}", file=sys.stderr)
        return USAGE
    for path in made:
        print(f"  {display(path)}", file=sys.stderr)
    print(
        f"Made a content folder in {shown}. Next: fill in {display(folder / 'practice.yml')}, then run\n"
        f"  handouts check --content {shown}    (it names what still needs your details)\n"
        f"  handouts build --content {shown}",
        file=sys.stderr,
    )
    return OK


def run_check(
    content_dir: Path,
    quiet: bool = False,
    report: bool = False,
    strict: bool = False,
    as_json: bool = False,
    fast: bool = False,
    variant: Variant = STANDARD,
) -> int:
    from . import report as reports
    from .reportformat import format_report, to_json
    from .verdict import Verdict

    verdict = Verdict.of(content_dir)
    data = verdict.content
    problems = verdict.checked
    if not fast:  # what only rendering tells: rendered in memory, as the build would
        problems += verdict.rendered(variant=variant)
    made = reports.make_report(data) if report or strict or as_json else None
    if made:
        problems += reports.card_problems(made, strict)
    problems.sort(key=lambda p: (p.path, p.line or 0, not p.is_error, p.message))
    errors = sum(1 for p in problems if p.is_error)
    print_problems([p for p in reports.hint_once(problems) if p.is_error or not quiet])
    if made and (as_json or report):
        _print_out(to_json(made, problems) if as_json else format_report(made))
    count = len(data.sources) + len(data.booklets)
    skipped = (
        " (--fast: not rendered, so not checked whether cards fit their page and text stays on the paper)"
        if fast
        else ""
    )
    if errors:
        print(f"{errors} error(s) found{skipped}.", file=sys.stderr)
        return CONTENT_ERRORS
    if not quiet or fast:
        warnings = f" ({len(problems)} warning(s))" if problems else ""
        checked = (
            "checked" if fast else "checked and rendered" + (" in large print" if variant == LARGE else "")
        )
        print(
            f"Content OK: {count} item(s) {checked} in {quote(str(content_dir))}{warnings}{skipped}.",
            file=sys.stderr,
        )
    return OK


def _print_out(text: str) -> None:
    """Print on stdout; a reader that stops early (``check --report | head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the rest goes nowhere


def run_build(
    content_dir: Path,
    out: Path,
    items: Sequence[str] | None = None,
    force: bool = False,
    jobs: int | None = None,
    quiet: bool = False,
    workers: Workers | None = None,
    variant: Variant = STANDARD,
) -> int:
    from .build import build  # here: 95 ms (measured) that check, init and --help never need
    from .models import UsageError
    from .progress import Progress

    started = time.monotonic()
    progress = Progress(quiet=quiet)
    try:
        summary = build(
            content_dir,
            out,
            list(items or []),
            force=force,
            jobs=jobs,
            progress=progress,
            workers=workers,
            variant=variant,
        )
    except UsageError as exc:
        return usage_error(exc)
    finally:
        progress.finish()
    return report_build(summary, out, time.monotonic() - started, quiet)

"""The ``print`` and ``printers`` commands: built PDFs to a CUPS queue with the right settings.

``print`` reads what ``build`` wrote into the output folder; it never builds. Exit status 0 when
CUPS accepted every job (and, with ``--wait``, printed it), 1 when it could not, with the reason.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from .console import CONTENT_ERRORS as FAILED  # exit 1: not printed, as a content error is not built
from .console import OK, USAGE
from .models import VARIANTS, Content, Output
from .paths import DEFAULT_CONTENT, DEFAULT_OUT
from .printing import (
    PrintError,
    PrintPlan,
    Queue,
    find_queue,
    job_name,
    plan_booklet,
    plan_handout,
    queues,
    send,
)
from .printstate import JobState, privacy_warnings, wait

WAIT_SECONDS = 600.0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``print`` and ``printers`` to the command line's subcommands."""
    add_print_arguments(commands.add_parser("print", help="send built PDFs to a printer through CUPS"))
    add_printers_arguments(commands.add_parser("printers", help="the CUPS printers and what each can do"))


def run(options: argparse.Namespace) -> int:
    """Run ``print`` or ``printers``; the exit status."""
    return run_print(options) if options.command == "print" else run_printers(options)


def add_print_arguments(sub: argparse.ArgumentParser) -> None:
    """The ``print`` subcommand's arguments."""
    sub.add_argument(
        "items", nargs="+", metavar="ITEM", help="articles/<slug>, metaphors/<slug>, booklet, or a bare slug"
    )
    sub.add_argument("--printer", metavar="NAME", help="the CUPS queue (default: the default printer)")
    sub.add_argument(
        "--copies", type=_copies, default=1, metavar="N", help="copies (booklet: 1-50, handout: 1-5)"
    )
    sub.add_argument("--wait", action="store_true", help="wait until it is printed (exit 1 if it fails)")
    sub.add_argument("--variant", choices=VARIANTS, default="standard", help="standard, or large print")
    _folders(sub)


def add_printers_arguments(sub: argparse.ArgumentParser) -> None:
    """The ``printers`` subcommand's arguments."""
    sub.add_argument("-q", "--quiet", action="store_true", help="print only the queue names")


def _folders(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--content", type=Path, default=DEFAULT_CONTENT, metavar="DIR", help="content folder")
    sub.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the built PDFs (dist)")
    sub.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _copies(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def run_printers(options: argparse.Namespace) -> int:
    """List the queues (the default first) and what each can do; warn about kept job files."""
    try:
        known = queues()
        warnings = privacy_warnings()
    except PrintError as exc:
        return _fail(exc)
    if not known:
        return _fail(PrintError("CUPS knows no printer yet: add one with lpadmin (see the README)"))
    for queue in known:
        print(queue.name if options.quiet else _describe(queue), flush=True)
    for warning in warnings:
        print(f"handouts: warning: {warning.english}", file=sys.stderr)
    return OK


def _describe(queue: Queue) -> str:
    return f"{queue.name}{' (default)' if queue.is_default else ''}: {queue.can}"


def run_print(
    options: argparse.Namespace, default_printer: str | None = None, booklet_printer: str | None = None
) -> int:
    """Send ITEM... to CUPS: the booklet and handouts by their rules; ``--wait`` for the paper."""
    from .content import load
    from .models import UsageError
    from .plan import resolve_items

    data = load(options.content)
    # practice.yml names the default queues (printer:, booklet_printer:)
    default_printer = default_printer or (data.practice.printer if data.practice else None)
    booklet_printer = booklet_printer or (data.practice.booklet_printer if data.practice else None)
    try:
        outputs = resolve_items(list(options.items), data, options.variant)
    except UsageError as exc:
        print(f"handouts: error: {exc}", file=sys.stderr)
        return USAGE
    try:
        plans = [_plan(output, data, options, default_printer, booklet_printer) for output in outputs]
        jobs = [(plan, send(plan)) for plan in plans]
    except PrintError as exc:
        return _fail(exc)
    for plan, job in jobs:
        if not options.quiet:
            _say_sent(plan, job)
    _warn_privacy(options.quiet)
    if not options.wait:
        return OK
    return max((_wait(plan, job, options.quiet) for plan, job in jobs), default=OK)


def _plan(
    output: Output,
    data: Content,
    options: argparse.Namespace,
    default_printer: str | None,
    booklet_printer: str | None,
) -> PrintPlan:
    out: Path = options.out
    if output.is_booklet:
        queue = find_queue(options.printer, booklet_printer or default_printer)
        short_edge = _read(out, output.files[1], output)
        long_path = out / output.files[2]
        long_edge = long_path.read_bytes() if long_path.is_file() else None
        booklet = data.booklets[output.lang]
        name = job_name(booklet.title, hashlib.sha256(short_edge).hexdigest()[:6])
        return plan_booklet(queue, short_edge, long_edge, name, options.copies)
    queue = find_queue(options.printer, default_printer)
    item = data.item(output.source_key)
    if item is None:
        raise PrintError(f"{output.key} has errors in its content: 'handouts check' says which")
    pdf = _read(out, output.files[0], output)
    return plan_handout(queue, pdf, job_name(item.title, item.version), options.copies)


def _read(out: Path, name: str, output: Output) -> bytes:
    path = out / name
    try:
        return path.read_bytes()
    except OSError:
        raise PrintError(
            f"{path} is missing: build it first ('handouts build {output.key} --out {out}')"
        ) from None


def _say_sent(plan: PrintPlan, job: str) -> None:
    sides = (plan.option("sides") or "").replace("-", " ")
    copies = f"{plan.copies} cop{'y' if plan.copies == 1 else 'ies'}"
    print(f"{job}: '{plan.job_name}' to {plan.queue}, {copies}, A4, {sides}, 100 %", file=sys.stderr)
    if plan.note:
        print(f"handouts: note: {plan.note}", file=sys.stderr)


def _warn_privacy(quiet: bool) -> None:
    try:
        warnings = privacy_warnings()
    except PrintError:
        return  # the jobs went through; a setting CUPS will not show us is no reason to fail
    if not quiet:
        for warning in warnings:
            print(f"handouts: warning: {warning.english}", file=sys.stderr)


def _wait(plan: PrintPlan, job: str, quiet: bool) -> int:
    try:
        status = wait(job, timeout=WAIT_SECONDS)
    except PrintError as exc:
        return _fail(exc)
    if status.state == JobState.PRINTED:
        if not quiet:
            print(f"{job}: printed", file=sys.stderr)
        return OK
    if status.state == JobState.FAILED:
        if status.cause == "job-error":
            then = f"cancel it ('cancel {job}') and send it again"
        else:
            then = (
                f"it waits in the queue and prints once the printer is ready ('cupsenable {plan.queue}'"
                f" starts a stopped queue), or cancel it: 'cancel {job}'"
            )
        print(
            f"handouts: error: {job} did not print: {status.reason} ({plan.queue}); {then}",
            file=sys.stderr,
        )
        return FAILED
    print(
        f"handouts: error: {job} is still {status.state.name.lower()} after {WAIT_SECONDS:.0f} s",
        file=sys.stderr,
    )
    return FAILED


def _fail(exc: PrintError) -> int:
    print(f"handouts: error: {exc}", file=sys.stderr)
    return FAILED

"""Printing through CUPS: the queues this computer knows, a PDF sent with the right settings, its state.

Everything goes through the system's CUPS client programs (``lp``, ``lpstat``, ``lpoptions``,
``cupsctl`` from cups-client), called with argument lists, never through a shell, in the C
locale so that their answers can be read. The document goes to ``lp`` on its standard input:
no temporary file of ours, and the job's name is what the caller gives (a handout's title and
version), never a patient's name.

The rules: the booklet is ``booklet-print.pdf`` on A4, landscape, two-sided flipped on the short
edge, at 100 % (no fit-to-page), collated copies; a queue that can only flip on the long edge gets
``booklet-print-long-edge.pdf``. A handout is A4 portrait at 100 %, two-sided on the long edge when
the queue can and the PDF has more than one page, one-sided otherwise.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace

MAX_BOOKLET_COPIES = 50
MAX_HANDOUT_COPIES = 5
INSTALL_HINT = (
    "install CUPS (Debian/Ubuntu: 'sudo apt-get install cups cups-client'; Fedora: 'sudo dnf install cups';"
    " macOS has it built in), then add the practice's printer (see 'Printing through CUPS' in the README)"
)
_SBIN = ("/usr/sbin", "/sbin")
_TIMEOUT = 30.0  # seconds for one client command; the scheduler answers in milliseconds


class PrintError(Exception):
    """Printing is not possible: an English message that says why and what to do (exit status 1)."""


# --- the client programs ----------------------------------------------------------------------


def _run(args: Sequence[str], document: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """One CUPS client command, its answers in plain English (the C locale)."""
    # cupsctl lives in sbin, which a user's PATH may leave out
    program = shutil.which(args[0], path=os.pathsep.join([os.environ.get("PATH", ""), *_SBIN]))
    if program is None:
        raise PrintError(f"CUPS is not installed here ('{args[0]}' is missing): {INSTALL_HINT}")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}
    try:
        return subprocess.run(  # its own name as argv[0]: its messages start "lpstat: ..."
            list(args),
            executable=program,
            input=document,
            capture_output=True,
            env=env,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PrintError(f"CUPS did not answer within {_TIMEOUT:.0f} s ('{args[0]}')") from None


def _text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode("utf-8", "replace")


def _said(result: subprocess.CompletedProcess[bytes]) -> str:
    """What a client command said went wrong, in one line."""
    said = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
    return " ".join(said.split()) or f"exit status {result.returncode}"


def check_scheduler() -> None:
    """Raise a clear PrintError when CUPS is missing or its scheduler does not run."""
    result = _run(["lpstat", "-r"])
    if "scheduler is running" not in _text(result):
        where = os.environ.get("CUPS_SERVER", "this computer")
        raise PrintError(
            f"the CUPS scheduler is not running on {where}: start it ('sudo systemctl start cups');"
            f" if CUPS is missing, {INSTALL_HINT}"
        )


# --- queues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A CUPS queue and what it can do, as its driver (PPD) says."""

    name: str
    is_default: bool = False
    short_edge: bool = False  # two-sided, flipped on the short edge (Duplex=DuplexTumble)
    long_edge: bool = False  # two-sided, flipped on the long edge (Duplex=DuplexNoTumble)
    a4: bool = False
    enabled: bool = True
    reasons: tuple[str, ...] = ()  # printer-state-reasons: "paused", "media-empty-error", ...
    message: str = ""  # the printer's last message ("cupsdisable -r" reason, a driver's text)
    printing: str = ""  # the job it is printing now: "Kantoor-12"

    @property
    def duplex(self) -> bool:
        return self.short_edge or self.long_edge

    @property
    def can(self) -> str:
        """What it can do, in a few English words: "two-sided (short and long edge), A4"."""
        edges = [edge for edge, yes in (("short", self.short_edge), ("long", self.long_edge)) if yes]
        parts = [f"two-sided ({' and '.join(edges)} edge)" if edges else "one-sided only"]
        parts.append("A4" if self.a4 else "no A4 paper size")
        if not self.enabled:
            parts.append("stopped" + (f": {self.message}" if self.message else ""))
        return ", ".join(parts)


def queues() -> list[Queue]:
    """Every queue CUPS knows, the default first; a PrintError when CUPS cannot be asked."""
    check_scheduler()
    names = [line.strip() for line in _text(_run(["lpstat", "-e"])).splitlines() if line.strip()]
    default = _default_name()
    states = _printer_states()
    found = [_queue(name, name == default, states.get(name)) for name in names]
    return sorted(found, key=lambda q: (not q.is_default, q.name.lower()))


def find_queue(name: str | None = None, default: str | None = None) -> Queue:
    """The queue called ``name`` (or ``default``, the practice's, or CUPS's default)."""
    known = queues()
    if not known:
        raise PrintError(
            "CUPS knows no printer yet: add the practice's printer with lpadmin"
            " (see 'Printing through CUPS' in the README)"
        )
    wanted = name or default
    if wanted is None:
        if not known[0].is_default:
            names = ", ".join(q.name for q in known)
            raise PrintError(f"no default printer: say which one with --printer ({names})")
        return known[0]
    for queue in known:
        if queue.name == wanted or queue.name.lower() == wanted.lower():
            return queue
    names = ", ".join(q.name for q in known)
    raise PrintError(f"unknown printer '{wanted}'; CUPS knows: {names} ('handouts printers' lists them)")


def _default_name() -> str | None:
    match = re.search(r"system default destination: (\S+)", _text(_run(["lpstat", "-d"])))
    return match.group(1) if match else None


def _queue(name: str, is_default: bool, state: Queue | None) -> Queue:
    options = _ppd_options(name)
    duplex = options.get("Duplex", ())
    sizes = options.get("PageSize", ())
    base = state or Queue(name)
    return Queue(
        name=name,
        is_default=is_default,
        short_edge="DuplexTumble" in duplex,
        long_edge="DuplexNoTumble" in duplex,
        a4=any(size == "A4" or size.startswith("A4.") for size in sizes),
        enabled=base.enabled,
        reasons=base.reasons,
        message=base.message,
        printing=base.printing,
    )


def _ppd_options(name: str) -> dict[str, tuple[str, ...]]:
    """``lpoptions -l``: "Duplex/2-Sided Printing: *None DuplexNoTumble" -> {"Duplex": (...)}."""
    result = _run(["lpoptions", "-p", name, "-l"])
    options = {}
    for line in _text(result).splitlines():
        key, _, values = line.partition(":")
        if values:
            options[key.split("/", 1)[0].strip()] = tuple(v.lstrip("*") for v in values.split())
    return options


def printer_state(name: str) -> Queue:
    """One queue's state now (not what it can do): enabled, reasons, message, the job it prints."""
    state = _printer_states(name).get(name)
    if state is None:
        raise PrintError(f"unknown printer '{name}' ('handouts printers' lists them)")
    return state


def _printer_states(*names: str) -> dict[str, Queue]:
    """``lpstat -l -p``: per queue enabled or not, its reasons, its message, the job it prints."""
    states: dict[str, Queue] = {}
    name, first = "", False
    for line in _text(_run(["lpstat", "-l", "-p", *names])).splitlines():
        head = re.match(r"printer (\S+) (.*)", line)
        if head:
            name, rest = head.groups()
            printing = re.match(r"now printing (\S+?)\.", rest)
            job = printing.group(1) if printing else ""
            states[name], first = Queue(name, enabled="disabled" not in rest, printing=job), True
            continue
        stripped = line.strip()
        if name and first and not stripped.startswith("Form mounted:"):
            states[name] = replace(states[name], message=stripped)  # the line under the header
        elif name and stripped.startswith("Alerts:"):
            reasons = tuple(r for r in stripped.removeprefix("Alerts:").split() if r != "none")
            states[name] = replace(states[name], reasons=reasons)
        first = False
    return states


# --- what to send -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintPlan:
    """One job, ready to send: the document, its name, the settings, the copies."""

    queue: str
    document: bytes
    job_name: str
    copies: int
    options: tuple[tuple[str, str], ...]
    note: str = ""  # said to the user: "long-edge file: this printer cannot flip on the short edge"

    def option(self, key: str) -> str | None:
        return dict(self.options).get(key)


_COMMON = (("media", "A4"), ("print-scaling", "none"), ("fit-to-page", "false"), ("collate", "true"))
LANDSCAPE, PORTRAIT = "4", "3"  # orientation-requested


def job_name(title: str, version: str) -> str:
    """What CUPS calls a job: the handout's title and version, never a patient's name."""
    return f"{title} (versie {version})"


def plan_booklet(
    queue: Queue, short_edge: bytes, long_edge: bytes | None, job_name: str, copies: int = 1
) -> PrintPlan:
    """The booklet: short-edge duplex, or the long-edge file, or a PrintError when neither works."""
    _check_copies(copies, MAX_BOOKLET_COPIES, "booklet")
    _check_a4(queue)
    if queue.short_edge:
        document, sides, note = short_edge, "two-sided-short-edge", ""
    elif queue.long_edge and long_edge is not None:
        document, sides = long_edge, "two-sided-long-edge"
        note = "this printer flips only on the long edge: sending booklet-print-long-edge.pdf"
    elif queue.long_edge:
        raise PrintError(
            f"printer '{queue.name}' flips only on the long edge and booklet-print-long-edge.pdf is missing:"
            " build the booklet again"
        )
    else:
        raise PrintError(
            f"printer '{queue.name}' cannot print two-sided, and the booklet must be: choose a printer"
            " with duplex ('handouts printers' lists what each can do)"
        )
    options = (*_COMMON, ("orientation-requested", LANDSCAPE), ("sides", sides))
    return PrintPlan(queue.name, document, job_name, copies, options, note)


def plan_handout(queue: Queue, pdf: bytes, job_name: str, copies: int = 1) -> PrintPlan:
    """A handout: A4 portrait at 100 %; two-sided on the long edge when it has pages to spare."""
    _check_copies(copies, MAX_HANDOUT_COPIES, "handout")
    _check_a4(queue)
    two_sided = queue.long_edge and page_count(pdf) > 1
    sides = "two-sided-long-edge" if two_sided else "one-sided"
    options = (*_COMMON, ("orientation-requested", PORTRAIT), ("sides", sides))
    return PrintPlan(queue.name, pdf, job_name, copies, options)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception as exc:  # pypdf raises many kinds; any means "not a PDF we can print"
        raise PrintError(f"the PDF cannot be read ({type(exc).__name__}): build it again") from None


def _check_copies(copies: int, most: int, what: str) -> None:
    if not 1 <= copies <= most:
        raise PrintError(f"a {what} prints 1 to {most} copies at once, not {copies}")


def _check_a4(queue: Queue) -> None:
    if not queue.a4:
        raise PrintError(f"printer '{queue.name}' has no A4 paper size: the handouts are A4")


def send(plan: PrintPlan) -> str:
    """Hand the job to CUPS (the document on ``lp``'s standard input); its id, "Kantoor-12"."""
    args = ["lp", "-d", plan.queue, "-t", plan.job_name, "-n", str(plan.copies)]
    for key, value in plan.options:
        args += ["-o", f"{key}={value}"]
    result = _run(args, document=plan.document)
    match = re.search(r"request id is (\S+)", _text(result))
    if result.returncode != 0 or not match:
        check_scheduler()  # "does not exist" is also what lp says when no scheduler runs
        raise PrintError(f"printer '{plan.queue}' refused the job: {_said(result)}")
    return match.group(1)

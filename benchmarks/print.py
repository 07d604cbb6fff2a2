"""Print benchmark: from the desk's "Afdrukken op <printer>" click to the job in the CUPS queue.

Usage (from the project folder, with the project's virtualenv; needs cups, cups-client,
cups-ipp-utils, and a running Avahi or root to start one, as the tests do)::

    .venv/bin/python benchmarks/print.py               # 10 jobs per row
    .venv/bin/python benchmarks/print.py --jobs 5      # quicker

In one run, on the shipped content:

1. Its own ``cupsd`` with one IPP Everywhere printer (``ippeveprinter`` with duplex, the default
   queue), in a temporary folder, as tests/cups_fixture.py starts them.
2. ``build.py serve --port 0`` with ``CUPS_SERVER`` at that cupsd (its first build is not timed).
3. **personalised card** (metaphors/glas-water, a name, a note, two ticked tips) and
   **20 booklets**: the print form's POST as the page's script sends it (session cookie, CSRF
   token, ``Accept: application/json``), timed from sending it until the desk answers with the
   job's id: the job is then in the queue (``lp`` has handed it to cupsd). Also the time until
   the desk says "afgedrukt" (polled every 50 ms), which includes the printer.
   For comparison, the same card's **Maak PDF** (the render alone, the PDF back to the browser).
4. **baseline**, in the same run: ``lp`` with the same options of the already built PDF (the
   card as built, ``booklet-print.pdf`` with 20 copies), timed until ``lp`` returns the job id.

Target: a personalised card queued within a second. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))
from cups_fixture import Printer, _add_queue, _start_cupsd, _start_printer, _system_bus_and_avahi, tool  # noqa: E402
from deskrun import session, start_server  # noqa: E402

CARD = "metaphors/glas-water"
NOTE = "Wandel elke dag een kwartier, ook als het wat pijn doet."
CARD_OPTIONS = [
    "-o",
    "media=A4",
    "-o",
    "print-scaling=none",
    "-o",
    "orientation-requested=3",
    "-o",
    "sides=one-sided",
]
BOOKLET_OPTIONS = ["-o", "media=A4", "-o", "print-scaling=none", "-o", "orientation-requested=4"]
BOOKLET_OPTIONS += ["-o", "sides=two-sided-short-edge", "-o", "collate=true"]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Client:
    """One browser on one page: its session cookie and CSRF token."""

    def __init__(self, base: str, page: str) -> None:
        self.base = base
        self.opener, self.token = session(base + page)

    def print(self, action: str, fields: list[tuple[str, str]]) -> tuple[float, str]:
        """POST the print form; the seconds until the job's id came back, and its status URL."""
        body = urllib.parse.urlencode([("csrf_token", self.token), *fields]).encode()
        request = urllib.request.Request(
            self.base + action, data=body, headers={"Accept": "application/json"}
        )
        started = time.perf_counter()
        with self.opener.open(request) as response:
            answer = json.loads(response.read())
        elapsed = time.perf_counter() - started
        assert response.status == 202 and answer["job"], answer
        return elapsed, str(answer["status"])

    def render(self, page: str, fields: list[tuple[str, str]]) -> float:
        """POST the personal form ("Maak PDF"); the seconds until the PDF's last byte."""
        body = urllib.parse.urlencode([("csrf_token", self.token), *fields]).encode()
        started = time.perf_counter()
        with self.opener.open(urllib.request.Request(self.base + page, data=body)) as response:
            assert response.read().startswith(b"%PDF")
        return time.perf_counter() - started

    def until_printed(self, status: str, started: float) -> float:
        while True:
            with self.opener.open(urllib.request.Request(self.base + status)) as response:
                state = json.loads(response.read())
            if state["done"]:
                assert state["state"] == "printed", state
                return time.perf_counter() - started
            time.sleep(0.05)


def desk_rows(base: str, jobs: int) -> list[tuple[str, list[float], list[float]]]:
    card = Client(base, f"/handout/{CARD}")
    fields = [("naam", "Jan Peeters"), ("notitie", NOTE), ("tip", "0"), ("tip", "1"), ("printer", "Kantoor")]
    booklet = Client(base, "/boekje")
    rows = []
    for what, client, action, form in (
        ("personalised card (desk)", card, f"/afdrukken/persoonlijk/{CARD}", [*fields, ("copies", "1")]),
        ("20 booklets (desk)", booklet, "/afdrukken/boekje", [("printer", "Kantoor"), ("copies", "20")]),
    ):
        say(f"{what} ...")
        client.print(action, form)  # warm: this item's templates and fonts in a worker
        queued, printed = [], []
        for _ in range(jobs):
            started = time.perf_counter()
            seconds, status = client.print(action, form)
            queued.append(seconds)
            printed.append(client.until_printed(status, started))
        rows.append((what, queued, printed))
    say("the same card, Maak PDF only (rendered, not printed) ...")
    rows.append(
        ("card, Maak PDF (no print)", [card.render(f"/handout/{CARD}", fields) for _ in range(jobs)], [])
    )
    return rows


def lp_rows(out: Path, jobs: int) -> list[tuple[str, list[float], list[float]]]:
    rows = []
    for what, pdf, options in (
        ("card as built (lp)", out / f"{CARD}.pdf", [*CARD_OPTIONS, "-n", "1"]),
        ("20 booklets (lp)", out / "booklet-print.pdf", [*BOOKLET_OPTIONS, "-n", "20"]),
    ):
        say(f"baseline: {what} ...")
        times = []
        for _ in range(jobs):
            started = time.perf_counter()
            subprocess.run(
                ["lp", "-d", "Kantoor", "-t", "baseline", *options, str(pdf)], check=True, capture_output=True
            )
            times.append(time.perf_counter() - started)
        rows.append((what, times, []))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10, help="jobs per row (default 10)")
    n = parser.parse_args().jobs
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="print-bench-") as tmp, _system_bus_and_avahi():
        root = Path(tmp)
        cupsd = Path(
            tempfile.mkdtemp(prefix="handouts-cups-")
        )  # its filters run as lp: not under a private folder
        cupsd.chmod(0o755)
        try:
            printer: Printer = _start_printer(root, "Kantoor", True, processes)
            sock = _start_cupsd(cupsd, processes)
            os.environ["CUPS_SERVER"] = str(sock)
            os.environ["CUPS_SERVERROOT"] = str(cupsd / "etc")
            _add_queue(sock, printer)
            subprocess.run([tool("lpadmin"), "-d", "Kantoor"], check=True)
            say("starting the desk (first build not timed) ...")
            desk, base = start_server(root / "dist")
            try:
                rows = desk_rows(base, n) + lp_rows(root / "dist", n)
            finally:
                desk.terminate()
                desk.wait(30)
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(10)
            subprocess.run(["rm", "-rf", str(cupsd)], check=False)
    report(rows)


def report(rows: list[tuple[str, list[float], list[float]]]) -> None:
    print(f"| {'what':<26} | {'queued p50':>10} | {'queued max':>10} | {'printed p50':>11} |")
    print(f"| {'-' * 26} | {'-' * 9}:| {'-' * 9}:| {'-' * 10}:|")
    for what, queued, printed in rows:
        done = f"{statistics.median(printed) * 1000:>8.0f} ms" if printed else f"{'—':>11}"
        p50, most = statistics.median(queued) * 1000, max(queued) * 1000
        print(f"| {what:<26} | {p50:>7.0f} ms | {most:>7.0f} ms | {done} |")
    card = rows[0][1]
    print()
    print(f"personalised card: queued in {max(card):.2f} s at most (target: within 1 s)")


if __name__ == "__main__":
    main()

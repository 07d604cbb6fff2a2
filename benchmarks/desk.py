"""Desk benchmark: personalised prints on a warm ``serve``, against a one-shot ``build.py build``.

Usage (from the project folder, with the project's virtualenv)::

    .venv/bin/python benchmarks/desk.py                 # 30 requests per client and item
    .venv/bin/python benchmarks/desk.py --requests 10   # quicker

In one run, on the shipped content:

1. ``build.py serve --port 0 --out TMP -q`` starts (its first build is not timed) and is then
   warm: workers forked, WeasyPrint imported, templates compiled.
2. **personalised card** (metaphors/glas-water) and **personalised article**
   (articles/sneller-herstellen): a form POST with a name, a note and (for the card) two ticked
   tips, as the browser sends it (session cookie and CSRF token), timed from sending the request
   to the last byte of the PDF: with **one client**, then with **four clients at once** (four
   threads, each its own session), p50 and p95 over all requests.
3. **catalogue page** (``GET /``): one client, p50 and p95; and the same page with **200
   synthetic handouts** (the shipped entries repeated under new keys), rendered in-process with
   Flask's test client (no socket: the page's own cost).
4. **baseline**: ``build.py build ITEM --force --out TMP -q`` as a subprocess, once per item
   (median of three): what printing that one handout costs without the desk.

Targets on 2 cores: personalised card p50 <= 0.35 s and p95 <= 1 s with four clients;
catalogue <= 100 ms. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from deskrun import session, start_server

PROJECT = Path(__file__).resolve().parent.parent
CARD = "metaphors/glas-water"
ARTICLE = "articles/sneller-herstellen"
NOTE = "Wandel elke dag een kwartier, ook als het wat pijn doet.\nVolgende afspraak: dinsdag om 9 uur."


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Client:
    """One browser: its own session cookie and CSRF token."""

    def __init__(self, base: str, key: str) -> None:
        self.url = f"{base}/handout/{key}"
        self.opener, token = session(self.url)
        fields = [("csrf_token", token), ("naam", "Jan Peeters"), ("notitie", NOTE)]
        if key.startswith("metaphors/"):
            fields += [("tip", "0"), ("tip", "1")]
        self.body = urllib.parse.urlencode(fields).encode()

    def personalise(self) -> float:
        started = time.perf_counter()
        with self.opener.open(urllib.request.Request(self.url, data=self.body)) as response:
            data = response.read()
        elapsed = time.perf_counter() - started
        assert data.startswith(b"%PDF"), data[:200]
        return elapsed


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        response.read()
    return time.perf_counter() - started


def one_client(base: str, key: str, count: int) -> list[float]:
    client = Client(base, key)
    client.personalise()  # the first one warms this item's templates and fonts in a worker
    return [client.personalise() for _ in range(count)]


def four_clients(base: str, key: str, count: int) -> list[float]:
    clients = [Client(base, key) for _ in range(4)]
    for client in clients:
        client.personalise()
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(lambda c: [c.personalise() for _ in range(count)], clients)
    return [t for times in results for t in times]


def synthetic_catalogue_ms(out: Path, count: int, repeat: int) -> list[float]:
    """The catalogue page with ``count`` handouts, rendered in-process (Flask test client)."""
    sys.path.insert(0, str(PROJECT))
    from handouts.desk.app import create_app
    from handouts.desk.catalogue import make
    from handouts.desk.state import Desk
    from handouts.workers import Workers

    catalogue = make(PROJECT / "content", out)
    base = list(catalogue.entries)
    entries = []
    for n in range(count):
        entry = base[n % len(base)]
        kind, _, slug = entry.key.partition("/")
        entries.append(dataclasses.replace(entry, key=f"{kind}/{slug}-{n}", title=f"{entry.title} {n}"))
    synthetic = dataclasses.replace(
        catalogue,
        cards=tuple(e for e in entries if e.kind == "metaphors"),
        articles=tuple(e for e in entries if e.kind == "articles"),
        by_key={e.key: e for e in entries},
    )
    desk = Desk(PROJECT / "content", out, Workers(1), catalogue=synthetic)
    client = create_app(desk).test_client()
    client.get("/")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.data.count(b'class="entry"') == count
    return times


def one_shot(key: str, out: Path) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(PROJECT / "build.py"), "build", key, "--force", "--out", str(out), "-q"],
            cwd=PROJECT,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per client and item (default 30)")
    options = parser.parse_args()
    n = options.requests
    rows: list[tuple[str, str, float, float]] = []

    def row(what: str, clients: str, times: list[float]) -> None:
        rows.append((what, clients, percentile(times, 0.5), percentile(times, 0.95)))

    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        out = Path(tmp) / "dist"
        say("starting the desk (first build not timed) ...")
        process, base = start_server(out)
        try:
            for label, key in (("card", CARD), ("article", ARTICLE)):
                say(f"personalised {label}: one client ...")
                row(f"personalised {label}", "1 client", one_client(base, key, n))
                say(f"personalised {label}: four clients ...")
                row(f"personalised {label}", "4 clients", four_clients(base, key, n))
            say("catalogue page ...")
            timed_get(base + "/")
            row("catalogue page (11 items)", "1 client", [timed_get(base + "/") for _ in range(50)])
        finally:
            process.terminate()
            process.wait(30)
        say("catalogue page with 200 handouts (in-process) ...")
        row("catalogue page (200 handouts)", "in-process", synthetic_catalogue_ms(out, 200, 50))
        say("baseline: one-shot build.py build --force ...")
        for label, key in (("card", CARD), ("article", ARTICLE)):
            seconds = one_shot(key, Path(tmp) / "oneshot")
            rows.append((f"one-shot build {label}", "baseline", seconds, seconds))

    print(f"| {'what':<32} | {'clients':<10} | {'p50':>8} | {'p95':>8} |")
    print(f"| {'-' * 32} | {'-' * 10} | {'-' * 8}:| {'-' * 8}:|")
    for what, clients, p50, p95 in rows:
        print(f"| {what:<32} | {clients:<10} | {p50 * 1000:>6.0f} ms | {p95 * 1000:>6.0f} ms |")
    card4 = next(r for r in rows if r[0] == "personalised card" and r[1] == "4 clients")
    catalogue = next(r for r in rows if r[0].startswith("catalogue page (200"))
    print()
    print(f"card, 4 clients: p50 {card4[2]:.2f} s (target <= 0.35), p95 {card4[3]:.2f} s (target <= 1)")
    print(f"catalogue, 200 handouts: p50 {catalogue[2] * 1000:.0f} ms (target <= 100)")


if __name__ == "__main__":
    main()

"""A real CUPS for the tests: its own ``cupsd`` and two ``ippeveprinter`` IPP Everywhere printers.

The session fixture ``cups`` (registered in conftest.py) starts its own ``cupsd`` (its own socket,
configuration, spool and logs in a temporary folder; never the system's) and two printers, one
with duplex and one without, which keep every document they receive. The client programs reach
that ``cupsd`` through ``CUPS_SERVER``. ``ippeveprinter`` needs a system D-Bus and Avahi: the
fixture starts them when they do not run (as root, as CI is), and stops what it started.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
TOOLS = (
    "cupsd",
    "lpadmin",
    "lp",
    "lpstat",
    "lpoptions",
    "cupsctl",
    "cupsdisable",
    "cupsenable",
    "ippeveprinter",
)
TOOLS += ("ipptool",)
MISSING = [tool for tool in TOOLS if shutil.which(tool, path=SBIN) is None]
INSTALL = "apt-get install cups cups-client cups-ipp-utils dbus avahi-daemon"
GET_JOB = """{
  NAME "Get-Job-Attributes"
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR keyword requested-attributes all
  STATUS successful-ok
}
"""


def tool(name: str) -> str:
    found = shutil.which(name, path=SBIN)
    assert found, name
    return found


@dataclass(frozen=True)
class Printer:
    name: str
    port: int
    kept: Path  # what the printer received: "<job id>-<job name>.pdf"

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print"


@dataclass(frozen=True)
class Cups:
    root: Path  # everything this cupsd writes: configuration, spool, state, cache, logs
    duplex: Printer
    simplex: Printer
    content: Path
    out: Path
    test_file: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(check: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start within {seconds:.0f} s")
        time.sleep(0.05)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _system_bus_and_avahi() -> Iterator[None]:
    """ippeveprinter refuses to start without DNS-SD: a system D-Bus and Avahi must run."""
    avahi = tool("avahi-daemon") if shutil.which("avahi-daemon", path=SBIN) else None
    if avahi and subprocess.run([avahi, "--check"], check=False).returncode == 0:
        yield
        return
    if avahi is None or os.geteuid() != 0:
        pytest.fail(f"ippeveprinter needs a running avahi-daemon (as root: {INSTALL}; then start it)")
    started_bus = None
    if not _bus_answers():
        Path("/run/dbus").mkdir(parents=True, exist_ok=True)
        for stale in ("system_bus_socket", "pid"):  # left by a bus that was killed
            Path("/run/dbus", stale).unlink(missing_ok=True)
        bus = subprocess.run(
            [tool("dbus-daemon"), "--system", "--fork", "--print-pid"], capture_output=True, check=True
        )
        started_bus = int(bus.stdout.split()[0])
    subprocess.run([avahi, "-D", "--no-drop-root"], check=True)
    _wait_for(lambda: subprocess.run([avahi, "--check"], check=False).returncode == 0, "avahi-daemon")
    try:
        yield
    finally:
        subprocess.run([avahi, "-k"], check=False)
        if started_bus is not None:
            os.kill(started_bus, 15)


def _bus_answers() -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        return s.connect_ex("/run/dbus/system_bus_socket") == 0


def _up_or_gone(port: int, process: subprocess.Popen[bytes]) -> bool:
    return _listening(port) or process.poll() is not None


def _start_printer(root: Path, name: str, duplex: bool, processes: list[subprocess.Popen[bytes]]) -> Printer:
    """An ippeveprinter on a free port; started again on another port when the one it was given
    was taken meanwhile ("Address already in use": a busy test machine has many servers)."""
    for _ in range(5):
        printer = Printer(name, _free_port(), root / f"received-{name}")
        printer.kept.mkdir(exist_ok=True)
        args = [tool("ippeveprinter"), "-r", "off", "-k", "-d", str(printer.kept), "-p", str(printer.port)]
        # "-c": no 5-15 s pause after each job
        args += ["-c", tool("true"), "-f", "application/pdf,image/pwg-raster,image/urf"]
        with (root / f"{name}.log").open("wb") as log:
            process = subprocess.Popen([*args, *(["-2"] if duplex else []), name], stdout=log, stderr=log)
        _wait_for(functools.partial(_up_or_gone, printer.port, process), f"ippeveprinter {name}")
        if process.poll() is None:
            processes.append(process)
            return printer
    pytest.fail(f"ippeveprinter {name} did not start: {(root / f'{name}.log').read_text()[-300:]}")


def _start_cupsd(root: Path, processes: list[subprocess.Popen[bytes]]) -> Path:
    etc, sock = root / "etc", root / "cups.sock"
    for folder in ("etc", "spool/tmp", "cache", "state", "log"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (etc / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel info\nMaxLogSize 0\nBrowsing Off\nWebInterface No\n"
        "PreserveJobFiles No\nPreserveJobHistory No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    (etc / "cups-files.conf").write_text(
        f"ServerRoot {etc}\nRequestRoot {root}/spool\nTempDir {root}/spool/tmp\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n"
        f"PageLog {root}/log/page_log\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n"
        f"Printcap {root}/printcap\nUser lp\nGroup lp\nSystemGroup root\n"
    )
    command = [tool("cupsd"), "-f", "-c", str(etc / "cupsd.conf"), "-s", str(etc / "cups-files.conf")]
    with (root / "cupsd.out").open("wb") as log:
        processes.append(subprocess.Popen(command, stdout=log, stderr=log))
    _wait_for(sock.exists, "cupsd")
    return sock


def _add_queue(sock: Path, printer: Printer) -> None:
    subprocess.run(
        [tool("lpadmin"), "-h", str(sock), "-p", printer.name, "-E", "-v", printer.uri, "-m", "everywhere"],
        check=True,
        capture_output=True,
    )


@contextmanager
def _removing(folder: Path) -> Iterator[None]:
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _stopping(processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="session")
def cups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cups]:
    if MISSING:
        pytest.skip(f"CUPS is not installed ({', '.join(MISSING)} missing): {INSTALL}")
    root = tmp_path_factory.mktemp("cups")
    processes: list[subprocess.Popen[bytes]] = []
    # cupsd's filters run as the user lp: its folder cannot live under pytest's private one
    cupsd = Path(tempfile.mkdtemp(prefix="handouts-cups-"))
    cupsd.chmod(0o755)
    with _removing(cupsd), _system_bus_and_avahi(), _stopping(processes):
        duplex = _start_printer(root, "Kantoor", True, processes)
        simplex = _start_printer(root, "Balie", False, processes)
        sock = _start_cupsd(cupsd, processes)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CUPS_SERVER", str(sock))
            patch.setenv("CUPS_SERVERROOT", str(cupsd / "etc"))  # what cupsctl reads
            _add_queue(sock, duplex)
            _add_queue(sock, simplex)
            subprocess.run([tool("lpadmin"), "-d", duplex.name], check=True)
            from conftest import make_content

            content = make_content(root)
            out = root / "dist"
            from handouts.cli import main

            assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "2", "-q"]) == 0
            test_file = root / "get-job.test"
            test_file.write_text(GET_JOB)
            yield Cups(cupsd, duplex, simplex, content, out, test_file)


# --- what the printer received ----------------------------------------------------------------


def received_jobs(printer: Printer) -> dict[int, Path]:
    """The documents the printer kept, by its job id."""
    found = {}
    for path in printer.kept.glob("*.pdf"):
        number = path.name.split("-", 1)[0]
        if number.isdigit():
            found[int(number)] = path
    return found


def job_attributes(cups: Cups, printer: Printer, job_id: int) -> dict[str, str]:
    """The job's attributes as the printer holds them (ipptool Get-Job-Attributes)."""
    result = subprocess.run(
        [tool("ipptool"), "-t", "-v", "-d", f"job_id={job_id}", printer.uri, str(cups.test_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    answer = result.stdout.split("RECEIVED:", 1)[1]
    return dict(re.findall(r"^\s*(\S+) \([^)]*\) = (.*)$", answer, re.MULTILINE))

"""The desk on the practice network, attacked as another computer there would: the real server
(``build.py serve``) on loopback, spoken to with raw HTTP from several loopback addresses
(127.0.0.2, 127.0.0.3, ...: each is another client for the access code's lockout).

Access code guessing in parallel and its lockout, a short code refused at start, the access
page's return path, the ``Host`` header (DNS rebinding), a symbolic link in ``dist/``, and the
addresses the start line shows; the access page as Chromium shows it.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_desk
from conftest import PROJECT
from test_desk import Server, make_content

from handouts.cli import main
from handouts.desk.guard import LIMIT, Attempts, machine_addresses, machine_names

CODE = "kine-praktijk-2026"
ENV = {"HANDOUTS_ACCESS_CODE": CODE}
ALLOWED = "desk.praktijk.test"
browser, page = test_desk.browser, test_desk.page  # Chromium, as test_desk.py drives it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("desk-net")
    running = Server(make_content(root / "content"), root / "dist", "--allow-host", ALLOWED, env=ENV)
    yield running
    assert running.stop() == 130
    assert "Traceback" not in running.output, running.output


class Client:
    """One computer of the network (its own loopback address), with the desk's session cookie."""

    def __init__(self, base: str, source: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "", parts.port or 80
        self.source = source
        self.cookie = ""

    def send(
        self, method: str, path: str, fields: dict[str, str] | None = None, host: str | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        """The request as sent (path and ``Host`` exactly as given); its status, response, body."""
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {"Host": host or f"{self.host}:{self.port}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        cookie = response.getheader("Set-Cookie")
        if cookie and cookie.startswith("desk="):
            self.cookie = cookie.split(";")[0]
        return response.status, response, data

    def token(self) -> str:
        """The access page's CSRF token (and a session cookie it belongs to)."""
        status, _, body = self.send("GET", "/toegang")
        assert status == 200, status
        found = re.search(r'name="csrf_token" value="([^"]+)"', body.decode())
        assert found
        return found.group(1)

    def give_code(self, code: str, query: str = "") -> tuple[int, http.client.HTTPResponse, bytes]:
        return self.send("POST", "/toegang" + query, {"csrf_token": self.token(), "code": code})


# ---------------------------------------------------------------------------- the access code


def test_parallel_wrong_codes_neither_stall_the_desk_nor_go_on_forever(server: Server) -> None:
    therapist = Client(server.url, "127.0.0.2")
    assert therapist.give_code(CODE)[0] == 302
    assert therapist.send("GET", "/")[0] == 200  # the catalogue, warm
    guesser = Client(server.url, "127.0.0.3")
    token = guesser.token()
    results: list[tuple[int, str | None, str]] = []
    start = threading.Barrier(17)

    def guess(number: int) -> None:
        start.wait()
        status, response, body = guesser.send(
            "POST", "/toegang", {"csrf_token": token, "code": f"fout-{number}"}
        )
        results.append((status, response.getheader("Retry-After"), body.decode()))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.1)  # the guesses are in
    clock = time.monotonic()
    status = therapist.send("GET", "/")[0]
    seconds = time.monotonic() - clock
    for thread in threads:
        thread.join(30)
    assert status == 200 and seconds < 0.5, f"the catalogue took {seconds:.2f} s"
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [401] * (LIMIT - 1) + [429] * (17 - LIMIT), statuses
    for status, retry, body in results:
        if status == 429:
            assert retry is not None and 0 < int(retry) <= 30
            assert "Te veel foute codes na elkaar. Wacht" in body and "seconden" in body
    # Locked out: even the right code waits; another computer is not.
    status, response, body = guesser.give_code(CODE)
    assert status == 429 and response.getheader("Retry-After") and "Te veel foute codes" in body.decode()
    assert Client(server.url, "127.0.0.4").give_code(CODE)[0] == 302


def test_a_lockout_doubles_with_every_further_wrong_code() -> None:
    now = [1000.0]
    attempts = Attempts(clock=lambda: now[0])
    assert [attempts.admit("10.0.0.9") for _ in range(LIMIT - 1)] == [0] * (LIMIT - 1)
    assert attempts.locked_for("10.0.0.9") == 0
    assert attempts.admit("10.0.0.9") == 0  # the fifth is checked; if wrong, it locks:
    assert attempts.locked_for("10.0.0.9") == 30 and attempts.admit("10.0.0.9") == 30
    assert attempts.admit("10.0.0.8") == 0  # another client
    for lock in (60, 120, 240):
        now[0] += attempts.locked_for("10.0.0.9")
        assert attempts.admit("10.0.0.9") == 0 and attempts.locked_for("10.0.0.9") == lock
    attempts.succeeded("10.0.0.9")
    assert attempts.admit("10.0.0.9") == 0 and attempts.locked_for("10.0.0.9") == 0


@pytest.mark.parametrize("code", ["x", "   ", "elf-tekens!", "  kort-kort  "])
@pytest.mark.parametrize("given", ["env", "option"])
def test_a_short_access_code_is_refused_at_start(tmp_path: Path, code: str, given: str) -> None:
    content = make_content(tmp_path / "content")
    command = [sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(content)]
    command += ["--out", str(tmp_path / "dist"), "--host", "0.0.0.0", "--port", "0"]
    env = {k: v for k, v in os.environ.items() if k != "HANDOUTS_ACCESS_CODE"}
    if given == "env":
        env["HANDOUTS_ACCESS_CODE"] = code
    else:
        command += ["--access-code", code]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "access code" in result.stderr and "at least 12" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists()


def test_help_says_the_option_shows_in_the_process_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "HANDOUTS_ACCESS_CODE" in out and "(ps)" in out and "at least 12" in out
    assert "--allow-host NAME" in out


# ---------------------------------------------------------------------------- the way back


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "https:evil.example",
        "/%0D%0A/evil.example",
        "%09//evil.example",
        "%20//evil.example",
        "///evil.example",
        "javascript:alert(1)",
    ],
)
def test_the_access_page_sends_back_to_this_desk_only(server: Server, target: str) -> None:
    status, response, _ = Client(server.url, "127.0.0.5").give_code(CODE, "?next=" + target)
    assert status == 302
    location = response.getheader("Location") or ""
    # As a browser reads it: tabs and line breaks dropped, a backslash as a slash.
    read = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    assert urllib.parse.urlsplit(urllib.parse.urljoin(server.url + "/", read)).netloc == server.url[7:]
    assert "evil" not in location, location


def test_the_access_page_sends_back_to_the_page_asked_for(server: Server) -> None:
    client = Client(server.url, "127.0.0.5")
    status, response, _ = client.send("GET", "/handout/metaphors/glas?x=1")
    assert status == 302
    query = urllib.parse.urlsplit(response.getheader("Location") or "").query
    status, response, _ = client.give_code(CODE, "?" + query)
    assert status == 302 and response.getheader("Location") == "/handout/metaphors/glas"


# ---------------------------------------------------------------------------- host names


def test_only_the_desks_own_host_names_are_answered(server: Server) -> None:
    client = Client(server.url, "127.0.0.6")
    port = client.port
    for host in ("evil.example", f"evil.example:{port}", "localhost.evil.example", "127.0.0.1.nip.io", ""):
        for path in ("/toegang", "/", "/static/desk.css"):
            status, _, body = client.send("GET", path, host=host or " ")
            assert status == 400, (host, path, status)
            assert "Ongeldige vraag" in body.decode() and "Traceback" not in body.decode()
    names = ["localhost", "LOCALHOST", "127.0.0.1", "[::1]", "localhost.", ALLOWED, ALLOWED.upper()]
    names += machine_names()
    assert socket.gethostname().lower() in names and any(n.endswith(".local") for n in names)
    for name in names:
        for host in (name, f"{name}:{port}"):
            assert client.send("GET", "/toegang", host=host)[0] == 200, host


# ---------------------------------------------------------------------------- files of dist/


def test_a_symbolic_link_out_of_dist_is_not_followed(server: Server, tmp_path: Path) -> None:
    client = Client(server.url, "127.0.0.7")
    assert client.give_code(CODE)[0] == 302
    status, _, body = client.send("GET", "/pdf/metaphors/oke.pdf")
    assert status == 200 and body.startswith(b"%PDF")
    secret = tmp_path / "geheim.pdf"
    secret.write_bytes(b"%PDF-1.7 geheim buiten dist")
    png = tmp_path / "geheim.png"
    png.write_bytes(b"\x89PNG geheim buiten dist")
    status, _, html = client.send("GET", "/handout/metaphors/oke")
    thumb = re.search(r'src="/thumb/([^"]+\.png)"', html.decode())
    assert status == 200 and thumb
    links = {"metaphors/oke.pdf": secret, thumb.group(1): png}
    for name, target in links.items():
        os.replace(_symlink(target, server.out / name), server.out / name)
    for path in ("/pdf/metaphors/oke.pdf", "/download/metaphors/oke.pdf", f"/thumb/{thumb.group(1)}"):
        status, _, body = client.send("GET", path)
        assert status == 404 and b"geheim" not in body, path
    # A link that stays inside dist/ is served.
    os.replace(
        _symlink(server.out / "metaphors" / "glas.pdf", server.out / "x"), server.out / "metaphors/oke.pdf"
    )
    status, _, body = client.send("GET", "/pdf/metaphors/oke.pdf")
    assert status == 200 and body == (server.out / "metaphors" / "glas.pdf").read_bytes()


def _symlink(target: Path, beside: Path) -> Path:
    link = beside.with_name(beside.name + ".link")
    link.symlink_to(target)
    return link


# ---------------------------------------------------------------------------- the start line


def test_the_start_line_shows_addresses_other_computers_can_open(server: Server, tmp_path: Path) -> None:
    assert re.search(r"desk: http://127\.0\.0\.1:\d+/ \(Ctrl-C to stop\)", server.output)
    content = make_content(tmp_path / "content")
    running = Server(content, tmp_path / "dist", "--host", "0.0.0.0", env=ENV)
    try:
        deadline = time.monotonic() + 30
        while "desk: on this computer" not in running.output and time.monotonic() < deadline:
            time.sleep(0.05)  # the lines after the first
        lines = [line for line in running.lines if line.startswith("desk:")]
        shown = re.findall(r"http://([^/\s,]+)/", "".join(lines))
        assert "0.0.0.0" not in "".join(lines)
        addresses, names = machine_addresses(), machine_names()
        if not addresses:  # a computer without a network
            assert any("no network address found" in line for line in lines), lines
        port = urllib.parse.urlsplit(running.url).port
        assert running.url == f"http://{(addresses or ['127.0.0.1'])[0]}:{port}"
        assert [f"{a}:{port}" for a in addresses + names] == [s for s in shown if not s.startswith("127.")]
        for address in addresses:  # reachable, and answered
            assert Client(f"http://{address}:{port}", address).send("GET", "/toegang")[0] == 200
        for name in names:  # answered (whether this network resolves the name is its own affair)
            status = Client(f"http://127.0.0.1:{port}", "127.0.0.8").send(
                "GET", "/toegang", host=f"{name}:{port}"
            )
            assert status[0] == 200, name
    finally:
        assert running.stop() == 130


# ---------------------------------------------------------------------------- as Chromium shows it


def test_the_access_page_in_chromium(server: Server, page: Any) -> None:
    page.goto(server.url + "/handout/metaphors/glas")
    assert page.get_by_role("heading", name="Toegang tot de desk").is_visible()
    page.screenshot(path="/tmp/desk-access.png", full_page=True)
    for number in range(LIMIT):
        page.get_by_label("Toegangscode").fill(f"fout-{number}")
        page.get_by_role("button", name="Binnen").click()
    alert = page.get_by_role("alert")
    assert "Te veel foute codes na elkaar. Wacht 30 seconden" in alert.inner_text()
    page.screenshot(path="/tmp/desk-access-locked.png", full_page=True)

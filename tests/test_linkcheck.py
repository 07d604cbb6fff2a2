"""``check --links``: every printed address fetched from a local server that answers 200, 301,
404, 500 and never; the warnings name the file and line; nothing but loopback is contacted; a
build never connects anywhere."""

from __future__ import annotations

import datetime
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SAMPLE, make_content

from handouts import linkcheck
from handouts.cli import main
from handouts.linkcheck import Address, LinkReport, addresses, check_links, last_report, run_links
from handouts.paths import display

TIMEOUT = 0.5  # seconds: the "never" page must be given up quickly
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Site:
    """Two local web servers: the practice's site on 127.0.0.1, "another site" on 127.0.0.2."""

    base: str
    other: str
    refused: str  # a port where nothing listens
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (host, method, path)


def _handler(site: Site, release: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            host = self.server.server_address[0]
            site.requests.append((str(host), self.command, self.path))
            if self.path == "/never":
                release.wait(30)  # accepts, then never answers within the timeout
                return
            redirects = {"/moved": f"{site.base}/ok", "/away": f"{site.other}/page", "/old-page": "/"}
            if self.path in redirects:
                self._send(301, location=redirects[self.path])
            elif self.path == "/no-head" and head:
                self._send(405)
            elif self.path == "/head-404" and head:  # a firewall that dislikes HEAD
                self._send(404)
            elif self.path in ("/", "/ok", "/page", "/no-head", "/head-404"):
                self._send(200)
            elif self.path == "/broken":
                self._send(500)
            else:
                self._send(404)

        def _send(self, code: int, location: str | None = None) -> None:
            self.send_response(code)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as probe:  # a free port, closed again: connecting to it is refused
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]
    release = threading.Event()
    site = Site("", "", f"http://127.0.0.1:{refused_port}/")
    servers = [ThreadingHTTPServer((host, 0), _handler(site, release)) for host in ("127.0.0.1", "127.0.0.2")]
    site.base, site.other = (f"http://{s.server_address[0]}:{s.server_address[1]}" for s in servers)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}) for s in servers]
    for thread in threads:
        thread.start()
    yield site
    release.set()
    for server, thread in zip(servers, threads, strict=True):
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every address a socket connects to; a connection off this machine fails the test."""
    made: list[object] = []
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        made.append(address)
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0]) if isinstance(address, tuple) else ""
            if not (host.startswith("127.") or host == "::1"):
                raise AssertionError(f"a connection off this machine: {address}")
        connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return made


def _content(tmp_path: Path, site: Site) -> Path:
    """The sample content with every printed address on the local servers."""
    practice = (
        "name: Praktijk De Proef\nphone: 012 34 56 78\n"
        f"website: {site.base}/\n"
        f"blog_url: {site.base}/broken\n"
        f"booking_url: {site.base}/gone\n"
    )
    article_one = SAMPLE["articles/artikel-een.md"].replace(
        "url: https://www.proef.example/blog/artikel-een", f"url: {site.base}/away"
    )
    article_two = SAMPLE["articles/artikel-twee.md"].replace(
        "date: 2024-03-01\n", f"date: 2024-03-01\nurl: {site.base}/never\n"
    ) + (
        f"\nMeer lezen: {site.base}/moved, of <{site.base}/no-head> en {site.base}/head-404.\n\n"
        f"Oud: [de oude pagina]({site.base}/old-page) en {site.refused}.\n"
    )
    return make_content(
        tmp_path,
        {
            "practice.yml": practice,
            "articles/artikel-een.md": article_one,
            "articles/artikel-twee.md": article_two,
        },
    )


def _line(path: Path, needle: str) -> int:
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text]
    assert len(lines) == 1, (path, needle, lines)
    return lines[0]


def test_each_printed_address_is_found_with_its_file_line_and_handouts(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    found = {(a.field, a.url): a for a in addresses(content)}
    practice, article = content / "practice.yml", content / "articles" / "artikel-een.md"
    assert set(found) == {
        ("website", "https://www.proef.example"),
        ("booking_url", "https://www.proef.example/afspraak"),
        ("blog_url", "https://www.proef.example/blog"),
        ("url", "https://www.proef.example/blog/artikel-een"),
    }
    booking = found["booking_url", "https://www.proef.example/afspraak"]
    assert (booking.file, booking.line) == (display(practice), _line(practice, "booking_url:"))
    assert "booklet" in booking.used_by and "metaphors/kaart-twee" in booking.used_by
    own = found["url", "https://www.proef.example/blog/artikel-een"]
    assert (own.file, own.line) == (display(article), _line(article, "url:"))
    # the card that points to the article prints the article's address; the others the blog
    assert set(own.used_by) == {"articles/artikel-een", "metaphors/kaart-een"}
    blog = found["blog_url", "https://www.proef.example/blog"]
    assert set(blog.used_by) == {"articles/artikel-twee", "metaphors/kaart-twee", "metaphors/kaart-drie"}


def test_without_blog_url_the_blog_is_the_website_line(tmp_path: Path) -> None:
    practice = SAMPLE["practice.yml"].replace("blog_url: https://www.proef.example/blog\n", "")
    content = make_content(tmp_path, {"practice.yml": practice})
    found = [(a.field, a.url, a.line) for a in addresses(content) if a.url == "https://www.proef.example"]
    # one place, written once: the footer's website, which is also the "read more" of three handouts
    assert found == [("website", "https://www.proef.example", _line(content / "practice.yml", "website:"))]


def test_warnings_name_file_and_line_of_each_bad_address(
    tmp_path: Path, site: Site, connections: list[object]
) -> None:
    content = _content(tmp_path, site)
    practice, one, two = (
        content / "practice.yml",
        content / "articles" / "artikel-een.md",
        content / "articles" / "artikel-twee.md",
    )
    results = check_links(addresses(content), timeout=TIMEOUT, workers=3)
    report = LinkReport(datetime.datetime.now(datetime.UTC), tuple(results))
    shown = [str(p).splitlines()[0] for p in report.problems]
    b, o = site.base, site.other
    expected = [
        f"{display(one)}:{_line(one, 'url:')}: warning: url {b}/away redirects to another site: {o}/page",
        f"{display(two)}:{_line(two, 'url:')}: warning: url {b}/never cannot be reached:"
        f" no answer within {TIMEOUT:g} s",
        f"{display(two)}:{_line(two, 'Oud:')}: warning: link in the text {b}/old-page"
        f" redirects to the home page {b}/: the page is probably gone",
        f"{display(two)}:{_line(two, 'Oud:')}: warning: link in the text {site.refused}"
        " cannot be reached: the connection was refused",
        f"{display(practice)}:{_line(practice, 'blog_url')}: warning: blog_url {b}/broken"
        " answers 500 Internal Server Error",
        f"{display(practice)}:{_line(practice, 'booking_url')}: warning: booking_url {b}/gone"
        " answers 404 Not Found",
    ]
    assert sorted(shown) == sorted(expected)
    assert all("hint: " in str(p) for p in report.problems)
    assert report.counts == {"ok": 4, "dead": 2, "unreachable": 2, "redirected": 2}
    # each address asked once (HEAD), again with GET where HEAD failed, plus the redirects' targets
    asked = sorted((method, path) for host, method, path in site.requests if host == "127.0.0.1")
    assert asked == sorted(
        [
            ("HEAD", p)
            for p in ("/", "/away", "/broken", "/gone", "/moved", "/ok", "/never", "/no-head", "/head-404")
        ]
        + [
            ("GET", "/no-head"),
            ("GET", "/head-404"),
            ("GET", "/broken"),
            ("GET", "/gone"),
            ("HEAD", "/old-page"),
            ("HEAD", "/"),
        ]
    )
    assert [(m, p) for h, m, p in site.requests if h == "127.0.0.2"] == [("HEAD", "/page")]
    hosts = {address[0] for address in connections if isinstance(address, tuple)}
    assert hosts == {"127.0.0.1", "127.0.0.2"}


def test_run_links_prints_summary_saves_the_result_and_exits_0(
    tmp_path: Path, site: Site, connections: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    content, out = _content(tmp_path, site), tmp_path / "dist"
    when = datetime.datetime(2026, 12, 6, 20, 30, tzinfo=datetime.UTC)
    assert run_links(content, out, timeout=TIMEOUT, now=when) == 0
    err = capsys.readouterr().err
    assert "booking_url " in err and "answers 404 Not Found" in err
    assert err.splitlines()[-1] == (
        "10 address(es) checked: 4 ok, 2 dead, 2 unreachable, 2 redirected elsewhere."
    )
    saved = last_report(out)
    assert saved is not None and saved.checked_at == when
    assert saved.counts == {"ok": 4, "dead": 2, "unreachable": 2, "redirected": 2}
    assert [str(p) for p in saved.problems] == [str(p) for p in LinkReport(when, saved.results).problems]
    assert len(saved.problems) == 6
    assert not [p for p in out.iterdir() if p.name != linkcheck.RESULT_FILE]  # no temporary file left


def test_offline_says_so(tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    found = [Address(site.refused, "practice.yml", 3, "website")]
    report = LinkReport(datetime.datetime.now(datetime.UTC), tuple(check_links(found, timeout=TIMEOUT)))
    assert report.counts["unreachable"] == 1
    content = tmp_path / "c"
    content.mkdir()
    assert run_links(content, tmp_path / "out") == 0  # nothing loads: nothing to check
    assert "No addresses to check" in capsys.readouterr().err


def test_last_report_missing_or_damaged_is_none(tmp_path: Path) -> None:
    assert last_report(tmp_path) is None
    (tmp_path / linkcheck.RESULT_FILE).write_text("{not json")
    assert last_report(tmp_path) is None
    (tmp_path / linkcheck.RESULT_FILE).write_text(json.dumps({"checked_at": "2026-12-06", "results": [{}]}))
    assert last_report(tmp_path) is None


def test_a_build_makes_no_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[object] = []
    connect = socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            tried.append(address)
            raise OSError("no network in a build")
        connect(self, address)  # type: ignore[arg-type]

    def refuse_create(address: object, *args: object, **kwargs: object) -> socket.socket:
        tried.append(address)
        raise OSError("no network in a build")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_create)
    content, out = make_content(tmp_path), tmp_path / "dist"
    assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q"]) == 0
    assert (out / "metaphors" / "kaart-een.pdf").is_file()
    assert tried == []
    with socket.socket() as probe, pytest.raises(OSError):  # the guard was in place
        probe.connect(("192.0.2.1", 80))
    assert tried == [("192.0.2.1", 80)]


def test_the_desk_part_shows_the_last_result_with_its_date(tmp_path: Path) -> None:
    import re

    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from handouts.desk.words import install
    from handouts.paths import DESK_TEMPLATES

    env = Environment(loader=FileSystemLoader(DESK_TEMPLATES), autoescape=True, undefined=StrictUndefined)
    install(env)  # the desk's words, in Dutch
    env.globals["shown_path"] = str
    part = env.get_template("_links.html")

    def text(links: LinkReport | None) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", part.render(links=links)).split())

    assert "Nog nooit nagekeken." in text(None)
    when = datetime.datetime(2026, 12, 6, 20, 30, tzinfo=datetime.UTC)
    dead = linkcheck.LinkResult(
        Address("https://www.proef.example/weg", "content/practice.yml", 5, "booking_url", ("booklet",)),
        "dead",
        404,
        "https://www.proef.example/weg",
        "404 Not Found",
    )
    fine = linkcheck.LinkResult(
        Address("https://www.proef.example", "content/practice.yml", 3, "website"), "ok"
    )
    linkcheck.save_report(tmp_path, LinkReport(when, (dead, fine)))
    shown = text(last_report(tmp_path))
    local = when.astimezone().strftime("%d-%m-%Y %H:%M")
    assert f"Laatst nagekeken: {local}: 2 adressen, 1 in orde, 1 dood, 0 onbereikbaar" in shown
    assert (
        "content/practice.yml:5 waarschuwing booking_url https://www.proef.example/weg answers 404 Not Found"
        in shown
    )
    assert "Elk adres" not in shown
    assert "Elk adres op een QR-code of in de tekst werkt." in text(LinkReport(when, (fine,)))


def test_a_translated_card_leads_to_the_translated_article_when_it_is_online(tmp_path: Path) -> None:
    article = SAMPLE["articles/artikel-een.md"].replace(
        "url: https://www.proef.example/blog/artikel-een", "url: https://www.proef.example/fr/article-un"
    )
    content = make_content(
        tmp_path,
        {
            "articles/artikel-een.fr.md": article,
            "metaphors/kaart-een.fr.md": SAMPLE["metaphors/kaart-een.md"],
            "metaphors/kaart-twee.fr.md": SAMPLE["metaphors/kaart-twee.md"],
        },
    )
    found = {a.url: a for a in addresses(content)}
    french = found["https://www.proef.example/fr/article-un"]
    assert (french.file, french.field) == (display(content / "articles" / "artikel-een.fr.md"), "url")
    assert set(french.used_by) == {"fr/articles/artikel-een", "fr/metaphors/kaart-een"}
    assert "fr/metaphors/kaart-twee" in found["https://www.proef.example/blog"].used_by


def test_check_links_on_the_command_line_fetches_and_keeps_the_result(
    tmp_path: Path, site: Site, connections: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    """``check --links --out DIR``: the content check, then the addresses; the result is kept for
    the desk; plain ``check`` goes nowhere."""
    from handouts.cli import main

    content, out = _content(tmp_path, site), tmp_path / "dist"
    online = lambda: [c for c in connections if isinstance(c, tuple)]  # noqa: E731 (not the workers' pipes)
    assert main(["check", "--fast", "--content", str(content), "--out", str(out)]) in (0, 1)
    assert last_report(out) is None and not online()
    main(["check", "--fast", "--content", str(content), "--out", str(out), "--links"])
    assert "address(es) checked" in capsys.readouterr().err
    assert last_report(out) is not None and online()

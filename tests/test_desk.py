"""The desk (``serve``), used as a therapist uses it: the real server, in Debian's Chromium.

The server runs as a subprocess (``build.py serve --port 0``) on small fixture folders; the
browser is driven by Playwright with ``executable_path`` set to the system's ``chromium``.
PDFs are read back as a reader sees them: the text on the page, the font weight of the ticked
tips, QR codes decoded from the rendered page, the page count.
"""

from __future__ import annotations

import ctypes
import datetime
import http.client
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import CONTENT, PROJECT, decode_qr, page_texts, render_page
from pypdf import PdfReader

from handouts.cli import main

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
playwright_api = pytest.importorskip("playwright.sync_api")

NAME = "Zyxwvuts Qwertyberg"  # distinctive: found nowhere unless the desk leaks it
NOTE_WORD = "Vlonderkwispel"


# ---------------------------------------------------------------------------- fixture content

PRACTICE = """\
name: Testpraktijk Kinesitherapie
phone: 0470/00 00 00
website: https://www.example.be
blog_url: https://www.example.be/blog
booking_url: https://www.example.be/afspraak
therapists: [Tim Willems, An Peeters]
"""

CARD = """\
---
title: {title}
summary: {summary}
order: {order}
---

## Het beeld

{image}

## Wat betekent dit voor jou?

Pijn is een alarm. Het zegt niet altijd hoeveel schade er is.

## Wat kan je zelf doen?

- Slaap genoeg en ga op vaste uren slapen.
- Wandel elke dag een kwartier.
- Schrijf op wat je pijn erger maakt.
"""

ARTICLE = """\
---
title: Rustig opbouwen na een blessure
summary: Wie na een blessure rustig opbouwt, herstelt vaak sneller.
author: Tim Willems
date: 2025-06-01
tags: [herstel, beweging]
key_points:
  - Bouw rustig op.
---

Na een blessure wil je snel weer alles doen. Bouw rustig op.

## Waarom rustig?

Je lichaam past zich aan wat je het vraagt, beetje bij beetje.
"""

BOOKLET = """\
title: Testboekje
subtitle: Twee kaarten en een artikel
intro: Een boekje om te testen.
sections:
  - title: Beelden
    items: [metaphors/glas, metaphors/oke]
  - title: Lezen
    items: [articles/opbouwen]
"""


def make_content(root: Path) -> Path:
    (root / "metaphors").mkdir(parents=True)
    (root / "articles").mkdir()
    (root / "practice.yml").write_text(PRACTICE, encoding="utf-8")
    cards = {
        "glas": (
            "Het glas water",
            "Klachten ontstaan als je glas te vol zit.",
            "Je lichaam is een glas. Alles wat je meemaakt, is water. Een zandloper telt mee.",
        ),
        "oke": (
            "Oké zijn met rust",
            "Rust is ook een deel van herstel.",
            "Een batterij laadt op als je ze niet gebruikt.",
        ),
    }
    for order, (slug, (title, summary, image)) in enumerate(cards.items(), start=1):
        text = CARD.format(title=title, summary=summary, order=order, image=image)
        (root / "metaphors" / f"{slug}.md").write_text(text, encoding="utf-8")
    (root / "articles" / "opbouwen.md").write_text(ARTICLE, encoding="utf-8")
    (root / "booklet.yml").write_text(BOOKLET, encoding="utf-8")
    return root


# ---------------------------------------------------------------------------- the server


class Server:
    """``build.py serve`` in a subprocess on a free port; its output is kept for inspection."""

    def __init__(
        self,
        content: Path,
        out: Path,
        *extra: str,
        env: dict[str, str] | None = None,
        cwd: Path = PROJECT,
    ) -> None:
        command = [sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(content)]
        command += ["--out", str(out), "--port", "0", "--jobs", "2", *extra]
        self.out = cwd / out
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)
                found = re.search(r"desk: (http://\S+?)/ ", line)
                if found:
                    self.url = found.group(1)
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        ready.wait(120)
        assert self.url, "".join(self.lines)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.reader.join(10)
            assert self.process.stdout is not None
            self.process.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("desk")
    running = Server(make_content(root / "content"), root / "dist")
    yield running
    assert running.stop() == 130
    assert "Traceback" not in running.output, running.output


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Chromium:
    """One Chromium for a module's tests; started again when it is gone (a browser that crashes
    on a loaded machine fails its own test, not every test after it)."""

    def __init__(self, playwright: Any) -> None:
        self.playwright, self.current = playwright, None

    def get(self) -> Any:
        if self.current is None or not self.current.is_connected():
            self.current = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.current


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with playwright_api.sync_playwright() as playwright:
        chromium = Chromium(playwright)
        yield chromium
        if chromium.current is not None and chromium.current.is_connected():
            chromium.current.close()


@pytest.fixture
def page(browser: Chromium) -> Iterator[Any]:
    viewport = {"width": 1280, "height": 900}
    context = browser.get().new_context(locale="nl-BE", accept_downloads=True, viewport=viewport)
    opened = context.new_page()
    problems: list[str] = []
    expected = "Failed to load resource: the server responded with a status of 4"  # a form's 422

    def console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith(expected):
            problems.append(message.text)

    opened.on("console", console)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    # A blocked inline script, a CSP violation or a script error fails the test.
    assert not problems, problems


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return get_request(urllib.request.Request(url, headers=headers or {}))


def raw_get(base: str, path: str) -> tuple[int, bytes, str]:
    """A GET with the path sent exactly as given (no client-side normalisation of ``..``)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location") or ""
    finally:
        connection.close()


# ---------------------------------------------------------------------------- helpers on pages


def make_pdf(page: Any) -> tuple[bytes, Any]:
    """Click "Maak PDF"; return the PDF as saved with "Bewaar de PDF", and the POST's response."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Maak PDF").click()
    page.wait_for_selector("[data-result]:not([hidden])")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bewaar de PDF").click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    download.delete()  # the patient's PDF is not left in the test's temporary folder
    return data, posted.value


def font_names(pdf: bytes, phrase: str) -> set[str]:
    """The fonts that the characters of ``phrase`` on the first page are set in."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        found = textpage.search(phrase, match_case=True).get_next()
        assert found, f"{phrase!r} not on the page"
        start, count = found
        names = set()
        for index in range(start, start + count):
            buffer = ctypes.create_string_buffer(256)
            pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, buffer, 256, None)
            names.add(buffer.value.decode().split("+")[-1])
        return names - {""}
    finally:
        document.close()


def flat(text: str) -> str:
    text = re.sub(r"[\ufffe\u00ad-]\r?\n", "", text)
    return re.sub(r"\s+", " ", text)


def dutch_date(date: datetime.date) -> str:
    from handouts.html import long_date

    return long_date(date)


# ---------------------------------------------------------------------------- a therapist's flow


def test_search_filters_as_you_type_ignoring_case_and_accents(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    cards = page.locator(".grid .entry")
    assert cards.count() == 3
    search = page.get_by_label("Zoeken")
    for query, expected in [
        ("oke", ["Oké zijn met rust"]),  # without the accent
        ("GLAS", ["Het glas water"]),  # another case
        ("zandloper", ["Het glas water"]),  # a word in the text, not in the title
        ("herstel", ["Oké zijn met rust", "Rustig opbouwen na een blessure"]),
        ("glas water", ["Het glas water"]),
    ]:
        search.fill(query)
        page.locator("[data-results]:not([aria-busy])").wait_for(state="attached")  # the server answered
        visible = page.locator(".grid .entry:visible .entry-title").all_inner_texts()
        assert sorted(visible) == sorted(expected), query
    search.fill("xylofoonzee")
    page.locator("[data-results]:not([aria-busy])").wait_for(state="attached")
    assert page.locator(".grid .entry:visible").count() == 0
    assert page.get_by_text("Niets gevonden").is_visible()
    search.fill("")
    assert page.locator(".grid .entry:visible").count() == 3
    assert page.locator(".booklet-banner").is_visible()  # the booklet on top
    page.screenshot(path="/tmp/desk-catalogue.png", full_page=True)


def test_personalised_card_carries_name_note_and_ticked_tips_on_one_page(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name=re.compile("Het glas water")).click()
    playwright_api.expect(
        page.get_by_role("heading", name="Het glas water")
    ).to_be_visible()  # waits for the page
    assert page.locator(".page-list img").count() == 1  # every page as a thumbnail
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Therapeut").select_option("Tim Willems")
    page.get_by_label("Persoonlijke notitie").fill(f"{NOTE_WORD}: elke avond tien minuten wandelen.")
    page.get_by_label("Wandel elke dag een kwartier.").check()
    pdf, response = make_pdf(page)
    page.screenshot(path="/tmp/desk-item.png", full_page=True)

    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert "Qwertyberg" not in headers["content-disposition"] and headers["content-disposition"].endswith(
        '"glas.pdf"'
    )
    texts = page_texts(pdf)
    assert len(texts) == 1  # still one page
    text = flat(texts[0])
    assert f"Voor {NAME}" in text
    assert NOTE_WORD in text
    today = datetime.date.fromisoformat(page.get_by_label("Datum").input_value())
    assert dutch_date(today) in text and "Tim Willems" in text
    # The ticked tip is printed bold, the others are not.
    assert all(n.endswith("-Bold") for n in font_names(pdf, "Wandel elke dag een kwartier."))
    assert not any("Bold" in n for n in font_names(pdf, "Slaap genoeg en ga op vaste uren slapen."))
    assert decode_qr(render_page(pdf)) == sorted(
        ["https://www.example.be/blog", "https://www.example.be/afspraak"]
    )
    metadata = PdfReader(io.BytesIO(pdf)).metadata or {}
    assert not any("Qwertyberg" in str(value) for value in metadata.values())

    # The line for the patient file: title, version, date, therapist; never the name.
    record = page.get_by_label("Voor het patiëntendossier").input_value()
    assert record.startswith("Meegegeven: Het glas water (versie ")
    assert record.endswith(f"), {dutch_date(today)}, Tim Willems")
    assert "Qwertyberg" not in record


def test_a_note_too_long_for_the_card_says_how_much_to_cut(server: Server, page: Any) -> None:
    page.goto(server.url + "/handout/metaphors/glas")
    note = "\n".join(f"Stap {n}: rust." for n in range(1, 31))  # 30 short lines, under 400 characters
    page.get_by_label("Persoonlijke notitie").fill(note)
    for tip in page.locator('input[name="tip"]').all():
        tip.check()
    page.get_by_role("button", name="Maak PDF").click()
    message = page.locator('[data-error="notitie"]')
    message.wait_for(state="visible")
    text = message.inner_text()
    assert "past de kaart niet meer op één blad" in text
    assert re.search(r"ongeveer \d+ mm te lang\). Maak de notitie ongeveer \d+ regels? korter", text), text
    assert page.locator("[data-result]").is_hidden()
    page.screenshot(path="/tmp/desk-too-long.png", full_page=True)
    # Over the limit of 400 characters: said before anything is rendered.
    status, _, body = post_form(server, "/handout/metaphors/glas", {"notitie": "x" * 401})
    assert status == 422 and "hoogstens 400" in body.decode()


def test_several_handouts_print_as_one_pdf_with_one_personal_block(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Kies om samen af te drukken").nth(0).check()
    page.get_by_label("Kies om samen af te drukken").nth(2).check()
    assert page.get_by_text("2 handouts gekozen").is_visible()
    page.get_by_role("button", name="Samen afdrukken").click()
    page.get_by_role("heading", name="Samen afdrukken").wait_for()  # the next page has loaded
    page.get_by_label("Naam patiënt").fill(NAME)
    pdf, _ = make_pdf(page)
    page.screenshot(path="/tmp/desk-several.png", full_page=True)
    texts = [flat(t) for t in page_texts(pdf)]
    article_pages = len(page_texts(server.out / "articles" / "opbouwen.pdf"))
    assert len(texts) == 2 + article_pages  # the card's back is left blank: the article starts a sheet
    assert "Het glas water" in texts[0] and not texts[1].strip() and "Rustig opbouwen" in texts[2]
    assert sum(f"Voor {NAME}" in t for t in texts) == 1 and f"Voor {NAME}" in texts[0]
    record = page.get_by_label("Voor het patiëntendossier").input_value()
    assert "Het glas water (versie" in record and "Rustig opbouwen na een blessure (versie" in record


def test_keyboard_alone(server: Server, page: Any) -> None:
    page.goto(server.url + "/")

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {predicate}; }})()"):
                return
        raise AssertionError(f"never reached {predicate} with Tab")

    tab_to("e.id === 'zoeken'")
    with page.expect_response(lambda r: "q=oke" in r.url):  # the cards are put in order: then Tab on
        page.keyboard.type("oke")
    page.wait_for_load_state("networkidle")
    tab_to("e.classList.contains('entry-link')")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url("**/handout/metaphors/oke")
    tab_to("e.id === 'naam'")
    page.keyboard.type(NAME)
    tab_to("e.type === 'checkbox'")
    page.keyboard.press("Space")
    tab_to("e.textContent.trim() === 'Maak PDF'")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-result]:not([hidden])")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Open de PDF om af te drukken"
    page.screenshot(path="/tmp/desk-keyboard.png", full_page=True)


def test_booklet_page_says_how_to_print(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="Boekje afdrukken").click()
    text = page.locator("main").inner_text()
    for words in ("A4", "dubbelzijdig", "korte zijde", "100 %"):
        assert words in text
    for name in ("booklet-print.pdf", "booklet-print-long-edge.pdf"):
        link = page.locator(f'a[href="/pdf/{name}"]')
        status, headers, body = get(server.url + link.get_attribute("href"))
        assert status == 200 and body.startswith(b"%PDF")
        assert headers["Content-Disposition"].startswith("inline")
    page.screenshot(path="/tmp/desk-booklet.png", full_page=True)


def test_print_and_download_serve_the_built_pdf(server: Server, page: Any) -> None:
    page.goto(server.url + "/handout/articles/opbouwen")
    assert page.locator(".page-list img").count() == len(page_texts(server.out / "articles" / "opbouwen.pdf"))
    inline = page.get_by_role("link", name="Afdrukken").get_attribute("href")
    attachment = page.get_by_role("link", name="Downloaden").get_attribute("href")
    status, headers, body = get(server.url + inline)
    assert status == 200 and headers["Content-Disposition"].startswith("inline") and body.startswith(b"%PDF")
    status, headers, body = get(server.url + attachment)
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    with page.expect_download() as saved:
        page.get_by_role("link", name="Downloaden").click()
    assert saved.value.suggested_filename == "articles-opbouwen.pdf"
    saved.value.delete()
    response = page.goto(server.url + inline)  # shown in the browser's PDF viewer, not saved
    assert response is not None and response.ok and page.url.endswith("/pdf/articles/opbouwen.pdf")


# ---------------------------------------------------------------------------- privacy


def test_the_patients_name_is_kept_nowhere(server: Server, page: Any) -> None:
    started = time.time() - 2
    page.goto(server.url + "/handout/metaphors/oke")
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Persoonlijke notitie").fill(f"{NOTE_WORD} voor {NAME}")
    pdf, _ = make_pdf(page)
    assert NAME in flat(page_texts(pdf)[0])  # it was printed ...
    page.goto("about:blank")
    # ... and is nowhere else: not in a file written since, nor in the server's output.
    needles = [
        form.encode(encoding)
        for form in ("Qwertyberg", NOTE_WORD)
        for encoding in ("utf-8", "utf-16-le", "utf-16-be")
    ]
    roots = {PROJECT, server.out, Path(tempfile.gettempdir()), Path.home()}
    found = [str(path) for path in files_written_since(roots, started) if contains(path, needles)]
    assert not found, found
    assert "Qwertyberg" not in server.output and NOTE_WORD not in server.output


def files_written_since(roots: set[Path], since: float) -> Iterator[Path]:
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if path.is_file() and not path.is_symlink() and max(info.st_mtime, info.st_ctime) >= since:
                    yield path


def contains(path: Path, needles: list[bytes]) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return any(needle in data for needle in needles)


# ---------------------------------------------------------------------------- security


def post_form(server: Server, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """A form POST as a browser sends it: first the page (session cookie, CSRF token)."""
    import http.cookiejar
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url + path) as response:
        html = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
    try:
        with opener.open(urllib.request.Request(server.url + path, data=data)) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_a_form_without_its_csrf_token_is_refused(server: Server) -> None:
    request = urllib.request.Request(
        server.url + "/handout/metaphors/glas", data=f"naam={NAME}&notitie=hallo".encode(), method="POST"
    )
    status, _, body = get_request(request)
    assert status == 400
    assert "Formulier verlopen" in body.decode() and "Traceback" not in body.decode()
    assert not body.startswith(b"%PDF")
    rebuild = urllib.request.Request(server.url + "/inhoud/opnieuw", data=b"", method="POST")
    assert get_request(rebuild)[0] == 400
    # With the token, the same form works.
    status, _, body = post_form(server, "/handout/metaphors/glas", {"naam": "A"})
    assert status == 200 and body.startswith(b"%PDF")


def get_request(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    "path",
    [
        "/pdf/../pyproject.toml",
        "/pdf/..%2f..%2fpyproject.toml",
        "/pdf/%2e%2e/%2e%2e/pyproject.toml",
        "/pdf//etc/passwd",
        "/pdf/.handouts-manifest.json",
        "/download/../../handouts/desk.py",
        "/thumb/../../../etc/passwd",
        "/thumb/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/../handouts/desk.py",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/fonts/../../../pyproject.toml",
    ],
)
def test_path_traversal_is_refused(server: Server, path: str) -> None:
    status, body, location = raw_get(server.url, path)
    if status == 308:  # "//" merged into "/": that address is refused too
        status, body, _ = raw_get(server.url, location.removeprefix(server.url))
    assert status in (400, 404), (path, status)
    for secret in (b"[project]", b"root:x:", b"def create_app", b"metaphors/glas"):
        assert secret not in body, path


def test_headers_forbid_inline_script_framing_and_sniffing(server: Server) -> None:
    for path in ("/", "/handout/metaphors/glas", "/inhoud", "/boekje", "/bestaat-niet"):
        status, headers, body = get(server.url + path)
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert re.search(rb"<script(?![^>]*\bsrc=)", body) is None, path  # no inline script
        assert re.search(rb"\son[a-z]+=", body) is None, path  # no inline handlers
    status, _, body = get(server.url + "/bestaat-niet")
    assert status == 404 and "Niet gevonden" in body.decode()


def test_a_request_too_large_gets_a_dutch_message(server: Server) -> None:
    status, _, body = post_form(server, "/handout/metaphors/glas", {"notitie": "x" * 100_000})
    assert status == 413 and "Te groot" in body.decode() and "Traceback" not in body.decode()


def test_another_computer_needs_an_access_code(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HANDOUTS_ACCESS_CODE", raising=False)
    content = make_content(tmp_path / "content")
    code = main(["serve", "--content", str(content), "--out", str(tmp_path / "dist"), "--host", "0.0.0.0"])
    err = capfd.readouterr().err
    assert code == 2
    assert "access code" in err and "--access-code" in err and "HANDOUTS_ACCESS_CODE" in err
    assert not (tmp_path / "dist").exists()  # refused before building anything


def test_a_port_in_use_is_said_before_anything_is_built(tmp_path: Path) -> None:
    import socket

    content = make_content(tmp_path / "content")
    out = tmp_path / "dist"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(content)]
        command += ["--out", str(out), "--port", str(port)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_the_access_code_is_asked_once_per_browser(tmp_path: Path, page: Any) -> None:
    content = make_content(tmp_path / "content")
    running = Server(content, tmp_path / "dist", env={"HANDOUTS_ACCESS_CODE": "kine-2026-praktijk"})
    try:
        status, _, _ = get(running.url + "/pdf/metaphors/glas.pdf")
        assert status == 200  # urllib follows the redirect to the access page ...
        page.goto(running.url + "/handout/metaphors/glas")
        assert page.get_by_role("heading", name="Toegang tot de desk").is_visible()
        page.get_by_label("Toegangscode").fill("fout")
        page.get_by_role("button", name="Binnen").click()
        playwright_api.expect(page.get_by_text("Deze toegangscode klopt niet")).to_be_visible()
        page.get_by_label("Toegangscode").fill("kine-2026-praktijk")
        page.get_by_role("button", name="Binnen").click()
        page.wait_for_url("**/handout/metaphors/glas")
        cookie = next(c for c in page.context.cookies() if c["name"] == "desk")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.goto(running.url + "/inhoud")  # not asked again
        assert page.get_by_role("heading", name="Inhoud").is_visible()
        status, _, body = get(running.url + "/pdf/metaphors/glas.pdf")
        assert not body.startswith(b"%PDF")  # ... but without the cookie, no PDF
    finally:
        page.goto("about:blank")  # nothing left loading from the server being stopped
        assert running.stop() == 130


# ---------------------------------------------------------------------------- staff


def test_staff_page_shows_a_broken_file_and_rebuilds(tmp_path: Path, page: Any) -> None:
    content = make_content(tmp_path / "content")
    card = content / "metaphors" / "glas.md"
    good = card.read_text(encoding="utf-8")
    card.write_text(good.replace("title:", "titel:", 1), encoding="utf-8")
    old = content / "metaphors" / "oke.md"
    old.write_text(old.read_text(encoding="utf-8").replace("order: 2\n", "order: 2\nreviewed: 2020-01-15\n"))
    recent = content / "articles" / "opbouwen.md"
    today = datetime.date.today().isoformat()
    recent.write_text(recent.read_text(encoding="utf-8").replace("tags:", f"reviewed: {today}\ntags:"))
    running = Server(content, tmp_path / "dist")
    try:
        page.goto(running.url + "/")
        page.get_by_role("link", name="Inhoud", exact=True).click()
        problems = page.locator(".problems li")
        assert problems.count() >= 1
        shown = page.locator(".problems").inner_text()
        assert re.search(r"metaphors/glas\.md:2\nFOUT\n.*'titel'", shown), shown  # file:line, error, message
        assert "bedoel je 'title'?" in shown  # the hint, in Dutch
        rows = page.locator("section[aria-labelledby=nagekeken] tbody tr").all_inner_texts()
        old_row = next(row for row in rows if row.startswith("Oké zijn met rust"))
        assert "15-01-2020" in old_row and "nakijken (sinds 15-01-2022)" in old_row, rows  # review status
        assert "in orde tot" in next(row for row in rows if row.startswith("Rustig opbouwen")), rows
        assert re.search(r"\t\d+", old_row), rows  # its reading ease
        page.screenshot(path="/tmp/desk-staff.png", full_page=True)
        # The broken card was never built: it is not in the catalogue; the others are.
        page.goto(running.url + "/")
        assert page.locator(".grid .entry-title").all_inner_texts() == [
            "Oké zijn met rust",
            "Rustig opbouwen na een blessure",
        ]
        # Fixed on disk: the desk rebuilds by itself, and the card appears.
        card.write_text(good, encoding="utf-8")
        deadline = time.time() + 30
        while time.time() < deadline:
            page.goto(running.url + "/")
            if page.locator(".grid .entry").count() == 3:
                break
            time.sleep(0.5)
        assert page.locator(".grid .entry").count() == 3
        page.goto(running.url + "/inhoud")
        assert page.get_by_text("Geen problemen").is_visible()
        page.get_by_role("button", name="Opnieuw bouwen").click()
        playwright_api.expect(
            page.locator(".status [role=status]")
        ).to_be_visible()  # "asked" or "building now"
        deadline = time.time() + 30
        while time.time() < deadline and "knop Opnieuw bouwen" not in page.locator(".builds").inner_text():
            time.sleep(0.5)
            page.goto(running.url + "/inhoud")
        assert "knop Opnieuw bouwen" in page.locator(".builds").inner_text()  # what was built when, and why
    finally:
        page.goto("about:blank")  # nothing left loading from the server being stopped
        assert running.stop() == 130
    assert "Traceback" not in running.output


# ---------------------------------------------------------------------------- the shipped content


def test_every_shipped_handout_is_listed_and_every_card_takes_a_personal_block(
    built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(built, out)
    running = Server(CONTENT, out)
    try:
        status, _, body = get(running.url + "/")
        html = body.decode()
        # the Dutch originals (a translation is <slug>.<lang>.md)
        cards = sorted(p.stem for p in (CONTENT / "metaphors").glob("*.md") if "." not in p.stem)
        articles = sorted(p.stem for p in (CONTENT / "articles").glob("*.md") if "." not in p.stem)
        for slug in cards:
            assert f'href="/handout/metaphors/{slug}"' in html
        for slug in articles:
            assert f'href="/handout/articles/{slug}"' in html
        # A translation is offered as it is, on its original's page.
        for path in sorted((CONTENT / "metaphors").glob("*.*.md")):
            slug, lang = path.stem.split(".")
            status, _, body = get(f"{running.url}/handout/metaphors/{slug}")
            pdf_link = f'href="/pdf/{lang}/metaphors/{slug}.pdf"'
            assert pdf_link in body.decode(), path.name
            assert get(f"{running.url}/pdf/{lang}/metaphors/{slug}.pdf")[2].startswith(b"%PDF")
        for slug in cards:
            fields = {"naam": "Jan Peeters", "notitie": "Tot volgende week."}
            status, _, pdf = post_form(running, f"/handout/metaphors/{slug}", fields)
            assert status == 200, (slug, pdf[:300])
            assert len(page_texts(pdf)) == 1 and "Voor Jan Peeters" in flat(page_texts(pdf)[0])
            assert len(decode_qr(render_page(pdf))) == 2, slug  # the smaller QR codes still scan
        # An article: the block on its first page only.
        fields = {"naam": "Jan Peeters", "notitie": "Lees vooral het stuk over stress."}
        status, _, pdf = post_form(running, f"/handout/articles/{articles[0]}", fields)
        texts = [flat(text) for text in page_texts(pdf)]
        assert status == 200 and "Voor Jan Peeters" in texts[0] and "Lees vooral het stuk" in texts[0]
        assert not any("Jan Peeters" in text for text in texts[1:])
    finally:
        running.stop()


# ---------------------------------------------------------------------------- therapists (in-process)


def test_the_therapist_is_chosen_from_the_practices_list(tmp_path: Path) -> None:
    """With ``therapists:`` in practice.yml the form offers those names, and only those."""
    from handouts.desk.app import create_app
    from handouts.desk.catalogue import make
    from handouts.desk.state import Desk
    from handouts.workers import Workers

    content = make_content(tmp_path / "content")
    out = tmp_path / "dist"
    assert main(["build", "--content", str(content), "--out", str(out), "-q", "--jobs", "1"]) == 0
    app = create_app(Desk(content, out, Workers(1), catalogue=make(content, out)))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    html = client.get("/handout/metaphors/glas").get_data(as_text=True)
    assert '<select id="therapeut" name="therapeut"' in html
    assert "<option>Tim Willems</option>" in html and "<option>An Peeters</option>" in html
    refused = client.post("/handout/metaphors/glas", data={"therapeut": "Iemand Anders"})
    assert refused.status_code == 422 and "Kies een therapeut uit de lijst" in refused.get_data(as_text=True)
    printed = client.post("/handout/metaphors/glas", data={"therapeut": "An Peeters", "datum": "2026-11-30"})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert "30 november 2026 · An Peeters" in flat(page_texts(printed.data)[0])
    record = urllib.parse.unquote(printed.headers["X-Meegegeven"])
    assert record.endswith(", 30 november 2026, An Peeters")

    # Input is text, never markup: on the page, and in the form shown again after an error.
    markup = "<b>Jan</b> & <i>co</i>"
    printed = client.post("/handout/metaphors/glas", data={"naam": markup, "notitie": "<script>x()</script>"})
    text = flat(page_texts(printed.data)[0])
    assert f"Voor {markup}" in text and "<script>x()</script>" in text
    again = client.post("/handout/metaphors/glas", data={"naam": markup, "datum": "30-11-2026"})
    assert again.status_code == 422 and "Kies een geldige datum" in again.get_data(as_text=True)
    assert "&lt;b&gt;Jan&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in again.get_data(as_text=True)
    assert again.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------------- warm workers


def test_a_warm_worker_reparses_the_stylesheet_only_when_a_style_file_changed(tmp_path: Path) -> None:
    """The personalised prints reuse the parsed stylesheet; an edited style is still picked up."""
    from handouts import pdf
    from handouts.content import load
    from handouts.paths import STYLES
    from handouts.plan import make_job

    content = make_content(tmp_path / "content")
    data = load(content)
    item = data.item("metaphors/glas")
    assert item is not None
    job = make_job(item.output, data, "0" * 64)

    def parsed() -> Any:
        return pdf._stylesheets(job, pdf._make_fetcher(job.roots), pdf._Collect())[1]

    first = parsed()
    assert parsed() is first
    style = STYLES / "personal.css"
    stat = style.stat()
    try:
        os.utime(style, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert parsed() is not first
    finally:
        os.utime(style, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_relative_folders_serve_their_pictures_and_pdfs(tmp_path: Path) -> None:
    """``python build.py serve`` in a practice's folder: --content and --out relative to it."""
    make_content(tmp_path / "content")
    running = Server(Path("content"), Path("dist"), cwd=tmp_path)
    try:
        status, _, body = get(running.url + "/")
        assert status == 200
        pictures = re.findall(r'src="(/thumb/[^"]+)"', body.decode())
        assert pictures
        for picture in pictures:
            status, headers, _ = get(running.url + picture)
            assert status == 200 and headers["Content-Type"] == "image/png", picture
        status, headers, pdf = get(running.url + "/pdf/metaphors/glas.pdf")
        assert status == 200 and pdf.startswith(b"%PDF")
    finally:
        assert running.stop() == 130
    assert "Error" not in running.output, running.output

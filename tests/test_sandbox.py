"""The renderer is offline and sandboxed: it reads files under content/ and styles/ and data: URLs,
and nothing else: no network (not even this machine), no file outside, no attachment of one.

Content validation already refuses remote and outside images in Markdown; the fetcher is the last
line of defence, so most tests here hand HTML straight to the renderer. A small HTTP server on
127.0.0.1 records every request: "refused" must also mean "never asked".
"""

from __future__ import annotations

import http.server
import io
import logging
import re
import threading
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLE, page_texts, render_page, run_cli
from PIL import Image
from pypdf import PdfReader

from handouts.models import Problem
from handouts.paths import STYLES
from handouts.pdf import RenderJob, RenderResult, _Collect, _make_fetcher, render

SECRET_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
    '<rect width="200" height="200" fill="#000"/></svg>'
)
BLACK_SQUARE = (
    "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%22200%22 height=%22200%22%3E"
    "%3Crect width=%22200%22 height=%22200%22 fill=%22%23000%22/%3E%3C/svg%3E"
)


# ---------------------------------------------------------------------------- a server that counts


class Server(http.server.ThreadingHTTPServer):
    """Answers every GET with something usable, and records the path asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Server
    timeout = 5

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path.endswith(".css"):
            body, kind = b"p { color: red }", "text/css"
        elif self.path.endswith(".png"):
            image = io.BytesIO()
            Image.new("RGB", (20, 20), "black").save(image, "PNG")
            body, kind = image.getvalue(), "image/png"
        else:
            body, kind = SECRET_SVG.encode(), "image/svg+xml"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        # It answers (without any proxy in between): zero requests later means none was made.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{httpd.url}/probe.png", timeout=5) as response:
            assert response.status == 200
        assert httpd.requests == ["/probe.png"]
        httpd.requests.clear()
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------------- rendering directly


@pytest.fixture
def content(sample: Path, tmp_path: Path) -> Path:
    """A content folder, and a real image just outside it: refused for where it is, not what it is."""
    (tmp_path / "secret.svg").write_text(SECRET_SVG, encoding="utf-8")
    return sample


def html_page(body: str) -> str:
    return f'<html lang="nl">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</html>\n'


def render_body(content: Path, body: str) -> tuple[RenderResult, Path]:
    """Render ``body`` as a handout in content/metaphors/; problems point into a copy of the HTML."""
    html = html_page(body)
    source = content.parent / "page.html"
    source.write_text(html, encoding="utf-8")
    job = RenderJob(
        key="metaphors/sandbox",
        files=("metaphors/sandbox.pdf",),
        source=source,
        source_text=html,
        html=html,
        base_url=(content / "metaphors").resolve().as_uri() + "/",
        stylesheets=("article.css",),
        roots=(content.resolve(), STYLES),
        identifier=b"0" * 32,
        source_date_epoch=946684800,
    )
    return render(job), source


def refusal(result: RenderResult, url_part: str) -> Problem:
    """The one problem about ``url_part``; nothing was written."""
    assert result.outputs is None
    about = [p for p in result.problems if url_part in p.message]
    assert len(about) == 1, result.problems
    assert "refused" in about[0].message, about[0]
    return about[0]


def line_with(path: Path, needle: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line
    )


def test_a_file_outside_content_is_refused(content: Path) -> None:
    result, source = render_body(content, '<p>Een tekst.</p>\n<img alt="x" src="file:///etc/passwd">')
    problem = refusal(result, "file:///etc/passwd")
    assert "outside" in problem.message
    assert problem.line == line_with(source, "/etc/passwd")


@pytest.mark.parametrize("src", ["../../secret.svg", "..%2F..%2Fsecret.svg", "../images/../../secret.svg"])
def test_escaping_the_content_folder_with_dots_is_refused(content: Path, src: str) -> None:
    result, _ = render_body(content, f'<img alt="x" src="{src}">')
    assert "outside" in refusal(result, "secret.svg").message


def test_a_symlink_to_a_file_outside_is_refused(content: Path, tmp_path: Path) -> None:
    (content / "images/link.svg").symlink_to(tmp_path / "secret.svg")
    result, _ = render_body(content, '<img alt="x" src="../images/link.svg">')
    assert "outside" in refusal(result, "link.svg").message


@pytest.mark.parametrize(
    "src", [BLACK_SQUARE, "../images/inside.svg", "../images/vierkant.svg"], ids=["data", "copy", "existing"]
)
def test_data_urls_and_images_inside_content_are_drawn(content: Path, tmp_path: Path, src: str) -> None:
    (content / "images/inside.svg").write_text(SECRET_SVG, encoding="utf-8")  # the refused one, inside
    result, _ = render_body(content, f'<img alt="x" src="{src}">')
    assert result.problems == ()
    assert result.outputs is not None
    [(name, pdf)] = result.outputs
    assert name == "metaphors/sandbox.pdf"
    histogram = render_page(pdf, scale=1).convert("L").histogram()
    assert sum(histogram[:250]) > 2000  # the image is on the page, not just its alt text (or nothing)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_network_is_refused_even_on_this_machine(content: Path, server: Server, host: str) -> None:
    url = server.url.replace("127.0.0.1", host) + "/x.png"
    result, source = render_body(content, f'<img alt="x" src="{url}">')
    problem = refusal(result, url)
    assert "offline" in problem.message
    assert problem.line == line_with(source, url)
    assert server.requests == []


@pytest.mark.parametrize(
    "body",
    [
        "<style>@import url({url}/import.css);</style><p>x</p>",
        '<style>@import "{url}/import-string.css";</style><p>x</p>',
        "<style>p {{ background: url({url}/background.png) }}</style><p>x</p>",
        '<p style="background-image: url({url}/inline.png)">x</p>',
        "<style>@font-face {{ font-family: f; src: url({url}/font.woff) }}</style>"
        '<p style="font-family: f">x</p>',
        '<link rel="stylesheet" href="{url}/link.css"><p>x</p>',
        '<svg width="20" height="20"><image href="{url}/svg-image.png" width="20" height="20"/></svg>',
        '<object data="{url}/object.svg" type="image/svg+xml">x</object>',
    ],
    ids=[
        "css-import",
        "css-import-string",
        "css-background",
        "style-attribute",
        "font-face",
        "link",
        "svg",
        "object",
    ],
)
def test_css_and_embedded_resources_cannot_reach_the_network(
    content: Path, server: Server, body: str
) -> None:
    result, _ = render_body(content, body.format(url=server.url))
    assert result.outputs is None
    assert any("refused" in p.message and server.url in p.message for p in result.problems), result.problems
    assert server.requests == []


def write_pdf_with_the_sandbox(content: Path, body: str) -> tuple[bytes, list[str]]:
    """WeasyPrint with only the sandbox fetcher between it and the disk; what it logged."""
    import weasyprint

    collect, logger = _Collect(), logging.getLogger("weasyprint")
    logger.addHandler(collect)
    previous, logger.propagate = logger.propagate, False
    try:
        document = weasyprint.HTML(
            string=html_page(body),
            base_url=(content / "metaphors").resolve().as_uri() + "/",
            url_fetcher=_make_fetcher((content.resolve(), STYLES)),
        )
        return document.write_pdf(), collect.messages
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous


def attachments(pdf: bytes) -> list[str]:
    return list(PdfReader(io.BytesIO(pdf)).attachments)


def all_bytes(pdf: bytes) -> bytes:
    """The PDF with every (Flate) stream decompressed, object streams included."""
    parts = [pdf]
    for start in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[start.end() :]))
        except zlib.error:
            continue
    return b"".join(parts)


@pytest.mark.parametrize("tag", ["link", "a"])
def test_a_file_outside_is_never_attached(content: Path, tag: str) -> None:
    passwd = Path("/etc/passwd")
    if not passwd.is_file() or b"root:" not in passwd.read_bytes():
        pytest.skip("no /etc/passwd with a root entry to look for")
    body = f'<{tag} rel="attachment" href="file:///etc/passwd">Bijlage</{tag}><p>x</p>'
    result, _ = render_body(content, body)
    assert "(rel=attachment): a handout embeds no files" in refusal(result, "file:///etc/passwd").message

    # The fetcher alone, as the last line of defence: the PDF is written without the file.
    pdf, logged = write_pdf_with_the_sandbox(content, body)
    assert any("refused file:///etc/passwd" in message for message in logged), logged
    assert attachments(pdf) == []
    assert b"/EmbeddedFiles" not in all_bytes(pdf)
    assert b"root:" not in all_bytes(pdf)


def test_an_attachment_inside_content_is_attached_by_weasyprint_alone(content: Path) -> None:
    """The check above can fail: a file the sandbox serves (an image) does end up in the PDF when
    WeasyPrint is used without our renderer; a file that is not an image, a stylesheet or a font
    is not even served."""
    (content / "images/inside.svg").write_text(SECRET_SVG, encoding="utf-8")
    pdf, logged = write_pdf_with_the_sandbox(
        content, '<link rel="attachment" href="../images/inside.svg"><p>x</p>'
    )
    assert logged == []
    assert attachments(pdf) == ["inside.svg"]
    assert b"/EmbeddedFiles" in all_bytes(pdf)

    (content / "images/note.txt").write_text("root:x:0:0 (a harmless copy)", encoding="utf-8")
    pdf, logged = write_pdf_with_the_sandbox(
        content, '<link rel="attachment" href="../images/note.txt"><p>x</p>'
    )
    assert any("not an image, a stylesheet or a font" in message for message in logged), logged
    assert attachments(pdf) == []
    assert b"root:x:0:0" not in all_bytes(pdf)

    # Our renderer refuses both, and writes nothing.
    for name in ("inside.svg", "note.txt"):
        result, _ = render_body(content, f'<link rel="attachment" href="../images/{name}"><p>x</p>')
        assert result.outputs is None
        assert any("rel=attachment" in p.message for p in result.problems), result.problems


# ---------------------------------------------------------------------------- through the command line


run = run_cli


def append(path: Path, text: str) -> int:
    """Append ``text`` to a Markdown file; the line its first line lands on."""
    old = path.read_text(encoding="utf-8")
    path.write_text(old + text, encoding="utf-8")
    return len(old.splitlines()) + 1


def test_cards_asking_for_files_or_the_network_fail_and_nothing_is_fetched(
    sample: Path,
    tmp_path: Path,
    server: Server,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (sample / "booklet.yml").unlink()
    metaphors = sample / "metaphors"
    file_line = append(metaphors / "kaart-een.md", "\n![x](file:///etc/passwd)\n") + 1
    http_line = append(metaphors / "kaart-twee.md", f"\n![x]({server.url}/a.png)\n") + 1
    # a reference-style image: validation reads the rendered HTML, so it sees it too
    ref_line = append(metaphors / "kaart-drie.md", f"\n![x][beeld]\n\n[beeld]: {server.url}/ref.png\n") + 3

    code, err = run(capfd, "build", "--content", "content", "--out", "out", "--jobs", "2", "-q")

    assert code == 1, err
    assert re.search(
        rf"^content/metaphors/kaart-een\.md:{file_line}: error: .*file:///etc/passwd", err, re.M
    ), err
    assert re.search(
        rf"^content/metaphors/kaart-twee\.md:{http_line}: error: .*{server.url}/a\.png", err, re.M
    ), err
    assert re.search(
        rf"^content/metaphors/kaart-drie\.md:{ref_line}: error: image '{server.url}/ref\.png' "
        "is on the internet",
        err,
        re.M,
    ), err
    assert server.requests == []
    built = {p.relative_to("out").as_posix() for p in Path("out").rglob("*.pdf")}
    items = {name.removesuffix(".md") + ".pdf" for name in SAMPLE if name.endswith(".md")}
    assert built == items - {
        "metaphors/kaart-een.pdf",
        "metaphors/kaart-twee.pdf",
        "metaphors/kaart-drie.pdf",
    }, err


def test_front_matter_is_text_not_html(
    sample: Path, tmp_path: Path, server: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    card = sample / "metaphors/kaart-een.md"
    text = card.read_text(encoding="utf-8")
    text = re.sub(r"^title: .*$", 'title: "<b>Hi</b> & co"', text, count=1, flags=re.M)
    text = re.sub(
        r"^summary: .*$", f'summary: <img alt="s" src="{server.url}/s.png"> &amp;', text, count=1, flags=re.M
    )
    card.write_text(text, encoding="utf-8")
    (sample / "booklet.yml").unlink()
    out = tmp_path / "out"

    code, err = run(capfd, "build", "metaphors/kaart-een", "--content", str(sample), "--out", str(out), "-q")

    assert code == 0, err
    pdf = out / "metaphors/kaart-een.pdf"
    [page] = page_texts(pdf)
    flat = re.sub(r"\s+", " ", re.sub(r"[\ufffe\u00ad-]\r?\n", "", page))  # undo line breaks
    assert "<b>Hi</b> & co" in flat
    assert f'<imgalt="s"src="{server.url}/s.png">&amp;' in flat.replace(" ", "")  # wraps after //
    metadata = PdfReader(pdf).metadata
    assert metadata is not None and metadata.title == "<b>Hi</b> & co"
    assert server.requests == []


# ---------------------------------------------------------------------------- what check allows

CARD = "metaphors/kaart-een.md"


def check_card(sample: Path, body: str = "", image: bytes | None = None) -> tuple[list[Problem], int]:
    """``check`` of the sample after ``body`` is appended to a card (and its illustration replaced
    by ``image``): the card's errors, and the line where ``body`` starts."""
    from handouts.content import load

    card = sample / CARD
    text = card.read_text(encoding="utf-8")
    card.write_text(text + "\n" + body + "\n", encoding="utf-8")
    if image is not None:
        (sample / "images/vierkant.svg").write_bytes(image)
    errors = [p for p in load(sample).problems if p.is_error and p.path.endswith(CARD)]
    return errors, len(text.splitlines()) + 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<details open><summary>Meer</summary>Tekst.</details>", "raw HTML <details> is not allowed"),
        ('<p onclick="steel()">Tekst.</p>', "the attribute onclick= is not allowed"),
        ('<img alt="x" src="../images/vierkant.svg" OnError="steel()">', "the attribute onerror= is not"),
        ('Een zin.\n{: onmouseover="steel()" }', "the attribute onmouseover= is not allowed"),
        ('<p style="background: url(https://example.org/x.png)">Tekst.</p>', "the attribute p style="),
        ("<svg><foreignObject><p>Tekst.</p></foreignObject></svg>", "raw HTML <svg> is not allowed"),
        ("<math><mi>x</mi></math>", "raw HTML <math> is not allowed"),
    ],
    ids=["unknown-tag", "event-handler", "event-handler-case", "attr-list", "style", "svg", "mathml"],
)
def test_raw_html_outside_the_allow_list_is_refused_on_its_line(sample: Path, body: str, says: str) -> None:
    """The deny-list of tags let all of these through: an allow-list names what a handout uses."""
    errors, line = check_card(sample, body)
    about = [p for p in errors if says in p.message]
    assert len(about) == 1, errors
    lines = body.splitlines()
    where = next((n for n, text in enumerate(lines) if "{:" in text), 0)  # attr_list: its own line
    assert about[0].line == line + where and "plain Markdown" in about[0].hint


def test_the_html_a_handout_uses_is_allowed(sample: Path) -> None:
    body = (
        "Water is H<sub>2</sub>O, 10<sup>3</sup> is <abbr title='duizend'>1000</abbr>.<br>\n"
        "Een <span class='klein'>zin</span> met <kbd>Enter</kbd>, <mark>dit</mark> en <u>dat</u>.\n"
        "{: .klasse #zin }\n\n| links | rechts |\n|:---|---:|\n| 1 | 2 |\n\n"
        '<a href="https://example.org" rel="nofollow" title="Een site">Een link</a>'
    )
    errors, _ = check_card(sample, body)
    assert errors == []


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'


@pytest.mark.parametrize(
    ("image", "says"),
    [
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>'
            f"{SVG_OPEN}<text>&a;</text></svg>".encode("utf-16"),
            "declares a DOCTYPE or entities",
        ),
        (
            b"<!--"
            + b" " * 5000
            + b'-->\n<!DOCTYPE svg SYSTEM "https://example.org/x.dtd">'
            + SVG_OPEN.encode()
            + b"</svg>",
            "declares a DOCTYPE or entities",
        ),
        (
            f"{SVG_OPEN}<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>x</p></foreignObject></svg>",
            "contains <foreignObject>",
        ),
        (f"{SVG_OPEN}<script>alert(1)</script></svg>", "contains <script>"),
        (SVG_OPEN.replace("<svg ", '<svg onload="alert(1)" ') + "</svg>", "event handler (onload=)"),
        (f'{SVG_OPEN}<image href="https://example.org/x.png"/></svg>', "outside itself"),
        (f"{SVG_OPEN}<style>@import url(https://example.org/x.css);</style></svg>", "url() or @import"),
    ],
    ids=["entity-utf16", "late-external-doctype", "foreign-object", "script", "onload", "image", "import"],
)
def test_an_svg_outside_the_allow_list_is_refused(sample: Path, image: str | bytes, says: str) -> None:
    """The old check searched the first bytes for "<!doctype" and looked only at the root tag."""
    errors, _ = check_card(sample, image=image if isinstance(image, bytes) else image.encode())
    assert any("images/vierkant.svg" in p.message and says in p.message for p in errors), errors


def test_an_svg_with_a_gradient_inside_references_and_editor_metadata_is_allowed(sample: Path) -> None:
    image = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="20" height="20">'
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
        '<rect id="r" width="20" height="20"/></defs><inkscape:page/>'
        '<use xlink:href="#r" fill="url(#g)"/><text font-family="sans-serif">x</text></svg>'
    )
    errors, _ = check_card(sample, image=image.encode())
    assert errors == []

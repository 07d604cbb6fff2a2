"""HTML to PDF with WeasyPrint, offline and sandboxed.

WeasyPrint is imported only when something renders (through ``engine``), so that importing
this module (and a build with nothing to render) stays fast. ``render`` runs in worker
processes: its argument and result are plain picklable values, and it never raises.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .models import Problem, line_of
from .paper import off_page_problems, overflow_mm
from .paths import RESOURCE_SUFFIXES, STYLES, clip, display
from .qr import keep_off_folds

# The content folder as the renderer sees it: the same URL wherever the folder is, so that
# nothing of the folder's location (image names are hashes of their URL) ends up in a PDF.
VIRTUAL_CONTENT = "file:///.handouts-content/"


@dataclass(frozen=True)
class RenderJob:
    """One PDF to render: the HTML, where relative links resolve, and how to check it."""

    key: str  # the output's key: "metaphors/glas-water", "large/booklet", ...
    files: tuple[str, ...]  # where its PDFs go, under the output folder
    source: Path  # the content file that problems are reported against
    source_text: str  # its text, to find the line of a problem
    html: str
    base_url: str
    stylesheets: tuple[str, ...]  # file names in styles/, in cascade order
    roots: tuple[Path, ...]  # the only folders the renderer may read
    identifier: bytes
    source_date_epoch: int
    max_pages: int | None = None
    notes_html: str | None = None  # the booklet only: one "Notities" page, to pad to 4n pages
    parts: tuple[tuple[Path, str], ...] = ()  # the booklet only: its items' files and texts, to blame
    theme: Path | None = None  # content/theme.css: loaded after the stylesheet, so its variables win
    check_only: bool = False  # ``check``: render and check in memory; no PDF comes back
    then: tuple[RenderJob, ...] = ()  # the desk: handouts printed after this one, in the same PDF
    title: str | None = None  # the PDF's title when it holds several handouts


@dataclass(frozen=True)
class RenderResult:
    key: str
    outputs: tuple[tuple[str, bytes], ...] | None  # (file name under the output folder, PDF)
    pages: int
    problems: tuple[Problem, ...]
    notices: tuple[str, ...] = ()  # about this machine, not the content: shown once per build
    internal: bool = False  # the problem is a bug in handouts, not in the content
    overflow_mm: float = 0.0  # how much text spilled past ``max_pages`` (the desk says what to cut)


# WeasyPrint's advice that a faster font subsetter exists is about the machine, not the content.
NO_HARFBUZZ_SUBSET = "Using fontTools instead of HarfBuzz-Subset"
HARFBUZZ_NOTICE = (
    "fonts are subset with fontTools because the HarfBuzz-Subset library is not installed; "
    "the PDFs are the same, only slower to make. For faster builds install it: "
    "Debian/Ubuntu 'sudo apt-get install libharfbuzz-subset0', Fedora 'sudo dnf install harfbuzz', "
    "macOS 'brew install harfbuzz'."
)


class _RefusedError(ValueError):
    pass


def _make_fetcher(roots: tuple[Path, ...]) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SandboxFetcher(URLFetcher):
        """Serves files inside ``roots`` and data: URLs; refuses everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"), fail_on_errors=False)
            self.refused: list[tuple[str, str]] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = real_path(url, roots[0])
                if not any(path.is_relative_to(root) for root in roots):
                    reason = "it is outside the project's content and styles folders"
                elif not path.is_file():
                    reason = "the file does not exist"
                elif path.suffix.lower() not in RESOURCE_SUFFIXES:
                    reason = "it is not an image, a stylesheet or a font"
                else:
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            else:
                reason = "rendering is offline: network access is disabled"
            self.refused.append((url, reason))
            raise _RefusedError(f"refused {url}: {reason}")

    return SandboxFetcher()


def real_path(url: str, content: Path) -> Path:
    """The file a file: URL names; the virtual content folder is ``content``."""
    if url.startswith(VIRTUAL_CONTENT):
        return (content / unquote(urlparse(url).path).removeprefix("/.handouts-content/")).resolve()
    return Path(unquote(urlparse(url).path)).resolve()


def _refuse_attachments(root: Any) -> list[str]:
    """Remove every attachment link (rel="... attachment ...") from a parsed document.

    WeasyPrint embeds the file of a ``<link rel=attachment>`` or ``<a rel=attachment>`` in the
    PDF; a handout embeds nothing. Returns the start of each refused element, for the message.
    """
    refused = []
    for element in root.iter():
        rel = element.get("rel") if hasattr(element, "get") else None
        if rel and "attachment" in rel.lower().split():
            kept = [token for token in rel.split() if token.lower() != "attachment"]
            element.set("rel", " ".join(kept))
            refused.append(element.get("href") or element.tag)
    return refused


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.notices: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(NO_HARFBUZZ_SUBSET):
            self.notices.add(HARFBUZZ_NOTICE)
        else:
            self.messages.append(message)


def render(job: RenderJob) -> RenderResult:
    """Render one job (in a worker): render, check, and for the booklet pad and impose.

    Never raises: content problems come back as values, and so does a bug, on its item.
    """
    try:
        return _render(job)
    except Exception as exc:
        problem = Problem(
            display(job.source),
            None,
            f"internal error while rendering: {type(exc).__name__}: {clip(str(exc))}",
            "this is a bug in handouts; please report it with the file",
        )
        return RenderResult(job.key, None, 0, (problem,), internal=True)


def _render(job: RenderJob) -> RenderResult:
    os.environ["SOURCE_DATE_EPOCH"] = str(job.source_date_epoch)
    from .engine import weasyprint  # noqa: F401  first: it imports WeasyPrint the quick way

    fetcher = _make_fetcher(job.roots)
    collect = _Collect()
    with _listening(collect):
        layout = _Layout(job, fetcher, collect)
        document, problems, overflow = _laid_out(job, layout)
        pages = len(document.pages)
        if job.then and not problems:  # several handouts as one PDF (the desk)
            from .together import together

            document, problems = together(
                job, document, lambda each: _laid_out(each, _Layout(each, fetcher, collect))[:2]
            )
            pages = len(document.pages) if not problems else pages
        problems = _problems(job, fetcher.refused, collect.messages) + problems
        if job.notes_html is not None and pages % 4:
            document = _padded(document, layout(job.notes_html))
            pages = len(document.pages)
        if problems:
            return RenderResult(job.key, None, pages, tuple(problems), overflow_mm=overflow)
        # PDF/UA-1: tagged, with its identification, the title shown as the window title.
        pdf = document.write_pdf(pdf_identifier=job.identifier, pdf_variant="pdf/ua-1")
        problems = _problems(job, fetcher.refused, collect.messages)
        if problems:
            return RenderResult(job.key, None, pages, tuple(problems))
        notices = tuple(sorted(collect.notices))
        if job.check_only:  # ``check``: everything the build would find, and no PDF kept
            return RenderResult(job.key, None, pages, (), notices)
        return RenderResult(job.key, _outputs(job, pdf), pages, (), notices)


def _laid_out(job: RenderJob, layout: _Layout) -> tuple[Any, list[Problem], float]:
    """The job's document, what is wrong with its pages, and how far it runs past its last page."""
    document = layout(job.html)
    pages = len(document.pages)
    problems = _attachment_problems(job, layout.attachments)
    problems += off_page_problems(document, lambda *snippets: _blame(job, _needle(job, *snippets)))
    overflow = 0.0
    if job.max_pages is not None and pages > job.max_pages:
        overflow = overflow_mm(document)
        problems.append(_too_long(job, pages, overflow))
    return document, problems, overflow


@contextlib.contextmanager
def _listening(collect: _Collect) -> Iterator[None]:
    """WeasyPrint's log records go to ``collect`` (and nowhere else) while rendering."""
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    previous = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous


class _Layout:
    """Lays out HTML with the job's stylesheets: ``layout(html)`` is a WeasyPrint document.

    The links of attachments are refused on the way (``attachments`` says which).
    """

    def __init__(self, job: RenderJob, fetcher: Any, collect: _Collect) -> None:
        from .engine import weasyprint

        self.job, self.fetcher = job, fetcher
        self.fonts, parsed = _stylesheets(job, fetcher, collect)
        # The layout, then the practice's theme, then the variant's type scale (large.css): a
        # theme changes colours and fonts, and large print keeps its sizes whatever the theme.
        self.stylesheets = parsed[:1]
        if job.theme is not None:
            theme = weasyprint.CSS(filename=str(job.theme), url_fetcher=fetcher, font_config=self.fonts)
            self.stylesheets.append(theme)
        self.stylesheets += parsed[1:]
        self.attachments: list[str] = []

    def __call__(self, html: str) -> Any:
        from .engine import weasyprint

        page = weasyprint.HTML(string=html, base_url=self.job.base_url, url_fetcher=self.fetcher)
        self.attachments.extend(_refuse_attachments(page.etree_element))
        rendered = page.render(stylesheets=self.stylesheets, font_config=self.fonts)
        keep_off_folds(rendered)  # no QR code on the line where an A4 page is folded
        # Belt and braces: nothing the document collected as an attachment is written.
        rendered.metadata.attachments = []
        for each in rendered.pages:
            each.links[:] = [link for link in each.links if link[0] != "attachment"]
        return rendered


def _too_long(job: RenderJob, pages: int, overflow: float) -> Problem:
    one = "does not fit on {most} page: it needs {pages} pages (about {mm} mm too long)"
    more = "does not fit on {most} pages: it needs {pages} pages (about {mm} mm too long)"
    return Problem.of(
        display(job.source),
        None,
        one if job.max_pages == 1 else more,  # a card in large print may take two
        "shorten the text, or use a smaller illustration",
        most=job.max_pages,
        pages=pages,
        mm=f"{overflow:.0f}",
    )


def _padded(document: Any, notes: Any) -> Any:
    """The booklet padded to a multiple of 4 pages with notes pages, before the back cover:
    earlier page numbers (and so the table of contents) do not move. ``notes`` is a right-hand
    page, then a left-hand page."""
    pages = len(document.pages)
    first = pages - 1  # index of the first notes page: where the back cover was
    padding = [notes.pages[(first + i) % 2] for i in range(4 - pages % 4)]
    return document.copy(document.pages[:-1] + padding + document.pages[-1:])


def _outputs(job: RenderJob, pdf: bytes) -> tuple[tuple[str, bytes], ...]:
    """The files of a job: its PDF; for the booklet, also imposed for the office printer."""
    if job.notes_html is None:
        return ((job.files[0], pdf),)
    from .impose import impose

    booklet, short_edge, long_edge = job.files
    return ((booklet, pdf), (short_edge, impose(pdf)), (long_edge, impose(pdf, long_edge=True)))


def _needle(job: RenderJob, *snippets: str) -> str:
    """What of ``snippets`` can be found in the job's files: one whole, else its longest word."""
    texts = [job.source_text, *(text for _, text in job.parts)]
    for snippet in snippets:
        if snippet and any(snippet in text for text in texts):
            return snippet
    words = sorted((w for snippet in snippets for w in snippet.split()), key=len, reverse=True)
    return next((word for word in words if any(word in text for text in texts)), "")


def _attachment_problems(job: RenderJob, refused: list[str]) -> list[Problem]:
    return [
        Problem(
            *_blame(job, href),
            f"refused to attach '{_shorten(href)}' (rel=attachment): a handout embeds no files",
            'remove rel="attachment"; link to a web page instead',
        )
        for href in refused
    ]


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _blame(job: RenderJob, needle: str) -> tuple[str, int | None]:
    """The file (and line) a problem belongs to: for the booklet, the item that holds ``needle``."""
    if needle:
        for path, text in ((job.source, job.source_text), *job.parts):
            line = line_of(text, needle)
            if line is not None:
                return display(path), line
    return display(job.source), None


def _shown(url: str, job: RenderJob) -> str:
    """A URL as the reader wrote or knows it: a file of the content folder by its path."""
    if url.startswith("data:"):
        return url[:40] + "..."
    if url.startswith(VIRTUAL_CONTENT):
        return display(real_path(url, job.roots[0]))
    return url if len(url) <= 160 else f"{url[:100]}…{url[-40:]}"  # bounded; the file name shown


# Per process: the parsed stylesheets and their fonts, by stylesheets and folders, with the state
# of every stylesheet and font file they were parsed from. A warm worker (watch, the desk) skips
# parsing them again; a changed file replaces the entry.
_STYLESHEETS: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
# Freed before the interpreter tears WeasyPrint's libraries down (else each font
# configuration complains from its __del__ at exit).
atexit.register(_STYLESHEETS.clear)


def _stylesheets(job: RenderJob, fetcher: Any, collect: _Collect) -> tuple[Any, list[Any]]:
    from .engine import weasyprint

    files = sorted(p for root in job.roots for p in root.rglob("*") if p.suffix in (".css", ".ttf", ".otf"))
    key = (job.stylesheets, job.roots)
    state = tuple((p, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = _STYLESHEETS.get(key)
    if cached is not None and cached[0] == state:
        return cached[1], cached[2]
    fonts = weasyprint.text.fonts.FontConfiguration()
    stylesheets = [
        weasyprint.CSS(filename=str(STYLES / name), url_fetcher=fetcher, font_config=fonts)
        for name in job.stylesheets
    ]
    if not fetcher.refused and not collect.messages:  # a stylesheet with a problem is reported every time
        _STYLESHEETS[key] = (state, fonts, stylesheets)
    return fonts, stylesheets


def _problems(job: RenderJob, refused: list[tuple[str, str]], messages: list[str]) -> list[Problem]:
    problems = []
    for url, reason in refused:
        needle = Path(unquote(urlparse(url).path)).name if url.startswith("file:") else url
        problems.append(
            Problem(
                *_blame(job, needle),
                f"refused to load {_shown(url, job)}: {reason}",
                "use images from content/images/ only",
            )
        )
    for message in messages:
        if any(url in message for url, _ in refused):
            continue  # already reported, more clearly, above
        hint = ""
        urls = re.findall(r"'(file:[^']*)'", message)
        for url in urls:
            message = message.replace(url, _shown(url, job))
        if message.startswith("Failed to load image") and message.rstrip().endswith(":"):
            message = message.rstrip() + " the file is damaged or is not an image the renderer can read"
            hint = "open the image in an image editor and save it again as SVG or PNG"
        needle = Path(unquote(urlparse(urls[0]).path)).name if urls else ""
        problems.append(Problem(*_blame(job, needle), f"renderer: {_shorten(message, 300)}", hint))
    return problems

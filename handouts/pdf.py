"""HTML to PDF with WeasyPrint, offline and sandboxed.

WeasyPrint is imported only when something renders (through ``engine``), so that importing
this module (and a build with nothing to render) stays fast. ``render`` runs in worker
processes: its argument and result are plain picklable values, and it never raises.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .models import Problem, line_of
from .paths import STYLES, display

PX_TO_MM = 25.4 / 96


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
    theme: Path | None = None  # content/theme.css: loaded after the stylesheet, so its variables win


@dataclass(frozen=True)
class RenderResult:
    key: str
    outputs: tuple[tuple[str, bytes], ...] | None  # (file name under the output folder, PDF)
    pages: int
    problems: tuple[Problem, ...]
    notices: tuple[str, ...] = ()  # about this machine, not the content: shown once per build
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
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    reason = "it is outside the project's content and styles folders"
                elif not path.is_file():
                    reason = "the file does not exist"
                else:
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            else:
                reason = "rendering is offline: network access is disabled"
            self.refused.append((url, reason))
            raise _RefusedError(f"refused {url}: {reason}")

    return SandboxFetcher()


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
            f"internal error while rendering: {type(exc).__name__}: {exc}",
            "this is a bug in handouts; please report it with the file",
        )
        return RenderResult(job.key, None, 0, (problem,))


def _render(job: RenderJob) -> RenderResult:
    os.environ["SOURCE_DATE_EPOCH"] = str(job.source_date_epoch)
    from .engine import weasyprint  # first: it imports WeasyPrint the quick way

    fetcher = _make_fetcher(job.roots)
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    previous = logger.propagate
    logger.propagate = False
    try:
        fonts, parsed = _stylesheets(job, fetcher, collect)

        # The layout, then the practice's theme, then the variant's type scale (large.css): a
        # theme changes colours and fonts, and large print keeps its sizes whatever the theme.
        stylesheets = parsed[:1]
        if job.theme is not None:
            stylesheets.append(
                weasyprint.CSS(filename=str(job.theme), url_fetcher=fetcher, font_config=fonts)
            )
        stylesheets += parsed[1:]

        def layout(html: str) -> Any:
            return weasyprint.HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=fonts
            )

        document = layout(job.html)
        pages = len(document.pages)
        problems = _problems(job, fetcher.refused, collect.messages)
        overflow = 0.0
        if job.max_pages is not None and pages > job.max_pages:
            overflow = _overflow_mm(document)
            problems.append(
                Problem(
                    display(job.source),
                    None,
                    f"does not fit on {job.max_pages} page: it needs {pages} pages "
                    f"(about {overflow:.0f} mm too long)",
                    "shorten the text, or use a smaller illustration",
                )
            )
        if job.notes_html is not None and pages % 4:
            # Pad to a multiple of 4 with notes pages, before the back cover: earlier page
            # numbers (and so the table of contents) do not move.
            notes = layout(job.notes_html)  # a right-hand page, then a left-hand page
            first = pages - 1  # index of the first notes page: where the back cover was
            padding = [notes.pages[(first + i) % 2] for i in range(4 - pages % 4)]
            document = document.copy(document.pages[:-1] + padding + document.pages[-1:])
            pages = len(document.pages)
        if problems:
            return RenderResult(job.key, None, pages, tuple(problems), overflow_mm=overflow)
        # PDF/UA-1: tagged, with its identification, the title shown as the window title.
        pdf = document.write_pdf(pdf_identifier=job.identifier, pdf_variant="pdf/ua-1")
        problems = _problems(job, fetcher.refused, collect.messages)
        if problems:
            return RenderResult(job.key, None, pages, tuple(problems))
        notices = tuple(sorted(collect.notices))
        if job.notes_html is None:
            return RenderResult(job.key, ((job.files[0], pdf),), pages, (), notices)
        from .impose import impose

        booklet, short_edge, long_edge = job.files
        outputs = ((booklet, pdf), (short_edge, impose(pdf)), (long_edge, impose(pdf, long_edge=True)))
        return RenderResult(job.key, outputs, pages, (), notices)
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous


# Per process: the parsed stylesheet and its fonts, by stylesheet and the state of every
# stylesheet and font file. A warm worker (watch, the desk) skips parsing them again.
_STYLESHEETS: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _stylesheets(job: RenderJob, fetcher: Any, collect: _Collect) -> tuple[Any, list[Any]]:
    from .engine import weasyprint

    files = sorted(p for root in job.roots for p in root.rglob("*") if p.suffix in (".css", ".ttf", ".otf"))
    key = (job.stylesheets, job.roots, tuple((p, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key in _STYLESHEETS:
        return _STYLESHEETS[key]
    fonts = weasyprint.text.fonts.FontConfiguration()
    stylesheets = [
        weasyprint.CSS(filename=str(STYLES / name), url_fetcher=fetcher, font_config=fonts)
        for name in job.stylesheets
    ]
    if not fetcher.refused and not collect.messages:  # a stylesheet with a problem is reported every time
        _STYLESHEETS[key] = (fonts, stylesheets)
    return fonts, stylesheets


def _problems(job: RenderJob, refused: list[tuple[str, str]], messages: list[str]) -> list[Problem]:
    problems = []
    for url, reason in refused:
        shown = url if not url.startswith("data:") else url[:40] + "..."
        needle = Path(unquote(urlparse(url).path)).name if url.startswith("file:") else url
        problems.append(
            Problem(
                display(job.source),
                line_of(job.source_text, needle) if needle else None,
                f"refused to load {shown}: {reason}",
                "use images from content/images/ only",
            )
        )
    for message in messages:
        if any(url in message for url, _ in refused):
            continue  # already reported, more clearly, above
        problems.append(Problem(display(job.source), None, f"renderer: {message}"))
    return problems


def _overflow_mm(document: Any) -> float:
    """How much too long the content is, in millimetres: what spilled onto the pages after the
    first, less the room still free at the foot of the first page (a block that cannot be split,
    like the QR codes, moves whole and leaves that room behind)."""

    def extent(page: Any) -> tuple[float, float, float]:
        root = page._page_box.children[0]  # the <html> box; the rest are margin boxes
        top = bottom = root.content_box_y()
        for box in root.descendants():
            # <html> and <body> continued on the next page reach down to its foot: skip them
            if box.element_tag not in ("html", "body") and getattr(box, "position_y", None) is not None:
                bottom = max(bottom, box.position_y + box.margin_height())
        return top, bottom, page._page_box.content_box_y() + page._page_box.height

    spilled = sum(bottom - top for top, bottom, _ in map(extent, document.pages[1:]))
    _, used, end = extent(document.pages[0])
    return max(spilled - max(end - used, 0.0), 1.0) * PX_TO_MM

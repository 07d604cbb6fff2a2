"""Several handouts as one PDF: the desk's "Samen afdrukken".

Each handout is laid out as it is on its own, with its own stylesheets (its footer counts its
own pages), and their pages are written as one tagged PDF/UA-1 document: one structure tree,
one title, the first handout's language. A handout of an odd number of pages is followed by a
blank page when another handout follows, so that on a duplex printer every handout starts on
the front of a new sheet (and on a simplex printer the blank sheet is easy to leave out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .models import Problem

if TYPE_CHECKING:
    from .pdf import RenderJob

Laid = tuple[Any, list[Problem]]  # a WeasyPrint document, and what is wrong with it


def together(job: RenderJob, first: Any, lay_out: Callable[[RenderJob], Laid]) -> Laid:
    """The document of ``job`` (laid out: ``first``) followed by that of each of ``job.then``,
    each from the front of a new sheet; ``lay_out`` lays out one handout as a build does."""
    documents, problems = [first], []
    for following in job.then:
        document, found = lay_out(following)
        documents.append(document)
        problems += found
    pages = []
    for number, document in enumerate(documents):
        pages += document.pages
        if len(document.pages) % 2 and number < len(documents) - 1:
            pages.append(blank(document))
    joined = first.copy(pages)
    joined.metadata.title = job.title or joined.metadata.title
    joined.metadata.description = None  # the first handout's summary is not the pack's
    joined.metadata.keywords = []
    return joined, problems


def blank(document: Any) -> Any:
    """An empty page of the size of ``document``'s last page: nothing on it, not even a footer."""
    from .engine import weasyprint

    last = document.pages[-1]
    size = f"@page {{ size: {last.width}px {last.height}px; margin: 0 }}"
    html = weasyprint.HTML(string="<!doctype html><html><body></body></html>")
    return html.render(stylesheets=[weasyprint.CSS(string=size)]).pages[0]

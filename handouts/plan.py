"""What a build makes: its outputs, the ITEM arguments that name some, and a render job for each."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .models import (
    BOOKLET,
    DEFAULT_LANG,
    LANGUAGES,
    STANDARD,
    Content,
    Output,
    Problem,
    UsageError,
    Variant,
    booklet_file,
)
from .paths import STYLES

if TYPE_CHECKING:
    from .pdf import RenderJob
    from .verdict import Verdict

FIXED_EPOCH = 946684800  # 2000-01-01: a fixed date for outputs that have none of their own
CHECK_DIGEST = "0" * 64  # ``check`` keeps no PDF: its identifier does not matter


@dataclass(frozen=True)
class Plan:
    """The outputs asked for, split: those that can be made, and those that cannot (and why)."""

    targets: tuple[Output, ...]
    failed: tuple[str, ...]  # keys of outputs whose content is broken, or whose language lacks texts
    problems: tuple[Problem, ...]  # the catalogues' problems


def all_outputs(data: Content, variant: Variant = STANDARD) -> list[Output]:
    """Everything a full build makes: every item file found (valid or not), and the booklets."""
    outputs = [Output.parse(key) for key in sorted(data.sources)]
    outputs += [Output(BOOKLET, "", lang) for lang in LANGUAGES if (data.root / booklet_file(lang)).exists()]
    return [Output(o.kind, o.slug, o.lang, variant) for o in outputs]


def resolve_items(requested: Sequence[str], data: Content, variant: Variant = STANDARD) -> list[Output]:
    """Turn ITEM arguments into outputs; unknown or ambiguous names are usage errors."""
    known = {o.key: o for o in all_outputs(data, STANDARD)}
    result = []
    for name in requested:
        name = name.removesuffix(".md").removesuffix(".pdf").strip("/")
        # a bare slug names the original (Dutch) output; "fr/metaphors/x" names a translation
        bare = [k for k in known if k.split("/")[-1] == name and known[k].lang == DEFAULT_LANG]
        matches = [name] if name in known else sorted(bare)
        if len(matches) == 1:
            output = known[matches[0]]
            result.append(Output(output.kind, output.slug, output.lang, variant))
        elif matches:
            raise UsageError(f"'{name}' is ambiguous: say {' or '.join(matches)}")
        else:
            from .frontmatter import did_you_mean  # here: 50 ms (YAML) a build never needs otherwise

            originals = sorted(k for k, o in known.items() if o.lang == DEFAULT_LANG)
            hint = did_you_mean(name, originals + sorted(set(known) - set(originals)))
            raise UsageError(f"unknown item '{name}'" + (f"; {hint}" if hint else ""))
    return list(dict.fromkeys(result))


def make_plan(verdict: Verdict, items: Sequence[str], variant: Variant) -> Plan:
    """The outputs ``items`` name (all by default), minus those the verdict says cannot be made.

    A language whose catalogue lacks a text makes nothing: its last good PDFs are kept.
    """
    data = verdict.content
    candidates = resolve_items(items, data, variant) if items else all_outputs(data, variant)
    problems = [p for found in verdict.catalogues({o.lang for o in candidates}).values() for p in found]
    targets = tuple(o for o in candidates if verdict.buildable(o))
    failed = tuple(o.key for o in candidates if o not in targets)
    return Plan(targets, failed, tuple(problems))


def check_jobs(verdict: Verdict, variant: Variant = STANDARD) -> list[RenderJob]:
    """The render layer's jobs: every output a full build would make, rendered in memory by
    the build's own render code (``check_only``: nothing is written, no PDF comes back)."""
    data = verdict.content
    outputs = [o for o in all_outputs(data, variant) if verdict.buildable(o)]
    return [replace(make_job(o, data, CHECK_DIGEST), check_only=True) for o in outputs]


def make_job(output: Output, data: Content, digest: str) -> RenderJob:
    """The render job of one output: its HTML, where it goes, and what to check."""
    from . import html  # here, with pdf: 60 ms (Jinja, Markdown) a build with nothing to render never needs
    from .pdf import VIRTUAL_CONTENT, RenderJob

    # The content folder's location never reaches the renderer (nor so the PDF): its files
    # are addressed under one fixed URL, which the renderer's fetcher maps back.
    real = data.root.as_uri() + "/"

    def placeless(text: str) -> str:
        return text.replace(real, VIRTUAL_CONTENT)

    common: dict[str, Any] = {
        "key": output.key,
        "files": output.files,
        "stylesheets": output.stylesheets,
        "theme": data.theme,
        "roots": (data.root, STYLES.resolve()),
        "identifier": digest[:32].encode(),
    }
    if output.is_booklet:
        booklet = data.booklets[output.lang]
        return RenderJob(
            **common,
            source=booklet.path,
            source_text=booklet.text,
            html=placeless(html.render_booklet(booklet, data)),
            base_url=VIRTUAL_CONTENT,
            source_date_epoch=FIXED_EPOCH,
            notes_html=placeless(html.render_notes(data, output.lang)),
            # the booklet's items: a problem while rendering is blamed on the item that asked for it
            parts=tuple((item.path, item.text) for item in data.items.values()),
        )
    item = data.item(output.source_key)
    assert item is not None
    date = getattr(item, "date", None)
    # the PDF's creation date (metadata, never printed): a month's first day
    epoch = calendar.timegm(date.first_day.timetuple()) if date and date.year >= 1980 else FIXED_EPOCH
    return RenderJob(
        **common,
        source=item.path,
        source_text=item.text,
        html=placeless(html.render_item(item, data)),
        base_url=placeless(item.path.parent.as_uri() + "/"),
        source_date_epoch=epoch,
        max_pages=output.max_pages,
    )

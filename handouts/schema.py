"""The content schema: every field of practice.yml, an item's front matter and booklet.yml.

Declared once, here: each field's name, kind of value, whether it is required, its value when
absent and what it is for. The loaders read the fields through it (``read``), ``Fields`` names
the allowed fields in its "unknown field, did you mean" hints, and ``field_table`` writes the
README's table (a test keeps the README equal to it, and the models' fields to the schema).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from .frontmatter import Collector, did_you_mean, shorten, show
from .models import (
    DEFAULT_REVIEW_MONTHS,
    ERROR,
    Article,
    Booklet,
    Metaphor,
    PartialDate,
    Practice,
    Said,
    Section,
)
from .qr import BOX_MM, MIN_MODULE_MM, URL_LIMIT

FieldType = Literal[
    "text", "url", "date", "month", "integer", "words", "sentences", "file", "sections", "items"
]
TYPE_NAMES: dict[FieldType, str] = {
    "text": "text",
    "url": "web address",
    "date": "date (YYYY-MM-DD)",
    "month": "date (YYYY-MM-DD, or YYYY-MM)",
    "integer": "whole number",
    "words": "list of words",
    "sentences": "list of sentences",
    "file": "file under content/",
    "sections": "list of sections",
    "items": "list of items (`metaphors/<slug>`)",
}
KEY_POINTS_MAX = 3
FileReader = Callable[["Fields", "FieldSpec"], "Path | None"]  # content.local_file


@dataclass(frozen=True)
class SameAs:
    """The default of a field that takes another field's value when absent (blog_url)."""

    field: str


@dataclass(frozen=True)
class FieldSpec:
    """One field: its name, the kind of value it holds, and what it is for."""

    name: str
    type: FieldType
    doc: str
    required: bool = False
    default: object = None  # the model's value when the field is absent
    most: int = 0  # for "sentences": how many at most
    example: str = ""  # for "file": a path to show in a hint


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of file, in the order the hints list them."""

    file: str  # as the README names it
    model: type
    fields: tuple[FieldSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _text(name: str, doc: str, required: bool = False) -> FieldSpec:
    return FieldSpec(name, "text", doc, required)


REVIEW = (
    FieldSpec("reviewed", "date", "the day a therapist last read the printed handout"),
    _text("reviewed_by", 'who read it: printed as "Nagekeken door ... op ..."'),
)
PRACTICE = Schema(
    "practice.yml",
    Practice,
    (
        _text("name", "the practice's name, on every handout", required=True),
        _text("phone", "printed on every handout", required=True),
        FieldSpec("website", "url", "printed on every handout", required=True),
        FieldSpec("booking_url", "url", 'the "Maak een afspraak" QR code', required=True),
        FieldSpec(
            "blog_url",
            "url",
            'where "Lees meer" goes when an article has no url',
            default=SameAs("website"),
        ),
        _text("email", "printed on the booklet's back cover"),
        _text("address", "printed on the booklet's back cover"),
        FieldSpec("therapists", "sentences", 'the desk\'s "Therapeut" choice', default=(), most=50),
        FieldSpec(
            "review_interval_months",
            "integer",
            "check warns when a review is older than this (1 to 120)",
            default=DEFAULT_REVIEW_MONTHS,
        ),
        FieldSpec("logo", "file", "an SVG or PNG that replaces the wordmark", example="images/logo.svg"),
        _text("printer", "the CUPS queue `print` and the desk send handouts to (default: the computer's)"),
        _text("booklet_printer", "the CUPS queue for the booklet (default: printer)"),
    ),
)
ARTICLE = Schema(
    "articles/<slug>.md",
    Article,
    (
        _text("title", "printed at the top", required=True),
        _text("summary", "one or two sentences", required=True),
        FieldSpec(
            "key_points",
            "sentences",
            'one to three short sentences: the box "In het kort", printed first',
            required=True,
            default=(),
            most=KEY_POINTS_MAX,
        ),
        _text("author", "printed only when given"),
        FieldSpec(
            "date",
            "month",
            "when it was published, as precise as the source says (YYYY-MM when it gives no day):"
            ' printed as "juni 2025", also in the edition ("versie juni 2025 · 02a502")',
        ),
        FieldSpec("url", "url", "the QR code (else the practice's blog_url)"),
        _text("subtitle", "printed under the title"),
        FieldSpec("tags", "words", "more words the desk's search finds it by", default=()),
        *REVIEW,
    ),
)
METAPHOR = Schema(
    "metaphors/<slug>.md",
    Metaphor,
    (
        _text("title", "printed at the top", required=True),
        _text("summary", "the core message, highlighted", required=True),
        _text("article", "the slug of the article it comes from: its url is the QR code"),
        FieldSpec("illustration", "file", "the drawing on the card", example="images/glas.svg"),
        _text("illustration_alt", "what a screen reader says for the drawing"),
        FieldSpec("order", "integer", "its position in the series (0 to 9999)", default=0),
        FieldSpec("tags", "words", "more words the desk's search finds it by", default=()),
        *REVIEW,
    ),
)
BOOKLET = Schema(
    "booklet.yml",
    Booklet,
    (
        _text("title", "on the cover", required=True),
        _text("subtitle", "on the cover"),
        FieldSpec("intro", "text", "the text after the cover (Markdown)", default=""),
        FieldSpec("sections", "sections", "each a title and its items, in reading order", required=True),
    ),
)
SECTION = Schema(
    "booklet.yml: a section",
    Section,
    (
        _text("title", "in the table of contents and above its items", required=True),
        FieldSpec("items", "items", "the items of the section, in order", required=True),
    ),
)
SCHEMAS = (PRACTICE, ARTICLE, METAPHOR, BOOKLET, SECTION)


def field_table() -> str:
    """The README's table of every field, in Markdown."""
    rows = ["| file | field | value | required | when absent | what |", "|" + " --- |" * 6]
    for schema in SCHEMAS:
        for spec in schema.fields:
            required = "yes" if spec.required else ""
            absent = "" if spec.required else _absent(spec.default)
            cells = (f"`{schema.file}`", f"`{spec.name}`", TYPE_NAMES[spec.type], required, absent, spec.doc)
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _absent(default: object) -> str:
    if isinstance(default, SameAs):
        return f"the `{default.field}`"
    return "nothing" if default in (None, (), "") else f"`{default}`"


class Fields:
    """Typed access to one mapping's fields, reporting problems against their lines."""

    def __init__(
        self,
        path: Path,
        values: dict[str, Any],
        lines: dict[str, int],
        schema: Schema,
        out: Collector,
        line: int,
    ) -> None:
        self.path, self.values, self.lines, self.out, self.line = path, values, lines, out, line
        self.ok = True
        names = schema.names
        for key in lines:
            if key not in names:
                allowed = Said("allowed fields: {allowed}", allowed=", ".join(names))
                hint = did_you_mean(key, names) or allowed
                self.error(key, "unknown field '{field}'", hint, field=shorten(key))
        for spec in schema.fields:
            key = spec.name
            if spec.required and key not in values and key not in lines:  # in lines: already reported
                self.ok = False
                out.add(
                    path,
                    line,
                    "missing required field '{field}'",
                    "add a line '{field}: ...' to the front matter",
                    field=key,
                )

    def read(self, spec: FieldSpec) -> Any:
        """A field's value as its type says (None when absent or refused); not files or sections."""
        if spec.type == "sentences":
            return self.text_list(spec.name, most=spec.most)
        readers: dict[str, Callable[[str], Any]] = {
            "text": self.text,
            "url": self.url,
            "date": self.date,
            "month": self.month,
            "integer": self.integer,
            "words": self.string_list,
        }
        return readers[spec.type](spec.name) if spec.type in readers else None

    def error(self, key: str, message: str, hint: str = "", **params: object) -> None:
        self.ok = False
        self.out.add(self.path, self.lines.get(key, self.line), message, hint, ERROR, **params)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            if key in self.values:
                self.error(key, "'{field}' is empty", field=key)
            return None
        if isinstance(value, (dict, list)):
            kind = "a list" if isinstance(value, list) else "a group of fields"
            self.error(
                key,
                f"'{key}' must be text, not {kind}",
                f"write the text on the same line: '{key}: ...' (put quotes around it if it starts with"
                " '-', '[' or '{')",
            )
            return None
        result = str(value).strip()
        if not result:
            self.error(key, "'{field}' is empty", field=key)
            return None
        return result

    def date(self, key: str) -> datetime.date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            message = "'{field}' is not a valid date: '{value}'"
            self.error(key, message, "write it as YYYY-MM-DD", field=key, value=shorten(value))
            return None

    def month(self, key: str) -> PartialDate | None:
        """A date to the day, or only to the month when that is all the source gives."""
        value = self.text(key)
        if value is None:
            return None
        try:
            return PartialDate.parse(value)
        except ValueError:
            self.error(
                key,
                f"'{key}' is not a valid date: '{shorten(value)}'",
                "write it as YYYY-MM-DD, or as YYYY-MM (e.g. 2025-06) when the source gives no day",
            )
            return None

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            parsed = urlparse(value)
            parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError as exc:
            self.error(
                key,
                f"'{key}' is not a valid web address: '{shorten(value)}' ({exc})",
                "write a full address such as https://www.example.be/page",
            )
            return None
        if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in value):
            self.error(
                key,
                "'{field}' is not a web address: '{value}'",
                "write a full address starting with https://, without spaces",
                field=key,
                value=shorten(value),
            )
            return None
        size = len(value.encode())
        if size > URL_LIMIT:
            self.error(
                key,
                f"'{key}' is too long for a QR code that a phone can scan at the printed size:"
                f" {size} characters; an address may have at most {URL_LIMIT}",
                f"use a shorter address, e.g. the page's short link (a code is printed {BOX_MM:g} mm"
                f" wide, and a longer address makes its squares smaller than {MIN_MODULE_MM:g} mm)",
            )
            return None
        return value

    def integer(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            text = str(value).strip() if isinstance(value, (str, float)) else ""
            if text.isdigit() and len(text) <= 9:
                return int(text)
            self.error(
                key, f"'{key}' must be a whole number, not {shorten(show(value))}", f"write e.g. '{key}: 3'"
            )
            return None
        if not -(10**9) < value < 10**9:
            self.error(key, f"'{key}' must be a whole number below a billion", f"write e.g. '{key}: 3'")
            return None
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.error(key, f"'{key}' must be a list of words", f"write {key}: [pijn, rug]")
            return ()
        return tuple(str(v) for v in value if str(v).strip())

    def text_list(self, key: str, most: int) -> tuple[str, ...]:
        """A list of short texts (one per line, '- ...'), at most ``most`` of them."""
        value = self.values.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.error(key, f"'{key}' must be a list of sentences", "write each on its own line: '  - ...'")
            return ()
        texts = tuple(str(v).strip() for v in value if str(v).strip())
        if len(texts) > most:
            self.error(key, f"'{key}' has {len(texts)} items; at most {most}", "keep the most important ones")
        return texts


def read(fields: Fields, schema: Schema, files: FileReader | None = None) -> dict[str, Any]:
    """Every field of ``schema`` as its type says; an absent or refused one is its default.

    Problems go to ``fields``; a required field is None only if it was reported. A field that
    names a file is read by ``files``; sections and items are the booklet loader's to read.
    """
    values: dict[str, Any] = {}
    for spec in schema.fields:
        if spec.type == "file":
            value = files(fields, spec) if files is not None else None
        else:
            value = fields.read(spec)
        values[spec.name] = value if value is not None or isinstance(spec.default, SameAs) else spec.default
    for spec in schema.fields:
        if isinstance(spec.default, SameAs) and values[spec.name] is None:
            values[spec.name] = values[spec.default.field]
    return values

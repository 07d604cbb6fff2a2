"""Front matter and YAML fields: read a text file, split it, parse fields with their lines.

A toolkit for the loaders in ``content``: every problem is reported to a ``Collector`` as a
value (file, line, message, hint), never raised. Every value read here is untrusted.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from .models import Problem
from .paths import display

# YAML errors found far from their cause (an unclosed quote, at the end of the text):
# reported where the quoted text, key or list began (the error's context_mark).
YAML_BEGINS = {
    "while scanning a quoted scalar": "in the quoted text that starts on this line",
    "while scanning a simple key": "on this line",
    "while parsing a flow sequence": "in the list '[' that starts on this line",
    "while parsing a flow mapping": "in the '{' that starts on this line",
}


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML without implicit timestamps: dates are checked by us, with good messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Source:
    """A text file split into YAML front matter and body."""

    path: Path
    text: str
    meta_text: str
    meta_line: int  # line of the first YAML line
    body: str
    body_line: int  # line of the first body line


class Collector:
    """Collects problems for one content folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(
        self, path: Path, line: int | None, message: str, hint: str = "", severity: str = "error"
    ) -> None:
        self.problems.append(Problem(display(path), line, message, hint, severity))

    def warn(self, path: Path, line: int | None, message: str, hint: str = "") -> None:
        self.add(path, line, message, hint, "warning")

    def has_errors(self, path: Path) -> bool:
        """The one rule of validity: a file with an error makes nothing."""
        shown = display(path)
        return any(p.path == shown and p.is_error for p in self.problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A close match. Item keys compare by slug: a shared 'metaphors/' makes any two look alike."""
    prefix, _, tail = word.rpartition("/")
    by_tail: dict[str, str] = {}
    for choice in sorted(choices, key=lambda c: c.rpartition("/")[0] != prefix):
        by_tail.setdefault(choice.rpartition("/")[2], choice)
    match = difflib.get_close_matches(tail, list(by_tail), n=1, cutoff=0.6)
    return f"did you mean '{by_tail[match[0]]}'?" if match else ""


def read_text(path: Path, out: Collector) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        out.add(path, None, f"cannot read file: {exc.strerror}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(
            path,
            line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 in your editor",
        )
        return None


def split_front_matter(path: Path, text: str, out: Collector) -> Source | None:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        out.add(
            path,
            1,
            "missing front matter",
            "start the file with a line '---', the fields (title: ...), and another '---'",
        )
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            body_lines = lines[index + 1 :]
            return Source(
                path=path,
                text=text,
                meta_text="\n".join(lines[1:index]),
                meta_line=2,
                body="\n".join(body_lines),
                body_line=index + 2,
            )
    out.add(path, 1, "front matter is not closed", "add a line '---' after the last field")
    return None


def parse_mapping(
    path: Path, text: str, first_line: int, out: Collector
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Parse YAML that must be a mapping; return values and the line of each key."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
        if context in YAML_BEGINS and context_mark is not None:
            mark, problem = context_mark, f"{problem} {YAML_BEGINS[context]}"
        line = first_line + mark.line if mark is not None else first_line
        out.add(
            path,
            line,
            f"invalid YAML: {problem}",
            "check the indentation and put quotes around text containing ': ' or '#'",
        )
        return None
    if node is None:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        out.add(path, first_line, "expected fields ('name: value' lines)")
        return None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    constructor = _Loader("")
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = first_line + key_node.start_mark.line
        if key in values:
            out.add(path, line, f"field '{key}' appears twice", "keep one of them")
            continue
        try:
            values[key] = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            out.add(path, line, f"invalid value for '{key}': {exc}")
            continue
        lines[key] = line
    return values, lines


class Fields:
    """Typed access to one mapping's fields, reporting problems against their lines."""

    def __init__(
        self,
        path: Path,
        values: dict[str, Any],
        lines: dict[str, int],
        spec: dict[str, bool],
        out: Collector,
        line: int,
    ) -> None:
        self.path, self.values, self.lines, self.out, self.line = path, values, lines, out, line
        self.ok = True
        for key in values:
            if key not in spec:
                self.error(
                    key,
                    f"unknown field '{key}'",
                    did_you_mean(key, spec) or f"allowed fields: {', '.join(spec)}",
                )
        for key, required in spec.items():
            if required and key not in values:
                self.ok = False
                out.add(
                    path,
                    line,
                    f"missing required field '{key}'",
                    f"add a line '{key}: ...' to the front matter",
                )

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.ok = False
        self.out.add(self.path, self.lines.get(key, self.line), message, hint)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            if key in self.values:
                self.error(key, f"'{key}' is empty")
            return None
        if isinstance(value, (dict, list)):
            self.error(key, f"'{key}' must be text, not a {type(value).__name__}")
            return None
        result = str(value).strip()
        if not result:
            self.error(key, f"'{key}' is empty")
            return None
        return result

    def date(self, key: str) -> datetime.date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(key, f"'{key}' is not a valid date: '{value}'", "write it as YYYY-MM-DD")
            return None

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            self.error(
                key,
                f"'{key}' is not a web address: '{value}'",
                "write a full address starting with https://",
            )
            return None
        return value

    def integer(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                return int(str(value))
            except ValueError:
                self.error(key, f"'{key}' must be a whole number, not '{value}'")
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

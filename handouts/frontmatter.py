"""Front matter and YAML: read a text file, split it, parse its fields with their lines.

A toolkit for the loaders (``content``, ``loaders``; the fields' kinds are read by
``schema.Fields``): every problem is reported to a ``Collector`` as a value (file, line,
message, hint), never raised. Every value read here is untrusted.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .models import ERROR, WARNING, Problem, Said, Severity
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


ECHO_LIMIT = 60  # characters of a user's value shown in a message: never print a value unbounded
VALUE_LIMIT = 10_000  # YAML values (after aliases) in one field: more is an alias bomb
DEPTH_LIMIT = 20  # nesting of YAML lists and mappings in one field
FILE_LIMIT = 2_000_000  # bytes: a content text file larger than this is not a handout
CONTROL_CHARS = {chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}
YAML_TAG = "tag:yaml.org,2002:"


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """A user's value as echoed in a message: at most ``limit`` characters, then an ellipsis."""
    text = value if isinstance(value, str) else show(value)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def show(value: object) -> str:
    try:
        return repr(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)
    except ValueError:  # an integer too long to print
        return "a very long number"


def control_char(text: str) -> str | None:
    """The first ASCII control character in ``text`` (tab and line ends allowed), as U+XXXX."""
    for char in text:
        if char in CONTROL_CHARS:
            return f"U+{ord(char):04X}"
    return None


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
        self,
        path: Path,
        line: int | None,
        message: str,
        hint: str = "",
        severity: Severity = ERROR,
        **params: object,
    ) -> None:
        """A problem; with ``params``, ``message`` and ``hint`` are templates (``Problem.of``)."""
        self.problems.append(Problem.of(display(path), line, message, hint, severity, **params))

    def warn(self, path: Path, line: int | None, message: str, hint: str = "", **params: object) -> None:
        self.add(path, line, message, hint, WARNING, **params)

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
    return Said("did you mean '{match}'?", match=by_tail[match[0]]) if match else ""


def read_bytes(path: Path, out: Collector, limit: int = FILE_LIMIT) -> bytes | None:
    """A regular file's bytes; anything else (a pipe, a device, a dangling link) is reported."""
    if path.is_symlink() and not path.exists():
        gone = "a link to '{to}', which does not exist"
        hint = "remove the link, or put the file it points to back"
        out.add(path, None, gone, hint, to=shorten(os.readlink(path)))
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        out.add(path, None, f"cannot read file: {getattr(exc, 'strerror', None) or exc}", _read_hint(exc))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            out.add(
                path, None, "not a regular file (a pipe, a device or a socket)", "replace it with a text file"
            )
            return None
        if info.st_size > limit:
            big = "file too large ({kb} kB; at most {most} kB)"
            hint = "split the text, or make the image smaller"
            out.add(path, None, big, hint, kb=info.st_size // 1000, most=limit // 1000)
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)[:limit]
    except OSError as exc:
        out.add(path, None, f"cannot read file: {exc.strerror}", _read_hint(exc))
        return None
    finally:
        os.close(fd)


def _read_hint(exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        return "give yourself permission to read it (chmod u+r)"
    return "check that the file exists and can be read"


def read_text(path: Path, out: Collector) -> str | None:
    data = read_bytes(path, out)
    if data is None:
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
    """Parse YAML that must be a mapping; return values and the line of each key.

    A key whose value was refused is reported and left out of the values, but keeps its line
    (so that it is not reported again as missing).
    """
    composed = compose_mapping(path, text, first_line, out)
    return None if composed is None else composed[:2]


def compose_mapping(
    path: Path, text: str, first_line: int, out: Collector
) -> tuple[dict[str, Any], dict[str, int], dict[str, yaml.Node]] | None:
    """``parse_mapping``, and the YAML node of each value (for the lines inside it)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        out.add(path, *_yaml_problem(exc, text, first_line))
        return None
    except RecursionError:
        out.add(path, first_line, "invalid YAML: nested too deeply", "write one 'name: value' per line")
        return None
    if node is None:
        return {}, {}, {}
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        out.add(
            path,
            first_line + node.start_mark.line,
            f"expected fields ('name: value' lines), found {kind}",
            "write one 'name: value' per line, starting at the left margin, without '- ' in front",
        )
        return None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            out.add(
                path,
                line,
                f"a field name must be a word, not {describe_node(key_node)}",
                "write 'name: value', with a plain word before the colon",
            )
            continue
        key = str(key_node.value)
        if key in lines:
            out.add(path, line, "field '{field}' appears twice", "keep one of them", field=shorten(key))
            continue
        lines[key] = line
        try:
            values[key] = plain_value(value_node)
        except BadValueError as exc:
            out.add(
                path,
                first_line + exc.line if exc.line is not None else line,
                f"invalid value for '{shorten(key)}': {exc.reason}",
                exc.hint,
            )
            continue
        nodes[key] = value_node
    return values, lines, nodes


def _yaml_problem(exc: yaml.YAMLError, text: str, first_line: int) -> tuple[int, str, str]:
    """The line, message and hint for YAML that cannot be read."""
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        message = (
            f"contains the control character U+{exc.character:04X}"
            if isinstance(exc.character, int)
            else "contains a character that is not allowed"
        )
        line = first_line + text[: exc.position].count("\n")
        return line, message, "remove it; it is invisible in most editors: retype the line"
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context, context_mark = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if context in YAML_BEGINS and context_mark is not None:
        mark, problem = context_mark, f"{problem} {YAML_BEGINS[context]}"
    line = first_line + mark.line if mark is not None else first_line
    hint = "check the indentation and put quotes around text containing ': ' or '#'"
    return line, Said("invalid YAML: {detail}", detail=shorten(problem, 120)), hint


class BadValueError(Exception):
    """A YAML value refused while converting it, with the line (0-based) of the bad part."""

    def __init__(self, reason: str, node: yaml.Node | None = None, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = node.start_mark.line if node is not None else None
        self.hint = hint or "write plain text, a number, a date or a list, without '!' tags"


SCALAR_TAGS = {YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}


def plain_value(node: yaml.Node) -> Any:
    """A YAML node as plain Python values (str, int, float, bool, None, list, dict of str).

    Never raises anything but ``BadValueError``: explicit tags of the wrong kind, unknown tags,
    keys that are not words, control characters, alias bombs and deep nesting are refused.
    """
    budget = [VALUE_LIMIT]
    return _plain(node, 0, budget, _Loader(""))


def _plain(node: yaml.Node, depth: int, budget: list[int], constructor: Any) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise BadValueError(
            f"too large: more than {VALUE_LIMIT} values (a YAML alias repeated many times?)",
            hint="write the values out; an alias ('*name') may repeat a short value only",
        )
    if depth > DEPTH_LIMIT:
        raise BadValueError(f"nested more than {DEPTH_LIMIT} levels deep", node)
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in SCALAR_TAGS:
            raise BadValueError(f"unknown YAML tag '{shorten(node.tag.replace(YAML_TAG, '!!'))}'", node)
        text = str(node.value)
        bad = control_char(text)
        if bad:
            raise BadValueError(
                f"contains the control character {bad}",
                node,
                "remove it; retype the text if you cannot see it",
            )
        if node.tag in (YAML_TAG + "str", YAML_TAG + "timestamp"):
            return text  # dates are checked by the fields that hold them
        try:
            return constructor.construct_object(node)
        except Exception:
            kind = node.tag.replace(YAML_TAG, "")
            name = {"int": "whole number", "float": "number", "bool": "yes/no value"}.get(kind, kind)
            raise BadValueError(
                f"'{shorten(text)}' is not a valid {name}" if text else f"empty where a {name} was expected",
                node,
                "remove the '!!' tag, or write a value of that kind",
            ) from None
    if isinstance(node, yaml.SequenceNode):
        if node.tag != YAML_TAG + "seq":
            raise BadValueError(
                f"unknown YAML tag '{shorten(node.tag.replace(YAML_TAG, '!!'))}' on a list", node
            )
        return [_plain(child, depth + 1, budget, constructor) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        if node.tag != YAML_TAG + "map":
            raise BadValueError(
                f"unknown YAML tag '{shorten(node.tag.replace(YAML_TAG, '!!'))}' on fields", node
            )
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise BadValueError(
                    f"a field name must be a word, not {describe_node(key_node)}",
                    key_node,
                    "write 'name: value', with a plain word before the colon",
                )
            key = str(key_node.value)
            if key in result:
                raise BadValueError(f"field '{shorten(key)}' appears twice", key_node, "keep one of them")
            result[key] = _plain(value_node, depth + 1, budget, constructor)
        return result
    raise BadValueError("not a value", node)


def _tag(node: yaml.Node) -> str:
    return shorten(node.tag.replace(YAML_TAG, "!!"))


def describe_node(node: yaml.Node) -> str:
    """A YAML node as a reader wrote it, roughly: '[a, b]', '{a: 1}', shortened."""

    def flat(n: yaml.Node, depth: int) -> str:
        if depth > 3:
            return "…"
        if isinstance(n, yaml.ScalarNode):
            return str(n.value)
        if isinstance(n, yaml.SequenceNode):
            return "[" + ", ".join(flat(c, depth + 1) for c in n.value[:5]) + "]"
        if isinstance(n, yaml.MappingNode):
            pairs = (f"{flat(k, depth + 1)}: {flat(v, depth + 1)}" for k, v in n.value[:5])
            return "{" + ", ".join(pairs) + "}"
        return "?"

    kind = (
        "a list"
        if isinstance(node, yaml.SequenceNode)
        else "fields"
        if isinstance(node, yaml.MappingNode)
        else "a value"
    )
    return f"{kind} '{shorten(flat(node, 0))}'"

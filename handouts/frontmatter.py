"""Front matter and YAML: read a text file, split it, parse its fields with their lines.

A toolkit for the loaders (``content``, ``loaders``; the fields' kinds are read by
``schema.Fields``): every problem is reported to a ``Collector`` as a value (file, line,
message, hint), never raised. Every value read here is untrusted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .models import Said
from .reading import ECHO_LIMIT as ECHO_LIMIT
from .reading import FILE_LIMIT as FILE_LIMIT
from .reading import Collector as Collector
from .reading import read_bytes as read_bytes
from .reading import read_text as read_text
from .reading import shorten as shorten
from .reading import show as show

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


VALUE_LIMIT = 10_000  # YAML values (after aliases) in one field: more is an alias bomb
DEPTH_LIMIT = 20  # nesting of YAML lists and mappings in one field
CONTROL_CHARS = {chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}
YAML_TAG = "tag:yaml.org,2002:"


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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A close match. Item keys compare by slug: a shared 'metaphors/' makes any two look alike."""
    prefix, _, tail = word.rpartition("/")
    by_tail: dict[str, str] = {}
    for choice in sorted(choices, key=lambda c: c.rpartition("/")[0] != prefix):
        by_tail.setdefault(choice.rpartition("/")[2], choice)
    match = difflib.get_close_matches(tail, list(by_tail), n=1, cutoff=0.6)
    return Said("did you mean '{match}'?", match=by_tail[match[0]]) if match else ""


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
    return _fields(path, node, first_line, out, _tags(text))


def _tags(text: str) -> dict[tuple[int, int], str]:
    """Where the YAML ``text`` has an explicit tag (``!!timestamp``, ``!pijn``): (line, column): tag.

    The composed nodes do not tell a tag written from one resolved; the parser's events do.
    """
    found: dict[tuple[int, int], str] = {}
    for event in yaml.parse(text, Loader=_Loader):
        tag = getattr(event, "tag", None)
        if tag is not None and event.start_mark is not None:
            found[event.start_mark.line, event.start_mark.column] = str(tag).replace(YAML_TAG, "!!")
    return found


def _fields(
    path: Path, node: yaml.MappingNode, first_line: int, out: Collector, tagged: dict[tuple[int, int], str]
) -> tuple[dict[str, Any], dict[str, int], dict[str, yaml.Node]]:
    """The fields of a mapping: values, the line of each key, and the node of each value."""
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
        if _position(key_node) in tagged:
            out.add(
                path, line, _tag_message(tagged[_position(key_node)]), "write 'name: value' without a tag"
            )
            continue
        key = str(key_node.value)
        if key in lines:
            out.add(path, line, "field '{field}' appears twice", "keep one of them", field=shorten(key))
            continue
        lines[key] = line
        try:
            values[key] = plain_value(value_node, tagged)
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


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line, node.start_mark.column


def _tag_message(tag: str) -> str:
    return f"YAML tags like {shorten(tag, 30)} are not allowed; write a plain value"


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


# The tags YAML gives a value written without one (no timestamps: ``_Loader``).
PLAIN_TAGS = {YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map")}


def plain_value(node: yaml.Node, tagged: dict[tuple[int, int], str] | None = None) -> Any:
    """A YAML node as plain Python values (str, int, float, bool, None, list, dict of str).

    Never raises anything but ``BadValueError``: YAML tags (``tagged``: where the text has one,
    see ``_tags``), keys that are not words, control characters, alias bombs and deep nesting
    are refused.
    """
    budget = [VALUE_LIMIT]
    return _plain(node, 0, budget, (_Loader(""), tagged or {}))


def _plain(
    node: yaml.Node, depth: int, budget: list[int], context: tuple[Any, dict[tuple[int, int], str]]
) -> Any:
    constructor, tagged = context
    budget[0] -= 1
    if budget[0] < 0:
        raise BadValueError(
            f"too large: more than {VALUE_LIMIT} values (a YAML alias repeated many times?)",
            hint="write the values out; an alias ('*name') may repeat a short value only",
        )
    if depth > DEPTH_LIMIT:
        raise BadValueError(f"nested more than {DEPTH_LIMIT} levels deep", node)
    tag = tagged.get(_position(node))
    if tag is not None or node.tag not in PLAIN_TAGS:
        tag = tag or node.tag.replace(YAML_TAG, "!!")
        raise BadValueError(_tag_message(tag), node, f"remove '{shorten(tag, 30)}' and keep the value")
    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        bad = control_char(text)
        if bad:
            raise BadValueError(
                f"contains the control character {bad}",
                node,
                "remove it; retype the text if you cannot see it",
            )
        if node.tag == YAML_TAG + "str":
            return text
        try:
            return constructor.construct_object(node)
        except Exception:
            kind = node.tag.replace(YAML_TAG, "")
            name = {"int": "whole number", "float": "number", "bool": "yes/no value"}.get(kind, kind)
            raise BadValueError(
                f"'{shorten(text)}' is not a valid {name}" if text else f"empty where a {name} was expected",
                node,
                "write a value of that kind",
            ) from None
    if isinstance(node, yaml.SequenceNode):
        return [_plain(child, depth + 1, budget, context) for child in node.value]
    if isinstance(node, yaml.MappingNode):
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
            result[key] = _plain(value_node, depth + 1, budget, context)
        return result
    raise BadValueError("not a value", node)


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

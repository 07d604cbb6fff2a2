"""A seeded mutator of content folders, for the fuzz test and ``benchmarks/fuzz.py``.

Each input is a small valid content folder with one to three of its files mutated: pieces
of hostile YAML, Markdown and HTML inserted, text deleted, duplicated or swapped, characters
replaced, and now and then a file replaced by something that is not a text file at all.
``fuzz_check`` loads each as ``check`` does and makes the HTML of every valid output as the
build does; any exception that escapes is a crash (an internal error).
"""

from __future__ import annotations

import os
import random
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The tiny valid content folder every input starts from (also used by test_robust).
PRACTICE = """\
name: Praktijk Test
phone: 0485 00 00 00
website: https://www.example.be
booking_url: https://www.example.be/afspraak
"""
ARTICLE = """\
---
title: Een artikel
summary: Een korte samenvatting.
key_points:
  - Een eerste punt.
url: https://www.example.be/blog/artikel
---

Een korte tekst om te testen.

![Een beeld](../images/beeld.svg "Een bijschrift.")

## Wat kan je doen?

Beweeg rustig.
"""
CARD = """\
---
title: Een kaart
summary: De kern in één zin.
article: artikel
illustration: images/beeld.svg
order: 1
---

## Het beeld

Een korte tekst.

## Wat kan je zelf doen?

- Beweeg elke dag.
"""
BOOKLET = """\
title: Een boekje
intro: Een kort boekje.
sections:
  - title: Beelden
    items:
      - metaphors/kaart
      - metaphors/tweede
  - title: Lezen
    items:
      - articles/artikel
"""
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect width="200" height="100" fill="#3a6"/></svg>'
)


def make_content(root: Path, booklet: bool = True) -> Path:
    """A tiny valid content folder: an article, two cards, an image (and a booklet)."""
    for folder in ("articles", "metaphors", "images"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "practice.yml").write_text(PRACTICE, encoding="utf-8")
    (root / "articles/artikel.md").write_text(ARTICLE, encoding="utf-8")
    (root / "metaphors/kaart.md").write_text(CARD, encoding="utf-8")
    (root / "metaphors/tweede.md").write_text(CARD.replace("order: 1", "order: 2"), encoding="utf-8")
    (root / "images/beeld.svg").write_text(SVG, encoding="utf-8")
    if booklet:
        (root / "booklet.yml").write_text(BOOKLET, encoding="utf-8")
    return root


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
)
PIECES = [
    # YAML: tags, keys, anchors, structure
    "!!int x",
    "!!float y",
    "!!bool maybe",
    "!!timestamp soon",
    "!!seq",
    "!!map",
    "!pijn",
    "!!binary aGk=",
    "!!python/object:os.system",
    "!!str",
    "!!null",
    "[a, b]: 1",
    "? [x]\n: y",
    "? {a: 1}\n: z",
    "true: 1",
    "~: 2",
    "&a [1, 2]",
    "*a",
    "*nope",
    "<<: *a",
    "&x",
    "%YAML 1.1\n",
    "---",
    "...",
    ": ",
    "- ",
    "'",
    '"',
    "{",
    "[",
    "}",
    "]",
    "#",
    "|",
    ">-",
    "? ",
    "\t",
    "  ",
    "\n",
    "\r\n",
    "\r",
    "\ufeff",
    BOMB,
    "h: *h\n",
    "order: 1.5",
    "order: -3",
    "order: " + "9" * 5000,
    "'" + "9" * 5000 + "'",
    "0x1F",
    "1:30",
    ".inf",
    "2025-13-45",
    "2025-02-29",
    "0000-01-01",
    "yes",
    "no",
    "null",
    "",
    # values
    "http://[::1",
    "https://a.be:99999",
    "https://" + "x" * 3000,
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,x",
    "mailto:",
    "tel:",
    "ftp://x",
    "//evil.example/x",
    "https://",
    "www.x.be",
    "images/" + "a" * 300 + ".svg",
    "images/\0.svg",
    "../../../etc/passwd",
    "images/",
    "images/nope.png",
    "metaphors/kaart",
    "articles/artikel",
    "metaphors/tweede",
    "metaphors/nope",
    "booklet",
    # Markdown and HTML
    "<script>alert(1)</script>",
    '<a rel="nofollow attachment" href="../practice.yml">x</a>',
    '<a\nrel="attachment"\nhref="../images/beeld.svg">x</a>',
    '<link rel="attachment" href="../practice.yml">',
    '<img src="file:///etc/passwd">',
    '<img src="../images/beeld.svg" srcset="x 2x">',
    "<style>p{}</style>",
    "<object data=x>",
    "<iframe src=x>",
    "<svg><image href='file:///etc/passwd'/></svg>",
    "[x](javascript:alert(1))",
    "[x](../practice.yml)",
    "[x]: <javascript:x>",
    "![x](../images/nope.svg)",
    "![x][r]\n\n[r]: ../images/be\0eld.svg",
    "![x](http://127.0.0.1/x.png)",
    "![x](data:image/png;base64,AA)",
    '![x](../images/beeld.svg "cap")',
    ">" * 200 + " diep",
    "\n".join("  " * i + "- x" for i in range(30)),
    "a" * 5000,
    "a" * 60,
    "- " * 100,
    "#" * 7 + " kop",
    "```\ncode\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "{: .klasse }",
    "{: onclick=x }",
    "&amp;",
    "&#0;",
    "&#x7;",
    "&nbsp;",
    "\u00ad",
    "\u200b",
    "\u202e",
    "💥",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\ufffd",
    "é",
    "ﬁ",
    # booklet.yml and practice.yml structure
    "sections:",
    "sections: []",
    "sections: x",
    "  - title: x",
    "  - title: x\n    items: []",
    "    items:\n      - metaphors/kaart",
    "      - metaphors/kaart",
    "      - [a]",
    "      - {a: 1}",
    "title:",
    "intro: |\n  x",
    "name:",
    "phone: [1]",
    "website: 3",
    "booking_url:",
    "logo: images/beeld.svg",
    "logo: images/nope.svg",
    "therapists: x",
    "review_interval_months: 0",
    "review_interval_months: x",
    "key_points: []",
    "key_points: [a, b, c, d]",
    "key_points: {a: 1}",
    "tags: {a: 1}",
    "tags: [[x]]",
    "illustration: images/beeld.svg",
    "illustration_alt: [x]",
    "article: artikel",
    "article: [x]",
    "reviewed: 2025-01-01",
    "reviewed_by: {}",
    "summary:",
    "title: ''",
    "lang: fr",
    "url: x",
]
FILES = ["practice.yml", "booklet.yml", "articles/artikel.md", "metaphors/kaart.md", "metaphors/tweede.md"]


def mutate_text(text: str, rng: random.Random) -> str:
    """One random edit of a text."""
    lines = text.split("\n")
    choice = rng.randrange(10)
    if choice <= 2:  # insert a piece anywhere
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(PIECES) + text[at:]
    if choice == 3:  # a piece on its own line, or after a key
        at = rng.randrange(len(lines) + 1)
        piece = rng.choice(PIECES)
        if at < len(lines) and ":" in lines[at] and rng.random() < 0.5:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {piece}"
        else:
            lines.insert(at, piece)
        return "\n".join(lines)
    if choice == 4 and text:  # delete a slice
        start = rng.randrange(len(text))
        return text[:start] + text[start + rng.randrange(1, 40) :]
    if choice == 5 and lines:  # duplicate or repeat a line
        at = rng.randrange(len(lines))
        lines[at:at] = [lines[at]] * rng.choice([1, 1, 2, 50])
        return "\n".join(lines)
    if choice == 6 and len(lines) > 1:  # swap two lines
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
        return "\n".join(lines)
    if choice == 7 and text:  # replace a character with an odd one
        at = rng.randrange(len(text))
        char = chr(rng.choice([rng.randrange(0, 32), rng.randrange(127, 160), rng.randrange(0x2000, 0x2070)]))
        return text[:at] + char + text[at + 1 :]
    if choice == 8 and lines:  # change the indentation of a line
        at = rng.randrange(len(lines))
        lines[at] = " " * rng.choice([0, 1, 2, 3, 4, 8]) + lines[at].lstrip()
        return "\n".join(lines)
    return text[: rng.randrange(len(text) + 1)]  # truncate


def odd_file(path: Path, rng: random.Random) -> None:
    """Replace a file by something that is not a text file (rarely)."""
    path.unlink(missing_ok=True)
    kind = rng.randrange(6)
    if kind == 0:
        path.symlink_to(path.parent / "nowhere")
    elif kind == 1:
        os.mkfifo(path)
    elif kind == 2:
        path.mkdir()
    elif kind == 3:
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
    elif kind == 4:
        path.write_bytes(b"")
    else:
        path.write_bytes("---\ntitle: é\n---\n\ntekst\n".encode("latin-1"))


def make_input(root: Path, base: dict[str, str], rng: random.Random, most: int = 3) -> list[str]:
    """Write one mutated content folder at ``root`` (emptied first): up to ``most`` files, each
    with up to ``most`` edits. What was done, for a report."""
    if root.exists():
        shutil.rmtree(root)
    done = []
    texts = dict(base)
    for name in rng.sample(FILES, rng.randint(1, most)):
        for _ in range(rng.randint(1, most)):
            texts[name] = mutate_text(texts[name], rng)
        done.append(name)
    for name, text in texts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        except ValueError:
            path.write_bytes(text.encode("utf-8", "replace"))
    (root / "images").mkdir(exist_ok=True)
    (root / "images/beeld.svg").write_bytes(base_image)
    if rng.random() < 0.03:
        name = rng.choice(FILES)
        odd_file(root / name, rng)
        done.append(f"odd {name}")
    if rng.random() < 0.02:
        odd_file(root / "images/beeld.svg", rng)
        done.append("odd image")
    if rng.random() < 0.02:  # a renamed item: an odd file name
        path = root / rng.choice(FILES[2:])
        if path.is_file():
            path.rename(
                path.with_name(rng.choice(["Kaart 2.md", "x" * 250 + ".md", "a.fr.md", "b.de.md", "c.txt"]))
            )
            done.append("renamed")
    return done


base_image = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    b'<rect width="200" height="100" fill="#3a6"/></svg>'
)


def check_and_html(root: Path) -> Any:
    """What ``check`` does, and what the build does before rendering: the HTML of every output."""
    from handouts import incremental, plan
    from handouts.content import load

    data = load(root)
    if data.practice is not None:
        targets = [
            o
            for o in plan.all_outputs(data)
            if (data.booklet is not None if o.is_booklet else o.source_key in data.items)
        ]
        digests = incremental.keys_for(data, targets)
        for output in targets:
            plan.make_job(output, data, digests[output])
    return data


def _copy_regular(source: str, target: str) -> None:
    if os.path.isfile(source):  # not a pipe: copying one would wait forever
        shutil.copy2(source, target)


def fuzz_check(
    tmp: Path, seed: int, count: int, make_content: Callable[[Path], Path], deadline: float | None = None
) -> dict[str, Any]:
    """Feed ``count`` mutated folders to check (in this process); count what happened."""
    rng = random.Random(seed)
    base_root = make_content(tmp / "base")
    base = {name: (base_root / name).read_text(encoding="utf-8") for name in FILES}
    figures: dict[str, Any] = {"inputs": 0, "errors": 0, "clean": 0, "crashes": [], "seconds": 0.0}
    started = time.monotonic()
    for index in range(count):
        if deadline is not None and time.monotonic() > deadline:
            break
        root = tmp / "input"
        done = make_input(root, base, rng)
        figures["inputs"] += 1
        try:
            data = check_and_html(root)
        except Exception as exc:
            figures["crashes"].append(
                {
                    "input": index,
                    "mutated": done,
                    "error": f"{type(exc).__name__}: {str(exc)[:200]}",
                    "where": traceback.format_exc(limit=-3)[-1500:],
                }
            )
            shutil.copytree(root, tmp / f"crash-{index}", symlinks=True, copy_function=_copy_regular)
            continue
        if data.errors:
            figures["errors"] += 1
        else:
            figures["clean"] += 1
    figures["seconds"] = time.monotonic() - started
    return figures

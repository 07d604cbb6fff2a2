"""The desk's own words go through gettext (domain "desk", handouts/desk/words.py).

Three ways to miss a word, three checks:

- a text written into a page template without ``_()`` or ``{% trans %}`` (read from the
  templates themselves, with the file and line);
- a text in the Python code or a template that reaches a page, a JSON answer or the record
  line without being translated: every page is rendered with a pseudo-translation that puts
  each translated text in ⟦…⟧, and whatever a reader sees outside the brackets must be content
  (a title, a tip, a therapist's name), never a word of the desk's own;
- a text the page's script writes itself (desk.js, print.js): it comes from ``say(name)``,
  and every name is one of ``words.SCRIPT_WORDS``.
"""

from __future__ import annotations

import html.parser
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT, SAMPLE, make_content
from cups_fixture import Cups
from test_desk import Server, browser, page, playwright_api  # noqa: F401 (fixtures)
from test_desk import make_content as desk_content

from handouts.cli import main

LEFT, RIGHT = "⟦", "⟧"
DESK_TEMPLATES = PROJECT / "templates" / "desk"
SCRIPTS = [PROJECT / "styles" / "desk" / "desk.js", PROJECT / "styles" / "desk" / "print.js"]
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
NOT_PROSE = {"code", "pre", "script", "style", "svg"}  # commands, code: not translated
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: a word a reader reads

PRACTICE = SAMPLE["practice.yml"] + "therapists: [Tim Willems, An Peeters]\n"
CARD = """\
---
title: {title}
summary: {summary}
order: {order}
tags: [{tag}]
---

## Het beeld

Een beeld over {tag}.

## Wat betekent dit voor jou?

Pijn is een alarm.

## Wat kan je zelf doen?

- Wandel elke dag een kwartier.
- Slaap genoeg.
"""
ARTICLE = """\
---
title: Rustig opbouwen
summary: Wie rustig opbouwt, herstelt vaak sneller.
author: Tim Willems
date: 2025-06-01
key_points:
  - Bouw rustig op.
---

Na een blessure wil je snel weer alles doen. Bouw rustig op.

## Waarom rustig?

Je lichaam past zich aan.
"""
BOOKLET = """\
title: Testboekje
subtitle: Twee kaarten
sections:
  - title: Beelden
    items: [metaphors/glas, metaphors/oke]
"""


class Pseudo:
    """A translation that shows where each text went through the desk's catalogue."""

    def gettext(self, message: str) -> str:
        return f"{LEFT}{message}{RIGHT}"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"{LEFT}{singular if n == 1 else plural}{RIGHT}"


# ---------------------------------------------------------------------------- the templates


class Visible(html.parser.HTMLParser):
    """The text a reader sees, with its line: text nodes and the attributes read aloud or shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_PROSE:
            self.hidden_depth += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if tag in NOT_PROSE and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and data.strip():
            self.found.append((self.getpos()[0], data))


def template_text(source: str) -> str:
    """The template with everything Jinja writes or translates blanked out (lines kept)."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    source = re.sub(r"\{#.*?#\}", blank, source, flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", blank, source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", blank, source, flags=re.S)


def untranslated_in_templates(folder: Path) -> list[str]:
    found = []
    for template in sorted(folder.glob("*.html")):
        parser = Visible()
        parser.feed(template_text(template.read_text(encoding="utf-8")))
        for line, text in parser.found:
            if WORD.search(text):
                found.append(f"{template.parent.name}/{template.name}:{line}: {text.strip()!r}")
    return found


def test_every_word_in_the_desk_templates_is_marked_for_translation() -> None:
    assert untranslated_in_templates(DESK_TEMPLATES) == []


def test_the_template_check_finds_an_unmarked_word(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '{# Dutch in a comment #}\n<p>{{ _("Gemarkeerd") }}</p>\n'
        "<p>{% trans %}Ook <strong>gemarkeerd</strong>{% endtrans %}</p>\n"
        "<code>python build.py</code>\n"
        '<img alt="Niet gemarkeerd">\n<button>Afdrukken</button>\n',
        encoding="utf-8",
    )
    assert untranslated_in_templates(tmp_path) == [
        f"{tmp_path.name}/page.html:5: 'Niet gemarkeerd'",
        f"{tmp_path.name}/page.html:6: 'Afdrukken'",
    ]


# ---------------------------------------------------------------------------- every page, pseudo-translated


def outside_brackets(text: str) -> str:
    """``text`` without what stands inside ⟦…⟧ (nested, as a translated text inside another)."""
    kept, depth = [], 0
    for char in text:
        if char == LEFT:
            depth += 1
        elif char == RIGHT:
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def page_pieces(markup: str) -> Iterator[str]:
    """The visible text of a page (and the script's words), each piece outside the brackets."""
    parser = Visible()
    parser.feed(markup)
    pieces = [text for _line, text in parser.found]
    words = re.search(r"data-words='([^']*)'", markup)
    if words:
        for value in json.loads(html.unescape(words.group(1))).values():
            pieces += list(value.values()) if isinstance(value, dict) else [value]
    separator = "\x01"
    yield from outside_brackets(separator.join(f"{separator}{p}{separator}" for p in pieces)).split(separator)


def foreign_words(pieces: Iterable[str], data: list[str]) -> list[str]:
    """The pieces with a word that is neither translated nor content."""
    longest_first = sorted(set(filter(None, data)), key=len, reverse=True)
    found = []
    for piece in pieces:
        rest = piece.strip()
        if not rest or any(rest in text for text in longest_first):
            continue
        for text in longest_first:
            rest = rest.replace(text, " ")
        if WORD.search(rest):
            found.append(piece.strip())
    return found


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A desk on a built folder whose last build had a broken card, with the pseudo-translation."""
    from handouts.desk.app import create_app
    from handouts.desk.serve import _rebuild
    from handouts.desk.state import STARTED, Desk
    from handouts.workers import Workers

    root = tmp_path_factory.mktemp("words")
    files = {
        "practice.yml": PRACTICE,
        "booklet.yml": BOOKLET,
        "metaphors/glas.md": CARD.format(title="Het glas water", summary="Vol.", order=1, tag="glas"),
        "metaphors/oke.md": CARD.format(title="Oké met rust", summary="Rust helpt.", order=2, tag="rust"),
        "metaphors/stuk.md": CARD.format(title="Stuk", summary="Kapot.", order=3, tag="stuk"),
        "articles/opbouwen.md": ARTICLE,
    }
    content = make_content(root, files)
    out = root / "dist"
    assert main(["build", "--content", str(content), "--out", str(out), "-q", "--jobs", "1"]) == 0
    broken = content / "metaphors" / "stuk.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    state = Desk(content, out, Workers(1))
    _rebuild(state, STARTED, quiet=True)
    app = create_app(state, words=Pseudo())
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    state.workers.stop()


def content_data(app: Any) -> list[str]:
    """What the desk shows that is content, not its own words."""
    from handouts.desk.printviews import known_queues
    from handouts.desk.search import results
    from handouts.desk.staff import problems
    from handouts.desk.state import EXTENSION

    state = app.extensions[EXTENSION]
    catalogue = state.catalogue
    data = [state.practice_name, "Tim Willems", "An Peeters", "handouts-samen.pdf"]
    data += [queue.name for queue in known_queues()]  # the CUPS printers, and their settings:
    data += ["PreserveJobFiles", "PreserveJobHistory", "Yes"]
    for entry in [*catalogue.entries, catalogue.booklet]:
        data += [entry.key, entry.title, entry.summary, entry.version]
        data += [*entry.tags, *entry.tips, *entry.thumbs]
    for hit in results(catalogue, "glas") or []:
        for segments in (hit.title, hit.summary, hit.snippet):
            data.append("".join(text for text, _found in segments))
    for said in problems(state):
        data += [said.problem.path, said.message, said.hint]
    for record in state.history:
        data += list(record.built) + list(record.failed)
    return data


PAGES = [
    "/",
    "/?q=glas",
    "/handout/metaphors/glas",
    "/handout/metaphors/stuk",
    "/handout/articles/opbouwen",
    "/samen?item=metaphors/glas&item=metaphors/oke",
    "/samen?item=metaphors/glas&item=metaphors/stuk",
    "/boekje",
    "/inhoud",
    "/bestaat-niet",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_says_only_translated_words_and_content(desk: Any, path: str) -> None:
    answer = desk.test_client().get(path)
    assert answer.status_code in (200, 404)
    text = answer.get_data(as_text=True)
    assert LEFT in text
    assert foreign_words(page_pieces(text), content_data(desk)) == [], path


@pytest.mark.parametrize(
    "path", ["/handout/metaphors/glas", "/samen?item=metaphors/glas&item=metaphors/oke", "/boekje", "/inhoud"]
)
def test_the_print_buttons_say_only_translated_words(desk: Any, cups: Cups, path: str) -> None:
    """With CUPS: "Afdrukken op <printer>", its choices and hints, and "Inhoud"'s privacy warning."""
    from handouts.desk import printviews

    printviews._cache.clear()  # the queues as they are now, with the test's CUPS
    try:
        text = desk.test_client().get(path).get_data(as_text=True)
        assert "data-print-button" in text or path == "/inhoud"  # "Inhoud": the privacy warning, if any
        assert foreign_words(page_pieces(text), content_data(desk)) == [], path
    finally:
        printviews._cache.clear()


def answers(desk: Any) -> Iterator[tuple[str, Any]]:
    """Every other answer the desk gives: errors, refusals, the record line."""
    client = desk.test_client()
    as_json = {"Accept": "application/json"}
    glas = "/handout/metaphors/glas"
    yield "405", client.post("/")
    bad = {"naam": "x" * 81, "datum": "morgen", "therapeut": "Iemand", "tip": "9"}
    yield "bad fields", client.post(glas, data=bad)
    unprintable = {"notitie": "x" * 401, "naam": "\U0001f600"}
    yield "bad fields, JSON", client.post(glas, data=unprintable, headers=as_json)
    yield "broken card", client.post("/handout/metaphors/stuk", data={}, headers=as_json)
    yield "too long for the card", client.post(glas, data={"notitie": "Wandel. " * 50, "tip": ["0", "1"]})
    yield "no printer", client.post("/afdrukken/handout/metaphors/glas", data={"copies": "1"})
    yield "no printer, JSON", client.post("/afdrukken/handout/metaphors/glas", data={}, headers=as_json)
    yield "unknown job", client.get("/afdrukken/Kantoor-1", headers=as_json)
    yield "413", client.post(glas, data={"notitie": "x" * 20000})


def test_every_answer_says_only_translated_words_and_content(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handouts.desk import printviews

    monkeypatch.setattr(printviews, "known_queues", lambda: ())  # a computer without CUPS
    data = content_data(desk)
    seen = 0
    for what, answer in answers(desk):
        if answer.mimetype == "application/json":
            body = answer.get_json()
            said = [body.get("message", ""), *body.get("errors", {}).values()]
            assert any(said), what
            assert foreign_words(outside_brackets("\x01".join(said)).split("\x01"), data) == [], what
        elif answer.mimetype == "text/html":
            assert foreign_words(page_pieces(answer.get_data(as_text=True)), data) == [], what
        seen += 1
    assert seen == 9


def test_the_record_line_and_the_personal_pdf_go_through_the_catalogue(desk: Any) -> None:
    client = desk.test_client()
    printed = client.post("/handout/metaphors/glas", data={"datum": "2026-11-30", "therapeut": "An Peeters"})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    record = urllib.parse.unquote(printed.headers["X-Meegegeven"])
    assert record.startswith(f"{LEFT}Meegegeven: {LEFT}Het glas water (versie ")
    assert foreign_words([outside_brackets(record)], [*content_data(desk), "november"]) == []


def test_the_access_page_and_its_lockout_go_through_the_catalogue(tmp_path: Path) -> None:
    from handouts.desk.app import create_app
    from handouts.desk.state import Desk
    from handouts.workers import Workers

    state = Desk(tmp_path, tmp_path / "dist", Workers(1))
    app = create_app(state, "een lange code van de praktijk", words=Pseudo())
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    data = ["Handouts"]
    shown = [client.get("/toegang"), *(client.post("/toegang", data={"code": "fout"}) for _ in range(5))]
    assert [answer.status_code for answer in shown] == [200, 401, 401, 401, 401, 429]
    for answer in shown:
        assert foreign_words(page_pieces(answer.get_data(as_text=True)), data) == []
    assert f"{LEFT}Te veel foute codes na elkaar. Wacht {LEFT}" in shown[-1].get_data(as_text=True)


def test_the_pseudo_check_finds_a_word_outside_the_catalogue() -> None:
    markup = f'<body data-words=\'{{"a": "{LEFT}Goed{RIGHT}"}}\'><h1>{LEFT}Titel{RIGHT}</h1>'
    markup += "<p>Het glas</p><p>Vergeten tekst</p>"
    assert foreign_words(page_pieces(markup), ["Het glas water"]) == ["Vergeten tekst"]
    assert outside_brackets(f"{LEFT}a {LEFT}b{RIGHT} c{RIGHT} d") == " d"


# ---------------------------------------------------------------------------- the page's script


def test_the_scripts_write_only_words_from_the_page() -> None:
    from handouts.desk.words import SCRIPT_WORDS

    for script in SCRIPTS:
        source = re.sub(r"^\s*//.*$", "", script.read_text(encoding="utf-8"), flags=re.M)
        asked = set(re.findall(r"""say\(\s*["'](\w+)["']""", source))
        either = re.findall(r"""say\(\s*\w+ \? "(\w+)" : "(\w+)\"""", source)  # say(a ? "x" : "y")
        asked |= {name for pair in either for name in pair}
        assert asked <= set(SCRIPT_WORDS), (script.name, asked - set(SCRIPT_WORDS))
        literals = re.findall(r'"([^"\\\n]*)"|`([^`]*)`', source)
        prose = [a or b for a, b in literals if re.search(r"[A-Za-zé]{2,} [a-zé]{2,}", a or b)]
        assert [text for text in prose if text != "use strict"] == [], script.name


def test_the_desk_words_are_their_own_domain() -> None:
    """``pybabel extract -F babel-desk.cfg`` finds the desk's words; ``check`` never asks French or
    English for them (the handouts' catalogue is extracted without them)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    from handouts.i18n import template_messages

    with (PROJECT / "babel-desk.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    desk_words = set()
    for _file, _line, message, _comments, _context in extract_from_dir(PROJECT, method_map, options_map):
        desk_words.update(message if isinstance(message, tuple) else (message,))
    desk_words.discard(None)
    expected = ["Nieuwe patiënt", "Maak PDF", "Kaart", "%(count)s handouts gevonden", "afgedrukt", "Toegang"]
    assert set(expected) <= desk_words
    assert ("Laatste goede versie van %(date)s; de tekst heeft een fout.") in desk_words
    handout_words = template_messages()
    assert not [where for places in handout_words.values() for where, _line in places if "/desk/" in where]
    assert "Nieuwe patiënt" not in handout_words and "Maak PDF" not in handout_words


def test_in_the_browser_the_script_writes_the_words_the_page_gives(tmp_path: Path, page: Any) -> None:  # noqa: F811
    """The catalogue page, its words swapped for pseudo-translated ones on the way to Chromium:
    what the script writes (the choice bar, the search count) is those words."""
    from handouts.desk.words import SCRIPT_WORDS

    words = {
        name: {"one": f"{LEFT}{text[0]}{RIGHT}", "other": f"{LEFT}{text[1]}{RIGHT}"}
        if isinstance(text, tuple)
        else f"{LEFT}{text}{RIGHT}"
        for name, text in SCRIPT_WORDS.items()
    }
    attribute = "data-words='" + html.escape(json.dumps(words), quote=True) + "'"
    server = Server(desk_content(tmp_path / "content"), tmp_path / "dist")

    def swap(route: Any) -> None:
        response = route.fetch()
        body = re.sub(r"data-words='[^']*'", lambda _: attribute, response.text(), count=1)
        route.fulfill(response=response, body=body)

    try:
        page.route(re.compile(r".*/(\?.*)?$"), swap)
        page.goto(server.url + "/")
        expect = playwright_api.expect
        expect(page.locator("#gekozen")).to_have_text(
            f"{LEFT}Kies handouts om ze samen af te drukken.{RIGHT}"
        )
        boxes = page.locator('input[name="item"]')
        boxes.nth(0).check()
        expect(page.locator("#gekozen")).to_have_text(f"{LEFT}1 handout gekozen.{RIGHT}")
        boxes.nth(1).check()
        expect(page.locator("#gekozen")).to_have_text(f"{LEFT}2 handouts gekozen.{RIGHT}")
        page.locator("#zoeken").fill("glas")
        expect(page.locator("#aantal")).to_have_text(re.compile(rf"^{LEFT}\d+ handouts? gevonden{RIGHT}$"))
    finally:
        page.goto("about:blank")
        assert server.stop() == 130

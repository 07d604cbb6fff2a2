"""Finding a handout at the desk: ranked word-beginning search, favourites and recent, the next
patient, keyboard stops and a visible focus ring; the browser tests in Debian's Chromium.

The search ranking is also tested alone, on entries made here (``handouts.desk.search``).
"""

from __future__ import annotations

import html
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import test_desk
from test_desk import NAME, NOTE_WORD, Server, make_content, make_pdf

from handouts.desk.catalogue import Entry
from handouts.desk.search import Index, body_text, index_entry, marks, query_words, search
from handouts.models import ARTICLES, METAPHORS

browser = test_desk.browser  # the same Chromium, and a fresh page per test that fails on a script error
page = test_desk.page

# ---------------------------------------------------------------------------- the ranking alone


def entry(key: str, title: str, summary: str = "", tags: tuple[str, ...] = ()) -> Entry:
    kind = ARTICLES if key.startswith("articles/") else METAPHORS
    return Entry(key=key, kind=kind, title=title, summary=summary, tags=tags, search="", thumbs=())


def index(*entries: tuple[Entry, str]) -> Index:
    return Index(tuple(index_entry(e, n, body_text(body)) for n, (e, body) in enumerate(entries)))


SMOKING = (
    entry("articles/roken", "Stoppen met roken", "Na een onderbroken nacht.", ("leefstijl",)),
    "Wie stopt met roken, slaapt beter. Kom terug als het niet lukt.\n\n"
    "## Bronnen\n\n- Glaser, B. (2019). Roken.\n",
)
OKE = (
    entry("metaphors/oke", "Oké zijn met rust", "Rust is ook een deel van herstel."),
    "Een batterij laadt op.",
)
GLASS = (
    entry("metaphors/glas", "Het glas water", "Klachten als je glas te vol zit."),
    "Een zandloper telt mee.",
)
BACK = (entry("articles/rug", "Rugpijn", "Wat helpt bij lage rugpijn.", ("rug",)), "Bewegen helpt.")


def keys(hits: list[Any]) -> list[str]:
    return [hit.key for hit in hits]


def test_search_matches_word_beginnings_not_the_inside_of_words() -> None:
    found = index(SMOKING, OKE, GLASS, BACK)
    assert keys(search(found, "oke")) == ["metaphors/oke"]  # not "roken", not "onderbroken"
    assert keys(search(found, "rug")) == ["articles/rug"]  # not "terug"
    assert keys(search(found, "glas")) == ["metaphors/glas"]  # not the author Glaser in "Bronnen"
    assert keys(search(found, "rok")) == ["articles/roken"]  # a beginning is enough
    assert keys(search(found, "glas zand")) == ["metaphors/glas"]  # every word, each a beginning
    assert search(found, "glas batterij") == []


def test_search_folds_case_and_accents_both_ways() -> None:
    found = index(OKE, (entry("metaphors/cafe", "Naar het cafe"), ""))
    assert keys(search(found, "OKÉ")) == keys(search(found, "oke")) == ["metaphors/oke"]
    assert keys(search(found, "café")) == ["metaphors/cafe"]
    assert query_words("  Oké, RUST!  ") == ("oke", "rust")


def test_title_and_tag_matches_rank_above_summary_and_text_matches() -> None:
    in_text = (entry("articles/a", "Goed bewegen"), "Slaap is belangrijk voor herstel.")
    in_summary = (entry("articles/b", "Rust nemen", "Wie slaapt, herstelt."), "")
    in_tags = (entry("articles/c", "Avondroutine", tags=("slaap",)), "")
    in_title = (entry("metaphors/d", "De slaapbatterij"), "")
    found = index(in_text, in_summary, in_tags, in_title)
    assert keys(search(found, "slaap")) == ["articles/c", "metaphors/d", "articles/b", "articles/a"]
    # a whole word (the tag "slaap") before a beginning ("slaapbatterij"); equal scores keep the order
    assert keys(search(index(in_title, in_tags), "slaapbatterij")) == ["metaphors/d"]
    assert keys(search(index(in_summary, in_text), "herst")) == ["articles/b", "articles/a"]


def test_a_hit_says_why_with_the_found_words_marked() -> None:
    found = index(OKE, GLASS)
    [hit] = search(found, "oke")
    assert hit.title == (("Oké", True), (" zijn met rust", False))  # marked as written, with accent
    assert hit.snippet == ()  # found in the title: no snippet needed
    [hit] = search(found, "zandloper")
    assert ("zandloper", True) in hit.snippet and hit.title == (("Het glas water", False),)
    assert marks("Terug naar de rug", ("rug",)) == (("Terug naar de ", False), ("rug", True))


def test_a_snippet_is_a_few_words_around_the_match() -> None:
    long = " ".join(f"woord{n}" for n in range(40)) + " zandloper " + " ".join(f"rest{n}" for n in range(40))
    [hit] = search(index((entry("articles/x", "X"), long)), "zandloper")
    text = "".join(part for part, _ in hit.snippet)
    assert text.startswith("… ") and text.endswith(" …") and len(text.split()) <= 20
    assert [part for part, marked in hit.snippet if marked] == ["zandloper"]


# ---------------------------------------------------------------------------- in the browser

EXTRA = """\
---
title: Terug naar je werk
summary: Na een onderbroken nacht toch aan de slag, zonder roken.
author: Tim Willems
date: 2025-06-01
tags: [werk]
key_points:
  - Bouw rustig op.
---

Wie terugkeert na ziekte, bouwt rustig op.

## Bronnen

- Glaser, B. (2019). Werk en herstel. Een boek.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("find")
    content = make_content(root / "content")
    (content / "articles" / "terug.md").write_text(EXTRA, encoding="utf-8")
    running = Server(content, root / "dist")
    yield running
    assert running.stop() == 130
    assert "Traceback" not in running.output, running.output


def find(page: Any, query: str) -> None:
    """Type ``query`` in the search field and wait for the server's answer to be shown."""
    page.get_by_label("Zoeken").fill(query)
    until(page, "!document.querySelector('[data-results]').hasAttribute('aria-busy')")


def until(page: Any, condition: str, seconds: float = 10) -> None:
    """Wait until the script's ``condition`` holds (the CSP forbids ``wait_for_function``'s eval)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => {condition}"):
        assert time.monotonic() < deadline, condition
        time.sleep(0.05)


def shown_titles(page: Any) -> list[str]:
    return page.locator(".grid .entry:visible .entry-title").all_inner_texts()


def test_the_search_field_has_the_focus_when_the_catalogue_opens(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    assert page.evaluate("document.activeElement.id") == "zoeken"  # type at once
    page.keyboard.type("glas")
    find(page, "glas")
    assert shown_titles(page) == ["Het glas water"]


def test_search_ranks_word_beginnings_and_marks_why(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    for query, expected in [
        ("oke", ["Oké zijn met rust"]),  # not "onderbroken", not "roken"
        ("glas", ["Het glas water"]),  # not the author Glaser
        ("herstel", ["Rustig opbouwen na een blessure", "Oké zijn met rust"]),  # tag before summary
        ("OKÉ rust", ["Oké zijn met rust"]),
    ]:
        find(page, query)
        assert shown_titles(page) == expected, query
    find(page, "rug")  # only "terug" has it, inside the word
    assert page.get_by_text("Niets gevonden").is_visible()
    assert shown_titles(page) == []
    find(page, "zandloper")  # in the text of a card: a snippet says so
    assert shown_titles(page) == ["Het glas water"]
    assert page.locator(".entry:visible .why").inner_text().startswith("In de tekst:")
    assert page.locator(".entry:visible mark").all_inner_texts() == ["zandloper"]
    find(page, "herst")
    assert set(page.locator(".entry:visible mark").all_inner_texts()) == {"herstel", "herstelt"}
    assert page.url.endswith("/?q=herst")  # Back from a handout returns to this search
    page.screenshot(path="/tmp/desk-find-search.png", full_page=True)
    page.get_by_label("Zoeken").press("Escape")
    until(page, "document.getElementById('aantal').textContent === '4 handouts'")
    assert len(shown_titles(page)) == 4 and page.locator("mark").count() == 0


def test_the_search_runs_on_the_server_alone(server: Server) -> None:
    with urllib.request.urlopen(server.url + "/?q=herstel", timeout=30) as response:
        body = response.read().decode()
    found = body[body.index('id="lijst-gevonden"') : body.index("data-group")]
    titles = [html.unescape(t) for t in re.findall(r'data-mark="title">(.*?)</span>', found)]
    assert [re.sub(r"</?mark>", "", t) for t in titles] == [
        "Rustig opbouwen na een blessure",
        "Oké zijn met rust",
    ]
    assert "<mark>herstel</mark>" in found
    request = urllib.request.Request(server.url + "/?q=oke", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        hits = json.loads(response.read())["hits"]
    assert [hit["key"] for hit in hits] == ["metaphors/oke"]
    assert hits[0]["title"][0] == ["Oké", True]


def test_favourites_and_recent_stand_on_top_and_only_keys_are_kept(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    assert page.locator("[data-top]").is_hidden()  # nothing starred or printed yet
    page.get_by_role("button", name="Favoriet: Terug naar je werk").click()
    top = page.locator("[data-top] .entry-title")
    assert top.all_inner_texts() == ["Terug naar je werk"]
    assert (
        page.get_by_role("button", name="Favoriet: Terug naar je werk").get_attribute("aria-pressed")
        == "true"
    )
    page.goto(server.url + "/handout/metaphors/oke")
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Persoonlijke notitie").fill(NOTE_WORD)
    make_pdf(page)
    page.goto(server.url + "/")
    assert top.all_inner_texts() == ["Terug naar je werk", "Oké zijn met rust"]
    assert page.locator("[data-top] .entry").nth(1).get_by_text("Onlangs afgedrukt").is_visible()
    first = page.locator(".entry-title:visible").first.inner_text()
    assert first == "Terug naar je werk"  # on top of the whole catalogue
    page.screenshot(path="/tmp/desk-find-favourites.png", full_page=True)
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert "Qwertyberg" not in stored and NOTE_WORD not in stored
    assert sorted(json.loads(stored)) == [
        ["desk.favorieten", '["articles/terug"]'],
        ["desk.recent", '["metaphors/oke"]'],
    ]
    page.get_by_role("button", name="Favoriet: Terug naar je werk").click()  # unstarred: back in its group
    assert top.all_inner_texts() == ["Oké zijn met rust"]
    assert "Terug naar je werk" in page.locator("#lijst-articles .entry-title").all_inner_texts()
    page.goto(server.url + "/handout/articles/opbouwen")  # printed as built counts too
    with page.expect_download() as saved:
        page.get_by_role("link", name="Downloaden").click()
    saved.value.delete()
    page.goto(server.url + "/")
    assert top.all_inner_texts() == ["Rustig opbouwen na een blessure", "Oké zijn met rust"]  # last first


def test_new_patient_clears_the_form_after_printing(server: Server, page: Any) -> None:
    page.goto(server.url + "/handout/metaphors/glas")
    for label in ("Naam patiënt", "Persoonlijke notitie"):
        assert page.get_by_label(label).get_attribute("autocomplete") == "off"
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Therapeut").select_option("An Peeters")
    page.get_by_label("Persoonlijke notitie").fill(f"{NOTE_WORD}: elke dag wandelen.")
    page.get_by_label("Wandel elke dag een kwartier.").check()
    make_pdf(page)
    page.screenshot(path="/tmp/desk-find-printed.png", full_page=True)
    page.get_by_role("button", name="Nieuwe patiënt").click()
    assert page.get_by_label("Naam patiënt").input_value() == ""
    assert page.get_by_label("Persoonlijke notitie").input_value() == ""
    assert not page.get_by_label("Wandel elke dag een kwartier.").is_checked()
    assert page.get_by_label("Therapeut").input_value() == "An Peeters"  # the therapist stays
    assert page.locator("[data-result]").is_hidden()
    assert page.evaluate("document.activeElement.id") == "naam"
    page.screenshot(path="/tmp/desk-find-new-patient.png", full_page=True)


def test_back_does_not_bring_back_the_previous_patient(server: Server, page: Any) -> None:
    page.goto(server.url + "/handout/metaphors/glas")
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Persoonlijke notitie").fill(NOTE_WORD)
    page.get_by_role("link", name="← Alle handouts").click()
    page.wait_for_url(server.url + "/")
    page.go_back()
    page.wait_for_url("**/handout/metaphors/glas")
    page.wait_for_load_state("load")
    assert page.get_by_label("Naam patiënt").input_value() == ""
    assert page.get_by_label("Persoonlijke notitie").input_value() == ""


def test_the_selection_is_counted_again_after_back(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Kies om samen af te drukken").nth(0).check()
    page.get_by_label("Kies om samen af te drukken").nth(2).check()
    assert page.get_by_text("2 handouts gekozen").is_visible()
    page.get_by_role("link", name="Boekje", exact=True).click()
    page.wait_for_url("**/boekje")
    page.go_back()
    page.wait_for_url(server.url + "/")
    page.wait_for_load_state("load")
    ticked = page.locator('input[name="item"]:checked').count()
    assert ticked == 2  # the browser ticks them again...
    assert page.locator("#gekozen").inner_text() == "2 handouts gekozen."  # ...and the bar says so
    assert page.get_by_role("button", name="Samen afdrukken").is_enabled()


def test_skip_links_reach_search_and_form_in_two_keystrokes(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    first = "document.querySelector('a[href], button, input, select, textarea').textContent.trim()"
    assert page.evaluate(first) == "Naar zoeken"  # the first stop when Tab starts at the top
    page.get_by_role("link", name="Naar zoeken").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "zoeken"
    page.goto(server.url + "/handout/metaphors/glas")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar het formulier"
    page.screenshot(path="/tmp/desk-find-skip.png")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "naam"


CONTRAST = """
() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const e = document.activeElement;
  const style = getComputedStyle(e);
  // the ring sits outside the element (offset >= 0): on its parent's ground; inside: on its own
  let ground = parseFloat(style.outlineOffset) < 0 ? e : e.parentElement;
  while (ground && (rgb(getComputedStyle(ground).backgroundColor)[3] === 0)) ground = ground.parentElement;
  const under = ground ? rgb(getComputedStyle(ground).backgroundColor).slice(0, 3) : [255, 255, 255];
  const ring = rgb(style.outlineColor).slice(0, 3);
  return { what: e.outerHTML.slice(0, 80), style: style.outlineStyle, width: parseFloat(style.outlineWidth),
           ground: ratio(ring, under), white: ratio(ring, [255, 255, 255]), header: !!e.closest(".site") };
}
"""


@pytest.mark.parametrize("path", ["/", "/handout/metaphors/glas"])
def test_the_focus_ring_has_3_to_1_contrast_on_its_ground(server: Server, page: Any, path: str) -> None:
    page.goto(server.url + path)
    page.evaluate("document.activeElement.blur()")
    seen = 0
    for _ in range(30):
        page.keyboard.press("Tab")
        ring = page.evaluate(CONTRAST)
        if ring["what"].startswith("<body"):
            break
        seen += 1
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert ring["ground"] >= 3, ring
        if not ring["header"]:  # on the white cards, the page and the panels
            assert ring["white"] >= 3, ring
    assert seen >= 10


def test_pages_have_no_inline_script_and_unique_ids(server: Server, page: Any) -> None:
    for path in (
        "/",
        "/?q=herstel",
        "/handout/metaphors/glas",
        "/samen?item=metaphors/glas&item=articles/terug",
    ):
        page.goto(server.url + path)
        source = page.content()
        scripts = re.findall(r"<script\b[^>]*>", source)
        assert scripts and all(" src=" in tag for tag in scripts), path
        assert not re.search(r"\son[a-z]+=", source), path
        ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), (e) => e.id)")
        assert len(ids) == len(set(ids)), path
        nameless = page.evaluate(
            "Array.from(document.querySelectorAll('button, a[href]'))"
            ".filter((e) => !e.textContent.trim()).length"
        )
        assert nameless == 0, path


def test_axe_finds_no_violation_on_the_found_and_the_printed_page(server: Server, page: Any) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    page.goto(server.url + "/")
    page.evaluate("localStorage.setItem('desk.favorieten', JSON.stringify(['metaphors/glas']))")
    for path in ("/", "/?q=zandloper"):
        page.goto(server.url + path)
        find(page, page.get_by_label("Zoeken").input_value())
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
    page.goto(server.url + "/handout/metaphors/glas")
    make_pdf(page)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()

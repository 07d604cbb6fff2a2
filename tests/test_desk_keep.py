"""The desk never loses a handout, and "Inhoud" says what is wrong in Dutch, causes first.

A handout whose file gets an error stays in the catalogue, printable from its last good PDF,
with a mark for the staff that is never on the page. "Inhoud" shows the problems in Dutch (the
command line stays English), lists failed handouts as failed, shows the last link check, and
does not ask to reload forever after "Opnieuw bouwen". Most checks use Flask's test client on
a real build; the browser tests run the real server in Debian's Chromium (see test_desk.py).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import page_texts
from test_desk import Server, browser, flat, make_content, page, playwright_api  # noqa: F401 (fixtures)

from handouts.cli import main

MARK = re.compile(r"Laatste goede versie van \d\d-\d\d-\d{4}; de tekst heeft een fout\.")
JSON = {"Accept": "application/json"}
SHOTS = Path("/tmp")  # the screenshots looked at while writing this


# ---------------------------------------------------------------------------- a built folder


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture content, built once: ``content/`` and ``dist/`` side by side."""
    root = tmp_path_factory.mktemp("keep")
    content = make_content(root / "content")
    assert main(["build", "--content", str(content), "--out", str(root / "dist"), "-q", "--jobs", "2"]) == 0
    return root


@pytest.fixture
def folder(good: Path, tmp_path: Path) -> Path:
    """A copy of the built folder, to break."""
    shutil.copytree(good, tmp_path / "keep")
    return tmp_path / "keep"


def break_card(root: Path) -> None:
    """A typo in a field name: the card and the booklet that holds it have an error today."""
    card = root / "content" / "metaphors" / "glas.md"
    card.write_text(card.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")


def rebuild(root: Path) -> None:
    """Build again, as the desk does after a change (an error: exit status 1)."""
    main(["build", "--content", str(root / "content"), "--out", str(root / "dist"), "-q", "--jobs", "2"])


def desk_client(root: Path) -> Any:
    """The desk over ``root`` after one build, as ``serve`` starts it, in Flask's test client."""
    import datetime

    from handouts.build import build
    from handouts.desk.app import create_app
    from handouts.desk.catalogue import make, record
    from handouts.desk.state import Desk
    from handouts.workers import Workers

    content, out = root / "content", root / "dist"
    summary = build(content, out, jobs=1)
    state = Desk(content, out, Workers(1), catalogue=make(content, out))
    state.history.append(record(summary, datetime.datetime.now(), 1.0, "wijziging in de inhoud"))
    app = create_app(state)
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def fetch(client: Any, url: str) -> Any:
    """A file from the desk, read and closed (a file response left open is a ResourceWarning)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def text_of(html: str) -> str:
    """What a reader sees of the page's main part: the tags gone, the spaces folded."""
    main_part = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main_part)).replace("&#39;", "'")


# ---------------------------------------------------------------------------- never lose a handout


def test_a_card_with_an_error_stays_printable_from_its_last_good_pdf(folder: Path) -> None:
    good_pdf = (folder / "dist" / "metaphors" / "glas.pdf").read_bytes()
    break_card(folder)
    client = desk_client(folder)

    catalogue = client.get("/").get_data(as_text=True)
    card = catalogue.split('value="metaphors/glas"')[0].rsplit('<li class="entry"', 1)[-1]
    assert "Het glas water" in card and MARK.search(text_of(card)), card  # listed, marked for staff
    thumb = re.search(r'src="(/thumb/[^"]+)"', card)
    assert thumb and fetch(client, thumb.group(1)).status_code == 200  # its last good thumbnail

    item = client.get("/handout/metaphors/glas")
    assert item.status_code == 200
    shown = text_of(item.get_data(as_text=True))
    assert MARK.search(shown), shown
    assert "Dit kan nu niet: de tekst van deze handout heeft een fout" in shown  # no personal block
    assert 'name="naam"' not in item.get_data(as_text=True)

    pdf = fetch(client, "/pdf/metaphors/glas.pdf")
    assert pdf.status_code == 200 and pdf.data == good_pdf  # the last good PDF, as it was
    assert "Het glas water" in flat(page_texts(pdf.data)[0])
    assert "Laatste goede" not in " ".join(page_texts(pdf.data))  # the mark is not for the patient

    refused = client.post("/handout/metaphors/glas", data={"datum": "2026-11-30"})
    assert refused.status_code == 422
    assert "Dit kan nu niet: de tekst van deze handout heeft een fout" in text_of(
        refused.get_data(as_text=True)
    )
    as_data = client.post("/handout/metaphors/glas", data={"datum": "2026-11-30"}, headers=JSON)
    assert "kan nu niet persoonlijk gemaakt worden" in as_data.json["errors"]["form"]  # for the script

    # Printed together: the broken card as built, the personal block on the next one.
    together = client.post(
        "/samen", data={"item": ["metaphors/glas", "metaphors/oke"], "datum": "2026-11-30", "naam": "Jan"}
    )
    assert together.status_code == 200 and together.mimetype == "application/pdf"
    pages = [flat(text) for text in page_texts(together.data)]
    assert "Het glas water" in pages[0] and "Voor Jan" not in pages[0]
    assert not pages[1].strip()  # the card's back: blank, so the next handout starts a sheet
    assert "Oké zijn met rust" in pages[2] and "Voor Jan" in pages[2]

    # The booklet holds the broken card: it is kept too, and marked.
    booklet = client.get("/boekje")
    assert booklet.status_code == 200 and MARK.search(text_of(booklet.get_data(as_text=True)))
    assert fetch(client, "/pdf/booklet-print.pdf").status_code == 200


def test_a_booklet_with_an_error_keeps_its_last_good_booklet(folder: Path) -> None:
    booklet_yml = folder / "content" / "booklet.yml"
    booklet_yml.write_text(booklet_yml.read_text().replace("metaphors/oke", "metaphors/okee"))
    good_pdf = (folder / "dist" / "booklet-print.pdf").read_bytes()
    client = desk_client(folder)

    shown_page = client.get("/boekje")
    assert shown_page.status_code == 200
    shown = text_of(shown_page.get_data(as_text=True))
    assert "Testboekje" in shown and MARK.search(shown), shown
    assert fetch(client, "/pdf/booklet-print.pdf").data == good_pdf
    home = client.get("/").get_data(as_text=True)
    banner = text_of(home.split('id="boekje-titel"')[1].split('class="grid"')[0])
    assert "Boekje afdrukken" in banner and MARK.search(banner), banner


# ---------------------------------------------------------------------------- "Inhoud"


def test_the_staff_page_says_the_cause_first_in_dutch_and_lists_the_failed_card(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_card(folder)
    rebuild(folder)
    said = capsys.readouterr().err
    assert "unknown field 'titel'" in said and "did you mean 'title'?" in said  # the CLI: English
    client = desk_client(folder)

    html = client.get("/inhoud").get_data(as_text=True)
    problems = re.findall(r"<li class=\"error\">(.*?)</li>", html, re.S)
    texts = [text_of(p) for p in problems]
    assert len(texts) == 3, texts
    assert "onbekend veld 'titel'" in texts[0] and "Tip: bedoel je 'title'?" in texts[0], texts  # the cause
    assert "het verplichte veld 'title' ontbreekt" in texts[1], texts
    assert "'metaphors/glas' heeft een fout; daarom wordt het boekje niet gebouwd" in texts[2], texts
    assert "unknown field" not in html and "did you mean" not in html and 'lang="en"' not in html
    # The file as the staff know it, though the desk was given the content folder as a full path
    assert texts[0].strip().startswith("content/metaphors/glas.md:2 ") and str(folder) not in html, texts

    failed = re.findall(r'<tr class="failed">(.*?)</tr>', html, re.S)
    assert len(failed) == 1 and "Het glas water" in failed[0], failed
    assert re.search(
        r"mislukt ?: laatste goede versie van [\d-]+; de tekst heeft een fout", text_of(failed[0])
    )


def test_asking_for_a_rebuild_redirects_to_a_plain_address(folder: Path) -> None:
    client = desk_client(folder)
    asked = client.post("/inhoud/opnieuw")
    assert asked.status_code == 303 and asked.headers["Location"] == "/inhoud"
    first = text_of(client.get("/inhoud").get_data(as_text=True))
    assert "Opnieuw bouwen is gevraagd" in first  # said once ...
    again = text_of(client.get("/inhoud").get_data(as_text=True))
    assert "gevraagd" not in again and "Laad deze pagina" not in again  # ... not at every reload


def test_the_staff_page_shows_the_last_link_check(folder: Path) -> None:
    import datetime

    from handouts import linkcheck

    client = desk_client(folder)
    assert "Nog nooit nagekeken" in text_of(client.get("/inhoud").get_data(as_text=True))
    address = linkcheck.Address(
        "https://www.example.be/weg", "content/practice.yml", 3, "website", ("booklet",)
    )
    dead = linkcheck.LinkResult(address, "dead", 404, "https://www.example.be/weg", "404 Not Found")
    unreachable = [  # why an address cannot be reached, as linkcheck says it
        linkcheck.LinkResult(
            linkcheck.Address(f"https://{n}.example.be", "content/practice.yml", 4, "blog_url"),
            "unreachable",
            reason=r,
        )
        for n, r in enumerate(
            ["no answer within 5 s", "the connection was refused", "its site name is not known (DNS)"]
        )
    ]
    when = datetime.datetime(2026, 11, 30, 9, 15, tzinfo=datetime.UTC)
    linkcheck.save_report(folder / "dist", linkcheck.LinkReport(when, (dead, *unreachable)))
    html = client.get("/inhoud").get_data(as_text=True)
    shown = text_of(html)
    assert re.search(r"Laatst nagekeken: 30-11-2026 \d\d:15", shown), shown
    assert "website https://www.example.be/weg antwoordt 404 Not Found" in shown, shown
    assert "Tip: de pagina is weg of verhuisd: schrijf het nieuwe adres in 'website'" in shown
    assert "(1 handout(s) met dit adres)" in shown and 'lang="en"' not in html
    for said in (
        "geen antwoord binnen 5 s",
        "de verbinding werd geweigerd",
        "de naam van de site is onbekend (DNS)",
    ):
        assert f"is niet bereikbaar: {said}" in shown, shown


# ---------------------------------------------------------------------------- problems as data


TOO_LONG = "\n\n".join(["Een lange zin over pijn, herstel en bewegen die de kaart vult."] * 60)


def test_the_problems_a_staff_member_meets_have_a_dutch_rendering(folder: Path) -> None:
    """Content errors and warnings as a therapist makes them: each one said in Dutch on the desk."""
    from handouts.build import build
    from handouts.dutch import dutch, untranslated
    from handouts.verdict import Verdict

    content = folder / "content"
    cards = content / "metaphors"
    good = (cards / "oke.md").read_text(encoding="utf-8")
    (cards / "veld.md").write_text(good.replace("title:", "titel:"), encoding="utf-8")  # unknown, missing
    (cards / "Slecht Naam.md").write_text(good, encoding="utf-8")  # bad slug
    (cards / "yaml.md").write_text(good.replace("order: 2", "order: [2"), encoding="utf-8")  # YAML
    linked = good.replace("Wandel elke dag", "Lees [dit](pagina.html) en ![x](../images/weg.svg). Wandel")
    (cards / "link.md").write_text(linked, encoding="utf-8")  # a link to a file, an image not found
    (cards / "oke.fr.md").write_text(good, encoding="utf-8")  # glas has no French translation: warning
    (cards / "lang.md").write_text(good.replace("Pijn is een alarm.", TOO_LONG), encoding="utf-8")
    booklet = content / "booklet.yml"
    booklet.write_text(booklet.read_text().replace("metaphors/oke]", "metaphors/oke, metaphors/niets]"))
    checked = Verdict.of(content).checked
    rendered = build(content, folder / "dist", ["metaphors/lang"], jobs=1).problems
    messages = {p.template for p in [*checked, *rendered]}
    for expected in (
        "unknown field '{field}'",
        "missing required field '{field}'",
        "file name {name} is not a valid slug",
        "invalid YAML: {detail}",
        "the link '{link}' points to a file, not to a web page",
        "image '{image}' not found",
        "no {language} translation ({file})",
        "never reviewed by a therapist",
        "unknown item '{item}'",
        "does not fit on {most} page: it needs {pages} pages (about {mm} mm too long)",
    ):
        assert expected in messages, sorted(messages)
    assert untranslated([*checked, *rendered]) == []
    shown = {dutch(p).message for p in [*checked, *rendered]}
    assert "onbekende handout 'metaphors/niets'" in shown
    assert "nog geen vertaling in het Frans (glas.fr.md)" in shown, shown
    fits = re.compile(r"past niet op 1 blad: er zijn \d+ bladen nodig \(ongeveer \d+ mm te lang\)")
    assert any(fits.fullmatch(s) for s in shown), shown
    assert all("onbekend" not in str(p) for p in checked)  # the command line stays English


def test_a_problem_without_a_dutch_rendering_is_english_and_marked() -> None:
    from handouts.dutch import dutch, untranslated
    from handouts.models import Problem

    rare = Problem("content/metaphors/x.md", None, "not UTF-8 text (byte 0xff)", "save the file as UTF-8")
    said = dutch(rare)
    assert said.message == rare.message and not said.translated and not said.hint_translated
    assert untranslated([rare]) == ["not UTF-8 text (byte 0xff)", "save the file as UTF-8"]


# ---------------------------------------------------------------------------- in Chromium


@pytest.fixture
def broken_server(folder: Path) -> Iterator[Server]:
    break_card(folder)
    running = Server(folder / "content", folder / "dist")
    yield running
    assert running.stop() == 130
    assert "Traceback" not in running.output, running.output


def test_in_the_browser_a_broken_card_is_kept_and_inhoud_says_why(broken_server: Server, page: Any) -> None:  # noqa: F811
    try:
        page.goto(broken_server.url + "/")
        card = page.locator(".grid .entry", has_text="Het glas water")
        assert card.count() == 1
        assert MARK.search(card.locator(".kept").inner_text())
        page.screenshot(path=str(SHOTS / "desk-keep-catalogue.png"), full_page=True)
        card.locator(".entry-link").click()
        playwright_api.expect(page.get_by_role("heading", name="Het glas water", level=1)).to_be_visible()
        page.screenshot(path=str(SHOTS / "desk-keep-item.png"), full_page=True)
        href = page.get_by_role("link", name="Afdrukken").get_attribute("href")
        response = page.request.get(broken_server.url + href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"

        page.goto(broken_server.url + "/inhoud")
        first = page.locator(".problems li").first.inner_text()
        assert "onbekend veld 'titel'" in first and "bedoel je 'title'?" in first, first
        assert page.locator("tr.failed", has_text="Het glas water").is_visible()
        assert page.get_by_text("Nog nooit nagekeken.").is_visible()
        page.screenshot(path=str(SHOTS / "desk-keep-inhoud.png"), full_page=True)
        page.get_by_role("button", name="Opnieuw bouwen").click()
        page.wait_for_load_state()
        assert page.url == broken_server.url + "/inhoud"  # no ?opnieuw=1 to reload forever
        assert (
            "gevraagd" in page.locator(".status").inner_text()
            or "nu gebouwd" in page.locator(".status").inner_text()
        )
        deadline = time.time() + 30
        while "nu gebouwd" in page.locator(".status").inner_text() and time.time() < deadline:
            time.sleep(0.5)
            page.reload()
        page.reload()
        assert "gevraagd" not in page.locator(".status").inner_text()
    finally:
        page.goto("about:blank")

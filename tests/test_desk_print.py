"""The desk's print buttons, clicked in Debian's Chromium, checked from what the IPP printer received.

The desk runs as ``build.py serve`` against the session's real CUPS (tests/cups_fixture.py):
its ``CUPS_SERVER`` points at that ``cupsd``, whose queues "Kantoor" (duplex, the default) and
"Balie" (one-sided) print to ``ippeveprinter``s that keep every job with its attributes.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import test_desk
from conftest import PROJECT
from cups_fixture import Cups, Printer, _wait_for, job_attributes, received_jobs, tool
from test_desk import (
    CHROMIUM,
    Server,
    contains,
    files_written_since,
    get,
    make_content,
)

from handouts.content import load
from handouts.printstate import FIX_COMMAND

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
NAME = "Xylofoonvink Brammetje"  # distinctive: found nowhere unless the desk or CUPS keeps it
SURNAME = "Xylofoonvink"
browser, page = test_desk.browser, test_desk.page  # the desk tests' Chromium fixtures
SCREENS = Path(os.environ.get("HANDOUTS_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def desk(cups: Cups, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The desk on the fixture's content, printing through the fixture's CUPS."""
    running = Server(cups.content, tmp_path_factory.mktemp("desk-print") / "dist")
    yield running
    assert running.stop() == 130
    assert "Traceback" not in running.output, running.output


def new_job(printer: Printer, before: set[int]) -> tuple[int, Path]:
    """The one job the printer received since ``before``."""
    (job_id, path), *more = [(n, p) for n, p in received_jobs(printer).items() if n not in before]
    assert not more
    return job_id, path


def click_print(scope: Any, printer: str = "Kantoor", copies: int | None = None) -> Any:
    """Choose the printer and the copies, click "Afdrukken op <printer>"; the state's line."""
    form = scope.locator("form[data-print]")
    form.get_by_label("Printer").select_option(printer)
    if copies is not None:
        form.get_by_label("Exemplaren").fill(str(copies))
    form.get_by_role("button", name=f"Afdrukken op {printer}").click()
    return form.locator("[data-print-status]")


def wait_for_state(status: Any, words: str, seconds: float = 30.0) -> str:
    status.page.wait_for_function(
        "([el, words]) => el.textContent.includes(words)",
        arg=[status.element_handle(), words],
        timeout=seconds * 1000,
    )
    return str(status.inner_text())


def post_print(desk: Server, key: str, fields: dict[str, str]) -> tuple[int, Any]:
    """The print form of a handout's page, posted as its script posts it (session, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{desk.url}/handout/{key}") as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    assert token
    data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
    request = urllib.request.Request(
        f"{desk.url}/afdrukken/handout/{key}", data=data, headers={"Accept": "application/json"}
    )
    try:
        with opener.open(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def pages(pdf: Path) -> int:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


def turned(pdf: Path) -> bool:
    """Every page the printer got is turned a quarter (the booklet's sides on landscape A4)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return all(document[i].get_rotation() in (90, 270) for i in range(len(document)))
    finally:
        document.close()


def text_of(pdf: Path) -> str:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_a_personalised_card_prints_in_one_click_and_cups_keeps_no_name(
    cups: Cups, desk: Server, page: Any
) -> None:
    started = time.time() - 2
    before = set(received_jobs(cups.duplex))
    page.goto(desk.url + "/handout/metaphors/kaart-een")
    assert page.get_by_role("button", name="Afdrukken op Kantoor").count() == 1  # the built card
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_label("Persoonlijke notitie").fill(f"Voor {NAME}: elke dag wandelen.")
    page.get_by_role("button", name="Maak PDF").click()
    result = page.locator("[data-result]")
    result.wait_for(state="visible")
    status = click_print(result, copies=2)
    first = wait_for_state(status, "Kantoor-")  # sent: the job's id and its first state
    assert re.fullmatch(r"Kantoor-\d+: (in de wachtrij|bezig|afgedrukt)", first), first
    assert wait_for_state(status, "afgedrukt").endswith(": afgedrukt")
    page.screenshot(path=str(SCREENS / "desk-print-item.png"), full_page=True)
    record = result.get_by_label("Voor het patiëntendossier").input_value()
    assert record.startswith("Meegegeven: De eerste kaart (versie ") and SURNAME not in record

    job_id, received = new_job(cups.duplex, before)
    attributes = job_attributes(cups, cups.duplex, job_id)
    item = load(cups.content).item("metaphors/kaart-een")
    assert item is not None
    assert attributes["job-name"] == f"{item.title} (versie {item.version})"
    assert attributes["sides"] == "one-sided" and attributes["copies"] == "2"
    assert "media-size={x-dimension=21000 y-dimension=29700}" in attributes["media-col"]
    assert f"Voor {NAME}" in " ".join(text_of(received).split())  # on paper, as personalised
    page.goto("about:blank")

    # Nowhere else: our files, the desk's output, the CUPS spool, job history, cache and logs.
    history = subprocess.run(["lpstat", "-W", "all", "-o"], capture_output=True, text=True).stdout
    assert SURNAME not in history
    needles = [SURNAME.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]
    roots = {PROJECT, desk.out, Path(tempfile.gettempdir()), Path.home()}
    found = [p for p in files_written_since(roots, started) if contains(p, needles)]
    found = [p for p in found if cups.duplex.kept not in p.parents]  # the printer's paper
    assert not found, found
    assert not [p for p in cups.root.rglob("*") if p.is_file() and contains(p, needles)]
    assert SURNAME not in desk.output


def test_twenty_booklets_in_one_click(cups: Cups, desk: Server, page: Any) -> None:
    before = set(received_jobs(cups.duplex))
    page.goto(desk.url + "/boekje")
    assert page.get_by_label("Printer").locator("option").all_inner_texts() == ["Kantoor"]  # duplex only
    status = click_print(page, copies=20)
    wait_for_state(status, "afgedrukt")
    page.screenshot(path=str(SCREENS / "desk-print-booklet.png"), full_page=True)
    job_id, received = new_job(cups.duplex, before)
    attributes = job_attributes(cups, cups.duplex, job_id)
    assert attributes["copies"] == "20"
    assert attributes["sides"] == "two-sided-short-edge"
    assert turned(received)  # each A5 side lies landscape on the A4 sheet
    assert "media-size={x-dimension=21000 y-dimension=29700}" in attributes["media-col"]
    assert attributes["job-name"].startswith("Het proefboekje (versie ")
    assert pages(received) == pages(cups.out / "booklet-print.pdf")


def test_several_handouts_print_together_with_one_personal_block(cups: Cups, desk: Server, page: Any) -> None:
    before = set(received_jobs(cups.duplex))
    page.goto(desk.url + "/samen?item=metaphors/kaart-twee&item=articles/artikel-een")
    page.get_by_label("Naam patiënt").fill(NAME)
    page.get_by_role("button", name="Maak PDF").click()
    result = page.locator("[data-result]")
    result.wait_for(state="visible")
    wait_for_state(click_print(result), "afgedrukt")
    job_id, received = new_job(cups.duplex, before)
    attributes = job_attributes(cups, cups.duplex, job_id)
    assert re.fullmatch(r"Samen: De tweede kaart en 1 andere \(versie \w+\)", attributes["job-name"])
    assert attributes["sides"] == "two-sided-long-edge"  # a card, a blank back, a 2-page article
    assert pages(received) == 4 and f"Voor {NAME}" in " ".join(text_of(received).split())


def test_a_stopped_printer_shows_mislukt_in_dutch(desk: Server, page: Any) -> None:
    subprocess.run([tool("cupsdisable"), "-r", "onderhoud", "Balie"], check=True)
    try:
        page.goto(desk.url + "/handout/articles/artikel-een")
        status = click_print(page.locator(".item-head"), printer="Balie")
        assert wait_for_state(status, "mislukt").endswith("mislukt: printer gestopt")
        assert status.get_attribute("data-state") == "failed"
        page.locator(".item-head").screenshot(path=str(SCREENS / "desk-print-mislukt.png"))
    finally:
        page.goto("about:blank")
        subprocess.run(["cancel", "-a", "Balie"], check=False)
        subprocess.run([tool("cupsenable"), "Balie"], check=True)


def test_bad_values_get_dutch_messages(desk: Server, page: Any) -> None:
    page.goto(desk.url + "/handout/metaphors/kaart-twee")
    form = page.locator(".item-head form[data-print]")
    form.get_by_label("Exemplaren").fill("9")
    form.get_by_role("button", name="Afdrukken op Kantoor").click()
    form.locator("[data-print-error]").get_by_text("Kies 1 tot 5 exemplaren.").wait_for()
    assert form.locator("[data-print-status]").is_hidden()  # nothing was sent
    status, body = post_print(desk, "metaphors/kaart-twee", {"printer": "Nergens", "copies": "1"})
    assert status == 422 and body == {"errors": {"printer": "Kies een printer uit de lijst."}}
    status, body = post_print(desk, "metaphors/kaart-twee", {"printer": "Kantoor", "copies": "twee"})
    assert status == 422 and body == {"errors": {"copies": "Geef het aantal exemplaren als getal."}}
    status, _, body = get(desk.url + "/afdrukken/Nergens-1")
    assert status == 404


def test_inhoud_warns_when_cups_keeps_job_files(desk: Server, page: Any) -> None:
    page.goto(desk.url + "/inhoud")
    assert page.locator(".print-privacy").count() == 0  # the fixture runs the recommended settings
    subprocess.run([tool("cupsctl"), "PreserveJobFiles=Yes", "PreserveJobHistory=Yes"], check=True)
    try:
        _wait_for(_scheduler_runs, "cupsd")
        page.goto(desk.url + "/inhoud")
        warning = page.locator(".print-privacy")
        assert "naam van de patiënt" in warning.inner_text()
        assert warning.locator("code").inner_text() == FIX_COMMAND
        page.screenshot(path=str(SCREENS / "desk-print-inhoud.png"), full_page=True)
    finally:
        page.goto("about:blank")
        subprocess.run([tool("cupsctl"), "PreserveJobFiles=No", "PreserveJobHistory=No"], check=True)
        _wait_for(_scheduler_runs, "cupsd")


def _scheduler_runs() -> bool:
    result = subprocess.run(["lpstat", "-r"], capture_output=True, text=True)
    return result.stdout.startswith("scheduler is running")


@pytest.mark.parametrize("without", ["lp", "scheduler"])
def test_without_cups_afdrukken_opens_the_print_dialog_from_a_hidden_frame(
    without: str, tmp_path: Path, page: Any
) -> None:
    if without == "lp":
        bare = tmp_path / "bin"  # a PATH without lp, lpstat, cupsctl
        bare.mkdir()
        env = {"PATH": str(bare)}
    else:
        env = {"CUPS_SERVER": str(tmp_path / "nergens.sock")}
    running = Server(make_content(tmp_path / "content"), tmp_path / "dist", env=env)
    try:
        for path in ("/handout/metaphors/glas", "/boekje", "/samen?item=metaphors/glas"):
            page.goto(running.url + path)
            assert page.locator("form[data-print]").count() == 0, path  # no CUPS button
        page.goto(running.url + "/handout/metaphors/glas")
        pages_before = len(page.context.pages)
        page.get_by_role("link", name="Afdrukken", exact=True).click()
        frame = page.locator('iframe[data-print-frame="opened"]')  # its print() was called
        frame.wait_for(state="attached")
        assert frame.get_attribute("src") == f"{running.url}/pdf/metaphors/glas.pdf" and frame.is_hidden()
        assert len(page.context.pages) == pages_before  # no new tab
        page.goto(running.url + "/inhoud")
        assert page.locator(".print-privacy").count() == 0
    finally:
        page.goto("about:blank")
        assert running.stop() == 130

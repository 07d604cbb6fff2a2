"""Printing through a real CUPS to real IPP printers, checked from what the printers received.

The session fixture ``cups`` (tests/cups_fixture.py) starts its own ``cupsd`` and two
``ippeveprinter`` printers, one with duplex and one without, which keep what they receive.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import make_content, run_cli
from cups_fixture import Cups, Printer, _wait_for, job_attributes, received_jobs, tool
from PIL import Image, ImageChops, ImageStat

from handouts import printcmd, printing, printstate
from handouts.content import load
from handouts.desk.printviews import job_label, privacy_text
from handouts.models import Personal
from handouts.printing import PrintError, Queue, plan_booklet, plan_handout
from handouts.printstate import FIX_COMMAND, JobState, privacy_warnings

NAME = "Zwaluwstaart Quintijn"  # a name that appears nowhere else


def print_and_receive(cups: Cups, printer: Printer, plan: printing.PrintPlan) -> tuple[dict[str, str], Path]:
    before = set(received_jobs(printer))
    job = printing.send(plan)
    status = printstate.wait(job, timeout=30)
    assert status.state is JobState.PRINTED, status
    (job_id, path), *more = [(n, p) for n, p in received_jobs(printer).items() if n not in before]
    assert not more
    return job_attributes(cups, printer, job_id), path


def picture(pdf: Path | bytes, index: int) -> Image.Image:
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return document[index].render(scale=0.5, grayscale=True).to_pil().convert("L")
    finally:
        document.close()


def same_pages(received: Path, original: Path | bytes) -> bool:
    """Every page the printer got shows the original's at 100 %, the sheet turned one way for all."""
    count = pages(original)
    if pages(received) != count:
        return False
    got = [picture(received, i) for i in range(count)]
    wanted = [picture(original, i) for i in range(count)]
    return any(
        all(_same(g.rotate(turn, expand=True), w) for g, w in zip(got, wanted, strict=True))
        for turn in (0, 90, 180, 270)
    )


def _same(got: Image.Image, wanted: Image.Image) -> bool:
    if abs(got.size[0] - wanted.size[0]) > 1 or abs(got.size[1] - wanted.size[1]) > 1:
        return False  # another paper size, or scaled (fit to page)
    return ImageStat.Stat(ImageChops.difference(got.resize(wanted.size), wanted)).mean[0] < 2.0


def pages(pdf: Path | bytes) -> int:
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return len(document)
    finally:
        document.close()


def orientations(pdf: Path) -> set[str]:
    """How each received page lies on the A4 sheet: "landscape" when its picture is turned."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return {
            "landscape" if document[i].get_rotation() in (90, 270) else "portrait"
            for i in range(len(document))
        }
    finally:
        document.close()


def cli(capfd: pytest.CaptureFixture[str], cups: Cups, *args: str) -> tuple[int, str]:
    """``handouts print ARGS`` on the fixture's built content: exit status, stderr."""
    return run_cli(capfd, *args, "--content", str(cups.content), "--out", str(cups.out))


def queue(name: str) -> Queue:
    return printing.find_queue(name)


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """``print --wait`` gives up after 30 s here, not 10 minutes."""
    monkeypatch.setattr(printcmd, "WAIT_SECONDS", 30.0)


# --- the rules, without a printer ---------------------------------------------------------------

A4_DUPLEX = Queue("Kantoor", short_edge=True, long_edge=True, a4=True)
A4_LONG_EDGE = Queue("Gang", long_edge=True, a4=True)
A4_SIMPLEX = Queue("Balie", a4=True)


def test_the_booklet_goes_short_edge_or_long_edge_or_not_at_all() -> None:
    short, long = b"short", b"long"
    plan = plan_booklet(A4_DUPLEX, short, long, "Boekje (versie 1)", 20)
    assert plan.document == short and plan.copies == 20 and not plan.note
    expected = {
        "media": "A4",
        "orientation-requested": "4",
        "sides": "two-sided-short-edge",
        "print-scaling": "none",
        "fit-to-page": "false",
        "collate": "true",
    }
    assert dict(plan.options) == expected
    plan = plan_booklet(A4_LONG_EDGE, short, long, "Boekje (versie 1)")
    assert (
        plan.document == long and plan.option("sides") == "two-sided-long-edge" and "long edge" in plan.note
    )
    with pytest.raises(PrintError, match="cannot print two-sided"):
        plan_booklet(A4_SIMPLEX, short, long, "Boekje (versie 1)")
    with pytest.raises(PrintError, match=r"booklet-print-long-edge\.pdf is missing"):
        plan_booklet(A4_LONG_EDGE, short, None, "Boekje (versie 1)")
    with pytest.raises(PrintError, match="1 to 50 copies"):
        plan_booklet(A4_DUPLEX, short, long, "Boekje (versie 1)", 51)
    with pytest.raises(PrintError, match="no A4"):
        plan_booklet(Queue("Letter", short_edge=True), short, long, "Boekje (versie 1)")


def test_privacy_warnings_name_the_setting_and_the_command() -> None:
    assert privacy_warnings({"PreserveJobFiles": "No", "PreserveJobHistory": "No"}) == ()
    assert privacy_warnings({"PreserveJobFiles": "off", "PreserveJobHistory": "0"}) == ()
    kept = privacy_warnings({})  # CUPS's defaults: files for a day, history for ever
    assert [(w.setting, w.value) for w in kept] == [
        ("PreserveJobFiles", "86400"),
        ("PreserveJobHistory", "Yes"),
    ]
    assert FIX_COMMAND == "sudo cupsctl PreserveJobFiles=No PreserveJobHistory=No"
    assert all(FIX_COMMAND in w.english for w in kept)
    assert "patient's name" in kept[0].english and "naam van de patiënt" in privacy_text(kept[0])
    assert privacy_text(kept[1]).endswith("(titel, gebruiker, tijd) (PreserveJobHistory=Yes)")


def test_without_cups_print_says_what_to_install(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp, no lpstat
    content = make_content(tmp_path)
    code, err = run_cli(capfd, "print", "kaart-een", "--content", str(content), "--out", str(tmp_path))
    assert code == 1
    assert "CUPS is not installed" in err and "apt-get install cups cups-client" in err
    code, err = run_cli(capfd, "printers")
    assert code == 1 and "CUPS is not installed" in err


# --- against the real thing -----------------------------------------------------------------------


def test_printers_lists_the_default_first_with_what_each_can_do(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    from handouts.cli import main

    assert main(["printers"]) == 0
    out, err = capfd.readouterr()
    assert out.splitlines() == [
        "Kantoor (default): two-sided (short and long edge), A4",
        "Balie: one-sided only, A4",
    ]
    assert "warning" not in err  # the fixture's cupsd runs the recommended settings


def test_a_booklet_arrives_a4_landscape_short_edge_at_100_percent_collated(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    before = set(received_jobs(cups.duplex))
    code, err = cli(capfd, cups, "print", "booklet", "--copies", "3", "--wait")
    assert code == 0, err
    assert "printed" in err
    (job_id, received), *more = [(n, p) for n, p in received_jobs(cups.duplex).items() if n not in before]
    assert not more
    attributes = job_attributes(cups, cups.duplex, job_id)
    data = load(cups.content)
    assert re.fullmatch(rf"{data.booklets['nl'].title} \(versie [0-9a-f]{{6}}\)", attributes["job-name"])
    assert attributes["sides"] == "two-sided-short-edge"
    assert "media-size={x-dimension=21000 y-dimension=29700}" in attributes["media-col"]
    assert attributes["copies"] == "3"
    assert attributes["multiple-document-handling"] == "separate-documents-collated-copies"
    original = cups.out / "booklet-print.pdf"
    assert pages(received) == pages(original)  # the imposed file, not the reading-order booklet.pdf
    assert orientations(received) == {"landscape"}  # each side turned on the A4 sheet
    assert same_pages(received, original)  # 100 %: not shrunk to fit the printer's margins


def test_a_printer_without_duplex_refuses_the_booklet_and_prints_a_card_one_sided(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    code, err = cli(capfd, cups, "print", "booklet", "--printer", "Balie")
    assert code == 1 and "cannot print two-sided" in err
    plan = plan_handout(
        queue("Balie"), (cups.out / "articles/artikel-een.pdf").read_bytes(), "Artikel (versie 1)"
    )
    attributes, received = print_and_receive(cups, cups.simplex, plan)
    assert attributes["sides"] == "one-sided"  # two pages, but this printer has no duplex
    assert pages(received) == 2


def test_the_long_edge_file_goes_long_edge(cups: Cups) -> None:
    long_only = Queue("Kantoor", long_edge=True, a4=True)  # as a printer that flips only on the long edge
    short, long = (
        (cups.out / "booklet-print.pdf").read_bytes(),
        (cups.out / "booklet-print-long-edge.pdf").read_bytes(),
    )
    attributes, received = print_and_receive(
        cups, cups.duplex, plan_booklet(long_only, short, long, "Boekje (versie 1)")
    )
    assert attributes["sides"] == "two-sided-long-edge"
    assert same_pages(received, long) and not same_pages(received, short)


def test_handouts_arrive_a4_portrait_at_100_percent_duplex_only_with_pages_to_spare(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    before = set(received_jobs(cups.duplex))
    code, err = cli(capfd, cups, "print", "kaart-een", "artikel-een", "--copies", "2", "--wait")
    assert code == 0, err
    new = sorted(n for n in received_jobs(cups.duplex) if n not in before)
    assert len(new) == 2
    data = load(cups.content)
    for job_id, key, sides in zip(
        new,
        ("metaphors/kaart-een", "articles/artikel-een"),
        ("one-sided", "two-sided-long-edge"),
        strict=True,
    ):
        attributes = job_attributes(cups, cups.duplex, job_id)
        item = data.item(key)
        assert item is not None
        assert attributes["job-name"] == f"{item.title} (versie {item.version})"
        assert attributes["sides"] == sides, key
        assert attributes["copies"] == "2"
        assert "media-size={x-dimension=21000 y-dimension=29700}" in attributes["media-col"]
        received, original = received_jobs(cups.duplex)[job_id], cups.out / f"{key}.pdf"
        assert pages(received) == pages(original)
        assert orientations(received) == {"portrait"}
        assert same_pages(received, original)


def test_a_stopped_printer_is_mislukt_and_print_wait_exits_1(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    subprocess.run([tool("cupsdisable"), "-r", "onderhoud", "Balie"], check=True)
    try:
        code, err = cli(capfd, cups, "print", "kaart-twee", "--printer", "Balie", "--wait")
        assert code == 1
        assert "did not print: the queue is stopped" in err and "cupsenable Balie" in err
        job = re.search(r"(Balie-\d+)", err)
        assert job
        status = printstate.job_status(job.group(1))
        assert status.state is JobState.FAILED and job_label(status) == "mislukt: printer gestopt"
        assert queue("Balie").can.endswith("stopped: onderhoud")
    finally:
        subprocess.run(["cancel", "-a", "Balie"], check=False)
        subprocess.run([tool("cupsenable"), "Balie"], check=True)


def test_a_held_job_waits_and_a_broken_document_is_mislukt(cups: Cups) -> None:
    card = (cups.out / "metaphors/kaart-drie.pdf").read_bytes()
    held = plan_handout(queue("Balie"), card, "Kaart (versie 1)")
    held = dataclasses.replace(held, options=(*held.options, ("job-hold-until", "indefinite")))
    broken = dataclasses.replace(held, document=b"%PDF-1.4\nniet af\n", options=held.options[:-1])
    try:
        job = printing.send(held)
        assert job_label(printstate.job_status(job)) == "in de wachtrij: vastgehouden"
        job = printing.send(broken)
        status = printstate.wait(job, timeout=30)
        assert status.state is JobState.FAILED and job_label(status) == "mislukt: fout bij het afdrukken"
    finally:
        subprocess.run(["cancel", "-a", "Balie"], check=False)


def test_unknown_printer_missing_pdf_and_no_scheduler_are_clear_errors(
    cups: Cups, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, err = cli(capfd, cups, "print", "kaart-een", "--printer", "Nergens")
    assert code == 1 and "unknown printer 'Nergens'; CUPS knows: Kantoor, Balie" in err
    code, err = run_cli(capfd, "print", "kaart-een", "--content", str(cups.content), "--out", str(tmp_path))
    assert code == 1 and "is missing: build it first" in err
    with pytest.raises(PrintError, match="cannot ask CUPS about the jobs of 'Nergens': lpstat: Invalid"):
        printstate.job_status("Nergens-1")  # never "afgedrukt" for what CUPS cannot tell
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no.sock"))
    with pytest.raises(PrintError, match="scheduler is not running"):
        printstate.job_status("Kantoor-1")
    code, err = run_cli(capfd, "print", "kaart-een", "--content", str(cups.content), "--out", str(cups.out))
    assert code == 1 and "the CUPS scheduler is not running" in err


def test_a_personalised_card_leaves_no_patient_name_in_cups(cups: Cups) -> None:
    from handouts.desk import personal
    from handouts.pdf import render

    data = load(cups.content)
    chosen = Personal(datetime.date(2025, 6, 1), name=NAME, note=f"Voor {NAME}: elke dag wandelen.")
    result = render(personal.job("metaphors/kaart-een", data, chosen))
    assert result.outputs
    pdf = result.outputs[0][1]
    item = data.item("metaphors/kaart-een")
    assert item is not None
    attributes, received = print_and_receive(
        cups, cups.duplex, plan_handout(queue("Kantoor"), pdf, f"{item.title} (versie {item.version})")
    )
    assert NAME not in attributes["job-name"] and attributes["job-name"].startswith(item.title)
    assert carries_name(received)  # the check below can find it: the printer got the name on paper
    assert privacy_warnings() == ()  # the recommended settings
    leaks = [path for path in cups.root.rglob("*") if path.is_file() and carries_name(path)]
    assert not leaks  # not in the spool, the job history, the cache, nor the logs


def carries_name(path: Path) -> bool:
    """The name in the file's bytes, or on its pages when it is a PDF (text is compressed there)."""
    data = path.read_bytes()
    if NAME.encode() in data or NAME.encode("utf-16-be") in data:
        return True
    if not data.startswith(b"%PDF"):
        return False
    document = pdfium.PdfDocument(data)
    try:
        return any(NAME in document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_kept_job_files_are_warned_about_with_the_command(
    cups: Cups, capfd: pytest.CaptureFixture[str]
) -> None:
    subprocess.run([tool("cupsctl"), "PreserveJobFiles=Yes"], check=True)
    try:
        _wait_for(
            lambda: subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout.startswith(
                "scheduler is running"
            ),
            "cupsd",
        )
        warnings = privacy_warnings()
        assert [(w.setting, w.value) for w in warnings] == [("PreserveJobFiles", "Yes")]
        from handouts.cli import main

        capfd.readouterr()
        assert main(["printers"]) == 0
        assert f"to stop it run: {FIX_COMMAND}" in capfd.readouterr().err
    finally:
        subprocess.run([tool("cupsctl"), "PreserveJobFiles=No"], check=True)
        _wait_for(lambda: _warnings() == [], "cupsd with PreserveJobFiles=No")


def _warnings() -> list[tuple[str, str]] | None:
    """The settings warned about; None while cupsd restarts (as cupsctl makes it)."""
    try:
        return [(w.setting, w.value) for w in privacy_warnings()]
    except PrintError:
        return None

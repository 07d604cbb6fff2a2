"""Handouts printed together are one tagged PDF/UA document, each handout from a new sheet, and
the personal block speaks the handout's language and grows with large print.

The desk is driven with Flask's test client on a real build; what is checked is read back from
the PDF: its structure (pikepdf), the ``pdfua`` checker, the text of each page, the sizes of
the printed characters.
"""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import page_texts
from pdfua import validate
from test_desk import contains, files_written_since, flat, make_content
from test_desk_keep import desk_client
from test_large import read_pages

from handouts.cli import main
from handouts.content import load
from handouts.desk.personal import job
from handouts.models import LARGE, Output, Personal
from handouts.pdf import render
from handouts.plan import make_job

NAME = "Pakjesmaker Zwoelvink"  # distinctive: found nowhere unless the desk keeps it
# pdfua 0.1.3 with pikepdf 10: its empty-heading rule raises on a /K array (see test_print.py)
PDFUA_BROKEN_RULES = {"UA-14-001"}
SECTIONS = ["Opbouwen", "Volhouden", "Terugvallen", "Slapen", "Bewegen", "Eten", "Werken", "Sporten"]
PARAGRAPH = (
    "Wie na een blessure weer begint, doet dat het best met kleine stappen die elke week een beetje "
    "groter worden. Je lichaam past zich aan wat je het vraagt, en het heeft daar tijd voor nodig. "
)
LONG = (
    "---\ntitle: Lang volhouden na een blessure\nsummary: Wie lang volhoudt, herstelt beter.\n"
    "author: Tim Willems\ndate: 2025-06-01\nkey_points:\n  - Hou vol.\n---\n\n"
    "Hou vol, ook als het tegenzit.\n"
    + "".join(f"\n## {title}\n\n" + (PARAGRAPH * 4 + "\n\n") * 4 for title in SECTIONS)
)
FRENCH_CARD = """\
---
title: Le verre d'eau
summary: Les plaintes apparaissent quand votre verre est trop plein.
order: 1
---

## L'image

Votre corps est un verre. Tout ce que vous vivez, c'est de l'eau.

## Qu'est-ce que cela signifie pour vous ?

La douleur est une alarme. Elle ne dit pas toujours combien il y a de dégâts.

## Que pouvez-vous faire vous-même ?

- Dormez assez.
- Marchez un quart d'heure chaque jour.
- Notez ce qui aggrave votre douleur.
"""
PACK = ["metaphors/glas", "metaphors/oke", "articles/opbouwen", "articles/lang"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cards, a one-page article, a long article and a French card, built once."""
    root = tmp_path_factory.mktemp("pack")
    content = make_content(root / "content")
    (content / "articles" / "lang.md").write_text(LONG, encoding="utf-8")
    (content / "metaphors" / "glas.fr.md").write_text(FRENCH_CARD, encoding="utf-8")
    assert main(["build", "--content", str(content), "--out", str(root / "dist"), "-q", "--jobs", "2"]) == 0
    return root


@pytest.fixture(scope="module")
def client(root: Path) -> Any:
    return desk_client(root)


def test_handouts_printed_together_each_start_on_a_new_sheet(root: Path, client: Any) -> None:
    started = time.time() - 2
    answer = client.post("/samen", data={"item": PACK, "datum": "2026-11-30", "naam": NAME})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pages = [flat(text) for text in page_texts(answer.data)]
    long_pages = len(page_texts(root / "dist" / "articles" / "lang.pdf"))
    assert long_pages >= 4 and len(page_texts(root / "dist" / "articles" / "opbouwen.pdf")) == 1
    # card, blank, card, blank, article, blank, the long article: each starts on a front page
    assert len(pages) == 6 + long_pages, [p[:40] for p in pages]
    assert "Het glas water" in pages[0] and "Oké zijn met rust" in pages[2]
    assert "Rustig opbouwen na een blessure" in pages[4] and "Lang volhouden na een blessure" in pages[6]
    assert [i for i, text in enumerate(pages) if not text.strip()] == [1, 3, 5]  # blank: nothing on it
    assert all("Bouw rustig op" not in text for text in pages[6:])  # each handout on its own pages
    assert SECTIONS[-1] in " ".join(pages[6:])
    assert "pagina 1 van 1" in pages[4] and f"pagina {long_pages} van {long_pages}" in pages[-1]
    # the patient's name: once, in the first handout's personal block, and nowhere on disk
    assert sum(text.count(NAME) for text in pages) == 1 and f"Voor {NAME}" in pages[0]
    needles = [NAME.split()[1].encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")]
    roots = {root, Path(tempfile.gettempdir())}
    assert not [p for p in files_written_since(roots, started) if contains(p, needles)]


def test_handouts_printed_together_are_one_tagged_pdfua_document(client: Any, tmp_path: Path) -> None:
    answer = client.post("/samen", data={"item": PACK, "datum": "2026-11-30"})
    assert answer.status_code == 200
    pdf = tmp_path / "samen.pdf"
    pdf.write_bytes(answer.data)
    report = validate(str(pdf))
    assert not [f"{f.rule_id}: {f.message}" for f in report.findings]
    assert {o.rule_id for o in report.outcomes if o.skipped_reason} <= PDFUA_BROKEN_RULES
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "nl"
        assert document.Root.MarkInfo.Marked and "/StructTreeRoot" in document.Root
        assert b"pdfuaid:part" in document.Root.Metadata.read_bytes()
        assert str(document.docinfo.Title) == "Samen: Het glas water en 3 andere"
        headings = _roles(document.Root.StructTreeRoot).count("/H1")
    assert headings == len(PACK)  # every handout's title is in the one structure tree


def test_a_pack_with_a_handout_kept_from_its_last_good_pdf_is_one_tagged_document_too(
    root: Path, tmp_path: Path
) -> None:
    """A card whose text has an error prints from its last good PDF: the pack is joined from PDFs,
    each part's structure tree under one root, and reads back as tagged as the rendered pack."""
    folder = tmp_path / "pack"
    shutil.copytree(root, folder)
    card = folder / "content" / "metaphors" / "oke.md"
    card.write_text(card.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    client = desk_client(folder)  # builds: oke.md has an error, its last good PDF is kept
    started = time.time() - 2
    answer = client.post("/samen", data={"item": PACK, "datum": "2026-11-30", "naam": NAME})
    assert answer.status_code == 200
    pages = [flat(text) for text in page_texts(answer.data)]
    assert f"Voor {NAME}" in pages[0] and "Oké zijn met rust" in pages[2] and not pages[1].strip()
    needles = [NAME.split()[1].encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")]
    written = files_written_since({folder, Path(tempfile.gettempdir())}, started)
    assert not [p for p in written if contains(p, needles)]  # joined in memory: the name is nowhere
    pdf = tmp_path / "samen.pdf"
    pdf.write_bytes(answer.data)
    report = validate(str(pdf))
    assert not [f"{f.rule_id}: {f.message}" for f in report.findings]
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "nl" and document.Root.MarkInfo.Marked
        assert document.Root.ViewerPreferences.DisplayDocTitle
        assert str(document.docinfo.Title) == "Samen: Het glas water en 3 andere"
        metadata = document.Root.Metadata.read_bytes()
        assert b"pdfuaid:part" in metadata and b">Samen: Het glas water en 3 andere<" in metadata
        tree = document.Root.StructTreeRoot
        assert [str(kid.S) for kid in tree.K] == ["/Document"] * len(PACK)
        assert _roles(tree).count("/H1") == len(PACK)
        assert structure_problems(document) == []


def structure_problems(document: Any) -> list[str]:
    """What does not hold together in a tagged PDF: a page with content but no /StructParents,
    a parent-tree entry whose elements lie on another page, a link whose annotation is not the
    one its structure element names, an element whose /P is not its parent."""
    nums = list(document.Root.StructTreeRoot.ParentTree.Nums)
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    found = []
    for number, page in enumerate(document.pages, 1):
        key = page.obj.get("/StructParents")
        if key is None:
            contents = page.obj.get("/Contents")
            streams = (
                contents
                if isinstance(contents, pikepdf.Array)
                else [contents]
                if contents is not None
                else []
            )
            if any(b"BDC" in stream.read_bytes() for stream in streams):  # tagged content, no tree
                found.append(f"page {number}: tagged content, no /StructParents")
            continue
        for element in parents[int(key)]:
            if (
                isinstance(element, pikepdf.Dictionary)
                and "/Pg" in element
                and element.Pg.objgen != page.obj.objgen
            ):
                found.append(f"page {number}: an element of another page")
        for annotation in page.obj.get("/Annots", []):
            link = parents[int(annotation.StructParent)]
            kids = link.K if isinstance(link.K, pikepdf.Array) else [link.K]
            named = [kid.Obj.objgen for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/Obj" in kid]
            if annotation.objgen not in named:
                found.append(f"page {number}: a link annotation its element does not name")

    def walk(node: Any) -> None:
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                if kid.P.objgen != node.objgen:
                    found.append(f"{kid.S}: /P is not its parent")
                walk(kid)

    walk(document.Root.StructTreeRoot)
    return found


def _roles(node: Any) -> list[str]:
    """The roles of the structure elements under ``node``, depth first."""
    kids = node.get("/K")
    if kids is None:
        return []
    kids = kids if isinstance(kids, pikepdf.Array) else [kids]
    roles = []
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            roles.append(str(kid.S))
            roles += _roles(kid)
    return roles


def personalised(root: Path, key: str, personal: Personal, variant: str = "standard") -> bytes:
    """The desk's personalised PDF of ``key``, rendered as the desk renders it (its job, a worker's
    render); the desk lists translations to print as they are, so this asks for it directly."""
    data = load(root / "content")
    made = job(key, data, personal)
    if variant == LARGE:  # the same HTML, with large print's stylesheets
        output = data.item(key).output  # type: ignore[union-attr]
        large = make_job(Output(output.kind, output.slug, output.lang, LARGE), data, "0" * 64)
        made = dataclasses.replace(large, html=made.html)
    result = render(made)
    assert result.outputs is not None, result.problems
    return result.outputs[0][1]


def test_a_french_card_gets_a_french_personal_block(root: Path) -> None:
    day = datetime.date(2026, 11, 30)
    [text] = [flat(t) for t in page_texts(personalised(root, "fr/metaphors/glas", Personal(day, "Marie")))]
    assert "Le verre d" in text and "Pour Marie · 30 novembre 2026" in text, text
    assert "Voor" not in text and "november" not in text
    [anonymous] = page_texts(personalised(root, "fr/metaphors/glas", Personal(day)))
    assert "Conseils personnalisés" in flat(anonymous) and "Persoonlijk advies" not in flat(anonymous)
    [dutch] = page_texts(personalised(root, "metaphors/glas", Personal(day, "Marie")))
    assert "Voor Marie · 30 november 2026" in flat(dutch)  # Dutch stays Dutch


def test_the_personal_block_grows_in_large_print(root: Path, tmp_path: Path) -> None:
    note = "Elke ochtend tien minuten wandelen."
    personal = Personal(datetime.date(2026, 11, 30), "Bertha", "An Peeters", note)
    for variant, least in (("standard", 11.9), (LARGE, 16)):
        pdf = tmp_path / f"{variant}.pdf"
        pdf.write_bytes(personalised(root, "articles/opbouwen", personal, variant))
        chars = [c for c in read_pages(pdf)[0] if not c.drawing]
        text = "".join(c.text for c in chars)
        for words in ("Bertha", "2026", "Peeters", "ochtend", "wandelen"):
            at = text.index(words)
            sizes = {c.size for c in chars[at : at + len(words)]}
            assert min(sizes) >= least, (variant, words, sizes)

"""How an A4 article ends: its reference list, and a last page that is more than the QR block.

An article online keeps its reference list there: the handout prints one line that points to
it (as the booklet does). An article without a ``url`` prints the whole list. Read back from
the PDF pages.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CONTENT, SAMPLE, make_content, page_texts

from handouts.cli import main

ARTICLES = sorted(p.stem for p in (CONTENT / "articles").glob("*.md") if "." not in p.stem)
REFERENCES = [
    "Auteur, A. (2020). Een boek.",
    "Tweede, B. (2021). Een artikel.",
    "Derde, C. (2022). Een rapport.",
]
NOTE = "De bronnen staan bij het artikel op "
QR_HEADING = "Meer weten?"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufffe", "").replace("\u200b", "")).strip()


def build(content: Path, out: Path, *items: str) -> Path:
    assert main(["build", "--content", str(content), "--out", str(out), "--jobs", "1", "-q", *items]) == 0
    return out


def body_of_last_page(pdf: Path) -> list[str]:
    """The lines of the last page above the QR block (the running footer left out)."""
    lines = page_texts(pdf)[-1].splitlines()
    footer = re.compile(r"pagina \d+ van \d+|^versie |^Nagekeken ")
    above = lines[: lines.index(QR_HEADING)] if QR_HEADING in lines else lines
    return [flat(line) for line in above if flat(line) and not footer.search(line)]


def test_an_article_online_prints_one_line_for_its_references_and_one_offline_the_list(
    tmp_path: Path,
) -> None:
    references = "".join(f"- {r}\n" for r in REFERENCES[1:])
    online = SAMPLE["articles/artikel-een.md"] + references
    offline = SAMPLE["articles/artikel-twee.md"] + references
    files = {"articles/artikel-een.md": online, "articles/artikel-twee.md": offline}
    content = make_content(tmp_path, {"booklet.yml": None, **files})
    out = build(content, tmp_path / "dist", "articles/artikel-een", "articles/artikel-twee")
    shown = flat(" ".join(page_texts(out / "articles" / "artikel-een.pdf")))
    assert "Bronnen " + NOTE + "www.proef.example/blog/artikel-een." in shown
    assert not any(reference in shown for reference in REFERENCES)
    shown = flat(" ".join(page_texts(out / "articles" / "artikel-twee.pdf")))
    assert all(reference in shown for reference in REFERENCES) and NOTE not in shown


@pytest.mark.parametrize("slug", ARTICLES)
def test_no_article_ends_on_a_page_with_only_the_qr_block_or_a_rest_of_its_references(
    built: Path, slug: str
) -> None:
    source = (CONTENT / "articles" / f"{slug}.md").read_text(encoding="utf-8")
    lines = body_of_last_page(built / "articles" / f"{slug}.pdf")
    assert lines, f"{slug}: the last page holds only the QR block"
    if "## Bronnen" in source:
        # the whole list (or the line pointing to it) stands on the last page, from its heading
        assert "Bronnen" in lines, f"{slug}: the last page holds a rest of the references: {lines}"
        if re.search(r"^url: ", source, re.M):
            assert lines.index("Bronnen") > 0, f"{slug}: the last page holds no text of the article"


def test_kinesist_rugpijn_takes_fewer_pages_for_its_references_online(built: Path, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    article = content / "articles" / "kinesist-rugpijn.md"
    text = article.read_text(encoding="utf-8")
    assert re.search(r"^url: .*\n", text, re.M)
    article.write_text(re.sub(r"^url: .*\n", "", text, flags=re.M), encoding="utf-8")
    out = build(content, tmp_path / "dist", "articles/kinesist-rugpijn")
    offline = out / "articles" / "kinesist-rugpijn.pdf"
    online = built / "articles" / "kinesist-rugpijn.pdf"
    assert len(page_texts(online)) < len(page_texts(offline))
    assert len(page_texts(online)) <= 7  # it took 8 A4 pages with the whole list

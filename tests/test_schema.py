"""The content schema is declared once: the models, the hints and the README follow it."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
from conftest import CONTENT, PROJECT

from handouts import glyphs, i18n
from handouts.content import load
from handouts.models import Article, Booklet, Metaphor, Output, Practice, Section
from handouts.schema import SCHEMAS, SameAs, Schema, field_table
from handouts.verdict import Verdict

# What a model holds beyond its file's fields: where it came from, its text, its pictures.
FROM_THE_FILE = {
    Practice: set(),
    Article: {"slug", "path", "body", "body_line", "text", "lang", "digest", "images"},
    Metaphor: {"slug", "path", "body", "body_line", "text", "lang", "digest", "images"},
    Booklet: {"path", "lang", "text"},
    Section: set(),
}


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.file)
def test_a_model_has_exactly_the_fields_of_its_schema_with_its_defaults(schema: Schema) -> None:
    model_fields = {f.name: f for f in dataclasses.fields(schema.model)}
    assert set(model_fields) == set(schema.names) | FROM_THE_FILE[schema.model]
    hints = typing.get_type_hints(schema.model)
    for spec in schema.fields:
        model_field, hint = model_fields[spec.name], hints[spec.name]
        if spec.required or isinstance(spec.default, SameAs):
            assert model_field.default is dataclasses.MISSING, spec.name
            assert type(None) not in typing.get_args(hint), f"{spec.name} may be None: {hint}"
        else:
            assert model_field.default == spec.default, spec.name
            if spec.default is None:
                assert type(None) in typing.get_args(hint), spec.name


def test_the_readme_field_table_is_the_schema() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- fields: start -->\n", 1)[1].split("<!-- fields: end -->", 1)[0]
    assert table == field_table(), "regenerate it: python -c 'from handouts.schema import field_table; ...'"
    assert "| `practice.yml` | `review_interval_months` | whole number |  | `24` |" in table


def test_an_unknown_field_is_named_with_the_closest_field_of_the_schema(sample: Path) -> None:
    card = sample / "metaphors" / "kaart-een.md"
    card.write_text(card.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    [problem] = [p for p in load(sample).problems if p.path.endswith("kaart-een.md") and "titel" in p.message]
    assert problem.message == "unknown field 'titel'"
    assert problem.hint == "did you mean 'title'?"


def test_no_loaded_model_holds_none_where_its_type_says_text() -> None:
    data = load(CONTENT)
    assert data.practice is not None and data.items and data.booklets
    models: list[object] = [data.practice, *data.items.values()]
    for booklet in data.booklets.values():
        models += [booklet, *booklet.sections]
    for model in models:
        hints = typing.get_type_hints(type(model))
        for name, hint in hints.items():
            if hint is str:
                assert isinstance(getattr(model, name), str), (model, name)


def test_the_verdict_reads_every_layer_the_same_way_for_check_and_build(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fr = sample / "metaphors" / "kaart-een.fr.md"
    fr.write_text((sample / "metaphors" / "kaart-een.md").read_text(encoding="utf-8"), encoding="utf-8")
    broken = sample / "metaphors" / "kaart-twee.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    calls: list[list[str]] = []
    real = i18n.check_catalogues

    def counted(langs: typing.Iterable[str] = i18n.LANGUAGES) -> dict[str, list[typing.Any]]:
        calls.append(list(langs))
        return real(langs)

    monkeypatch.setattr(i18n, "check_catalogues", counted)
    verdict = Verdict.of(sample)
    assert verdict.buildable(Output.parse("fr/metaphors/kaart-een"))
    assert not verdict.buildable(Output.parse("metaphors/kaart-twee"))
    assert verdict.buildable(Output.parse("large/metaphors/kaart-een"))
    assert set(verdict.checked) >= {*verdict.content.problems, *verdict.review}
    assert all(p.severity == "warning" for p in verdict.review) and verdict.review
    assert verdict.built(["nl"]) == list(verdict.content.problems)
    verdict.catalogues()
    assert sorted(lang for langs in calls for lang in langs) == sorted(i18n.LANGUAGES), "each one once"


def test_the_desk_finds_the_signs_the_font_cannot_draw() -> None:
    assert glyphs.unprintable("Jeanne d'Arc, 3 keer per dag 💪") == ["💪"]
    assert glyphs.unprintable("Élodie Müller-Ørsted\tnotitie") == []

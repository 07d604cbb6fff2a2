"""The fixed texts of the handouts in each language: gettext catalogues, read with Babel.

Dutch is the source language: the msgids are the Dutch texts, and a Dutch handout needs no
catalogue. ``handouts/locale/<lang>/LC_MESSAGES/messages.po`` holds each translation; it is
compiled in memory when first used, so no generated ``.mo`` file is kept in the repository.
``check`` compares every catalogue with the strings extracted from the templates and the
Python code (the same extraction as ``pybabel extract -F babel.cfg``).
"""

from __future__ import annotations

import datetime
import functools
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .models import (
    DEFAULT_LANG,
    LANGUAGES,
    METAPHORS,
    WARNING,
    Content,
    Edition,
    Output,
    PartialDate,
    Problem,
)
from .paths import PACKAGE, TEMPLATES, display

LOCALE = Path(__file__).resolve().parent / "locale"
MARKED = re.compile(rb"(?<![\w.])(N_|_|gettext|ngettext|pgettext)\(")  # a Python file with texts to translate
UPDATE_HINT = (
    "add it to the catalogue: pybabel extract -F babel.cfg -o handouts/locale/messages.pot . "
    "&& pybabel update -i handouts/locale/messages.pot -d handouts/locale, then write its msgstr"
)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a Dutch text for translation where it is defined; translate it where it is shown."""
    return message


def catalogue_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


@functools.cache
def language_name(lang: str) -> str:
    """The language's English name, for messages: "French"."""
    from babel import Locale

    return str(Locale.parse(lang).get_display_name("en"))


def catalogue_stamp(lang: str) -> int:
    """Changes when the language's catalogue is edited (``watch`` reloads it then)."""
    try:
        return catalogue_path(lang).stat().st_mtime_ns
    except OSError:
        return 0


def translations(lang: str) -> object:
    """The gettext translations of one language (a ``babel.support.Translations``).

    Dutch, the source language, translates every text to itself. Fuzzy entries are not used:
    a text whose translation is only a guess stays a ``check`` error until someone writes it.
    """
    return _translations(catalogue_path(lang), catalogue_stamp(lang), lang)


@functools.cache
def _translations(path: Path, stamp: int, lang: str) -> object:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    if lang == DEFAULT_LANG or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(lang: str, message: str) -> str:
    return str(translations(lang).gettext(message))  # type: ignore[attr-defined]


def month_year(date: datetime.date | PartialDate, lang: str) -> str:
    """ "juni 2025", "juin 2025", "June 2025": the month as a word stands alone (no day)."""
    from babel.dates import format_date

    day = date.first_day if isinstance(date, PartialDate) else date
    return str(format_date(day, "LLLL y", locale=lang))


def edition_text(edition: Edition, lang: str) -> str:
    """ "juni 2025 · 02a502", "juin 2025 · 02a502", "June 2025 · 02a502"; or "02a502"."""
    return edition.text(lang)


def long_date(date: datetime.date, lang: str) -> str:
    """ "30 november 2026", "30 novembre 2026", "30 November 2026"."""
    from babel.dates import format_date

    return str(format_date(date, "d MMMM y", locale=lang))


def template_messages() -> dict[str, list[tuple[str, int]]]:
    """Every translatable text in the templates and the code, with where it is used.

    The same extraction as ``babel.cfg`` (the Python code, the Jinja2 templates, trimmed),
    in-process and on the folders as this installation has them: a checkout or an installed
    package. Two shortcuts keep ``check`` quick: the extractors are named directly (no search
    of the installed packages' entry points), and a Python file that marks no text is not parsed.
    """
    from babel.messages.extract import extract_from_dir, extract_python
    from jinja2.ext import babel_extract

    def python(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Any:
        data = fileobj.read()
        if not MARKED.search(data):
            return []
        return extract_python(io.BytesIO(data), keywords, comment_tags, options)

    sources: list[tuple[Path, list[tuple[str, Any]], dict[str, dict[str, str]]]] = [
        (PACKAGE, [("desk/**", "ignore"), ("**.py", python)], {}),  # the desk's words: desk/words.py
        (TEMPLATES, [("desk/**", "ignore"), ("**.html", babel_extract)], {"**.html": {"trimmed": "true"}}),
    ]
    found: dict[str, list[tuple[str, int]]] = {}
    for folder, method_map, options_map in sources:
        for filename, line, message, _comments, _context in extract_from_dir(folder, method_map, options_map):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append((f"{folder.name}/{filename}", line))
    return found


def check_catalogues(langs: Iterable[str] = LANGUAGES) -> dict[str, list[Problem]]:
    """For each language, a problem for every text without a translation (or a fuzzy one).

    Also reported: a catalogue that is missing or unreadable, and a translation whose
    placeholders (``%(phone)s``) differ from the Dutch text's.
    """
    from babel.messages.pofile import PoFileError, read_po
    from jinja2 import TemplateSyntaxError

    langs = [lang for lang in langs if lang != DEFAULT_LANG]
    found: dict[str, list[Problem]] = {}
    try:
        messages = template_messages() if langs else {}
    except TemplateSyntaxError as exc:  # the texts cannot be read: every language is unknown
        where = display(Path(exc.filename)) if exc.filename else "templates"
        problem = Problem(where, exc.lineno, f"template error: {exc.message}")
        return {lang: [problem] for lang in langs[:1]}
    for lang in langs:
        problems = found.setdefault(lang, [])
        path = catalogue_path(lang)
        name = language_name(lang)
        where = display(path)
        if not path.is_file():
            hint = f"create it: pybabel init -i handouts/locale/messages.pot -d handouts/locale -l {lang}"
            problems.append(Problem(where, None, f"the {name} catalogue is missing", hint))
            continue
        try:
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, abort_invalid=True)
        except (PoFileError, ValueError, OSError) as exc:
            problems.append(Problem(where, None, f"the {name} catalogue cannot be read: {exc}"))
            continue
        for msgid in sorted(messages):
            entry = catalog.get(msgid)
            if entry is None:
                problems.append(Problem(where, None, f"no {name} translation for {msgid!r}", UPDATE_HINT))
            elif not entry.string or entry.fuzzy:
                state = "only a fuzzy (unchecked)" if entry.string else "no"
                hint = "write its msgstr" + (" and remove the '#, fuzzy' line" if entry.fuzzy else "")
                message = f"{state} {name} translation for {msgid!r}"
                problems.append(Problem(where, entry.lineno, message, hint))
        for entry, errors in catalog.check():
            for error in errors:
                problems.append(Problem(where, entry.lineno, f"the translation of {entry.id!r}: {error}"))
    return found


def missing_translations(content: Content) -> list[Problem]:
    """A warning for every Dutch card without a translation into each other language.

    Only cards: the articles are long, and their QR codes lead to the Dutch website anyway.
    Only the languages the content folder translates into at all: a practice that prints
    only Dutch gets no warnings.
    """
    used = {Output.parse(key).lang for key in content.sources}
    problems = []
    for key, path in sorted(content.sources.items()):
        output = Output.parse(key)
        if output.kind != METAPHORS or output.lang != DEFAULT_LANG:
            continue
        for lang in LANGUAGES:
            translation = Output(output.kind, output.slug, lang).key
            if lang != DEFAULT_LANG and lang in used and translation not in content.sources:
                problems.append(
                    Problem.of(
                        display(path),
                        None,
                        "no {language} translation ({file})",
                        severity=WARNING,
                        language=language_name(lang),
                        lang=lang,
                        file=f"{output.slug}.{lang}.md",
                    )
                )
    return problems

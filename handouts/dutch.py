"""The content problems in Dutch, for the desk: the command line says them in English.

A ``Problem`` made with ``Problem.of`` keeps its English template and values; the Dutch
rendering of the template is in the gettext catalogue ``locale/nl/LC_MESSAGES/problems.po``
(domain "problems": its msgids are the English templates, its msgstrs Dutch). A problem whose
template is not in that catalogue stays English, marked ``translated=False``, so the desk can
mark it (``lang="en"``) and a test can list what is not translated yet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .i18n import LOCALE
from .linkcheck import BAD_CERTIFICATE, NO_ANSWER
from .models import Problem, fill

CATALOGUE = LOCALE / "nl" / "LC_MESSAGES" / "problems.po"


@dataclass(frozen=True)
class Dutch:
    """One problem as the desk shows it: the message and hint in Dutch where translated."""

    problem: Problem
    message: str
    hint: str
    translated: bool  # the message is Dutch (False: English, the template is not in the catalogue)
    hint_translated: bool


def catalogue() -> dict[str, str]:
    """English template -> Dutch template, from ``problems.po`` (fuzzy entries left out)."""
    try:
        stamp = CATALOGUE.stat().st_mtime_ns
    except OSError:
        return {}
    return _read(CATALOGUE, stamp)


@functools.cache
def _read(path: Path, stamp: int) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        found = read_po(handle, locale="nl")
    return {
        str(entry.id): str(entry.string)
        for entry in found
        if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy
    }


def language_name(lang: str) -> str:
    """ "Frans", "Engels": a language as the desk names it."""
    from babel import Locale

    return str(Locale.parse(lang).get_display_name("nl")).capitalize()


def dutch(problem: Problem) -> Dutch:
    """``problem`` in Dutch, as far as the catalogue goes; English where it does not."""
    found = catalogue()
    params: dict[str, object] = dict(problem.params)
    if "lang" in params:
        params["taal"] = language_name(str(params["lang"]))
    if isinstance(params.get("reason"), str):  # why an address failed: "the connection was refused"
        params["reason"] = reason(str(params["reason"]), found)
    message = found.get(problem.template or problem.message)
    hint = found.get(problem.hint_template or problem.hint) if problem.hint else ""
    return Dutch(
        problem,
        fill(message, params) if message else problem.message,
        fill(hint, params) if hint else problem.hint,
        translated=message is not None,
        hint_translated=not problem.hint or hint is not None,
    )


REASONS = (NO_ANSWER, BAD_CERTIFICATE)  # why an address failed, with a value in it (linkcheck)


def reason(said: str, found: dict[str, str]) -> str:
    """A link check's reason in Dutch where the catalogue has it ("404 Not Found" stays)."""
    if said in found:
        return found[said]
    for template in REASONS:
        pattern = re.escape(template).replace(r"\{seconds\}", "(?P<seconds>[0-9.]+)")
        pattern = pattern.replace(r"\{detail\}", "(?P<detail>.*)")
        match = re.fullmatch(pattern, said)
        if match and template in found:
            return fill(found[template], match.groupdict())
    return said


def untranslated(problems: Iterable[Problem]) -> list[str]:
    """The English templates among ``problems`` (messages and hints) without a Dutch one."""
    found = catalogue()
    missing = []
    for problem in problems:
        for text in (problem.template or problem.message, problem.hint_template or problem.hint):
            if text and text not in found and text not in missing:
                missing.append(text)
    return missing


FOLLOW_ON = frozenset(  # problems that follow from another one, said before them
    {
        "missing required field '{field}'",  # after "unknown field 'titel'": the typo is the cause
        "'{item}' has errors, so the booklet is not built",  # after the item's own errors
    }
)


def cause_first(problems: Iterable[Problem]) -> list[Problem]:
    """Errors before warnings; within each, the causes before what follows from them (a field
    missing after a misspelt one, the booklet refused after its item's errors), then by file."""

    def order(problem: Problem) -> tuple[bool, bool, bool, str, int]:
        booklet = Path(problem.path).name.startswith("booklet")
        follows = problem.template in FOLLOW_ON
        return (not problem.is_error, follows, booklet, problem.path, problem.line or 0)

    return sorted(problems, key=order)

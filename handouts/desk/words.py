"""The desk's own words, through gettext: domain "desk", the msgids are the Dutch texts.

The desk speaks Dutch, the source language, so its words need no catalogue: they are written
in Dutch where they are used, marked for translation the gettext way (``_()`` and ``ngettext()``
in the code, ``{% trans %}`` and ``_()`` in ``templates/desk/``), and looked up at the moment
they are shown, in the translations the app was made with (``create_app(words=...)``).
``pybabel extract -F babel-desk.cfg -o desk.pot .`` collects them for a translator.

A text defined at import time (an error page's title, a form's message) is marked with ``N_``
where it is written and translated with ``_`` where it is shown. The handouts' own texts are
another domain ("messages", ``handouts/i18n.py``): ``check`` asks French and English for those,
never for the desk's.

The page's script gets its few words from the page (``script_words``), so they go through the
same catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from flask import current_app, has_app_context

WORDS = "handouts.desk.words"  # the key in app.extensions


class Translations(Protocol):
    """What the desk needs of a gettext translations object (``babel.support.Translations``)."""

    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class AsWritten:
    """Dutch, the source language: every text is its own translation."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a Dutch text where it is defined; ``_`` translates it where it is shown."""
    return message


def current() -> Translations:
    """The translations of the app handling this request (Dutch outside one)."""
    if has_app_context():
        found = current_app.extensions.get(WORDS)
        if found is not None:
            return found
    return AsWritten()


def _(message: str, **values: Any) -> str:
    """``message`` in the desk's language, its ``%(name)s`` placeholders filled with ``values``."""
    said = current().gettext(message)
    return said % values if values else said


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n``; ``%(count)s`` is ``n``, the other placeholders ``values``."""
    return current().ngettext(singular, plural, n) % {"count": n, **values}


def install(env: Any) -> None:
    """Give a Jinja2 environment ``_``, ``ngettext`` and ``{% trans %}`` over ``current()``."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(
        lambda message: current().gettext(message),
        lambda singular, plural, n: current().ngettext(singular, plural, n),
        newstyle=True,
    )


# The words the page's script writes itself, by name. Each is a (singular, plural) pair or one text.
SCRIPT_WORDS: Mapping[str, str | tuple[str, str]] = {
    "choose": N_("Kies handouts om ze samen af te drukken."),
    "chosen": (N_("%(count)s handout gekozen."), N_("%(count)s handouts gekozen.")),
    "found": (N_("%(count)s handout gevonden"), N_("%(count)s handouts gevonden")),
    "listed": (N_("%(count)s handout"), N_("%(count)s handouts")),
    "counter": N_("%(count)s van %(max)s tekens"),
    "search_failed": N_("Zoeken lukt nu niet. Draait het programma nog?"),
    "no_answer": N_("De desk antwoordt niet. Draait het programma nog?"),
    "wait": N_("Even geduld…"),
    "make_pdf": N_("Maak PDF"),
    "failed": N_("Dit lukte niet."),
    "failed_reload": N_("Dit lukte niet. Laad de pagina opnieuw en probeer nog eens."),
    "copied": N_("Gekopieerd."),
    "selected": N_("Geselecteerd: druk Ctrl+C om te kopiëren."),
    "sending": N_("Versturen…"),
    "unknown": N_("Onbekend"),
    "print": N_("Afdrukken"),
}


def script_words() -> dict[str, str | dict[str, str]]:
    """``SCRIPT_WORDS`` translated, for ``<body data-words>``: a pair becomes ``{"one", "other"}``
    (the script fills in ``%(count)s`` and ``%(max)s``)."""
    said = current()
    words: dict[str, str | dict[str, str]] = {}
    for name, text in SCRIPT_WORDS.items():
        if isinstance(text, tuple):
            one, other = text
            words[name] = {"one": said.ngettext(one, other, 1), "other": said.ngettext(one, other, 2)}
        else:
            words[name] = said.gettext(text)
    return words

"""A handout personalised at the desk: for whom, when, from whom, a note, the tips that apply.

Everything here lives for one request: the personal values go into the HTML, the HTML goes to
a render worker through a pipe, and the PDF comes back as bytes. Nothing is written anywhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from ..html import long_date
from ..models import Content, Metaphor, Personal, Practice
from .words import _, ngettext

if TYPE_CHECKING:
    from ..pdf import RenderJob

NOTE_MAX = 400  # characters
NAME_MAX = 80
# The note on a card: 12 pt text in a box about 155 mm wide, 1.5 lines.
NOTE_LINE_MM = 12 * 1.5 * 25.4 / 72
NOTE_CHARS_PER_LINE = 70


def therapists(practice: Practice | None) -> tuple[str, ...]:
    """The practice's therapists (``therapists:`` in practice.yml), if it lists them."""
    return practice.therapists if practice else ()


class Handed(Protocol):
    """What the record line names of a handout: an item, or the desk's entry of a broken one."""

    @property
    def title(self) -> str: ...
    @property
    def version(self) -> str: ...


def record_line(items: Sequence[Handed], personal: Personal) -> str:
    """The line for the patient file: what was handed out, when, by whom. Never the patient's name."""
    parts = [
        _("%(title)s (versie %(version)s)", title=item.title, version=item.version)
        if item.version
        else item.title
        for item in items
    ]
    parts.append(long_date(personal.date))
    if personal.therapist:
        parts.append(personal.therapist)
    return _("Meegegeven: %(what)s", what=", ".join(parts))


def job(key: str, data: Content, personal: Personal | None) -> RenderJob:
    """The render job of one handout, with the personal block when ``personal`` is given."""
    from ..html import render_item
    from ..plan import make_job

    item = data.item(key)
    assert item is not None
    plain = make_job(item.output, data, hashlib.sha256(key.encode()).hexdigest())
    if personal is None:
        return plain
    if not isinstance(item, Metaphor):
        personal = dataclasses.replace(personal, ticked=())
    return dataclasses.replace(plain, html=render_item(item, data, personal))


def pack_title(titles: Sequence[str]) -> str:
    """The title of handouts printed together (the PDF's, the printer list's):
    "Samen: Het glas water en 2 andere"; one handout keeps its own."""
    if len(titles) == 1:
        return titles[0]
    more = len(titles) - 1
    return ngettext(
        "Samen: %(title)s en %(count)s andere", "Samen: %(title)s en %(count)s andere", more, title=titles[0]
    )


def pack_job(keys: Sequence[str], data: Content, personal: Personal, title: str) -> RenderJob:
    """Several handouts as one render job, so one tagged PDF: the first with the personal block,
    the others as built, each from a new sheet (see ``handouts.together``)."""
    first = job(keys[0], data, personal)
    following = tuple(job(key, data, None) for key in keys[1:])
    return dataclasses.replace(first, then=following, title=title)


def cut_advice(overflow_mm: float, note: str) -> str:
    """How much to cut from a note that pushes a card onto a second page, in plain Dutch."""
    lines = max(1, math.ceil(overflow_mm / NOTE_LINE_MM))
    characters = lines * NOTE_CHARS_PER_LINE
    millimetres = max(1, round(overflow_mm))
    if characters < len(note):
        advice = ngettext(
            "Maak de notitie ongeveer %(count)s regel korter (zo'n %(characters)s tekens)",
            "Maak de notitie ongeveer %(count)s regels korter (zo'n %(characters)s tekens)",
            lines,
            characters=characters,
        )
    else:
        advice = ngettext(
            "Maak de notitie ongeveer %(count)s regel korter",
            "Maak de notitie ongeveer %(count)s regels korter",
            lines,
        )
    return _(
        "Met deze notitie past de kaart niet meer op één blad (ongeveer %(mm)s mm te lang). "
        "%(advice)s, of vink minder tips aan.",
        mm=millimetres,
        advice=advice,
    )

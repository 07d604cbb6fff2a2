"""The forms the desk reads, as WTForms classes (Flask-WTF adds the CSRF token to each).

Each field declares its own checks, with the message the therapist sees in Dutch. The pages
write their form fields by hand (templates/desk/); these classes only read and check a POST.
A patient's name and note stay in the form object of one request.
"""

from __future__ import annotations

import datetime
import hmac
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput

from ..glyphs import unprintable
from ..models import Personal
from .personal import NAME_MAX, NOTE_MAX
from .words import N_, _

# Each message is translated when a check fails (words.py), in the request that failed it.
NAME_TOO_LONG = N_("Een naam van hoogstens %(max)s tekens, alsjeblieft.")
NOTE_TOO_LONG = N_("De notitie is %(length)s tekens lang; hoogstens %(max)s, alsjeblieft.")
BAD_DATE = N_("Kies een geldige datum.")
UNKNOWN_THERAPIST = N_("Kies een therapeut uit de lijst.")
UNKNOWN_TIP = N_("Kies tips uit de lijst.")
WRONG_CODE = N_("Deze toegangscode klopt niet. Probeer het opnieuw.")
UNPRINTABLE = N_("Dit teken kan niet afgedrukt worden: %(characters)s. Laat het weg.")


# ---------------------------------------------------------------------------- filters


def one_line(value: str | None) -> str:
    """Runs of spaces, tabs and line breaks as one space; no space at either end."""
    return " ".join((value or "").split())


def note_text(value: str | None) -> str:
    """Line breaks as ``\\n`` whatever the browser sent; no blank space at either end."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# ---------------------------------------------------------------------------- fields


class IsoDateField(Field):
    """A date as the browser's date input sends it (``2026-11-30``); left empty: today."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        value = valuelist[0] if valuelist else ""
        try:
            self.data = datetime.date.fromisoformat(value or datetime.date.today().isoformat())
        except ValueError:
            raise ValueError(_(BAD_DATE)) from None


class TicksField(Field):
    """The ticked checkboxes of a card's tips: their places in the list (-1: not a number)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = tuple(int(v) if v.isdecimal() else -1 for v in valuelist)


class KeysField(Field):
    """Several values under one name (the handouts chosen to print together), in order."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = list(valuelist)


# ---------------------------------------------------------------------------- checks


class MaxLength:
    """At most ``most`` characters (WTForms' ``Length`` would not translate its message here)."""

    def __init__(self, most: int, message: str) -> None:
        self.most = most
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        length = len(field.data or "")
        if length > self.most:
            raise ValidationError(_(self.message, length=length, max=self.most))


class KnownTherapist:
    """One of the practice's therapists, when practice.yml lists them (then no other check)."""

    def __call__(self, form: PersonalForm, field: Field) -> None:
        if field.data and form.therapists and field.data not in form.therapists:
            raise StopValidation(_(UNKNOWN_THERAPIST))


class AmongTips:
    """Every ticked tip is one of the card's (a handout without tips takes none)."""

    def __call__(self, form: PersonalForm, field: Field) -> None:
        if any(not 0 <= tip < form.tip_count for tip in field.data):
            raise ValidationError(_(UNKNOWN_TIP))


class Printable:
    """The bundled font draws every character of the name, therapist and note.

    The message names every character it cannot draw; it stands at the note when the note has
    one, else at the name.
    """

    def __init__(self, at_note: bool) -> None:
        self.at_note = at_note

    def __call__(self, form: PersonalForm, field: Field) -> None:
        missing = unprintable(form.naam.data + form.therapeut.data + form.notitie.data)
        if missing and bool(unprintable(form.notitie.data)) == self.at_note:
            raise ValidationError(_(UNPRINTABLE, characters=" ".join(missing)))


class RightCode:
    """The practice's access code (compared in constant time)."""

    def __call__(self, form: AccessForm, field: Field) -> None:
        given = (field.data or "").encode()
        if form.expected is None or not hmac.compare_digest(given, form.expected.encode()):
            raise ValidationError(_(WRONG_CODE))


# ---------------------------------------------------------------------------- forms


class PersonalForm(FlaskForm):
    """The personal block of one handout: for whom, when, from whom, a note, the ticked tips."""

    naam = StringField(
        filters=[one_line],
        validators=[MaxLength(NAME_MAX, NAME_TOO_LONG), Printable(at_note=False)],
    )
    datum = IsoDateField(default=datetime.date.today)
    therapeut = StringField(
        filters=[one_line],
        validators=[KnownTherapist(), MaxLength(NAME_MAX, NAME_TOO_LONG)],
    )
    notitie = TextAreaField(
        filters=[note_text],
        validators=[MaxLength(NOTE_MAX, NOTE_TOO_LONG), Printable(at_note=True)],
    )
    tips = TicksField(name="tip", default=(), validators=[AmongTips()])

    def __init__(self, therapists: tuple[str, ...] = (), tip_count: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.therapists = therapists  # the practice's list; empty: any name
        self.tip_count = tip_count  # how many tips the card lists

    def messages(self) -> dict[str, str]:
        """One message per field that failed (the last check's), keyed as the page's fields."""
        return {name: errors[-1] for name, errors in self.errors.items() if name and errors}

    def personal(self) -> Personal:
        """The checked values (call after ``validate()`` passed)."""
        return Personal(
            date=self.datum.data,
            name=self.naam.data,
            therapist=self.therapeut.data,
            note=self.notitie.data,
            ticked=tuple(sorted(set(self.tips.data))),
        )


class SeveralForm(PersonalForm):
    """ "Samen afdrukken": one personal block over the chosen handouts (their keys, in order)."""

    items = KeysField(name="item", default=list)


class AccessForm(FlaskForm):
    """The practice's access code, asked once per browser when the desk has one."""

    code = PasswordField(validators=[RightCode()])

    def __init__(self, expected: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expected = expected


class RebuildForm(FlaskForm):
    """The staff page's "Opnieuw bouwen" button: nothing but the CSRF token."""

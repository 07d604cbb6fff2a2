"""The desk's print forms: which CUPS printer, how many copies (Flask-WTF adds the CSRF token).

A plain handout or the booklet needs only these two fields; a personalised handout sends the
personal form's fields with them (``PersonalPrintForm``, ``SeveralPrintForm``), which live for
one request like the personal form's.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import StopValidation

from .forms import PersonalForm, SeveralForm
from .words import N_, _

# Each message is translated when a check fails (words.py).
UNKNOWN_PRINTER = N_("Kies een printer uit de lijst.")
NOT_A_NUMBER = N_("Geef het aantal exemplaren als getal.")
TOO_MANY = N_("Kies %(least)s tot %(most)s exemplaren.")


class CopiesField(Field):
    """A number of copies as the form sends it; left empty: one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        value = (valuelist[0] if valuelist else "").strip() or "1"
        if not value.isdecimal() or len(value) > 4:
            self.data = None
            raise ValueError(_(NOT_A_NUMBER))
        self.data = int(value)


class KnownPrinter:
    """One of the CUPS queues the page offered."""

    def __call__(self, form: PrintFields, field: Field) -> None:
        if field.data not in form.printers:
            raise StopValidation(_(UNKNOWN_PRINTER))


class CopiesInRange:
    """1 to the most the printed thing allows (booklet 50, handout 5)."""

    def __call__(self, form: PrintFields, field: Field) -> None:
        if field.data is None:
            raise StopValidation(_(NOT_A_NUMBER))
        if not 1 <= field.data <= form.most_copies:
            raise StopValidation(_(TOO_MANY, least=1, most=form.most_copies))


class PrintFields(FlaskForm):
    """The printer and the number of copies."""

    printer = StringField(validators=[KnownPrinter()])
    copies = CopiesField(default=1, validators=[CopiesInRange()])

    printers: tuple[str, ...] = ()
    most_copies: int = 1

    def choose(self, printers: tuple[str, ...], most_copies: int) -> None:
        """What this request may choose from: the queue names, the most copies."""
        self.printers = printers
        self.most_copies = most_copies

    def print_messages(self) -> dict[str, str]:
        """One Dutch message per field that failed, keyed as the page's fields."""
        return {name: errors[-1] for name, errors in self.errors.items() if name and errors}


class PrintForm(PrintFields):
    """A built handout or the booklet, as it is."""


class PersonalPrintForm(PersonalForm, PrintFields):
    """A personalised handout: the personal form's fields and the printer's."""


class SeveralPrintForm(SeveralForm, PrintFields):
    """Several handouts with one personal block, to one printer."""

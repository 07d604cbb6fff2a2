"""A handout's edition: the month of its content (never a day the source did not give) and a
short hash of its source file, as printed after "versie"."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["month", "day"]  # how much of a date its source gives

ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as precise as its source: a month (``2025-06``) or a day (``2025-06-12``).

    A month has no day (``day`` is 0), so nothing can print a day the source never gave.
    Dates order by their earliest day: ``2025-06`` before ``2025-06-01``.
    """

    year: int
    month: int
    day: int = 0  # 0: the source gives only the month

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """``YYYY-MM`` or ``YYYY-MM-DD``; raises ValueError for anything else."""
        match = ISO_DATE.fullmatch(text)
        if match is None:
            raise ValueError(f"not YYYY-MM or YYYY-MM-DD: {text!r}")
        year, month, day = int(match[1]), int(match[2]), int(match[3] or 0)
        datetime.date(year, month, day or 1)  # raises ValueError for month 13 or June 31
        return cls(year, month, day)

    @classmethod
    def of(cls, day: datetime.date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    @property
    def precision(self) -> Precision:
        return "day" if self.day else "month"

    @property
    def first_day(self) -> datetime.date:
        """The earliest day it can mean: for comparing with days, never for printing."""
        return datetime.date(self.year, self.month, self.day or 1)

    @property
    def month_only(self) -> PartialDate:
        return PartialDate(self.year, self.month)

    def isoformat(self) -> str:
        month = f"{self.year:04d}-{self.month:02d}"
        return f"{month}-{self.day:02d}" if self.day else month


@dataclass(frozen=True)
class Edition:
    """Which edition of a handout a patient holds, as printed after "versie": a month and a
    short hash of the source file ("juni 2025 · 02a502"; only the hash when there is no date).

    The month is the content's ``date``, else the month of its last review; never a day.
    """

    month: PartialDate | None
    short: str

    def text(self, lang: str) -> str:
        """The printed edition, its month named in ``lang`` by Babel (as ``i18n.month_year``)."""
        if self.month is None:
            return self.short
        from babel.dates import format_date  # late: a plain ``check`` does without Babel

        return f"{format_date(self.month.first_day, 'LLLL y', locale=lang)} · {self.short}"

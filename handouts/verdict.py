"""Whether a content folder can be printed: one verdict, decided once, in layers.

1. **content**: the tool's own files, practice.yml, theme.css, every item and booklet, the
   signs the font cannot draw (``content.load``). An item with an error makes nothing.
2. **languages**: each language's catalogue of the handouts' fixed texts; a language whose
   catalogue has an error makes nothing. And the cards not yet translated (warnings).
3. **review**: items never reviewed by a therapist, or too long ago (warnings).
4. **render**: what only rendering can tell (a card longer than its page, text off the
   paper). The build finds it as it renders each output (``pdf.render``); ``rendered`` renders
   every output the build would make through the same code, in memory, and returns the same
   problems, without writing anything.

``check`` reports every layer (``check --fast`` all but the render layer); ``build`` and
``watch`` report the content and the catalogues of the languages they make, and make what
``buildable`` allows; the desk reads the same. A folder that ``check`` passes, ``build`` builds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .models import LANGUAGES, STANDARD, Content, Output, Problem, Variant
from .paths import display

if TYPE_CHECKING:
    from .workers import Workers

Layer = Literal["content", "languages", "review", "render"]
LAYERS: tuple[Layer, ...] = ("content", "languages", "review", "render")


@dataclass(frozen=True)
class Verdict:
    """The problems of one content folder by layer; each layer is worked out when first read."""

    content: Content
    _catalogues: dict[str, tuple[Problem, ...]] = field(default_factory=dict, repr=False, compare=False)
    _rendered: dict[Variant, tuple[Problem, ...]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, root: Path) -> Verdict:
        """Load the content folder (the first layer); the other layers follow when read."""
        from .content import load

        return cls(load(root))

    def catalogues(self, langs: Iterable[str] = LANGUAGES) -> dict[str, tuple[Problem, ...]]:
        """The problems of each language's catalogue (Dutch, the source, needs none)."""
        from .i18n import check_catalogues

        langs = list(dict.fromkeys(langs))
        todo = [lang for lang in langs if lang not in self._catalogues]
        if todo:
            found = check_catalogues(todo)
            for lang in todo:
                self._catalogues[lang] = tuple(found.get(lang, ()))
        return {lang: self._catalogues[lang] for lang in langs}

    def untranslated(self, langs: Iterable[str] = LANGUAGES) -> frozenset[str]:
        """The languages among ``langs`` whose catalogue has an error: nothing in them is made."""
        found = self.catalogues(langs)
        return frozenset(lang for lang, problems in found.items() if any(p.is_error for p in problems))

    @functools.cached_property
    def translations(self) -> tuple[Problem, ...]:
        """A warning for each card not yet translated into a language the folder uses."""
        from .i18n import missing_translations

        return tuple(missing_translations(self.content))

    def languages(self, langs: Iterable[str] = LANGUAGES) -> tuple[Problem, ...]:
        """The languages layer: the catalogues of ``langs``, then the cards not translated."""
        found = self.catalogues(langs)
        return tuple(p for problems in found.values() for p in problems) + self.translations

    @functools.cached_property
    def review(self) -> tuple[Problem, ...]:
        """The review layer: items never reviewed, or too long ago."""
        from .report import review_problems

        return tuple(review_problems(self.content))

    @property
    def checked(self) -> list[Problem]:
        """What ``check --fast`` reports: every layer before rendering, every language."""
        return [*self.content.problems, *self.languages(), *self.review]

    def rendered(self, workers: Workers | None = None, variant: Variant = STANDARD) -> tuple[Problem, ...]:
        """The render layer: the problems of every output a full build of ``variant`` would
        make, found by rendering each in memory (``workers``: the processes to render in; by
        default this call's own, one per core)."""
        if variant not in self._rendered:
            self._rendered[variant] = _render_layer(self, workers, variant)
        return self._rendered[variant]

    def built(self, langs: Iterable[str]) -> list[Problem]:
        """What a build of outputs in ``langs`` reports: the content, and those catalogues."""
        found = self.catalogues(lang for lang in LANGUAGES if lang in set(langs))
        return [*self.content.problems, *(p for problems in found.values() for p in problems)]

    def buildable(self, output: Output) -> bool:
        """The one rule before rendering: its practice, its source (or booklet) and its language
        have no error."""
        if self.content.practice is None:
            return False  # every output shows the practice and its look
        if output.is_booklet:
            valid = output.lang in self.content.booklets
        else:
            valid = output.source_key not in self.content.broken
        return valid and output.lang not in self.untranslated([output.lang])


def _render_layer(verdict: Verdict, workers: Workers | None, variant: Variant) -> tuple[Problem, ...]:
    import os

    from .plan import check_jobs
    from .workers import Lost, Workers

    jobs = check_jobs(verdict, variant)
    if not jobs:
        return ()
    own = workers or Workers(min(os.cpu_count() or 1, len(jobs)))
    problems: list[Problem] = []
    try:
        own.start()
        for result in own.render(jobs, lambda key: None):
            if isinstance(result, Lost):
                problems.append(_lost(verdict, result.key))
            else:
                problems += result.problems
    finally:
        if workers is None:
            own.stop()
    return tuple(problems)


def _lost(verdict: Verdict, key: str) -> Problem:
    return Problem(
        display(verdict.content.root),
        None,
        f"a render worker stopped unexpectedly (killed, or out of memory?): {key} not checked",
        "run check again",
    )

"""WeasyPrint, imported once per process, without its slow library search.

Importing this module imports WeasyPrint. The build's fork server imports it while the
content loads, so that every render worker starts with WeasyPrint in memory.

WeasyPrint looks for each system library (Pango, HarfBuzz, fontconfig, ...) under its
Windows and macOS names first. On Linux every miss sends ``ctypes.util.find_library`` to
run ldconfig, gcc and ld: some twenty subprocesses, 0.3 s of a one-second import. The list
also holds each library's Linux soname (``libpango-1.0.so.0``), which the dynamic loader
finds on its own through the same search path, so on Linux the search is switched off
while WeasyPrint loads. A missing library still fails, with WeasyPrint's own message.
"""

from __future__ import annotations

import ctypes.util
import sys
import warnings
from typing import Any


def _load() -> Any:
    if not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
            import weasyprint

        return weasyprint
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with warnings.catch_warnings():
            # Without HarfBuzz-Subset WeasyPrint warns at import; the build says it once, as a note.
            warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
            import weasyprint
    finally:
        ctypes.util.find_library = find_library
    return weasyprint


weasyprint = _load()

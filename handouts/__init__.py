"""handouts: branded, print-ready PDF handouts and a booklet from Markdown content."""

__version__ = "0.1.0"

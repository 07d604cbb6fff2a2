"""Build the handouts: ``python build.py`` (see README.md, or ``python build.py --help``)."""

import sys

from handouts.cli import main

if __name__ == "__main__":
    sys.exit(main())

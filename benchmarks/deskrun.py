"""What the desk benchmarks share: the desk started as a subprocess, and one browser's session.

Imported by benchmarks/desk.py and benchmarks/print.py (run from the project folder, so this
folder is on the import path).
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def start_server(out: Path) -> tuple[subprocess.Popen[str], str]:
    """``build.py serve --port 0`` on the shipped content into ``out``; the process and its address."""
    command = [sys.executable, str(PROJECT / "build.py"), "serve", "--port", "0", "--out", str(out)]
    process = subprocess.Popen(command, cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"desk: (http://\S+?)/ ", line)
        if found:
            threading.Thread(target=lambda: [None for _ in process.stderr or ()], daemon=True).start()
            return process, found.group(1)
    raise SystemExit("the desk did not start")


def session(url: str) -> tuple[urllib.request.OpenerDirector, str]:
    """One browser on the page at ``url``: an opener with its own cookies, and the page's CSRF token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(url) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    assert token, "no CSRF token on the page"
    return opener, token.group(1)

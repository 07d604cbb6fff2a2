"""What keeps the desk safe on the practice network, apart from the views themselves.

- ``Attempts``: wrong access codes per client address; after ``LIMIT`` in a row the address is
  locked out for a while (30 s, doubling with every further wrong code), without ever holding a
  server thread: the answer is an immediate 429 with ``Retry-After``.
- ``local_target``: where the access page may send the browser back to: a path on the desk only.
- ``inside``: a file of ``dist/`` by its real path, only when that is a regular file inside it.
- ``check_host``: the ``Host`` header must name the desk (against DNS rebinding: a page of
  another site whose name is made to point at the desk's address must not read the desk).
- ``machine_addresses``, ``machine_names``, ``start_urls``, ``allowed_hosts``: what the other
  computers can type to reach the desk, and so which host names it answers.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import re
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, request

from .words import _, ngettext

MIN_CODE = 12  # characters in an access code at least (spaces at either end not counted)
LIMIT = 5  # wrong codes in a row before a lockout
FIRST_LOCK = 30.0  # seconds; doubled with every further wrong code
LONGEST_LOCK = 3600.0
MAX_CLIENTS = 4096  # client addresses remembered at most
ATTEMPTS = "handouts.attempts"  # the key in app.extensions
HOSTS = "DESK_HOSTS"  # app.config: the host names the desk answers
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


# ---------------------------------------------------------------------------- access code


def code_refusal(code: str | None) -> str | None:
    """Why an access code cannot be used (the error and its hint), or None."""
    if code is None or len(code.strip()) >= MIN_CODE:
        return None
    return (
        f"handouts: error: the access code has {len(code.strip())} character(s); "
        f"it needs at least {MIN_CODE} (spaces at either end not counted)\n"
        "    hint: choose a longer one, e.g. three or four unrelated words"
    )


@dataclass
class _Client:
    tries: int = 0  # attempts in a row without the right code
    until: float = 0.0  # locked out until (clock)
    seen: float = 0.0  # the last attempt (clock)


@dataclass
class Attempts:
    """Attempts at the access code per client; thread-safe, never sleeps.

    ``admit`` counts an attempt before the code is checked, so parallel guesses cannot slip
    past the limit; the right code (``succeeded``) forgets the client's count.
    """

    limit: int = LIMIT
    first_lock: float = FIRST_LOCK
    longest_lock: float = LONGEST_LOCK
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, client: str) -> int:
        """0: the client may try a code now (counted); else the seconds it must still wait."""
        with self._lock:
            now = self.clock()
            record = self._clients.pop(client, None) or _Client()
            if now >= record.until and now - record.seen > self.longest_lock:
                record = _Client()  # a quiet hour: earlier typos are forgotten
            if now < record.until:
                self._clients[client] = record
                return math.ceil(record.until - now)
            record.tries += 1
            record.seen = now
            if record.tries >= self.limit:
                lock = self.first_lock * 2 ** min(record.tries - self.limit, 20)
                record.until = now + min(lock, self.longest_lock)
            self._remember(client, record, now)
            return 0

    def locked_for(self, client: str) -> int:
        """The seconds the client must still wait before its next attempt (0: none)."""
        with self._lock:
            record, now = self._clients.get(client), self.clock()
            return math.ceil(record.until - now) if record and record.until > now else 0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    def _remember(self, client: str, record: _Client, now: float) -> None:
        """Keep ``record`` as the newest; over ``MAX_CLIENTS``, forget the unlocked, then the oldest."""
        self._clients[client] = record
        if len(self._clients) <= MAX_CLIENTS:
            return
        for key in [k for k, r in self._clients.items() if r.until <= now and k != client]:
            del self._clients[key]
        while len(self._clients) > MAX_CLIENTS:
            del self._clients[next(iter(self._clients))]


def client_key(address: str | None) -> str:
    """Whom ``Attempts`` counts: an IPv4 address, or an IPv6 address's /64 network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "?"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def current_attempts() -> Attempts:
    return cast(Attempts, current_app.extensions[ATTEMPTS])


def locked_message(seconds: int) -> str:
    """The lockout's message in Dutch, with the wait in seconds or (from two minutes) minutes."""
    if seconds < 120:
        wait = ngettext("%(count)s seconde", "%(count)s seconden", seconds)
    else:
        wait = ngettext("%(count)s minuut", "%(count)s minuten", math.ceil(seconds / 60))
    return _("Te veel foute codes na elkaar. Wacht %(wait)s en probeer het dan opnieuw.", wait=wait)


# ---------------------------------------------------------------------------- where to go back to


def local_target(value: str | None) -> str:
    """``value`` when it is a path on this desk (with its query), else ``/``.

    Read as a browser reads a ``Location``: tabs and line breaks dropped, a backslash as a
    slash, control characters and spaces at either end dropped; then anything with a scheme or
    a host (``//evil``, ``/\\evil``, ``https://evil``, ``/\\t/evil``) is refused.
    """
    text = re.sub(r"[\t\n\r]", "", value or "").strip("".join(map(chr, range(33))))
    text = text.replace("\\", "/")
    if not text.startswith("/") or text.startswith("//") or re.search(r"[\x00-\x1f\x7f]", text):
        return "/"
    try:
        parts = urlsplit(text)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return "/"
    return urlunsplit(("", "", parts.path, parts.query, ""))


# ---------------------------------------------------------------------------- files of dist/


def inside(folder: Path, name: str) -> Path | None:
    """The real path of ``folder/name`` when it is a regular file inside ``folder``; else None.

    A symbolic link is followed to its end; if that lies outside ``folder`` (or is no regular
    file), the desk does not serve it.
    """
    root = folder.resolve()
    try:
        real = (root / name).resolve(strict=True)
        regular = stat.S_ISREG(real.stat().st_mode)
    except (OSError, RuntimeError, ValueError):
        return None
    return real if regular and real.is_relative_to(root) and real != root else None


# ---------------------------------------------------------------------------- host names


def host_name(value: str) -> str | None:
    """A ``Host`` header (or a name given on the command line) as compared: lower case, no
    port, no trailing dot, an IPv6 address without brackets; None when it is no host name."""
    text = value.strip().lower()
    if text.startswith("["):
        inner, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not re.fullmatch(r":[0-9]{1,5}", rest)):
            return None
        text = inner
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not re.fullmatch(r"[0-9]{1,5}", port):
            return None
    text = text.removesuffix(".")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text if _NAME.fullmatch(text) else None


def machine_names() -> list[str]:
    """This computer's names for the other computers: its host name, its ``.local`` name (mDNS),
    and its fully qualified name when it has one."""
    short = socket.gethostname().lower().removesuffix(".")
    names = [short.removesuffix(".local") + ".local", short]
    try:
        fqdn = socket.getfqdn().lower().removesuffix(".")
    except OSError:  # pragma: no cover - the resolver failed
        fqdn = ""
    if "." in fqdn:
        names.append(fqdn)
    found = [n for n in dict.fromkeys(names) if host_name(n) == n and not n.startswith("localhost")]
    return [n for n in found if n not in LOOPBACK_NAMES]


def machine_addresses() -> list[str]:
    """This computer's IPv4 addresses on the network (no loopback, no link-local), sorted."""
    found: set[str] = set()
    for name in {socket.gethostname(), socket.getfqdn()}:
        with contextlib.suppress(OSError):
            found.update(str(info[4][0]) for info in socket.getaddrinfo(name, None, socket.AF_INET))
    found.update(_routed_address())
    if sys.platform == "linux":
        found.update(_interface_addresses())
    usable = [ipaddress.IPv4Address(a) for a in found]
    usable = [a for a in usable if not (a.is_loopback or a.is_link_local or a.is_unspecified)]
    return [str(a) for a in sorted(usable)]


def _routed_address() -> list[str]:
    """The address this computer sends from (a UDP socket's connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
            return [str(probe.getsockname()[0])]
        except OSError:
            return []


def _interface_addresses() -> list[str]:
    """Every network interface's IPv4 address (Linux: the SIOCGIFADDR ioctl)."""
    import fcntl
    import struct

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
            except OSError:  # an interface without an IPv4 address
                continue
            found.append(socket.inet_ntoa(packed[20:24]))
    return found


def start_urls(host: str, port: int) -> list[str]:
    """What the other computers can open: with ``host`` any address (0.0.0.0), this computer's
    network addresses and names; else ``host`` itself."""
    if host not in WILDCARDS:
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}/"]
    return [f"http://{name}:{port}/" for name in machine_addresses() + machine_names()]


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names the desk answers when it listens on ``host``; ``extra`` from --allow-host."""
    names = [*LOOPBACK_NAMES, host, *machine_names(), *extra]
    if host in WILDCARDS:
        names += machine_addresses()
    return frozenset(n for n in map(host_name, names) if n and n not in ("0.0.0.0", "::"))


def check_host() -> None:
    """Before every request: a ``Host`` the desk does not answer to gets 400 (DNS rebinding).

    Not Flask's ``TRUSTED_HOSTS`` (Flask 3.1 and later only): Werkzeug compares its entries
    case-sensitively and cuts ``[::1]`` at its first colon.
    """
    allowed = current_app.config[HOSTS]
    if host_name(request.environ.get("HTTP_HOST", "")) not in allowed:
        abort(400)

"""``check --links``: is every printed address (QR codes, the footer, links in the text) alive?

The only part of handouts that goes online; a build never does. The addresses are the ones the
handouts print: the practice's website (every footer) and booking link (every handout), each
handout's "read more" QR code as ``links.item_links`` chooses it (the article's ``url``, a
card's article's, else the blog), and web links written in the text. Each is fetched once
(HEAD, then GET when HEAD is refused or fails), a few at a time, with a short timeout,
following redirects. The result is a list of warnings against the file and line the address is written
on, and is saved in the output folder (``.links.json``) for the desk's "Inhoud" page.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import __version__
from .frontmatter import Collector, parse_mapping, shorten, split_front_matter
from .models import BOOKLET, Article, Content, Output, Problem, Said, fill
from .paths import display

RESULT_FILE = ".links.json"  # in the output folder: the last check, for the desk
STATES = ("ok", "dead", "unreachable", "redirected")
URL_RE = re.compile(r"""https?://[^\s<>()\[\]{}"'`]+""")
TRAILING = ".,;:!?*_"  # punctuation after an address in a sentence, or Markdown emphasis
TEXT_LINK = "link in the text"
# Why an address cannot be reached (the desk says these in Dutch: handouts/dutch.py)
NO_ANSWER = "no answer within {seconds} s"
LOOP = "redirects in a loop"
UNKNOWN_NAME = "its site name is not known (DNS)"
REFUSED = "the connection was refused"
BAD_CERTIFICATE = "its security certificate is not valid ({detail})"


@dataclass(frozen=True)
class Address:
    """One place an address is written: ``file:line``, the field it is in, and who prints it."""

    url: str
    file: str  # as displayed, like Problem.path
    line: int | None
    field: str  # "website", "booking_url", "blog_url", "url" or "link in the text"
    used_by: tuple[str, ...] = ()  # the handouts that print it: "metaphors/glas-water", "booklet"


@dataclass(frozen=True)
class LinkResult:
    """What fetching an address gave: ``state`` is one of STATES."""

    address: Address
    state: str
    code: int | None = None  # the final HTTP status, when there was an answer
    final_url: str = ""  # where the redirects ended
    reason: str = ""  # "404 Not Found", "no answer within 5 s", ...

    @property
    def problem(self) -> Problem | None:
        """The warning for this result (None when the address is fine)."""
        if self.state == "ok":
            return None
        a = self.address
        message, hint = _explain(self)
        template = "{field} {url} " + message.template
        return Problem.of(a.file, a.line, template, hint, "warning", url=a.url, **message.params)


@dataclass(frozen=True)
class LinkReport:
    """The last check: when it ran, and one result per place an address is written."""

    checked_at: datetime.datetime
    results: tuple[LinkResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        """How many different addresses ended in each state (an address written twice counts once)."""
        by_url = {r.address.url: r.state for r in self.results}
        return {state: sum(1 for s in by_url.values() if s == state) for state in STATES}

    @property
    def problems(self) -> list[Problem]:
        return sorted(p for p in (r.problem for r in self.results) if p is not None)

    @property
    def summary(self) -> str:
        counts = self.counts
        total = sum(counts.values())
        return (
            f"{total} address(es) checked: {counts['ok']} ok, {counts['dead']} dead,"
            f" {counts['unreachable']} unreachable, {counts['redirected']} redirected elsewhere."
        )


# ---------------------------------------------------------------------------- which addresses


def addresses(root: Path, content: Content | None = None) -> list[Address]:
    """Every address the handouts of ``root`` print, each with its file and line.

    Only valid items are looked at (a file with errors makes no handout). ``content``: the
    folder already loaded, to avoid loading it twice.
    """
    if content is None:
        from .content import load

        content = load(root)
    found = _qr_addresses(content) + _text_addresses(content)
    unique = {(a.file, a.line, a.field, a.url): a for a in found}
    return sorted(unique.values(), key=lambda a: (a.file, a.line or 0, a.field))


def _qr_addresses(content: Content) -> list[Address]:
    """The footer's website, the booking QR, and every "read more" QR (article or blog)."""
    items = sorted(content.items.values(), key=lambda i: i.key)
    if content.practice is None:  # nothing builds; an article still names its own page
        return [_article_address(i, (i.key,)) for i in items if isinstance(i, Article) and i.url]
    from .links import item_links

    practice = content.practice
    everything = tuple(i.key for i in items) + tuple(
        Output(BOOKLET, "", lang).key for lang in content.booklets
    )
    read_more: dict[str, list[str]] = {}
    for item in items:
        read_more.setdefault(item_links(item, content)[0].url, []).append(item.key)
    path = content.root / "practice.yml"
    lines = _field_lines(path, (path.read_text(encoding="utf-8-sig") if path.is_file() else ""), 1)
    found = [
        Address(practice.website, display(path), lines.get("website"), "website", everything),
        Address(practice.booking_url, display(path), lines.get("booking_url"), "booking_url", everything),
    ]
    articles = [i for i in items if isinstance(i, Article) and i.url]
    for article in articles:
        found.append(_article_address(article, tuple(read_more.get(article.url or "", ()))))
    blog_users = read_more.get(practice.blog_url, [])
    if blog_users and all(a.url != practice.blog_url for a in articles):
        field = "blog_url" if "blog_url" in lines else "website"  # no blog_url: the blog is the website
        found.append(Address(practice.blog_url, display(path), lines.get(field), field, tuple(blog_users)))
    return found


def _article_address(article: Article, used_by: tuple[str, ...]) -> Address:
    source = split_front_matter(article.path, article.text, Collector(article.path.parent))
    line = _field_lines(article.path, source.meta_text, source.meta_line).get("url") if source else None
    return Address(article.url or "", display(article.path), line, "url", used_by)


def _field_lines(path: Path, text: str, first_line: int) -> dict[str, int]:
    """The line of each field of a YAML mapping, parsed as the loader parses it."""
    parsed = parse_mapping(path, text, first_line, Collector(path.parent))
    return parsed[1] if parsed else {}


def _text_addresses(content: Content) -> list[Address]:
    """Web addresses written in the text of a handout: printed, and clickable in the PDF."""
    found = []
    for item in content.items.values():
        for offset, line in enumerate(item.body.splitlines()):
            for match in URL_RE.finditer(line):
                url = match.group().rstrip(TRAILING)
                where = item.body_line + offset
                found.append(Address(url, display(item.path), where, TEXT_LINK, (item.key,)))
    return found


# ---------------------------------------------------------------------------- fetching


def check_links(found: Sequence[Address], timeout: float = 5.0, workers: int = 4) -> list[LinkResult]:
    """Fetch each different address once, ``workers`` at a time; one result per ``found``."""
    import httpx

    urls = sorted({a.url for a in found})
    headers = {"User-Agent": f"handouts/{__version__} (link check of printed handouts)"}
    with (
        httpx.Client(follow_redirects=True, timeout=timeout, headers=headers) as client,
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        fetched = dict(zip(urls, pool.map(lambda url: _fetch(client, url, timeout), urls), strict=True))
    return [replace(fetched[a.url], address=a) for a in found]


def _fetch(client: Any, url: str, timeout: float) -> LinkResult:
    """One address: HEAD, redirects followed, classified.

    A HEAD answered with 400 or more is asked again with GET, and the GET decides: servers
    that do not allow HEAD say 405 or 501, and some firewalls and site builders answer a HEAD
    with 403 or 404 for a page that a browser sees fine. A false "dead" would make staff
    change an address that works.
    """
    import httpx

    blank = Address(url, "", None, "")
    try:
        response = client.head(url)
        if response.status_code >= 400:
            with client.stream("GET", url) as streamed:  # the status is enough: no body read
                response = streamed
    except httpx.TimeoutException:
        return LinkResult(blank, "unreachable", reason=fill(NO_ANSWER, {"seconds": f"{timeout:g}"}))
    except httpx.TooManyRedirects:
        return LinkResult(blank, "unreachable", reason=LOOP)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError) as exc:
        return LinkResult(blank, "unreachable", reason=_connect_reason(exc))
    return _classify(blank, response)


def _classify(blank: Address, response: Any) -> LinkResult:
    code, final = response.status_code, str(response.url)
    reason = f"{code} {response.reason_phrase}".strip()
    if code >= 400:
        return LinkResult(blank, "dead", code, final, reason)
    if response.history and (_elsewhere(blank.url, final) or _to_home(blank.url, final)):
        return LinkResult(blank, "redirected", code, final, reason)
    return LinkResult(blank, "ok", code, final, reason)


def _site(url: str) -> str:
    """The site of an address: its host, without "www." (www.x.be and x.be are one site)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _elsewhere(url: str, final: str) -> bool:
    return _site(url) != _site(final)


def _to_home(url: str, final: str) -> bool:
    """A page that redirects to its site's home page: most sites' way of saying "gone"."""
    return urlsplit(url).path.strip("/") != "" and urlsplit(final).path.strip("/") == ""


def _connect_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
        return UNKNOWN_NAME
    if "refused" in lowered:
        return REFUSED
    if "certificate" in lowered:
        return fill(BAD_CERTIFICATE, {"detail": shorten(text, 80)})
    return shorten(text, 100)


def _explain(result: LinkResult) -> tuple[Said, Said]:
    """The warning's message (after "field url") and its hint, as templates with their values."""
    a, final = result.address, result.final_url
    values: dict[str, object] = {"field": a.field, "final": final, "reason": result.reason}
    values["count"] = len(a.used_by)
    printed = " ({count} handout(s) print it)" if a.used_by else " (it is printed)"
    if result.state == "dead":
        via = " (after a redirect to {final})" if final and final.rstrip("/") != a.url.rstrip("/") else ""
        if (result.code or 0) >= 500:
            hint = "the site has an error; try again later and tell its webmaster if it stays"
        else:
            hint = (
                "the page is gone or moved: write its new address in '{field}', or ask the webmaster"
                " to restore it"
            )
        return Said("answers {reason}" + via, **values), Said(hint + printed, **values)
    if result.state == "unreachable":
        message = "cannot be reached: {reason}"
        hint = (
            "check the address for typos and open it in a browser; if it works there, run"
            " 'check --links' again later"
        )
    elif _elsewhere(a.url, final):
        message = "redirects to another site: {final}"
        hint = "a QR code should lead straight to its page: if {final} is right, write it in '{field}'"
    else:
        message = "redirects to the home page {final}: the page is probably gone"
        hint = "find the page's new address and write it in '{field}'"
    return Said(message, **values), Said(hint + printed, **values)


# ---------------------------------------------------------------------------- the last result


def save_report(out_dir: Path, report: LinkReport) -> Path:
    """Write the report to ``out_dir/.links.json`` atomically (a temporary file, renamed)."""
    data = {
        "checked_at": report.checked_at.isoformat(),
        "results": [asdict(r) for r in report.results],
    }
    path = out_dir / RESULT_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f"{RESULT_FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def last_report(out_dir: Path) -> LinkReport | None:
    """The last check saved in ``out_dir``, for the desk; None when never run or unreadable."""
    try:
        data = json.loads((out_dir / RESULT_FILE).read_text(encoding="utf-8"))
        results = tuple(_result_from(entry) for entry in data["results"])
        checked_at = datetime.datetime.fromisoformat(data["checked_at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return LinkReport(checked_at, results)


def _result_from(entry: dict[str, Any]) -> LinkResult:
    raw = dict(entry["address"])
    address = Address(**{**raw, "used_by": tuple(raw.get("used_by", ()))})
    if entry["state"] not in STATES:
        raise ValueError(entry["state"])
    fields = {k: entry[k] for k in ("state", "code", "final_url", "reason")}
    return LinkResult(address, **fields)


# ---------------------------------------------------------------------------- the command


def run_links(
    content_dir: Path,
    out_dir: Path,
    timeout: float = 5.0,
    workers: int = 4,
    now: datetime.datetime | None = None,
    quiet: bool = False,
) -> int:
    """``check --links``: fetch, print the warnings and a summary, save the result; returns 0.

    Every outcome is a warning, none an error: a page that is down for an hour, or a computer
    that is offline, says nothing about the content, and the content check decides the exit
    status of ``check``. When no address at all could be reached, the summary says the computer
    is probably offline. ``quiet``: print nothing (the result is still saved).
    """
    found = addresses(content_dir)
    if not found:
        print("No addresses to check (is the content folder valid? run 'check').", file=sys.stderr)
        return 0
    results = check_links(found, timeout, workers)
    report = LinkReport(now or datetime.datetime.now(datetime.UTC), tuple(results))
    save_report(out_dir, report)
    if quiet:
        return 0
    _print(report.problems)
    print(report.summary, file=sys.stderr)
    counts = report.counts
    if counts["unreachable"] == sum(counts.values()):
        print("None of them could be reached: is this computer online?", file=sys.stderr)
    return 0


def _print(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)

"""The desk's print buttons: a handout, a personalised handout or the booklet to a CUPS queue.

Routes on the desk's Blueprint (``create_app`` imports this module). The page's script
(styles/desk/print.js) posts a print form and then asks ``GET /afdrukken/<job>`` for the job's
state in Dutch until it is on paper; the job id ("Kantoor-12") holds no patient data.

A personalised handout is rendered in memory as "Maak PDF" renders it and handed to ``lp`` from
memory; its CUPS job name is the handout's title and version, never the patient's name. Without
CUPS (no ``lp``, no scheduler, no queue) the pages show no print button: ``print_choice`` is None.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import jsonify, render_template, url_for

from ..printing import (
    MAX_BOOKLET_COPIES,
    MAX_HANDOUT_COPIES,
    PrintError,
    PrintPlan,
    Queue,
    find_queue,
    job_name,
    plan_booklet,
    plan_handout,
    queues,
    send,
)
from ..printstate import JobState, JobStatus, PrivacyWarning, job_status, privacy_warnings
from .catalogue import Entry
from .personal import pack_title, record_line
from .printforms import PersonalPrintForm, PrintFields, PrintForm, SeveralPrintForm
from .state import current_desk
from .views import FormError, _chosen, _entry, _items, _print, _therapists, desk, log, wants_json
from .words import N_, _

CACHE_SECONDS = 30.0  # how long the queues (and what each can do) are reused between requests
JOB_ID = re.compile(r"[A-Za-z0-9_.@-]{1,127}-[0-9]{1,10}")
REFUSED = N_("Afdrukken lukte niet. Vraag het na bij wie de printer beheert.")
NO_ANSWER = N_("De printer kan nu niet gevraagd worden hoe het met de opdracht gaat.")
STATE_WORDS = {  # a job's state as the page shows it
    JobState.QUEUED: N_("in de wachtrij"),
    JobState.PRINTING: N_("bezig"),
    JobState.PRINTED: N_("afgedrukt"),
    JobState.FAILED: N_("mislukt"),
}
CAUSE_WORDS = {  # what stops a job (printstate.REASONS), as a therapist would say it
    "media-empty": N_("papier op"),
    "media-needed": N_("papier op"),
    "media-jam": N_("papier vast"),
    "toner-empty": N_("toner op"),
    "marker-supply-empty": N_("inkt of toner op"),
    "cover-open": N_("klep open"),
    "door-open": N_("klep open"),
    "input-tray-missing": N_("papierlade ontbreekt"),
    "offline": N_("printer uit"),
    "shutdown": N_("printer uit"),
    "connecting-to-device": N_("printer uit of niet bereikbaar"),
    "timed-out": N_("printer uit of niet bereikbaar"),
    "paused": N_("printer gestopt"),
    "job-error": N_("fout bij het afdrukken"),
    "held": N_("vastgehouden"),
}
PRIVACY_WORDS = {  # what a CUPS setting keeps after printing ("Inhoud" warns)
    "PreserveJobFiles": N_(
        "CUPS bewaart de afgedrukte documenten (een gepersonaliseerde folder draagt de naam van de patiënt)"
    ),
    "PreserveJobHistory": N_("CUPS houdt een geschiedenis bij van de afdrukken (titel, gebruiker, tijd)"),
}
_cache: dict[str, tuple[float, tuple[Queue, ...]]] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class PrintChoice:
    """What a print button offers: the queues (the practice's default first), the most copies."""

    printers: tuple[str, ...]
    most_copies: int


# ---------------------------------------------------------------------------- what to offer


def known_queues() -> tuple[Queue, ...]:
    """The CUPS queues, asked at most every few seconds; () without CUPS."""
    with _cache_lock:
        cached = _cache.get("queues")
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            found = tuple(queues())
        except PrintError:
            found = ()
        _cache["queues"] = (time.monotonic(), found)
        return found


def _practice_default(booklet: bool) -> str | None:
    content = current_desk().catalogue.content
    practice = content.practice if content else None
    if practice is None:
        return None
    return (practice.booklet_printer or practice.printer) if booklet else practice.printer


def print_choice(what: str) -> PrintChoice | None:
    """The print button's choices for a "handout", a "personal" handout or the "booklet"."""
    booklet = what == "booklet"
    usable = [q for q in known_queues() if q.a4 and (q.duplex or not booklet)]
    if not usable:
        return None
    wanted = (_practice_default(booklet) or "").lower()
    usable.sort(key=lambda q: q.name.lower() != wanted)  # stable: CUPS's default next
    return PrintChoice(tuple(q.name for q in usable), MAX_BOOKLET_COPIES if booklet else MAX_HANDOUT_COPIES)


@desk.app_context_processor
def print_context() -> dict[str, Any]:
    return {"print_choice": print_choice, "print_privacy": print_privacy, "privacy_text": privacy_text}


def print_privacy() -> tuple[PrivacyWarning, ...]:
    """The CUPS settings that keep printed documents or their history ("Inhoud" warns)."""
    if not known_queues():
        return ()
    try:
        return privacy_warnings()
    except PrintError:
        return ()


def privacy_text(warning: PrivacyWarning) -> str:
    """ "CUPS bewaart de afgedrukte documenten (...) (PreserveJobFiles=86400)"."""
    return f"{_(PRIVACY_WORDS[warning.setting])} ({warning.setting}={warning.value})"


def job_label(status: JobStatus) -> str:
    """What the page shows of a job: "in de wachtrij", "mislukt: papier op"."""
    state = _(STATE_WORDS[status.state])
    if not status.cause:
        return state
    return _("%(state)s: %(cause)s", state=state, cause=_(CAUSE_WORDS[status.cause]))


# ---------------------------------------------------------------------------- the buttons


@desk.post("/afdrukken/handout/<kind>/<slug>")
def print_item(kind: str, slug: str) -> Any:
    entry = _entry(kind, slug)
    form = PrintForm()

    def plan(queue: Queue, copies: int) -> PrintPlan:
        pdf = (current_desk().out / entry.pdf).read_bytes()
        return plan_handout(queue, pdf, job_name(entry.title, entry.version), copies)

    return _send(form, "handout", plan)


@desk.post("/afdrukken/persoonlijk/<kind>/<slug>")
def print_personal(kind: str, slug: str) -> Any:
    entry = _entry(kind, slug)
    form = PersonalPrintForm(therapists=_therapists(), tip_count=len(entry.tips))
    return _send_personal(form, [entry])


@desk.post("/afdrukken/samen")
def print_several() -> Any:
    form = SeveralPrintForm(therapists=_therapists())
    return _send_personal(form, _chosen(form.items.data))


@desk.post("/afdrukken/boekje")
def print_booklet() -> Any:
    entry = current_desk().catalogue.booklet
    if entry is None:
        return jsonify(message=_("Er is geen boekje.")), 404
    form = PrintForm()

    def plan(queue: Queue, copies: int) -> PrintPlan:
        out = current_desk().out
        short_edge = (out / "booklet-print.pdf").read_bytes()
        long_path = out / "booklet-print-long-edge.pdf"
        long_edge = long_path.read_bytes() if long_path.is_file() else None
        name = job_name(entry.title, hashlib.sha256(short_edge).hexdigest()[:6])  # as `print booklet`
        return plan_booklet(queue, short_edge, long_edge, name, copies)

    return _send(form, "booklet", plan)


@desk.get("/afdrukken/<job>")
def print_status(job: str) -> Any:
    """A job's state in Dutch, for the page's script: {"state", "label", "finished", "done"}."""
    if not JOB_ID.fullmatch(job) or job.rsplit("-", 1)[0] not in {q.name for q in known_queues()}:
        return jsonify(message=_("Deze afdrukopdracht kent de desk niet.")), 404
    try:
        status = job_status(job)
    except PrintError:
        return jsonify(message=_(NO_ANSWER)), 503
    done = status.state is JobState.PRINTED or status.cause == "job-error"
    return jsonify(
        job=job, state=status.state.name.lower(), label=job_label(status), finished=status.finished, done=done
    )


# ---------------------------------------------------------------------------- sending


def _send_personal(form: PersonalPrintForm | SeveralPrintForm, entries: list[Entry]) -> Any:
    """Render the personalised PDF in memory (as "Maak PDF" does) and send it from memory."""
    first = entries[0]
    title = pack_title([e.title for e in entries])  # the job's name in the printer's list
    record: list[str] = []

    def plan(queue: Queue, copies: int) -> PrintPlan:
        personal = form.personal()
        pdf = _print(entries, personal)
        record.append(record_line(_items(entries), personal))
        return plan_handout(queue, pdf, job_name(title, first.version), copies)

    return _send(form, "personal", plan, record)


def _send(
    form: PrintFields,
    what: str,
    make_plan: Callable[[Queue, int], PrintPlan],
    record: list[str] | None = None,
) -> Any:
    """Check the form, plan the job, hand it to CUPS; the job's first state (202) or what to fix."""
    choice = print_choice(what)
    if choice is None:
        return _answer({"message": _("Er is hier geen printer om op af te drukken.")}, 503)
    form.choose(choice.printers, choice.most_copies)
    try:
        if not form.validate():
            raise FormError(form.print_messages())
        queue = _queue(form.printer.data)
        job = send(make_plan(queue, int(form.copies.data or 1)))
    except FormError as exc:
        return _answer({"errors": exc.errors}, 422)
    except PrintError as exc:
        log.warning("desk: printing to %s failed: %s", form.printer.data, exc)
        return _answer({"message": _(REFUSED)}, 503)
    log.info("desk: %s sent to %s", job, queue.name)
    answer = {
        "job": job,
        "printer": queue.name,
        "label": job_label(JobStatus(job, JobState.QUEUED)),
        "status": url_for("desk.print_status", job=job),
        "record": record[0] if record else "",
    }
    return _answer(answer, 202)


def _queue(name: str) -> Queue:
    """The chosen queue as the page offered it (asking CUPS again costs half a second under load)."""
    for queue in known_queues():
        if queue.name == name:
            return queue
    return find_queue(name)


def _answer(body: dict[str, Any], code: int) -> Any:
    """JSON for the page's script; a short Dutch page for a browser without it."""
    if wants_json():
        return jsonify(body), code
    if code == 202:
        title = _("Naar de printer")
        message = _("Verstuurd naar %(printer)s: %(state)s.", printer=body["printer"], state=body["label"])
    else:
        title = _("Niet afgedrukt")
        message = body.get("message") or " ".join(body.get("errors", {}).values())
    return render_template("error.html", title=title, message=message), code

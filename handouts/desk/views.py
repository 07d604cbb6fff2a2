"""The desk's pages, forms and files: one Blueprint of small views.

Every view finds the desk's state with ``current_desk()``. Only the files the catalogue lists
are served: no path from a request ever reaches the disk.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from ..models import Metaphor
from ..pdfjoin import join
from . import staff as staff_page
from .catalogue import Entry
from .forms import AccessForm, PersonalForm, RebuildForm, SeveralForm
from .guard import client_key, current_attempts, inside, local_target, locked_message
from .personal import (
    NAME_MAX,
    NOTE_MAX,
    Personal,
    cut_advice,
    job,
    pack_job,
    pack_title,
    record_line,
    therapists,
)
from .search import MAX_QUERY, results
from .state import current_desk
from .words import N_, _

ACCESS_CODE = "DESK_ACCESS_CODE"  # app.config: the practice's access code, or None
MAX_SEVERAL = 20  # handouts printed together at most
QUEUED = "opnieuw"  # the flash category: a rebuild was asked for
NOT_PERSONAL = N_(
    "Deze handout kan nu niet persoonlijk gemaakt worden: de tekst heeft een fout. "
    "Druk de laatste goede versie af, zonder persoonlijk blok."
)
NOT_MADE = N_("Deze handout kon niet gemaakt worden. Vraag het na bij wie de inhoud beheert.")
REBUILD_BUTTON = N_("knop Opnieuw bouwen")  # why a build ran, as "Inhoud" lists it
log = logging.getLogger("handouts.desk")
desk = Blueprint("desk", __name__)


class FormError(Exception):
    """Input the desk cannot print: a message per form field, in Dutch."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def wants_json() -> bool:
    """The page's script asks for JSON (errors as data); a browser without it gets a page."""
    return request.accept_mimetypes.best == "application/json"


# ---------------------------------------------------------------------------- access


@desk.route("/toegang", methods=["GET", "POST"])
def access() -> Any:
    target = local_target(request.args.get("next"))
    form = AccessForm(current_app.config[ACCESS_CODE])
    if not form.is_submitted():
        return render_template("access.html", error=None, next=target)
    attempts, client = current_attempts(), client_key(request.remote_addr)
    wait = attempts.admit(client)  # counted before it is checked: parallel guesses count too
    if not wait and form.validate():
        attempts.succeeded(client)
        session["access"] = True
        return redirect(target)
    wait = wait or attempts.locked_for(client)
    if wait:  # locked out: at once, without holding a thread
        page = render_template("access.html", error=locked_message(wait), next=target)
        return page, 429, {"Retry-After": str(wait)}
    return render_template("access.html", error=form.code.errors[-1], next=target), 401


# ---------------------------------------------------------------------------- pages


@desk.get("/")
def catalogue() -> Any:
    shown = current_desk().catalogue
    query = request.args.get("q", "")[:MAX_QUERY]
    hits = results(shown, query)
    if wants_json():
        return jsonify(query=query, hits=None if hits is None else [hit.as_json() for hit in hits])
    return render_template("catalogue.html", catalogue=shown, query=query, hits=hits)


@desk.get("/handout/<kind>/<slug>")
def item(kind: str, slug: str) -> Any:
    return render_template("item.html", entry=_entry(kind, slug), **_form_context())


@desk.post("/handout/<kind>/<slug>")
def personalise(kind: str, slug: str) -> Any:
    entry = _entry(kind, slug)
    form = PersonalForm(therapists=_therapists(), tip_count=len(entry.tips))
    return _print_or_explain(form, [entry], f"{entry.slug}.pdf", "item.html", entry=entry)


@desk.get("/samen")
def several() -> Any:
    entries = _chosen(request.args.getlist("item"))
    return render_template("several.html", entries=entries, **_form_context())


@desk.post("/samen")
def several_print() -> Any:
    form = SeveralForm(therapists=_therapists())
    entries = _chosen(form.items.data)
    return _print_or_explain(form, entries, "handouts-samen.pdf", "several.html", entries=entries)


@desk.get("/boekje")
def booklet() -> Any:
    entry = current_desk().catalogue.booklet
    if entry is None:
        abort(404)
    return render_template("booklet.html", entry=entry)


@desk.get("/inhoud")
def staff() -> Any:
    queued = bool(get_flashed_messages(category_filter=[QUEUED]))  # once, after the button
    return render_template("staff.html", **staff_page.context(current_desk(), queued))


@desk.post("/inhoud/opnieuw")
def rebuild() -> Any:
    if not RebuildForm().validate_on_submit():
        abort(400)
    state = current_desk()
    state.reason = REBUILD_BUTTON
    state.request_rebuild()
    flash("rebuild", QUEUED)  # only its category is read
    return redirect(url_for("desk.staff"), code=303)  # post, redirect, get: a reload asks nothing


# ---------------------------------------------------------------------------- files: only these


@desk.get("/pdf/<path:name>")
def pdf(name: str) -> Any:
    return _send_pdf(name, attachment=False)


@desk.get("/download/<path:name>")
def download(name: str) -> Any:
    return _send_pdf(name, attachment=True)


@desk.get("/thumb/<path:name>")
def thumb(name: str) -> Any:
    state = current_desk()
    if name not in state.catalogue.files or not name.endswith(".png"):
        abort(404)
    return send_file(_file(name), mimetype="image/png", max_age=3600)


def _send_pdf(name: str, attachment: bool) -> Any:
    state = current_desk()
    if name not in state.catalogue.files or not name.endswith(".pdf"):
        abort(404)
    return send_file(
        _file(name),
        mimetype="application/pdf",
        as_attachment=attachment,
        download_name=name.replace("/", "-"),
        max_age=0,
    )


def _file(name: str) -> Path:
    """A file of the output folder, only when it is a regular file inside it (no symlink out)."""
    found = inside(current_desk().out, name)
    if found is None:
        abort(404)
    return found


# ---------------------------------------------------------------------------- helpers


def _entry(kind: str, slug: str) -> Entry:
    entry = current_desk().catalogue.by_key.get(f"{kind}/{slug}")
    if entry is None:
        abort(404)
    return entry


def _chosen(keys: list[str]) -> list[Entry]:
    by_key = current_desk().catalogue.by_key
    entries = [by_key[k] for k in dict.fromkeys(keys) if k in by_key]
    if not entries:
        abort(404)
    return entries[:MAX_SEVERAL]


def _items(entries: list[Entry]) -> list[Any]:
    """The items handed out, for the record line (one whose text has an error: as listed)."""
    content = current_desk().catalogue.content
    assert content is not None
    return [content.item(e.key) or e for e in entries]


def _therapists() -> tuple[str, ...]:
    content = current_desk().catalogue.content
    return therapists(content.practice if content else None)


def _form_context() -> dict[str, Any]:
    """What the personal form needs to be shown, empty."""
    return {
        "therapists": _therapists(),
        "today": datetime.date.today().isoformat(),
        "note_max": NOTE_MAX,
        "name_max": NAME_MAX,
        "values": {},
        "errors": {},
    }


def _print_or_explain(
    form: PersonalForm, chosen: list[Entry], filename: str, template: str, **context: Any
) -> Any:
    """The personalised PDF; or the form again with what to change (422)."""
    try:
        if not form.validate():
            raise FormError(form.messages())
        personal = form.personal()
        pdf = _print(chosen, personal)
    except FormError as exc:
        return _form_errors(exc, template, **context)
    return _pdf_response(pdf, filename, record_line(_items(chosen), personal))


def _form_errors(exc: FormError, template: str, **context: Any) -> Any:
    """The form again, filled in as sent, with a message at each field (JSON for the script)."""
    if wants_json():
        return jsonify(errors=exc.errors), 422
    form = _form_context()
    form["values"] = {
        "naam": request.form.get("naam", ""),
        "datum": request.form.get("datum", ""),
        "therapeut": request.form.get("therapeut", ""),
        "notitie": request.form.get("notitie", ""),
        "tips": request.form.getlist("tip"),
    }
    form["errors"] = exc.errors
    return render_template(template, **context, **form), 422


def _print(entries: list[Entry], personal: Personal) -> bytes:
    """The handouts as one PDF, the first personalised, each from a new sheet. A handout whose
    text has an error prints from its last good PDF: the personal block goes on the first
    without one."""
    state = current_desk()
    content = state.catalogue.content
    assert content is not None
    personal_ones = [e for e in entries if not e.broken]
    if not personal_ones:
        raise FormError({"form": _(NOT_PERSONAL)})
    first = personal_ones[0]
    title = pack_title([e.title for e in entries])
    whole = len(personal_ones) == len(entries) and len(entries) > 1
    render_job = pack_job([e.key for e in entries], content, personal, title) if whole else None
    result = state.render(render_job or job(first.key, content, personal))
    if result.outputs is None:
        if result.pages > 1 and isinstance(content.item(first.key), Metaphor):
            raise FormError({"notitie": cut_advice(result.overflow_mm, personal.note)})
        log.error("desk: personalised %s did not render (%d problem(s))", first.key, len(result.problems))
        raise FormError({"form": _(NOT_MADE)})
    made = result.outputs[0][1]
    if render_job is not None or len(entries) == 1:
        return made
    return join([made if e is first else _file(e.pdf).read_bytes() for e in entries], title)


def _pdf_response(pdf: bytes, filename: str, record: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Meegegeven"] = quote(record)
    return response

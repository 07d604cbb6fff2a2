"""The therapist's desk: a small Flask application over the built handouts.

Find a handout, print it, personalise it (name, date, therapist, note, ticked tips) or print
several as one PDF; reception's booklet page; the staff's "Inhoud" page.

Privacy: a patient's name and note come in by POST, go into the HTML of one render job and
out as the PDF of that response (``Cache-Control: no-store``). They are never written to disk,
logged, put in a URL, a file name, the PDF's metadata or an error message. There is no access
log; an unexpected error logs its type and the route only.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Flask,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from .build import Workers
from .catalogue import BuildRecord, Catalogue, Entry
from .models import Metaphor
from .paths import DESK_STATIC, DESK_TEMPLATES
from .pdf import RenderJob, RenderResult, render
from .personal import NAME_MAX, NOTE_MAX, Personal, cut_advice, job, merge, record_line, therapists

MAX_BODY = 16 * 1024  # bytes: the largest form is a few hundred characters
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
log = logging.getLogger("handouts.desk")


@dataclass
class Desk:
    """The desk's state: the current catalogue, the builds so far, the render workers."""

    content_dir: Path
    out: Path
    workers: Workers
    catalogue: Catalogue = field(default_factory=Catalogue)
    history: deque[BuildRecord] = field(default_factory=lambda: deque(maxlen=20))
    building: bool = False
    reason: str = "wijziging in de inhoud"  # why the next build runs, as the staff page says it
    request_rebuild: Callable[[], None] = lambda: None
    _render_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Flask resolves a relative file against the package, not the working folder.
        self.out = self.out.resolve()

    def render(self, render_job: RenderJob) -> RenderResult:
        """Render on a warm worker (or here, one at a time, when there is a single worker)."""
        pool = self.workers.pool
        if pool is not None:
            try:
                return pool.submit(render, render_job).result()
            except Exception:  # the pool broke (a worker was killed): render here instead
                pass
        with self._render_lock:
            return render(render_job)


class FormError(Exception):
    """Input the desk cannot print: a message per form field, in Dutch."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def create_app(desk: Desk, access_code: str | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(DESK_TEMPLATES), static_folder=str(DESK_STATIC))
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # new at every start: sessions end with the server
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SESSION_COOKIE_NAME="desk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a page left open for a working day still works
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True
    CSRFProtect(app)

    def practice_name() -> str:
        practice = desk.catalogue.content.practice if desk.catalogue.content else None
        return practice.name if practice else "Handouts"

    @app.context_processor
    def common() -> dict[str, Any]:
        return {"practice_name": practice_name(), "access_code": access_code is not None}

    # ------------------------------------------------------------------ access and headers

    @app.before_request
    def require_access() -> Any:
        if access_code is None or request.endpoint in ("access", "static") or session.get("access"):
            return None
        return redirect(url_for("access", next=request.path))

    @app.route("/toegang", methods=["GET", "POST"])
    def access() -> Any:
        target = request.args.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        error = None
        if request.method == "POST":
            given = request.form.get("code", "")
            if access_code is not None and hmac.compare_digest(given.encode(), access_code.encode()):
                session["access"] = True
                return redirect(target)
            error = "Deze toegangscode klopt niet. Probeer het opnieuw."
            time.sleep(1)  # guessing codes goes slowly
        return render_template("access.html", error=error, next=target), 401 if error else 200

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if response.mimetype == "application/pdf":
            # The browser's own PDF viewer must run: no script or style rules for it.
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        else:
            response.headers["Content-Security-Policy"] = CSP
        if request.endpoint != "static" and request.endpoint != "thumb":
            response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------ errors, in Dutch

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        message = (
            "Deze pagina was verlopen of kwam niet van de desk. Laad de pagina opnieuw en probeer nog eens."
        )
        return _error(400, "Formulier verlopen", message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        titles = {
            404: ("Niet gevonden", "Deze pagina of dit bestand bestaat niet (meer)."),
            405: ("Niet toegelaten", "Dit kan op deze manier niet."),
            413: ("Te groot", "Wat je verstuurde is te groot. Maak de notitie korter."),
        }
        title, message = titles.get(code, ("Ongeldige vraag", "Deze vraag kan de desk niet beantwoorden."))
        return _error(code, title, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        # The type and route only: the message could quote what was typed in the form.
        log.error("desk: unexpected %s on %s %s", type(error).__name__, request.method, request.url_rule)
        return _error(500, "Er ging iets mis", "Er ging iets mis op de desk. Probeer het opnieuw.")

    def _error(code: int, title: str, message: str) -> Any:
        if _wants_json():
            return jsonify(message=message), code
        return render_template("error.html", title=title, message=message), code

    # ------------------------------------------------------------------ pages

    @app.get("/")
    def catalogue() -> Any:
        return render_template("catalogue.html", catalogue=desk.catalogue)

    @app.get("/handout/<kind>/<slug>")
    def item(kind: str, slug: str) -> Any:
        entry = _entry(kind, slug)
        return render_template("item.html", entry=entry, **_form_context())

    @app.post("/handout/<kind>/<slug>")
    def personalise(kind: str, slug: str) -> Any:
        entry = _entry(kind, slug)
        try:
            personal = _read_form(entry)
            pdf = _print([entry], personal)
        except FormError as exc:
            return _form_errors(exc, "item.html", entry=entry)
        return _pdf_response(pdf, f"{entry.slug}.pdf", record_line(_items([entry]), personal))

    @app.get("/samen")
    def several() -> Any:
        entries = _chosen(request.args.getlist("item"))
        return render_template("several.html", entries=entries, **_form_context())

    @app.post("/samen")
    def several_print() -> Any:
        entries = _chosen(request.form.getlist("item"))
        try:
            personal = _read_form(None)
            pdf = _print(entries, personal)
        except FormError as exc:
            return _form_errors(exc, "several.html", entries=entries)
        return _pdf_response(pdf, "handouts-samen.pdf", record_line(_items(entries), personal))

    @app.get("/boekje")
    def booklet() -> Any:
        if desk.catalogue.booklet is None:
            abort(404)
        return render_template("booklet.html", entry=desk.catalogue.booklet)

    @app.get("/inhoud")
    def staff() -> Any:
        return render_template(
            "staff.html",
            catalogue=desk.catalogue,
            history=list(reversed(desk.history)),
            last=desk.history[-1] if desk.history else None,
            building=desk.building,
            queued=request.args.get("opnieuw") == "1",
        )

    @app.post("/inhoud/opnieuw")
    def rebuild() -> Any:
        desk.reason = "knop Opnieuw bouwen"
        desk.request_rebuild()
        return redirect(url_for("staff", opnieuw=1), code=303)

    # ------------------------------------------------------------------ files: only these

    @app.get("/pdf/<path:name>")
    def pdf(name: str) -> Any:
        return _send(name, attachment=False)

    @app.get("/download/<path:name>")
    def download(name: str) -> Any:
        return _send(name, attachment=True)

    @app.get("/thumb/<path:name>")
    def thumb(name: str) -> Any:
        if name not in desk.catalogue.files or not name.endswith(".png"):
            abort(404)
        return send_file(desk.out / name, mimetype="image/png", max_age=3600)

    def _send(name: str, attachment: bool) -> Any:
        # Only the PDFs the catalogue lists: no path from the request ever reaches the disk.
        if name not in desk.catalogue.files or not name.endswith(".pdf"):
            abort(404)
        return send_file(
            desk.out / name,
            mimetype="application/pdf",
            as_attachment=attachment,
            download_name=name.replace("/", "-"),
            max_age=0,
        )

    # ------------------------------------------------------------------ helpers

    def _entry(kind: str, slug: str) -> Entry:
        entry = desk.catalogue.by_key.get(f"{kind}/{slug}")
        if entry is None:
            abort(404)
        return entry

    def _chosen(keys: list[str]) -> list[Entry]:
        entries = [desk.catalogue.by_key[k] for k in dict.fromkeys(keys) if k in desk.catalogue.by_key]
        if not entries:
            abort(404)
        return entries[:20]

    def _items(entries: list[Entry]) -> list[Any]:
        content = desk.catalogue.content
        assert content is not None
        return [content.item(e.key) for e in entries]

    def _form_context() -> dict[str, Any]:
        content = desk.catalogue.content
        return {
            "therapists": therapists(content.practice if content else None),
            "today": datetime.date.today().isoformat(),
            "note_max": NOTE_MAX,
            "name_max": NAME_MAX,
            "values": {},
            "errors": {},
        }

    def _form_errors(exc: FormError, template: str, **context: Any) -> Any:
        """The form again, filled in as sent, with a message at each field (JSON for the script)."""
        if _wants_json():
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

    def _read_form(entry: Entry | None) -> Personal:
        form = request.form
        errors: dict[str, str] = {}
        name = " ".join(form.get("naam", "").split())
        if len(name) > NAME_MAX:
            errors["naam"] = f"Een naam van hoogstens {NAME_MAX} tekens, alsjeblieft."
        try:
            date = datetime.date.fromisoformat(form.get("datum", "") or datetime.date.today().isoformat())
        except ValueError:
            errors["datum"] = "Kies een geldige datum."
            date = datetime.date.today()
        therapist = " ".join(form.get("therapeut", "").split())
        known = therapists(desk.catalogue.content.practice if desk.catalogue.content else None)
        if therapist and known and therapist not in known:
            errors["therapeut"] = "Kies een therapeut uit de lijst."
        elif len(therapist) > NAME_MAX:
            errors["therapeut"] = f"Een naam van hoogstens {NAME_MAX} tekens, alsjeblieft."
        note = form.get("notitie", "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(note) > NOTE_MAX:
            errors["notitie"] = f"De notitie is {len(note)} tekens lang; hoogstens {NOTE_MAX}, alsjeblieft."
        unprintable = _unprintable(name + therapist + note)
        if unprintable:
            where = "notitie" if _unprintable(note) else "naam"
            errors[where] = f"Dit teken kan niet afgedrukt worden: {' '.join(unprintable)}. Laat het weg."
        ticked: list[int] = []
        tips = entry.tips if entry else ()
        for value in form.getlist("tip"):
            if not value.isdigit() or int(value) >= len(tips):
                errors["tips"] = "Kies tips uit de lijst."
                break
            ticked.append(int(value))
        if errors:
            raise FormError(errors)
        return Personal(
            date=date, name=name, therapist=therapist, note=note, ticked=tuple(sorted(set(ticked)))
        )

    def _print(entries: list[Entry], personal: Personal) -> bytes:
        content = desk.catalogue.content
        assert content is not None
        first = entries[0]
        result = desk.render(job(first.key, content, personal))
        if result.outputs is None:
            if result.pages > 1 and isinstance(content.item(first.key), Metaphor):
                raise FormError({"notitie": cut_advice(result.overflow_mm, personal.note)})
            log.error("desk: personalised %s did not render (%d problem(s))", first.key, len(result.problems))
            raise FormError(
                {"form": "Deze handout kon niet gemaakt worden. Vraag het na bij wie de inhoud beheert."}
            )
        pdfs = [result.outputs[0][1]]
        pdfs += [(desk.out / e.pdf).read_bytes() for e in entries[1:]]
        if len(pdfs) == 1:
            return pdfs[0]
        return merge(pdfs, f"Handouts - {practice_name()}")

    def _pdf_response(pdf: bytes, filename: str, record: str) -> Response:
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        response.headers["X-Meegegeven"] = quote(record)
        return response

    return app


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _unprintable(text: str) -> list[str]:
    """Characters the bundled font cannot draw (they would print as empty boxes)."""
    from .glyphs import supported

    have = supported()
    return sorted({c for c in text if ord(c) not in have and not c.isspace()})

"""``create_app``: the desk's Flask application over one ``Desk`` (its state).

The app adds what holds for every page to the views (views.py): the host names it answers, the
access code (with its lockout, guard.py), the security headers, and errors as a Dutch page (or
JSON for the page's script).

Privacy: a patient's name and note come in by POST, go into the HTML of one render job and
out as the PDF of that response (``Cache-Control: no-store``). They are never written to disk,
logged, put in a URL, a file name, the PDF's metadata or an error message. There is no access
log; an unexpected error logs its type and the route only.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from typing import Any

from flask import Flask, Response, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..paths import DESK_STATIC, DESK_TEMPLATES
from .guard import ATTEMPTS, HOSTS, LOOPBACK_NAMES, Attempts, check_host, host_name
from .state import EXTENSION, Desk, current_desk
from .views import ACCESS_CODE, desk, log, wants_json
from .words import N_, WORDS, Translations, _, install, script_words

MAX_BODY = 16 * 1024  # bytes: the largest form is a few hundred characters
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; frame-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HTTP_ERRORS = {  # status -> (title, message) of the error page
    404: (N_("Niet gevonden"), N_("Deze pagina of dit bestand bestaat niet (meer).")),
    405: (N_("Niet toegelaten"), N_("Dit kan op deze manier niet.")),
    413: (N_("Te groot"), N_("Wat je verstuurde is te groot. Maak de notitie korter.")),
}
OTHER_ERROR = (N_("Ongeldige vraag"), N_("Deze vraag kan de desk niet beantwoorden."))
EXPIRED = N_("Deze pagina was verlopen of kwam niet van de desk. Laad de pagina opnieuw en probeer nog eens.")


def create_app(
    state: Desk,
    access_code: str | None = None,
    hosts: Collection[str] = LOOPBACK_NAMES,
    words: Translations | None = None,
) -> Flask:
    """The desk over ``state``; with ``access_code``, a browser gives it once before anything else.

    ``hosts``: the host names it answers (guard.allowed_hosts); any other ``Host`` gets 400.
    ``words``: the translations of the desk's own words (words.py); None: Dutch, as written.
    """
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
    from . import printviews  # noqa: F401  (the print buttons' routes join the desk Blueprint)

    app.config[ACCESS_CODE] = access_code
    app.config[HOSTS] = frozenset(filter(None, map(host_name, hosts)))
    app.extensions[EXTENSION] = state
    app.extensions[ATTEMPTS] = Attempts()
    if words is not None:
        app.extensions[WORDS] = words
    app.jinja_env.autoescape = True
    install(app.jinja_env)
    app.before_request(check_host)  # first: a page for another site's name is never answered
    CSRFProtect(app)
    app.register_blueprint(desk)
    app.context_processor(common)
    app.before_request(require_access)
    app.after_request(headers)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
    return app


def common() -> dict[str, Any]:
    """What every page's frame shows: the practice's name, whether there is an access code, and
    the words the page's script writes itself."""
    return {
        "practice_name": current_desk().practice_name,
        "access_code": current_app.config[ACCESS_CODE] is not None,
        "script_words": script_words,
    }


def require_access() -> Any:
    """With an access code, every page but the code's own waits until this browser gave it."""
    if current_app.config[ACCESS_CODE] is None or request.endpoint in ("desk.access", "static"):
        return None
    if session.get("access"):
        return None
    return redirect(url_for("desk.access", next=request.path))


def headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if response.mimetype == "application/pdf":
        # The browser's own PDF viewer must run: no script or style rules for it; the desk's
        # own pages may load it in a hidden frame to open the print dialog (print.js).
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response.headers["Content-Security-Policy"] = CSP
    if request.endpoint not in ("static", "desk.thumb"):
        response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- errors, in Dutch


def csrf_error(error: CSRFError) -> Any:
    return _error(400, _("Formulier verlopen"), _(EXPIRED))


def http_error(error: HTTPException) -> Any:
    code = error.code or 500
    title, message = HTTP_ERRORS.get(code, OTHER_ERROR)
    return _error(code, _(title), _(message))


def unexpected(error: Exception) -> Any:
    # The type and route only: the message could quote what was typed in the form.
    log.error("desk: unexpected %s on %s %s", type(error).__name__, request.method, request.url_rule)
    return _error(500, _("Er ging iets mis"), _("Er ging iets mis op de desk. Probeer het opnieuw."))


def _error(code: int, title: str, message: str) -> Any:
    if wants_json():
        return jsonify(message=message), code
    return render_template("error.html", title=title, message=message), code

"""The web blueprint: its pages' headers (a strict Content-Security-Policy), error pages, and
what every template may use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..clock import timestamp
from ..errors import Error, Unauthenticated
from ..markings import TLP_ORDER
from ..members import CURRENT_CODES as AGENCIES
from . import present
from .access import csrf_token

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

#: Pages run only the node's own scripts and styles (no inline script, style attribute or
#: other site): an injected tag or attribute in record text does nothing even if escaping
#: failed. Images: the node's own, and charts exported in the page (data:, blob:).
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: Static files change only with a release: a browser may keep them a day.
STATIC_CACHE = "private, max-age=86400"


@bp.after_request
def _page_headers(response: Response) -> Response:
    """Every page's policy; the API's hardening adds the other security headers."""
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    if request.endpoint == "web.static":
        response.headers["Cache-Control"] = STATIC_CACHE
    return response


@bp.errorhandler(Error)
def _domain_error(error: Error) -> Any:
    """Our errors as pages: signing in again for a lost session, else a page that says what
    is wrong (5xx say nothing more)."""
    if isinstance(error, Unauthenticated):
        return redirect(url_for("web.sign_in", next=request.path))
    status = error.status
    message = error.message if status < 500 else "Internal error"
    return render_template("error.html", status=status, message=message,
                           request_id=g.get("request_id")), status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    return render_template("error.html", status=status, message=error.description,
                           request_id=g.get("request_id")), status


def init_blueprint(app: Flask) -> None:
    """What templates use, and static files left out of the rate limit (a page loads a few;
    they hold no intelligence)."""
    app.jinja_env.globals.update(csrf_token=csrf_token, AGENCIES=AGENCIES, TLP_ORDER=TLP_ORDER,
                                 me=lambda: g.get("principal"),
                                 now_utc=lambda: timestamp()[:19] + "Z")
    app.jinja_env.filters.update(present.FILTERS)
    for limiter in app.extensions.get("limiter", ()):
        limiter.exempt(app.view_functions["web.static"])

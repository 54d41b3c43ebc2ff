"""What every request and response goes through, whoever handles it.

- Bodies: ``POST``, ``PUT`` and ``PATCH`` under ``/api/`` must be ``application/json`` (415),
  within the size limit (413, also for chunked bodies) and nested at most 32 deep (400).
- Rate limits per token (flask-limiter): the key is a hash of the ``Authorization`` header,
  or the remote address without one; the node's ``rate_limit`` (600 per minute) for
  everything but the feed, which partner nodes page through quickly while catching up and
  which gets ten times as many. Over a limit: 429 with ``Retry-After``.
- A request id (``X-Request-ID``: the client's if it is sane, else a new one) on every
  response, in every log line of the request and in every error body, so a user's report
  finds the log line.
- Security headers on every response: a CSP allowing nothing (the API serves no pages; the
  web interface's pages set their own, web/blueprint.py), no
  sniffing, no framing, no referrer, no caching of intelligence; HSTS over HTTPS.
- Production (``ENFORCE_SHARE_ENV=production``): the node refuses to start in debug mode or
  with a signing key file others may read.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from math import ceil
from pathlib import Path
from time import time
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from limits import parse
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, TooManyRequests

from ..config import Config
from ..errors import ConfigError, UnsupportedMediaType
from ..signing.keys import load_private_key, private_kids
from .auth import rate_key

MAX_DEPTH = 32
FEED_ENDPOINT = "feed.feed"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def depth(value: Any) -> int:
    """How deeply ``value``'s arrays and objects nest (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def bad_request(message: str, field: str, problem: str) -> BadRequest:
    """A 400 whose error body names ``field`` (api/errors.py reads ``data["messages"]``)."""
    error = BadRequest(message)
    error.data = {"messages": {field: [problem]}}
    return error


class DepthLimitedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than MAX_DEPTH or holding a number
    longer than Python converts (400, not a crash)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
            too_deep = depth(value) > MAX_DEPTH
        except RecursionError:  # deeper than Python's parser goes
            too_deep = True
        except json.JSONDecodeError:
            raise  # not JSON: the handler's parser says so, naming the body
        except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
            raise bad_request("A JSON number has too many digits", "body",
                              f"Numbers of at most {sys.get_int_max_str_digits()} digits."
                              ) from exc
        if too_deep:
            raise bad_request(f"JSON nested deeper than {MAX_DEPTH} levels", "body",
                              f"Nested deeper than {MAX_DEPTH} levels.")
        return value


def _check_request() -> None:
    """No NUL characters in the path or query (no database takes them); bodies declared
    JSON, within the size limit, not too deep: all before any handler reads them."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        raise bad_request("NUL characters in the path or query", "query", "No NUL characters.")
    if (request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/")
            or request.url_rule is None):  # no such operation: 404 or 405 says so
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json",
                                   {"Content-Type": ["Must be application/json."]})
    body = request.get_data(cache=True)  # over the limit with a length: 413 here
    if request.content_length is None and len(body) >= current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()  # chunked: werkzeug stops reading at the limit
    if body:
        try:
            current_app.json.loads(body)
        except ValueError:
            return  # not JSON at all: the handler's parser says so, naming the body


def _request_id() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():  # a web page sets its own policy (web/)
        response.headers.setdefault(name, value)
    if response.status_code == 401:  # RFC 6750: say which scheme to use
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="enforce-share"')
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
        if response.status_code >= 400 and response.mimetype == "application/json":
            body = response.get_json(silent=True)
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                body["error"]["request_id"] = request_id
                response.set_data(json.dumps(body))
    return response


_plain_record = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every log record carries ``request_id`` (``-`` outside a request) for formats."""
    record = _plain_record(*args, **kwargs)
    record.request_id = g.get("request_id", "-") if has_request_context() else "-"
    return record


def check_production(app: Flask, keys_dir: Path) -> None:
    """In production, refuse debug mode and key files others may read (ConfigError)."""
    if os.environ.get("ENFORCE_SHARE_ENV") != "production":
        return
    if app.debug or os.environ.get("FLASK_DEBUG") not in (None, "", "0"):
        raise ConfigError("Refusing to start: debug mode is on in production")
    for kid in private_kids(keys_dir):
        try:
            load_private_key(keys_dir, kid)
        except Exception as exc:  # readable by others, unreadable, or not the key named
            raise ConfigError(f"Refusing to start: {exc}") from exc


#: Failed sign-ins allowed per user name and per address, after which signing in waits:
#: each costs an argon2 check (a flood of wrong passwords slowed every other request 40-fold)
#: and a name must not be guessed at for ever. A right password does not count.
FAILED_SIGN_INS = {"name": parse("5 per 15 minutes"), "address": parse("20 per 15 minutes")}


class SignInGuard:
    """Counts failed sign-ins in the rate limiter's storage (shared by the workers when it
    is shared, see ``rate_limit_storage``)."""

    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter

    def check(self, name: str, address: str) -> None:
        """Raise a 429 naming the field if ``name`` or ``address`` failed too often."""
        strategy = self._limiter.limiter
        for field, value in (("name", name), ("address", address)):
            item = FAILED_SIGN_INS[field]
            if not strategy.test(item, "sign-in", field, value):
                reset = strategy.get_window_stats(item, "sign-in", field, value).reset_time
                error = TooManyRequests("Too many failed sign-ins: try again later")
                error.data = {"messages": {field: [f"Too many failed sign-ins ({item})."]},
                              "headers": {"Retry-After": str(max(1, ceil(reset - time())))}}
                raise error

    def failed(self, name: str, address: str) -> None:
        """Count one failed sign-in of ``name`` from ``address``."""
        for field, value in (("name", name), ("address", address)):
            self._limiter.limiter.hit(FAILED_SIGN_INS[field], "sign-in", field, value)


def init_hardening(app: Flask, config: Config) -> Limiter:
    """Wire body checks, rate limits, request ids and headers; check production settings."""
    check_production(app, config.keys_dir)
    app.json = DepthLimitedJSON(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.rate_limit_storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.before_request(_request_id)
    app.before_request(_check_request)
    usual = parse(config.rate_limit)
    feed = f"{usual.amount * 10} per {usual.multiples} {usual.GRANULARITY.name}"
    limiter = Limiter(rate_key, app=app, default_limits=[
        lambda: feed if request.endpoint == FEED_ENDPOINT else config.rate_limit])
    app.after_request(_finish)
    app.extensions["enforce_share_sign_ins"] = SignInGuard(limiter)
    logging.setLogRecordFactory(_record_with_request_id)
    return limiter

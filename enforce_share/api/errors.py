"""The one JSON error body, for every error: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

import logging
from typing import Any

from apispec import BasePlugin
from flask import Flask, current_app, g
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..errors import Error
from .schemas import ErrorSchema

log = logging.getLogger(__name__)

#: Status -> stable code for errors raised by Flask or webargs rather than by our domain.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "internal_error",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error document."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class CommonResponses(BasePlugin):
    """Documents the answers any operation may give: 400 (a malformed request, e.g. NUL
    characters), 429 (rate limit), and for operations taking a body 413 (too large) and 415
    (not JSON)."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", "BAD_REQUEST")
            responses.setdefault("429", "TOO_MANY_REQUESTS")
            if method in ("post", "put", "patch"):
                responses.setdefault("413", "REQUEST_ENTITY_TOO_LARGE")
                responses.setdefault("415", "UNSUPPORTED_MEDIA_TYPE")


class NodeApi(Api):
    """flask-smorest's Api with our error body (also in the OpenAPI document)."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask) -> None:
        super().__init__(app, spec_kwargs={"extra_plugins": [CommonResponses()]})
        app.register_error_handler(Error, self.handle_domain_error)

    def handle_domain_error(self, error: Error) -> tuple[dict[str, Any], int]:
        """Our own errors: their code, message and fields, their status; 5xx say nothing."""
        if error.status >= 500:
            log.error("request %s: %s: %s", g.get("request_id", "-"), error.code, error.message)
            return error_body("internal_error", "Internal error"), error.status
        return error_body(error.code, error.message, error.fields), error.status

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Flask and webargs errors, reshaped; 5xx never reveal internals."""
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        fields = _fields(data.get("messages") or data.get("errors") or {})
        message = error.description or error.name
        if status == 413:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            fields = {"body": [f"Request body exceeds {limit} bytes."]}
            message = "Request body too large"
        elif status == 400 and "json" in fields:
            message = "Request body is not valid JSON"
        elif status == 422:
            message = "Invalid input: " + ", ".join(sorted(map(str, fields))) if fields else message
        elif status >= 500:
            log.exception("request %s: unhandled error", g.get("request_id", "-"),
                          exc_info=error.__cause__ or error)
            message = "Internal error"
        return error_body(HTTP_CODES.get(status, "error"), message, fields), status, data.get(
            "headers", {}
        )


def _fields(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests messages by location (json, query); callers care about field names."""
    merged: dict[str, Any] = {}
    for location, problems in messages.items():
        if isinstance(problems, dict):
            merged.update(problems)
        else:
            merged[location] = problems
    return merged

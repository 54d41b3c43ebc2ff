"""The one exception hierarchy of enforce-share; the API and the CLI map it to answers."""

from __future__ import annotations

from typing import Any


class Error(Exception):
    """Base of every error the node reports to a user. ``code`` is stable, ``status`` HTTP."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ConfigError(Error):
    """The node is not set up, or its configuration is invalid."""

    code = "config_error"
    status = 500


class InvalidInput(Error):
    """Input failed validation; ``fields`` names what is wrong."""

    code = "invalid"
    status = 422


class NotFound(Error):
    """No such record, key or partner."""

    code = "not_found"
    status = 404


class Unauthenticated(Error):
    """No valid credentials: a missing, unknown, expired or revoked token, a bad signature."""

    code = "unauthorized"
    status = 401


class Forbidden(Error):
    """Authenticated, but the role does not allow this."""

    code = "forbidden"
    status = 403


class Gone(Error):
    """The record was withdrawn by its origin."""

    code = "withdrawn"
    status = 410


class Conflict(Error):
    """The request conflicts with what is stored (e.g. superseding a superseded record)."""

    code = "conflict"
    status = 409


class UnsupportedMediaType(Error):
    """The request body is not declared as JSON."""

    code = "unsupported_media_type"
    status = 415


class VerificationError(Error):
    """A signature, key or hash chain failed verification. ``reason`` is machine-readable."""

    code = "verification_failed"
    status = 422

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}", {"jws": [message]})
        self.reason, self.detail = reason, message


class KeyManagementError(Error):
    """A key operation is refused (no private key, revoking the only signing key, ...)."""

    code = "key_error"
    status = 409

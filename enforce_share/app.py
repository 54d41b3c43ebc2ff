"""The Flask application factory: wiring only (no I/O, no migrations, no scheduler)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from . import __version__
from .api import init_api
from .api.hardening import init_hardening
from .config import Config, load_config
from .node import Node
from .web import init_web


def create_app(config: Config | None = None) -> Flask:
    """Create the node's web application for ``config`` (default: file and environment)."""
    config = config or load_config()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        API_TITLE="enforce-share node",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        SESSION_COOKIE_NAME="es_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=config.session_lifetime),
    )
    node = app.extensions["enforce_share"] = Node(config)
    app.secret_key = node.session_secret()
    init_hardening(app, config)
    init_api(app)
    init_web(app)
    return app

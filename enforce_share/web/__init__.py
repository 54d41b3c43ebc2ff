"""The analyst's desk: server-rendered pages of the node for analysts, liaison officers and
administrators, served at ``/`` next to the API, with every script and style from the node."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    """Register the web interface on ``app`` (its pages, static files and page headers)."""
    from . import actors, admin, cases, home, network, records, search, trends, write  # noqa: F401
    from .blueprint import bp, init_blueprint

    app.register_blueprint(bp)
    init_blueprint(app)

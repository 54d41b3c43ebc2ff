"""The HTTP API: flask-smorest blueprints under /api/v1 and the well-known key set."""

from __future__ import annotations

from flask import Flask

from . import auth
from .auth import init_auth
from .errors import NodeApi


def _current_membership() -> None:
    """Before each request: the membership this node holds, should another process (the
    scheduler, a worker) have stored a new version (markings and shapes follow it)."""
    auth.node().refresh_membership()


def init_api(app: Flask) -> NodeApi:
    """Bind the API and its blueprints to ``app``."""
    from . import (
        audit,
        briefs,
        exports,
        feed,
        graph,
        lists,
        logs,
        node,
        public,
        records,
        screening,
        search,
        session,
        taxii,
    )

    api = NodeApi(app)
    app.before_request(_current_membership)
    init_auth(app, api)
    for blueprint in (records.blp, search.blp, graph.blp, node.blp, node.well_known, feed.blp,
                      audit.blp, session.blp, briefs.blp, exports.blp, screening.blp,
                      lists.blp, public.blp, logs.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(taxii.blp)  # TAXII 2.1 is its own contract, not in the OpenAPI doc
    return api

"""The HTTP API: flask-smorest blueprints under /api/v1 and the well-known key set."""

from __future__ import annotations

from flask import Flask

from .auth import init_auth
from .errors import NodeApi


def init_api(app: Flask) -> NodeApi:
    """Bind the API and its blueprints to ``app``."""
    from . import (
        audit,
        briefs,
        exports,
        feed,
        graph,
        lists,
        node,
        public,
        records,
        screening,
        search,
        session,
        taxii,
    )

    api = NodeApi(app)
    init_auth(app, api)
    for blueprint in (records.blp, search.blp, graph.blp, node.blp, node.well_known, feed.blp,
                      audit.blp, session.blp, briefs.blp, exports.blp, screening.blp,
                      lists.blp, public.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(taxii.blp)  # TAXII 2.1 is its own contract, not in the OpenAPI doc
    return api

"""Alembic environment: runs migrations on the connection handed over by enforce_share.db."""

from __future__ import annotations

from alembic import context

from enforce_share.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the node's configuration
    from enforce_share.config import load_config
    from enforce_share.db import make_engine

    connection = make_engine(load_config().db_url).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

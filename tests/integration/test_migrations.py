"""The Alembic migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from enforce_share.models import Base

#: The full-text table is not a model: FTS5 (and its shadow tables) or a tsvector table.
FULLTEXT = "search_text"


def _modelled(name: str | None, kind: str, parents: dict) -> bool:
    return not (kind == "table" and name and name.startswith(FULLTEXT))


def test_migrated_schema_matches_the_models(node) -> None:
    with node.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_fulltext_table_exists(node) -> None:
    with node.engine.connect() as connection:
        tables = connection.dialect.get_table_names(connection)
    assert FULLTEXT in tables
